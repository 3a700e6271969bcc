"""Moving records along the lifecycle (状态流转): the facts the guards read, each
transition with its audit event, the candidate's review and password, the signature, and a
supervisor's release of card fields or unlock of a locked record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from station import audit, lifecycle
from station.audit import canonical_json
from station.auth import Context
from station.errors import TransitionRefused
from station.lifecycle import Action, Facts, State
from station.models import Candidate, CandidateVersion, Photo, utcnow
from station.photo import review
from station.records.finding import get
from station.records.reading import (
    Saved,
    canonical_record,
    card_fields_of,
    digest_of,
    record_values,
)
from station.roles import Permission, Role
from station.validation import validate_candidate


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
    event = transition_event(c.id, c.version, state, rule, action, reason, detail, replaces)
    audit.append_events(s, ctx.operator.login, [event])
    c.state = rule.target.value
    c.state_reason = reason.strip()
    c.updated_at = utcnow()
    c.updated_by = ctx.operator.login


def transition_event(
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
