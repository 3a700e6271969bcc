"""The near-duplicate photo scan: every stored hash against a new photo's, as one save does.

    .venv/bin/python benchmarks/bench_near.py [--count 50000]

Prints the scan (numpy XOR and popcount, ``station.photo.duplicates._HashIndex.near``) beside
the plain Python loop it replaced, run in the same process on the same hashes, and the ratio.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from station.photo.duplicates import _HashIndex


def median_ms(run, times: int) -> float:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=50_000)
    count = parser.parse_args().count
    rng = random.Random(1)
    index = _HashIndex()
    for candidate in range(1, count + 1):
        index.by_candidate[candidate] = (candidate, rng.getrandbits(64))
    probe = rng.getrandbits(64)

    def loop() -> None:  # what every save ran before
        [
            (other, (probe ^ value).bit_count())
            for other, (_photo, value) in index.by_candidate.items()
            if (probe ^ value).bit_count() <= 10
        ]

    def after_a_save() -> None:  # one new photo came in, then the scan
        new = count + len(index.added) + 1_000_000
        value = rng.getrandbits(64)
        index.by_candidate[new] = (new, value)
        index.added.append((new, value))
        index.near(probe, 0, 10)

    def rebuild() -> None:
        index.arrays = None
        index.near(probe, 0, 10)

    index.near(probe, 0, 10)
    baseline = median_ms(loop, 9)
    scan = median_ms(after_a_save, 51)
    built = median_ms(rebuild, 9)
    print(f"| measure ({count:,} hashes) | median | × the loop |")
    print("| --- | --- | --- |")
    print(f"| plain Python loop (baseline) | {baseline:.2f} ms | 1 |")
    print(f"| scan after a save (append, XOR, popcount) | {scan:.3f} ms | {scan / baseline:.3f} |")
    print(f"| scan with the arrays built again | {built:.2f} ms | {built / baseline:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
