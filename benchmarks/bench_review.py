"""Review desk benchmarks (issue: the county's review desk). Run on demand:

    .venv/bin/python benchmarks/bench_review.py [--candidates 100000] [--publicity 5000]

On a throwaway PostgreSQL cluster (Debian's server binaries), a county of ``--candidates``
candidates from 40 stations (synthetic records, indexed as ingest indexes them):

* the review list (one page of 50 and the total) for each kind of filter, as the page's
  handler runs it, beside a bare psycopg query of the same page on the same tables; target
  < 300 ms server time;
* the 公示 PDF of ``--publicity`` candidates of one school; target < 15 s.

Prints a Markdown table with the machine and the date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from station import seeding  # noqa: E402
from sync.county import db, publicity, review_desk  # noqa: E402
from tests.sync_fixtures import postgres_bindir, postgres_cluster  # noqa: E402


def populate(engine, count: int, school_size: int) -> dict[str, str]:
    rng = random.Random(5)
    ref = dt.date(2027, 6, 1)
    used: set[str] = set()
    now = dt.datetime(2027, 3, 1)
    with engine.begin() as conn:
        conn.execute(
            insert(db.stations),
            [
                {
                    "code": f"410105-{n:02d}",
                    "county": "410105",
                    "name": f"报名点{n}",
                    "ed25519": bytes(32),
                    "fingerprint": "0",
                    "registered_at": now,
                }
                for n in range(1, 41)
            ],
        )
    probe: dict[str, str] = {}
    batch_c, batch_i = [], []
    for k in range(count):
        raw = seeding.synthetic_record(rng, ref, used)
        station = f"410105-{k % 40 + 1:02d}"
        regno = f"27{station.replace('-', '')}{k:06d}"
        if k < school_size:  # one big school for the 公示 list
            raw["school_code"], raw["school_name"], raw["category"] = (
                "410105999",
                "基准中学",
                "fresh",
            )
        state = rng.choice(["received", "received", "approved", "rejected"])
        batch_c.append(
            {
                "station": station,
                "registration_no": regno,
                "version": 1,
                "id_number": raw["id_number"],
                "name": raw["name"],
                "digest": "0" * 64,
                "state": state,
                "reason": "",
                "allocation": None,
                "updated_at": now,
            }
        )
        canonical = {
            "registration_no": regno,
            "record": {**raw, "birth_date": str(raw["birth_date"])},
            "photo_sha256": None,
        }
        batch_i.append(review_desk.index_values(station, canonical))
        if k == count // 2:
            probe = {
                "name": raw["name"][:1],
                "initials": batch_i[-1]["initials"][:2],
                "id": raw["id_number"],
                "regno": regno,
                "station": station,
                "school": raw["school_code"] or "410105999",
            }
        if len(batch_c) == 5000:
            with engine.begin() as conn:
                conn.execute(insert(db.candidates), batch_c)
                conn.execute(insert(db.review_index), batch_i)
            batch_c, batch_i = [], []
    if batch_c:
        with engine.begin() as conn:
            conn.execute(insert(db.candidates), batch_c)
            conn.execute(insert(db.review_index), batch_i)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    return probe


def timed(fn, repeat: int = 5) -> float:
    fn()
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def bare(url: str, where: str, params: dict[str, object]) -> float:
    """The same page and total in plain SQL through psycopg, no ORM, no Python rows."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    sql_from = (
        "FROM candidates c JOIN review_index i ON i.station = c.station AND "
        "i.registration_no = c.registration_no"
    )
    with psycopg.connect(dsn) as conn:

        def run() -> None:
            conn.execute(f"SELECT count(*) {sql_from} {where}", params).fetchone()
            conn.execute(
                f"SELECT c.station, c.registration_no, c.name, c.id_number, c.state, i.school_name "
                f"{sql_from} {where} ORDER BY c.station, c.registration_no LIMIT 50",
                params,
            ).fetchall()

        return timed(run)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--publicity", type=int, default=5000)
    args = parser.parse_args()
    bindir = postgres_bindir()
    if bindir is None:
        raise SystemExit("no PostgreSQL server binaries (apt-get install postgresql)")
    with postgres_cluster(bindir) as url:
        engine = db.connect(url)
        t = time.perf_counter()
        probe = populate(engine, args.candidates, args.publicity)
        made = time.perf_counter() - t
        F = review_desk.Filters
        cases = [
            ("no filter", F(), "", {}),
            (
                "station",
                F(station=probe["station"]),
                "WHERE c.station = %(v)s",
                {"v": probe["station"]},
            ),
            (
                "school",
                F(school=probe["school"]),
                "WHERE i.school_code = %(v)s",
                {"v": probe["school"]},
            ),
            ("undecided", F(decided="no"), "WHERE c.state = 'received'", {}),
            (
                "category + 分配生 applied",
                F(category="fresh", allocation="applied"),
                "WHERE i.category = 'fresh' AND i.allocation_applied",
                {},
            ),
            (
                "cross-station duplicates",
                F(duplicate="yes"),
                "WHERE i.duplicate",
                {},
            ),
            (
                "name prefix",
                F(q=probe["name"]),
                "WHERE i.name LIKE %(v)s",
                {"v": probe["name"] + "%"},
            ),
            (
                "pinyin initials",
                F(q=probe["initials"]),
                "WHERE i.initials LIKE %(v)s",
                {"v": probe["initials"] + "%"},
            ),
            ("ID number", F(q=probe["id"]), "WHERE c.id_number = %(v)s", {"v": probe["id"]}),
            (
                "报名号",
                F(q=probe["regno"]),
                "WHERE c.registration_no = %(v)s",
                {"v": probe["regno"]},
            ),
            ("undecided, page 20", F(decided="no", page=20), "WHERE c.state = 'received'", {}),
        ]
        rows = []
        for label, f, where, params in cases:
            ours = timed(lambda f=f: review_desk.review_list(engine, f))
            base = bare(url, where, params)
            rows.append((label, ours, base))
        listing = publicity.listing(engine, "基准县", school="410105999")
        t = time.perf_counter()
        pdf = publicity.pdf(listing)
        pdf_s = time.perf_counter() - t
        engine.dispose()
    print(f"\n### bench_review ({dt.date.today()}, {platform.machine()}, {os.cpu_count()} cores)\n")
    print(f"PostgreSQL, {args.candidates:,} candidates from 40 stations (made in {made:.0f} s)\n")
    print("| review list filter | handler | bare psycopg | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    for label, ours, base in rows:
        print(
            f"| {label} | {ours * 1000:.0f} ms | {base * 1000:.0f} ms | {ours / base:.1f}× | < 300 ms |"
        )
    print(
        f"\n公示 PDF, {len(listing.rows):,} candidates, A4: {pdf_s:.1f} s "
        f"({len(pdf) / 1e6:.1f} MB); target < 15 s"
    )


if __name__ == "__main__":
    main()
