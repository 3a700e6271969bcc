"""Batch exchange benchmarks (issue: signed, encrypted batch files). Run on demand:

    .venv/bin/python benchmarks/bench_sync.py [--records 1000] [--county 30000] [--photo-kb 40]

* Export: 1,000 signed records with distinct 40 KB photos through ``export_batches`` (sign,
  encrypt, write, fsync, read back, verify, state changes) beside a plain ``zipfile`` of the
  same records and photos read from the same store. Target: ≤ 1.5× the zip.
* County ingest: a 30,000-record county (synthetic batches of 500 from 10 stations, distinct
  photos) verified and ingested into SQLite. Target: < 60 s.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from sqlalchemy import select  # noqa: E402

from station import auth, records, seeding  # noqa: E402
from station.audit import EVENT_COLUMNS, canonical_json  # noqa: E402
from station.lifecycle import State  # noqa: E402
from station.models import AuditEvent, Candidate, CandidateVersion, Photo  # noqa: E402
from station.photo.stored import PhotoInput  # noqa: E402
from station.settings import KDF_FLOOR, Settings, save  # noqa: E402
from station.setup import init_station  # noqa: E402
from sync import batch_format as bf  # noqa: E402
from sync import station_side  # noqa: E402
from sync.county import db, ingest  # noqa: E402
from sync.county.registry import register_station  # noqa: E402
from sync.keys import CountyKeys, StationPublicKey  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_store import photo_of_size  # noqa: E402

ADMIN = ("admin", "admin-password-1")


def _station(root: Path, county: CountyKeys, count: int, photo_kb: int) -> Path:
    home = root / "station"
    home.mkdir()
    save(home, Settings(kdf=KDF_FLOOR))
    init_station(home, name="基准报名点", county_code="410105", number=1,
                 admin_login=ADMIN[0], admin_password=ADMIN[1])  # fmt: skip
    (root / "county.json").write_text(county.public.to_json())
    rng = random.Random(1)
    with auth.login(home, *ADMIN) as ctx:
        station_side.install_county_key(ctx, root / "county.json")
        ref = ctx.settings.policy().reference_date()
        used: set[str] = set()
        for start in range(0, count, 200):
            with ctx.store.session() as s:
                for i in range(start, min(start + 200, count)):
                    photo = PhotoInput(photo_of_size(photo_kb * 1024), "demo", quality_ok=True)
                    raw = seeding.synthetic_record(rng, ref, used)
                    c = records.create_in(s, ctx, raw, photo, is_demo=True, source="bench")
                    seeding._advance(s, ctx, c, State.SIGNED, i)
    return home


def _plain_zip(home: Path, out: Path) -> None:
    with auth.login(home, *ADMIN) as ctx, ctx.store.read() as s:
        rows = s.execute(
            select(CandidateVersion.canonical, Photo.jpeg, Photo.sha256)
            .join(Photo, Photo.id == CandidateVersion.photo_id)
            .join(Candidate, Candidate.id == CandidateVersion.candidate_id)
            .where(Candidate.state == State.SIGNED.value)
        ).all()
        # The same files a batch carries: records, passwords, the audit chain, photos.
        audit = s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        hashes = s.execute(
            select(Candidate.registration_no, Candidate.password_hash).where(
                Candidate.state == State.SIGNED.value
            )
        ).all()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("records.jsonl", "".join(r.canonical + "\n" for r in rows))
            z.writestr(
                "passwords.jsonl",
                "".join(
                    json.dumps({"registration_no": n, "password_hash": h}) + "\n" for n, h in hashes
                ),
            )
            z.writestr(
                "audit.jsonl",
                "".join(
                    json.dumps(
                        {c: getattr(e, c) for c in EVENT_COLUMNS},
                        ensure_ascii=False,
                    )
                    + "\n"
                    for e in audit
                ),
            )
            for r in rows:
                z.writestr(f"photos/{r.sha256}.jpg", r.jpeg)
        with open(out, "rb") as f:
            os.fsync(f.fileno())


def bench_export(root: Path, count: int, photo_kb: int) -> tuple[float, float, int]:
    county = CountyKeys.generate("410105", "基准县区")
    home = _station(root, county, count, photo_kb)
    zip_out = root / "plain.zip"
    t = time.perf_counter()
    _plain_zip(home, zip_out)
    plain = time.perf_counter() - t
    out = root / "batches"
    out.mkdir()
    t = time.perf_counter()
    with auth.login(home, *ADMIN) as ctx:
        paths = station_side.export_batches(ctx, out)
    ours = time.perf_counter() - t
    return plain, ours, len(paths)


def _synthetic_batches(
    root: Path, county: CountyKeys, total: int, photo_kb: int, stations: int
) -> list[Path]:
    rng = random.Random(2)
    ref = dt.date(2027, 6, 1)
    used: set[str] = set()
    files = []
    per_station = total // stations
    for n in range(1, stations + 1):
        code = f"410105-{n:02d}"
        key = Ed25519PrivateKey.generate()
        public = StationPublicKey(code, "410105", f"站{n}", key.public_key().public_bytes_raw())
        files.append(("key", public))
        previous, serial = bf.GENESIS, 0
        for seq, start in enumerate(range(0, per_station, 500), start=1):
            lines, photos = [], {}
            for _ in range(min(500, per_station - start)):
                serial += 1
                raw = seeding.synthetic_record(rng, ref, used)
                raw["birth_date"] = raw["birth_date"].isoformat()
                jpeg = photo_of_size(photo_kb * 1024)
                sha = bf.sha256_hex(jpeg)
                regno = f"27410105{n:02d}{serial:04d}"
                canonical = canonical_json(
                    {
                        "format": 1,
                        "registration_no": regno,
                        "version": 1,
                        "record": raw,
                        "photo_sha256": sha,
                    }
                )
                lines.append({"registration_no": regno, "version": 1, "digest": bf.sha256_hex(canonical.encode()), "canonical": canonical,
                              "frozen_at": "2027-03-01T08:00:00", "frozen_by": "bench", "photo": f"photos/{sha}.jpg", "current": True})  # fmt: skip
                photos[f"photos/{sha}.jpg"] = jpeg
            entries = [bf.Entry("records.jsonl", bf.to_json_lines(lines)), bf.Entry("passwords.jsonl", b""),
                       bf.Entry("audit.jsonl", b""), *(bf.Entry(k, v) for k, v in photos.items())]  # fmt: skip
            manifest = bf.build_manifest(
                station=code, station_key=public.ed25519, county="410105", recipient=county.public.raw,
                sequence=seq, previous_hash=previous, created_at="2027-03-01T08:00:00Z",
                record_count=len(lines), audit=None, entries=entries,
            )  # fmt: skip
            data = bf.seal_batch(
                manifest, entries, signing_key=key, recipient_x25519=county.public.x25519
            )
            path = root / f"{code}-{seq:06d}.zkb"
            path.write_bytes(data)
            previous = bf.sha256_hex(data)
            files.append(("file", path))
    return files  # type: ignore[return-value]


def bench_ingest(root: Path, total: int, photo_kb: int) -> tuple[float, int]:
    county = CountyKeys.generate("410105", "基准县区")
    made = _synthetic_batches(root, county, total, photo_kb, stations=10)
    engine = db.connect(db.default_url(root))
    for kind, value in made:
        if kind == "key":
            register_station(engine, value, "410105")
    paths = [v for k, v in made if k == "file"]
    t = time.perf_counter()
    outcomes = ingest.ingest_files(
        engine, county, paths, pending_dir=root / "pending", receipts_dir=root / "receipts"
    )
    elapsed = time.perf_counter() - t
    assert all(o.status == "ok" for o in outcomes), {o.code for o in outcomes}
    return elapsed, sum(o.records for o in outcomes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--county", type=int, default=30000)
    parser.add_argument("--photo-kb", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "export").mkdir()
        plain, ours, files = bench_export(root / "export", args.records, args.photo_kb)
        (root / "county").mkdir()
        ingest_s, ingested = bench_ingest(root / "county", args.county, args.photo_kb)
    print(f"\n### bench_sync ({dt.date.today()}, {args.photo_kb} KB photos)\n")
    print("| measurement | result | target |")
    print("| --- | --- | --- |")
    print(f"| plain zip of {args.records} records + photos | {plain:.2f} s | — |")
    print(
        f"| export_batches, {args.records} records ({files} files) | {ours:.2f} s ({ours / plain:.2f}×) | ≤ 1.5× |"
    )
    print(f"| county ingest into SQLite, {ingested} records | {ingest_s:.1f} s | < 60 s |")


if __name__ == "__main__":
    main()
