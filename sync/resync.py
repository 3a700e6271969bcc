"""Resync (与县区对账): bring a station back in step with what the county holds.

The county's signed station state (``county station state``) says which batch it accepted
last, how far the station's audit chain reaches there, and every (报名号, version) it holds.
``station resync FILE`` compares:

* **in step**: the same last batch. Records the county holds are marked acknowledged (a lost
  receipt is made good); nothing else changes.
* **ahead**: the station has batches the county lacks: they are named, to be resent.
* **behind** (restored from a backup older than the last export): the station continues after
  the county's last batch. A marker batch takes the county's sequence number and hash, so the
  next export neither reuses a number nor leaves a gap, and that export declares the resync so
  that the county accepts an audit chain continuing from the backup's last event (the county
  keeps the events it held after that point aside). Records the county holds are marked
  acknowledged, so none is sent twice, and the candidates the county holds that this station
  no longer has are listed for the operator to re-check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import audit, records, regno
from station.auth import Context
from station.backup import RESTORED_AUDIT_SEQ
from station.errors import UsageError
from station.lifecycle import Action, State
from station.models import Batch, Candidate, StationState, utcnow
from station.roles import Permission
from sync.errors import HASH_MISMATCH, BatchRefused
from sync.station_side import MARKER, county_document, read_document

STATION_STATE = "zk-station-state"


@dataclass(slots=True)
class ResyncResult:
    status: str  # in_step | ahead | rebased
    county_sequence: int
    resend: list[int] = field(default_factory=list)
    acknowledged: int = 0
    missing_here: list[str] = field(default_factory=list)  # held by the county, not here
    newer_at_county: list[str] = field(default_factory=list)  # the county has a later version


def resync(ctx: Context, path: Path) -> ResyncResult:
    ctx.require(Permission.EXPORT)
    data = read_document(path)
    with ctx.store.session() as s:
        doc = county_document(s, data, STATION_STATE)
        county_seq, county_hash = int(doc["last_sequence"]), str(doc["last_hash"])
        held = {(str(r[0]), int(r[1])) for r in doc.get("records", [])}
        last = s.scalar(select(Batch).order_by(Batch.sequence.desc()).limit(1))
        local_seq = last.sequence if last else 0
        if county_seq <= local_seq:
            ours = s.get(Batch, county_seq) if county_seq else None
            if county_seq and (ours is None or ours.hash != county_hash):
                raise BatchRefused(
                    HASH_MISMATCH,
                    f"the county's batch #{county_seq} is not the one this station wrote",
                )
            status = "in_step" if county_seq == local_seq else "ahead"
            result = ResyncResult(status, county_seq, list(range(county_seq + 1, local_seq + 1)))
        else:
            _rebase(s, doc, county_seq, county_hash)
            result = ResyncResult("rebased", county_seq)
        # Numbers the county holds are never given out again (a restored copy's counter is
        # behind the numbers it gave out after its backup).
        regno.skip_past(s, ctx.settings.registration_no_template, (r for r, _v in held))
        # Batches up to the county's last were received (a lost receipt is made good).
        for batch in s.scalars(
            select(Batch).where(Batch.state == "exported", Batch.sequence <= county_seq)
        ):
            batch.state, batch.acknowledged_at, batch.data = "acknowledged", utcnow(), None
        result.acknowledged = _acknowledge_held(s, ctx, held, county_seq)
        result.missing_here, result.newer_at_county = _differences(s, held)
        audit.append(
            s,
            ctx.operator.login,
            "resync",
            detail={
                "status": result.status,
                "county_sequence": county_seq,
                "acknowledged": result.acknowledged,
                "missing_here": len(result.missing_here),
            },
        )
    return result


def _rebase(s: Session, doc: dict[str, Any], county_seq: int, county_hash: str) -> None:
    restored = s.get(StationState, RESTORED_AUDIT_SEQ)
    fork_text = restored.value if restored is not None else ""
    if restored is None or not fork_text:
        raise UsageError(
            "县区收到的批次比本机多，但本机不是从备份恢复的：请核对是否用错了报名点或状态文件",
            "the county holds more batches, but this station was not restored from a backup",
        )
    fork = int(fork_text)
    if fork > int(doc.get("audit_last_seq", 0)):
        raise UsageError(
            "县区缺少本机备份之前的批次：请先重新发送缺失的批次，再向县区索取新的状态文件",
            "the county lacks events this backup holds: resend the missing batches first",
        )
    s.add(
        Batch(
            sequence=county_seq,
            hash=county_hash,
            file_name=MARKER,
            state="acknowledged",
            record_count=0,
            audit_last_seq=fork,
            items="[]",
            created_at=utcnow(),
            acknowledged_at=utcnow(),
            written_at=utcnow(),
            data=None,
        )
    )
    restored.value = ""  # used once
    s.flush()


def _acknowledge_held(s: Session, ctx: Context, held: set[tuple[str, int]], seq: int) -> int:
    """Records whose current version the county holds: acknowledged, never sent again."""
    count = 0
    waiting = s.scalars(
        select(Candidate).where(Candidate.state.in_([State.SIGNED.value, State.EXPORTED.value]))
    )
    for c in waiting:
        if (c.registration_no, c.version) not in held:
            continue
        if c.state == State.SIGNED.value:
            records.transition_in(s, ctx, c, Action.EXPORT, detail={"resync": seq})
        records.transition_in(
            s,
            ctx,
            c,
            Action.ACKNOWLEDGE,
            facts=records.facts_of(s, ctx, c, county_verified=True),
            detail={"resync": seq},
        )
        count += 1
    return count


def _differences(s: Session, held: set[tuple[str, int]]) -> tuple[list[str], list[str]]:
    here = dict(s.execute(select(Candidate.registration_no, Candidate.version)).all())
    county_latest: dict[str, int] = {}
    for number, version in held:
        county_latest[number] = max(version, county_latest.get(number, 0))
    missing = sorted(r for r in county_latest if r not in here)
    newer = sorted(r for r, v in county_latest.items() if r in here and v > here[r])
    return missing, newer


def summary(result: ResyncResult) -> str:
    return json.dumps(
        {
            "status": result.status,
            "county_sequence": result.county_sequence,
            "resend": result.resend,
            "acknowledged": result.acknowledged,
            "missing_here": result.missing_here,
            "newer_at_county": result.newer_at_county,
        },
        ensure_ascii=False,
        indent=1,
    )
