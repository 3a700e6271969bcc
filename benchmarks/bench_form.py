"""Registration form (考生报名登记表) benchmark. Run on demand, not in the test suite:

    .venv/bin/python benchmarks/bench_form.py [--count 500] [--single 30]

Targets: one form PDF in under 150 ms (median, fonts already loaded), 500 forms in one go in
under 60 s (render, store in the encrypted database, audit), under 300 KB per form.
It seeds ``ready`` candidates (with the placeholder photo and some 𠮷/𪚥 names) into a fresh
station, times the first form (font loading), single forms, and ``print_many`` over all of
them, and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station import auth, seeding  # noqa: E402
from station.form import fonts, service  # noqa: E402
from station.settings import KdfParams, Settings, save  # noqa: E402
from station.setup import init_station  # noqa: E402

LOGIN = ("bench", "bench-password")


def make_station(directory: Path) -> None:
    save(directory, Settings(kdf=KdfParams(time_cost=1, memory_cost=1024, parallelism=1)))
    init_station(
        directory,
        name="登记表基准测试报名点",
        county_code="410105",
        number=1,
        admin_login=LOGIN[0],
        admin_password=LOGIN[1],
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--single", type=int, default=30, help="single forms timed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        make_station(directory)
        with auth.login(directory, *LOGIN) as ctx:
            ids = seeding.seed(ctx, args.count + args.single, "ready", rng_seed=11)
            batch_ids, single_ids = ids[: args.count], ids[args.count :]

            t = time.perf_counter()
            fonts.default_chain()
            font_load = time.perf_counter() - t
            t = time.perf_counter()
            service.print_form(ctx, single_ids[0])
            first = time.perf_counter() - t

            singles, sizes = [], []
            for candidate_id in single_ids[1:]:
                t = time.perf_counter()
                printed = service.print_form(ctx, candidate_id)
                singles.append(time.perf_counter() - t)
                sizes.append(len(printed.pdf))

            def progress(done: int, total: int) -> None:
                if done % 50 == 0 or done == total:
                    print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

            t = time.perf_counter()
            result = service.print_many(ctx, batch_ids, progress)
            batch = time.perf_counter() - t
            print(file=sys.stderr)
            sizes += [len(p.pdf) for p in result.printed]

    median = statistics.median(singles) * 1000
    rows = [
        ("font chain loaded (main font, once per process)", f"{font_load * 1000:.0f} ms", "—"),
        ("first form (incl. fallback font load if needed)", f"{first * 1000:.0f} ms", "—"),
        (f"one form, median of {len(singles)} (render + store + audit)", f"{median:.0f} ms",
         "< 150 ms"),
        (f"{len(result.printed)} forms, print_many", f"{batch:.1f} s", "< 60 s"),
        ("per form in the batch", f"{batch / max(1, len(result.printed)) * 1000:.0f} ms", "—"),
        ("PDF size per form, median / max", f"{statistics.median(sizes) / 1024:.0f} KB / "
         f"{max(sizes) / 1024:.0f} KB", "< 300 KB"),
        ("refused", str(len(result.refused)), "0"),
    ]  # fmt: skip
    print(f"Python {platform.python_version()}, {platform.machine()}, {platform.system()}\n")
    print("| measure | result | target |\n| --- | --- | --- |")
    for name, value, target in rows:
        print(f"| {name} | {value} | {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
