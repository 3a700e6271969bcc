"""The audit chain detects any edited, deleted, reordered or cut-off event."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from station import audit, auth, records

from .factories import ADMIN, record_for


@pytest.fixture
def busy_ctx(station_dir: Path, admin_ctx: auth.Context) -> auth.Context:
    for i in range(3):
        records.create(admin_ctx, record_for(i))
    return admin_ctx


def _verify(ctx: auth.Context) -> audit.VerifyResult:
    with ctx.store.session() as s:
        return audit.verify(s)


def _sql(ctx: auth.Context, *statements: str) -> None:
    with ctx.store.engine.begin() as conn:
        for stmt in statements:
            conn.execute(text(stmt))


DROP_TRIGGERS = ("DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete")


def test_intact_chain(busy_ctx: auth.Context) -> None:
    result = _verify(busy_ctx)
    assert result.ok and result.count >= 6  # init, 3 logins/adds, 3 creates


def test_every_event_links_to_the_one_before(busy_ctx: auth.Context) -> None:
    with busy_ctx.store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT seq, prev_hash, hash FROM audit_events ORDER BY seq")
        ).all()
    assert rows[0].prev_hash == audit.GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash


def test_the_database_itself_refuses_edits(busy_ctx: auth.Context) -> None:
    with pytest.raises(DatabaseError, match="append-only"):
        _sql(busy_ctx, "UPDATE audit_events SET actor = 'x' WHERE seq = 2")
    with pytest.raises(DatabaseError, match="append-only"):
        _sql(busy_ctx, "DELETE FROM audit_events WHERE seq = 2")


def test_edited_event_is_named(busy_ctx: auth.Context) -> None:
    _sql(busy_ctx, *DROP_TRIGGERS, "UPDATE audit_events SET reason = '改过' WHERE seq = 4")
    result = _verify(busy_ctx)
    assert not result.ok and result.bad_seq == 4 and result.problem == "edited"
    assert "#4" in result.message_zh


def test_edited_event_with_recomputed_hash_breaks_the_next_link(busy_ctx: auth.Context) -> None:
    with busy_ctx.store.engine.connect() as conn:
        e = conn.execute(text("SELECT * FROM audit_events WHERE seq = 3")).one()
    forged = audit.event_hash(
        e.seq, e.at, "forger", e.action, e.candidate_id, e.version, e.reason, e.detail, e.prev_hash
    )
    _sql(
        busy_ctx,
        *DROP_TRIGGERS,
        f"UPDATE audit_events SET actor = 'forger', hash = '{forged}' WHERE seq = 3",
    )
    result = _verify(busy_ctx)
    assert not result.ok and result.bad_seq == 4 and result.problem == "reordered"


def test_deleted_event_is_named(busy_ctx: auth.Context) -> None:
    _sql(busy_ctx, *DROP_TRIGGERS, "DELETE FROM audit_events WHERE seq = 3")
    result = _verify(busy_ctx)
    assert not result.ok and result.problem == "missing" and result.bad_seq == 4


def test_reordered_events_are_found(busy_ctx: auth.Context) -> None:
    _sql(
        busy_ctx,
        *DROP_TRIGGERS,
        "UPDATE audit_events SET seq = -1 WHERE seq = 3",
        "UPDATE audit_events SET seq = 3 WHERE seq = 4",
        "UPDATE audit_events SET seq = 4 WHERE seq = -1",
    )
    result = _verify(busy_ctx)
    assert not result.ok and result.bad_seq == 3


def test_cut_off_tail_is_found(busy_ctx: auth.Context) -> None:
    last = _verify(busy_ctx).count
    _sql(busy_ctx, *DROP_TRIGGERS, f"DELETE FROM audit_events WHERE seq >= {last - 1}")
    result = _verify(busy_ctx)
    assert not result.ok and result.problem == "truncated" and result.bad_seq == last - 1


def test_login_is_audited(station_dir: Path) -> None:
    with auth.login(station_dir, *ADMIN) as ctx, ctx.store.engine.connect() as conn:
        last = conn.execute(
            text("SELECT actor, action FROM audit_events ORDER BY seq DESC LIMIT 1")
        ).one()
    assert tuple(last) == ("admin", "login")


def test_detail_that_is_no_longer_json_is_named(busy_ctx: auth.Context) -> None:
    _sql(busy_ctx, *DROP_TRIGGERS, "UPDATE audit_events SET detail = '{broken' WHERE seq = 5")
    result = _verify(busy_ctx)
    assert not result.ok and result.bad_seq == 5 and result.problem == "edited"
