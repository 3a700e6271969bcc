"""The encrypted local store: SQLCipher through SQLAlchemy, WAL, durable commits, migrations.

``Store`` wraps one open database. It is opened with the 32-byte key that a key slot gave up
(:mod:`station.keyslots`); the schema is brought to the newest Alembic revision on every
open, after ``PRAGMA integrity_check`` of every table but the photos has passed. The photos
are checked in slices over the day (:mod:`station.integrity`).
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool, StaticPool

from station.errors import DiskFullError, NotInitialisedError, StoreError

DB_FILE = "station.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def held_for_statement(session: Session, model: type[Any], key: Any) -> Any:
    """The object of ``model`` with this primary key that ``session`` holds, or None; flushed
    first when it (or a new object of ``model``, not yet in the identity map) has changes not
    yet written. For code that reads and changes the row with plain statements (a save's
    counter and audit head, :mod:`station.regno`, :mod:`station.audit`): the statement then
    sees what the objects say, and the caller expires the held object's columns afterwards
    (:func:`expire_held`), so that it is read again rather than written back or trusted."""
    held = session.identity_map.get(session.identity_key(model, key))
    if (held is not None and held in session.dirty) or any(
        isinstance(o, model) for o in session.new
    ):
        session.flush()
    return held


def expire_held(session: Session, held: Any, *columns: str) -> None:
    """After a plain statement wrote the row of ``held``: its next read loads what the
    transaction holds (also after a savepoint rolled the statement back)."""
    if held is not None:
        session.expire(held, list(columns))


def _engine(path: Path, key: bytes, *, exclusive: bool = False) -> Engine:
    # The dialect sends `pragma key="<password>"`; "x'<hex>'" is SQLCipher's raw-key form,
    # which skips its own PBKDF2: the key is already random and Argon2 guarded it.
    url = URL.create("sqlite+pysqlcipher", password=f"x'{key.hex()}'", database=str(path))
    # hide_parameters: a failed statement's values (names, ID numbers) must not reach a log.
    # One connection when exclusive: a second one in this process would find the lock taken.
    # Otherwise a queue of connections, each used by one thread at a time: the dialect's
    # default (one connection per thread, at most five, closing the oldest thread's when a
    # sixth thread comes) could close a connection another thread is using; the desk works
    # from many threads (its operations, a form's own job thread, backups).
    pool: dict[str, Any] = (
        {"poolclass": StaticPool}
        if exclusive
        else {"poolclass": QueuePool, "connect_args": {"check_same_thread": False}}
    )
    engine = create_engine(url, hide_parameters=True, **pool)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:
        # Transactions are begun by us (below), not by the driver's own guesswork.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # SQLCipher logs decryption failures to stderr; we report them ourselves, in words.
        cur.execute("PRAGMA cipher_log_level=NONE")
        if exclusive:
            # Before WAL is touched: the WAL index then lives in this process's memory, not
            # in a -shm file that a full disk has no room for (sqlite.org/wal.html#noshm).
            cur.execute("PRAGMA locking_mode=EXCLUSIVE")
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: in WAL mode NORMAL may lose the last commits on power loss, and a
        # registration point must not lose a record it said was saved.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        # IMMEDIATE takes the write lock up front: two processes (desk and CLI) appending to
        # the audit chain wait for each other instead of failing half-way with "locked".
        # Reads (Store.read) begin deferred so that they never wait for a writer's lock.
        read_only = conn.get_execution_options().get("station_read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def apply_key(connection: Any, key: bytes) -> None:
    """Key a raw SQLCipher connection (a copy being written, a rotation's source): the raw-key
    form the engine uses too, and SQLCipher's own logging off (we report failures ourselves)."""
    connection.execute("PRAGMA cipher_log_level=NONE")
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")


def _forget(session: Session) -> None:
    for forget in session.info.pop("after_rollback", ()):
        forget()


class Store:
    """One open station database."""

    def __init__(self, directory: Path, key: bytes, *, exclusive: bool = False) -> None:
        self.directory = directory
        self.path = directory / DB_FILE
        self._key = key
        #: Opened for reading on a full disk: no other process can use the database meanwhile.
        self.exclusive = exclusive
        self.engine = _engine(self.path, key, exclusive=exclusive)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.cache: dict[str, Any] = {}  # per-open-store memos (e.g. photo hashes)
        # Opened after the last run stopped without closing (power cut, crash): every table
        # but the photos was checked, the photos are checked again before the next export
        # (station/integrity.py), and the desk says so.
        self.checked_after_unclean_stop = False
        self._readers = sessionmaker(
            self.engine.execution_options(station_read_only=True), expire_on_commit=False
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends, rolls back on any exception. A full
        disk is said in words (where, how much is free), and nothing of the unit is stored.
        When the unit fails, the callables in ``session.info["after_rollback"]`` are called
        (a memo that took in rows of the unit forgets them: their ids will be given again),
        before the rollback lets another writer in, or after a COMMIT that failed."""
        try:
            with self._sessions() as session:
                try:
                    with session.begin():
                        try:
                            yield session
                        except BaseException:
                            _forget(session)
                            raise
                except BaseException:
                    _forget(session)
                    raise
        except OperationalError as exc:
            full = disk_full(self.directory, exc)
            if full is None:
                raise
            raise full from None

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only look: never takes the write lock. (It ends with a COMMIT of nothing,
        not a rollback, so that the objects read stay usable after the block.)"""
        with self._readers() as session, session.begin():
            yield session

    def snapshot(self, target: Path, progress: Callable[[int, int], None] | None = None) -> None:
        """A consistent copy of the database at ``target``, encrypted with the same key,
        through SQLite's online backup API: other connections may go on writing meanwhile."""
        import sqlcipher3

        def step(_status: int, remaining: int, total: int) -> None:
            if progress is not None:
                progress(total - remaining, total)

        raw = self.engine.raw_connection()
        try:
            dest = sqlcipher3.connect(str(target))
            try:
                apply_key(dest, self._key)
                driver = raw.driver_connection
                assert driver is not None  # a live pooled connection
                driver.backup(dest, pages=2048, progress=step)
            finally:
                dest.close()
        finally:
            raw.close()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def create(directory: Path, key: bytes) -> Store:
    """Make a new, empty database; refuse to touch an existing one."""
    path = directory / DB_FILE
    if path.exists():
        raise StoreError(f"数据库 {path} 已存在", f"{path} exists already")
    directory.mkdir(parents=True, exist_ok=True)
    store = Store(directory, key)
    migrate(store)
    return store


def open_existing(
    directory: Path, key: bytes, *, full_check: bool | None = None, read_only: bool = False
) -> Store:
    """Open, check and migrate; never create an empty database in place of a missing one.

    The check on open is what is cheap and certain: the key opens the header, the schema is
    one this program knows, ``PRAGMA integrity_check`` of every table but the photos. The
    photos are checked in slices (:mod:`station.integrity`); this open starts a new pass of
    them when one is due (the first open of the day, an unclean stop). ``full_check`` True:
    the whole ``PRAGMA integrity_check`` now (it stands for a complete pass). ``read_only``:
    the caller only reads, so on a disk too full to open the database as usual it is opened
    for this process alone (:attr:`Store.exclusive`).
    """
    try:
        return _open_existing(directory, key, full_check=full_check, exclusive=False)
    except DiskFullError:
        if not read_only:
            raise
    return _open_existing(directory, key, full_check=full_check, exclusive=True)


def _open_existing(
    directory: Path, key: bytes, *, full_check: bool | None, exclusive: bool
) -> Store:
    path = directory / DB_FILE
    if not path.exists():
        raise NotInitialisedError(
            f"{directory} 中没有报名点数据库，请先运行 station init 或 station demo",
            f"no station database in {directory}; run `station init` or `station demo`",
        )
    if path.stat().st_size < MIN_DB_SIZE:
        raise StoreError(
            f"数据库 {path} 为空或不完整（{path.stat().st_size} 字节），请从备份恢复",
            f"{path} is empty or truncated",
        )
    unclean = _unclean_shutdown(path, key)
    store = Store(directory, key, exclusive=exclusive)
    store.checked_after_unclean_stop = unclean
    try:
        full = bool(full_check)
        check_integrity(store, full=full)
        revision = schema_revision(store)
        if revision is None:
            # A database only ever gets its schema from create(): never make one up here.
            raise StoreError(
                f"{path} 不是报名点数据库（没有版本信息），请从备份恢复", f"{path} has no schema"
            )
        if revision not in known_revisions():
            raise StoreError(
                f"数据库版本 {revision} 比本程序新，请安装新版程序后再打开",
                f"schema revision {revision} is newer than this program",
            )
        migrate(store)
        from station import integrity

        try:
            if full:
                integrity.note_full_check(store, ok=True)
            else:
                integrity.note_open(store, unclean=unclean)
        except DatabaseError as exc:
            # Only a note of what to check: on a full disk the next open notes it once
            # more, and reading goes on.
            if disk_full(directory, exc) is None:
                raise
    except DatabaseError as exc:
        store.close()
        raise disk_full(directory, exc) or StoreError(
            f"数据库 {path} 无法解密或已损坏（{exc.orig}）",
            f"{path} cannot be decrypted or is damaged: {exc.orig}",
        ) from None
    except BaseException:
        store.close()
        raise
    return store


#: Below this much free space a write may fail half way; SQLite then says "disk I/O error",
#: which must not be read as a damaged database.
LOW_SPACE_BYTES = 16 * 1024 * 1024


def disk_full(directory: Path, exc: Exception) -> DiskFullError | None:
    """A StoreError that says the disk is full, if that is what ``exc`` is; else None."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "not a database" in text:
        return None  # a wrong key (or not a database at all), whatever the free space
    try:
        free = shutil.disk_usage(directory).free
    except OSError:
        free = None
    if "disk is full" not in text and not (free is not None and free < LOW_SPACE_BYTES):
        return None
    left = f"{free // 2**20} MB" if free is not None else "?"
    return DiskFullError(
        f"磁盘已满：{directory} 所在磁盘只剩 {left}，请清理磁盘或换到更大的磁盘后再试"
        "（本次操作没有保存任何内容，已有数据完好）",
        f"the disk is full: {left} left where {directory} is; free some space and try again "
        "(nothing of this was stored; the data already there is intact)",
    )


#: When the whole database was last found intact: a complete pass of the photo check
#: (station/integrity.py) or a whole ``PRAGMA integrity_check``.
LAST_FULL_CHECK = "last_full_integrity_check"
# Tables too big to walk on every open: at 50,000 candidates the photos are 1.6 GB and a
# full integrity_check takes 8-93 s (docs/benchmarks.md); every other table well under that.
# They are checked in slices instead (station/integrity.py).
_BULK_TABLES = {"photos"}


def _unclean_shutdown(path: Path, key: bytes) -> bool:
    # In WAL mode the last connection to close checkpoints and deletes the -wal file; a
    # non-empty one left behind means the station stopped without closing (power, crash),
    # unless another process has the database open right now (the desk, while a command
    # runs beside it): then the -wal is its work in progress.
    wal = path.with_name(path.name + "-wal")
    if not (wal.exists() and wal.stat().st_size > 0):
        return False
    return not open_elsewhere(path, key)


def open_elsewhere(path: Path, key: bytes) -> bool:
    """Whether another connection (another process, or another store in this one) has the
    database open now. In WAL mode every open connection holds a shared lock on the file, and
    the operating system lets go of it when a process dies: a connection that asks for the
    file alone (``locking_mode=EXCLUSIVE``, no waiting) is refused at once while anyone has it
    open. When it is not refused it was alone, and closing it puts the -wal into the
    database, as any last connection does."""
    import sqlcipher3

    probe = sqlcipher3.connect(str(path), timeout=0)
    try:
        apply_key(probe, key)
        probe.execute("PRAGMA locking_mode=EXCLUSIVE")
        probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        # Anything but a lock (a wrong key, damage) is for the checks that follow to say.
        text = str(exc).lower()
        return "locked" in text or "busy" in text
    finally:
        with contextlib.suppress(sqlcipher3.Error):  # its checkpoint, on a full disk
            probe.close()
    return False


def full_check_due(store: Store) -> bool:
    """Whether a new pass of the photo check is due (the first open of the day, or the date
    of the last one unknown); the open that finds it due starts it."""
    from station import integrity

    return integrity.pass_due(integrity.read_state(store))


def check_integrity(store: Store, *, full: bool = True) -> None:
    """``PRAGMA integrity_check`` of everything, or of every table but the bulk ones (the
    photos: station/integrity.py checks them in slices)."""
    try:
        with store.engine.connect() as conn:
            try:
                rows = _integrity_rows(conn, full)
            except DatabaseError:
                # SQLCipher leaves a connection that met a page failing its HMAC unusable:
                # it must not go back to the pool for the next unit of work.
                conn.invalidate()
                raise
    except DatabaseError as exc:
        raise disk_full(store.directory, exc) or StoreError(
            f"数据库 {store.path} 无法解密或已损坏（{exc.orig}）",
            f"{store.path} cannot be decrypted or is damaged: {exc.orig}",
        ) from None
    if rows != ["ok"]:
        raise StoreError(
            f"数据库完整性检查失败：{rows[0]}（请从备份恢复，不要继续使用）",
            f"integrity check failed: {'; '.join(rows[:3])}",
        )


def _integrity_rows(conn: Any, full: bool) -> list[str]:
    if full:
        return [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
    tables = [
        r[0]
        for r in conn.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        )
        if r[0] not in _BULK_TABLES
    ]
    rows: list[str] = []
    for table in tables:
        rows += [r[0] for r in conn.execute(text(f'PRAGMA integrity_check("{table}")'))]
    return [r for r in rows if r != "ok"] or ["ok"]


def get_state(store: Store, name: str) -> str | None:
    with store.engine.connect() as conn:
        try:
            return conn.execute(
                text("SELECT value FROM station_state WHERE name = :n"), {"n": name}
            ).scalar()
        except DatabaseError:  # before the migration that made the table
            return None


def set_state(store: Store, name: str, value: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            text("INSERT OR REPLACE INTO station_state (name, value) VALUES (:n, :v)"),
            {"n": name, "v": value},
        )


MIN_DB_SIZE = 1024  # SQLCipher's smallest page; anything shorter holds no station


def known_revisions() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return {rev.revision for rev in ScriptDirectory.from_config(cfg).walk_revisions()}


_MIGRATE_LOCK = threading.Lock()


def migrate(store: Store) -> None:
    """Bring the schema to the newest revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Alembic's command installs a module-wide proxy (alembic.context) and removes it after:
    # two stores opened at once in one process (two stations uploading side by side) would
    # remove each other's and fail with KeyError('config').
    with _MIGRATE_LOCK, store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def revision_in(session: Session) -> str | None:
    """The schema revision, read inside a session the caller already holds."""
    return session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def schema_revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DatabaseError:
            return None
