"""Login and the photo check (issue 19 item 3). Run on demand, not in the test suite:

    .venv/bin/python benchmarks/bench_login.py [--count 50000] [--keep DIR] [--rounds 3]

With ``--count`` candidates with photos (seeded like benchmarks/bench_store.py; 50,000 take
minutes, so keep the station with ``--keep /tmp/DIR`` and run again), side by side in one
run:
* the first login of the day (a new pass of the photo check starts) against a later login:
  target first ≤ 2× later;
* what the first login used to add: the whole ``PRAGMA integrity_check`` (``--no-old`` skips it);
* the photo check's slices as the desk runs them (``SLICE_SECONDS`` each): time per slice,
  photos per slice, the whole pass; and the pass in one go (what an export waits for after
  an unclean stop, and ``station integrity``).
Prints a Markdown table for docs/benchmarks.md (it does not write the file).
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

from station import auth, database, integrity, records, seeding  # noqa: E402
from station.keyslots import KeySlots  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_store import LOGIN, PASSWORD, make_bench_station  # noqa: E402


def bench_station(keep: str | None) -> Path:
    """The benchmark station (bench_store.py's), not logged in: the login is what is timed."""
    return make_bench_station(keep, "bench-login-")


def store_of(directory: Path) -> database.Store:
    key = KeySlots(directory).load().unwrap(LOGIN, PASSWORD)
    assert key is not None
    return database.Store(directory, key)


def make_it_a_new_day(directory: Path) -> None:
    """The last pass began (and ended) yesterday: the next open is the first of the day."""
    store = store_of(directory)
    try:
        old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1, minutes=5)).isoformat()
        done = integrity.PhotoCheck(started=old, trigger=integrity.DAILY, finished=old)
        database.set_state(store, integrity.STATE, done.to_json())
        database.set_state(store, database.LAST_FULL_CHECK, old)
    finally:
        store.close()


def login_ms() -> tuple[float, integrity.PhotoCheck]:
    t = time.perf_counter()
    ctx = auth.login(DIRECTORY, LOGIN, PASSWORD)
    took = (time.perf_counter() - t) * 1000
    state = integrity.read_state(ctx.store)
    ctx.close()
    return took, state


def describe(samples: list[float], unit: str = "ms") -> str:
    if len(samples) < 2:
        return f"{samples[0]:,.0f} {unit} (n=1)"
    high = max(samples)
    return (
        f"median {statistics.median(samples):,.0f} {unit}, max {high:,.0f} {unit} "
        f"(n={len(samples)})"
    )


DIRECTORY = Path()


def main() -> int:
    global DIRECTORY
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--keep", help="reuse or keep the station in this folder")
    parser.add_argument("--rounds", type=int, default=3, help="first/later login pairs")
    parser.add_argument("--no-old", action="store_true", help="skip the whole integrity_check")
    args = parser.parse_args()
    DIRECTORY = bench_station(args.keep)

    ctx = auth.login(DIRECTORY, LOGIN, PASSWORD)
    with ctx.store.read() as s:
        have = sum(records.count_by_state(s).values())
    t = time.perf_counter()
    if have < args.count:
        print(f"seeding {args.count - have} candidates…", file=sys.stderr, flush=True)
        seeding.seed(ctx, args.count - have, "ready", rng_seed=have)
    seed_s = time.perf_counter() - t
    ctx.close()

    # Logins side by side: first of the day, then a later one, in turns (the machine's speed
    # drifts with its load; turns keep both kinds under the same drift).
    first: list[float] = []
    later: list[float] = []
    for _ in range(args.rounds):
        make_it_a_new_day(DIRECTORY)
        took, state = login_ms()
        assert state.in_progress and state.trigger == integrity.DAILY and state.upto == 0
        first.append(took)
        took, again = login_ms()
        assert again.started == state.started  # the same pass: nothing new at this login
        later.append(took)
    ratio = statistics.median(first) / statistics.median(later)

    store = store_of(DIRECTORY)
    try:
        t = time.perf_counter()
        database.check_integrity(store, full=False)
        cheap_ms = (time.perf_counter() - t) * 1000
        old_ms = None
        if not args.no_old:
            t = time.perf_counter()
            database.check_integrity(store, full=True)
            old_ms = (time.perf_counter() - t) * 1000
        with store.engine.connect() as conn:
            photos = conn.exec_driver_sql("SELECT count(*) FROM photos").scalar() or 0
    finally:
        store.close()

    # The pass in slices, as the desk runs them, then in one go (an export after an unclean
    # stop; `station integrity --restart`).
    ctx = auth.login(DIRECTORY, LOGIN, PASSWORD)
    try:
        slices: list[float] = []
        per_slice: list[int] = []
        before = integrity.read_state(ctx.store)
        while True:
            t = time.perf_counter()
            state = integrity.run_slice(ctx)
            slices.append((time.perf_counter() - t) * 1000)
            per_slice.append(state.checked - before.checked)
            before = state
            if not state.in_progress:
                break
        assert state.complete, state
        t = time.perf_counter()
        again = integrity.finish_now(ctx, restart=True)
        whole_s = time.perf_counter() - t
        assert again.complete, again
    finally:
        ctx.close()
    desk_minutes = (sum(slices) + len(slices) * integrity.SLICE_EVERY_MS) / 60_000
    size_mb = sum(p.stat().st_size for p in DIRECTORY.glob("station.db*")) / 1e6

    import sqlcipher3

    conn = sqlcipher3.connect(":memory:")
    versions = conn.execute("SELECT sqlite_version()").fetchone()[0]
    cipher = conn.execute("PRAGMA cipher_version").fetchone()[0]
    conn.close()
    old_row = (
        f"| the whole `PRAGMA integrity_check` (what the first login used to add) | — | "
        f"{old_ms:,.0f} ms (n=1) |"
        if old_ms is not None
        else ""
    )
    lines = [
        f"### Login and the photo check, {dt.date.today().isoformat()}",
        "",
        f"Machine: `{platform.node()}`, {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"SQLCipher {cipher} (SQLite {versions}). Store: {photos:,} candidates with photos, "
        f"{size_mb:,.0f} MB on disk"
        + (f" (seeding took {seed_s:,.0f} s)." if seed_s > 1 else " (seeded before)."),
        "",
        "| measure | target | result |",
        "| --- | --- | --- |",
        f"| login, first of the day: Argon2id ×2, `integrity_check` of every table but "
        f"photos, a new photo pass noted | ≤ 2× later | {describe(first)} |",
        f"| login, later that day: the same without the new pass | — | {describe(later)} |",
        f"| ratio first / later (medians) | ≤ 2 | {ratio:.2f} |",
        f"| `integrity_check` of every table but photos (in both logins) | — | "
        f"{cheap_ms:,.0f} ms (n=1) |",
        *([old_row] if old_row else []),
        f"| photo check slice (budget {integrity.SLICE_SECONDS * 1000:.0f} ms) | — | "
        f"{describe(slices)}, p95 {statistics.quantiles(slices, n=20)[18]:,.0f} ms |"
        if len(slices) > 2
        else f"| photo check slice | — | {describe(slices)} |",
        f"| photos per slice | — | median {statistics.median(per_slice):,.0f} "
        f"({len(slices)} slices a pass) |",
        f"| the pass at the desk (a slice every {integrity.SLICE_EVERY_MS / 1000:.0f} s) | — | "
        f"about {desk_minutes:,.0f} min of wall time, {sum(slices) / 1000:,.1f} s of work |",
        f"| the pass in one go (`station integrity`, an export after an unclean stop) | — | "
        f"{whole_s:,.1f} s (n=1) |",
        "",
    ]
    print("\n".join(lines))
    return 0 if ratio <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
