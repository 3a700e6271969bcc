"""The county database (县区库): its own metadata, SQLite by default, PostgreSQL by URL.

Every version a station sent is kept (``versions``); ``candidates`` holds the latest version
per (station, 报名号) with the county's review decision. The schema is created on first use;
it is version 1 of the county store and will get migrations when it first changes.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Row,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    any_,
    bindparam,
    create_engine,
    event,
    exc,
    make_url,
    select,
)

from station.errors import UsageError

metadata = MetaData()

stations = Table(
    "stations",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("county", String(6), nullable=False),
    Column("name", String(100), nullable=False),
    Column("ed25519", LargeBinary, nullable=False),
    Column("fingerprint", String(40), nullable=False),
    Column("registered_at", DateTime, nullable=False),
)

batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("station", String(16), ForeignKey("stations.code"), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Column("created_at", String(40), nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("record_count", Integer, nullable=False),
    Column("audit_head", String(64), nullable=True),  # last audit hash the station has sent
    Column("manifest", Text, nullable=False),
    UniqueConstraint("station", "sequence"),
)

versions = Table(
    "versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("station", String(16), nullable=False),
    Column("registration_no", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("canonical", Text, nullable=False),
    Column("id_number", String(18), nullable=False, index=True),
    Column("name", String(60), nullable=False),
    Column("photo_sha256", String(64), nullable=True),
    Column("frozen_at", String(40), nullable=False),
    Column("batch_id", Integer, ForeignKey("batches.id"), nullable=False),
    UniqueConstraint("station", "registration_no", "version"),
)

photos = Table(
    "photos",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("jpeg", LargeBinary, nullable=False),
)

candidates = Table(
    "candidates",
    metadata,
    Column("station", String(16), primary_key=True),
    Column("registration_no", String(32), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("id_number", String(18), nullable=False, index=True),
    Column("name", String(60), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("password_hash", String(200), nullable=True),
    Column("password_question", String(100), nullable=True),
    Column("password_answer_hash", String(200), nullable=True),
    Column("state", String(16), nullable=False),  # received | approved | rejected
    Column("reason", String(200), nullable=False, default=""),
    Column("allocation", String(16), nullable=True),  # 分配生: granted | denied | None
    Column("updated_at", DateTime, nullable=False),
)


# A station the county has stopped taking batches from (a lost or stolen PC, a point closed):
# its requests to the intake service are refused until it is enabled again. A table of its
# own, so that a database made before it gains it by create_all.
station_access = Table(
    "station_access",
    metadata,
    Column("code", String(16), ForeignKey("stations.code"), primary_key=True),
    Column("disabled_at", DateTime, nullable=False),
    Column("reason", String(200), nullable=False),
)

# The nonces of signed requests seen inside the replay window (sync/request_auth.py), shared
# by every worker of the intake service; older rows are pruned.
request_nonces = Table(
    "request_nonces",
    metadata,
    Column("station", String(16), primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("seen_at", DateTime, nullable=False, index=True),
)


# --- the review desk (sync/county/web.py) ---------------------------------------------------

county_users = Table(
    "county_users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(32), nullable=False, unique=True),
    Column("name", String(60), nullable=False),
    Column("role", String(16), nullable=False),  # clerk | reviewer | admin
    Column("password_hash", String(200), nullable=False),
    Column("failed", Integer, nullable=False, default=0),
    Column("locked_until", DateTime, nullable=True),
    Column("disabled_at", DateTime, nullable=True),
    Column("created_at", DateTime, nullable=False),
)

county_sessions = Table(
    "county_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the cookie's token
    Column("user_id", Integer, ForeignKey("county_users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("seen_at", DateTime, nullable=False, index=True),
)

# Every decision, appended: who, when, on which version, what and why, and the state before.
review_log = Table(
    "review_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("login", String(32), nullable=False),
    Column("station", String(16), nullable=False),
    Column("registration_no", String(32), nullable=False),
    Column("version", Integer, nullable=False),
    Column("decision", String(16), nullable=False),
    Column("reason", String(200), nullable=False),
    Column("allocation", String(16), nullable=True),
    Column("previous", String(16), nullable=False),
    Index("ix_review_log_candidate", "station", "registration_no"),
)

# What the review lists filter on, per candidate, from its latest version (kept by ingest;
# a database from before it is indexed when the service starts). A table of its own, so
# that create_all adds it to an existing database.
review_index = Table(
    "review_index",
    metadata,
    Column("station", String(16), primary_key=True),
    Column("registration_no", String(32), primary_key=True),
    Column("name", String(60), nullable=False, index=True),
    Column("initials", String(60), nullable=False, index=True),
    Column("school_code", String(20), nullable=False, index=True),
    Column("school_name", String(100), nullable=False),
    Column("category", String(16), nullable=False, index=True),
    Column("allocation_applied", Boolean, nullable=False),
    Column("photo_sha256", String(64), nullable=True),
    Column("phash", String(16), nullable=True),  # perceptual hash, filled in the background
    # The same ID number is registered at another station too (一人多点报名), kept by ingest.
    Column("duplicate", Boolean, nullable=False, default=False, index=True),
)

# Prefix search (LIKE '龙%') on PostgreSQL uses a plain index only in the C collation; these
# serve it in any (a county server set up in zh_CN.UTF-8).
for _column in ("name", "initials"):
    Index(
        f"ix_review_index_{_column}_prefix",
        review_index.c[_column],
        postgresql_ops={_column: "text_pattern_ops"},
    ).ddl_if(dialect="postgresql")

# Indexes added to tables that databases made before them already have.
LATE_INDEXES = (
    # The review desk finds a candidate by 报名号 alone (the key starts with the station).
    Index("ix_candidates_registration_no", candidates.c.registration_no),
)

county_settings = Table(
    "county_settings",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)


# Review files issued to each station, numbered: a station applies them in order and refuses
# an older one (a newer decision is never undone by an old file).
review_issues = Table(
    "review_issues",
    metadata,
    Column("station", String(16), primary_key=True),
    Column("sequence", Integer, primary_key=True, autoincrement=False),
    Column("issued_at", DateTime, nullable=False),
)


def _event_columns() -> list[Column[Any]]:
    """The columns of one station audit event after its key (fresh objects per table)."""
    return [
        Column("at", String(40), nullable=False),
        Column("actor", String(32), nullable=False),
        Column("action", String(32), nullable=False),
        Column("candidate_id", Integer, nullable=True),
        Column("version", Integer, nullable=True),
        Column("reason", Text, nullable=False),
        Column("detail", Text, nullable=False),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
    ]


audit_events = Table(
    "audit_events",
    metadata,
    Column("station", String(16), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    *_event_columns(),
)

# Audit events of a station's abandoned branch: after a station was restored from a backup
# older than its last export and resynced, its chain continues from an earlier event, and
# the events the county held after that point are kept here, not deleted.
superseded_audit_events = Table(
    "superseded_audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("station", String(16), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    *_event_columns(),
    Column("superseded_by", Integer, nullable=False),  # the batch sequence that resynced
)


# --- bulk inserts ------------------------------------------------------------------------------

#: Bulk inserts into PostgreSQL go through binary COPY (the tests turn it off to compare the
#: two paths row by row).
COPY = True

# The binary COPY format of each column type: the client must send exactly the server's
# type (an int4 column takes 4 bytes, not 8). Subclasses before their bases.
_COPY_TYPES: tuple[tuple[type, str], ...] = (
    (Boolean, "bool"),
    (BigInteger, "int8"),
    (SmallInteger, "int2"),
    (Integer, "int4"),
    (LargeBinary, "bytea"),
    (String, "text"),  # and Text; varchar takes the same bytes, and checks its length
)


def _copy_type(column: Column[Any]) -> str:
    if isinstance(column.type, DateTime):
        return "timestamptz" if column.type.timezone else "timestamp"
    for kind, name in _COPY_TYPES:
        if isinstance(column.type, kind):
            return name
    raise TypeError(f"no COPY type for {column} ({column.type})")


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT these rows (dicts with the same keys) in the connection's transaction: with one
    binary COPY on PostgreSQL, executemany elsewhere. A column missing from the rows gets its
    scalar default as with an INSERT; a failing COPY raises SQLAlchemy's error (an
    IntegrityError for a key seen before), and the transaction is rolled back as any."""
    if not rows:
        return
    if not (COPY and conn.dialect.name == "postgresql"):
        conn.execute(table.insert(), rows)
        return
    names = list(rows[0])
    defaults = [
        (c, c.default.arg)  # type: ignore[attr-defined]
        for c in table.columns
        if c.name not in rows[0] and c.default is not None and c.default.is_scalar
    ]
    columns = [table.c[n] for n in names] + [c for c, _ in defaults]
    tail = tuple(v for _, v in defaults)
    quote = conn.dialect.identifier_preparer
    sql = (
        f"COPY {quote.format_table(table)} ({', '.join(quote.format_column(c) for c in columns)})"
        " FROM STDIN (FORMAT BINARY)"
    )
    values = operator.itemgetter(*names)
    single = len(names) == 1
    if not conn.in_transaction():
        conn.begin()  # the driver's COPY would otherwise run outside what conn commits
    raw = conn.connection.driver_connection  # the same transaction as conn's statements
    error = conn.dialect.loaded_dbapi.Error
    try:
        with raw.cursor() as cur, cur.copy(sql) as copy:  # type: ignore[union-attr]
            copy.set_types([_copy_type(c) for c in columns])
            for row in rows:
                got = values(row)
                copy.write_row(((got,) if single else got) + tail)
    except error as e:
        raise exc.DBAPIError.instance(sql, None, e, error, dialect=conn.dialect) from e


def station_row(conn: Connection, code: str) -> Row[Any] | None:
    """The registered station with this code (its key, county, whether it is disabled), or
    None."""
    return conn.execute(select(stations).where(stations.c.code == code)).first()


def among(conn: Connection, column: Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL as ``= ANY`` of one array parameter: a statement
    with 500 parameters is parsed afresh by the driver and planned afresh by the server every
    time, which cost an ingest more than the statements did."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


DB_FILE = "county.db"  # in the county's data folder, unless --db / COUNTY_DB says otherwise


def default_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / DB_FILE}"


def connect(url: str) -> Engine:
    """An engine on the county database, its tables created if missing; a URL that does not
    parse, a file that is no database or a server that does not answer is a UsageError."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    try:
        return _connect(url)
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as error:
        # ImportError: a dialect whose driver is not installed (only SQLite and PostgreSQL are)
        raise UsageError(
            f"数据库地址无效：{error}", f"the database URL is not valid: {error}"
        ) from None
    except exc.DBAPIError as error:
        shown = make_url(url).render_as_string(hide_password=True)
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise UsageError(
            f"无法打开县区数据库 {shown}：{reason}（检查地址、服务器是否在运行、文件是否是数据库）",
            f"cannot open the county database {shown}: {reason}",
        ) from None


def _connect(url: str) -> Engine:
    engine = create_engine(url, hide_parameters=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            # Photos are most of the bytes: 16 KB pages store a 40 KB JPEG in 3 pages, not 11,
            # and ingest 2.5x faster. Takes effect only when the file is new (before WAL).
            cur.execute("PRAGMA page_size=16384")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")  # a receipt is only signed for stored data
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    metadata.create_all(engine)
    for index in LATE_INDEXES:  # create_all leaves a table that exists as it is
        index.create(engine, checkfirst=True)
    return engine
