"""The supervisor's dashboard reads indexes, never the rows: at 50,000 candidates a table
scan steps over every photo's JPEG. Its indexes are few (every save writes each one), and
one of them holds only the flagged photos (migration 0013): a query must still find it."""

from __future__ import annotations

import re

from sqlalchemy import event

from station import auth, dashboard, records, seeding

_FULL_SCAN = re.compile(r"^SCAN (candidates|photos)$")


def test_the_dashboard_reads_no_table_row_by_row(supervisor_ctx: auth.Context) -> None:
    seeding.seed(supervisor_ctx, 6, "ready", rng_seed=3)
    seen: list[tuple[str, object]] = []

    def statement(_conn, _cursor, sql, params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if sql.lstrip().upper().startswith("SELECT"):
            seen.append((sql, params))

    engine = supervisor_ctx.store.engine
    event.listen(engine, "before_cursor_execute", statement)
    try:
        dashboard.figures(supervisor_ctx)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
    assert any("photos" in sql for sql, _ in seen)
    scans = []
    with supervisor_ctx.store.read() as s:
        driver = s.connection()
        for sql, params in seen:
            plan = driver.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
            scans += [(row[-1], sql) for row in plan if _FULL_SCAN.match(row[-1])]
    assert not scans, scans


def test_a_states_records_are_read_in_id_order_not_sorted(operator_ctx: auth.Context) -> None:
    """As the next batch reads its signed records (sync/station_side.py): the first few in
    id order, from the state's index, without sorting every record in that state."""
    seen: list[tuple[str, object]] = []

    def statement(_conn, _cursor, sql, params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append((sql, params))

    engine = operator_ctx.store.engine
    with operator_ctx.store.read() as s:
        event.listen(engine, "before_cursor_execute", statement)
        try:
            records.list_candidates(s, state="signed", limit=10)
        finally:
            event.remove(engine, "before_cursor_execute", statement)
        sql, params = next((q, p) for q, p in seen if "FROM candidates" in q)
        plan = [
            row[-1] for row in s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params)
        ]
    assert not [step for step in plan if "TEMP B-TREE" in step], plan
