"""The photo check (照片数据检查): the photos table verified in slices over the day.

A login checks what is cheap and certain (the key opens the header, the schema is known,
``PRAGMA integrity_check`` of every table but the photos: :func:`station.database.open_existing`).
The photos are nine tenths of the file, and a full ``integrity_check`` walks all of them in
one go (93 s at 50,000 candidates on a slow station), so they are checked here instead, one
*slice* at a time, each a few tenths of a second:

* every photo of the slice is read in full, in photo id (rowid) order. SQLCipher checks every
  page it decrypts against its HMAC, so a changed or damaged page of the slice cannot be
  read; the JPEG read must also match the SHA-256 stored with it (a page that belongs to
  another row shows up here);
* every index of the photos table must hold exactly the table's values for the slice's ids.

A *pass* walks every photo once. One starts on the first open of the day (24 hours after the
last one began), after an unclean stop (a non-empty ``-wal`` left behind) and on demand
(``station integrity --restart``). The desk runs the slices in the background after a login
(:func:`background_slice`); ``station integrity`` runs the rest at once. Progress lives in
``station_state`` (:data:`STATE`), so a pass goes on across logins and processes; a pass and
its failure are written to the audit chain (``integrity_check_passed`` /
``integrity_check_failed``). ``station doctor`` shows where it stands (:func:`status`).

An export never starts on a store whose last check failed, and after an unclean stop the
photos are checked to the end before anything is exported (:func:`before_export`).

What a pass leaves out of ``PRAGMA integrity_check(photos)``: whether every page of the file
belongs to exactly one b-tree or the free list. ``station integrity --full`` runs the whole
``PRAGMA integrity_check`` in one go for that.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import DatabaseError, OperationalError

from station import audit, database
from station.errors import DiskFullError, StationError, StoreError

if TYPE_CHECKING:
    from station.auth import Context

log = logging.getLogger(__name__)

#: The ``station_state`` row that holds the pass (JSON, :class:`PhotoCheck`).
STATE = "photo_check"
#: A new pass is due this long after the last one began (the first open of the day).
PASS_EVERY = dt.timedelta(hours=24)
#: A pass still going this long after it began needs attention (the desk is never open long
#: enough to finish it): ``station doctor`` says so.
PASS_LATE = dt.timedelta(hours=48)
#: The time one slice may take (it ends after the photo that crosses it).
SLICE_SECONDS = 0.25
#: How long the desk waits after a login before the first slice, and between slices. The
#: first wait keeps the login's own work (the queue, the warm-up) first.
FIRST_SLICE_AFTER_MS = 60_000
SLICE_EVERY_MS = 2_000
#: With no pass under way, how often the desk looks whether the next one is due (a desk left
#: open past the day).
IDLE_EVERY_MS = 600_000

PASSED = "integrity_check_passed"
FAILED = "integrity_check_failed"

DAILY, UNCLEAN, ON_DEMAND, FULL = "daily", "unclean", "on demand", "full"

#: What a pass can find, in words.
PROBLEMS = {
    "unreadable": ("无法读取（数据页校验失败）", "cannot be read (a page fails its check)"),
    "content": ("照片内容与保存时的校验值不符", "the photo does not match its stored SHA-256"),
    "index": ("索引与照片表不一致", "an index does not match the photos table"),
    "database": ("完整性检查未通过", "the integrity check failed"),
}


@dataclass(slots=True)
class PhotoCheck:
    """Where the photo check stands: the current (or last) pass, and the last failure."""

    started: str = ""  # when this pass began (ISO, UTC); "" before the first
    trigger: str = ""  # DAILY | UNCLEAN | ON_DEMAND | FULL
    upto: int = 0  # the highest photo id this pass has checked
    checked: int = 0  # photos this pass has checked
    finished: str = ""  # when this pass ended ("" while it goes on)
    failed_at: str = ""  # when the last check found damage ("" none since the last pass)
    failed_photo: int = 0  # the photo id at (or just after) the damage
    problem: str = ""  # a key of PROBLEMS
    detail: str = ""  # what SQLite said, or which index

    @property
    def in_progress(self) -> bool:
        return bool(self.started) and not self.finished

    @property
    def failed(self) -> bool:
        return bool(self.failed_at)

    @property
    def complete(self) -> bool:
        return bool(self.finished) and not self.failed

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str | None) -> PhotoCheck:
        if not raw:
            return cls()
        try:
            values = json.loads(raw)
            known = {f.name for f in dataclasses.fields(cls)}
            return cls(**{k: v for k, v in values.items() if k in known})
        except (ValueError, TypeError, AttributeError):
            return cls()  # unreadable: as if no pass had run, so one starts

    def damaged_words(self) -> tuple[str, str]:
        """What the failure is in: the photo data, or (the whole check) the database."""
        if self.problem == "database":
            return "数据库", "database"
        return "照片数据", "photo data"

    def problem_words(self) -> tuple[str, str]:
        zh, en = PROBLEMS.get(self.problem, PROBLEMS["database"])
        where_zh = f"照片编号 {self.failed_photo} 处：" if self.failed_photo else ""
        where_en = f"at photo {self.failed_photo}: " if self.failed_photo else ""
        more = f"（{self.detail}）" if self.detail else ""
        return f"{where_zh}{zh}{more}", f"{where_en}{en}" + (
            f" ({self.detail})" if self.detail else ""
        )


@dataclass(frozen=True, slots=True)
class Status:
    """The check as ``station doctor`` and the export see it."""

    state: PhotoCheck
    photos: int  # photos in the table now
    remaining: int  # photos this pass has still to check

    @property
    def percent(self) -> int:
        if not self.state.in_progress:
            return 100 if self.state.finished else 0
        total = self.state.checked + self.remaining
        return 100 if total == 0 else min(99, self.state.checked * 100 // total)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _when(iso: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(iso)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def local_time(iso: str) -> str:
    """``iso`` (UTC) as the station's local clock shows it, to the minute."""
    when = _when(iso)
    return "?" if when is None else when.astimezone().strftime("%Y-%m-%d %H:%M")


# --- the stored state ----------------------------------------------------------------------


def read_state(store: database.Store) -> PhotoCheck:
    return PhotoCheck.from_json(database.get_state(store, STATE))


def _write(conn: Connection, state: PhotoCheck) -> None:
    conn.execute(
        text("INSERT OR REPLACE INTO station_state (name, value) VALUES (:n, :v)"),
        {"n": STATE, "v": state.to_json()},
    )


def _stored_in(conn: Connection) -> PhotoCheck:
    raw = conn.execute(
        text("SELECT value FROM station_state WHERE name = :n"), {"n": STATE}
    ).scalar()
    return PhotoCheck.from_json(raw)


def pass_due(state: PhotoCheck, now: dt.datetime | None = None) -> bool:
    """A new pass is due when none goes on and the last began a day ago (or never)."""
    if state.in_progress:
        return False
    began = _when(state.started) if state.started else None
    return began is None or (now or _now()) - began >= PASS_EVERY


def late(state: PhotoCheck, now: dt.datetime | None = None) -> bool:
    """A pass still going :data:`PASS_LATE` after it began."""
    began = _when(state.started) if state.in_progress else None
    return began is not None and (now or _now()) - began >= PASS_LATE


def _new_pass(old: PhotoCheck, trigger: str, now: dt.datetime) -> PhotoCheck:
    # The last failure stays until a pass ends without one: until then no export. So does
    # an unclean stop's claim on the next export, when its pass is started again.
    if old.in_progress and old.trigger == UNCLEAN:
        trigger = UNCLEAN
    return PhotoCheck(
        started=now.isoformat(),
        trigger=trigger,
        failed_at=old.failed_at,
        failed_photo=old.failed_photo,
        problem=old.problem,
        detail=old.detail,
    )


def note_open(store: database.Store, *, unclean: bool) -> None:
    """What an open of the store means for the photo check (called by
    :func:`station.database.open_existing`): after an unclean stop a pass starts again from
    the first photo and must end before the next export; on the first open of the day a
    daily pass starts. Otherwise nothing is written (no write lock is taken)."""

    def change(state: PhotoCheck, now: dt.datetime) -> PhotoCheck | None:
        if unclean and not (state.in_progress and state.trigger == UNCLEAN):
            # (An unclean pass already under way goes on: a -wal is also what a desk still
            # open leaves to a command run beside it.)
            return _new_pass(state, UNCLEAN, now)
        if pass_due(state, now):
            return _new_pass(state, DAILY, now)
        return None

    if change(read_state(store), _now()) is None:
        return
    with store.engine.begin() as conn:
        new = change(_stored_in(conn), _now())
        if new is not None:
            _write(conn, new)


def note_full_check(store: database.Store, ok: bool, problem: str = "") -> PhotoCheck:
    """A whole ``PRAGMA integrity_check`` ran: it stands for a complete pass."""
    now = _now().isoformat()
    with store.engine.begin() as conn:
        count, high = conn.execute(text("SELECT count(*), max(id) FROM photos")).one()
        done = PhotoCheck(started=now, trigger=FULL, upto=high or 0, checked=count, finished=now)
        if not ok:
            done.failed_at, done.problem, done.detail = now, "database", problem[:160]
        _write(conn, done)
        if ok:
            conn.execute(
                text("INSERT OR REPLACE INTO station_state (name, value) VALUES (:n, :v)"),
                {"n": database.LAST_FULL_CHECK, "v": now},
            )
    return done


def full_check(ctx: Context) -> PhotoCheck:
    """The whole ``PRAGMA integrity_check`` now (``station integrity --full``): slow, and
    the only check of which b-tree or the free list each page of the file belongs to. Its
    outcome stands for a pass, and goes to the audit chain like one."""
    started = _now().isoformat()
    try:
        database.check_integrity(ctx.store, full=True)
    except DiskFullError:
        raise
    except StoreError as exc:
        state = note_full_check(ctx.store, ok=False, problem=exc.message_en)
    else:
        state = note_full_check(ctx.store, ok=True)
    with ctx.store.session() as s:
        detail: dict[str, object] = {"scope": "all", "trigger": FULL, "started": started}
        if state.failed:
            detail |= {"problem": state.problem, "detail": state.detail}
        audit.append(s, ctx.operator.login, FAILED if state.failed else PASSED, detail=detail)
    return state


def status(store: database.Store) -> Status:
    state = read_state(store)
    with store.engine.connect() as conn:
        photos = conn.execute(text("SELECT count(*) FROM photos")).scalar() or 0
        remaining = (
            conn.execute(
                text("SELECT count(*) FROM photos WHERE id > :upto"), {"upto": state.upto}
            ).scalar()
            or 0
        )
    return Status(state, photos, remaining if state.in_progress else 0)


# --- one slice -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Found:
    upto: int  # the last photo id read intact
    checked: int
    end: bool  # the slice reached the last photo
    problem: str = ""
    photo: int = 0
    detail: str = ""


#: Columns of the photos table an index may hold (everything but the JPEG itself).
_KEY_COLUMNS = ("id", "candidate_id", "sha256", "phash", "flag", "flag_cleared_by")

#: The conditions of the partial indexes on photos this program makes (migration 0013), as
#: SQLite keeps them, with the same test on a row read from the table (``_KEY_COLUMNS``).
_PARTIAL: dict[str, Callable[[tuple[Any, ...]], bool]] = {
    "flag != ''": lambda row: row[4] != "",
}


@dataclass(frozen=True, slots=True)
class _Index:
    name: str
    columns: list[str]  # empty: an index of an expression, not checked here
    where: str = ""  # a partial index's condition, as SQL ("" for a whole index)


def _photo_indexes(conn: Connection) -> list[_Index]:
    """Every index on photos: its name, its plain columns, and a partial one's condition."""
    out: list[_Index] = []
    for row in conn.exec_driver_sql("PRAGMA index_list(photos)").fetchall():
        name = str(row[1])
        info = conn.exec_driver_sql(f'PRAGMA index_info("{name}")').fetchall()
        columns = [str(c[2]) for c in info if c[2] is not None]
        where = ""
        if bool(row[4]):  # partial: holds only the rows its condition picks
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
            ).scalar()
            found = re.search(r"\bWHERE\b(.*)$", str(sql or ""), re.IGNORECASE | re.DOTALL)
            where = " ".join(found.group(1).split()) if found else "?"
        out.append(_Index(name, columns if len(columns) == len(info) else [], where))
    return out


@contextmanager
def _reading(store: database.Store) -> Iterator[Connection]:
    """One read transaction (deferred: never waits for a writer), ended by a rollback: a
    commit would repeat the error of a read that met a damaged page."""
    with store.engine.connect() as raw:
        conn = raw.execution_options(station_read_only=True)
        transaction = conn.begin()
        try:
            yield conn
        finally:
            if not conn.invalidated:
                transaction.rollback()


def _check_slice(store: database.Store, after: int, budget: float) -> _Found:
    """Read the photos after id ``after`` until ``budget`` seconds have passed, then match
    every index against what was read, all in one read transaction. A read that fails for
    another reason than damage (a full disk, a lock) raises."""
    deadline = time.perf_counter() + budget
    found = _Found(upto=after, checked=0, end=False)
    rows: list[tuple[Any, ...]] = []
    reading = True
    with _reading(store) as conn:
        try:
            indexes = _photo_indexes(conn)
            _read_photos(conn, after, deadline, found, rows)
            reading = False
            if not found.problem:
                high = None if found.end else found.upto
                wrong = _index_mismatch(conn, indexes, rows, after, high)
                if wrong:
                    found.problem, found.photo, found.detail = "index", after + 1, wrong
        except DatabaseError as exc:
            if not _is_damage(store, exc):
                raise
            found.problem, found.detail = "unreadable", str(exc.orig)[:160]
            found.photo = found.upto + 1 if reading else after + 1
            # SQLCipher leaves a connection that met a bad page unusable: the pool must not
            # hand it to the next unit of work.
            conn.invalidate()
    return found


def _read_photos(
    conn: Connection, after: int, deadline: float, found: _Found, rows: list[tuple[Any, ...]]
) -> None:
    """Every photo after id ``after``, in id order, until ``deadline``: its JPEG read in
    full (every page of it decrypted and checked) and matched against its SHA-256; the
    other columns kept in ``rows`` for the index check."""
    result = conn.exec_driver_sql(
        "SELECT id, candidate_id, sha256, phash, flag, flag_cleared_by, jpeg "
        "FROM photos NOT INDEXED WHERE id > ? ORDER BY id",
        (after,),
    )
    try:
        while True:
            row = result.fetchone()
            if row is None:
                found.end = True
                return
            key, jpeg = tuple(row[:6]), row[6]
            if hashlib.sha256(jpeg).hexdigest() != key[2]:
                found.problem, found.photo = "content", int(key[0])
                return
            rows.append(key)
            found.upto, found.checked = int(key[0]), found.checked + 1
            if time.perf_counter() >= deadline:
                return
    finally:
        result.close()


def _index_mismatch(
    conn: Connection,
    indexes: Sequence[_Index],
    rows: Sequence[tuple[Any, ...]],
    low: int,
    high: int | None,
) -> str:
    """The name of the first index whose entries for ids in (low, high] differ from the
    table's ``rows``; "" when all agree."""
    where = "id > ?" + ("" if high is None else " AND id <= ?")
    params: tuple[int, ...] = (low,) if high is None else (low, high)
    for index in indexes:
        if not index.columns or any(c not in _KEY_COLUMNS for c in index.columns):
            continue  # an index of an expression: left to `--full`
        picks = _PARTIAL.get(index.where) if index.where else None
        if index.where and picks is None:
            continue  # a partial index of a condition this program did not make: `--full`
        picked = [_KEY_COLUMNS.index(c) for c in index.columns]
        table = Counter((*(r[i] for i in picked), r[0]) for r in rows if picks is None or picks(r))
        listed = ", ".join(f'"{c}"' for c in index.columns)
        # A partial index is used only by a query that states its condition.
        condition = f"{where} AND ({index.where})" if index.where else where
        entries = Counter(
            tuple(r)
            for r in conn.exec_driver_sql(
                f'SELECT {listed}, id FROM photos INDEXED BY "{index.name}" WHERE {condition}',
                params,
            )
        )
        if entries != table:
            return index.name
    return ""


def _is_damage(store: database.Store, exc: DatabaseError) -> bool:
    """Whether a failed read means a damaged store, not a busy or full one."""
    if database.disk_full(store.directory, exc) is not None:
        return False
    said = str(exc.orig).lower()
    busy = isinstance(exc, OperationalError) and ("locked" in said or "busy" in said)
    return not busy


def run_slice(ctx: Context, budget: float = SLICE_SECONDS) -> PhotoCheck:
    """Check the next slice of the pass under way (starting the pass that is due, if any);
    the state after it. A pass that reaches its end, or finds damage, is written to the
    audit chain. Nothing to do: the state as it is."""
    store = ctx.store
    state = read_state(store)
    if not state.in_progress:
        if not pass_due(state):
            return state
        with store.engine.begin() as conn:
            state = _stored_in(conn)
            if pass_due(state):
                state = _new_pass(state, DAILY, _now())
                _write(conn, state)
        if not state.in_progress:
            return state
    found = _check_slice(store, state.upto, budget)
    return _record(ctx, state, found)


def _record(ctx: Context, seen: PhotoCheck, found: _Found) -> PhotoCheck:
    """Store what a slice found, unless another process moved the pass on meanwhile (then
    its state stands: the same photos were checked twice, nothing else)."""
    now = _now().isoformat()
    with ctx.store.session() as s:
        conn = s.connection()
        state = _stored_in(conn)
        if state.started != seen.started or state.upto != seen.upto or state.finished:
            return state
        state.upto, state.checked = found.upto, state.checked + found.checked
        if found.problem:
            state.finished = state.failed_at = now
            state.failed_photo, state.problem, state.detail = (
                found.photo,
                found.problem,
                found.detail,
            )
            audit.append(
                s,
                ctx.operator.login,
                FAILED,
                detail={
                    "scope": "photos",
                    "trigger": state.trigger,
                    "started": state.started,
                    "photo": found.photo,
                    "problem": found.problem,
                    "detail": found.detail,
                },
            )
            log.error(
                "photo check failed at photo %s: %s %s", found.photo, found.problem, found.detail
            )
        elif found.end:
            state.finished = now
            # A clean photo pass lifts only a photo failure: damage the whole check found
            # elsewhere (another table, the free list) stays until a whole check passes.
            if state.problem != "database":
                state.failed_at, state.failed_photo, state.problem, state.detail = "", 0, "", ""
            conn.execute(
                text("INSERT OR REPLACE INTO station_state (name, value) VALUES (:n, :v)"),
                {"n": database.LAST_FULL_CHECK, "v": now},
            )
            audit.append(
                s,
                ctx.operator.login,
                PASSED,
                detail={
                    "scope": "photos",
                    "trigger": state.trigger,
                    "started": state.started,
                    "photos": state.checked,
                },
            )
        _write(conn, state)
        return state


# --- the whole pass at once, the desk's background, the export ------------------------------


Progress = Callable[[int, int], None]


def finish_now(
    ctx: Context,
    progress: Progress | None = None,
    *,
    restart: bool = False,
    cancelled: Callable[[], bool] | None = None,
) -> PhotoCheck:
    """Run the rest of the pass under way (or the one due; ``restart``: a new one from the
    first photo) to its end; ``progress(checked, photos)`` after each slice. Stops early
    when ``cancelled()`` says so (the pass then goes on where it stopped)."""
    if restart:
        with ctx.store.engine.begin() as conn:
            _write(conn, _new_pass(_stored_in(conn), ON_DEMAND, _now()))
    while True:
        if cancelled is not None and cancelled():
            return read_state(ctx.store)
        state = run_slice(ctx, budget=1.0)
        if progress is not None:
            now = status(ctx.store)
            progress(now.state.checked, now.state.checked + now.remaining)
        if not state.in_progress:
            return state


@dataclass(frozen=True, slots=True)
class SliceOutcome:
    """What a background slice leaves the desk: whether there is more to check, and the
    damage the check has found (:func:`damage_notice`), which the desk says at once."""

    more: bool
    damage: StoreError | None = None


def background_slice(ctx: Context) -> SliceOutcome:
    """One slice for the desk's background (a small time budget: the desk stays quick).
    ``more`` while there is more to do; a full disk or a busy store is tried again later,
    anything else is logged and left to the next login (or ``station integrity``)."""
    try:
        state = run_slice(ctx)
    except DiskFullError as exc:
        log.warning("photo check slice not run: %s", exc.message_en)
        return SliceOutcome(True)
    except OperationalError as exc:
        if "locked" in str(exc.orig).lower() or "busy" in str(exc.orig).lower():
            return SliceOutcome(True)
        log.exception("photo check slice")
        return SliceOutcome(False)  # not again in this login: the next one (or `station integrity`)
    except (DatabaseError, StationError):
        log.exception("photo check slice")
        return SliceOutcome(False)
    return SliceOutcome(state.in_progress, damage_notice(state) if state.failed else None)


def damage_notice(state: PhotoCheck) -> StoreError:
    """What the desk says when the check has found damage: the operator stops entering
    records on a store that may lose them, and a supervisor knows what to do."""
    where_zh, where_en = state.problem_words()
    what_zh, what_en = state.damaged_words()
    return StoreError(
        f"数据库检查发现{what_zh}损坏（{where_zh}），本机的导出已停止。请停止录入，"
        "联系审核员运行 station doctor 查看，并从备份恢复（station restore）",
        f"the database check found damaged {what_en} ({where_en}); exports from this station "
        "are stopped. Stop entering records and ask a supervisor to run `station doctor` and "
        "restore from a backup (`station restore`)",
    )


def refusal(state: PhotoCheck) -> StoreError:
    """Why an export does not start on a store whose last check failed, and what to do."""
    where_zh, where_en = state.problem_words()
    what_zh, what_en = state.damaged_words()
    when = local_time(state.failed_at)
    return StoreError(
        f"不能导出：{when} 的数据库检查发现{what_zh}损坏（{where_zh}）。"
        "请运行 station doctor 查看，并从备份恢复（station restore）后再导出；"
        "不要继续在本机录入",
        f"export refused: the database check of {when} found damaged {what_en} ({where_en}); "
        "see `station doctor`, restore from a backup (`station restore`), then export",
    )


def before_export(ctx: Context, progress: Progress | None = None) -> None:
    """Refuse an export on a store whose last check failed; after an unclean stop, check
    the rest of the photos first (``progress`` as it goes; the operator's ``cancelled()``,
    when ``progress`` has one, stops it and the export)."""
    state = read_state(ctx.store)
    if state.failed:
        raise refusal(state)
    if not (state.in_progress and state.trigger == UNCLEAN):
        return
    cancelled = getattr(progress, "cancelled", None)
    state = finish_now(ctx, progress, cancelled=cancelled if callable(cancelled) else None)
    if state.failed:
        raise refusal(state)
    if state.in_progress:
        left = status(ctx.store)
        raise StationError(
            f"导出已取消：上次没有正常退出，导出前须先检查全部照片（已完成 {left.percent}%），"
            "再次导出时接着检查",
            f"export cancelled: after an unclean stop every photo is checked before an export "
            f"({left.percent}% done); the next export goes on from there",
        )
