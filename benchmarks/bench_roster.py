"""Roster import benchmark (issue: 花名册导入导出). Run on demand, not in the test suite:

    .venv/bin/python benchmarks/bench_roster.py [--count 10000] [--profile]

Target: a roster of 10,000 valid rows imports in under 10 s (read, check, store, commit).
It writes a workbook of synthetic candidates (``seeding.synthetic_record``) into a fresh
encrypted station, then times reading the file, the import, a second import of the same file
(everything already present), a dry run and the export, and prints the results.
``--profile`` profiles the import and prints where its time goes (the times then include
the profiler's overhead).

The station uses a 6-digit serial: the default 报名号 template numbers 9,999 candidates.
openpyxl writes strings inline, which it reads back more slowly than the shared strings
Excel writes: the read time here is on the pessimistic side.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import platform
import pstats
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from openpyxl import Workbook  # noqa: E402

from station import auth, roster, seeding  # noqa: E402
from station.roster_columns import COLUMNS  # noqa: E402
from station.settings import KDF_FLOOR, Settings, save  # noqa: E402
from station.setup import init_station  # noqa: E402

LOGIN = ("bench", "bench-password")


def make_station(directory: Path) -> None:
    # A cheap KDF: logins are not what this measures.
    settings = Settings(
        registration_no_template="{yy}{county}{station}{serial:06d}",
        kdf=KDF_FLOOR,
    )
    save(directory, settings)
    init_station(
        directory,
        name="花名册基准测试",
        county_code="410105",
        number=1,
        admin_login=LOGIN[0],
        admin_password=LOGIN[1],
    )


def cell(field: str, value: Any) -> Any:
    if field == "allocation_applied":
        return "是" if value else "否"
    return value


def make_roster(path: Path, count: int, ref: dt.date) -> None:
    rng = random.Random(1)
    used: set[str] = set()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("考生")
    ws.append([c.header for c in COLUMNS])
    for _ in range(count):
        record = seeding.synthetic_record(rng, ref, used)
        ws.append([cell(c.field, record.get(c.field)) for c in COLUMNS])
    wb.save(path)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="profile the import")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-roster-"))
    station = work / "station"
    station.mkdir()
    make_station(station)
    ctx = auth.login(station, *LOGIN)
    path = work / "roster.xlsx"
    _, made_s = timed(lambda: make_roster(path, args.count, ctx.settings.policy().reference_date()))

    parsed, read_s = timed(lambda: roster.read_roster(path))
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    first, import_s = timed(lambda: roster.import_roster(ctx, parsed))
    if profiler:
        profiler.disable()
    again, again_s = timed(lambda: roster.import_roster(ctx, path))
    preview, preview_s = timed(lambda: roster.import_roster(ctx, path, dry_run=True))
    exported, export_s = timed(lambda: roster.export_roster(ctx, work / "export.xlsx"))
    ctx.close()
    shutil.rmtree(work)

    assert first.imported == args.count and first.complete, first.rejected[:3]
    assert again.already_present == args.count and preview.already_present == args.count
    total = read_s + import_s
    target = "met" if total < 10 and args.count >= 10_000 else "not met"
    print(
        f"Roster import, {dt.date.today().isoformat()}: {platform.node()}, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"  workbook of {args.count:,} rows written by openpyxl: {made_s:.1f} s")
    print(f"  read and check the file (read_roster):      {read_s:6.2f} s")
    print(
        f"  store {first.imported:,} candidates (import_roster): {import_s:6.2f} s "
        f"({import_s / args.count * 1000:.2f} ms a row)"
    )
    print(
        f"  file to stored, total:                       {total:6.2f} s (target < 10 s: {target})"
    )
    print(f"  the same file again (all already present):  {again_s:6.2f} s, read included")
    print(f"  dry run (validate only):                    {preview_s:6.2f} s, read included")
    print(f"  export of {exported.count:,} candidates:            {export_s:6.2f} s")
    if profiler:
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        pattern = r"station/(records|audit|regno|roster)\.py|orm/session\.py:\d+\(flush\)"
        stats.print_stats(pattern, 16)
    return 0


if __name__ == "__main__":
    sys.exit(main())
