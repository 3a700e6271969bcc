"""Station store benchmarks (issue: station core; issue 19). Run on demand, not in the test suite:

    .venv/bin/python benchmarks/bench_store.py [--count 50000] [--keep DIR] [--append]

A station of ``--count`` candidates, seeded through the real core in state *ready*, each with
a camera-like photo of their own and its perceptual hash (station.seeding, ``photos="camera"``;
``--photos placeholder`` seeds the one unhashed demo portrait instead). Seeding 50,000 takes
many minutes: keep the station with ``--keep /tmp/DIR`` and run again.

Every measure runs side by side with a bare baseline in the same run (alternating, so that
both see the same disk and the same load) and prints the ratio:

* a save (validate, 报名号, photo compared with every other one, audit, durable commit), each
  with a new person's photo, hashed and compared before the clock as the desk does when the
  photo is accepted (the save compares it with the photos stored since),
  against a bare SQLCipher INSERT of the same bytes (the record as JSON and the JPEG) and
  COMMIT on a connection configured like the store's (key, WAL, ``synchronous=FULL``), in a
  database beside it: target ≤ 4×;
* the first save after a login, in a new process after the desk's warm-up
  (benchmarks/bench_save.py), against the later saves of that process: target ≤ 3×;
* finding a candidate by ID number and by 报名号, and the first 50 of a name prefix (1–2
  characters), as rows (station.records.row_by_id_number, row_by_registration_no,
  search_name_prefix), against the same indexed SELECT through the raw DBAPI: target ≤ 4×;
  the ORM objects in a session that these searches returned before are shown beside them;
* ``station --help`` in a new process, against a new process that does nothing.

Logins are measured by benchmarks/bench_login.py. Prints a Markdown table with the machine
and the date; ``--append`` appends it to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from station import auth, records, seeding  # noqa: E402
from station.audit import canonical_json  # noqa: E402
from station.database import apply_key  # noqa: E402
from station.models import Candidate, Photo  # noqa: E402
from station.photo import duplicates  # noqa: E402
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


LOGIN, PASSWORD = "bench", "bench-password"


def make_bench_station(keep: str | None, prefix: str) -> Path:
    """The benchmark station in ``keep`` (made there if new) or in a new temporary folder; the
    other benchmarks that need a large station use it too."""
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
            admin_login=LOGIN,
            admin_password=PASSWORD,
        )
    return directory


def bench_station(keep: str | None, prefix: str) -> tuple[Path, auth.Context]:
    """:func:`make_bench_station`, logged in."""
    directory = make_bench_station(keep, prefix)
    return directory, auth.login(directory, LOGIN, PASSWORD)


def raw_connection(path: Path, key: bytes) -> Any:
    """A bare SQLCipher connection configured as the store's are (station/database.py)."""
    import sqlcipher3

    connection = sqlcipher3.connect(str(path), isolation_level=None, check_same_thread=False)
    apply_key(connection, key)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=5000"):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def side_by_side(
    measured: Callable[[Any], object], bare: Callable[[Any], object], keys: list[Any]
) -> tuple[list[float], list[float]]:
    """Milliseconds of ``measured(key)`` and ``bare(key)`` for each key but the first five,
    in turns (which one goes first alternates); the first five warm both up."""
    for key in keys[:5]:
        measured(key)
        bare(key)
    ours: list[float] = []
    theirs: list[float] = []
    for i, key in enumerate(keys[5:]):
        pair = ((measured, ours), (bare, theirs))
        for fn, out in pair if i % 2 else pair[::-1]:
            t = time.perf_counter()
            fn(key)
            out.append((time.perf_counter() - t) * 1000)
    return ours, theirs


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[18]


def ms(value: float) -> str:
    return f"{value:,.3f} ms" if value < 1 else f"{value:,.2f} ms"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--keep", help="reuse or keep the station in this folder")
    parser.add_argument("--photos", choices=seeding.PHOTOS, default="camera")
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument(
        "--first-runs", type=int, default=5, help="new processes for the first save"
    )
    parser.add_argument("--append", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    directory, ctx = bench_station(args.keep, "bench-station-")
    with ctx.store.read() as s:
        have = sum(records.count_by_state(s).values())
    seed_s = None
    if have < args.count:

        def progress(done: int, total: int) -> None:
            print(f"\rseeding {done:,}/{total:,}", end="", file=sys.stderr, flush=True)

        t = time.perf_counter()
        seeding.seed(
            ctx, args.count - have, "ready", rng_seed=have, progress=progress, photos=args.photos
        )
        seed_s = time.perf_counter() - t
        print(file=sys.stderr)
    with ctx.store.read() as s:
        count = sum(records.count_by_state(s).values())
        hashed = len(s.scalars(select(Photo.id).where(Photo.phash != "")).all())
        everyone = s.execute(
            select(Candidate.id_number, Candidate.registration_no, Candidate.name)
        ).all()
        known = list(s.scalars(select(Photo.phash).where(Photo.phash != "")))
    sample = random.Random(1).sample(everyone, 500)
    ids = [c.id_number for c in sample]
    regnos = [c.registration_no for c in sample]
    prefixes = [c.name[:1] if i % 2 else c.name[:2] for i, c in enumerate(sample)]

    # --- a later save, against a bare INSERT + COMMIT of the same bytes ---------------------
    portraits = seeding.distinct_portraits(time.time_ns() % 2**62, known)
    photos = [next(portraits) for _ in range(args.saves + 5)]
    portraits.close()
    rng = random.Random()
    used = {c.id_number for c in everyone}
    ref = ctx.settings.policy().reference_date()
    work = [(seeding.synthetic_record(rng, ref, used), jpeg) for jpeg in photos]
    bare_dir = Path(tempfile.mkdtemp(prefix="bench-bare-", dir=directory.parent))
    bare_db = raw_connection(bare_dir / "bare.db", ctx.db_key)
    bare_db.execute("CREATE TABLE bare (id INTEGER PRIMARY KEY, record TEXT, jpeg BLOB)")
    states: list[str] = []
    commits: list[float] = []  # the save's own COMMIT, and the bare one's
    bare_commits: list[float] = []
    dialect = ctx.store.engine.dialect
    commit = dialect.do_commit

    def timed_commit(connection: Any) -> None:
        t = time.perf_counter()
        commit(connection)
        commits.append((time.perf_counter() - t) * 1000)

    def save_one(item: tuple[dict[str, Any], bytes]) -> None:
        states.append(records.create(ctx, item[0], PhotoInput(item[1], "camera", True)).state)

    def bare_insert(item: tuple[dict[str, Any], bytes]) -> None:
        bare_db.execute("BEGIN IMMEDIATE")
        bare_db.execute(
            "INSERT INTO bare (record, jpeg) VALUES (?, ?)", (canonical_json(item[0]), item[1])
        )
        t = time.perf_counter()
        bare_db.execute("COMMIT")
        bare_commits.append((time.perf_counter() - t) * 1000)

    # The desk hashes a photo and compares it with the stored ones as soon as it is accepted,
    # while the operator goes on typing (ui/record_session.py, prepare_photo): here too,
    # before the clock (each save then compares it with the photos stored since).
    assert len(work) <= 256, "more photos than station.photo.duplicates remembers"
    for _record, jpeg in work:
        duplicates.prepare(ctx, PhotoInput(jpeg, "camera", True))
    dialect.do_commit = timed_commit  # type: ignore[method-assign,assignment]
    try:
        saving, bare_saving = side_by_side(save_one, bare_insert, work)
    finally:
        dialect.do_commit = commit  # type: ignore[method-assign]
    states = states[5:]  # the measured saves
    flagged = sum(1 for s in states if s != "ready")
    bare_db.close()
    shutil.rmtree(bare_dir, ignore_errors=True)
    from station.photo.phash import perceptual_hash

    hashing = []
    for _record, jpeg in work[5:]:
        t = time.perf_counter()
        perceptual_hash(jpeg)
        hashing.append((time.perf_counter() - t) * 1000)

    # --- the first save after a login, in new processes ------------------------------------
    from bench_save import run as first_saves

    firsts = first_saves(directory, runs=args.first_runs, later=20)

    # --- finding, as rows, against the bare indexed SELECT ---------------------------------
    reader = raw_connection(directory / "station.db", ctx.db_key)
    columns = ", ".join(records.CandidateRow._fields)
    by_key = f"SELECT {columns} FROM candidates WHERE {{}} = ?"
    by_prefix = (
        f"SELECT {columns} FROM candidates WHERE name >= ? AND name < ? ORDER BY name, id LIMIT 50"
    )

    def cycled(keys: list[str]) -> list[str]:
        return (keys * (args.lookups // len(keys) + 1))[: args.lookups + 5]

    def in_session(find: Callable[[Any, str], Any]) -> Callable[[str], Any]:
        def look(key: str) -> Any:
            with ctx.store.read() as s:
                return find(s, key)

        return look

    def orm_prefix(s: Any, prefix: str) -> Any:  # what search_name_prefix returned before
        return s.scalars(
            select(Candidate)
            .where(Candidate.name >= prefix, Candidate.name < prefix + "\U0010ffff")
            .order_by(Candidate.name, Candidate.id)
            .limit(50)
        ).all()

    finds = {
        "id": side_by_side(
            lambda k: records.row_by_id_number(ctx, k),
            lambda k: reader.execute(by_key.format("id_number"), (k,)).fetchone(),
            cycled(ids),
        ),
        "regno": side_by_side(
            lambda k: records.row_by_registration_no(ctx, k),
            lambda k: reader.execute(by_key.format("registration_no"), (k,)).fetchone(),
            cycled(regnos),
        ),
        "prefix": side_by_side(
            lambda k: records.search_name_prefix(ctx, k),
            lambda k: reader.execute(by_prefix, (k, k + "\U0010ffff")).fetchall(),
            cycled(prefixes),
        ),
        "id_orm": side_by_side(
            in_session(records.find_by_id_number),
            lambda k: reader.execute(by_key.format("id_number"), (k,)).fetchone(),
            cycled(ids)[: args.lookups // 2 + 5],
        ),
        "prefix_orm": side_by_side(
            in_session(orm_prefix),
            lambda k: reader.execute(by_prefix, (k, k + "\U0010ffff")).fetchall(),
            cycled(prefixes)[: args.lookups // 2 + 5],
        ),
    }
    reader.close()

    # --- station --help, against a new process that does nothing ---------------------------
    def new_process(command: list[str]) -> Callable[[int], None]:
        def run(_n: int) -> None:
            subprocess.run(command, capture_output=True, check=True, cwd=ROOT)

        return run

    helps, bare_starts = side_by_side(
        new_process([sys.executable, "-m", "ui.launcher", "--help"]),
        new_process([sys.executable, "-c", "pass"]),
        list(range(15)),
    )
    ctx.close()
    size_mb = sum(p.stat().st_size for p in directory.glob("station.db*")) / 1e6

    def row(measure: str, ours: list[float], bare: list[float], target: float | None) -> str:
        ratio = statistics.median(ours) / statistics.median(bare)
        verdict = "—" if target is None else ("met" if ratio <= target else "**not met**")
        return (
            f"| {measure} | median {ms(statistics.median(ours))}, p95 {ms(p95(ours))} "
            f"(n={len(ours)}) | median {ms(statistics.median(bare))} | {ratio:.2f}× | "
            f"{'—' if target is None else f'≤ {target:g}×'} | {verdict} |"
        )

    first_ratio = statistics.median(r["ratio"] for r in firsts)
    each = ", ".join(f"{r['first_ms']:.1f}" for r in firsts)
    first_row = (
        f"| first save after a login (new process, after the desk's warm-up of "
        f"{statistics.median(r['warm_ms'] for r in firsts):,.0f} ms) | median "
        f"{ms(statistics.median(r['first_ms'] for r in firsts))} (n={len(firsts)}: {each}) | "
        "later saves of the same "
        f"process: median {ms(statistics.median(r['later_ms'] for r in firsts))} | "
        f"{first_ratio:.2f}× | ≤ 3× | {'met' if first_ratio <= 3 else '**not met**'} |"
    )
    seeded = f"seeding {seed_s:,.0f} s; " if seed_s is not None else ""
    lines = [
        f"### Station store, {dt.date.today().isoformat()}",
        "",
        f"Machine: {platform.node()} — {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, {platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}. Store: SQLCipher, WAL, synchronous=FULL; {count:,} "
        f"candidates, {hashed:,} photos with a perceptual hash ({args.photos}), "
        f"{size_mb:,.0f} MB on disk ({seeded}load average "
        f"{', '.join(f'{v:.1f}' for v in os.getloadavg())} at the end).",
        "",
        "| measure | result | bare baseline (same run) | ratio | target | |",
        "| --- | --- | --- | --- | --- | --- |",
        row(
            "save one record with a new ~33 KB camera photo (validate, 报名号, photo compared "
            f"(hashed when accepted), audit, commit; {flagged} of {len(states)} flagged as "
            "look-alikes) "
            "vs INSERT + COMMIT of the same bytes",
            saving,
            bare_saving,
            4,
        ),
        first_row,
        row("find by ID number, as a row", *finds["id"], 4),
        row("find by 报名号, as a row", *finds["regno"], 4),
        row("name prefix search (1–2 characters, first 50), as rows", *finds["prefix"], 4),
        row("find by ID number, ORM object in a session (before)", *finds["id_orm"], None),
        row("name prefix search, ORM objects in a session (before)", *finds["prefix_orm"], None),
        row("`station --help` (new process) vs `python -c pass`", helps, bare_starts, None),
        "",
        f"Of a save's median {ms(statistics.median(saving))}, its COMMIT (the durable write: "
        f"~26 pages) took {ms(statistics.median(commits[5:]))}. The photo's perceptual hash "
        f"(decoding the JPEG), made when the photo is accepted, took "
        f"{ms(statistics.median(hashing))}: a save that hashes its photo itself (the CLI's "
        "`candidate add`) costs that more. Of the bare baseline's "
        f"{ms(statistics.median(bare_saving))}, its COMMIT (~11 pages) "
        f"{ms(statistics.median(bare_commits[5:]))}. The ratio of a save to the bare baseline "
        "therefore moves with the disk: the slower each fsync, the smaller it is.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    print(json.dumps({"first_save_runs": firsts}, indent=1), file=sys.stderr)
    if args.append:
        with (ROOT / "docs" / "benchmarks.md").open("a", encoding="utf-8") as f:
            f.write(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
