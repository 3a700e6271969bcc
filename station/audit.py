"""The audit chain (审计链): every login and every state change, append-only and hash-linked.

Each event's hash is SHA-256 over its canonical JSON, which includes its sequence number
and the previous event's hash. Editing, deleting or reordering any event therefore breaks
the chain at that event; :func:`verify` walks it and names the first bad one. The head
(last sequence number and hash) is kept in its own row, so that cutting off the newest events
is noticed as well.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from station import jsonio
from station.database import expire_held, held_for_statement
from station.models import AuditEvent, ChainHead
from station.prepared import Prepared

if TYPE_CHECKING:
    from station.anchor import Anchor

GENESIS = "0" * 64
# An event as it travels (batch audit segments, the county's copy): every column, in order.
EVENT_COLUMNS = (
    "seq",
    "at",
    "actor",
    "action",
    "candidate_id",
    "version",
    "reason",
    "detail",
    "prev_hash",
    "hash",
)


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(
    seq: int,
    at: str,
    actor: str,
    action: str,
    candidate_id: int | None,
    version: int | None,
    reason: str,
    detail: str,
    prev_hash: str,
) -> str:
    body = canonical_json(
        {
            "seq": seq,
            "at": at,
            "actor": actor,
            "action": action,
            "candidate_id": candidate_id,
            "version": version,
            "reason": reason,
            "detail": jsonio.loads(detail),
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(
    session: Session,
    actor: str,
    action: str,
    *,
    candidate_id: int | None = None,
    version: int | None = None,
    reason: str = "",
    detail: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> None:
    """Add the next event in the caller's transaction (it commits with the change it records)."""
    append_events(session, actor, [(action, candidate_id, version, reason, detail or {})], at=at)


def append_many(
    session: Session,
    actor: str,
    action: str,
    events: list[tuple[int | None, int | None, dict[str, Any]]],
    *,
    reason: str = "",
    at: dt.datetime | None = None,
) -> None:
    """Many events of one kind at once, ``(candidate_id, version, detail)`` each (a batch
    export changes 500 records, a roster import stores 250 a commit)."""
    append_events(
        session,
        actor,
        [(action, cid, version, reason, detail) for cid, version, detail in events],
        at=at,
    )


#: An event to append: (action, candidate_id, version, reason, detail).
NewEvent = tuple[str, int | None, int | None, str, dict[str, Any]]


# Built once and run on the driver (station/prepared.py): a save appends its events.
_HEAD = Prepared(select(ChainHead.seq, ChainHead.hash).where(ChainHead.id == 1))
_NEW_EVENTS = Prepared(insert(AuditEvent))
_NEW_HEAD = Prepared(
    insert(ChainHead).values(id=1, seq=bindparam("to_seq"), hash=bindparam("to_hash"))
)
_MOVE_HEAD = Prepared(
    update(ChainHead)
    .where(ChainHead.id == 1)
    .values(seq=bindparam("to_seq"), hash=bindparam("to_hash"))
)


def append_events(
    session: Session, actor: str, events: list[NewEvent], *, at: dt.datetime | None = None
) -> None:
    """The events, in order, chained one to the next, in the caller's transaction and in one
    INSERT. ``at``: when they happened (now by default).

    Plain statements on the caller's connection, not ORM objects: the head is read, the
    events inserted and the head moved at once (a save's look-up and flush of the head cost
    more than the rest of its audit)."""
    if not events:
        return
    connection = session.connection()
    held = held_for_statement(session, ChainHead, 1)
    found = _HEAD.run(connection)
    seq, prev = found[0] if found else (0, GENESIS)
    when = (at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="microseconds")
    rows = []
    for action, candidate_id, version, reason, detail in events:
        seq += 1
        detail_json = canonical_json(detail)
        digest = event_hash(
            seq, when, actor, action, candidate_id, version, reason, detail_json, prev
        )
        rows.append(
            {
                "seq": seq,
                "at": when,
                "actor": actor,
                "action": action,
                "candidate_id": candidate_id,
                "version": version,
                "reason": reason,
                "detail": detail_json,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    _NEW_EVENTS.run_many(connection, rows)
    (_MOVE_HEAD if found else _NEW_HEAD).run(connection, {"to_seq": seq, "to_hash": prev})
    expire_held(session, held, "seq", "hash")


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    count: int
    bad_seq: int | None = None
    problem: str = ""  # edited | missing | reordered | truncated | head
    message_zh: str = ""
    message_en: str = ""


def _describe(e: AuditEvent) -> str:
    return f"#{e.seq} ({e.at}, {e.actor}, {e.action})"


def verify(session: Session) -> VerifyResult:
    expected_seq = 1
    prev_hash = GENESIS
    count = 0
    stmt = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=2000)
    for e in session.scalars(stmt):
        count += 1
        if e.seq != expected_seq:
            kind = "missing" if e.seq > expected_seq else "reordered"
            return VerifyResult(
                False,
                count,
                e.seq,
                kind,
                f"审计链在第 {expected_seq} 条处断开：该条缺失或顺序被改动（下一条为 {_describe(e)}）",
                f"chain broken at #{expected_seq}: event missing or moved (next found: {_describe(e)})",
            )
        try:
            recomputed = event_hash(
                e.seq,
                e.at,
                e.actor,
                e.action,
                e.candidate_id,
                e.version,
                e.reason,
                e.detail,
                e.prev_hash,
            )
        except (ValueError, TypeError):  # detail no longer JSON: edited by hand
            recomputed = ""
        if recomputed != e.hash:
            return VerifyResult(
                False,
                count,
                e.seq,
                "edited",
                f"审计事件 {_describe(e)} 的内容被改动（哈希不符）",
                f"event {_describe(e)} was edited: its hash does not match its content",
            )
        if e.prev_hash != prev_hash:
            return VerifyResult(
                False,
                count,
                e.seq,
                "reordered",
                f"审计事件 {_describe(e)} 与前一条的链接不符（前一条被改动、删除或调换）",
                f"event {_describe(e)} does not link to the event before it",
            )
        prev_hash = e.hash
        expected_seq += 1
    head = session.get(ChainHead, 1)
    last_seq = expected_seq - 1
    if head is None and count == 0:
        return VerifyResult(True, 0)
    if head is None or head.seq != last_seq or head.hash != prev_hash:
        head_seq = head.seq if head else 0
        if head_seq > last_seq:
            return VerifyResult(
                False,
                count,
                last_seq + 1,
                "truncated",
                f"审计链末尾的第 {last_seq + 1}–{head_seq} 条事件被删除",
                f"events #{last_seq + 1}-#{head_seq} at the end of the chain were removed",
            )
        return VerifyResult(
            False,
            count,
            head_seq or None,
            "head",
            "审计链的链头记录与最后一条事件不符",
            "the chain head does not match the last event",
        )
    return VerifyResult(True, count)


def verify_anchored(session: Session, held: Anchor | None) -> VerifyResult:
    """:func:`verify`, and then the chain against its anchor outside the database
    (station/anchor.py), which finds a tail that was cut and the head row rewritten."""
    from station import anchor

    result = verify(session)
    if not result.ok:
        return result
    problem = anchor.check(session, held)
    if problem is None:
        return result
    return VerifyResult(
        False, result.count, problem.seq, "truncated", problem.message_zh, problem.message_en
    )
