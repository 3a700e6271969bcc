"""Station store benchmarks (issue: station core). Run on demand, not in the test suite:

    .venv/bin/python benchmarks/bench_store.py [--count 50000] [--keep DIR]

Targets, with 50,000 candidates in the encrypted store:
* saving one record with a 40 KB photo: median < 20 ms (durable commit included);
* finding by ID number or 报名号: median < 5 ms; by name prefix: median < 20 ms;
* ``station --help``: < 0.5 s.
Results are appended to docs/benchmarks.md with the machine and the date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station import auth, database, records, seeding  # noqa: E402
from station.keyslots import KeySlots  # noqa: E402
from station.models import Candidate  # noqa: E402
from station.photo.stored import PhotoInput, placeholder_jpeg  # noqa: E402
from station.settings import Settings, save  # noqa: E402
from station.setup import init_station  # noqa: E402


def photo_of_size(target: int) -> bytes:
    """The placeholder portrait padded with a JPEG comment segment to ``target`` bytes."""
    base = placeholder_jpeg()
    pad = max(0, target - len(base))
    chunks = b""
    while pad > 4:
        n = min(pad - 4, 65533)
        chunks += b"\xff\xfe" + (n + 2).to_bytes(2, "big") + os.urandom(n)
        pad -= n + 4
    return base[:2] + chunks + base[2:]


def bench_station(keep: str | None, prefix: str) -> tuple[Path, auth.Context]:
    """The benchmark station in ``keep`` (made there if new) or in a new temporary folder,
    logged in; the other benchmarks that need a large station use it too."""
    directory = Path(keep) if keep else Path(tempfile.mkdtemp(prefix=prefix))
    if not (directory / "keyslots.json").exists():
        # The default 4-digit serial holds 9,999 candidates, plenty for one registration
        # point; 50,000 needs the configurable template to be wider.
        save(directory, Settings(registration_no_template="{yy}{county}{station}{serial:06d}"))
        init_station(
            directory,
            name="基准测试",
            county_code="410105",
            number=1,
            admin_login="bench",
            admin_password="bench-password",
        )
    return directory, auth.login(directory, "bench", "bench-password")


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def describe(samples: list[float]) -> str:
    q = statistics.quantiles(samples, n=20)
    return f"median {statistics.median(samples):.2f} ms, p95 {q[18]:.2f} ms (n={len(samples)})"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--keep", help="reuse or keep the station in this folder")
    args = parser.parse_args()
    directory, ctx = bench_station(args.keep, "bench-station-")
    with ctx.store.session() as s:
        have = sum(records.count_by_state(s).values())
    t = time.perf_counter()
    if have < args.count:
        seeding.seed(ctx, args.count - have, "ready", rng_seed=have)
    seed_s = time.perf_counter() - t
    with ctx.store.session() as s:
        sample = random.Random(1).sample(list(records.list_candidates(s)), 500)
    ids = [c.id_number for c in sample]
    regnos = [c.registration_no for c in sample]
    prefixes = [c.name[:1] if i % 2 else c.name[:2] for i, c in enumerate(sample)]

    photo = PhotoInput(photo_of_size(40 * 1024), "camera", quality_ok=True)
    rng = random.Random()
    with ctx.store.session() as s:
        used = set(s.scalars(select(Candidate.id_number)))  # a rerun adds to the same store
    ref = ctx.settings.policy().reference_date()

    def save_one() -> None:
        records.create(ctx, seeding.synthetic_record(rng, ref, used), photo)

    saving = timed(save_one, 200)

    def lookup(fn, keys):
        it = iter(keys * 3)

        def once() -> None:
            with ctx.store.session() as s:
                assert fn(s, next(it)) is not None

        return once

    by_id = timed(lookup(records.find_by_id_number, ids), 1000)
    by_regno = timed(lookup(records.find_by_registration_no, regnos), 1000)
    by_name = timed(lookup(records.search_name_prefix, prefixes), 1000)
    helps = []
    for _ in range(10):
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "ui.launcher", "--help"],
            capture_output=True,
            check=True,
            cwd=ROOT,
        )
        helps.append((time.perf_counter() - t) * 1000)
    ctx.close()

    def login_ms(force_full: bool) -> float:
        if force_full:  # make the stored "last full check" a day old
            key = KeySlots(directory).load().unwrap("bench", "bench-password")
            store = database.Store(directory, key)
            old = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
            database.set_state(store, database.LAST_FULL_CHECK, old.isoformat())
            store.close()
        t = time.perf_counter()
        auth.login(directory, "bench", "bench-password").close()
        return (time.perf_counter() - t) * 1000

    full_logins = [login_ms(True) for _ in range(2)]
    quick_logins = [login_ms(False) for _ in range(5)]
    size_mb = sum(p.stat().st_size for p in directory.glob("station.db*")) / 1e6

    lines = [
        f"### Station store, {dt.date.today().isoformat()}",
        "",
        f"Machine: {platform.node()} — {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}. "
        f"Store: SQLCipher, WAL, synchronous=FULL; {args.count:,} candidates with photos, {size_mb:,.0f} MB on disk "
        f"(seeding took {seed_s:,.0f} s).",
        "",
        "| measure | target | result |",
        "| --- | --- | --- |",
        f"| save one record with a 40 KB photo (validate, 报名号, photo, audit, commit) | median < 20 ms | {describe(saving)} |",
        f"| find by ID number | median < 5 ms | {describe(by_id)} |",
        f"| find by 报名号 | median < 5 ms | {describe(by_regno)} |",
        f"| name prefix search (1–2 characters, first 50) | median < 20 ms | {describe(by_name)} |",
        f"| `station --help` (new process) | < 0.5 s | {describe(helps)} |",
        f"| login, first of the day: Argon2id (64 MiB, t=3) ×2, full `integrity_check`, migrations | — | "
        f"median {statistics.median(full_logins):,.0f} ms (n=2) |",
        f"| login, later that day: Argon2id ×2, `integrity_check` of every table but photos | — | "
        f"median {statistics.median(quick_logins):,.0f} ms (n=5) |",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    out = ROOT / "docs" / "benchmarks.md"
    if not out.exists():
        out.write_text(
            "# Benchmarks\n\nResults of `benchmarks/`, newest first within each section.\n\n",
            encoding="utf-8",
        )
    with out.open("a", encoding="utf-8") as f:
        f.write(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
