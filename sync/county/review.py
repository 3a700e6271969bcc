"""Qualification review at the county (资格审核): decisions, and the signed results file.

A decision is about the latest version the county holds; a corrected record that arrives
later resets it to ``received``. The results file names the version and its digest, so the
station applies it only to exactly that printed and signed version.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import Engine, func, select, update

from station.errors import UsageError
from station.fileio import atomic_write_bytes, check_output
from sync.county import db
from sync.keys import CountyKeys, sign_document
from sync.station_side import REVIEW

DECISIONS = ("approved", "rejected")
ALLOCATION = ("granted", "denied")  # 分配生资格: 同意 / 不同意


def decide(
    engine: Engine,
    station: str,
    registration_no: str,
    decision: str,
    *,
    reason: str = "",
    allocation: str | None = None,
) -> int:
    """Record the decision on the candidate's latest version; returns that version."""
    if decision not in DECISIONS:
        raise UsageError(f"审核结论应为 {DECISIONS}", f"decision must be one of {DECISIONS}")
    if decision == "rejected" and not reason.strip():
        raise UsageError("不通过必须填写原因", "a rejection needs a reason")
    if allocation is not None and allocation not in ALLOCATION:
        raise UsageError(f"分配生结论应为 {ALLOCATION}", f"allocation must be one of {ALLOCATION}")
    t = db.candidates
    with engine.begin() as conn:
        row = conn.execute(
            select(t.c.version).where(
                t.c.station == station, t.c.registration_no == registration_no
            )
        ).first()
        if row is None:
            raise UsageError(
                f"没有报名点 {station} 的考生 {registration_no}",
                f"no candidate {registration_no} from station {station}",
            )
        conn.execute(
            update(t)
            .where(t.c.station == station, t.c.registration_no == registration_no)
            .values(
                state=decision,
                reason=reason.strip()[:200],
                allocation=allocation,
                updated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            )
        )
    return int(row.version)


def export_review(engine: Engine, keys: CountyKeys, station: str, out: Path) -> int:
    """Write the station's signed review results (every decided record); returns the count."""
    check_output(out)
    t = db.candidates
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        if (
            conn.execute(select(db.stations.c.code).where(db.stations.c.code == station)).first()
            is None
        ):
            raise UsageError(f"报名点 {station} 未登记", f"station {station} is not registered")
        rows = conn.execute(
            select(t)
            .where(t.c.station == station, t.c.state.in_(DECISIONS))
            .order_by(t.c.registration_no)
        ).all()
        last = conn.scalar(
            select(func.max(db.review_issues.c.sequence)).where(
                db.review_issues.c.station == station
            )
        )
        sequence = (last or 0) + 1
        conn.execute(
            db.review_issues.insert().values(
                station=station, sequence=sequence, issued_at=now.replace(tzinfo=None)
            )
        )
    document = {
        "type": REVIEW,
        "version": 1,
        "county": keys.county,
        "station": station,
        "sequence": sequence,
        "issued_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "results": [
            {
                "registration_no": r.registration_no,
                "version": r.version,
                "digest": r.digest,
                "decision": r.state,
                "reason": r.reason,
                "allocation": r.allocation,
            }
            for r in rows
        ],
    }
    atomic_write_bytes(out, sign_document(keys.ed25519, document))
    return len(rows)
