"""Rotating the database key: what an old key-slot file still opens afterwards (nothing),
who still logs in (everyone active), and a rotation cut at every step."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from station import audit, auth, database, rekey
from station.errors import AuthError, StoreError
from station.keyslots import KEYSLOT_FILE, RECOVERY_LOGIN, KeySlots
from station.models import AuditEvent
from station.setup import init_station

from .factories import ADMIN, OPERATOR, SUPERVISOR, cli_settings, fast_settings


def _copy_station(src: Path, dest: Path, slot_file: bytes | None = None) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("*.lock"))
    if slot_file is not None:
        (dest / KEYSLOT_FILE).write_bytes(slot_file)
    return dest


def test_a_disabled_operator_with_an_old_slot_file_opens_nothing(
    station_dir: Path, tmp_path: Path
) -> None:
    old_slots = (station_dir / KEYSLOT_FILE).read_bytes()  # the copy an admin kept
    with auth.login(station_dir, *ADMIN) as ctx:
        old_key = ctx.db_key
        auth.disable_operator(ctx, OPERATOR[0])
        rotation = rekey.rotate_database_key(ctx, reason="operator left")
        assert ctx.db_key != old_key and rotation.reset_logins == ()
        with ctx.store.read() as s:  # ctx goes on with the new key
            assert audit.verify(s).ok
    assert rotation.recovery_code is None  # the recovery slot took the new key

    # Today's database with the slot file of before: the old passwords open nothing.
    thief = _copy_station(station_dir, tmp_path / "thief", old_slots)
    for who in (OPERATOR, SUPERVISOR, ADMIN):
        with pytest.raises(StoreError, match="cannot be decrypted"):
            auth.login(thief, *who)
    # And today's slot file has no slot for the disabled password.
    with pytest.raises(AuthError):
        auth.login(station_dir, *OPERATOR)
    # Everyone active logs in as before; the rotation is in the audit chain.
    for who in (ADMIN, SUPERVISOR):
        with auth.login(station_dir, *who) as ctx, ctx.store.read() as s:
            assert ctx.db_key != old_key
            event = s.scalar(select(AuditEvent).where(AuditEvent.action == "db_key_rotated"))
            assert event is not None and event.reason == "operator left"


def _bare_station(tmp_path: Path, settings: object = None) -> tuple[Path, str]:
    """A station with its admin only; returns the folder and the recovery code."""
    from station.settings import save

    directory = tmp_path / "s"
    directory.mkdir()
    save(directory, settings or fast_settings())  # type: ignore[arg-type]
    made = init_station(
        directory,
        name="点",
        county_code="410105",
        number=4,
        admin_login=ADMIN[0],
        admin_password=ADMIN[1],
    )
    return directory, made.recovery_code


def test_the_recovery_code_still_opens_after_a_rotation(tmp_path: Path) -> None:
    directory, recovery_code = _bare_station(tmp_path)
    with auth.login(directory, *ADMIN) as ctx:
        rekey.rotate_database_key(ctx, reason="test")
    with auth.login(directory, RECOVERY_LOGIN, recovery_code) as ctx:
        assert ctx.operator.login == RECOVERY_LOGIN


def _format_1(directory: Path, login: str, password: str, key: bytes) -> None:
    """Write ``login``'s slot as a program before key rotation did (the key itself wrapped)."""
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from station.keyslots import _AAD_PREFIX, derive_kek

    with KeySlots(directory).update() as slots:
        sid = slots.slot_id(login)
        params = {"time_cost": 1, "memory_cost": 256, "parallelism": 1}
        salt, nonce = os.urandom(16), os.urandom(12)
        wrapped = AESGCM(derive_kek(password, salt, params)).encrypt(
            nonce, key, _AAD_PREFIX + sid.encode()
        )
        slots._doc["slots"][sid] = {
            "kdf": {"alg": "argon2id", "salt": salt.hex(), **params},
            "nonce": nonce.hex(),
            "wrapped": wrapped.hex(),
        }


def test_slots_from_before_rotation_are_upgraded_at_login_or_reset(station_dir: Path) -> None:
    with auth.login(station_dir, *ADMIN) as ctx:
        key = ctx.db_key
    _format_1(station_dir, SUPERVISOR[0], SUPERVISOR[1], key)
    _format_1(station_dir, OPERATOR[0], OPERATOR[1], key)
    assert not KeySlots(station_dir).load().is_current(SUPERVISOR[0])
    with auth.login(station_dir, *SUPERVISOR):  # an old slot still opens, and is upgraded
        pass
    assert KeySlots(station_dir).load().is_current(SUPERVISOR[0])

    with auth.login(station_dir, *ADMIN) as ctx:
        rotation = rekey.rotate_database_key(ctx, reason="test")
        assert rotation.reset_logins == (OPERATOR[0],)  # never logged in since: a reset
        auth.set_password(ctx, OPERATOR[0], "operator-password-2")
    with auth.login(station_dir, *SUPERVISOR):
        pass
    with pytest.raises(AuthError):
        auth.login(station_dir, *OPERATOR)
    with auth.login(station_dir, OPERATOR[0], "operator-password-2"):
        pass


def test_a_rotation_is_refused_while_another_program_has_the_database_open(
    station_dir: Path,
) -> None:
    desk = auth.login(station_dir, *OPERATOR)  # the desk, open in another window
    try:
        with desk.store.read() as s:
            s.scalar(select(AuditEvent.seq))
        with auth.login(station_dir, *ADMIN) as ctx:
            before = ctx.db_key
            with pytest.raises(StoreError, match="another program"):
                rekey.rotate_database_key(ctx, reason="test")
            assert ctx.db_key == before
            with ctx.store.read() as s:  # and the admin's own context still works
                assert audit.verify(s).ok
    finally:
        desk.close()
    assert not KeySlots(station_dir).load().rotation_pending()
    with auth.login(station_dir, *OPERATOR):
        pass


@pytest.mark.parametrize("cut", ["copy", "replace", "promote"])
def test_a_rotation_cut_short_leaves_a_station_that_opens(
    station_dir: Path, monkeypatch: pytest.MonkeyPatch, cut: str
) -> None:
    class Cut(BaseException):  # like a kill: nothing after it runs
        pass

    def stop(*_a: object, **_k: object) -> None:
        raise Cut

    if cut == "copy":
        monkeypatch.setattr(rekey.database, "apply_key", stop)
    elif cut == "replace":
        real_replace = rekey.os.replace

        def replace(src: object, dst: object) -> None:
            if str(dst).endswith(database.DB_FILE):
                raise Cut
            real_replace(src, dst)  # type: ignore[arg-type]

        monkeypatch.setattr(rekey.os, "replace", replace)
    else:  # the new file is in place, the slot file still names both keys
        monkeypatch.setattr(KeySlots, "finish_rotation", stop)
    with auth.login(station_dir, *ADMIN) as ctx:
        old_key = ctx.db_key
        with pytest.raises(Cut):
            rekey.rotate_database_key(ctx, reason="test")
    monkeypatch.undo()
    assert not (station_dir / (database.DB_FILE + rekey.COPY_SUFFIX)).exists()
    for who in (ADMIN, SUPERVISOR, OPERATOR):
        with auth.login(station_dir, *who) as ctx, ctx.store.read() as s:
            assert audit.verify(s).ok
            assert (ctx.db_key == old_key) == (cut != "promote")
    assert not KeySlots(station_dir).load().rotation_pending()


def test_station_key_rotate_on_the_command_line(tmp_path: Path, capsys, monkeypatch) -> None:
    from ui.launcher import main as station_main

    directory, _ = _bare_station(tmp_path, cli_settings())
    with auth.login(directory, *ADMIN) as ctx:
        auth.add_operator(ctx, OPERATOR[0], "乙", auth.Role.OPERATOR, OPERATOR[1])
    monkeypatch.setenv("STATION_OPERATOR", ADMIN[0])
    monkeypatch.setenv("STATION_PASSWORD", ADMIN[1])
    with pytest.raises(SystemExit, match="2"):  # a rotation says why, in the audit chain
        station_main(["--data-dir", str(directory), "key", "rotate"])
    capsys.readouterr()
    assert station_main(["--data-dir", str(directory), "key", "rotate", "--reason", "泄露"]) == 0
    assert "数据库密钥已更换" in capsys.readouterr().out
    old_slots = (directory / KEYSLOT_FILE).read_bytes()
    assert station_main(["--data-dir", str(directory), "operator", "disable", OPERATOR[0]]) == 0
    out = capsys.readouterr().out
    assert "已停用" in out and "数据库密钥已更换" in out and "签名密钥已更换" in out
    # One hand-over at a time: a second signing rotation waits for the county's receipt.
    assert (
        station_main(["--data-dir", str(directory), "key", "rotate", "--reason", "x", "--signing"])
        == 2
    )
    assert "尚未被县区确认" in capsys.readouterr().err
    with auth.login(directory, *ADMIN) as ctx, ctx.store.read() as s:  # and nothing changed
        assert audit.verify(s).ok
        rotations = s.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("%rotated"))
        ).all()
    assert rotations == ["db_key_rotated", "db_key_rotated", "signing_key_rotated"]
    thief = _copy_station(directory, tmp_path / "thief", old_slots)
    with pytest.raises(StoreError):
        auth.login(thief, *OPERATOR)
    assert json.loads((directory / KEYSLOT_FILE).read_text())["format"] == 2


def test_a_login_whose_password_was_checked_before_a_rotation_opens_the_new_file(
    station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The desk's login is in its Argon2 step when an admin disables someone: it must not
    open (and write to) the file the rotation replaces, nor fail with the old key."""
    real = KeySlots.unwrap_keys
    rotated: list[bytes] = []

    def slow_unwrap(self: KeySlots, login: str, password: str) -> list[bytes]:
        keys = real(self, login, password)
        if login == OPERATOR[0] and not rotated:
            rotated.append(b"")
            with auth.login(station_dir, *ADMIN) as admin:
                rekey.rotate_database_key(admin, reason="during a login")
                rotated[0] = admin.db_key
        return keys

    monkeypatch.setattr(KeySlots, "unwrap_keys", slow_unwrap)
    with auth.login(station_dir, *OPERATOR) as ctx, ctx.store.read() as s:
        assert ctx.db_key == rotated[0]  # the new key: the slot was opened again
        assert audit.verify(s).ok


def test_a_cut_rotation_is_undone_by_the_next_login(
    station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Cut(BaseException):
        pass

    def stop(*_a: object, **_k: object) -> None:
        raise Cut

    monkeypatch.setattr(rekey.database, "apply_key", stop)  # the copy never finishes ...
    monkeypatch.setattr(KeySlots, "abandon_rotation", stop)  # ... and nothing tidies up
    with auth.login(station_dir, *ADMIN) as ctx, pytest.raises(Cut):
        old_key = ctx.db_key
        rekey.rotate_database_key(ctx, reason="test")
    monkeypatch.undo()
    assert KeySlots(station_dir).load().rotation_pending()
    with auth.login(station_dir, *OPERATOR) as ctx:
        assert ctx.db_key == old_key
    assert not KeySlots(station_dir).load().rotation_pending()


def test_a_backup_made_while_a_rotation_is_pending_restores(
    station_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from station import backup

    class Cut(BaseException):
        pass

    def stop(*_a: object, **_k: object) -> None:
        raise Cut

    monkeypatch.setattr(KeySlots, "finish_rotation", stop)  # the new file is in place
    with auth.login(station_dir, *ADMIN) as ctx:
        with pytest.raises(Cut):
            rekey.rotate_database_key(ctx, reason="test")
        # Before any login finishes the rotation (a read-only one on a full disk does not):
        info = backup.make_backup(ctx, tmp_path / "b.zkbackup", reason="manual")
    monkeypatch.undo()
    header, _ = backup.read_header(info.path)
    keys = backup.unwrap_keys(header, *ADMIN)
    assert len(keys) == 2  # the slots in the backup name both keys
    assert backup.verify(info.path, *ADMIN)["db_key"] == keys[1]  # and it opens


def test_an_old_recovery_slot_gets_a_new_code_said_before_the_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory, recovery_code = _bare_station(tmp_path)
    with auth.login(directory, *ADMIN) as ctx:
        _format_1(directory, RECOVERY_LOGIN, recovery_code, ctx.db_key)

    class Cut(BaseException):
        pass

    def stop(*_a: object, **_k: object) -> None:
        raise Cut

    told: list[rekey.Rotation] = []
    monkeypatch.setattr(KeySlots, "finish_rotation", stop)  # power cut after the copy
    with auth.login(directory, *ADMIN) as ctx, pytest.raises(Cut):
        rekey.rotate_database_key(ctx, reason="test", notify=told.append)
    monkeypatch.undo()
    (rotation,) = told
    assert rotation.recovery_code and rotation.recovery_code != recovery_code
    with auth.login(directory, RECOVERY_LOGIN, rotation.recovery_code) as ctx:
        assert ctx.operator.login == RECOVERY_LOGIN
    with pytest.raises(AuthError):
        auth.login(directory, RECOVERY_LOGIN, recovery_code)


def test_a_rotation_needs_room_for_a_second_copy(
    station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from collections import namedtuple

    from station.errors import DiskFullError

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(rekey.shutil, "disk_usage", lambda _p: usage(10**9, 10**9, 1024))
    with auth.login(station_dir, *ADMIN) as ctx:
        before = ctx.db_key
        with pytest.raises(DiskFullError, match="nothing was changed"):
            rekey.rotate_database_key(ctx, reason="test")
        assert ctx.db_key == before
        with ctx.store.read() as s:
            assert audit.verify(s).ok
