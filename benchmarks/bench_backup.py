#!/usr/bin/env python3
"""Backup and restore against a bare copy of the same database file, in one run.

    .venv/bin/python benchmarks/bench_backup.py [--count 2000]

Seeds a station with ``count`` signed candidates (placeholder photos, real lifecycle), then
times ``station backup`` (online snapshot + authenticated encryption), a full ``verify`` and a
``restore`` against ``shutil.copyfile`` of the same ``station.db``: the ratios hold on a
loaded machine where absolute times do not.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from station import auth, backup, seeding
from station.settings import KdfParams, Settings, save
from station.setup import init_station

ADMIN = ("admin", "bench-admin-2027")


def timed(work, runs: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    count = parser.parse_args().count
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        station = root / "station"
        station.mkdir()
        save(station, Settings(kdf=KdfParams(1, 1024, 1), age_reference_date="2027-06-01"))
        init_station(
            station,
            name="基准报名点",
            county_code="410105",
            number=1,
            admin_login=ADMIN[0],
            admin_password=ADMIN[1],
            demo=True,
        )
        with auth.login(station, *ADMIN) as ctx:
            seeding.seed(ctx, count, "signed", rng_seed=1)
        size = (station / "station.db").stat().st_size
        copy = timed(lambda: shutil.copyfile(station / "station.db", root / "copy.db"))
        with auth.login(station, *ADMIN) as ctx:
            made = timed(lambda: backup.make_backup(ctx, root / "b.zkbackup"))
        check = timed(lambda: backup.verify(root / "b.zkbackup", *ADMIN))

        def restore() -> None:
            target = root / "restored"
            shutil.rmtree(target, ignore_errors=True)
            backup.restore(root / "b.zkbackup", target, *ADMIN)

        back = timed(restore)
    mib = 2**20
    print(f"| store | {count} signed candidates, {size / mib:.0f} MiB |")
    print(f"| `shutil.copyfile` of station.db (baseline) | {copy * 1000:.0f} ms | 1.0× |")
    print(
        f"| `station backup` (snapshot + encryption) | {made * 1000:.0f} ms | {made / copy:.1f}× |"
    )
    print(f"| verify every byte | {check * 1000:.0f} ms | {check / copy:.1f}× |")
    print(
        f"| restore (verify, unpack, integrity check) | {back * 1000:.0f} ms | {back / copy:.1f}× |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
