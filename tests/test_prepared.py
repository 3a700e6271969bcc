"""Statements run on the driver (station/prepared.py) behave as SQLAlchemy's own: the same
rows written (types converted, defaults filled), the same errors, the same events."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, bindparam, event, exc, insert, select

from station import auth
from station.models import Counter, Photo
from station.prepared import Prepared

from .factories import record_for

_NOWHERE = Table("nowhere", MetaData(), Column("x", Integer))


def _photo_row(**overrides: object) -> dict[str, object]:
    return {
        "candidate_id": overrides.pop("candidate_id"),
        "sha256": "ab" * 32,
        "jpeg": b"\xff\xd8jpeg",
        "width": 480,
        "height": 640,
        "source": "camera",
        "created_by": "caiji",
        **overrides,
    }


def test_a_row_written_on_the_driver_is_the_row_sqlalchemy_writes(
    operator_ctx: auth.Context,
) -> None:
    from station import records

    saved = records.create(operator_ctx, record_for(1))
    ours = Prepared(insert(Photo).returning(Photo.id))
    with operator_ctx.store.session() as s:
        connection = s.connection()
        # quality_ok: a Boolean, given; created_at, phash, flag: the columns' defaults.
        mine = ours.run(connection, _photo_row(candidate_id=saved.id, quality_ok=True))[0][0]
        theirs = connection.execute(
            insert(Photo).returning(Photo.id),
            _photo_row(candidate_id=saved.id, quality_ok=True),
        ).scalar_one()
    with operator_ctx.store.read() as s:
        a, b = s.get(Photo, mine), s.get(Photo, theirs)
        assert a is not None and b is not None
        columns = [c.key for c in Photo.__table__.columns if c.key not in ("id", "created_at")]
        assert [getattr(a, k) for k in columns] == [getattr(b, k) for k in columns]
        assert a.quality_ok is True and a.phash == "" and a.flag == ""
        assert isinstance(a.created_at, dt.datetime)
        assert abs(a.created_at - b.created_at) < dt.timedelta(seconds=5)


def test_a_driver_error_is_sqlalchemys_and_names_no_values(operator_ctx: auth.Context) -> None:
    take = Prepared(insert(Counter))
    with pytest.raises(exc.IntegrityError) as raised, operator_ctx.store.session() as s:
        take.run(s.connection(), {"name": "twice", "value": 41})
        take.run(s.connection(), {"name": "twice", "value": 42})
    assert "41" not in str(raised.value) and "42" not in str(raised.value)
    with operator_ctx.store.read() as s:  # the unit was rolled back as a whole
        assert s.get(Counter, "twice") is None
    with (
        pytest.raises(exc.OperationalError, match="no such table"),
        operator_ctx.store.read() as s,
    ):
        Prepared(select(_NOWHERE.c.x)).run(s.connection())


def test_what_a_prepared_statement_refuses(operator_ctx: auth.Context) -> None:
    with pytest.raises(ValueError, match="converting"), operator_ctx.store.read() as s:
        Prepared(select(Photo.created_at)).run(s.connection())
    counter = Prepared(select(Counter.value).where(Counter.name == bindparam("name")))
    with pytest.raises(exc.ArgumentError, match="name"), operator_ctx.store.read() as s:
        counter.run(s.connection(), {})
    with (
        operator_ctx.store.engine.connect() as connection,  # nothing begun yet
        pytest.raises(exc.InvalidRequestError, match="begun transaction"),
    ):
        counter.run(connection, {"name": "registration_no"})
    # What SQLAlchemy does at each execution cannot be done here: refused, not half done.
    many = Prepared(select(Counter.value).where(Counter.name.in_(bindparam("n", expanding=True))))
    with pytest.raises(ValueError, match="at execution"), operator_ctx.store.read() as s:
        many.run(s.connection(), {"n": ["registration_no"]})


def test_listeners_see_every_statement(operator_ctx: auth.Context) -> None:
    seen: list[tuple[str, object]] = []

    def before(_conn, _cursor, statement, params, _context, many) -> None:  # type: ignore[no-untyped-def]
        seen.append((statement.split()[0], many))

    engine = operator_ctx.store.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        with operator_ctx.store.session() as s:
            Prepared(insert(Counter)).run_many(
                s.connection(), [{"name": "a", "value": 1}, {"name": "b", "value": 2}]
            )
            rows = Prepared(select(Counter.name).order_by(Counter.name)).run(s.connection())
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert ("INSERT", True) in seen and ("SELECT", False) in seen
    assert [r[0] for r in rows if r[0] in ("a", "b")] == ["a", "b"]
