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
import datetime as dt
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station import auth, seeding  # noqa: E402
from station.form import fonts, layout, service  # noqa: E402
from station.form.content import FormData  # noqa: E402
from station.photo.stored import placeholder_jpeg  # noqa: E402
from station.settings import KDF_FLOOR, Settings, save  # noqa: E402
from station.setup import init_station  # noqa: E402

LOGIN = ("bench", "bench-password")


def make_station(directory: Path) -> None:
    save(directory, Settings(kdf=KDF_FLOOR))
    init_station(
        directory,
        name="登记表基准测试报名点",
        county_code="410105",
        number=1,
        admin_login=LOGIN[0],
        admin_password=LOGIN[1],
    )


# One name per Unicode block (issue "Every candidate, every character").
BLOCK_NAMES = [
    ("URO (baseline)", "张三丰"),
    ("Extension A", "刘䶮"),
    ("Extension B", "𠮷田明"),
    ("Extension C", "王𫖯"),
    ("Extension D", "李𫟦"),
    ("Extension E", "陈𬌗"),
]


def _form(name: str) -> FormData:
    record = {
        "name": name, "document_type": "resident_id", "id_number": "410105201203150039",
        "gender": "1", "birth_date": "2012-03-15", "ethnicity": "01", "political_status": "03",
        "household_division": "410105", "category": "fresh", "school_code": "410105001",
        "school_name": "郑州市第一初级中学", "student_number": "G410105201203150039",
        "home_address": "河南省郑州市金水区花园路 1 号", "phone": "13800138000",
        "guardian_name": "张大山", "guardian_relation": "父亲", "guardian_phone": "13900139000",
        "allocation_applied": True, "allocation_basis": "本校连续三年在籍",
    }  # fmt: skip
    return FormData(
        exam_year=2027, station_name="基准测试报名点", station_code="410105-01",
        registration_no="27410105010001", version=1, digest="0" * 64, record=record,
        photo_jpeg=placeholder_jpeg(), printed_by="bench", printed_at=dt.datetime(2027, 3, 1),
    )  # fmt: skip


def block_rows(repeats: int) -> list[tuple[str, str, str]]:
    """Render-only time of a form per block, as a ratio to the URO name in the same run, and
    what loading each bundled fallback costs the first form that needs it."""
    chain = fonts.FontChain(fonts.MAIN, fonts.BUNDLED_FALLBACKS)
    rows: list[tuple[str, str, str]] = []
    for block, name in BLOCK_NAMES:  # first render: loads the fallback the name needs
        t = time.perf_counter()
        layout.render(_form(name), chain)
        rows.append((f"first form with {block} {name} (loads its font)",
                     f"{(time.perf_counter() - t) * 1000:.0f} ms", "—"))  # fmt: skip
    medians: dict[str, list[float]] = {}
    for _ in range(repeats):
        for block, name in BLOCK_NAMES:
            t = time.perf_counter()
            layout.render(_form(name), chain)
            medians.setdefault(block, []).append(time.perf_counter() - t)
    base = statistics.median(medians[BLOCK_NAMES[0][0]])
    for block, name in BLOCK_NAMES:
        median = statistics.median(medians[block])
        rows.append((f"render, {block} {name}, median of {repeats}",
                     f"{median * 1000:.0f} ms ({median / base:.2f}×)", "< 150 ms"))  # fmt: skip
    sizes = sum(s.path.stat().st_size for s in (fonts.MAIN, *fonts.BUNDLED_FALLBACKS))
    rows.append(("bundled fonts on disk", f"{sizes / 1e6:.1f} MB", "—"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--single", type=int, default=30, help="single forms timed")
    parser.add_argument("--blocks", type=int, default=15, help="renders per block name")
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

    block_table = block_rows(args.blocks)
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
    for name, value, target in rows + block_table:
        print(f"| {name} | {value} | {target} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
