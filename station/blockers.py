"""Why a record is stuck (为何停在此状态): what keeps a candidate's record in its lifecycle
state, who must act on it, and what moves it on once nothing does.

The reasons are read off the lifecycle's own guards: :data:`station.lifecycle.NEEDS` says
which facts the next transition needs, :func:`station.records.facts_of` reads them exactly as a
transition does, and each unmet fact is then told in words with what stands behind it (the
fields that fail validation, the other 报名号 a photo resembles, the batch that waits for
the county's receipt). So the explanation cannot say "nothing blocks" where the transition
would refuse, nor name a reason the transition does not check.

``station candidate show`` prints it; the desk shows it under the queue for the selected
record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import fields, lifecycle, records
from station.auth import Context
from station.lifecycle import Action, Facts, State
from station.models import AuditEvent, Batch, Candidate, Photo
from station.photo import duplicates, review
from station.validation import Result, validate_candidate

HEADING_ZH = "为何停在此状态"
HEADING_EN = "What keeps the record in this state"


class Actor(StrEnum):
    """Who must act for a record to move on."""

    OPERATOR = "operator"
    CANDIDATE = "candidate"
    SUPERVISOR = "supervisor"
    COUNTY = "county"

    @property
    def label_zh(self) -> str:
        return {
            "operator": "采集员",
            "candidate": "考生",
            "supervisor": "审核员",
            "county": "县区",
        }[self.value]

    @property
    def label_en(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Blocker:
    """One thing that keeps a record where it is (阻碍) and who must act on it.

    ``code`` is stable for scripts; ``field`` names the record field at fault; ``others``
    are the 报名号 of other records involved (a near-duplicate photo)."""

    code: str
    actor: Actor
    message_zh: str
    message_en: str
    field: str = ""
    others: tuple[str, ...] = ()

    def message(self, language: str) -> str:
        return self.message_en if language == "en" else self.message_zh

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "actor": self.actor.value,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "field": self.field,
            "others": list(self.others),
        }


@dataclass(frozen=True, slots=True)
class Why:
    """A record's standing: its state, what blocks it, and (only when nothing does) what
    moves it on."""

    registration_no: str
    state: State
    blockers: list[Blocker]
    next_zh: str = ""
    next_en: str = ""

    def lines(self, language: str) -> list[str]:
        """One sentence per blocker, or the next step, in ``language`` (``en`` or Chinese)."""
        if self.blockers:
            return [b.message(language) for b in self.blockers]
        return [self.next_en if language == "en" else self.next_zh]

    def as_dict(self) -> dict[str, Any]:
        """What ``candidate show --json`` adds: ``blockers``, and ``next_step`` (or null)."""
        step = {"zh": self.next_zh, "en": self.next_en} if not self.blockers else None
        return {"blockers": [b.as_dict() for b in self.blockers], "next_step": step}


def why(ctx: Context, candidate_id: int) -> Why:
    """The standing of one record, read in its own read transaction (the desk's call)."""
    with ctx.store.read() as s:
        return why_in(s, ctx, records.get(s, candidate_id))


def why_in(s: Session, ctx: Context, c: Candidate) -> Why:
    state = State(c.state)
    found = blockers_in(s, ctx, c)
    if found:
        return Why(c.registration_no, state, found)
    next_zh, next_en = _next_step(state)
    return Why(c.registration_no, state, found, next_zh, next_en)


def blockers_in(s: Session, ctx: Context, c: Candidate) -> list[Blocker]:
    """What keeps ``c`` in its state, in the order the lifecycle's guards check it."""
    state = State(c.state)
    ahead = forward_actions(state)
    if not ahead:
        return _after_the_end(c, state)
    checked = validate_candidate(records.record_values(c), ctx.settings.policy())
    facts = records.facts_of(s, ctx, c, valid=checked.ok)
    found: list[Blocker] = []
    for name in _unmet(ahead, facts):
        found += _explain(name, s, c, state, checked)
    if Action.EXPORT in ahead:
        found += _export_stopped(ctx)
    return found


def _export_stopped(ctx: Context) -> list[Blocker]:
    """Not a guard of the record's own but of the station: no export after a failed
    integrity check (:func:`station.integrity.before_export` refuses it the same way)."""
    from station import integrity

    state = integrity.read_state(ctx.store)
    if not state.failed:
        return []
    refused = integrity.refusal(state)
    return [Blocker("integrity_failed", Actor.SUPERVISOR, refused.message_zh, refused.message_en)]


def forward_actions(state: State) -> list[Action]:
    """The transitions that take a record on from ``state`` (not back to ``draft``)."""
    return [
        a for a in lifecycle.allowed_actions(state) if lifecycle.RULES[a].target is not State.DRAFT
    ]


def _unmet(actions: list[Action], facts: Facts) -> list[str]:
    # Approve and reject need the same fact: it is told once.
    return list(dict.fromkeys(name for a in actions for name in lifecycle.unmet(a, facts)))


def _explain(name: str, s: Session, c: Candidate, state: State, checked: Result) -> list[Blocker]:
    if name == "record_valid":
        return list(_invalid_fields(c, checked))
    if name == "photo_ok":
        return list(_photo(s, c))
    if name == "county_verified":
        return [_county(s, c, state)]
    return [_STEPS[name]]


def _invalid_fields(c: Candidate, checked: Result) -> Iterator[Blocker]:
    from_card = set(records.card_fields_of(c))
    for issue in checked.errors:
        spec = fields.BY_NAME.get(issue.field)
        label_en = spec.label_en if spec else issue.field
        if issue.field in from_card:  # the update guard refuses changing it without release
            yield Blocker(
                "field_invalid",
                Actor.SUPERVISOR,
                f"“{issue.label_zh}”{issue.message_zh}；此项读自身份证，须审核员批准后采集员才能更正",
                f"{label_en} {issue.message_en}: it was read from the ID card, so a supervisor"
                " must approve before the operator corrects it",
                issue.field,
            )
        else:
            yield Blocker(
                "field_invalid",
                Actor.OPERATOR,
                f"“{issue.label_zh}”{issue.message_zh}，须采集员更正后保存",
                f"{label_en} {issue.message_en}: the operator corrects it and saves",
                issue.field,
            )


def _photo(s: Session, c: Candidate) -> Iterator[Blocker]:
    """Each part of :func:`station.records.photo_passes` that fails."""
    photo = s.get(Photo, c.photo_id) if c.photo_id else None
    if photo is None:
        yield Blocker(
            "photo_missing",
            Actor.OPERATOR,
            "尚未采集照片，须采集员拍照（F3）",
            "No photo yet: the operator takes one (F3)",
        )
        return
    if not photo.quality_ok:
        yield Blocker(
            "photo_failed_checks",
            Actor.OPERATOR,
            "照片未通过检查，须采集员重新拍照（F3）",
            "The photo did not pass its checks: the operator takes it again (F3)",
        )
    if review.flag_pending(photo):
        others = _similar_to(s, c)
        zh, en = (
            duplicates.flag_texts(list(others))
            if others
            else (photo.flag, duplicates.flag_in(photo.flag, "en"))
        )
        yield Blocker(
            "photo_near_duplicate",
            Actor.SUPERVISOR,
            f"照片{zh}（考生信息表中的“照片已核实…”）；核实前不能进入待确认",
            f"{en} (Photo checked… in the candidate form); until then it cannot become ready",
            others=others,
        )


def _similar_to(s: Session, c: Candidate) -> tuple[str, ...]:
    """The 报名号 the current photo resembles, as the flagging recorded them: the flag and its
    audit event are written together, the event in structured form."""
    detail = s.scalar(
        select(AuditEvent.detail)
        .where(AuditEvent.candidate_id == c.id, AuditEvent.action == "photo_flagged")
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    )
    if detail is None:
        return ()
    return tuple(str(n) for n in json.loads(detail).get("similar_to", []) if n)


def _county(s: Session, c: Candidate, state: State) -> Blocker:
    if state is State.ACKNOWLEDGED:
        return Blocker(
            "awaiting_county_review",
            Actor.COUNTY,
            "县区已接收，等待县区资格审核结果（导入审核结果文件后生效）",
            "Received by the county: waiting for its review result (applied when the county's"
            " review file is imported)",
        )
    batch = _batch_of(s, c)
    if batch is None:
        return Blocker(
            "awaiting_receipt",
            Actor.COUNTY,
            "已导出，等待县区回执；回执验证后即为“县区已接收”",
            "Exported: waiting for the county's receipt, which marks it received once verified",
        )
    if batch.state == "acknowledged":  # the receipt came, and did not list this version
        return Blocker(
            "receipt_without_record",
            Actor.COUNTY,
            f"第 {batch.sequence} 批的县区回执未列出此记录，须与县区核对；"
            "需重新上报时由审核员解锁，重新签字后再导出",
            f"The county's receipt for batch {batch.sequence} does not list this record: check"
            " with the county; to send it again a supervisor unlocks it, and it is signed and"
            " exported again",
        )
    if batch.written_at is None:
        return Blocker(
            "batch_not_written",
            Actor.OPERATOR,
            f"第 {batch.sequence} 批已封存但文件尚未写出，须采集员在“批次与回执”中写出"
            "（或再次“导出上报文件”）并交给县区",
            f"Batch {batch.sequence} is sealed but its file was never written: the operator"
            " writes it (Batches, or Export for county again) and takes it to the county",
        )
    return Blocker(
        "awaiting_receipt",
        Actor.COUNTY,
        f"已随第 {batch.sequence} 批（{batch.file_name}）导出，等待县区回执；"
        "回执验证后即为“县区已接收”",
        f"Exported in batch {batch.sequence} ({batch.file_name}): waiting for the county's"
        " receipt, which marks it received once verified",
    )


def _batch_of(s: Session, c: Candidate) -> Batch | None:
    """The latest batch that carried the record's current version."""
    wanted = [c.registration_no, c.version]
    rows = s.scalars(
        select(Batch)
        .where(Batch.items.contains(f'"{c.registration_no}"', autoescape=True))
        .order_by(Batch.sequence.desc())
    )
    return next((b for b in rows if wanted in json.loads(b.items)), None)


def _after_the_end(c: Candidate, state: State) -> list[Blocker]:
    """A state no transition leads on from: only a supervisor's unlock, if anything."""
    if Action.UNLOCK not in lifecycle.allowed_actions(state):
        return []
    reason = c.state_reason or "未说明原因"
    return [
        Blocker(
            "county_rejected",
            Actor.SUPERVISOR,
            f"县区审核未通过（{reason}），须审核员解锁更正；新版本须重新核对、打印、签字并再次导出",
            f"The county rejected it ({c.state_reason or 'no reason given'}): a supervisor"
            " unlocks it for correction; the new version is checked, printed, signed and"
            " exported again",
        )
    ]


#: The facts that are one act of one person, whatever the record holds.
_STEPS: dict[str, Blocker] = {
    "candidate_reviewed": Blocker(
        "awaiting_candidate_review",
        Actor.CANDIDATE,
        "等待考生本人在考生屏上核对信息（采集员按“考生核对 (F4)”打开考生屏）",
        "Waiting for the candidate to check their data on the candidate screen (the operator"
        " opens it with Candidate check, F4)",
    ),
    "password_set": Blocker(
        "awaiting_candidate_password",
        Actor.CANDIDATE,
        "等待考生本人在考生屏上设置密码和验证问题（F4）",
        "Waiting for the candidate to set their own password and verification question on the"
        " candidate screen (F4)",
    ),
    "form_printed": Blocker(
        "form_not_printed",
        Actor.OPERATOR,
        "尚未打印报名登记表，须采集员打印（Ctrl+P）",
        "The registration form is not printed: the operator prints it (Ctrl+P)",
    ),
    "archive_ref": Blocker(
        "awaiting_signature",
        Actor.CANDIDATE,
        "等待考生和监护人在打印的报名登记表上签字；签字后采集员登记存档位置（“已签字…” F9）",
        "Waiting for the candidate and the guardian to sign the printed form; then the operator"
        " records where it is archived (Signed…, F9)",
    ),
}


def _next_step(state: State) -> tuple[str, str]:
    """(Chinese, English) of what moves an unblocked record on."""
    ahead = forward_actions(state)
    if Action.MARK_READY in ahead:
        return (
            "可进入下一步：信息与照片均已合格，采集员再保存一次即进入待确认",
            "Nothing blocks: data and photo pass; saving once more makes it ready for review",
        )
    if Action.CONFIRM in ahead:
        return (
            "可进入下一步：采集员确认（F8）",
            "Nothing blocks: the operator confirms it (F8)",
        )
    if Action.EXPORT in ahead:
        return (
            "可进入下一步：等待导出，采集员“导出上报文件”（Ctrl+B）",
            "Nothing blocks: it waits to be exported; the operator exports for the county (Ctrl+B)",
        )
    if not ahead:
        return ("流程已结束，无须再办理", "The record's path is complete: nothing more to do")
    return ("可进入下一步", "Nothing blocks the next step")
