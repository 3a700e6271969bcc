"""The photo check in slices (station/integrity.py): a login checks what is cheap, the photos
are checked a slice at a time, damage is found, said by ``station doctor`` and in the audit
chain, and no export starts from a damaged store nor, after an unclean stop, before every
photo has been checked again."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import sqlcipher3
from sqlalchemy import select

from station import auth, database, health, integrity, seeding
from station.auth import Context
from station.errors import StationError, StoreError
from station.models import AuditEvent
from sync import station_side
from ui.launcher import main as station_main

from .factories import ADMIN, SUPERVISOR
from .sync_fixtures import install, login, make_county, make_station

PAGE = 4096


def _events(ctx: Context, action: str) -> list[dict[str, object]]:
    with ctx.store.read() as s:
        return [
            json.loads(d or "{}")
            for d in s.scalars(select(AuditEvent.detail).where(AuditEvent.action == action))
        ]


def _day_old(ctx: Context) -> None:
    """As if the last pass had begun yesterday and ended: the next open starts one."""
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1, minutes=1)).isoformat()
    done = integrity.PhotoCheck(started=old, trigger=integrity.DAILY, finished=old)
    database.set_state(ctx.store, integrity.STATE, done.to_json())


def _exporting_station(tmp_path: Path, signed: int = 6) -> Path:
    directory = make_station(tmp_path, 1)
    _county, public = make_county(tmp_path / "county")
    install(directory, public)
    with login(directory) as ctx:
        seeding.seed(ctx, signed, "signed", rng_seed=5)
    return directory


def _raw(path: Path, key: bytes) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(path))
    conn.isolation_level = None
    conn.execute("PRAGMA cipher_log_level=NONE")
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def _damage_a_photo_page(directory: Path, key: bytes) -> int:
    """Scribble over one page that only the photos use (found by trying copies: every other
    table still checks out, reading the photos fails); returns its page number."""
    path = directory / database.DB_FILE
    assert not path.with_name(path.name + "-wal").exists()  # closed: all in the main file
    data = path.read_bytes()
    trial = directory.parent / "trial.db"
    for page in range(len(data) // PAGE, 2, -1):
        copy = bytearray(data)
        copy[(page - 1) * PAGE + 300 : (page - 1) * PAGE + 340] = b"\x5a" * 40
        trial.write_bytes(bytes(copy))
        conn = _raw(trial, key)
        try:
            tables = [
                r[0]
                for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if r[0] != "photos" and not r[0].startswith("sqlite_")
            ]
            if any(
                [r[0] for r in conn.execute(f'PRAGMA integrity_check("{t}")')] != ["ok"]
                for t in tables
            ):
                continue
            try:
                for _row in conn.execute("SELECT jpeg FROM photos ORDER BY id"):
                    pass
            except sqlcipher3.DatabaseError:
                path.write_bytes(bytes(copy))
                return page
        except sqlcipher3.DatabaseError:
            continue
        finally:
            conn.close()
            trial.unlink()
    raise AssertionError("no page of the photos alone was found")


# --- the login ----------------------------------------------------------------------------


def test_login_checks_every_table_but_the_photos_and_starts_the_days_pass(
    station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with auth.login(station_dir, *ADMIN) as ctx:
        seeding.seed(ctx, 3, "ready", rng_seed=1)
        _day_old(ctx)
    calls: list[bool] = []
    check = database.check_integrity

    def spy(store: database.Store, *, full: bool = True) -> None:
        calls.append(full)
        check(store, full=full)

    monkeypatch.setattr(database, "check_integrity", spy)
    with auth.login(station_dir, *ADMIN) as ctx:  # the first of the day
        state = integrity.read_state(ctx.store)
        assert state.in_progress and state.trigger == integrity.DAILY and state.upto == 0
    with auth.login(station_dir, *ADMIN) as ctx:  # a later one: the same pass goes on
        assert integrity.read_state(ctx.store).started == state.started
    assert calls == [False, False]  # never the whole integrity_check at a login


def test_an_unclean_stop_starts_the_pass_again_from_the_first_photo(tmp_path: Path) -> None:
    directory = _exporting_station(tmp_path)
    with login(directory) as ctx:
        integrity.run_slice(ctx, budget=0)
        integrity.run_slice(ctx, budget=0)
        assert integrity.read_state(ctx.store).upto > 0
        crashed = tmp_path / "crashed"
        shutil.copytree(directory, crashed)  # the files as a power cut leaves them
    assert (crashed / "station.db-wal").stat().st_size > 0
    with login(crashed) as ctx:
        state = integrity.read_state(ctx.store)
        assert ctx.store.checked_after_unclean_stop
        assert state.in_progress and state.trigger == integrity.UNCLEAN and state.upto == 0
        integrity.run_slice(ctx, budget=0)
        again = tmp_path / "again"
        shutil.copytree(crashed, again)  # a second stop (or a desk still open beside it)
    with login(again) as ctx:  # the unclean pass under way goes on
        assert ctx.store.checked_after_unclean_stop
        went_on = integrity.read_state(ctx.store)
        assert went_on.started == state.started and went_on.upto > 0
        # Started again on demand, the pass still has to end before the next export.
        integrity.finish_now(ctx, restart=True, cancelled=lambda: True)
        restarted = integrity.read_state(ctx.store)
        assert restarted.trigger == integrity.UNCLEAN and restarted.upto == 0


# --- the slices ---------------------------------------------------------------------------


def test_a_pass_goes_slice_by_slice_to_an_audited_end(admin_ctx: Context) -> None:
    seeding.seed(admin_ctx, 5, "ready", rng_seed=2)
    _day_old(admin_ctx)
    integrity.note_open(admin_ctx.store, unclean=False)
    seen = []
    for _ in range(20):
        state = integrity.run_slice(admin_ctx, budget=0)  # one photo a slice
        seen.append(state.checked)
        if not state.in_progress:
            break
        found = health.photo_check(admin_ctx)
        assert found.status is health.Status.OK and "in progress" in found.detail_en
        assert f"{integrity.status(admin_ctx.store).percent}%" in found.detail_en
    assert seen == [1, 2, 3, 4, 5, 5]  # the last slice finds the end
    assert state.complete and state.checked == 5
    assert database.get_state(admin_ctx.store, database.LAST_FULL_CHECK) == state.finished
    (event,) = _events(admin_ctx, integrity.PASSED)
    assert event["scope"] == "photos" and event["photos"] == 5
    found = health.photo_check(admin_ctx)
    assert found.status is health.Status.OK and "all intact" in found.detail_en
    assert integrity.run_slice(admin_ctx) == state  # done for the day: nothing more


def test_a_slice_another_process_overtook_is_not_counted_twice(admin_ctx: Context) -> None:
    seeding.seed(admin_ctx, 3, "ready", rng_seed=3)
    _day_old(admin_ctx)
    integrity.note_open(admin_ctx.store, unclean=False)
    seen = integrity.read_state(admin_ctx.store)
    integrity.run_slice(admin_ctx, budget=0)  # the other process
    late = integrity._check_slice(admin_ctx.store, seen.upto, 0)
    after = integrity._record(admin_ctx, seen, late)
    assert after.checked == 1 and after.upto == late.upto


def test_a_photo_that_does_not_match_its_hash_fails_the_pass(admin_ctx: Context) -> None:
    seeding.seed(admin_ctx, 3, "ready", rng_seed=4)
    with admin_ctx.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE photos SET sha256 = ? WHERE id = 2", ("0" * 64,))
    state = integrity.finish_now(admin_ctx, restart=True)
    assert state.failed and state.problem == "content" and state.failed_photo == 2


@pytest.mark.parametrize(
    ("index", "damaged"),
    [
        ("ix_photos_candidate_id", "CREATE INDEX ix_photos_candidate_id ON photos (phash)"),
        # The partial index of flagged photos (migration 0013): its two columns swapped.
        (
            "ix_photos_flag",
            "CREATE INDEX ix_photos_flag ON photos (flag_cleared_by, flag) WHERE flag != ''",
        ),
    ],
)
def test_an_index_out_of_step_with_the_table_fails_the_pass(
    station_dir: Path, index: str, damaged: str
) -> None:
    with auth.login(station_dir, *ADMIN) as ctx:
        seeding.seed(ctx, 3, "ready", rng_seed=5)
        with ctx.store.engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE photos SET flag = '与报名号 x 的照片高度相似' WHERE id = 2"
            )
            # The index's entries stay what they are while the schema says they are other
            # columns': what a damaged index reads like.
            conn.exec_driver_sql("PRAGMA writable_schema = ON")
            conn.exec_driver_sql(
                "UPDATE sqlite_master SET sql = ? WHERE name = ?", (damaged, index)
            )
    with auth.login(station_dir, *ADMIN) as ctx:  # the login does not look at the photos
        state = integrity.finish_now(ctx, restart=True)
        assert state.failed and state.problem == "index", state
        assert state.detail == index
        assert "索引" in state.problem_words()[0]


def test_every_index_of_the_photos_is_matched_with_the_table(admin_ctx: Context) -> None:
    """A slice checks each index on photos, the partial one too (none is left to --full)."""
    seeding.seed(admin_ctx, 3, "ready", rng_seed=6)
    with admin_ctx.store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE photos SET flag = 'x' WHERE id = 1")
    state = integrity.finish_now(admin_ctx, restart=True)
    assert not state.failed and state.checked == 3
    with admin_ctx.store.read() as s:
        indexes = integrity._photo_indexes(s.connection())
    assert {i.name for i in indexes} >= {"ix_photos_flag", "ix_photos_phash_cover"}
    assert all(i.columns and (not i.where or i.where in integrity._PARTIAL) for i in indexes)


def test_a_damaged_photo_page_is_found_and_no_export_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = _exporting_station(tmp_path, signed=8)
    with login(directory) as ctx:
        key = ctx.db_key
    page = _damage_a_photo_page(directory, key)
    with login(directory) as ctx:  # the login's own check does not look at the photos
        state = integrity.finish_now(ctx, restart=True)
        assert state.failed and state.problem == "unreadable", state
        (event,) = _events(ctx, integrity.FAILED)
        assert event["problem"] == "unreadable" and event["scope"] == "photos"
        found = health.photo_check(ctx)
        assert found.status is health.Status.ATTENTION and "station restore" in found.detail_zh
        (tmp_path / "usb").mkdir()
        with pytest.raises(StoreError) as refused:
            station_side.export_batches(ctx, tmp_path / "usb")
        assert "station doctor" in refused.value.message_zh
        assert "备份恢复" in refused.value.message_zh and "restore" in refused.value.message_en
        assert list((tmp_path / "usb").iterdir()) == []
    # The doctor says it, and so does `station integrity` (exit 1).
    monkeypatch.setenv("STATION_OPERATOR", SUPERVISOR[0])
    monkeypatch.setenv("STATION_PASSWORD", SUPERVISOR[1])
    assert station_main(["--data-dir", str(directory), "doctor", "--json"]) == 1
    doctor = {f["check"]: f for f in json.loads(capsys.readouterr().out)}
    assert doctor["photos"]["status"] == "attention"
    assert doctor["database"]["status"] == "ok"  # every other table is intact
    assert station_main(["--data-dir", str(directory), "integrity", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["problem"] == "unreadable", page


def test_the_whole_integrity_check_on_demand_finds_it_too(tmp_path: Path) -> None:
    directory = _exporting_station(tmp_path, signed=4)
    with login(directory) as ctx:
        key = ctx.db_key
    _damage_a_photo_page(directory, key)
    with login(directory) as ctx:
        state = integrity.full_check(ctx)
        assert state.failed and state.trigger == integrity.FULL
        (event,) = _events(ctx, integrity.FAILED)
        assert event["scope"] == "all"
        with pytest.raises(StoreError):
            integrity.before_export(ctx)


def test_after_an_unclean_stop_the_export_checks_every_photo_first(tmp_path: Path) -> None:
    directory = _exporting_station(tmp_path, signed=6)
    with login(directory) as ctx:
        crashed = tmp_path / "crashed"
        shutil.copytree(directory, crashed)
    with login(crashed) as ctx:
        assert integrity.read_state(ctx.store).trigger == integrity.UNCLEAN
        found = health.photo_check(ctx)
        assert "unclean stop" in found.detail_en and "export finishes it" in found.detail_en
        steps: list[tuple[int, int]] = []
        (tmp_path / "usb").mkdir()
        paths = station_side.export_batches(
            ctx, tmp_path / "usb", progress=lambda d, t: steps.append((d, t))
        )
        assert len(paths) == 1
        state = integrity.read_state(ctx.store)
        assert state.complete and state.trigger == integrity.UNCLEAN and state.checked == 6
        (event,) = _events(ctx, integrity.PASSED)
        assert event["trigger"] == integrity.UNCLEAN
        # The export's own progress comes after the check's.
        assert steps[-1] == (6, 6)


def test_an_export_cancelled_during_the_check_says_so_and_goes_on_later(tmp_path: Path) -> None:
    directory = _exporting_station(tmp_path, signed=3)
    with login(directory) as ctx:
        crashed = tmp_path / "crashed"
        shutil.copytree(directory, crashed)

    class Cancelled:
        def __call__(self, done: int, total: int) -> None:
            pass

        def cancelled(self) -> bool:
            return True

    with login(crashed) as ctx:
        (tmp_path / "usb").mkdir()
        with pytest.raises(StationError) as info:
            integrity.before_export(ctx, Cancelled())
        assert "导出已取消" in info.value.message_zh
        assert integrity.read_state(ctx.store).in_progress
        station_side.export_batches(ctx, tmp_path / "usb")  # no cancel: it checks, then goes
        assert integrity.read_state(ctx.store).complete


def test_a_clean_store_exports_while_the_days_pass_goes_on(tmp_path: Path) -> None:
    directory = _exporting_station(tmp_path, signed=2)
    with login(directory) as ctx:
        _day_old(ctx)
    with login(directory) as ctx:
        assert integrity.read_state(ctx.store).in_progress
        (tmp_path / "usb").mkdir()
        assert len(station_side.export_batches(ctx, tmp_path / "usb")) == 1
        assert integrity.read_state(ctx.store).in_progress  # not waited for


def test_a_pass_that_ends_clean_lifts_an_old_failure(admin_ctx: Context) -> None:
    seeding.seed(admin_ctx, 2, "ready", rng_seed=6)
    failed = integrity.PhotoCheck(
        started="2026-11-30T08:00:00+00:00",
        trigger=integrity.DAILY,
        finished="2026-11-30T08:01:00+00:00",
        failed_at="2026-11-30T08:01:00+00:00",
        failed_photo=1,
        problem="unreadable",
    )
    database.set_state(admin_ctx.store, integrity.STATE, failed.to_json())
    with pytest.raises(StoreError):
        integrity.before_export(admin_ctx)
    state = integrity.finish_now(admin_ctx, restart=True)
    assert state.complete and not state.failed
    integrity.before_export(admin_ctx)  # no refusal


def test_a_clean_photo_pass_does_not_lift_a_failure_of_the_whole_check(
    admin_ctx: Context,
) -> None:
    """Damage the whole check found elsewhere (a table, the free list) is no photo's: only a
    whole check that passes lifts it."""
    seeding.seed(admin_ctx, 2, "ready", rng_seed=6)
    integrity.note_full_check(admin_ctx.store, ok=False, problem="Page 77 is never used")
    state = integrity.finish_now(admin_ctx, restart=True)
    assert state.finished and state.failed and state.problem == "database"
    with pytest.raises(StoreError):
        integrity.before_export(admin_ctx)
    integrity.note_full_check(admin_ctx.store, ok=True)
    integrity.before_export(admin_ctx)  # no refusal


def test_doctor_and_the_command_show_and_finish_the_pass(
    station_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with auth.login(station_dir, *ADMIN) as ctx:
        seeding.seed(ctx, 4, "ready", rng_seed=7)
        _day_old(ctx)
    with auth.login(station_dir, *ADMIN) as ctx:
        integrity.run_slice(ctx, budget=0)
        found = health.photo_check(ctx)
        assert "the daily check in progress: 25% done (1/4" in found.detail_en
        assert "已完成 25%" in found.detail_zh and "station integrity" in found.detail_zh
        late = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        assert health.photo_check(ctx, now=late).status is health.Status.ATTENTION
    monkeypatch.setenv("STATION_OPERATOR", ADMIN[0])
    monkeypatch.setenv("STATION_PASSWORD", ADMIN[1])
    assert station_main(["--data-dir", str(station_dir), "integrity"]) == 0
    captured = capsys.readouterr()
    assert "数据库完好" in captured.out and "4/4" in captured.err
    with auth.login(station_dir, *ADMIN) as ctx:
        state = integrity.read_state(ctx.store)
        assert state.complete and state.checked == 4
    assert station_main(["--data-dir", str(station_dir), "integrity", "--full", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and out["trigger"] == "full"


def test_the_desk_runs_slices_in_the_background(
    qtbot, station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.main_window import MainWindow

    with auth.login(station_dir, *ADMIN) as ctx:
        seeding.seed(ctx, 3, "ready", rng_seed=8)
        _day_old(ctx)
    monkeypatch.setattr(integrity, "FIRST_SLICE_AFTER_MS", 10)
    monkeypatch.setattr(integrity, "SLICE_EVERY_MS", 10)
    ctx = auth.login(station_dir, *ADMIN)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    # Slices until the pass is complete, then a look now and then for the next day's pass.
    qtbot.waitUntil(
        lambda: (
            getattr(window, "photo_check", None) is not None
            and window.photo_check.interval() == integrity.IDLE_EVERY_MS
        ),
        timeout=20_000,
    )
    assert window.photo_check.isActive()
    assert integrity.read_state(ctx.store).complete
    ctx.close()


def test_the_desk_says_at_once_when_its_background_check_finds_damage(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from ui.main_window import MainWindow

    directory = _exporting_station(tmp_path, signed=8)
    with login(directory) as ctx:
        key = ctx.db_key
        _day_old(ctx)  # the next login starts the day's pass
    _damage_a_photo_page(directory, key)
    monkeypatch.setattr(integrity, "FIRST_SLICE_AFTER_MS", 10)
    monkeypatch.setattr(integrity, "SLICE_EVERY_MS", 10)
    monkeypatch.setattr(integrity, "IDLE_EVERY_MS", 10)  # slices go on after the failure
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text: warned.append(text))
    with login(directory) as ctx:
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.show()
        assert window.damage.isHidden()
        qtbot.waitUntil(lambda: not window.damage.isHidden(), timeout=20_000)
        qtbot.wait(300)  # more slices: said once a login, and kept in sight
        assert len(warned) == 1, warned
        assert warned[0] == window.damage.text()
        assert "station doctor" in warned[0] and "station restore" in warned[0]
        assert integrity.read_state(ctx.store).failed
        window.photo_check.stop()
