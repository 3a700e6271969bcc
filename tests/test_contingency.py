"""Contingency (应急预案) in the exchange: a lost batch is written again byte for byte, an
export stopped half way never signs two batches under one number, and the county writes a
receipt only for what it committed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from station import records, seeding
from station.errors import UsageError
from station.models import Batch, Candidate
from sync import station_side
from sync.county import db, ingest
from sync.errors import SEQUENCE_GAP

from .sync_fixtures import county_beside, login, make_station


@pytest.fixture
def exchange(tmp_path: Path):
    """A station with signed records and the county key; the county's engine and keys."""
    station = make_station(tmp_path, 5)
    keys, engine = county_beside(tmp_path, station)
    yield station, engine, keys, tmp_path
    engine.dispose()


def _ingest(engine, keys, tmp_path: Path, files: list[Path]) -> list[ingest.Outcome]:
    county = tmp_path / "county"
    return ingest.ingest_files(
        engine, keys, files, pending_dir=county / "pending", receipts_dir=county / "receipts"
    )


def _county_versions(engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(db.versions.c.registration_no, db.versions.c.version)))


def test_a_lost_batch_is_resent_and_the_county_catches_up(exchange) -> None:
    station, engine, keys, tmp_path = exchange
    usb = tmp_path / "usb"
    usb.mkdir()
    with login(station) as ctx:
        seeding.seed(ctx, 6, "signed", rng_seed=1)
        first, second = station_side.export_batches(ctx, usb, max_records=3)
    second.unlink()  # the stick with batch #2 is lost
    with login(station) as ctx:
        seeding.seed(ctx, 2, "signed", rng_seed=2)
        (third,) = station_side.export_batches(ctx, usb)
    ok, waiting = _ingest(engine, keys, tmp_path, [first, third])
    assert ok.status == "ok" and waiting.status == "waiting" and waiting.code == SEQUENCE_GAP
    assert "#2 is missing" in waiting.detail and "station batch resend 2" in waiting.detail

    with login(station) as ctx:
        resent = station_side.write_batch(ctx, 2, tmp_path / "usb")
    (again, drained) = _ingest(engine, keys, tmp_path, [resent])
    assert again.status == "ok" and again.sequence == 2
    assert drained.status == "ok" and drained.sequence == 3  # the waiting #3 follows
    versions = _county_versions(engine)
    assert len(versions) == 8 and len(set(versions)) == 8  # every record once


def test_an_export_stopped_after_sealing_writes_the_same_batch(exchange) -> None:
    station, _engine, _keys, tmp_path = exchange
    usb = tmp_path / "usb"
    usb.mkdir()
    with login(station) as ctx:
        seeding.seed(ctx, 3, "signed", rng_seed=3)
        # The run that was killed: sealed and committed, but no file yet; a half temp file.
        with ctx.store.session() as s:
            assert station_side._seal_one(s, ctx, 500, 10**8, None) == (1, 3)
        (usb / ".410105-05-000001.zkb.k3j4.tmp").write_bytes(b"half")
        with ctx.store.read() as s:
            sealed = s.get(Batch, 1)
            stored, when = sealed.data, sealed.written_at
        assert when is None
        seeding.seed(ctx, 1, "signed", rng_seed=4)
        paths = station_side.export_batches(ctx, usb)
    assert [p.name for p in paths] == ["410105-05-000001.zkb", "410105-05-000002.zkb"]
    assert paths[0].read_bytes() == stored  # byte for byte, not a new signature
    assert not list(usb.glob(".*tmp"))
    with login(station) as ctx:
        listed = station_side.list_batches(ctx)
    assert [(b["sequence"], b["written"]) for b in listed] == [(1, True), (2, True)]


def test_resend_refuses_what_cannot_be_resent(exchange) -> None:
    station, engine, keys, tmp_path = exchange
    usb = tmp_path / "usb"
    usb.mkdir()
    with login(station) as ctx:
        seeding.seed(ctx, 2, "signed", rng_seed=5)
        (batch,) = station_side.export_batches(ctx, usb)
        with pytest.raises(UsageError, match="no batch #9"):
            station_side.write_batch(ctx, 9, usb)
    (outcome,) = _ingest(engine, keys, tmp_path, [batch])
    with login(station) as ctx:
        station_side.ack_receipt(ctx, outcome.receipt)
        with pytest.raises(UsageError, match="acknowledged by the county"):
            station_side.write_batch(ctx, 1, usb)
        with ctx.store.read() as s:  # the bytes are dropped once the county holds them
            assert s.scalar(select(func.count()).where(Batch.data.is_not(None))) == 0


def test_a_receipt_exists_only_for_a_committed_batch(exchange) -> None:
    station, engine, keys, tmp_path = exchange
    usb = tmp_path / "usb"
    usb.mkdir()
    with login(station) as ctx:
        seeding.seed(ctx, 2, "signed", rng_seed=6)
        (batch,) = station_side.export_batches(ctx, usb)

    def power_cut(_conn) -> None:
        raise OSError("power cut during the commit")

    event.listen(engine, "commit", power_cut)
    with pytest.raises(OSError, match="power cut"):
        _ingest(engine, keys, tmp_path, [batch])
    event.remove(engine, "commit", power_cut)
    receipts = tmp_path / "county" / "receipts"
    assert not receipts.exists() or list(receipts.iterdir()) == []
    assert _county_versions(engine) == []
    (outcome,) = _ingest(engine, keys, tmp_path, [batch])  # the retry stores it, once
    assert outcome.status == "ok" and outcome.receipt is not None
    assert len(_county_versions(engine)) == 2


def test_a_station_restored_from_an_older_backup_resyncs_and_continues(exchange) -> None:
    from station import audit, backup, records
    from sync import resync
    from sync.county.registry import station_state

    from .factories import ADMIN

    station, engine, keys, tmp_path = exchange
    usb = tmp_path / "usb"
    usb.mkdir()
    with login(station) as ctx:
        seeding.seed(ctx, 3, "signed", rng_seed=11)
        first = station_side.export_batches(ctx, usb)
        old = backup.make_backup(ctx, tmp_path / "old.zkbackup").path  # then the disk dies…
        seeding.seed(ctx, 2, "signed", rng_seed=12)
        second = station_side.export_batches(ctx, usb)
    _ingest(engine, keys, tmp_path, first + second)

    spare = tmp_path / "spare"
    backup.restore(old, spare, *ADMIN)
    state = tmp_path / "state.json"
    station_state(engine, keys, "410105-05", state)
    with login(spare) as ctx:
        result = resync.resync(ctx, state)
        assert result.status == "rebased" and result.county_sequence == 2
        assert len(result.missing_here) == 2  # made after the backup: the operator re-checks
        seeding.seed(ctx, 1, "signed", rng_seed=13)  # the work goes on
        (third,) = station_side.export_batches(ctx, usb)
        with ctx.store.read() as s:
            assert audit.verify(s).ok
            assert records.count_by_state(s) == {"acknowledged": 3, "exported": 1}
    (outcome,) = _ingest(engine, keys, tmp_path, [third])
    assert outcome.status == "ok" and outcome.sequence == 3, outcome.detail
    versions = _county_versions(engine)
    assert len(versions) == 6 and len(set(versions)) == 6  # every record once
    with engine.connect() as conn:  # the abandoned branch of the audit chain is kept aside
        assert conn.scalar(select(func.count()).select_from(db.superseded_audit_events)) > 0
    with login(spare) as ctx:  # a second state file finds the station in step
        station_state(engine, keys, "410105-05", state)
        assert resync.resync(ctx, state).status == "in_step"


def test_resync_names_the_batches_the_county_lacks(exchange) -> None:
    from sync import resync
    from sync.county.registry import station_state

    station, engine, keys, tmp_path = exchange
    usb = tmp_path / "usb"
    usb.mkdir()
    with login(station) as ctx:
        seeding.seed(ctx, 4, "signed", rng_seed=14)
        first, _second = station_side.export_batches(ctx, usb, max_records=2)
    _ingest(engine, keys, tmp_path, [first])
    station_state(engine, keys, "410105-05", tmp_path / "state.json")
    with login(station) as ctx:
        result = resync.resync(ctx, tmp_path / "state.json")
    assert result.status == "ahead" and result.resend == [2] and result.acknowledged == 2


def test_an_older_review_file_never_undoes_a_newer_one(exchange) -> None:
    from sync.county import review
    from sync.errors import REPLAYED, BatchRefused

    station, engine, keys, tmp_path = exchange
    usb = tmp_path / "usb"
    usb.mkdir()
    with login(station) as ctx:
        seeding.seed(ctx, 1, "signed", rng_seed=21)
        (batch,) = station_side.export_batches(ctx, usb)
        with ctx.store.read() as s:
            regno = s.scalar(select(Candidate.registration_no))
    (outcome,) = _ingest(engine, keys, tmp_path, [batch])
    with login(station) as ctx:
        station_side.ack_receipt(ctx, outcome.receipt)
    review.decide(engine, "410105-05", regno, "rejected", reason="材料不全")
    review.export_review(engine, keys, "410105-05", tmp_path / "old.json")
    review.decide(engine, "410105-05", regno, "approved")
    review.export_review(engine, keys, "410105-05", tmp_path / "new.json")
    with login(station) as ctx:
        assert station_side.import_review(ctx, tmp_path / "new.json").approved == 1
        with pytest.raises(BatchRefused) as refused:
            station_side.import_review(ctx, tmp_path / "old.json")
        assert refused.value.code == REPLAYED and "older" in refused.value.detail
        with ctx.store.read() as s:
            assert records.count_by_state(s) == {"approved": 1}
