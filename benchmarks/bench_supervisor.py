"""The supervisor's day (issue: dashboard, daily report). Run on demand:

    .venv/bin/python benchmarks/bench_supervisor.py [--count 50000] [--keep DIR]

A station of ``--count`` candidates seeded through the real core today (90 % ready, 10 %
signed, with the placeholder photo), then, side by side in one run:

* the dashboard's figures (``station.dashboard.figures``), beside a bare baseline: the
  simplest of its queries alone (records by state) through the same store; target < 200 ms;
* the daily report of today (every candidate created today: the worst day there can be), as
  figures and as a PDF; target < 5 s.

Prints a Markdown table with the machine and the date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_store import bench_station  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from station import dashboard, records, report, seeding  # noqa: E402
from station.models import Candidate  # noqa: E402


def median_ms(fn, repeat: int = 10) -> float:
    fn()
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--keep", help="reuse or keep the station in this folder")
    args = parser.parse_args()
    _directory, ctx = bench_station(args.keep, "bench-sup-")
    with ctx.store.read() as s:
        have = sum(records.count_by_state(s).values())
    t = time.perf_counter()
    if have < args.count:
        signed = args.count // 10
        seeding.seed(ctx, args.count - have - signed, "ready", rng_seed=have)
        seeding.seed(ctx, signed, "signed", rng_seed=have + 1)
    seed_s = time.perf_counter() - t
    ctx.settings.deadline = (dt.date.today() + dt.timedelta(days=10)).isoformat()

    def bare() -> None:
        with ctx.store.read() as s:
            s.execute(select(Candidate.state, func.count()).group_by(Candidate.state)).all()

    base = median_ms(bare)
    ours = median_ms(lambda: dashboard.figures(ctx))
    t = time.perf_counter()
    day = report.daily(ctx, dt.date.today())
    figures_s = time.perf_counter() - t
    t = time.perf_counter()
    pdf = report.pdf(day)
    pdf_s = time.perf_counter() - t
    t = time.perf_counter()
    report.workbook(day)
    xlsx_s = time.perf_counter() - t
    ctx.close()
    print(
        f"\n### bench_supervisor ({dt.date.today()}, {platform.machine()}, {os.cpu_count()} cores)\n"
    )
    print(
        f"{args.count:,} candidates (seeded in {seed_s:.0f} s), {day.work['create']:,} created today\n"
    )
    print("| measure | time | ratio | target |")
    print("| --- | --- | --- | --- |")
    print(f"| bare: records by state | {base:.1f} ms | 1.0× | — |")
    print(f"| dashboard figures | {ours:.1f} ms | {ours / base:.1f}× bare | < 200 ms |")
    print(f"| daily report: figures | {figures_s:.2f} s | — | — |")
    print(
        f"| daily report: + PDF ({len(pdf) // 1024} KB) | {figures_s + pdf_s:.2f} s | — | < 5 s |"
    )
    print(f"| daily report: + Excel | {figures_s + xlsx_s:.2f} s | — | < 5 s |")


if __name__ == "__main__":
    main()
