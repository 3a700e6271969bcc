"""Backups and restore: one encrypted, authenticated file; a restore onto a spare PC is the same
station; every bad backup is refused with its reason and the live station stays untouched."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import pytest

from station import audit, auth, backup, records, seeding
from station.auth import RECOVERY_LOGIN
from station.errors import UsageError
from station.settings import save
from station.setup import init_station
from sync import station_side
from sync.county import ingest

from .factories import ADMIN, cli_settings, record_for
from .sync_fixtures import county_beside, install, login, make_county, make_station

ROOT = Path(__file__).resolve().parent.parent
Usage = namedtuple("Usage", "total used free")


def _fingerprint(directory: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.iterdir())
        if p.is_file()
    }


def _backup(directory: Path, out: Path) -> Path:
    with login(directory) as ctx:
        return backup.make_backup(ctx, out).path


WRITER = """
import sys
from pathlib import Path
from station import auth, records
sys.path.insert(0, {root!r})
from tests.factories import ADMIN, record_for
directory = Path(sys.argv[1])
with auth.login(directory, *ADMIN) as ctx:
    print("ready", flush=True)
    i = 600
    while not Path(sys.argv[2]).exists() and i < 1500:
        records.create(ctx, record_for(i))
        i += 1
    print(i - 600, flush=True)
"""


def test_backup_while_writing_then_restore_on_a_spare_pc_continues_the_chain(
    tmp_path: Path,
) -> None:
    station = make_station(tmp_path, 6)
    keys, engine = county_beside(tmp_path, station)
    usb = tmp_path / "usb"
    usb.mkdir()
    with login(station) as ctx:
        seeding.seed(ctx, 3, "signed", rng_seed=1)
        (first,) = station_side.export_batches(ctx, usb)
        seeding.seed(ctx, 2, "signed", rng_seed=2)
    stop = tmp_path / "stop"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER.format(root=str(ROOT)), str(station), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
    made = _backup(station, tmp_path / "while-writing.zkbackup")
    stop.touch()
    written = int(writer.stdout.readline())
    assert writer.wait(timeout=60) == 0 and written > 0

    spare = tmp_path / "spare-pc"
    result = backup.restore(made, spare, *ADMIN)
    assert result.station == "410105-06" and result.replaced is None
    with login(spare) as ctx:
        with ctx.store.read() as s:
            assert audit.verify(s).ok
        (second,) = station_side.export_batches(ctx, usb)
    outcomes = ingest.ingest_files(
        engine,
        keys,
        [first, second],
        pending_dir=tmp_path / "county" / "pending",
        receipts_dir=tmp_path / "county" / "receipts",
    )
    assert [(o.status, o.sequence) for o in outcomes] == [("ok", 1), ("ok", 2)]
    engine.dispose()


def test_the_recovery_code_opens_a_backup(tmp_path: Path) -> None:
    directory = tmp_path / "st"
    directory.mkdir()
    save(directory, cli_settings())
    result = init_station(
        directory,
        name="测试",
        county_code="410105",
        number=7,
        admin_login=ADMIN[0],
        admin_password=ADMIN[1],
    )
    with auth.login(directory, *ADMIN) as ctx:
        records.create(ctx, record_for(1))
        made = backup.make_backup(ctx, tmp_path / "b.zkbackup").path
    restored = backup.restore(made, tmp_path / "new", RECOVERY_LOGIN, result.recovery_code)
    assert restored.station == "410105-07"


@pytest.fixture
def live_and_backup(tmp_path: Path) -> tuple[Path, Path]:
    station = make_station(tmp_path, 8)
    with login(station) as ctx:
        seeding.seed(ctx, 2, "ready", rng_seed=3)
    return station, _backup(station, tmp_path / "b.zkbackup")


def _refused(path: Path, into: Path, code: str, *, replace: bool = True) -> str:
    before = _fingerprint(into) if into.exists() else {}
    with pytest.raises(backup.BackupRefused) as refused:
        backup.restore(path, into, *ADMIN, replace=replace)
    assert refused.value.code == code
    if before:
        assert _fingerprint(into) == before  # the live station is untouched
        assert not [p for p in into.iterdir() if p.name.startswith((".restore", "replaced"))]
    return refused.value.message_en


def test_a_changed_byte_is_refused(live_and_backup: tuple[Path, Path], tmp_path: Path) -> None:
    live, made = live_and_backup
    data = bytearray(made.read_bytes())
    data[len(data) // 2] ^= 0x01
    (tmp_path / "changed").write_bytes(data)
    assert "changed or is damaged" in _refused(tmp_path / "changed", live, "damaged")


def test_a_truncated_backup_is_refused(live_and_backup: tuple[Path, Path], tmp_path: Path) -> None:
    live, made = live_and_backup
    (tmp_path / "cut").write_bytes(made.read_bytes()[: made.stat().st_size - 100])
    assert "truncated" in _refused(tmp_path / "cut", live, "truncated")
    (tmp_path / "cut2").write_bytes(made.read_bytes()[:30])
    _refused(tmp_path / "cut2", live, "truncated")


def test_extra_bytes_and_other_files_are_refused(
    live_and_backup: tuple[Path, Path], tmp_path: Path
) -> None:
    live, made = live_and_backup
    (tmp_path / "longer").write_bytes(made.read_bytes() + b"x")
    _refused(tmp_path / "longer", live, "damaged")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a backup")
    _refused(tmp_path / "photo.jpg", live, "not_a_backup")


def test_a_newer_backup_is_refused(live_and_backup: tuple[Path, Path], tmp_path: Path) -> None:
    live, made = live_and_backup
    header, head = backup.read_header(made)
    newer = backup._head_bytes({**header, "format": backup.FORMAT + 1})
    (tmp_path / "newer").write_bytes(newer + made.read_bytes()[len(head) :])
    assert "newer program" in _refused(tmp_path / "newer", live, "newer")


def test_another_stations_backup_is_refused(
    live_and_backup: tuple[Path, Path], tmp_path: Path
) -> None:
    live, _made = live_and_backup
    other = make_station(tmp_path / "elsewhere", 9)
    foreign = _backup(other, tmp_path / "foreign.zkbackup")
    assert "another station" in _refused(foreign, live, "foreign")


def test_a_wrong_password_is_refused(live_and_backup: tuple[Path, Path], tmp_path: Path) -> None:
    _live, made = live_and_backup
    with pytest.raises(backup.BackupRefused) as refused:
        backup.restore(made, tmp_path / "new", ADMIN[0], "not-the-password")
    assert refused.value.code == "wrong_password"
    assert not (tmp_path / "new" / "station.db").exists()


def test_a_live_station_is_replaced_only_when_asked_and_kept_aside(
    live_and_backup: tuple[Path, Path],
) -> None:
    live, made = live_and_backup
    with pytest.raises(UsageError, match="--replace"):
        backup.restore(made, live, *ADMIN)
    with login(live) as ctx:
        seeding.seed(ctx, 1, "ready", rng_seed=4)  # made after the backup
    result = backup.restore(made, live, *ADMIN, replace=True)
    with login(live) as ctx, ctx.store.read() as s:
        assert records.count_by_state(s) == {"ready": 2}
    assert result.replaced is not None  # the station that was there, whole, to look at
    with login(result.replaced) as ctx, ctx.store.read() as s:
        assert records.count_by_state(s) == {"ready": 3}


def test_no_room_is_refused_before_anything_is_written(
    live_and_backup: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live, _made = live_and_backup
    monkeypatch.setattr(backup.shutil, "disk_usage", lambda _p: Usage(10**9, 10**9, 1024))
    target = tmp_path / "full" / "b.zkbackup"
    target.parent.mkdir()
    with login(live) as ctx, pytest.raises(UsageError, match="not enough room"):
        backup.make_backup(ctx, target)
    assert list(target.parent.iterdir()) == []


def test_a_failed_write_leaves_no_file_under_the_final_name(
    live_and_backup: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live, _made = live_and_backup

    def full_disk(*_a: object, **_k: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "_add_bytes", full_disk)
    with login(live) as ctx, pytest.raises(OSError):
        backup.make_backup(ctx, tmp_path / "b2.zkbackup")
    assert sorted(p.name for p in tmp_path.iterdir() if "b2" in p.name) == []


def test_rotation_keeps_the_newest_and_one_a_day(tmp_path: Path) -> None:
    names = [
        f"410105-01-202611{day:02d}-{hour:02d}0000-hourly{backup.SUFFIX}"
        for day in (27, 28, 29, 30)
        for hour in (9, 10, 11, 12)
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    backup.rotate(tmp_path, keep=3)
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == sorted(
        [*names[-3:], names[3], names[7], names[11]]  # newest 3, newest of each older day
    )


def test_the_cli_backs_up_and_restores(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ui.launcher import main

    station = make_station(tmp_path, 10)
    env = {"STATION_OPERATOR": ADMIN[0], "STATION_PASSWORD": ADMIN[1]}
    os.environ.update(env)
    try:
        assert main(["--data-dir", str(station), "backup"]) == 0
        (made,) = (station / "backups").iterdir()
        assert main(["--data-dir", str(tmp_path / "new"), "restore", str(made)]) == 0
        assert main(["--data-dir", str(tmp_path / "new"), "restore", str(made)]) == 2
    finally:
        for key in env:
            os.environ.pop(key)
    assert "--replace" in capsys.readouterr().err


def test_the_header_holds_no_secret_and_the_payload_no_plain_text(
    live_and_backup: tuple[Path, Path],
) -> None:
    _live, made = live_and_backup
    data = made.read_bytes()
    header, head = backup.read_header(made)
    assert set(header) >= {"format", "station", "keyslots", "salt", "schema"}
    assert b"SQLite format 3" not in data and "演示".encode() not in data
    (length,) = struct.unpack(">I", head[len(backup.MAGIC) : len(backup.MAGIC) + 4])
    assert json.loads(head[-length:]) == header


def test_the_desk_backs_up_on_its_timer_and_at_logout(qtbot, station_dir: Path) -> None:
    from ui import i18n
    from ui.app import Desk

    i18n.install("zh_CN")
    desk = Desk(station_dir)
    ctx = auth.login(station_dir, *ADMIN)
    window = desk.open_main(ctx)  # the desk deletes it at the logout
    assert desk.backups.isActive()  # hourly by default (backup_interval_minutes)
    op = desk.backup_now()
    assert op is not None
    folder = station_dir / "backups"
    qtbot.waitUntil(lambda: any(folder.glob("*-hourly.zkbackup")), timeout=20_000)
    qtbot.waitUntil(lambda: not op.running, timeout=20_000)
    assert "已备份" in window.statusBar().currentMessage()
    window.close()  # the window's X at the end of the day logs out, backup first
    qtbot.waitUntil(lambda: desk.window is None, timeout=20_000)
    assert any(folder.glob("*-logout.zkbackup"))
    assert desk.login is not None and desk.login.isVisible()
    assert not desk.backups.isActive()
    if desk.login is not None:
        desk.login.close()


def test_every_export_is_preceded_by_a_backup(tmp_path: Path) -> None:
    _keys, public = make_county(tmp_path / "county")
    station = make_station(tmp_path, 11)
    install(station, public)
    (tmp_path / "usb").mkdir()
    with login(station) as ctx:
        assert station_side.export_batches(ctx, tmp_path / "usb") == []  # nothing: no backup
        assert not (station / "backups").exists()
        seeding.seed(ctx, 1, "signed", rng_seed=7)
        station_side.export_batches(ctx, tmp_path / "usb")
    (made,) = (station / "backups").glob("*-export.zkbackup")
    backup.restore(made, tmp_path / "before-export", *ADMIN)
    with login(tmp_path / "before-export") as ctx, ctx.store.read() as s:
        assert records.count_by_state(s) == {"signed": 1}  # the state the batch was made from


def test_what_a_stopped_backup_left_behind_is_cleared_later(
    live_and_backup: tuple[Path, Path], tmp_path: Path
) -> None:
    live, _made = live_and_backup
    old_dir = live / ".backup-killed"
    old_dir.mkdir()
    (old_dir / "station.db").write_bytes(b"x" * 100)
    old_tmp = tmp_path / ".b.zkbackup.abc123.tmp"
    old_tmp.write_bytes(b"half")
    recent = live / ".backup-running"
    recent.mkdir()
    hour_ago = __import__("time").time() - backup.STALE_SECONDS - 5
    for path in (old_dir, old_tmp):
        os.utime(path, (hour_ago, hour_ago))
    with login(live) as ctx:
        backup.make_backup(ctx, tmp_path / "next.zkbackup")
    assert not old_dir.exists() and not old_tmp.exists()
    assert recent.exists()  # another process's backup may still be running
