"""County users (县区用户), their roles, logins and sessions, for the review desk's pages.

Roles, each including the one before: a *clerk* (经办人) reviews and decides one candidate at a
time and exports lists; a *reviewer* (审核人) also decides in bulk, imports decisions from Excel,
publishes the 公示 lists and issues the stations' review files; an *admin* (管理员) also manages
the users and the deadline. Passwords are Argon2id hashes; five wrong passwords lock a login
for fifteen minutes. A session is a random token in an HttpOnly cookie, stored here only as its
SHA-256, with its own CSRF token; it ends after 30 minutes without a request or 12 hours in all.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, delete, select, update

from station.errors import UsageError
from sync.county import db


class CountyRole(StrEnum):
    CLERK = "clerk"
    REVIEWER = "reviewer"
    ADMIN = "admin"

    @property
    def label_zh(self) -> str:
        return {"clerk": "经办人", "reviewer": "审核人", "admin": "管理员"}[self.value]

    def includes(self, other: CountyRole) -> bool:
        order = [CountyRole.CLERK, CountyRole.REVIEWER, CountyRole.ADMIN]
        return order.index(self) >= order.index(other)


LOCK_AFTER = 5
LOCK_MINUTES = 15
IDLE_MINUTES = 30
SESSION_HOURS = 12
MIN_PASSWORD = 10
_LOGIN = re.compile(r"^[a-z0-9_.-]{2,32}\Z")
# RFC 9106's second recommended option, as the station's own password hashes.
_HASHER = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=2)
# Checked against when the login does not exist, so a wrong login costs as long as a wrong
# password and does not tell which logins exist.
_DUMMY = _HASHER.hash("not a password of anyone")


@dataclass(frozen=True, slots=True)
class CountyUser:
    id: int
    login: str
    name: str
    role: CountyRole

    def may(self, role: CountyRole) -> bool:
        return self.role.includes(role)


@dataclass(frozen=True, slots=True)
class Session:
    user: CountyUser
    csrf: str
    token_hash: str


class LoginRefused(Exception):
    """A login that did not succeed; ``message`` is what the page says (never which part)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


#: Argon2id takes 64 MiB a check: at most this many at once in a worker, so a flood of
#: logins cannot take the server's memory.
_HASHING = threading.BoundedSemaphore(4)


@contextlib.contextmanager
def _hashing() -> Iterator[None]:
    if not _HASHING.acquire(timeout=20):
        raise LoginRefused("服务器正忙，请稍后再试")
    try:
        yield
    finally:
        _HASHING.release()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def hasher(time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Use another Argon2id cost (tests and benchmarks only: the default is the floor)."""
    global _HASHER, _DUMMY
    _HASHER = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    _DUMMY = _HASHER.hash("not a password of anyone")


def add_user(engine: Engine, login: str, name: str, role: str, password: str) -> CountyUser:
    login = login.strip().lower()
    if not _LOGIN.match(login):
        raise UsageError(
            "登录名应为 2–32 位小写字母、数字、点、下划线或连字符",
            "a login is 2-32 lowercase letters, digits, '.', '_' or '-'",
        )
    if role not in CountyRole.__members__.values():
        raise UsageError(
            "角色应为 clerk（经办人）、reviewer（审核人）或 admin（管理员）",
            "role must be clerk, reviewer or admin",
        )
    if not name.strip() or len(name) > 60:
        raise UsageError("请填写姓名（不超过 60 字）", "give a name (at most 60 characters)")
    if len(password) < MIN_PASSWORD:
        raise UsageError(
            f"密码至少 {MIN_PASSWORD} 位", f"a password needs at least {MIN_PASSWORD} characters"
        )
    with engine.begin() as conn:
        if conn.execute(
            select(db.county_users.c.id).where(db.county_users.c.login == login)
        ).first():
            raise UsageError(f"登录名 {login} 已存在", f"login {login} exists already")
        new_id = conn.execute(
            db.county_users.insert().values(
                login=login,
                name=name.strip(),
                role=role,
                password_hash=_HASHER.hash(password),
                failed=0,
                created_at=_now(),
            )
        ).inserted_primary_key
    assert new_id is not None
    return CountyUser(int(new_id[0]), login, name.strip(), CountyRole(role))


def list_users(engine: Engine) -> list[dict[str, object]]:
    t = db.county_users
    with engine.connect() as conn:
        return [
            {
                "login": r.login,
                "name": r.name,
                "role": r.role,
                "disabled": r.disabled_at is not None,
                "locked": r.locked_until is not None and r.locked_until > _now(),
            }
            for r in conn.execute(select(t).order_by(t.c.login))
        ]


def disable_user(engine: Engine, login: str) -> None:
    """The user cannot log in any more, and every session of theirs ends now."""
    t = db.county_users
    with engine.begin() as conn:
        row = conn.execute(select(t.c.id).where(t.c.login == login.strip().lower())).first()
        if row is None:
            raise UsageError(f"没有用户 {login}", f"no user {login}")
        conn.execute(update(t).where(t.c.id == row.id).values(disabled_at=_now()))
        conn.execute(delete(db.county_sessions).where(db.county_sessions.c.user_id == row.id))


def log_in(engine: Engine, login: str, password: str) -> tuple[str, Session]:
    """A new session (its cookie token, and the session) or LoginRefused."""
    t = db.county_users
    now = _now()
    with engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.login == login.strip().lower())).first()
    if row is None or row.disabled_at is not None:
        with _hashing(), contextlib.suppress(VerificationError):
            _HASHER.verify(_DUMMY, password)
        raise LoginRefused("登录名或密码错误")
    if row.locked_until is not None and row.locked_until > now:
        minutes = max(1, int((row.locked_until - now).total_seconds() // 60) + 1)
        raise LoginRefused(f"密码错误次数过多，此账号已锁定，请 {minutes} 分钟后再试")
    try:
        with _hashing():
            _HASHER.verify(row.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        # Counted in the database, one statement per attempt: attempts made at once all
        # count (read-then-write let twenty parallel guesses pass as one).
        with engine.begin() as conn:
            failed = conn.execute(
                update(t)
                .where(t.c.id == row.id)
                .values(failed=t.c.failed + 1)
                .returning(t.c.failed)
            ).scalar_one()
            if failed >= LOCK_AFTER:
                conn.execute(
                    update(t)
                    .where(t.c.id == row.id)
                    .values(failed=0, locked_until=now + dt.timedelta(minutes=LOCK_MINUTES))
                )
        if failed >= LOCK_AFTER:
            raise LoginRefused(f"密码错误次数过多，此账号已锁定 {LOCK_MINUTES} 分钟") from None
        raise LoginRefused("登录名或密码错误") from None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(update(t).where(t.c.id == row.id).values(failed=0, locked_until=None))
        conn.execute(
            db.county_sessions.insert().values(
                token_hash=_token_hash(token),
                user_id=row.id,
                csrf=csrf,
                created_at=now,
                seen_at=now,
            )
        )
        # Sessions that ended long ago are not kept.
        conn.execute(
            delete(db.county_sessions).where(
                db.county_sessions.c.seen_at < now - dt.timedelta(hours=SESSION_HOURS)
            )
        )
    user = CountyUser(row.id, row.login, row.name, CountyRole(row.role))
    return token, Session(user, csrf, _token_hash(token))


def session_of(engine: Engine, token: str | None) -> Session | None:
    """The live session of this cookie token (its idle clock restarted), else None."""
    if not token or len(token) > 100:
        return None
    s, u = db.county_sessions, db.county_users
    now = _now()
    digest = _token_hash(token)
    with engine.begin() as conn:
        row = conn.execute(
            select(
                s.c.csrf,
                s.c.created_at,
                s.c.seen_at,
                u.c.id,
                u.c.login,
                u.c.name,
                u.c.role,
                u.c.disabled_at,
            )
            .join(u, u.c.id == s.c.user_id)
            .where(s.c.token_hash == digest)
        ).first()
        if row is None:
            return None
        expired = (
            row.disabled_at is not None
            or now - row.seen_at > dt.timedelta(minutes=IDLE_MINUTES)
            or now - row.created_at > dt.timedelta(hours=SESSION_HOURS)
        )
        if expired:
            conn.execute(delete(s).where(s.c.token_hash == digest))
            return None
        conn.execute(update(s).where(s.c.token_hash == digest).values(seen_at=now))
    user = CountyUser(row.id, row.login, row.name, CountyRole(row.role))
    return Session(user, row.csrf, digest)


def log_out(engine: Engine, session: Session) -> None:
    with engine.begin() as conn:
        conn.execute(
            delete(db.county_sessions).where(db.county_sessions.c.token_hash == session.token_hash)
        )
