"""The encrypted local store: SQLCipher through SQLAlchemy, WAL, durable commits, migrations.

``Store`` wraps one open database. It is opened with the 32-byte key that a key slot gave up
(:mod:`station.keyslots`); the schema is brought to the newest Alembic revision on every
open, after ``PRAGMA integrity_check`` has passed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from station.errors import NotInitialisedError, StoreError

DB_FILE = "station.db"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _engine(path: Path, key: bytes) -> Engine:
    # The dialect sends `pragma key="<password>"`; "x'<hex>'" is SQLCipher's raw-key form,
    # which skips its own PBKDF2: the key is already random and Argon2 guarded it.
    url = URL.create("sqlite+pysqlcipher", password=f"x'{key.hex()}'", database=str(path))
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        # SQLCipher logs decryption failures to stderr; we report them ourselves, in words.
        cur.execute("PRAGMA cipher_log_level=NONE")
        cur.execute("PRAGMA journal_mode=WAL")
        # FULL: in WAL mode NORMAL may lose the last commits on power loss, and a
        # registration point must not lose a record it said was saved.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()

    return engine


class Store:
    """One open station database."""

    def __init__(self, directory: Path, key: bytes) -> None:
        self.directory = directory
        self.path = directory / DB_FILE
        self.engine = _engine(self.path, key)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends, rolls back on any exception."""
        with self._sessions() as session, session.begin():
            yield session

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


def open_existing(directory: Path, key: bytes) -> Store:
    """Open, check and migrate; never create an empty database in place of a missing one."""
    path = directory / DB_FILE
    if not path.exists():
        raise NotInitialisedError(
            f"{directory} 中没有报名点数据库，请先运行 station init 或 station demo",
            f"no station database in {directory}; run `station init` or `station demo`",
        )
    store = Store(directory, key)
    try:
        check_integrity(store)
        migrate(store)
    except BaseException:
        store.close()
        raise
    return store


def check_integrity(store: Store) -> None:
    try:
        with store.engine.connect() as conn:
            rows = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
    except DatabaseError as exc:
        raise StoreError(
            f"数据库 {store.path} 无法解密或已损坏（{exc.orig}）",
            f"{store.path} cannot be decrypted or is damaged: {exc.orig}",
        ) from None
    if rows != ["ok"]:
        raise StoreError(
            f"数据库完整性检查失败：{rows[0]}（请从备份恢复，不要继续使用）",
            f"integrity check failed: {'; '.join(rows[:3])}",
        )


def migrate(store: Store) -> None:
    """Bring the schema to the newest revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def schema_revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DatabaseError:
            return None
