"""Finding records (查找考生): by id, ID number, 报名号, name prefix; the searches the desk
runs as the operator types are rows read on the driver, never objects of a session.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from station import idnumber
from station.auth import Context
from station.errors import NotFound
from station.models import Candidate


def get(s: Session, candidate_id: int) -> Candidate:
    c = s.get(Candidate, candidate_id)
    if c is None:
        raise NotFound(f"没有编号为 {candidate_id} 的考生", f"no candidate {candidate_id}")
    return c


def find_by_id_number(s: Session, number: str) -> Candidate | None:
    """The candidate itself, for a caller that changes it; a look that only reads takes
    :func:`row_by_id_number`."""
    return s.scalar(select(Candidate).where(Candidate.id_number == idnumber.normalise(number)))


def find_by_registration_no(s: Session, number: str) -> Candidate | None:
    """The candidate itself, for a caller that changes it (see :func:`row_by_registration_no`)."""
    return s.scalar(select(Candidate).where(Candidate.registration_no == number.strip()))


class CandidateRow(NamedTuple):
    """One candidate as a search finds it: what the lists show (:func:`summary` takes it as
    it takes a :class:`Candidate`), read as a row, never as an object of the session."""

    id: int
    registration_no: str
    state: str
    version: int
    name: str
    id_number: str
    category: str
    school_code: str
    school_name: str
    photo_id: int | None
    is_demo: bool
    updated_at: dt.datetime


_ROW_COLUMNS = [Candidate.__table__.c[name] for name in CandidateRow._fields]
_ROW_QUERIES = {
    "id_number": select(*_ROW_COLUMNS).where(Candidate.id_number == bindparam("key")),
    "registration_no": select(*_ROW_COLUMNS).where(Candidate.registration_no == bindparam("key")),
    # A range on the indexed column instead of LIKE: SQLite's LIKE is case-insensitive and
    # then cannot use an ordinary index. U+10FFFF sorts after every character in UTF-8.
    "name_prefix": select(*_ROW_COLUMNS)
    .where(Candidate.name >= bindparam("key"), Candidate.name < bindparam("end"))
    .order_by(Candidate.name, Candidate.id)
    .limit(bindparam("limit")),
}
_compiled: dict[tuple[type, str], tuple[str, list[Any], list[Any]]] = {}
_compiling = threading.Lock()


def _row_query(dialect: Dialect, which: str) -> tuple[str, list[Any], list[Any]]:
    """The SQL of a search as SQLAlchemy writes it for this dialect, its parameters (names
    in order, or the fixed value SQLAlchemy gave one, such as ``OFFSET 0``), and SQLAlchemy's
    own conversion of each column (dates, booleans): made once, so that a search costs the
    SQLite statement and its rows, nothing more."""
    key = (type(dialect), which)
    found = _compiled.get(key)
    if found is None:
        compiled = _ROW_QUERIES[which].compile(dialect=dialect)
        fixed = compiled.params
        order = [
            name if fixed[name] is None else (fixed[name],) for name in compiled.positiontup or ()
        ]
        convert = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in _ROW_COLUMNS
        ]
        with _compiling:
            found = _compiled.setdefault(key, (str(compiled), order, convert))
    return found


def _rows(source: Session | Context, which: str, **params: Any) -> list[CandidateRow]:
    """Run a search on the DBAPI connection: inside the caller's session (its transaction,
    after flushing what it changed, as a query of the session would), or, given a context,
    as one statement of its own on a connection of the store's pool."""
    if isinstance(source, Session):
        if source.autoflush:
            source.flush()
        connection = source.connection()
        driver = connection.connection.driver_connection
        assert driver is not None  # a live connection of the session's transaction
        return _fetch(driver, connection.dialect, which, params)
    if source.store.exclusive:
        # One connection for the whole process (a full disk): not one of a pool to borrow.
        with source.store.read() as s:
            return _rows(s, which, **params)
    raw = source.store.engine.raw_connection()
    try:
        assert raw.driver_connection is not None  # a live pooled connection
        return _fetch(raw.driver_connection, source.store.engine.dialect, which, params)
    finally:
        raw.close()


def _fetch(driver: Any, dialect: Dialect, which: str, params: dict[str, Any]) -> list[CandidateRow]:
    sql, order, convert = _row_query(dialect, which)
    values = [params[p] if isinstance(p, str) else p[0] for p in order]
    return [
        CandidateRow._make([v if f is None else f(v) for f, v in zip(convert, row, strict=True)])
        for row in driver.execute(sql, values).fetchall()
    ]


def row_by_id_number(source: Session | Context, number: str) -> CandidateRow | None:
    """The candidate with this ID number as a row (the desk asks as a number is typed), or
    None."""
    found = _rows(source, "id_number", key=idnumber.normalise(number))
    return found[0] if found else None


def row_by_registration_no(source: Session | Context, number: str) -> CandidateRow | None:
    """The candidate with this 报名号 as a row, or None."""
    found = _rows(source, "registration_no", key=number.strip())
    return found[0] if found else None


def search_name_prefix(
    source: Session | Context, prefix: str, limit: int = 50
) -> list[CandidateRow]:
    """Candidates whose name starts with ``prefix``, by name then id, as rows: in the
    caller's session, or given a context on a connection of its own."""
    prefix = prefix.strip()
    if not prefix:
        return []
    return _rows(source, "name_prefix", key=prefix, end=prefix + "\U0010ffff", limit=limit)


def lookup(s: Session, key: str) -> Candidate:
    """A record by database id, 报名号 or ID number: what the CLI's ``show`` takes."""
    key = key.strip()
    found = find_by_registration_no(s, key) or find_by_id_number(s, key)
    if found is None and key.isdigit() and len(key) < 10:
        found = s.get(Candidate, int(key))
    if found is None:
        raise NotFound(f"找不到考生“{key}”", f"no candidate matches {key!r}")
    return found


def list_candidates(
    s: Session,
    *,
    state: str | None = None,
    school_code: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[CandidateRow]:
    """Candidates by id, as rows (``candidate list``: 50,000 of them are no objects to make)."""
    stmt = select(*_ROW_COLUMNS).order_by(Candidate.id)
    if state:
        stmt = stmt.where(Candidate.state == state)
    if school_code:
        stmt = stmt.where(Candidate.school_code == school_code)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return [CandidateRow._make(row) for row in s.execute(stmt)]


def count_by_state(s: Session) -> dict[str, int]:
    rows = s.execute(select(Candidate.state, func.count()).group_by(Candidate.state))
    return {state: n for state, n in rows}
