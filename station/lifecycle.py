"""The record lifecycle (考生记录状态): one state machine, pure functions, no storage.

::

    draft ──mark_ready──▶ ready ──confirm──▶ confirmed ──sign──▶ signed [LOCKED]
    signed ──export──▶ exported ──acknowledge──▶ acknowledged ──approve/reject──▶ approved | rejected
    signed/exported/acknowledged/rejected ──unlock (supervisor + reason)──▶ draft, version + 1
    ready ──invalidate──▶ draft            (an edit took away a required field or the photo)
    confirmed ──reopen (reason)──▶ draft, version + 1   (error found on the printed, unsigned form)

A version number names one printed content: anything that sends a record back to ``draft``
after its form was printed starts a new version, so an old paper form can never match new data.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from station.errors import TransitionRefused
from station.roles import Permission, Role, allows


class State(StrEnum):
    DRAFT = "draft"  # 采集中
    READY = "ready"  # 待确认
    CONFIRMED = "confirmed"  # 已确认（已打印）
    SIGNED = "signed"  # 已签字（锁定）
    EXPORTED = "exported"  # 已导出
    ACKNOWLEDGED = "acknowledged"  # 县区已接收
    APPROVED = "approved"  # 审核通过
    REJECTED = "rejected"  # 审核未通过

    @property
    def label_zh(self) -> str:
        return STATE_LABELS[self]

    @property
    def locked(self) -> bool:
        """Fields may not be edited in this state."""
        return self not in (State.DRAFT, State.READY)


STATE_LABELS = {
    State.DRAFT: "采集中",
    State.READY: "待确认",
    State.CONFIRMED: "已确认",
    State.SIGNED: "已签字",
    State.EXPORTED: "已导出",
    State.ACKNOWLEDGED: "县区已接收",
    State.APPROVED: "审核通过",
    State.REJECTED: "审核未通过",
}


class Action(StrEnum):
    MARK_READY = "mark_ready"
    INVALIDATE = "invalidate"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    SIGN = "sign"
    EXPORT = "export"
    ACKNOWLEDGE = "acknowledge"
    APPROVE = "approve"
    REJECT = "reject"
    UNLOCK = "unlock"


@dataclass(frozen=True, slots=True)
class Rule:
    action: Action
    sources: frozenset[State]
    target: State
    permission: Permission
    needs_reason: bool = False
    new_version: bool = False


_LOCKED_REOPENABLE = frozenset({State.SIGNED, State.EXPORTED, State.ACKNOWLEDGED, State.REJECTED})

RULES: dict[Action, Rule] = {
    r.action: r
    for r in (
        Rule(Action.MARK_READY, frozenset({State.DRAFT}), State.READY, Permission.COLLECT),
        Rule(Action.INVALIDATE, frozenset({State.READY}), State.DRAFT, Permission.COLLECT),
        Rule(Action.CONFIRM, frozenset({State.READY}), State.CONFIRMED, Permission.COLLECT),
        Rule(
            Action.REOPEN,
            frozenset({State.CONFIRMED}),
            State.DRAFT,
            Permission.UNLOCK,  # the form is printed: a supervisor's act, as unlocking
            needs_reason=True,
            new_version=True,
        ),
        Rule(Action.SIGN, frozenset({State.CONFIRMED}), State.SIGNED, Permission.COLLECT),
        Rule(Action.EXPORT, frozenset({State.SIGNED}), State.EXPORTED, Permission.EXPORT),
        Rule(
            Action.ACKNOWLEDGE, frozenset({State.EXPORTED}), State.ACKNOWLEDGED, Permission.EXPORT
        ),
        Rule(Action.APPROVE, frozenset({State.ACKNOWLEDGED}), State.APPROVED, Permission.EXPORT),
        Rule(
            Action.REJECT,
            frozenset({State.ACKNOWLEDGED}),
            State.REJECTED,
            Permission.EXPORT,
            needs_reason=True,
        ),
        Rule(
            Action.UNLOCK,
            _LOCKED_REOPENABLE,
            State.DRAFT,
            Permission.UNLOCK,
            needs_reason=True,
            new_version=True,
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Facts:
    """What the guards look at; the caller reads them off the stored record."""

    record_valid: bool = False
    photo_ok: bool = False
    candidate_reviewed: bool = False
    password_set: bool = False
    form_printed: bool = False
    archive_ref: str = ""
    # Set only by code that has verified a signed county receipt or review file.
    county_verified: bool = False


#: What each guarded action needs of the record, as names of :class:`Facts` fields in the
#: order its guard checks them. The guard and the explanation of a stuck record
#: (station/blockers.py) both read this one table, so they cannot disagree.
NEEDS: dict[Action, tuple[str, ...]] = {
    Action.MARK_READY: ("record_valid", "photo_ok"),
    Action.CONFIRM: (
        "record_valid",
        "photo_ok",
        "candidate_reviewed",
        "password_set",
        "form_printed",
    ),
    Action.SIGN: ("archive_ref",),
    Action.ACKNOWLEDGE: ("county_verified",),
    Action.APPROVE: ("county_verified",),
    Action.REJECT: ("county_verified",),
}

# The confirmation's refusal names steps, not facts: data and photo are one step to the operator.
_CONFIRM_STEPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("record_valid", "photo_ok"), "信息与照片"),
    (("candidate_reviewed",), "考生本人核对"),
    (("password_set",), "考生设置密码"),
    (("form_printed",), "打印报名登记表"),
)


def unmet(action: Action, facts: Facts) -> list[str]:
    """The :data:`NEEDS` of ``action`` that ``facts`` lack, in the guard's order."""
    return [name for name in NEEDS.get(action, ()) if not _holds(facts, name)]


def _holds(facts: Facts, name: str) -> bool:
    value = getattr(facts, name)
    return bool(value.strip()) if isinstance(value, str) else bool(value)


def allowed_actions(state: State) -> list[Action]:
    return [a for a, r in RULES.items() if state in r.sources]


def check(state: State, action: Action, role: Role, facts: Facts, reason: str = "") -> Rule:
    """Return the rule for ``action`` from ``state`` or raise :class:`TransitionRefused`."""
    rule = RULES[action]
    if state not in rule.sources:
        raise TransitionRefused(
            "wrong_state",
            f"记录当前为“{state.label_zh}”，不能执行此操作",
            f"{action.value} is not allowed from {state.value}",
        )
    if not allows(role, rule.permission):
        raise TransitionRefused(
            "permission",
            "此操作需要报名点负责人（审核员）账号"
            if rule.permission is Permission.UNLOCK
            else "当前账号无权执行此操作",
            f"role {role.value} may not {action.value}",
        )
    if rule.needs_reason and not reason.strip():
        raise TransitionRefused("reason_required", "请填写原因", f"{action.value} needs a reason")
    _check_guards(action, facts)
    return rule


def _check_guards(action: Action, facts: Facts) -> None:
    missing = unmet(action, facts)
    if not missing:
        return
    if action is Action.MARK_READY:
        if "record_valid" in missing:
            raise TransitionRefused(
                "record_invalid", "信息不完整或有误，不能进入待确认", "the record is not valid"
            )
        raise TransitionRefused(
            "photo_missing", "尚未采集合格照片", "no photo that passes the checks"
        )
    if action is Action.CONFIRM:
        steps = [zh for names, zh in _CONFIRM_STEPS if any(n in missing for n in names)]
        raise TransitionRefused(
            "confirm_incomplete",
            "尚未完成：" + "、".join(steps),
            "not done yet: " + ", ".join(steps),
        )
    if action is Action.SIGN:
        raise TransitionRefused(
            "archive_ref_required",
            "请填写纸质登记表的存档位置（盒号、页码）",
            "the archive reference of the signed paper form is required",
        )
    raise TransitionRefused(
        "county_document_required",
        "只有经验证的县区回执或审核结果才能改变此状态",
        "only a verified county receipt or review file may do this",
    )
