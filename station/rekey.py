"""Rotating the database key (更换数据库密钥): a removed password, or an old copy of
``keyslots.json`` with the passwords of that time, no longer opens today's database.

The new key is sealed to every remaining key slot without anyone's password
(:mod:`station.keyslots`), the database is copied under the new key with SQLite's backup API
while this process alone has it open, and the copy replaces the file. Until the copy is in
place the slot file carries both keys, so a cut at any point leaves a station that opens:
:func:`station.auth.login` finishes a rotation whose copy is in place and abandons one whose
copy is not.

Backups made before a rotation keep the key (and slots) of their time: they are as safe as
the passwords they were made under (README, "How the data is protected").
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from station import audit, database
from station.database import DB_FILE
from station.errors import DiskFullError, StoreError
from station.fileio import fsync_dir
from station.keyslots import RECOVERY_LOGIN, KeySlots, new_db_key
from station.models import Operator
from station.roles import Permission

if TYPE_CHECKING:
    from station.auth import Context

COPY_SUFFIX = ".rekey"


@dataclass(frozen=True, slots=True)
class Rotation:
    #: Operators whose slot (from before key rotation existed) could not take the new key:
    #: an admin sets them a new password (``station operator passwd``).
    reset_logins: tuple[str, ...]
    #: A new recovery code, when the old one's slot could not take the new key.
    recovery_code: str | None


def rotate_database_key(
    ctx: Context, reason: str, notify: Callable[[Rotation], None] | None = None
) -> Rotation:
    """Give the station a new database key; ``ctx`` goes on with it. An admin's act.

    Refused while another program (the desk, another command) has the database open.
    ``notify`` gets what the admin must know (logins to reset, a new recovery code) *before*
    the copy starts: those slot changes are made first, so that a rotation cut short by a
    power cut leaves nothing that needs them unsaid.
    """
    from station.auth import new_recovery_code, normalise_login

    ctx.require(Permission.MANAGE_OPERATORS)
    with ctx.store.read() as s:
        active = list(s.scalars(select(Operator.login).where(Operator.disabled.is_(False))))
    _check_room(ctx.data_dir)
    new_key = new_db_key()
    slots = KeySlots(ctx.data_dir)
    ctx.store.close()
    opened_with = ctx.db_key
    try:
        with slots.update() as locked:
            if not locked.is_current(ctx.operator.login):
                raise StoreError(
                    "请先退出并重新登录一次（升级本账号的密钥槽），再更换数据库密钥",
                    "log out and in once (to upgrade your own key slot), then rotate",
                )
            by_slot = {locked.slot_id(login): login for login in active}
            recovery_slot = locked.slot_id(RECOVERY_LOGIN)
            recovery: str | None = None
            if recovery_slot in locked.slot_ids() and not locked.is_current(RECOVERY_LOGIN):
                # A recovery slot from before rotation existed: a new code, sealed like the
                # others, replaces it (and is shown before anything else happens).
                recovery = new_recovery_code()
                locked.put(RECOVERY_LOGIN, recovery, ctx.db_key, ctx.settings.kdf)
            reset = []
            for sid in locked.slot_ids():
                if sid == recovery_slot:
                    continue
                if sid not in by_slot:  # nobody active (disabled before slots went with them)
                    locked.remove_slot(sid)
                elif not locked.is_current(by_slot[sid]):  # only its password could reseal it
                    reset.append(normalise_login(by_slot[sid]))
                    locked.remove_slot(sid)
            locked.begin_rotation(new_key)
            rotation = Rotation(tuple(sorted(reset)), recovery)
            locked.save()  # both keys in the file: from here a cut leaves a station that opens
            if notify is not None:
                notify(rotation)
            try:
                _copy_under(ctx.data_dir, ctx.db_key, new_key)
            except BaseException:
                locked.abandon_rotation()
                locked.save()
                raise
            opened_with = new_key
            locked.finish_rotation()
    finally:
        ctx.store = database.open_existing(ctx.data_dir, opened_with)
        ctx.db_key = opened_with
    with ctx.store.session() as s:
        audit.append(
            s,
            ctx.operator.login,
            "db_key_rotated",
            reason=reason,
            detail={"reset": list(rotation.reset_logins), "recovery": bool(recovery)},
        )
    return rotation


def _check_room(directory: Path) -> None:
    """The copy needs as much room again as the database takes."""
    need = (directory / DB_FILE).stat().st_size + database.LOW_SPACE_BYTES
    free = shutil.disk_usage(directory).free
    if free < need:
        raise DiskFullError(
            f"磁盘空间不足：更换数据库密钥需要约 {need // 2**20} MB 空闲空间，"
            f"{directory} 所在磁盘只有 {free // 2**20} MB；请清理后再试（数据未改动）",
            f"not enough room: a key rotation needs about {need // 2**20} MB free where "
            f"{directory} is, there are {free // 2**20} MB; nothing was changed",
        )


def _copy_under(directory: Path, old_key: bytes, new_key: bytes) -> None:
    """Replace the database with a copy of it under ``new_key``. The caller holds the slot
    file's lock, so no login can open the database meanwhile."""
    import sqlcipher3

    path = directory / DB_FILE
    copy = directory / (DB_FILE + COPY_SUFFIX)
    copy.unlink(missing_ok=True)
    source = sqlcipher3.connect(str(path), isolation_level=None, timeout=2)
    try:
        database.apply_key(source, old_key)
        # Exclusive before the first read: the lock is refused while any other connection
        # has the file open, and then keeps everyone out until the copy is made.
        source.execute("PRAGMA locking_mode=EXCLUSIVE")
        try:
            source.execute("BEGIN EXCLUSIVE")
            source.execute("COMMIT")
        except sqlcipher3.OperationalError:
            raise StoreError(
                "数据库正被另一个程序使用（例如报名点桌面程序或另一个命令），"
                "请先关闭它们再更换数据库密钥",
                "another program (the desk, another command) has the database open; "
                "close it and rotate again",
            ) from None
        source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        target = sqlcipher3.connect(str(copy))
        try:
            database.apply_key(target, new_key)
            source.backup(target)
            check = target.execute("PRAGMA quick_check").fetchone()
        except sqlcipher3.Error as exc:
            raise database.disk_full(directory, exc) or StoreError(
                f"加密副本未能写成（{exc}），数据库未更换密钥", f"the copy failed: {exc}"
            ) from None
        finally:
            target.close()
        if not check or check[0] != "ok":
            raise StoreError(
                f"加密副本检查未通过（{check}），数据库未更换密钥", f"the copy failed: {check}"
            )
        with copy.open("rb+") as f:
            os.fsync(f.fileno())
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    finally:
        source.close()  # before the replace: Windows cannot replace a file that is open
    try:
        os.replace(copy, path)
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    fsync_dir(directory)
    # The old file's WAL index: nobody has the new file open yet, and it must not see this.
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            (directory / (DB_FILE + suffix)).unlink()
