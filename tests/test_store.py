"""The encrypted store: nothing readable on disk, durable settings, honest failures."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from station import auth, database, records
from station.errors import AuthError, NotInitialisedError, StoreError
from station.keyslots import KeySlots

from .factories import ADMIN, record_for, valid_record


def test_database_file_discloses_nothing(station_dir: Path, admin_ctx: auth.Context) -> None:
    records.create(admin_ctx, valid_record(name="欧阳明辉", home_address="秘密街道九十九号"))
    admin_ctx.store.close()
    raw = b"".join(p.read_bytes() for p in station_dir.glob("station.db*"))
    for secret in ("欧阳明辉", "秘密街道", "13800138000", "candidates", "audit_events"):
        assert secret.encode("utf-8") not in raw
        assert secret.encode("utf-16-le") not in raw
    copy = station_dir.parent / "copied.db"
    copy.write_bytes((station_dir / "station.db").read_bytes())
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(copy).execute("SELECT * FROM sqlite_master").fetchall()
    # Neither does the key-slot file: no login names, no key in the clear.
    slots_text = (station_dir / "keyslots.json").read_text()
    assert "admin" not in slots_text and "caiji" not in slots_text
    assert admin_ctx.db_key.hex() not in slots_text


def test_wal_and_durable_commits(admin_ctx: auth.Context) -> None:
    with admin_ctx.store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_schema_is_at_the_newest_migration(admin_ctx: auth.Context) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(database.MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert database.schema_revision(admin_ctx.store) == head


def test_missing_database_is_an_error_not_a_new_empty_one(station_dir: Path) -> None:
    (station_dir / "station.db").rename(station_dir / "moved.db")
    for extra in station_dir.glob("station.db-*"):
        extra.unlink()
    with pytest.raises(NotInitialisedError):
        auth.login(station_dir, *ADMIN)
    assert not (station_dir / "station.db").exists()


def test_uninitialised_directory(tmp_path: Path) -> None:
    with pytest.raises(NotInitialisedError) as info:
        auth.login(tmp_path, *ADMIN)
    assert "station init" in info.value.message_zh


def test_damaged_database_is_reported(station_dir: Path, admin_ctx: auth.Context) -> None:
    for i in range(30):
        records.create(admin_ctx, record_for(i))
    admin_ctx.store.close()  # checkpoints the WAL into the main file
    path = station_dir / "station.db"
    data = bytearray(path.read_bytes())
    assert len(data) > 5 * 4096
    data[4 * 4096 + 100 : 4 * 4096 + 160] = b"\x00" * 60  # scribble over page 5
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info:
        auth.login(station_dir, *ADMIN)
    assert "损坏" in info.value.message_zh or "完整性" in info.value.message_zh


def test_wrong_key_cannot_open(station_dir: Path) -> None:
    with pytest.raises(StoreError):
        database.open_existing(station_dir, b"\x01" * 32)


def test_missing_keyslot_file(station_dir: Path) -> None:
    (station_dir / "keyslots.json").unlink()
    with pytest.raises(StoreError) as info:
        auth.login(station_dir, *ADMIN)
    assert "keyslots.json" in info.value.message_zh


def test_damaged_keyslot_file(station_dir: Path) -> None:
    (station_dir / "keyslots.json").write_text("{not json")
    with pytest.raises(StoreError):
        auth.login(station_dir, *ADMIN)


def test_keyslot_unwraps_only_with_right_password(
    station_dir: Path, admin_ctx: auth.Context
) -> None:
    slots = KeySlots(station_dir).load()
    assert slots.unwrap(ADMIN[0], ADMIN[1]) == admin_ctx.db_key
    assert slots.unwrap(ADMIN[0], ADMIN[1] + "x") is None
    assert slots.unwrap("nobody", ADMIN[1]) is None
    with pytest.raises(AuthError):
        auth.login(station_dir, ADMIN[0], "")


def test_empty_database_file_is_refused_not_reinitialised(station_dir: Path) -> None:
    for extra in station_dir.glob("station.db-*"):
        extra.unlink()
    (station_dir / "station.db").write_bytes(b"")
    with pytest.raises(StoreError) as info:
        auth.login(station_dir, *ADMIN)
    assert "为空" in info.value.message_zh
    assert (station_dir / "station.db").stat().st_size == 0  # nothing was written into it


def test_database_from_a_newer_program_is_refused(
    station_dir: Path, admin_ctx: auth.Context
) -> None:
    with admin_ctx.store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    admin_ctx.store.close()
    with pytest.raises(StoreError) as info:
        auth.login(station_dir, *ADMIN)
    assert "新版" in info.value.message_zh


@pytest.mark.parametrize(
    "content",
    [
        "[]",
        '{"format": 1}',
        '{"format": 1, "salt": "zz", "slots": {}}',
        '{"format": 2}',
        "\x00\xff",
    ],
)
def test_malformed_keyslot_file_is_a_clear_error(station_dir: Path, content: str) -> None:
    (station_dir / "keyslots.json").write_text(content)
    with pytest.raises(StoreError) as info:
        auth.login(station_dir, *ADMIN)
    assert "keyslots.json" in info.value.message_zh


def test_a_photo_pass_starts_daily_and_after_an_unclean_stop(
    station_dir: Path, admin_ctx: auth.Context
) -> None:
    # The photos are checked in slices (station/integrity.py, tests/test_integrity_slices.py);
    # an open only notes that a new pass is due.
    import datetime as dt

    from station import integrity

    admin_ctx.store.close()
    store = database.open_existing(station_dir, admin_ctx.db_key)
    assert not database.full_check_due(store)  # the fixtures' first login started today's
    assert integrity.read_state(store).trigger == integrity.DAILY
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat()
    ended = integrity.PhotoCheck(started=old, trigger=integrity.DAILY, finished=old)
    database.set_state(store, integrity.STATE, ended.to_json())
    assert database.full_check_due(store)
    store.close()
    store = database.open_existing(station_dir, admin_ctx.db_key)  # the first of the day
    assert not database.full_check_due(store)
    assert integrity.read_state(store).in_progress
    store.close()
    store = database.open_existing(station_dir, admin_ctx.db_key, full_check=True)
    state = integrity.read_state(store)  # the whole integrity_check stands for a pass
    assert state.complete and state.trigger == integrity.FULL
    assert database.get_state(store, database.LAST_FULL_CHECK) == state.finished
    store.close()
    wal = station_dir / "station.db-wal"
    wal.write_bytes(b"x" * 10)  # what a power cut leaves behind
    assert database._unclean_shutdown(station_dir / "station.db", admin_ctx.db_key)


def test_a_desk_still_open_is_not_an_unclean_stop(
    station_dir: Path, admin_ctx: auth.Context
) -> None:
    """A command run beside the open desk finds the desk's -wal: work in progress, not what a
    power cut left (the photo pass was started again, and the next export waited for it)."""
    from station import integrity

    records.create(admin_ctx, record_for(1))  # the desk writes: its -wal is not empty
    path = station_dir / database.DB_FILE
    assert path.with_name(path.name + "-wal").stat().st_size > 0
    assert database.open_elsewhere(path, admin_ctx.db_key)
    assert not database._unclean_shutdown(path, admin_ctx.db_key)
    beside = database.open_existing(station_dir, admin_ctx.db_key)  # the command
    try:
        assert not beside.checked_after_unclean_stop
        assert integrity.read_state(beside).trigger == integrity.DAILY  # the day's pass goes on
    finally:
        beside.close()
    admin_ctx.store.close()  # the desk closes: alone now, and no -wal is left
    assert not database.open_elsewhere(path, admin_ctx.db_key)
    assert not path.with_name(path.name + "-wal").exists()


def test_many_threads_reading_at_once_keep_their_connections(admin_ctx: auth.Context) -> None:
    # The desk reads and writes from many threads (its operations, each form's job thread,
    # the backups). A pool that closes another thread's connection once a sixth thread
    # comes crashed the desk; each thread now keeps its connection for as long as it reads.
    import threading
    import time

    records.create(admin_ctx, record_for(1))
    errors: list[BaseException] = []
    start = threading.Barrier(10)

    def reader() -> None:
        try:
            with admin_ctx.store.read() as s:
                s.execute(text("SELECT count(*) FROM candidates")).scalar_one()
                start.wait(timeout=10)  # all ten hold a connection at the same moment
                time.sleep(0.05)
                s.execute(text("SELECT count(*) FROM candidates")).scalar_one()
        except BaseException as exc:  # collected: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert errors == []
