"""What the desk reads (桌面查询): one function per question a screen asks, each taking the
context and returning plain values, so that the desk never holds a session, builds a query or
imports the models (pyproject.toml's import contract keeps ``ui`` away from SQLAlchemy,
``station.models`` and ``station.database``).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from station import anchor, audit, records
from station.auth import Context
from station.lifecycle import Facts, State
from station.models import AuditEvent, Candidate, Station
from station.photo import duplicates, review


@dataclass(frozen=True, slots=True)
class StationInfo:
    name: str
    code: str
    is_demo: bool


def station_info(ctx: Context) -> StationInfo:
    with ctx.store.read() as s:
        station = s.get(Station, 1)
        if station is None:
            return StationInfo("", "", False)
        return StationInfo(station.name, station.code, bool(station.is_demo))


@dataclass(frozen=True, slots=True)
class RecordView:
    """One candidate as a screen shows it."""

    id: int
    registration_no: str
    values: dict[str, Any]
    state: State
    state_reason: str
    version: int
    updated_at: dt.datetime | None
    photo: bytes | None
    photo_flag: str  # a near-duplicate flag no supervisor has cleared yet ("" if none)
    photo_flag_en: str  # the same in English
    card_fields: tuple[str, ...]  # read from the ID card: read-only until a supervisor releases
    #: The candidate itself, detached, for judging a password against their own data
    #: (station.passwords.judge); nothing is loaded from it lazily.
    candidate: Any


def record_view(ctx: Context, candidate_id: int) -> RecordView:
    with ctx.store.read() as s:
        c = records.get(s, candidate_id)
        photo = c.photo
        flag = photo.flag if photo is not None and review.flag_pending(photo) else ""
        return RecordView(
            c.id,
            c.registration_no,
            records.record_values(c),
            State(c.state),
            c.state_reason,
            c.version,
            c.updated_at,
            photo.jpeg if photo is not None else None,
            flag,
            duplicates.flag_in(flag, "en"),
            tuple(records.card_fields_of(c)),
            c,
        )


@dataclass(frozen=True, slots=True)
class DeskRecord:
    """Everything the desk's form shows of one record: its values and what is done of it."""

    view: RecordView
    facts: Facts


def desk_record(ctx: Context, candidate_id: int) -> DeskRecord:
    return DeskRecord(record_view(ctx, candidate_id), facts(ctx, candidate_id))


def facts(ctx: Context, candidate_id: int) -> Facts:
    with ctx.store.read() as s:
        return records.facts_of(s, ctx, records.get(s, candidate_id))


def candidate_with_id_number(ctx: Context, number: str) -> int | None:
    """The candidate already stored with this ID number (the form asks as it is typed): one
    indexed statement on a row, no session (station/records/finding.py, row_by_id_number)."""
    existing = records.row_by_id_number(ctx, number)
    return existing.id if existing else None


def schools(ctx: Context) -> list[tuple[str, str]]:
    """(code, name) of every school the station's candidates come from, by code."""
    with ctx.store.read() as s:
        rows = s.execute(
            select(Candidate.school_code, Candidate.school_name)
            .where(Candidate.school_code != "")
            .group_by(Candidate.school_code)
            .order_by(Candidate.school_code)
        ).all()
    return [(code, name) for code, name in rows]


@dataclass(frozen=True, slots=True)
class QueueRow:
    """One line of the candidate queue (考生队列)."""

    id: int
    registration_no: str
    state: str
    name: str
    initials: str
    id_number: str
    school_code: str
    school_name: str
    has_photo: bool


def _queue_columns() -> Any:
    return select(
        Candidate.id,
        Candidate.registration_no,
        Candidate.state,
        Candidate.name,
        Candidate.name_initials,
        Candidate.id_number,
        Candidate.school_code,
        Candidate.school_name,
        Candidate.photo_id.is_not(None),
    )


def queue_rows(ctx: Context) -> list[QueueRow]:
    """Every candidate as the queue lists it, in one column query (about 0.2 s for 50,000)."""
    with ctx.store.read() as s:
        return [QueueRow(*r) for r in s.execute(_queue_columns().order_by(Candidate.id))]


def queue_row(ctx: Context, candidate_id: int) -> QueueRow | None:
    """One candidate's queue line, after a save: the queue updates that line, not all."""
    with ctx.store.read() as s:
        row = s.execute(_queue_columns().where(Candidate.id == candidate_id)).first()
    return QueueRow(*row) if row is not None else None


@dataclass(frozen=True, slots=True)
class VersionView:
    version: int
    record: dict[str, Any]
    frozen_by: str | None  # None: the current values, not printed yet
    frozen_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class EventView:
    seq: int
    at: str
    actor: str
    action: str
    version: int | None
    reason: str


def history(ctx: Context, candidate_id: int) -> tuple[list[VersionView], list[EventView]]:
    """Every printed version of a record (and its current values when they are newer), and
    the audit events about it, oldest first."""
    with ctx.store.read() as s:
        c = records.get(s, candidate_id)
        versions = [
            VersionView(v.version, json.loads(v.canonical)["record"], v.frozen_by, v.frozen_at)
            for v in records.versions(s, c.id)
        ]
        if not versions or versions[-1].version != c.version:
            current = records.record_values(c)
            current["birth_date"] = c.birth_date.isoformat()
            versions.append(VersionView(c.version, current, None, None))
        events = [
            EventView(e.seq, e.at, e.actor, e.action, e.version, e.reason)
            for e in s.scalars(
                select(AuditEvent).where(AuditEvent.candidate_id == c.id).order_by(AuditEvent.seq)
            )
        ]
    return versions, events


def audit_check(ctx: Context) -> audit.VerifyResult:
    """The chain and its anchor, as ``station audit verify`` checks them."""
    return anchor.verify_chain(ctx)
