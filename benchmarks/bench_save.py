"""The first save after a login, against the saves after it (issue 19). Run on demand:

    .venv/bin/python benchmarks/bench_save.py DIR [--runs 3] [--later 20] [--no-warm]

DIR is a station made by benchmarks/bench_store.py (``--keep DIR``; login ``bench``). Each run
is a new process, as the desk is after a login: it logs in, loads the queue, warms up off
the main thread as the desk does (``station.warmup.warm``, waited for: the operator types a
record meanwhile), then saves one record with a new camera-like photo, then ``--later`` more;
it prints the first save, the median of the later ones and the ratio (target ≤ 3×).
``--no-warm`` leaves the warm-up out (what a save costs when nothing was made ready: the
CLI's ``candidate add``, or a save typed faster than the warm-up).

The photos are drawn in this (the parent) process and handed over as files, so that the
process that saves has loaded nothing for them (not even OpenCV); each is a different person
from every photo in the store (station.seeding.distinct_portraits).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOGIN, PASSWORD = "bench", "bench-password"


def child(directory: Path, photos: list[Path], warm: bool) -> dict[str, object]:
    """One login in this new process, then its first save and the later ones."""
    started = time.perf_counter()
    import random

    from station import auth, queries, records, seeding, warmup
    from station.photo.stored import PhotoInput

    imported = time.perf_counter()
    ctx = auth.login(directory, LOGIN, PASSWORD)
    logged_in = time.perf_counter()
    queries.queue_rows(ctx)  # what the desk reads first after a login
    queued = time.perf_counter()
    warmed_ms = None
    if warm:
        # As the desk does after the queue is loaded (ui/main_window.py), off the GUI thread.
        t = time.perf_counter()
        worker = threading.Thread(target=warmup.warm, args=(ctx,))
        worker.start()
        worker.join()
        warmed_ms = (time.perf_counter() - t) * 1000
    used = {r.id_number for r in queries.queue_rows(ctx)}
    rng = random.Random()
    ref = ctx.settings.policy().reference_date()
    saves, states = [], []
    for path in photos:
        raw = seeding.synthetic_record(rng, ref, used)
        photo = PhotoInput(path.read_bytes(), "camera", quality_ok=True)
        t = time.perf_counter()
        saved = records.create(ctx, raw, photo)
        saves.append((time.perf_counter() - t) * 1000)
        states.append(saved.state)
    ctx.close()
    later = statistics.median(saves[1:])
    return {
        "import_ms": (imported - started) * 1000,
        "login_ms": (logged_in - imported) * 1000,
        "queue_ms": (queued - logged_in) * 1000,
        "warm_ms": warmed_ms,
        "first_ms": saves[0],
        "later_ms": later,
        "later_p95_ms": statistics.quantiles(saves[1:], n=20)[18],
        "ratio": saves[0] / later,
        "flagged": sum(1 for s in states if s != "ready"),
    }


def run(directory: Path, *, runs: int = 3, later: int = 20, warm: bool = True) -> list[dict]:
    """``runs`` new processes, each a login and its first save; their results."""
    from sqlalchemy import select

    from station import auth, seeding
    from station.models import Photo

    with auth.login(directory, LOGIN, PASSWORD) as ctx, ctx.store.read() as s:
        known = list(s.scalars(select(Photo.phash).where(Photo.phash != "")))
    portraits = seeding.distinct_portraits(time.time_ns() % 2**62, known)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-save-") as tmp:
        for n in range(runs):
            paths = []
            for i in range(later + 1):
                path = Path(tmp) / f"{n}-{i}.jpg"
                path.write_bytes(next(portraits))
                paths.append(path)
            command = [sys.executable, __file__, str(directory), "--child", *map(str, paths)]
            if not warm:
                command.append("--no-warm")
            out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    portraits.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--later", type=int, default=20)
    parser.add_argument("--no-warm", action="store_true")
    parser.add_argument("--child", nargs="+", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.directory, args.child, warm=not args.no_warm)))
        return 0
    results = run(args.directory, runs=args.runs, later=args.later, warm=not args.no_warm)
    print("| run | login | warm-up | first save | later saves (median) | first ÷ later |")
    print("| --- | --- | --- | --- | --- | --- |")
    for n, r in enumerate(results, 1):
        warmed = f"{r['warm_ms']:,.0f} ms" if r["warm_ms"] is not None else "—"
        print(
            f"| {n} | {r['login_ms']:,.0f} ms | {warmed} | {r['first_ms']:.1f} ms "
            f"| {r['later_ms']:.2f} ms | {r['ratio']:.2f}× |"
        )
    ratio = statistics.median(r["ratio"] for r in results)
    print(f"\nmedian first ÷ later: {ratio:.2f}× (target ≤ 3×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
