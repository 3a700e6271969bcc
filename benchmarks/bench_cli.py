#!/usr/bin/env python3
"""Start-up of the command line: ``station --help`` and ``county --help`` as ratios to a bare
``python -c pass`` of the same interpreter, measured side by side in one run.

    .venv/bin/python benchmarks/bench_cli.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(args: list[str], runs: int) -> list[float]:
    out = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("STATION_")}
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True, env=env)
        out.append(time.perf_counter() - start)
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    cases = {
        "`python -c pass` (baseline)": [sys.executable, "-c", "pass"],
        "`station --help`": [str(BIN / "station"), "--help"],
        "`county --help`": [str(BIN / "county"), "--help"],
    }
    # Interleaved rounds, so that a burst of load on the machine hits every case alike.
    results: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, args in cases.items():
            results[name] += timed(args, 1)
    base = statistics.median(results["`python -c pass` (baseline)"])
    print("| command | median | ratio to baseline |")
    print("| --- | --- | --- |")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"| {name} | {median * 1000:.0f} ms | {median / base:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
