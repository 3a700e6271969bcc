"""Roster import benchmark (issue: 花名册导入导出; issue 19). Run on demand, not in the test suite:

    .venv/bin/python benchmarks/bench_roster.py [--count 9000] [--rounds 3] [--profile]

It writes a workbook of synthetic candidates (``seeding.synthetic_record``) and measures:

* side by side in one run, alternating so that the machine's load falls on both alike: a bare
  read-only openpyxl pass over the file (every value of every sheet, nothing else) and the
  whole import of the same file into a fresh encrypted station (read, check, store, commit),
  ``--rounds`` times each. It prints both medians and their ratio, of the wall time and of
  the process's CPU time (which another program's load disturbs less). Target (issue 19):
  the import of 9,000 rows takes at most 1.5× the bare pass;
* then, into one station: reading the file, storing it, a second import of the same file
  (everything already present), a dry run and the export. Target: 10,000 rows from file to
  stored in under 10 s.

``--profile`` profiles one more whole import and prints where its time goes (the times then
include the profiler's overhead, which weighs most on openpyxl's many small calls).

The station uses a 6-digit serial: the default 报名号 template numbers 9,999 candidates.
openpyxl writes strings inline, which it reads back more slowly than the shared strings
Excel writes: the read time here is on the pessimistic side (for the bare pass as well).
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
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from station import auth, roster, seeding  # noqa: E402
from station.auth import Context  # noqa: E402
from station.roster_columns import COLUMNS  # noqa: E402
from station.settings import KDF_FLOOR, Settings, save  # noqa: E402
from station.setup import init_station  # noqa: E402

LOGIN = ("bench", "bench-password")
RATIO_TARGET = 1.5


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


def fresh_station(work: Path, name: str) -> Context:
    directory = work / name
    directory.mkdir()
    make_station(directory)
    return auth.login(directory, *LOGIN)


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


def bare_pass(path: Path) -> int:
    """What any reader of the file pays: openpyxl's read-only mode, every value of every
    sheet, nothing done with them."""
    wb = openpyxl.load_workbook(path, read_only=True)
    values = 0
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                values += len(row)
    finally:
        wb.close()
    return values


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def measured(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """The value, the wall time and this process's CPU time (steadier on a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def measured_import(ctx: Context, path: Path) -> tuple[roster.ImportResult, float, float]:
    try:
        return measured(lambda: roster.import_roster(ctx, path))
    finally:
        ctx.close()


def side_by_side(work: Path, path: Path, count: int, rounds: int) -> dict[str, float]:
    """Medians of the bare pass and of the whole import into a fresh station, alternating:
    wall and CPU time of each."""
    times: dict[str, list[float]] = {"bare": [], "bare_cpu": [], "whole": [], "whole_cpu": []}
    print("  round   bare read-only pass       whole import        ratio")
    print("          wall (cpu)                wall (cpu)          wall (cpu)")
    for number in range(1, rounds + 1):
        _, bare, bare_cpu = measured(lambda: bare_pass(path))
        result, whole, whole_cpu = measured_import(fresh_station(work, f"round{number}"), path)
        assert result.imported == count and result.complete, result.rejected[:3]
        for key, value in zip(times, (bare, bare_cpu, whole, whole_cpu), strict=True):
            times[key].append(value)
        print(
            f"  {number:5}   {bare:6.2f} s ({bare_cpu:5.2f} s)   {whole:6.2f} s ({whole_cpu:5.2f} s)"
            f"   {whole / bare:4.2f}× ({whole_cpu / bare_cpu:4.2f}×)"
        )
    return {key: statistics.median(values) for key, values in times.items()}


# Where an import's time goes: (label, file the function is in, function name).
PARTS = (
    ("whole import (import_roster, file to stored)", "station/roster.py", "import_roster"),
    ("  read and check the file (read_roster)", "station/roster_read.py", "read_roster"),
    ("    openpyxl: load the workbook", "openpyxl/reader/excel.py", "load_workbook"),
    ("    openpyxl: parse the sheet rows", "openpyxl/worksheet/_reader.py", "parse"),
    ("    the sheet XML scan (merges, formulas)", "station/roster_read.py", "_scan_sheet"),
    ("    cells to field values (_rows)", "station/roster_read.py", "_rows"),
    ("  check the rows, outside the lock (_Run.check)", "station/roster.py", "check"),
    ("    validate every row (validate_candidate)", "station/validation.py", "validate_candidate"),
    ("  store the new candidates (bulk_create_in)", "station/records/saving.py", "bulk_create_in"),
    ("    audit events, one by one (audit.append)", "station/audit.py", "append"),
    ("    audit events, in bulk (audit.append_many)", "station/audit.py", "append_many"),
    ("    pinyin initials", "station/pinyin.py", "initials"),
    ("  look up stored ID numbers (_stored)", "station/roster.py", "_stored"),
    ("  sessions: flush and commit", "station/database.py", "session"),
)


def print_profile(profiler: cProfile.Profile) -> None:
    stats = pstats.Stats(profiler)
    table: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = 0.0
    for label, where, name in PARTS:
        seconds = sum(
            entry[3]
            for (filename, _line, function), entry in table.items()
            if function == name and filename.replace(os.sep, "/").endswith(where)
        )
        total = total or seconds
        share = f"{seconds / total * 100:5.1f} %" if total else ""
        print(f"  {label:52} {seconds:6.2f} s {share}")
    print()
    stats.sort_stats("tottime").print_stats(15)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=9_000)
    parser.add_argument("--rounds", type=int, default=3, help="side-by-side rounds")
    parser.add_argument("--profile", action="store_true", help="profile one whole import")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-roster-"))
    try:
        return run(work, args.count, args.rounds, args.profile)
    finally:
        shutil.rmtree(work)


def run(work: Path, count: int, rounds: int, profile: bool) -> int:
    ctx = fresh_station(work, "station")
    path = work / "roster.xlsx"
    _, made_s = timed(lambda: make_roster(path, count, ctx.settings.policy().reference_date()))
    print(
        f"Roster import, {dt.date.today().isoformat()}: {platform.node()}, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"openpyxl {openpyxl.__version__}, load average {_load()}"
    )
    print(f"  workbook of {count:,} rows written by openpyxl: {made_s:.1f} s")
    print()
    medians = side_by_side(work, path, count, rounds)
    ratio = medians["whole"] / medians["bare"]
    cpu_ratio = medians["whole_cpu"] / medians["bare_cpu"]
    verdict = "met" if ratio <= RATIO_TARGET else "not met"
    print(
        f"  median bare read-only pass:  {medians['bare']:6.2f} s (cpu {medians['bare_cpu']:.2f} s)"
    )
    print(
        f"  median whole import:         {medians['whole']:6.2f} s (cpu {medians['whole_cpu']:.2f} s)"
    )
    print(f"  ratio: {ratio:.2f}× wall, {cpu_ratio:.2f}× cpu (target ≤ {RATIO_TARGET}×: {verdict})")
    print()

    parsed, read_s = timed(lambda: roster.read_roster(path))
    first, import_s = timed(lambda: roster.import_roster(ctx, parsed))
    again, again_s = timed(lambda: roster.import_roster(ctx, path))
    preview, preview_s = timed(lambda: roster.import_roster(ctx, path, dry_run=True))
    exported, export_s = timed(lambda: roster.export_roster(ctx, work / "export.xlsx"))
    ctx.close()
    assert first.imported == count and first.complete, first.rejected[:3]
    assert again.already_present == count and preview.already_present == count
    total = read_s + import_s
    target = ("met" if total < 10 else "not met") if count >= 10_000 else "set for 10,000 rows"
    print(f"  read and check the file (read_roster):      {read_s:6.2f} s")
    print(
        f"  store {first.imported:,} candidates (import_roster): {import_s:6.2f} s "
        f"({import_s / count * 1000:.2f} ms a row)"
    )
    print(
        f"  file to stored, total:                       {total:6.2f} s (target < 10 s: {target})"
    )
    print(f"  the same file again (all already present):  {again_s:6.2f} s, read included")
    print(f"  dry run (validate only):                    {preview_s:6.2f} s, read included")
    print(f"  export of {exported.count:,} candidates:            {export_s:6.2f} s")

    if profile:
        print()
        print("Where one whole import's time goes (cProfile; its overhead included):")
        profiled = fresh_station(work, "profiled")
        profiler = cProfile.Profile()
        profiler.enable()
        roster.import_roster(profiled, path)
        profiler.disable()
        profiled.close()
        print_profile(profiler)
    return 0


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
