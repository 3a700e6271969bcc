"""Candidate records (考生记录): create, edit, move along the lifecycle, find.

Every function takes a logged-in :class:`~station.auth.Context`. The ``*_in`` variants
(``create_in``, ``transition_in``, ``sign_in``, …) are the public session-level API: they work
inside a session the caller holds, so bulk jobs (seeding, roster import, the exchange) can
commit many records at once through exactly the same rules, without reaching for private
names (tests/test_layering.py keeps it so).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy import update as sql_update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from station import audit, idnumber, lifecycle, pinyin, regno
from station.audit import canonical_json
from station.auth import Context
from station.errors import DuplicateCandidate, NotFound, TransitionRefused, ValidationFailed
from station.fields import CARD_FIELDS
from station.fields import label_zh as field_label_zh
from station.lifecycle import Action, Facts, State
from station.models import Candidate, CandidateVersion, Photo, utcnow
from station.photo import duplicates, review
from station.photo.stored import PhotoInput, jpeg_dimensions
from station.prepared import Prepared
from station.roles import Permission, Role
from station.validation import RECORD_FIELDS, CandidateData, Result, validate_candidate

# --- reading ------------------------------------------------------------------------------


def record_values(c: Candidate) -> dict[str, Any]:
    return {name: getattr(c, name) for name in RECORD_FIELDS}


def canonical_record(c: Candidate, photo_sha256: str | None) -> dict[str, Any]:
    """The canonical form of a record version: what its digest covers (form QR, county)."""
    values = record_values(c)
    values["birth_date"] = c.birth_date.isoformat()
    return {
        "format": 1,
        "registration_no": c.registration_no,
        "version": c.version,
        "record": values,
        "photo_sha256": photo_sha256,
    }


def digest_of(canonical: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(canonical).encode("utf-8")).hexdigest()


def summary(c: Candidate | CandidateRow, masked: bool = True) -> dict[str, Any]:
    """What the queue and ``candidate list`` show (of a candidate, or of a search's row)."""
    return {
        "id": c.id,
        "registration_no": c.registration_no,
        "state": c.state,
        "version": c.version,
        "name": c.name,
        "id_number": idnumber.mask(c.id_number) if masked else c.id_number,
        "category": c.category,
        "school_code": c.school_code,
        "school_name": c.school_name,
        "has_photo": c.photo_id is not None,
        "is_demo": c.is_demo,
        "updated_at": c.updated_at.isoformat(timespec="seconds"),
    }


def detail(c: Candidate) -> dict[str, Any]:
    out = summary(c, masked=False)
    values = record_values(c)
    values["birth_date"] = c.birth_date.isoformat()
    out["record"] = values
    out["archive_ref"] = c.archive_ref
    out["state_reason"] = c.state_reason
    out["created_at"] = c.created_at.isoformat(timespec="seconds")
    out["created_by"] = c.created_by
    out["updated_by"] = c.updated_by
    return out


# --- finding ------------------------------------------------------------------------------


def get(s: Session, candidate_id: int) -> Candidate:
    c = s.get(Candidate, candidate_id)
    if c is None:
        raise NotFound(f"没有编号为 {candidate_id} 的考生", f"no candidate {candidate_id}")
    return c


def find_by_id_number(s: Session, number: str) -> Candidate | None:
    """The candidate itself, for a caller that changes it; a look that only reads takes
    :func:`row_by_id_number`."""
    return s.scalar(select(Candidate).where(Candidate.id_number == idnumber.normalise(number)))


def find_by_registration_no(s: Session, number: str) -> Candidate | None:
    """The candidate itself, for a caller that changes it (see :func:`row_by_registration_no`)."""
    return s.scalar(select(Candidate).where(Candidate.registration_no == number.strip()))


class CandidateRow(NamedTuple):
    """One candidate as a search finds it: what the lists show (:func:`summary` takes it as
    it takes a :class:`Candidate`), read as a row, never as an object of the session."""

    id: int
    registration_no: str
    state: str
    version: int
    name: str
    id_number: str
    category: str
    school_code: str
    school_name: str
    photo_id: int | None
    is_demo: bool
    updated_at: dt.datetime


_ROW_COLUMNS = [Candidate.__table__.c[name] for name in CandidateRow._fields]
_ROW_QUERIES = {
    "id_number": select(*_ROW_COLUMNS).where(Candidate.id_number == bindparam("key")),
    "registration_no": select(*_ROW_COLUMNS).where(Candidate.registration_no == bindparam("key")),
    # A range on the indexed column instead of LIKE: SQLite's LIKE is case-insensitive and
    # then cannot use an ordinary index. U+10FFFF sorts after every character in UTF-8.
    "name_prefix": select(*_ROW_COLUMNS)
    .where(Candidate.name >= bindparam("key"), Candidate.name < bindparam("end"))
    .order_by(Candidate.name, Candidate.id)
    .limit(bindparam("limit")),
}
_compiled: dict[tuple[type, str], tuple[str, list[Any], list[Any]]] = {}
_compiling = threading.Lock()


def _row_query(dialect: Dialect, which: str) -> tuple[str, list[Any], list[Any]]:
    """The SQL of a search as SQLAlchemy writes it for this dialect, its parameters (names
    in order, or the fixed value SQLAlchemy gave one, such as ``OFFSET 0``), and SQLAlchemy's
    own conversion of each column (dates, booleans): made once, so that a search costs the
    SQLite statement and its rows, nothing more."""
    key = (type(dialect), which)
    found = _compiled.get(key)
    if found is None:
        compiled = _ROW_QUERIES[which].compile(dialect=dialect)
        fixed = compiled.params
        order = [
            name if fixed[name] is None else (fixed[name],) for name in compiled.positiontup or ()
        ]
        convert = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in _ROW_COLUMNS
        ]
        with _compiling:
            found = _compiled.setdefault(key, (str(compiled), order, convert))
    return found


def _rows(source: Session | Context, which: str, **params: Any) -> list[CandidateRow]:
    """Run a search on the DBAPI connection: inside the caller's session (its transaction,
    after flushing what it changed, as a query of the session would), or, given a context,
    as one statement of its own on a connection of the store's pool."""
    if isinstance(source, Session):
        if source.autoflush:
            source.flush()
        connection = source.connection()
        driver = connection.connection.driver_connection
        assert driver is not None  # a live connection of the session's transaction
        return _fetch(driver, connection.dialect, which, params)
    if source.store.exclusive:
        # One connection for the whole process (a full disk): not one of a pool to borrow.
        with source.store.read() as s:
            return _rows(s, which, **params)
    raw = source.store.engine.raw_connection()
    try:
        assert raw.driver_connection is not None  # a live pooled connection
        return _fetch(raw.driver_connection, source.store.engine.dialect, which, params)
    finally:
        raw.close()


def _fetch(driver: Any, dialect: Dialect, which: str, params: dict[str, Any]) -> list[CandidateRow]:
    sql, order, convert = _row_query(dialect, which)
    values = [params[p] if isinstance(p, str) else p[0] for p in order]
    return [
        CandidateRow._make([v if f is None else f(v) for f, v in zip(convert, row, strict=True)])
        for row in driver.execute(sql, values).fetchall()
    ]


def row_by_id_number(source: Session | Context, number: str) -> CandidateRow | None:
    """The candidate with this ID number as a row (the desk asks as a number is typed), or
    None."""
    found = _rows(source, "id_number", key=idnumber.normalise(number))
    return found[0] if found else None


def row_by_registration_no(source: Session | Context, number: str) -> CandidateRow | None:
    """The candidate with this 报名号 as a row, or None."""
    found = _rows(source, "registration_no", key=number.strip())
    return found[0] if found else None


def search_name_prefix(
    source: Session | Context, prefix: str, limit: int = 50
) -> list[CandidateRow]:
    """Candidates whose name starts with ``prefix``, by name then id, as rows: in the
    caller's session, or given a context on a connection of its own."""
    prefix = prefix.strip()
    if not prefix:
        return []
    return _rows(source, "name_prefix", key=prefix, end=prefix + "\U0010ffff", limit=limit)


def lookup(s: Session, key: str) -> Candidate:
    """A record by database id, 报名号 or ID number: what the CLI's ``show`` takes."""
    key = key.strip()
    found = find_by_registration_no(s, key) or find_by_id_number(s, key)
    if found is None and key.isdigit() and len(key) < 10:
        found = s.get(Candidate, int(key))
    if found is None:
        raise NotFound(f"找不到考生“{key}”", f"no candidate matches {key!r}")
    return found


def list_candidates(
    s: Session,
    *,
    state: str | None = None,
    school_code: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[CandidateRow]:
    """Candidates by id, as rows (``candidate list``: 50,000 of them are no objects to make)."""
    stmt = select(*_ROW_COLUMNS).order_by(Candidate.id)
    if state:
        stmt = stmt.where(Candidate.state == state)
    if school_code:
        stmt = stmt.where(Candidate.school_code == school_code)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return [CandidateRow._make(row) for row in s.execute(stmt)]


def count_by_state(s: Session) -> dict[str, int]:
    rows = s.execute(select(Candidate.state, func.count()).group_by(Candidate.state))
    return {state: n for state, n in rows}


# --- writing ------------------------------------------------------------------------------


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


@dataclass(frozen=True, slots=True)
class Saved:
    id: int
    registration_no: str
    state: str
    version: int
    warnings: list[Any]


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


def facts_of(
    s: Session,
    ctx: Context,
    c: Candidate,
    *,
    county_verified: bool = False,
    valid: bool | None = None,
    photo_ok: bool | None = None,
) -> Facts:
    """What the lifecycle's guards look at. ``valid``: the caller has just validated exactly
    the values stored (a save): not validated a second time. ``photo_ok``: the caller has just
    stored the photo and knows whether it passes (:func:`photo_passes`)."""
    if photo_ok is None:
        photo_ok = photo_passes(_photo_state(s, c.photo_id))
    if valid is None:
        valid = validate_candidate(record_values(c), ctx.settings.policy()).ok
    return Facts(
        record_valid=valid,
        photo_ok=photo_ok,
        candidate_reviewed=c.candidate_reviewed_at is not None,
        password_set=bool(c.password_hash),
        form_printed=c.form_printed_at is not None,
        archive_ref=c.archive_ref,
        county_verified=county_verified,
    )


def _photo_state(s: Session, photo_id: int | None) -> Any:
    """What :func:`photo_passes` reads of a photo: the photo of the session when it holds one
    (with what was changed on it), else its three columns as a row, never its JPEG."""
    if photo_id is None:
        return None
    held = s.identity_map.get(s.identity_key(Photo, photo_id))
    if held is not None:
        return held
    return s.execute(
        select(Photo.quality_ok, Photo.flag, Photo.flag_cleared_by).where(Photo.id == photo_id)
    ).first()


def photo_passes(photo: Any) -> bool:
    """The ``photo_ok`` fact: a photo that passed its checks, and, when it looks like another
    candidate's, a supervisor has looked at it (station/blockers.py explains each part).
    ``photo``: a :class:`Photo` or a row of its ``quality_ok``, ``flag`` and ``flag_cleared_by``."""
    return bool(photo is not None and photo.quality_ok and not review.flag_pending(photo))


def settle_ready_in(
    s: Session, ctx: Context, c: Candidate, valid: bool | None = None, photo_ok: bool | None = None
) -> None:
    """Draft ⇄ ready follows the data: complete with a good photo is ready, otherwise draft.
    ``valid``: what the caller's validation of the stored values said (one per save);
    ``photo_ok``: whether the photo the caller has just stored passes."""
    if c.state == State.DRAFT and c.photo_id is None:
        return  # cannot become ready; spares a roster import a second validation per row
    facts = facts_of(s, ctx, c, valid=valid, photo_ok=photo_ok)
    complete = facts.record_valid and facts.photo_ok
    if c.state == State.DRAFT and complete:
        transition_in(s, ctx, c, Action.MARK_READY, facts=facts)
    elif c.state == State.READY and not complete:
        transition_in(s, ctx, c, Action.INVALIDATE, facts=facts)


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
        events.append(_transition_event(candidate_id, 1, state, rule, Action.MARK_READY))
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


def card_fields_of(c: Candidate) -> list[str]:
    """The fields of this record read from the ID card (read-only until released)."""
    return [f for f in (c.card_fields or "").split(",") if f]


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


# --- lifecycle ----------------------------------------------------------------------------


def transition_in(
    s: Session,
    ctx: Context,
    c: Candidate,
    action: Action,
    reason: str = "",
    facts: Facts | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    state = State(c.state)
    rule = lifecycle.check(state, action, ctx.operator.role, facts or facts_of(s, ctx, c), reason)
    if action is Action.CONFIRM:
        _freeze(s, ctx, c)
    old_version = c.version
    if rule.new_version:
        # The printed form of the old version is void: the new one must be reviewed,
        # printed and signed again. The candidate's own password stays theirs.
        c.version += 1
        c.candidate_reviewed_at = None
        c.form_printed_at = None
        c.archive_ref = ""
    replaces = old_version if rule.new_version else None
    event = _transition_event(c.id, c.version, state, rule, action, reason, detail, replaces)
    audit.append_events(s, ctx.operator.login, [event])
    c.state = rule.target.value
    c.state_reason = reason.strip()
    c.updated_at = utcnow()
    c.updated_by = ctx.operator.login


def _transition_event(
    candidate_id: int,
    version: int,
    state: State,
    rule: lifecycle.Rule,
    action: Action,
    reason: str = "",
    detail: dict[str, Any] | None = None,
    replaces: int | None = None,
) -> audit.NewEvent:
    """The audit event of a transition the lifecycle allowed (``rule``)."""
    event_detail = {"from": state.value, "to": rule.target.value, **(detail or {})}
    if replaces is not None:
        event_detail["replaces_version"] = replaces
    return (action.value, candidate_id, version, reason.strip(), event_detail)


def _freeze(s: Session, ctx: Context, c: Candidate) -> CandidateVersion:
    photo_sha256 = (
        s.scalar(select(Photo.sha256).where(Photo.id == c.photo_id)) if c.photo_id else None
    )
    canonical = canonical_record(c, photo_sha256)
    snapshot = CandidateVersion(
        candidate_id=c.id,
        version=c.version,
        canonical=canonical_json(canonical),
        digest=digest_of(canonical),
        photo_id=c.photo_id,
        frozen_by=ctx.operator.login,
    )
    s.add(snapshot)
    s.flush()
    return snapshot


def transition(ctx: Context, candidate_id: int, action: Action, reason: str = "") -> Saved:
    with ctx.store.session() as s:
        c = get(s, candidate_id)
        transition_in(s, ctx, c, action, reason)
        return Saved(c.id, c.registration_no, c.state, c.version, [])


def record_review_in(s: Session, ctx: Context, c: Candidate) -> None:
    if c.state != State.READY:
        raise TransitionRefused("wrong_state", "只有待确认的记录可以由考生核对", "not ready")
    c.candidate_reviewed_at = utcnow()
    audit.append(s, ctx.operator.login, "candidate_reviewed", candidate_id=c.id, version=c.version)


def record_password_in(s: Session, ctx: Context, c: Candidate, password_hash: str) -> None:
    if State(c.state).locked:
        raise TransitionRefused("locked", "记录已锁定", "the record is locked")
    c.password_hash = password_hash
    audit.append(
        s, ctx.operator.login, "candidate_password_set", candidate_id=c.id, version=c.version
    )


def record_printed_in(s: Session, ctx: Context, c: Candidate) -> None:
    if c.state not in (State.READY, State.CONFIRMED):
        raise TransitionRefused("wrong_state", "只有待确认的记录可以打印登记表", "not ready")
    c.form_printed_at = utcnow()
    audit.append(s, ctx.operator.login, "form_printed", candidate_id=c.id, version=c.version)


def sign_in(s: Session, ctx: Context, c: Candidate, archive_ref: str) -> None:
    c.archive_ref = archive_ref.strip()
    transition_in(s, ctx, c, Action.SIGN, detail={"archive_ref": c.archive_ref})


def sign(ctx: Context, candidate_id: int, archive_ref: str) -> Saved:
    """The operator attests that candidate and guardian signed the paper form (签字确认)."""
    with ctx.store.session() as s:
        c = get(s, candidate_id)
        sign_in(s, ctx, c, archive_ref)
        return Saved(c.id, c.registration_no, c.state, c.version, [])


def versions(s: Session, candidate_id: int) -> Sequence[CandidateVersion]:
    stmt = (
        select(CandidateVersion)
        .where(CandidateVersion.candidate_id == candidate_id)
        .order_by(CandidateVersion.version)
    )
    return s.scalars(stmt).all()


def record_review(ctx: Context, candidate_id: int, *, shown: tuple[int, Any] | None = None) -> None:
    """The candidate has checked every group of their record on the candidate screen.

    ``shown`` is (version, updated_at) of what the screen showed: a record changed since
    then was not what the candidate confirmed, and the review is refused.
    """
    with ctx.store.session() as s:
        c = get(s, candidate_id)
        if shown is not None and (c.version, c.updated_at) != shown:
            raise TransitionRefused(
                "changed_meanwhile",
                "核对期间记录被修改，请让考生重新核对",
                "the record changed while the candidate checked it",
            )
        record_review_in(s, ctx, c)


def _as_supervisor(
    ctx: Context,
    candidate_id: int,
    reason: str,
    approver: tuple[str, str] | None,
    approval: str,
    refusal: tuple[str, str],
) -> Context:
    """The context a supervisor's act runs in: the logged-in supervisor's own, or, at an
    operator's desk, the approving supervisor's (their password checked and the approval
    audited as ``approval``); without an approver the operator is refused (``refusal``)."""
    import dataclasses

    from station import auth
    from station.roles import allows

    if allows(ctx.operator.role, Permission.UNLOCK):
        return ctx
    if approver is None:
        raise TransitionRefused("permission", *refusal)
    info = auth.approve(
        ctx,
        *approver,
        Permission.UNLOCK,
        approval,
        candidate_id=candidate_id,
        reason=reason.strip(),
    )
    return dataclasses.replace(ctx, operator=info)


def release_card_fields(
    ctx: Context, candidate_id: int, reason: str, *, approver: tuple[str, str] | None = None
) -> Saved:
    """A supervisor lets the fields read from the ID card be changed (the card was misread,
    or the candidate's document changed), with a reason; audited under the supervisor's
    name. At an operator's desk the supervisor approves with their own login and password."""
    if not reason.strip():
        raise TransitionRefused("reason_required", "请填写原因", "a reason is required")
    acting = _as_supervisor(
        ctx,
        candidate_id,
        reason,
        approver,
        "card_fields_release_approved",
        ("修改身份证读取的信息须经审核员批准", "a supervisor must approve changing card fields"),
    )
    with ctx.store.session() as s:
        c = get(s, candidate_id)
        released = card_fields_of(c)
        c.card_fields = ""
        audit.append(
            s,
            acting.operator.login,
            "card_fields_released",
            candidate_id=c.id,
            version=c.version,
            reason=reason.strip(),
            detail={"card_fields": released},
        )
        return Saved(c.id, c.registration_no, c.state, c.version, [])


def unlock(
    ctx: Context, candidate_id: int, reason: str, *, approver: tuple[str, str] | None = None
) -> Saved:
    """Reopen a confirmed (printed), signed, exported, acknowledged or rejected record for
    correction (审核员解锁); a new version starts and its form must be printed and signed
    again.

    A supervisor logged in does it directly; at an operator's desk a supervisor approves with
    their own login and password, and the unlock is recorded under the supervisor's name.
    """
    with ctx.store.read() as s:  # refuse what cannot be done before anyone approves it
        state = State(get(s, candidate_id).state)
    # A confirmed record's form is printed: back to editing is a supervisor's act too.
    action = Action.REOPEN if state is State.CONFIRMED else Action.UNLOCK
    lifecycle.check(
        state, action, Role.SUPERVISOR, Facts(), reason
    )  # state and reason; the role is the approver's, checked by approve()
    acting = _as_supervisor(
        ctx,
        candidate_id,
        reason,
        approver,
        "unlock_approved",
        ("此操作需要报名点负责人（审核员）批准", "a supervisor must approve reopening the record"),
    )
    return transition(acting, candidate_id, action, reason)


def bulk_transition_in(
    s: Session, ctx: Context, cands: Sequence[Any], action: Action, detail: dict[str, Any]
) -> None:
    """One guard-free transition (EXPORT) for many records: the same checks per record, one
    UPDATE and one batch of audit events instead of a unit of work per record."""
    rule = lifecycle.RULES[action]
    events = []
    for c in cands:
        lifecycle.check(State(c.state), action, ctx.operator.role, Facts())
        events.append((c.id, c.version, {"from": c.state, "to": rule.target.value, **detail}))
    now = utcnow()
    s.execute(
        sql_update(Candidate)
        .where(Candidate.id.in_([c.id for c in cands]))
        .values(
            state=rule.target.value, state_reason="", updated_at=now, updated_by=ctx.operator.login
        )
        .execution_options(synchronize_session=False)
    )
    for c in cands:  # keep loaded objects (if any) truthful for the rest of the session
        if isinstance(c, Candidate):
            s.expire(c)
    audit.append_many(s, ctx.operator.login, action.value, events)
