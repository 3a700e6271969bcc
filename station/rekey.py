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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from station import audit, database
from station.database import DB_FILE
from station.errors import StoreError
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


def rotate_database_key(ctx: Context, reason: str) -> Rotation:
    """Give the station a new database key; ``ctx`` goes on with it. An admin's act.

    Refused while another program (the desk, another command) has the database open.
    """
    from station.auth import new_recovery_code, normalise_login

    ctx.require(Permission.MANAGE_OPERATORS)
    with ctx.store.read() as s:
        active = list(s.scalars(select(Operator.login).where(Operator.disabled.is_(False))))
    new_key = new_db_key()
    slots = KeySlots(ctx.data_dir)
    reset: list[str] = []
    recovery: str | None = None
    ctx.store.close()
    opened_with = ctx.db_key
    try:
        with slots.update() as locked:
            by_slot = {locked.slot_id(login): login for login in active}
            recovery_slot = locked.slot_id(RECOVERY_LOGIN)
            # Slots of nobody active (disabled before slots were removed with them) go now.
            for sid in locked.slot_ids():
                if sid not in by_slot and sid != recovery_slot:
                    locked.remove_slot(sid)
            unable = locked.begin_rotation(new_key)
            if locked.slot_id(ctx.operator.login) in unable:
                locked.abandon_rotation()
                raise StoreError(
                    "请先退出并重新登录一次（升级本账号的密钥槽），再更换数据库密钥",
                    "log out and in once (to upgrade your own key slot), then rotate",
                )
            locked.save()  # both keys in the file: from here a cut leaves a station that opens
            try:
                _copy_under(ctx.data_dir, ctx.db_key, new_key)
            except BaseException:
                locked.abandon_rotation()
                locked.save()
                raise
            opened_with = new_key
            locked.finish_rotation()
            for sid in unable:
                locked.remove_slot(sid)
                if sid == recovery_slot:
                    recovery = new_recovery_code()
                    locked.put(RECOVERY_LOGIN, recovery, new_key, ctx.settings.kdf)
                else:
                    reset.append(by_slot[sid])
    finally:
        ctx.store = database.open_existing(ctx.data_dir, opened_with)
        ctx.db_key = opened_with
    with ctx.store.session() as s:
        audit.append(
            s,
            ctx.operator.login,
            "db_key_rotated",
            reason=reason,
            detail={"reset": sorted(normalise_login(x) for x in reset), "recovery": bool(recovery)},
        )
    return Rotation(tuple(sorted(reset)), recovery)


def _copy_under(directory: Path, old_key: bytes, new_key: bytes) -> None:
    """Replace the database with a copy of it under ``new_key``. The caller holds the slot
    file's lock, so no login can open the database meanwhile."""
    import sqlcipher3

    path = directory / DB_FILE
    copy = directory / (DB_FILE + COPY_SUFFIX)
    copy.unlink(missing_ok=True)
    source = sqlcipher3.connect(str(path), isolation_level=None, timeout=2)
    try:
        _key(source, old_key)
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
            _key(target, new_key)
            source.backup(target)
            check = target.execute("PRAGMA quick_check").fetchone()
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


def _key(connection: object, key: bytes) -> None:
    connection.execute("PRAGMA cipher_log_level=NONE")  # type: ignore[attr-defined]
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")  # type: ignore[attr-defined]
