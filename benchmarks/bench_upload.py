"""Upload benchmarks (issue: upload when the network is there). Run on demand:

    .venv/bin/python benchmarks/bench_upload.py [--batches 100] [--mb 5] [--stations 20] [--pg]

Side by side, in one run, on loopback, each server a process of its own:

* **bare**: a plain httpx PUT loop of the same batch bytes to a trivial endpoint (an ASGI app
  under uvicorn that reads the body and answers 200);
* **upload**: the same bytes as signed requests to ``county serve``, which verifies, decrypts
  and ingests each batch and answers with its receipt, which the client verifies. Target:
  ≤ 2× bare;
* **county ingest**: ``county ingest``'s core on the same files into a fresh SQLite database,
  in-process. Target: the upload ≤ 1.3× of it (the service adds little to the ingest);
* with ``--pg``: ``--stations`` stations uploading at once to ``county serve --workers 2``
  on a throwaway PostgreSQL cluster: every batch acknowledged, no error.

Prints a Markdown table with the machine and the date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import httpx  # noqa: E402
from bench_store import photo_of_size  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from station import seeding  # noqa: E402
from station.audit import canonical_json  # noqa: E402
from sync import batch_format as bf  # noqa: E402
from sync import request_auth  # noqa: E402
from sync.county import db, ingest  # noqa: E402
from sync.county.registry import register_station  # noqa: E402
from sync.keys import (  # noqa: E402
    CountyKeys,
    Kdf,
    StationPublicKey,
    private_key_json,
    verify_document,
)
from sync.station_side import RECEIPT  # noqa: E402

PASSPHRASE = "bench-passphrase"
TRIVIAL = """
import os

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    if scope["path"].startswith("/durable"):  # stored before the answer, as a receipt needs
        with open("durable.bin", "wb") as f:
            f.write(b"".join(chunks))
            f.flush()
            os.fsync(f.fileno())
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})
"""


class Station:
    def __init__(self, code: str) -> None:
        self.code = code
        self.key = Ed25519PrivateKey.generate()
        self.public = StationPublicKey(
            code, "410105", code, self.key.public_key().public_bytes_raw()
        )
        self.files: list[tuple[int, Path]] = []


def make_batches(
    root: Path, county: CountyKeys, stations: int, batches: int, mb: float
) -> list[Station]:
    """Synthetic signed batches of about ``mb`` MB (records with distinct 50 KB photos)."""
    rng = random.Random(3)
    ref = dt.date(2027, 6, 1)
    used: set[str] = set()
    per_batch = max(1, round(mb * 1024 / 50))
    made = []
    for n in range(1, stations + 1):
        st = Station(f"410105-{n:02d}")
        previous, serial = bf.GENESIS, 0
        for seq in range(1, batches + 1):
            lines, photos = [], {}
            for _ in range(per_batch):
                serial += 1
                raw = seeding.synthetic_record(rng, ref, used)
                raw["birth_date"] = raw["birth_date"].isoformat()
                jpeg = photo_of_size(50 * 1024)
                sha = bf.sha256_hex(jpeg)
                regno = f"27410105{n:02d}{serial:05d}"
                canonical = canonical_json({"format": 1, "registration_no": regno, "version": 1,
                                            "record": raw, "photo_sha256": sha})  # fmt: skip
                lines.append({"registration_no": regno, "version": 1,
                              "digest": bf.sha256_hex(canonical.encode()), "canonical": canonical,
                              "frozen_at": "2027-03-01T08:00:00", "frozen_by": "bench",
                              "photo": f"photos/{sha}.jpg", "current": True})  # fmt: skip
                photos[f"photos/{sha}.jpg"] = jpeg
            entries = [bf.Entry("records.jsonl", bf.to_json_lines(lines)),
                       bf.Entry("passwords.jsonl", b""), bf.Entry("audit.jsonl", b""),
                       *(bf.Entry(k, v) for k, v in photos.items())]  # fmt: skip
            manifest = bf.build_manifest(
                station=st.code, station_key=st.public.ed25519, county="410105",
                recipient=county.public.raw, sequence=seq, previous_hash=previous,
                created_at="2027-03-01T08:00:00Z", record_count=len(lines), audit=None,
                entries=entries,
            )  # fmt: skip
            data = bf.seal_batch(
                manifest, entries, signing_key=st.key, recipient_x25519=county.public.x25519
            )
            path = root / f"{st.code}-{seq:06d}.zkb"
            path.write_bytes(data)
            previous = bf.sha256_hex(data)
            st.files.append((seq, path))
        made.append(st)
    return made


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"server exited {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def trivial_server(root: Path) -> tuple[str, subprocess.Popen[bytes]]:
    (root / "trivial_app.py").write_text(TRIVIAL)
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "trivial_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=root,
    )
    url = f"http://127.0.0.1:{port}"
    _wait(url + "/", process)
    return url, process


def county_home(root: Path, county: CountyKeys, stations: list[Station], url: str | None) -> Path:
    home = root / "county"
    home.mkdir()
    fast = Kdf(time_cost=1, memory_cost=256, parallelism=1)
    (home / "county-key.json").write_text(private_key_json(county, PASSPHRASE, fast))
    (home / "county-public.json").write_text(county.public.to_json())
    engine = db.connect(url or db.default_url(home))
    for st in stations:
        register_station(engine, st.public, "410105")
    engine.dispose()
    return home


def county_server(
    home: Path, db_url: str | None, workers: int = 1
) -> tuple[str, subprocess.Popen[bytes]]:
    port = _free_port()
    args = [sys.executable, "-m", "sync.county_cli", "--data-dir", str(home)]
    if db_url:
        args += ["--db", db_url]
    args += ["serve", "--port", str(port), "--workers", str(workers), "--rate", "100000"]
    env = {**os.environ, "COUNTY_PASSPHRASE": PASSPHRASE}
    process = subprocess.Popen(args, env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    _wait(url + "/health", process)
    return url, process


def put_bare(url: str, stations: list[Station], prefix: str = "") -> float:
    with httpx.Client(base_url=url, timeout=120) as client:
        t = time.perf_counter()
        for st in stations:
            for seq, path in st.files:
                where = f"{prefix}/stations/{st.code}/batches/{seq}"
                response = client.put(where, content=path.read_bytes())
                assert response.status_code == 200
        return time.perf_counter() - t


def upload_station(client: httpx.Client, county: CountyKeys, st: Station) -> int:
    errors = 0
    for seq, path in st.files:
        data = path.read_bytes()
        where = f"/stations/{st.code}/batches/{seq}"
        headers = request_auth.sign(st.key, st.code, "PUT", where, data)
        response = client.put(where, content=data, headers=headers)
        if response.status_code != 200:
            errors += 1
            print(f"  {where}: {response.status_code} {response.text[:200]}", file=sys.stderr)
            continue
        receipt = verify_document(county.public.ed25519, response.content, RECEIPT)
        assert receipt["sequence"] == seq
    return errors


def put_signed(url: str, county: CountyKeys, stations: list[Station]) -> float:
    with httpx.Client(base_url=url, timeout=300) as client:
        t = time.perf_counter()
        for st in stations:
            assert upload_station(client, county, st) == 0
        return time.perf_counter() - t


def ingest_direct(root: Path, county: CountyKeys, stations: list[Station]) -> float:
    home = county_home(root, county, stations, None)
    engine = db.connect(db.default_url(home))
    paths = [p for st in stations for _, p in st.files]
    t = time.perf_counter()
    outcomes = ingest.ingest_files(
        engine, county, paths, pending_dir=home / "pending", receipts_dir=home / "receipts"
    )
    elapsed = time.perf_counter() - t
    assert all(o.status == "ok" for o in outcomes)
    engine.dispose()
    return elapsed


def concurrent_pg(root: Path, stations: int, batches: int, mb: float) -> tuple[float, int, int]:
    sys.path.insert(0, str(ROOT))
    from tests.sync_fixtures import postgres_bindir, postgres_cluster

    bindir = postgres_bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL server binaries")
    county = CountyKeys.generate("410105", "基准县区")
    (root / "pg").mkdir(parents=True)
    made = make_batches(root, county, stations, batches, mb)
    with postgres_cluster(bindir) as url:
        home = county_home(root / "pg", county, made, url)
        server, process = county_server(home, url, workers=2)
        errors: list[int] = []
        try:
            t = time.perf_counter()

            def one(st: Station) -> None:
                with httpx.Client(base_url=server, timeout=300) as client:
                    errors.append(upload_station(client, county, st))

            threads = [threading.Thread(target=one, args=(st,)) for st in made]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            elapsed = time.perf_counter() - t
        finally:
            process.terminate()
            process.wait(60)
    return elapsed, sum(errors), stations * batches


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--stations", type=int, default=20)
    parser.add_argument("--pg", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        county = CountyKeys.generate("410105", "基准县区")
        t = time.perf_counter()
        stations = make_batches(root, county, 1, args.batches, args.mb)
        made_s = time.perf_counter() - t
        size = sum(p.stat().st_size for st in stations for _, p in st.files)
        trivial, trivial_process = trivial_server(root)
        (root / "served").mkdir()
        home = county_home(root / "served", county, stations, None)
        served, served_process = county_server(home, None)
        try:
            bare = put_bare(trivial, stations)
            durable = put_bare(trivial, stations, "/durable")
            ours = put_signed(served, county, stations)
        finally:
            for p in (trivial_process, served_process):
                p.terminate()
                p.wait(60)
        (root / "direct").mkdir()
        direct = ingest_direct(root / "direct", county, stations)
        pg = concurrent_pg(root / "c", args.stations, 5, 1.0) if args.pg else None
    print(f"\n### bench_upload ({dt.date.today()}, {platform.machine()}, {os.cpu_count()} cores)\n")
    print(f"{args.batches} batches, {size / 1e6:.0f} MB in all (made in {made_s:.0f} s)\n")
    print("| measurement | time | ratio | target |")
    print("| --- | --- | --- | --- |")
    print(f"| bare: httpx PUT loop to a trivial endpoint | {bare:.2f} s | 1.00× | — |")
    print(f"| bare + each body written and fsynced before the answer | {durable:.2f} s | "
          f"{durable / bare:.2f}× | — |")  # fmt: skip
    print(f"| upload: signed PUTs to county serve, ingest, receipts verified | {ours:.2f} s | "
          f"{ours / bare:.2f}× bare | ≤ 2× bare |")  # fmt: skip
    print(f"| county ingest of the same files, in-process | {direct:.2f} s | "
          f"upload is {ours / direct:.2f}× this | upload ≤ 1.3× |")  # fmt: skip
    if pg is not None:
        elapsed, errors, total = pg
        print(f"| {args.stations} stations at once, PostgreSQL, 2 workers, {total} batches of "
              f"1 MB | {elapsed:.1f} s | {errors} errors | no error |")  # fmt: skip


if __name__ == "__main__":
    main()
