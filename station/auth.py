"""Operators (操作员), logins and the lockout.

A login both authenticates and unlocks: the password unwraps the database key from the
operator's key slot, then is checked against the operator's argon2id hash inside the
database. Failed attempts are counted in the key-slot file (the database cannot be opened
with a wrong password) and reach the audit chain with the next successful login.
"""

from __future__ import annotations

import base64
import datetime as dt
import errno
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from station import anchor, audit, database
from station import settings as settings_mod
from station.errors import (
    AuthError,
    DiskFullError,
    NotInitialisedError,
    PermissionDenied,
    StoreError,
    UsageError,
)
from station.keyslots import RECOVERY_LOGIN, UNKNOWN_LOGIN, KeySlots, ensure_not_locked
from station.models import Operator
from station.roles import Permission, Role, allows
from station.settings import KdfParams, Settings

LOGIN_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
MIN_PASSWORD = 8


def hasher(kdf: KdfParams) -> PasswordHasher:
    return PasswordHasher(
        time_cost=kdf.time_cost, memory_cost=kdf.memory_cost, parallelism=kdf.parallelism
    )


@dataclass(frozen=True, slots=True)
class OperatorInfo:
    login: str
    display_name: str
    role: Role


@dataclass(slots=True)
class Context:
    """A logged-in operator with the open store: what every core function is handed."""

    data_dir: Path
    store: database.Store
    operator: OperatorInfo
    settings: Settings
    db_key: bytes
    #: A read-only login on a full disk: the login is not in the audit chain (nor is the
    #: lockout's bookkeeping written); the command that only reads goes on, and says so.
    login_unrecorded: bool = False

    def require(self, permission: Permission) -> None:
        if not allows(self.operator.role, permission):
            raise PermissionDenied(
                f"当前账号（{self.operator.role.label_zh}）无权执行此操作",
                f"role {self.operator.role.value} lacks permission {permission.value}",
            )

    def close(self) -> None:
        try:
            self.advance_anchor()
        except Exception:  # a full disk, a busy slot file: the next login or close catches up
            logging.getLogger(__name__).warning("audit anchor not advanced", exc_info=True)
        self.store.close()

    def advance_anchor(self) -> None:
        """Bring the audit anchor (station/anchor.py) up to the chain's head."""
        with KeySlots(self.data_dir).update() as slots, self.store.read() as s:
            anchor.advance(slots, s)

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def normalise_login(login: str) -> str:
    try:
        login.encode("utf-8")
    except UnicodeEncodeError:  # bytes of another encoding on the command line
        raise UsageError(
            "登录名中有无法识别的字符（不是 UTF-8 文本）", "the login is not valid UTF-8 text"
        ) from None
    return login.strip().casefold()


def check_login_name(login: str) -> None:
    if not LOGIN_RE.match(login):
        raise UsageError(
            "登录名应为 2–32 位小写字母、数字、点、下划线或连字符",
            "a login is 2-32 lower-case letters, digits, '.', '_' or '-'",
        )


def check_password_policy(login: str, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UsageError(
            f"密码至少 {MIN_PASSWORD} 位", f"the password needs at least {MIN_PASSWORD} characters"
        )
    if password.casefold() == login.casefold():
        raise UsageError("密码不能与登录名相同", "the password must differ from the login")


def new_recovery_code() -> str:
    raw = base64.b32encode(os.urandom(15)).decode("ascii")  # 120 bits, 24 characters
    return "-".join(raw[i : i + 4] for i in range(0, 24, 4))


@contextmanager
def _unless_disk_full(read_only: bool, directory: Path, missed: list[bool]) -> Iterator[None]:
    """For a login that only reads, a write the full disk refuses is noted, not fatal: a
    supervisor must still be able to list, verify and back up what is there."""
    try:
        yield
    except OSError as exc:
        if not read_only or exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        missed.append(True)
    except DiskFullError:
        if not read_only:
            raise
        missed.append(True)
    except DatabaseError as exc:
        if not read_only or database.disk_full(directory, exc) is None:
            raise
        missed.append(True)


def require_station(data_dir: Path) -> None:
    """NotInitialisedError unless ``data_dir`` holds a station: said before anyone is asked
    for a login (a mistyped folder is not a missing password)."""
    if not KeySlots(data_dir).exists() and not (data_dir / database.DB_FILE).exists():
        raise NotInitialisedError(
            f"{data_dir} 中没有报名点：请用 --data-dir 或环境变量 STATION_HOME 指向报名点的数据"
            "目录，或先运行 station init 或 station demo",
            f"no station in {data_dir}: point --data-dir or STATION_HOME at the station's data "
            "folder, or run `station init` or `station demo` first",
        )


def login(
    data_dir: Path,
    login_name: str,
    password: str,
    now: dt.datetime | None = None,
    *,
    read_only: bool = False,
) -> Context:
    """Open the station as ``login_name``; raise :class:`AuthError` with a reason otherwise.

    ``read_only``: the caller only reads, so a full disk that refuses the login's own writes
    (lockout bookkeeping, the login event) does not stop it (:attr:`Context.login_unrecorded`).
    A lockout already recorded still holds.
    """
    now = now or dt.datetime.now(dt.UTC)
    missed: list[bool] = []
    conf = settings_mod.load(data_dir)
    require_station(data_dir)
    slots = KeySlots(data_dir)
    slots.load()
    name = normalise_login(login_name)
    # The lockout is taken and the attempt counted atomically before the slow check, so that
    # guesses started together cannot all be checked (station/keyslots.py, begin_check).
    with _unless_disk_full(read_only, data_dir, missed), slots.update() as locked:
        ensure_not_locked(locked, name, now)
        check = locked.begin_check(name, now, conf.lockout_attempts)
    seen = slots.slot_record(name)
    if missed and check is not None:
        check = ""  # nothing was written, so there is nothing to end
    if check is None:
        raise AuthError(
            "同一账号同时尝试登录的次数过多，请稍后再试",
            "too many logins under way for this account; try again shortly",
        )
    try:
        keys = slots.unwrap_keys(name, password) if password else []
    except BaseException:
        with _unless_disk_full(read_only, data_dir, missed), slots.update() as locked:
            locked.end_check(name, check)
        raise
    # Ending the check and counting its failure is one step: between two steps another guess
    # would see neither and take a check the lockout does not allow.
    locked_now, count = False, 0
    with _unless_disk_full(read_only, data_dir, missed), slots.update() as locked:
        locked.end_check(name, check)
        if not keys:
            count = locked.record_failure(name, now, conf.lockout_attempts, conf.lockout_minutes)
            locked_now = locked.locked_until(name, now) is not None
    if not keys:
        if locked_now:
            raise AuthError(
                f"登录失败次数过多，账号已锁定 {conf.lockout_minutes} 分钟",
                f"too many failed logins; locked for {conf.lockout_minutes} min",
            )
        left = max(conf.lockout_attempts - count, 1)
        raise AuthError(
            f"登录名或密码错误（再错 {left} 次将锁定 {conf.lockout_minutes} 分钟）",
            f"wrong login or password ({left} attempts left before lockout)",
        )
    store, key = _open_checked(slots, name, password, keys, seen, read_only)
    try:
        pending = slots.take_pending()
        with _unless_disk_full(read_only, data_dir, missed), store.session() as s:
            if name == normalise_login(RECOVERY_LOGIN):
                info = OperatorInfo(RECOVERY_LOGIN, "恢复码", Role.ADMIN)
            else:
                info = _check_operator(s, name, password, conf.kdf, slot_opened=True)
            logins = {slots.slot_id(login): login for login in s.scalars(select(Operator.login))}
            for failure in pending:
                actor = logins.get(failure.slot_id or "", UNKNOWN_LOGIN)
                audit.append(s, actor, "login_failed", at=dt.datetime.fromisoformat(failure.at))
            audit.append(s, info.login, "login", at=now)
        if not missed:
            # Only now that the events are committed may they leave the slot file.
            logged = {(f.slot_id, f.at) for f in pending}
            with _unless_disk_full(read_only, data_dir, missed), slots.update() as locked:
                locked.drop_pending(logged)
                locked.clear_failures(name)
                # A rotation cut short (station/rekey.py): no rotation runs while this lock
                # is held, so the key that opened the database says how far it got.
                if locked.rotation_pending():
                    if key == keys[0]:
                        locked.abandon_rotation()
                    else:
                        locked.finish_rotation()
                if not locked.is_current(name):
                    locked.put(name, password, key, conf.kdf)  # a format 1 slot, upgraded
                with store.read() as s:
                    anchor.advance(locked, s)
            slots.keep_reserve()
    except BaseException:
        store.close()
        raise
    return Context(data_dir, store, info, conf, key, login_unrecorded=bool(missed))


def _open_checked(
    slots: KeySlots,
    name: str,
    password: str,
    keys: list[bytes],
    seen: dict[str, object] | None,
    read_only: bool,
) -> tuple[database.Store, bytes]:
    """Open the store under the slot file's lock, with keys from the slot as it is now.

    A database key rotation (station/rekey.py) holds that lock while it copies and replaces
    the database; a connection opened meanwhile would read and write the replaced file. So
    the database is opened only while the lock is held, and if the slot changed since its
    password was checked (a rotation ran in between), the password opens the slot again.
    """
    for _ in range(3):
        with slots.held() as held:
            now = held.slot_record(name)
            if now == seen:
                return _open_store(slots.path.parent, keys, read_only)
        seen = now
        keys = slots.unwrap_keys(name, password)
        if not keys:
            raise AuthError(
                "该账号的密钥槽刚被管理员更改（停用或重设密码），请联系管理员",
                "this login's key slot was just changed by an admin (disabled or reset)",
            )
    raise StoreError(
        "密钥文件正在反复变化，请稍后再登录", "the key-slot file keeps changing; log in again later"
    )


def _open_store(data_dir: Path, keys: list[bytes], read_only: bool) -> tuple[database.Store, bytes]:
    """The store, opened with the first of ``keys`` that opens it: the second is the next
    key of a rotation that was cut short after the database had changed."""
    try:
        return database.open_existing(data_dir, keys[0], read_only=read_only), keys[0]
    except StoreError as exc:
        if len(keys) < 2:
            raise
        first = exc
    try:
        return database.open_existing(data_dir, keys[1], read_only=read_only), keys[1]
    except StoreError:
        raise first from None


def _check_operator(
    s: Session, name: str, password: str, kdf: KdfParams, *, slot_opened: bool = False
) -> OperatorInfo:
    op = s.scalar(select(Operator).where(Operator.login == name))
    if op is None or op.disabled:
        raise AuthError("该账号已停用或不存在", "this operator is disabled or unknown")
    ph = hasher(kdf)
    try:
        ph.verify(op.password_hash, password)
    except (VerificationError, InvalidHashError):
        if not slot_opened:
            raise AuthError("密码错误", "wrong password") from None
        # The slot opened, so this password is the operator's: a password change reached
        # the slot file but not the database (or the reverse). The slot wins.
        op.password_hash = ph.hash(password)
        audit.append(s, name, "operator_password_resync")
    if ph.check_needs_rehash(op.password_hash):
        op.password_hash = ph.hash(password)
    op.last_login_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return OperatorInfo(op.login, op.display_name, Role(op.role))


def verify_password(ctx: Context, login_name: str, password: str) -> OperatorInfo:
    """Check an operator's password while the store is open (approvals, the hand-back from
    the candidate screen). Failures count towards the same lockout as logins, and reach the
    audit chain like failed logins: a desk is no place to guess a supervisor's password."""
    name = normalise_login(login_name)
    now = dt.datetime.now(dt.UTC)
    slots = KeySlots(ctx.data_dir).load()
    ensure_not_locked(slots, name, now)
    try:
        with ctx.store.session() as s:
            return _check_operator(s, name, password, ctx.settings.kdf)
    except AuthError:
        with slots.update() as locked:
            locked.record_failure(
                name, now, ctx.settings.lockout_attempts, ctx.settings.lockout_minutes
            )
        raise


def add_operator(
    ctx: Context, login_name: str, display_name: str, role: Role, password: str
) -> OperatorInfo:
    ctx.require(Permission.MANAGE_OPERATORS)
    name = normalise_login(login_name)
    check_login_name(name)
    check_password_policy(name, password)
    if not display_name.strip():
        raise UsageError("请填写姓名", "a display name is required")
    with ctx.store.session() as s:
        if s.scalar(select(Operator.id).where(Operator.login == name)) is not None:
            raise UsageError(f"登录名 {name} 已存在", f"login {name} exists already")
    with KeySlots(ctx.data_dir).update() as slots:
        slots.put(name, password, ctx.db_key, ctx.settings.kdf)
    try:
        with ctx.store.session() as s:
            s.add(
                Operator(
                    login=name,
                    display_name=display_name.strip(),
                    role=role.value,
                    password_hash=hasher(ctx.settings.kdf).hash(password),
                )
            )
            audit.append(
                s, ctx.operator.login, "operator_add", detail={"login": name, "role": role.value}
            )
    except BaseException:
        with KeySlots(ctx.data_dir).update() as slots:
            slots.remove(name)
        raise
    return OperatorInfo(name, display_name.strip(), role)


def set_password(ctx: Context, login_name: str, password: str) -> None:
    """Change a password: the operator's own, or anyone's for an admin."""
    name = normalise_login(login_name)
    if name != ctx.operator.login:
        ctx.require(Permission.MANAGE_OPERATORS)
    check_password_policy(name, password)
    with ctx.store.session() as s:
        op = s.scalar(select(Operator).where(Operator.login == name))
        if op is None:
            raise UsageError(f"没有登录名为 {name} 的账号", f"no operator {name}")
        op.password_hash = hasher(ctx.settings.kdf).hash(password)
        op.disabled = False
        audit.append(s, ctx.operator.login, "operator_password", detail={"login": name})
    # After the commit: should this write fail, the old password still opens the slot and
    # login() brings the database hash back in line with it.
    with KeySlots(ctx.data_dir).update() as slots:
        slots.put(name, password, ctx.db_key, ctx.settings.kdf)
        slots.clear_failures(name)


def disable_operator(ctx: Context, login_name: str) -> None:
    ctx.require(Permission.MANAGE_OPERATORS)
    name = normalise_login(login_name)
    if name == ctx.operator.login:
        raise UsageError("不能停用自己的账号", "you cannot disable your own account")
    with ctx.store.session() as s:
        op = s.scalar(select(Operator).where(Operator.login == name))
        if op is None:
            raise UsageError(f"没有登录名为 {name} 的账号", f"no operator {name}")
        remaining_admins = s.scalars(
            select(Operator).where(
                Operator.role == Role.ADMIN.value,
                Operator.disabled.is_(False),
                Operator.login != name,
            )
        ).all()
        if op.role == Role.ADMIN.value and not remaining_admins:
            raise UsageError("不能停用最后一个管理员", "cannot disable the last admin")
        op.disabled = True
        audit.append(s, ctx.operator.login, "operator_disable", detail={"login": name})
    with KeySlots(ctx.data_dir).update() as slots:
        slots.remove(name)  # without its slot the password no longer opens the database


def list_operators(ctx: Context) -> list[dict[str, object]]:
    with ctx.store.session() as s:
        return [
            {
                "login": o.login,
                "display_name": o.display_name,
                "role": o.role,
                "disabled": o.disabled,
                "last_login_at": o.last_login_at.isoformat() if o.last_login_at else None,
            }
            for o in s.scalars(select(Operator).order_by(Operator.login))
        ]


def approve(
    ctx: Context,
    login_name: str,
    password: str,
    permission: Permission,
    action: str,
    *,
    candidate_id: int | None = None,
    reason: str = "",
    detail: dict[str, object] | None = None,
) -> OperatorInfo:
    """A supervisor approves something at the operator's desk (审核员授权): checked against the
    supervisor's own password and role, and written to the audit chain under their name."""
    info = verify_password(ctx, login_name, password)
    with ctx.store.session() as s:
        if not allows(info.role, permission):
            raise PermissionDenied(
                f"{info.display_name}（{info.role.label_zh}）无权授权此操作",
                f"{info.login} ({info.role.value}) may not approve {permission.value}",
            )
        audit.append(
            s,
            info.login,
            action,
            candidate_id=candidate_id,
            reason=reason,
            detail={"at_desk_of": ctx.operator.login, **(detail or {})},
        )
    return info
