"""Statements compiled once and run on the driver's own cursor: the save's hot path.

SQLAlchemy's execution of a cached statement costs about 20 µs on top of the driver's 2 µs
(building an execution context, a result object, events); a save runs about ten statements,
and its target is four times a bare INSERT and COMMIT (issue 19). A :class:`Prepared` keeps
everything that is SQLAlchemy's to decide: the SQL text is the compiler's, the values go
through the column types' own bind processors (datetimes, booleans), Python-side column
defaults are filled in as SQLAlchemy fills them, a driver error is raised as SQLAlchemy's
(``IntegrityError``, ``OperationalError``: a full disk is still said in words, a duplicate
still found), and listeners of ``before_cursor_execute`` and ``after_cursor_execute`` still
see every statement (tests watch the GUI thread with them). Only the statement runs in the
transaction the caller's connection has begun.

Results come back as the driver gives them; a statement whose result columns need a result
processor (a datetime) is refused when it is built, so nothing comes back half-converted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import ClauseElement


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    # For each ``?`` in order: (the parameter's name, its bind processor or None, the value
    # it takes when the caller gives none: a literal of the statement or a column default).
    slots: tuple[tuple[str, Any, Any], ...]
    returns_rows: bool


_REQUIRED = object()


def _default_of(column: Any) -> Any:
    """A column's Python-side INSERT default as SQLAlchemy computes it (a scalar, or a
    function that SQLAlchemy has wrapped to take an execution context, here none)."""
    default = column.default
    if default is None:
        return None
    if default.is_callable:
        # Called with no context (None): a default of no argument, as every one here is
        # (SQLAlchemy has wrapped it to take one); a default that reads the context would
        # fail on None, and there is no telling the two apart once wrapped.
        return _Call(default.arg)
    if default.is_scalar:
        return default.arg
    raise ValueError(f"{column}: default of a kind not supported here")


@dataclass(frozen=True, slots=True)
class _Call:
    fn: Any


def _compile(statement: Any, dialect: Dialect, keys: Sequence[str] | None) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys else None)
    positions = compiled.positiontup
    if positions is None:
        raise ValueError(f"{dialect.name}: not a positional paramstyle")
    defaults = {column.key: _default_of(column) for column in compiled.insert_prefetch}
    if compiled.update_prefetch:
        raise ValueError("statement with Python-side UPDATE defaults: not supported here")
    if compiled.post_compile_params or compiled.literal_execute_params:
        # e.g. in_(bindparam(..., expanding=True)): SQLAlchemy writes them at each execution
        raise ValueError("statement with parameters rendered at execution: not supported here")
    slots = []
    for name in positions:
        bind = compiled.binds[name]
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if name in defaults:
            fallback = defaults[name]
        elif bind.required:
            fallback = _REQUIRED
        else:
            fallback = bind.effective_value
        slots.append((name, processor, fallback))
    returns_rows = bool(compiled.returning) or statement.is_select
    if returns_rows:
        for column in statement.exported_columns:
            if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
                raise ValueError(f"{column}: its values need converting; run it the usual way")
    return _Compiled(compiled.string, tuple(slots), returns_rows)


class Prepared:
    """A statement to run many times on the driver's cursor (see the module's docstring).
    An INSERT is compiled for the columns of the values it is given (the others get their
    defaults); every row of one :meth:`run_many` gives the same columns."""

    __slots__ = ("_compiled", "_insert", "statement")

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._insert = bool(getattr(statement, "is_insert", False))
        self._compiled: dict[tuple[Any, ...], _Compiled] = {}

    def _for(self, dialect: Dialect, params: Mapping[str, Any]) -> _Compiled:
        columns = tuple(params) if self._insert else None
        key = (type(dialect), columns)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = _compile(self.statement, dialect, columns)
            self._compiled[key] = compiled
        return compiled

    def run(self, connection: Connection, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Run once with ``params``; returns its rows (empty when it returns none)."""
        params = params or {}
        compiled = self._for(connection.dialect, params)
        return _execute(connection, compiled, _values(compiled, params), many=False)

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once for each of ``rows`` (one executemany); returns nothing."""
        if not rows:
            return
        compiled = self._for(connection.dialect, rows[0])
        if compiled.returns_rows:
            raise ValueError("run_many returns no rows: use run for each")
        _execute(connection, compiled, [_values(compiled, row) for row in rows], many=True)


def _values(compiled: _Compiled, params: Mapping[str, Any]) -> tuple[Any, ...]:
    out = []
    for name, processor, fallback in compiled.slots:
        if name in params:
            value = params[name]
        elif fallback is _REQUIRED:
            raise exc.ArgumentError(f"a value is required for bind parameter {name!r}")
        elif isinstance(fallback, _Call):
            value = fallback.fn(None)
        else:
            value = fallback
        # As SQLAlchemy does: a processor is given None too (a type may store None its way).
        out.append(processor(value) if processor is not None else value)
    return tuple(out)


def _execute(connection: Connection, compiled: _Compiled, values: Any, *, many: bool) -> list[Any]:
    if not connection.in_transaction():
        # The store begins its transactions itself (BEGIN IMMEDIATE, station/database.py);
        # a statement run before that would run outside them.
        raise exc.InvalidRequestError("a prepared statement needs a begun transaction")
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    assert driver is not None  # a live pooled connection
    dispatch = connection.dispatch
    cursor = driver.cursor()
    try:
        if dispatch.before_cursor_execute:
            for listener in dispatch.before_cursor_execute:
                listener(connection, cursor, compiled.sql, values, None, many)
        try:
            if many:
                cursor.executemany(compiled.sql, values)
            else:
                cursor.execute(compiled.sql, values)
            rows = cursor.fetchall() if compiled.returns_rows else []
        except dialect.loaded_dbapi.Error as error:
            raise exc.DBAPIError.instance(
                compiled.sql,
                None,
                error,
                dialect.loaded_dbapi.Error,
                hide_parameters=True,
                dialect=dialect,
                ismulti=many,
            ) from error
        if dispatch.after_cursor_execute:
            for listener in dispatch.after_cursor_execute:
                listener(connection, cursor, compiled.sql, values, None, many)
        return rows
    finally:
        cursor.close()
