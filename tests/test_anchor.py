"""The audit chain's tail, cut by someone holding the database key and rewritten to match,
is found through the anchor kept outside the database."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select, text

from station import anchor, audit, auth, backup, records
from station.keyslots import KEYSLOT_FILE, KeySlots
from station.models import AuditEvent

from .factories import ADMIN, record_for

DROP_TRIGGERS = ("DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete")


def _busy(station_dir: Path, start: int = 0) -> None:
    with auth.login(station_dir, *ADMIN) as ctx:
        for i in range(start, start + 3):
            records.create(ctx, record_for(i))


def _cut(station_dir: Path, keep: int) -> None:
    """What an insider with the database key can do: drop the guards, delete the newest
    events, and make the head row agree, so that the chain alone verifies."""
    with auth.login(station_dir, *ADMIN) as ctx:
        key = ctx.db_key
    from station.database import Store

    store = Store(station_dir, key)
    try:
        with store.engine.begin() as conn:
            for stmt in DROP_TRIGGERS:
                conn.execute(text(stmt))
            conn.execute(text("DELETE FROM audit_events WHERE seq > :k"), {"k": keep})
            last = conn.execute(
                text("SELECT hash FROM audit_events WHERE seq = :k"), {"k": keep}
            ).scalar_one()
            conn.execute(text("UPDATE audit_head SET seq = :k, hash = :h"), {"k": keep, "h": last})
        with store.read() as s:
            assert audit.verify(s).ok  # the chain by itself no longer tells
    finally:
        store.close()


def _problem(station_dir: Path) -> anchor.AnchorProblem | None:
    held = KeySlots(station_dir).load().audit_anchor()
    with auth.login(station_dir, *ADMIN, read_only=True) as ctx, ctx.store.read() as s:
        return anchor.check(s, held)


def test_a_cut_tail_is_found_and_stays_found(station_dir: Path) -> None:
    _busy(station_dir)
    held = KeySlots(station_dir).load().audit_anchor()
    with auth.login(station_dir, *ADMIN) as ctx, ctx.store.read() as s:
        last = s.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    assert held is not None and held.seq >= last - 1  # the login before this one, at least
    assert _problem(station_dir) is None

    _cut(station_dir, held.seq - 4)
    at_cut = KeySlots(station_dir).load().audit_anchor()
    assert at_cut is not None and at_cut.seq > held.seq - 4
    problem = _problem(station_dir)
    assert problem is not None and "cut" in problem.message_en

    # Work goes on (new events, new logins): the anchor does not follow the shortened chain.
    _busy(station_dir, start=10)
    problem = _problem(station_dir)
    assert problem is not None and problem.seq == at_cut.seq
    assert KeySlots(station_dir).load().audit_anchor() == at_cut


def test_station_audit_verify_names_the_cut(station_dir: Path, capsys, monkeypatch) -> None:
    from ui.launcher import main as station_main

    _busy(station_dir)
    held = KeySlots(station_dir).load().audit_anchor()
    assert held is not None
    _cut(station_dir, held.seq - 2)
    monkeypatch.setenv("STATION_OPERATOR", ADMIN[0])
    monkeypatch.setenv("STATION_PASSWORD", ADMIN[1])
    assert station_main(["--data-dir", str(station_dir), "audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert "审计链被截短" in err and "cut" in err


def test_an_edited_anchor_does_not_verify(station_dir: Path) -> None:
    _busy(station_dir)
    path = station_dir / KEYSLOT_FILE
    doc = json.loads(path.read_text())
    doc["audit_anchor"]["seq"] -= 3  # pretend the chain was shorter, to hide a later cut
    path.write_text(json.dumps(doc))
    problem = _problem(station_dir)
    assert problem is not None and "does not verify" in problem.message_en


def test_every_backup_carries_the_anchor(station_dir: Path, tmp_path: Path) -> None:
    _busy(station_dir)
    with auth.login(station_dir, *ADMIN) as ctx:
        info = backup.make_backup(ctx, tmp_path / "b.zkbackup", reason="manual")
    header, _ = backup.read_header(info.path)
    held = KeySlots(station_dir).load().audit_anchor()
    assert held is not None
    assert header["keyslots"]["audit_anchor"]["seq"] == held.seq
