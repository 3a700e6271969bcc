"""Every allowed and every refused transition of the record state machine."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from station.errors import TransitionRefused
from station.lifecycle import RULES, Action, Facts, State, allowed_actions, check
from station.roles import Role

ALL_GOOD = Facts(
    record_valid=True,
    photo_ok=True,
    candidate_reviewed=True,
    password_set=True,
    form_printed=True,
    archive_ref="盒1-页1",
    county_verified=True,
)

# The architecture's table, written out independently of station/lifecycle.py.
EXPECTED = {
    (State.DRAFT, Action.MARK_READY): State.READY,
    (State.READY, Action.INVALIDATE): State.DRAFT,
    (State.READY, Action.CONFIRM): State.CONFIRMED,
    (State.CONFIRMED, Action.REOPEN): State.DRAFT,
    (State.CONFIRMED, Action.SIGN): State.SIGNED,
    (State.SIGNED, Action.EXPORT): State.EXPORTED,
    (State.EXPORTED, Action.ACKNOWLEDGE): State.ACKNOWLEDGED,
    (State.ACKNOWLEDGED, Action.APPROVE): State.APPROVED,
    (State.ACKNOWLEDGED, Action.REJECT): State.REJECTED,
    (State.SIGNED, Action.UNLOCK): State.DRAFT,
    (State.EXPORTED, Action.UNLOCK): State.DRAFT,
    (State.ACKNOWLEDGED, Action.UNLOCK): State.DRAFT,
    (State.REJECTED, Action.UNLOCK): State.DRAFT,
}
PAIRS = list(itertools.product(State, Action))


@pytest.mark.parametrize(("state", "action"), [p for p in PAIRS if p in EXPECTED])
def test_allowed_transition(state: State, action: Action) -> None:
    rule = check(state, action, Role.ADMIN, ALL_GOOD, reason="原因")
    assert rule.target is EXPECTED[(state, action)]


@pytest.mark.parametrize(("state", "action"), [p for p in PAIRS if p not in EXPECTED])
def test_refused_transition(state: State, action: Action) -> None:
    with pytest.raises(TransitionRefused) as info:
        check(state, action, Role.ADMIN, ALL_GOOD, reason="原因")
    assert info.value.code == "wrong_state"
    assert info.value.message_zh


def test_allowed_actions_matches_table() -> None:
    for state in State:
        assert set(allowed_actions(state)) == {a for (s, a) in EXPECTED if s is state}


@pytest.mark.parametrize(
    "state", [State.SIGNED, State.EXPORTED, State.ACKNOWLEDGED, State.REJECTED]
)
def test_unlock_needs_a_supervisor_and_a_reason(state: State) -> None:
    with pytest.raises(TransitionRefused) as info:
        check(state, Action.UNLOCK, Role.OPERATOR, ALL_GOOD, reason="改名")
    assert info.value.code == "permission"
    with pytest.raises(TransitionRefused) as info:
        check(state, Action.UNLOCK, Role.SUPERVISOR, ALL_GOOD, reason="  ")
    assert info.value.code == "reason_required"
    rule = check(state, Action.UNLOCK, Role.SUPERVISOR, ALL_GOOD, reason="身份证号录错")
    assert rule.new_version


def test_reopen_after_print_starts_a_new_version() -> None:
    assert RULES[Action.REOPEN].new_version
    with pytest.raises(TransitionRefused):
        check(State.CONFIRMED, Action.REOPEN, Role.OPERATOR, ALL_GOOD, reason="")


def test_reject_needs_a_reason() -> None:
    with pytest.raises(TransitionRefused) as info:
        check(State.ACKNOWLEDGED, Action.REJECT, Role.OPERATOR, ALL_GOOD)
    assert info.value.code == "reason_required"


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        (Facts(record_valid=False, photo_ok=True), "record_invalid"),
        (Facts(record_valid=True, photo_ok=False), "photo_missing"),
    ],
)
def test_ready_needs_valid_record_and_photo(facts: Facts, code: str) -> None:
    with pytest.raises(TransitionRefused) as info:
        check(State.DRAFT, Action.MARK_READY, Role.OPERATOR, facts)
    assert info.value.code == code


@pytest.mark.parametrize("missing", ["candidate_reviewed", "password_set", "form_printed"])
def test_confirm_needs_review_password_and_print(missing: str) -> None:
    facts = dataclasses.replace(ALL_GOOD, **{missing: False})
    with pytest.raises(TransitionRefused) as info:
        check(State.READY, Action.CONFIRM, Role.OPERATOR, facts)
    assert info.value.code == "confirm_incomplete"


def test_sign_needs_archive_reference() -> None:
    with pytest.raises(TransitionRefused) as info:
        check(State.CONFIRMED, Action.SIGN, Role.OPERATOR, Facts(archive_ref=" "))
    assert info.value.code == "archive_ref_required"


def test_locked_states() -> None:
    assert {s for s in State if s.locked} == set(State) - {State.DRAFT, State.READY}


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (State.EXPORTED, Action.ACKNOWLEDGE),
        (State.ACKNOWLEDGED, Action.APPROVE),
        (State.ACKNOWLEDGED, Action.REJECT),
    ],
)
def test_county_states_need_a_verified_county_document(state: State, action: Action) -> None:
    unverified = dataclasses.replace(ALL_GOOD, county_verified=False)
    with pytest.raises(TransitionRefused) as info:
        check(state, action, Role.ADMIN, unverified, reason="原因")
    assert info.value.code == "county_document_required"


def test_only_a_supervisor_reopens_a_confirmed_record() -> None:
    from station.errors import TransitionRefused
    from station.lifecycle import Action, Facts, State, check
    from station.roles import Role

    with pytest.raises(TransitionRefused):
        check(State.CONFIRMED, Action.REOPEN, Role.OPERATOR, Facts(), "电话写错")
    assert check(State.CONFIRMED, Action.REOPEN, Role.SUPERVISOR, Facts(), "电话写错")
