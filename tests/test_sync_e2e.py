"""Two stations and one county, end to end, on SQLite and on a throwaway PostgreSQL.

Export → copy → verify → ingest → receipts back (acknowledged) → review back (approved /
rejected) → the rejected record corrected as version 2 and sent again; the county keeps both.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from station import records, seeding
from station.lifecycle import Action, State
from station.models import Candidate
from station.photo.stored import PhotoInput, placeholder_jpeg
from sync import station_side
from sync.county import db, ingest, registry, review, roster
from sync.keys import read_private_key

from .factories import SUPERVISOR, valid_record
from .sync_fixtures import (
    COUNTY,
    PASSPHRASE,
    install,
    login,
    make_county,
    make_station,
    postgres_or_skip,
)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_or_skip() as url:
        yield url


def _states(directory: Path) -> dict[str, int]:
    with login(directory) as ctx, ctx.store.read() as s:
        return records.count_by_state(s)


def _signed_copy_of(ctx: object, id_number: str) -> None:
    """A candidate at another station with an ID number already registered elsewhere."""
    with ctx.store.session() as s:  # type: ignore[attr-defined]
        raw = valid_record(id_number=id_number, student_number="G" + id_number)
        c = records.create_in(s, ctx, raw, PhotoInput(placeholder_jpeg(), "demo", quality_ok=True))
        seeding._advance(s, ctx, c, State.SIGNED, 0)


def _correct_and_resign(directory: Path, candidate_id: int) -> None:
    with login(directory, SUPERVISOR) as sup:
        records.transition(sup, candidate_id, Action.UNLOCK, "县区退回：电话号码有误")
        with sup.store.read() as s:
            values = records.record_values(records.get(s, candidate_id))
        records.update(sup, candidate_id, {**values, "phone": "13700137000"})
        with sup.store.session() as s:
            c = records.get(s, candidate_id)
            assert c.state == State.READY and c.version == 2
            records.record_review_in(s, sup, c)
            records.record_password_in(s, sup, c, c.password_hash or "$argon2id$demo")
            records.record_printed_in(s, sup, c)
            records.transition_in(s, sup, c, Action.CONFIRM)
        records.sign(sup, candidate_id, "盒002-页01")


def run_flow(tmp_path: Path, url: str | None) -> None:
    _keys, county_public = make_county(tmp_path / "county")
    keys = read_private_key(tmp_path / "county" / "county-key.json", PASSPHRASE)
    engine = db.connect(url or db.default_url(tmp_path / "county"))
    stations = [make_station(tmp_path, 3), make_station(tmp_path, 4)]
    for number, directory in zip((12, 7), stations, strict=True):
        install(directory, county_public)
        with login(directory) as ctx:
            seeding.seed(ctx, number, "signed", rng_seed=number)
            registry.register_station(engine, station_side.station_public_key(ctx), COUNTY)
    with login(stations[0]) as ctx, ctx.store.read() as s:
        # valid_record makes a fresh candidate: share the number of one of that age.
        shared_id = s.scalars(
            select(Candidate.id_number).where(Candidate.category == "fresh")
        ).first()
    with login(stations[1]) as ctx:
        _signed_copy_of(ctx, shared_id)

    # The stations export; the files are "copied" to the county's inbox.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    files: list[Path] = []
    for directory in stations:
        with login(directory) as ctx:
            files += station_side.export_batches(ctx, inbox, max_records=5)
            assert station_side.export_batches(ctx, inbox) == []  # nothing left
        assert _states(directory) == {"exported": 12 if directory == stations[0] else 8}
    assert len(files) == 3 + 2

    verified = ingest.verify_files(engine, keys, files)
    assert [o.status for o in verified] == ["ok"] * 5
    pending, receipts = tmp_path / "county" / "pending", tmp_path / "county" / "receipts"
    outcomes = ingest.ingest_files(engine, keys, files, pending_dir=pending, receipts_dir=receipts)
    assert [o.status for o in outcomes] == ["ok"] * 5
    assert [d[0] for o in outcomes for d in o.duplicates] == [shared_id]
    # Both registrations are flagged for the review desk's "duplicates" filter.
    with engine.connect() as conn:
        flagged = conn.scalars(
            select(db.candidates.c.id_number)
            .join(
                db.review_index,
                (db.review_index.c.station == db.candidates.c.station)
                & (db.review_index.c.registration_no == db.candidates.c.registration_no),
            )
            .where(db.review_index.c.duplicate.is_(True))
        ).all()
    assert flagged == [shared_id, shared_id]
    # Ingesting again changes nothing: idempotent.
    again = ingest.ingest_files(engine, keys, files, pending_dir=pending, receipts_dir=receipts)
    assert {o.status for o in again} == {"already"}

    for directory in stations:
        with login(directory) as ctx:
            code = station_side.station_public_key(ctx).station
            for o in outcomes:
                if o.station == code:
                    assert station_side.ack_receipt(ctx, o.receipt).acknowledged > 0
            assert station_side.ack_receipt(
                ctx, outcomes[0].receipt if code.endswith("03") else outcomes[-1].receipt
            ).already
        assert set(_states(directory)) == {"acknowledged"}

    # The county reviews two of station 3's candidates and sends the results back.
    with login(stations[0]) as ctx, ctx.store.read() as s:
        first, second = s.execute(
            select(Candidate.id, Candidate.registration_no).order_by(Candidate.id).limit(2)
        ).all()
    review.decide(engine, "410105-03", first.registration_no, "rejected", reason="联系电话有误")
    review.decide(engine, "410105-03", second.registration_no, "approved", allocation="granted")
    results = tmp_path / "review-03.json"
    assert review.export_review(engine, keys, "410105-03", results) == 2
    with login(stations[0]) as ctx:
        applied = station_side.import_review(ctx, results)
        assert (applied.approved, applied.rejected) == (1, 1)
        assert station_side.import_review(ctx, results).skipped  # a second time: nothing applies
        with ctx.store.read() as s:
            rejected = records.get(s, first.id)
            assert rejected.state == State.REJECTED and rejected.state_reason == "联系电话有误"
            assert records.get(s, second.id).state == State.APPROVED

    # Corrected at the desk as version 2, signed again, sent again.
    _correct_and_resign(stations[0], first.id)
    with login(stations[0]) as ctx:
        (resent,) = station_side.export_batches(ctx, inbox)
    (outcome,) = ingest.ingest_files(
        engine, keys, [resent], pending_dir=pending, receipts_dir=receipts
    )
    assert outcome.status == "ok" and outcome.records == 1  # v1 was acknowledged: only v2
    with login(stations[0]) as ctx:
        station_side.ack_receipt(ctx, outcome.receipt)
        with ctx.store.read() as s:
            assert records.get(s, first.id).state == State.ACKNOWLEDGED
    with engine.connect() as conn:
        kept = (
            conn.execute(
                select(db.versions.c.version).where(
                    db.versions.c.registration_no == first.registration_no
                )
            )
            .scalars()
            .all()
        )
        latest = conn.execute(
            select(db.candidates).where(db.candidates.c.registration_no == first.registration_no)
        ).one()
    assert sorted(kept) == [1, 2]
    assert latest.version == 2 and latest.state == "received"

    out = tmp_path / "roster.xlsx"
    assert roster.export_roster(engine, out) == (20, 1)
    wb = openpyxl.load_workbook(out, read_only=True)
    assert len(list(wb["考生"].iter_rows())) == 21
    assert [r[0] for r in wb["跨报名点重复"].iter_rows(min_row=2, values_only=True)] == [
        shared_id
    ] * 2
    engine.dispose()


def test_two_stations_one_county_on_sqlite(tmp_path: Path) -> None:
    run_flow(tmp_path, None)


def test_two_stations_one_county_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    run_flow(tmp_path, postgres_url)


def test_password_and_answer_hashes_travel_to_the_county(tmp_path: Path) -> None:
    from sqlalchemy import create_engine, select

    from station import passwords, records
    from sync import station_side
    from sync.county import db as county_db

    from .sync_fixtures import install, login, make_county, make_station

    home = make_station(tmp_path, 5)
    _keys, public = make_county(tmp_path / "county")
    install(home, public)
    with login(home) as ctx:
        (cid,) = seeding.seed(ctx, 1, "ready", rng_seed=31)
        passwords.set_password(
            ctx, cid, "Vv8#pond-Ladder", "Vv8#pond-Ladder", passwords.QUESTIONS[0], "王老师"
        )
        with ctx.store.session() as s:
            c = records.get(s, cid)
            records.record_review_in(s, ctx, c)
            records.record_printed_in(s, ctx, c)
        records.transition(ctx, cid, Action.CONFIRM)
        records.sign(ctx, cid, "盒1-页1")
        out = tmp_path / "out"
        out.mkdir()
        (batch,) = station_side.export_batches(ctx, out)
    chome = tmp_path / "county"
    result = _county_cli(chome, "station", "add", str(_station_key(home, tmp_path)))
    assert result.returncode == 0, result.stderr
    result = _county_cli(chome, "ingest", str(batch))
    assert result.returncode == 0, result.stderr
    engine = create_engine(f"sqlite:///{next(chome.glob('*.db'))}")
    with engine.connect() as conn:
        row = conn.execute(select(county_db.candidates)).one()
    assert row.password_hash.startswith("$argon2id$")
    assert row.password_answer_hash.startswith("$argon2id$")
    assert row.password_question == passwords.QUESTIONS[0]
    assert "王老师" not in str(row) and "Vv8#pond-Ladder" not in str(row)


def _station_key(home: Path, tmp_path: Path) -> Path:
    from sync import station_side

    from .sync_fixtures import login

    out = tmp_path / "station.pub.json"
    with login(home) as ctx:
        station_side.export_station_key(ctx, out)
    return out


def _county_cli(home: Path, *args: str):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("STATION_", "COUNTY_"))}
    env |= {"COUNTY_HOME": str(home), "COUNTY_PASSPHRASE": "county-passphrase-2027"}
    return subprocess.run(
        [sys.executable, "-m", "sync.county_cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
