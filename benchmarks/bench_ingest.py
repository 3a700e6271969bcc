"""County ingest into PostgreSQL beside a bare binary COPY of the same rows (issue 19, item 6).

    .venv/bin/python benchmarks/bench_ingest.py [--records 100000] [--stations 20]
        [--per-batch 500] [--photo-kb 40] [--audit 4] [--jobs 1,2] [--executemany]
        [--rounds 1] [--cache /tmp/bench-ingest]

Synthetic signed batches (distinct photos, a password hash per record and ``--audit`` chained
audit events per record) are made once and kept in ``--cache`` (several GB at 100k records).
A throwaway PostgreSQL cluster (fsync on) is started; each measurement gets a fresh database
with the county schema and the stations registered:

* **bare COPY**: for each batch, outside the clock, the file is decrypted and its rows built
  (batch, photos, versions, candidates, review index, audit events); on the clock, one
  transaction per batch that writes exactly those rows with ``COPY ... (FORMAT BINARY)``
  into the same tables and commits. The floor for storing these rows.
* **county ingest**: ``ingest_files`` on the same files (read, hash, verify the signature,
  decrypt, check every hash, the chain and the audit segment, store, sign a receipt), with
  ``--jobs`` workers (stations in parallel, each station's chain in order).
* with ``--executemany``: the same ingest with SQLAlchemy executemany instead of COPY
  (``db.COPY = False``), for comparison.

``--rounds n`` runs them all n times, alternating, and gives each ingest's ratio to the bare
COPY of its own round (the machine may be shared: the load average is printed). Every run's
tables are compared by row count with the bare COPY's. Target: ingest ≤ 1.5× the bare COPY.
Prints a Markdown table with the machine and the date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import psycopg  # noqa: E402
from bench_store import photo_of_size  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402
from sqlalchemy import func, make_url, select  # noqa: E402

from station import seeding  # noqa: E402
from station.audit import EVENT_COLUMNS, GENESIS, canonical_json, event_hash  # noqa: E402
from sync import batch_format as bf  # noqa: E402
from sync.county import db, ingest, intake, review_desk  # noqa: E402
from sync.county.registry import register_station  # noqa: E402
from sync.keys import (  # noqa: E402
    CountyKeys,
    Kdf,
    StationPublicKey,
    private_key_json,
    read_county_public,
    read_private_key,
    read_station_public,
)

PASSPHRASE = "bench-passphrase"
COUNTY = "410105"
ACTIONS = ("create", "photo", "print", "sign")


# --- the batches, made once ------------------------------------------------------------------


def _station_batches(
    args: tuple[Path, str, int, int, int, int, int, bytes],
) -> None:
    """One station's chain of batches (run in a worker process)."""
    out, code, n, count, per_batch, photo_kb, audit_per, recipient = args
    county = read_county_public(out / "county-public.json")
    key = Ed25519PrivateKey.generate()
    public = StationPublicKey(code, COUNTY, f"站{n}", key.public_key().public_bytes_raw())
    rng = random.Random(n)
    ref = dt.date(2027, 6, 1)
    used: set[str] = set()
    previous, serial, audit_seq, audit_prev = bf.GENESIS, 0, 0, GENESIS
    for seq, start in enumerate(range(0, count, per_batch), start=1):
        lines, photos, passwords, events = [], {}, [], []
        for _ in range(min(per_batch, count - start)):
            serial += 1
            raw = seeding.synthetic_record(rng, ref, used)
            raw["birth_date"] = raw["birth_date"].isoformat()
            jpeg = photo_of_size(photo_kb * 1024)
            sha = bf.sha256_hex(jpeg)
            regno = f"27{COUNTY}{n:02d}{serial:05d}"
            canonical = canonical_json({"format": 1, "registration_no": regno, "version": 1,
                                        "record": raw, "photo_sha256": sha})  # fmt: skip
            lines.append({"registration_no": regno, "version": 1,
                          "digest": bf.sha256_hex(canonical.encode()), "canonical": canonical,
                          "frozen_at": "2027-03-01T08:00:00", "frozen_by": "bench",
                          "photo": f"photos/{sha}.jpg", "current": True})  # fmt: skip
            photos[f"photos/{sha}.jpg"] = jpeg
            passwords.append({"registration_no": regno, "question": "母亲的姓名",
                              "password_hash": "$argon2id$v=19$m=65536,t=3,p=1$"
                              + os.urandom(16).hex() + "$" + os.urandom(32).hex(),
                              "answer_hash": "$argon2id$v=19$m=65536,t=3,p=1$"
                              + os.urandom(16).hex() + "$" + os.urandom(32).hex()})  # fmt: skip
            for action in ACTIONS[:audit_per]:
                audit_seq += 1
                at = f"2027-03-01T08:{audit_seq // 60 % 60:02d}:{audit_seq % 60:02d}"
                detail = canonical_json({"registration_no": regno})
                h = event_hash(audit_seq, at, "op1", action, serial, 1, "", detail, audit_prev)
                events.append({"seq": audit_seq, "at": at, "actor": "op1", "action": action,
                               "candidate_id": serial, "version": 1, "reason": "",
                               "detail": detail, "prev_hash": audit_prev, "hash": h})  # fmt: skip
                audit_prev = h
        audit = None
        if events:
            audit = {"first_seq": events[0]["seq"], "last_seq": events[-1]["seq"],
                     "prev_hash": events[0]["prev_hash"], "head_hash": events[-1]["hash"]}  # fmt: skip
        entries = [bf.Entry("records.jsonl", bf.to_json_lines(lines)),
                   bf.Entry("passwords.jsonl", bf.to_json_lines(passwords)),
                   bf.Entry("audit.jsonl", bf.to_json_lines(events)),
                   *(bf.Entry(k, v) for k, v in photos.items())]  # fmt: skip
        manifest = bf.build_manifest(
            station=code, station_key=public.ed25519, county=COUNTY, recipient=recipient,
            sequence=seq, previous_hash=previous, created_at="2027-03-01T08:00:00Z",
            record_count=len(lines), audit=audit, entries=entries,
        )  # fmt: skip
        data = bf.seal_batch(manifest, entries, signing_key=key, recipient_x25519=county.x25519)
        (out / "batches" / f"{code}-{seq:06d}.zkb").write_bytes(data)
        previous = bf.sha256_hex(data)
    (out / "stations" / f"{code}.pub.json").write_text(public.to_json(), "utf-8")


def make_batches(cache: Path, a: argparse.Namespace) -> Path:
    if not 0 <= a.audit <= len(ACTIONS):
        raise SystemExit(f"--audit: 0 to {len(ACTIONS)}")
    out = cache / f"r{a.records}-s{a.stations}-b{a.per_batch}-p{a.photo_kb}-a{a.audit}"
    if (out / "done").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    for sub in ("batches", "stations"):
        (out / sub).mkdir(exist_ok=True)
    county = CountyKeys.generate(COUNTY, "基准县区")
    fast = Kdf(time_cost=1, memory_cost=256, parallelism=1)
    (out / "county-key.json").write_text(private_key_json(county, PASSPHRASE, fast), "utf-8")
    (out / "county-public.json").write_text(county.public.to_json(), "utf-8")
    per_station = a.records // a.stations
    jobs = [
        (
            out,
            f"{COUNTY}-{n:02d}",
            n,
            per_station,
            a.per_batch,
            a.photo_kb,
            a.audit,
            county.public.raw,
        )
        for n in range(1, a.stations + 1)
    ]
    t = time.perf_counter()
    with ProcessPoolExecutor(os.cpu_count() or 2) as pool:
        list(pool.map(_station_batches, jobs))
    (out / "done").write_text(f"{time.perf_counter() - t:.0f} s\n")
    return out


# --- a PostgreSQL cluster with fsync on ---------------------------------------------------------


@contextmanager
def cluster() -> Iterator[str]:
    """Like the tests' throwaway cluster (tests/sync_fixtures.py), but durable: fsync on."""
    import pwd
    import shutil
    import tempfile

    from tests.sync_fixtures import _free_port, _has_user, postgres_bindir

    bindir = postgres_bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL server binaries (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="bench-ingest-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        pw = pwd.getpwnam("postgres" if _has_user("postgres") else "nobody")
        os.chown(root, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", pw.pw_name, "--"]
    port, data = _free_port(), root / "data"

    def run(*cmd: str) -> None:
        subprocess.run([*prefix, *cmd], check=True, capture_output=True, timeout=120)

    run(str(bindir / "initdb"), "-D", str(data), "-U", "county", "--auth=trust", "-E", "UTF8",
        "--no-instructions")  # fmt: skip
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w",
        "start")  # fmt: skip
    try:
        url = f"postgresql+psycopg://county@127.0.0.1:{port}/postgres"
        with psycopg.connect(_dsn(url), autocommit=True) as conn:
            shown = [conn.execute(f"SHOW {k}").fetchone() for k in ("server_version", "fsync")]
        version, fsync = (row[0] if row else "?" for row in shown)
        print(f"PostgreSQL {version}, fsync {fsync}", file=sys.stderr)
        yield url
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                        "stop"], capture_output=True, timeout=120)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def fresh_database(url: str, name: str, data: Path) -> str:
    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    new = make_url(url).set(database=name).render_as_string(hide_password=False)
    engine = db.connect(new)
    for path in sorted((data / "stations").glob("*.pub.json")):
        register_station(engine, read_station_public(path), COUNTY)
    engine.dispose()
    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        conn.execute("CHECKPOINT")  # each run starts without the one before's dirty pages
    return new


def drop_database(url: str, name: str) -> None:
    with psycopg.connect(_dsn(url), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")


def counts(url: str) -> dict[str, int]:
    engine = db.connect(url)
    with engine.connect() as conn:
        found = {
            t.name: conn.scalar(select(func.count()).select_from(t)) or 0
            for t in db.metadata.sorted_tables
        }
    engine.dispose()
    return found


# --- the bare COPY -----------------------------------------------------------------------------


def _rows(
    checked: intake.Checked, batch_id: int, now: dt.datetime
) -> list[tuple[str, list[str], list[str], list[tuple[Any, ...]]]]:
    """(table, columns, types, rows) of one batch: what ingest stores for a first batch."""
    m, station = checked.parsed.manifest, checked.station
    batch = [(batch_id, station, m["sequence"], checked.parsed.file_hash, m["created_at"], now,
              m["record_count"], m["audit"]["head_hash"] if m["audit"] else None,
              checked.parsed.manifest_bytes.decode("utf-8"))]  # fmt: skip
    photos = list(checked.photos.items())
    versions, candidates, index = [], [], []
    for ln in checked.lines:
        rec = ln["_record"]
        versions.append((station, ln["registration_no"], ln["version"], ln["digest"],
                         ln["canonical"], rec["record"]["id_number"], rec["record"]["name"],
                         rec.get("photo_sha256"), ln.get("frozen_at", ""), batch_id))  # fmt: skip
        p = checked.passwords.get(ln["registration_no"], {})
        candidates.append((station, ln["registration_no"], ln["version"],
                           rec["record"]["id_number"], rec["record"]["name"], ln["digest"],
                           p.get("password_hash"), p.get("password_question"),
                           p.get("password_answer_hash"), "received", "", None, now))  # fmt: skip
        index.append(tuple(review_desk.index_values(station, rec).values()))
    audit = [(station, *(e[k] for k in EVENT_COLUMNS)) for e in checked.audit]
    t, i, b, ts, bo = "text", "int4", "bytea", "timestamp", "bool"
    return [
        ("batches", ["id", "station", "sequence", "hash", "created_at", "received_at",
                     "record_count", "audit_head", "manifest"],
         [i, t, i, t, t, ts, i, t, t], batch),
        ("photos", ["sha256", "jpeg"], [t, b], photos),
        ("versions", ["station", "registration_no", "version", "digest", "canonical",
                      "id_number", "name", "photo_sha256", "frozen_at", "batch_id"],
         [t, t, i, t, t, t, t, t, t, i], versions),
        ("candidates", ["station", "registration_no", "version", "id_number", "name", "digest",
                        "password_hash", "password_question", "password_answer_hash", "state",
                        "reason", "allocation", "updated_at"],
         [t, t, i, t, t, t, t, t, t, t, t, t, ts], candidates),
        ("review_index", list(review_desk.index_values("x", {"registration_no": "",
                                                             "record": {}})),
         [t, t, t, t, t, t, t, bo, t, t, bo], index),
        ("audit_events", ["station", *EVENT_COLUMNS], [t, i, t, t, t, i, i, t, t, t, t], audit),
    ]  # fmt: skip


def bare_copy(url: str, keys: CountyKeys, files: list[Path]) -> float:
    elapsed = 0.0
    with psycopg.connect(_dsn(url)) as conn:
        for batch_id, path in enumerate(files, start=1):
            parsed = intake.read_file(path)
            payload = bf.open_payload(parsed, keys.x25519)
            tables = _rows(intake._contents(path, parsed, payload), batch_id, ingest._now())
            t = time.perf_counter()
            with conn.cursor() as cur:
                for table, columns, types, rows in tables:
                    if not rows:
                        continue
                    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
                    with cur.copy(sql) as copy:
                        copy.set_types(types)
                        for row in rows:
                            copy.write_row(row)
            conn.commit()
            elapsed += time.perf_counter() - t
    return elapsed


# --- the ingest --------------------------------------------------------------------------------


def run_ingest(url: str, keys: CountyKeys, files: list[Path], jobs: int, tmp: Path) -> float:
    engine = db.connect(url)
    t = time.perf_counter()
    kwargs: dict[str, Any] = {"jobs": jobs} if jobs > 1 else {}
    outcomes = ingest.ingest_files(
        engine, keys, files, pending_dir=tmp / "pending", receipts_dir=tmp / "receipts", **kwargs
    )
    elapsed = time.perf_counter() - t
    engine.dispose()
    bad = [o for o in outcomes if o.status != "ok"]
    assert not bad, bad[:3]
    return elapsed


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "cpu"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--stations", type=int, default=20)
    p.add_argument("--per-batch", type=int, default=500)
    p.add_argument("--photo-kb", type=int, default=40)
    p.add_argument("--audit", type=int, default=4, help="audit events per record (0-4)")
    p.add_argument("--jobs", default="1,2", help="worker counts to measure, e.g. 1,2")
    p.add_argument("--executemany", action="store_true", help="also the path without COPY")
    p.add_argument("--rounds", type=int, default=1, help="bare and ingest alternated, n times")
    p.add_argument("--cache", default="/tmp/bench-ingest")
    a = p.parse_args()
    t = time.perf_counter()
    data = make_batches(Path(a.cache), a)
    print(f"batches in {data} ({time.perf_counter() - t:.0f} s)", file=sys.stderr)
    keys = read_private_key(data / "county-key.json", PASSPHRASE)
    files = sorted((data / "batches").glob("*.zkb"))
    size = sum(f.stat().st_size for f in files)
    runs: list[tuple[str, int, bool]] = [("bare", 0, True)]
    runs += [(f"ingest{j}", j, True) for j in map(int, a.jobs.split(","))]
    if a.executemany:
        runs.append(("many", 1, False))
    results: dict[str, list[float]] = {name: [] for name, _, _ in runs}
    load = [os.getloadavg()[0]]
    want: dict[str, int] | None = None
    with cluster() as url:
        for _round in range(a.rounds):
            for name, jobs, copy in runs:
                work = Path(a.cache) / "run"
                subprocess.run(["rm", "-rf", str(work)], check=True)
                work.mkdir(parents=True)
                dburl = fresh_database(url, f"bench_{name}", data)
                print(f"{name} ...", file=sys.stderr, flush=True)
                if name == "bare":
                    elapsed = bare_copy(dburl, keys, files)
                else:
                    db.COPY = copy
                    try:
                        elapsed = run_ingest(dburl, keys, files, jobs, work)
                    finally:
                        db.COPY = True
                print(f"{name}: {elapsed:.1f} s (load {os.getloadavg()[0]:.1f})", file=sys.stderr)
                got = counts(dburl)
                got.pop("stations", None)
                want = want or got
                assert got == want, (name, got, want)  # every run stored the same rows
                drop_database(url, f"bench_{name}")
                results[name].append(elapsed)
                load.append(os.getloadavg()[0])
    assert want is not None
    records = want["versions"]
    print(f"\n### bench_ingest ({dt.date.today()}, {_cpu()}, {os.cpu_count()} cores, "
          f"{platform.machine()})\n")  # fmt: skip
    print(f"{records:,} records from {a.stations} stations in {len(files)} batches of "
          f"{a.per_batch} ({size / 1e9:.2f} GB; {a.photo_kb} KB photos, {a.audit} audit events "
          f"a record: {want['audit_events']:,}); PostgreSQL, fsync on; {a.rounds} round(s), "
          f"each measurement beside the bare COPY of its round; 1-minute load average "
          f"{min(load):.1f}–{max(load):.1f} (other work on the machine)\n")  # fmt: skip
    print("| measurement | time (each round) | records/s | ratio to bare COPY (each round) "
          "| median ratio | 1,000,000 records |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- |")
    bare = results["bare"]
    for name, _, _ in runs:
        label = {
            "bare": "bare: binary COPY of the same rows, one transaction a batch",
            "many": "county ingest, executemany instead of COPY, --jobs 1",
        }.get(name, f"county ingest (COPY), --jobs {name.removeprefix('ingest')}")
        times = results[name]
        ratios = [t / b for t, b in zip(times, bare, strict=True)]
        best = statistics.median(times)
        print(f"| {label} | {' / '.join(f'{t:.1f}' for t in times)} s | "
              f"{records / best:,.0f} | {' / '.join(f'{r:.2f}×' for r in ratios)} | "
              f"{statistics.median(ratios):.2f}× | {best * 1e6 / records / 60:.1f} min |")  # fmt: skip


if __name__ == "__main__":
    main()
