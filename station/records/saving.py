"""Storing records (保存考生记录): a new candidate with its 报名号, photo and audit events,
an edit, a roster's many at once. One validation per save; a new candidate is written as
rows in its final state, through statements compiled once (station/prepared.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from station import audit, lifecycle, pinyin, regno
from station.auth import Context
from station.errors import DuplicateCandidate, TransitionRefused, ValidationFailed
from station.fields import CARD_FIELDS
from station.fields import label_zh as field_label_zh
from station.lifecycle import Action, Facts, State
from station.models import Candidate, Photo, utcnow
from station.photo import duplicates
from station.photo.stored import PhotoInput, jpeg_dimensions
from station.prepared import Prepared
from station.records.finding import get
from station.records.reading import Saved, card_fields_of, record_values
from station.records.transitions import settle_ready_in, transition_event
from station.roles import Permission
from station.validation import CandidateData, Result, validate_candidate

# The save's statements, built once and run on the driver (station/prepared.py): building a
# statement costs more than running it, and SQLAlchemy's execution ten times the driver's.
_ID_OF_NUMBER = Prepared(select(Candidate.id).where(Candidate.id_number == bindparam("number")))
_NEW_CANDIDATE = Prepared(insert(Candidate).returning(Candidate.id))
_NEW_CANDIDATES = insert(Candidate).returning(Candidate.registration_no, Candidate.id)
_NEW_PHOTO = Prepared(insert(Photo).returning(Photo.id))
_SET_PHOTO = Prepared(
    sql_update(Candidate)
    .where(Candidate.id == bindparam("candidate"))
    .values(photo_id=bindparam("photo"))
)


def _validated(ctx: Context, raw: Mapping[str, Any]) -> Result:
    result = validate_candidate(raw, ctx.settings.policy())
    if not result.ok:
        raise ValidationFailed(result.issues)
    return result


def _apply(c: Candidate, data: CandidateData) -> list[str]:
    changed = []
    for name, value in data.as_dict().items():
        if getattr(c, name) != value:
            setattr(c, name, value)
            changed.append(name)
    if "name" in changed:
        c.name_initials = pinyin.initials(c.name)
    return changed


def _ensure_unique_id_number(s: Session, number: str, own_id: int | None) -> None:
    # Every candidate is in the database as soon as it is made (for its id), so what is
    # pending here is only audit rows and counters: a plain statement, no flush before it.
    found = _ID_OF_NUMBER.run(s.connection(), {"number": number})
    if found and found[0][0] != own_id:
        raise DuplicateCandidate(found[0][0], number)


@dataclass(frozen=True, slots=True)
class _PhotoChecked:
    """A new photo's columns and its near-duplicate flag, worked out before it is written."""

    columns: dict[str, Any]
    flag: duplicates.NearFlag | None
    passes: bool  # counts as a good photo (:func:`photo_passes`)


def _check_photo(
    s: Session, ctx: Context, candidate_id: int | None, photo: PhotoInput
) -> _PhotoChecked:
    """Everything about a new photo of the candidate (None: one not written yet) that does
    not need it written: its size, hashes, and whether it nearly matches another
    candidate's photo (a flag)."""
    if photo.source == "file" and not photo.approved_by:
        # Photos are taken live; a file is the supervisor-authorised fallback.
        ctx.require(Permission.IMPORT_PHOTO)
    width, height = jpeg_dimensions(photo.jpeg)
    sha256 = photo.sha256  # a property that hashes the bytes: once
    # The demo placeholder is one picture for everyone: nothing to compare.
    phash = "" if photo.source == "demo" else duplicates.photo_hash(photo.jpeg, sha256)
    flag = duplicates.near_flag(s, ctx, candidate_id, phash)
    columns = {
        "sha256": sha256,
        "jpeg": photo.jpeg,
        "width": width,
        "height": height,
        "source": photo.source,
        "quality_ok": photo.quality_ok,
        "created_by": ctx.operator.login,
        "phash": phash,
        "flag": flag.text if flag else "",
        "flag_cleared_by": "",
        "import_reason": "",
    }
    return _PhotoChecked(columns, flag, photo.quality_ok and flag is None)


def _write_photo(s: Session, candidate_id: int, checked: _PhotoChecked) -> int:
    """Write a checked photo of the candidate (the caller points the candidate at it and
    appends the flag's event); returns its id. A row: nothing here is read back."""
    rows = _NEW_PHOTO.run(s.connection(), {"candidate_id": candidate_id, **checked.columns})
    s.info[duplicates.WROTE_PHOTOS] = True  # the look-alike index: see _HashIndex.refresh
    return int(rows[0][0])


def _store_photo(
    s: Session, ctx: Context, candidate_id: int, version: int, photo: PhotoInput
) -> tuple[int, bool]:
    """Store a new photo of a candidate already written (flagged when it nearly matches
    another candidate's photo, the flag audited); the caller points the candidate at it.
    Returns the photo's id and whether it counts as a good photo."""
    checked = _check_photo(s, ctx, candidate_id, photo)
    photo_id = _write_photo(s, candidate_id, checked)
    if checked.flag is not None:
        audit.append_events(s, ctx.operator.login, [checked.flag.event(candidate_id, version)])
    return photo_id, checked.passes


def _new_row(
    data: CandidateData,
    number: str,
    actor: str,
    now: dt.datetime,
    *,
    is_demo: bool,
    card_fields: str = "",
) -> dict[str, Any]:
    """The columns of a new candidate, a draft of version 1 (a save, a roster import)."""
    values = data.as_dict()
    values.update(
        registration_no=number,
        name_initials=pinyin.initials(data.name),
        state=State.DRAFT.value,
        version=1,
        is_demo=is_demo,
        created_at=now,
        updated_at=now,
        created_by=actor,
        updated_by=actor,
        archive_ref="",
        state_reason="",
        card_fields=card_fields,
    )
    return values


def _create_rows(
    s: Session,
    ctx: Context,
    result: Result,
    photo: PhotoInput | None,
    *,
    is_demo: bool,
    source: str,
    card_fields: Sequence[str],
) -> tuple[int, str, str]:
    """A new candidate, written as rows (a save reads nothing back): the record with its
    报名号, in its final state (ready at once when the record is valid and the photo good),
    the photo (compared with every other candidate's before it is written), and the audit
    events. Returns (id, 报名号, state)."""
    ctx.require(Permission.COLLECT)
    data = result.data
    _ensure_unique_id_number(s, data.id_number, None)
    actor = ctx.operator.login
    now = utcnow()
    stored_fields = _card_fields(card_fields)
    number = regno.next_number(s, ctx.settings.registration_no_template)
    values = _new_row(data, number, actor, now, is_demo=is_demo, card_fields=stored_fields)
    checked = _check_photo(s, ctx, None, photo) if photo is not None else None
    state, rule = State.DRAFT, None
    if checked is not None and result.ok and checked.passes:
        # What settle_ready_in decides for a new draft with its photo.
        facts = Facts(record_valid=True, photo_ok=True)
        rule = lifecycle.check(state, Action.MARK_READY, ctx.operator.role, facts)
        values["state"] = rule.target.value
    candidate_id = int(_NEW_CANDIDATE.run(s.connection(), values)[0][0])
    created = {
        "registration_no": number,
        "source": source,
        "demo": is_demo,
        **({"card_fields": stored_fields.split(",")} if stored_fields else {}),
    }
    events: list[audit.NewEvent] = [("create", candidate_id, 1, "", created)]
    if checked is not None:
        photo_id = _write_photo(s, candidate_id, checked)
        # No index holds photo_id: pointing at the photo touches only the candidate's row.
        _SET_PHOTO.run(s.connection(), {"candidate": candidate_id, "photo": photo_id})
        if checked.flag is not None:
            events.append(checked.flag.event(candidate_id, 1))
    if rule is not None:
        events.append(transition_event(candidate_id, 1, state, rule, Action.MARK_READY))
        state = rule.target
    audit.append_events(s, actor, events)  # all in one statement
    return candidate_id, number, state.value


def create_in(
    s: Session,
    ctx: Context,
    raw: Mapping[str, Any],
    photo: PhotoInput | None = None,
    *,
    is_demo: bool = False,
    source: str = "manual",
    checked: Result | None = None,
    card_fields: Sequence[str] = (),
) -> Candidate:
    """:func:`create` inside the caller's session; returns the candidate itself, for callers
    that go on with it (seeding moves it along the lifecycle)."""
    result = checked or _validated(ctx, raw)
    candidate_id, _number, _state = _create_rows(
        s, ctx, result, photo, is_demo=is_demo, source=source, card_fields=card_fields
    )
    return get(s, candidate_id)


def _card_fields(names: Sequence[str]) -> str:
    """The stored form: names of card fields, in the registry's order, comma-separated."""
    wanted = set(names)
    unknown = wanted - set(CARD_FIELDS)
    if unknown:
        raise ValueError(f"not fields an ID card fills: {sorted(unknown)}")
    return ",".join(f for f in CARD_FIELDS if f in wanted)


def _refuse_card_field_changes(c: Candidate, data: CandidateData) -> None:
    changed = [f for f in card_fields_of(c) if getattr(c, f) != getattr(data, f)]
    if changed:
        names = "、".join(field_label_zh(f) for f in changed)
        raise TransitionRefused(
            "card_fields_locked",
            f"{names}读自身份证，修改须经审核员批准",
            f"{', '.join(changed)} were read from the ID card: a supervisor must approve a change",
        )


def bulk_create_in(
    s: Session, ctx: Context, rows: Sequence[CandidateData], *, source: str
) -> list[tuple[int, str]]:
    """Store many validated, photo-less candidates at once (a roster import).

    The same rules as :func:`create_in`, checked by the caller beforehand (``validate_candidate``
    and no stored candidate with the ID number); the rows go in as one multi-row INSERT and
    the audit events as another, instead of one unit of work per candidate. Returns
    ``(id, 报名号)`` in the order of ``rows``.
    """
    ctx.require(Permission.COLLECT)
    if not rows:
        return []
    now = utcnow()
    actor = ctx.operator.login
    numbers = regno.next_numbers(s, ctx.settings.registration_no_template, len(rows))
    values = [
        _new_row(data, number, actor, now, is_demo=False)
        for data, number in zip(rows, numbers, strict=True)
    ]
    # RETURNING in batches, matched back by 报名号 (unique, and known before the INSERT):
    # asked to keep the rows' order, SQLAlchemy sends SQLite one INSERT per candidate.
    ids = {number: id_ for number, id_ in s.connection().execute(_NEW_CANDIDATES, values)}
    stored = [(ids[number], number) for number in numbers]
    audit.append_many(
        s,
        actor,
        "create",
        [
            (candidate_id, 1, {"registration_no": number, "source": source, "demo": False})
            for candidate_id, number in stored
        ],
        at=now.replace(tzinfo=dt.UTC),
    )
    return stored


def create(
    ctx: Context,
    raw: Mapping[str, Any],
    photo: PhotoInput | None = None,
    *,
    source: str = "manual",
    card_fields: Sequence[str] = (),
) -> Saved:
    """Store a new candidate; raise ValidationFailed / DuplicateCandidate and store nothing.
    ``card_fields``: the fields read from the ID card, kept read-only from now on."""
    checked = _validated(ctx, raw)  # once: its warnings go back to the caller
    with ctx.store.session() as s:
        candidate_id, number, state = _create_rows(
            s, ctx, checked, photo, is_demo=False, source=source, card_fields=card_fields
        )
    return Saved(candidate_id, number, state, 1, list(checked.issues))


def rehearse_create(ctx: Context, raw: Mapping[str, Any], photo: PhotoInput | None) -> None:
    """:func:`create` in a transaction that is rolled back: nothing is stored (no record, no
    报名号, no audit event), but every statement of a save is compiled and the pages it reads
    are loaded (station/warmup.py, after a login, so that the first save costs what a later
    one does). It waits for the write lock like a save, and holds it for one save's time."""
    checked = _validated(ctx, raw)
    if photo is not None and photo.source != "demo":
        # Hashed before the write lock: the first hash loads OpenCV, which a real save in
        # another thread must not wait for (the result is remembered for the save below).
        duplicates.photo_hash(photo.jpeg)
    with ctx.store.engine.connect() as connection:
        transaction = connection.begin()
        try:
            with Session(bind=connection) as s:
                _create_rows(s, ctx, checked, photo, is_demo=True, source="warm-up", card_fields=())
                s.flush()  # the audit events, the head and the counter: compiled, then undone
        finally:
            transaction.rollback()


def update_in(
    s: Session,
    ctx: Context,
    c: Candidate,
    raw: Mapping[str, Any],
    photo: PhotoInput | None,
    card_fields: Sequence[str] = (),
) -> list[str]:
    """Store an edit. Fields read from the ID card before are refused a change; ``card_fields``
    read from the card now (a roster's record completed at the desk) join them."""
    ctx.require(Permission.COLLECT)
    if State(c.state).locked:
        raise TransitionRefused(
            "locked",
            f"记录为“{State(c.state).label_zh}”状态，已锁定，不能修改；如需更正请由审核员解锁",
            f"the record is {c.state} and locked",
        )
    result = _validated(ctx, raw)
    _ensure_unique_id_number(s, result.data.id_number, c.id)
    _refuse_card_field_changes(c, result.data)
    changed = _apply(c, result.data)
    if card_fields:
        before = card_fields_of(c)
        c.card_fields = _card_fields([*before, *card_fields])
        if card_fields_of(c) != before:
            audit.append(
                s,
                ctx.operator.login,
                "card_read",
                candidate_id=c.id,
                version=c.version,
                detail={"card_fields": card_fields_of(c)},
            )
    photo_ok = None
    if photo is not None:
        c.photo_id, photo_ok = _store_photo(s, ctx, c.id, c.version, photo)
        changed.append("photo")
    if changed:
        # What the candidate reviewed, or what was printed, is no longer what is stored.
        c.candidate_reviewed_at = None
        c.form_printed_at = None
        c.updated_at = utcnow()
        c.updated_by = ctx.operator.login
        # Field names only: the chain travels to the county and needs no second copy of data.
        audit.append(
            s,
            ctx.operator.login,
            "edit",
            candidate_id=c.id,
            version=c.version,
            detail={"fields": changed},
        )
    settle_ready_in(s, ctx, c, valid=result.ok, photo_ok=photo_ok)
    return changed


def update(
    ctx: Context,
    candidate_id: int,
    raw: Mapping[str, Any],
    photo: PhotoInput | None = None,
    *,
    card_fields: Sequence[str] = (),
) -> Saved:
    with ctx.store.session() as s:
        c = get(s, candidate_id)
        update_in(s, ctx, c, raw, photo, card_fields)
        return Saved(c.id, c.registration_no, c.state, c.version, [])


def set_photo(ctx: Context, candidate_id: int, photo: PhotoInput) -> Saved:
    with ctx.store.session() as s:
        c = get(s, candidate_id)
        update_in(s, ctx, c, record_values(c), photo)
        return Saved(c.id, c.registration_no, c.state, c.version, [])
