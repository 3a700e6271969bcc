"""Why a record is stuck (station/blockers.py): real records in every situation, and the
explanation agreeing with what the lifecycle's guards refuse."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from station import auth, blockers, lifecycle, records, seeding
from station.cli import main
from station.errors import TransitionRefused
from station.lifecycle import Action, State
from station.models import Candidate
from station.photo import check_frame, crop_and_encode, get_profile, load_image
from station.photo import review as photo_review
from station.photo.stored import PhotoInput, placeholder_jpeg
from station.roles import Role

from .factories import OPERATOR, SUPERVISOR, record_for, valid_record
from .sync_fixtures import install, make_county

PHOTO = PhotoInput(placeholder_jpeg(), "camera", quality_ok=True)
PORTRAIT = Path(__file__).parent / "fixtures" / "photos" / "portrait_light_blue.jpg"


def portrait_jpeg() -> bytes:
    """A live photo that passes the checks (the near-duplicate index hashes it)."""
    frame = load_image(PORTRAIT)
    verdict = check_frame(frame, get_profile(None))
    assert verdict.ok, verdict.problems
    return crop_and_encode(frame, get_profile(None), verdict.face)


@pytest.fixture(scope="module")
def good_jpeg() -> bytes:
    return portrait_jpeg()


def look_alike(jpeg: bytes) -> bytes:
    """The same picture, smaller and re-encoded: what a reused photo looks like."""
    frame = cv2.imdecode(np.frombuffer(jpeg, "uint8"), cv2.IMREAD_COLOR)
    _ok, again = cv2.imencode(".jpg", cv2.resize(frame, (300, 400)), [cv2.IMWRITE_JPEG_QUALITY, 70])
    return again.tobytes()


def _codes(ctx: auth.Context, candidate_id: int) -> list[str]:
    return [b.code for b in blockers.why(ctx, candidate_id).blockers]


def _refusal(ctx: auth.Context, candidate_id: int) -> TransitionRefused | None:
    """What the lifecycle says to the record's next step, with every permission and a reason:
    only its guards can refuse."""
    with ctx.store.read() as s:
        c = records.get(s, candidate_id)
        state = State(c.state)
        facts = records.facts_of(s, ctx, c)
    for action in blockers.forward_actions(state):
        try:
            lifecycle.check(state, action, Role.ADMIN, facts, reason="核对")
        except TransitionRefused as refused:
            return refused
    return None


def _break_phone(ctx: auth.Context, candidate_id: int) -> None:
    # A record stored under rules it no longer meets (a code table or rule changed since).
    with ctx.store.session() as s:
        s.get(Candidate, candidate_id).phone = "1380013800"


def test_a_record_without_photo_waits_for_the_operators_photo(
    operator_ctx: auth.Context,
) -> None:
    saved = records.create(operator_ctx, valid_record())
    why = blockers.why(operator_ctx, saved.id)
    assert why.state is State.DRAFT
    (only,) = why.blockers
    assert (only.code, only.actor) == ("photo_missing", blockers.Actor.OPERATOR)
    assert "照片" in only.message_zh and "采集员" in only.message_zh
    assert "photo" in only.message_en
    refused = _refusal(operator_ctx, saved.id)
    assert refused is not None and refused.code == "photo_missing"


def test_a_draft_with_an_invalid_field_names_the_field(operator_ctx: auth.Context) -> None:
    saved = records.create(operator_ctx, valid_record())
    _break_phone(operator_ctx, saved.id)
    why = blockers.why(operator_ctx, saved.id)
    assert [b.code for b in why.blockers] == ["field_invalid", "photo_missing"]
    field = why.blockers[0]
    assert field.field == "phone" and field.actor is blockers.Actor.OPERATOR
    assert "“联系电话”" in field.message_zh and "11 位" in field.message_zh
    assert "Mobile phone" in field.message_en
    refused = _refusal(operator_ctx, saved.id)
    assert refused is not None and refused.code == "record_invalid"  # the guard's first word


def test_a_field_read_from_the_id_card_needs_a_supervisor(operator_ctx: auth.Context) -> None:
    saved = records.create(operator_ctx, valid_record(), PHOTO, card_fields=("name",))
    with operator_ctx.store.session() as s:
        s.get(Candidate, saved.id).name = "张3"
    (name,) = [b for b in blockers.why(operator_ctx, saved.id).blockers if b.field]
    assert name.field == "name" and name.actor is blockers.Actor.SUPERVISOR
    assert "身份证" in name.message_zh and "审核员" in name.message_zh


def test_a_near_duplicate_photo_names_the_other_record_and_waits_for_a_supervisor(
    operator_ctx: auth.Context, good_jpeg: bytes
) -> None:
    first = records.create(operator_ctx, record_for(1), PhotoInput(good_jpeg, "camera", True))
    second = records.create(
        operator_ctx, record_for(2), PhotoInput(look_alike(good_jpeg), "camera", True)
    )
    assert second.state == State.DRAFT
    why = blockers.why(operator_ctx, second.id)
    (photo,) = why.blockers
    assert photo.code == "photo_near_duplicate" and photo.actor is blockers.Actor.SUPERVISOR
    assert photo.others == (first.registration_no,)
    assert f"报名号 {first.registration_no}" in photo.message_zh and "审核员" in photo.message_zh
    assert first.registration_no in photo.message_en and "supervisor" in photo.message_en
    refused = _refusal(operator_ctx, second.id)
    assert refused is not None and refused.code == "photo_missing"

    photo_review.clear_flag(operator_ctx, second.id, *SUPERVISOR, "双胞胎，已核对户口簿")
    assert "photo_near_duplicate" not in _codes(operator_ctx, second.id)
    assert blockers.why(operator_ctx, second.id).state is State.READY


def test_a_ready_record_waits_for_the_candidate_then_the_print_then_nothing(
    operator_ctx: auth.Context,
) -> None:
    saved = records.create(operator_ctx, valid_record(), PHOTO)
    why = blockers.why(operator_ctx, saved.id)
    assert why.state is State.READY
    assert [(b.code, b.actor) for b in why.blockers] == [
        ("awaiting_candidate_review", blockers.Actor.CANDIDATE),
        ("awaiting_candidate_password", blockers.Actor.CANDIDATE),
        ("form_not_printed", blockers.Actor.OPERATOR),
    ]
    assert "考生本人" in why.blockers[0].message_zh and "密码" in why.blockers[1].message_zh
    with operator_ctx.store.session() as s:
        c = records.get(s, saved.id)
        records.record_review_in(s, operator_ctx, c)
        records.record_password_in(s, operator_ctx, c, "$argon2id$placeholder")
    assert _codes(operator_ctx, saved.id) == ["form_not_printed"]
    with operator_ctx.store.session() as s:
        records.record_printed_in(s, operator_ctx, records.get(s, saved.id))

    why = blockers.why(operator_ctx, saved.id)
    assert why.blockers == [] and _refusal(operator_ctx, saved.id) is None
    assert why.lines("zh_CN") == ["可进入下一步：采集员确认（F8）"]
    assert "F8" in why.lines("en")[0]
    records.transition(operator_ctx, saved.id, Action.CONFIRM)  # as said: nothing blocks

    assert _codes(operator_ctx, saved.id) == ["awaiting_signature"]
    records.sign(operator_ctx, saved.id, "盒3-页17")
    why = blockers.why(operator_ctx, saved.id)
    assert why.blockers == [] and "导出" in why.next_zh


def test_an_exported_record_waits_for_the_countys_receipt_of_its_batch(
    station_dir: Path, tmp_path: Path
) -> None:
    _keys, public = make_county(tmp_path / "county")
    install(station_dir, public)
    usb = tmp_path / "usb"
    usb.mkdir()
    with auth.login(station_dir, *OPERATOR) as ctx:
        from sync import station_side

        (cid,) = seeding.seed(ctx, 1, "signed", rng_seed=3)
        (written,) = station_side.export_batches(ctx, usb)
        (receipt,) = blockers.why(ctx, cid).blockers
    assert (receipt.code, receipt.actor) == ("awaiting_receipt", blockers.Actor.COUNTY)
    assert "第 1 批" in receipt.message_zh and written.name in receipt.message_zh
    assert "回执" in receipt.message_zh


def test_a_signed_record_is_told_the_export_is_stopped_after_a_failed_check(
    admin_ctx: auth.Context,
) -> None:
    from station import integrity
    from station.errors import StoreError

    (cid,) = seeding.seed(admin_ctx, 1, "signed", rng_seed=4)
    assert blockers.why(admin_ctx, cid).blockers == []
    integrity.note_full_check(admin_ctx.store, ok=False, problem="Page 77 is never used")
    (stopped,) = blockers.why(admin_ctx, cid).blockers
    assert (stopped.code, stopped.actor) == ("integrity_failed", blockers.Actor.SUPERVISOR)
    with pytest.raises(StoreError) as refused:
        integrity.before_export(admin_ctx)
    assert stopped.message_zh == refused.value.message_zh  # the same words as the export's


def test_the_county_states(admin_ctx: auth.Context) -> None:
    acknowledged, approved, rejected = (
        seeding.seed(admin_ctx, 1, state, rng_seed=n)[0]
        for n, state in enumerate(("acknowledged", "approved", "rejected"))
    )
    (review,) = blockers.why(admin_ctx, acknowledged).blockers
    assert review.actor is blockers.Actor.COUNTY and "审核结果" in review.message_zh
    done = blockers.why(admin_ctx, approved)
    assert done.blockers == [] and "流程已结束" in done.next_zh
    (unlock,) = blockers.why(admin_ctx, rejected).blockers
    assert unlock.code == "county_rejected" and unlock.actor is blockers.Actor.SUPERVISOR
    assert "学籍信息待核实" in unlock.message_zh and "解锁" in unlock.message_zh


def test_the_explanation_agrees_with_the_guards_in_every_state(admin_ctx: auth.Context) -> None:
    """Blocked exactly when the next transition would be refused, for every seeded state."""
    ids = [
        cid
        for n, state in enumerate(State)
        for cid in seeding.seed(admin_ctx, 2, state.value, rng_seed=40 + n)
    ]
    records.create(admin_ctx, record_for(90))  # a draft of the desk's, without photo
    ids.append(records.create(admin_ctx, record_for(91), PHOTO).id)
    for cid in ids:
        why = blockers.why(admin_ctx, cid)
        if blockers.forward_actions(why.state):
            assert bool(why.blockers) == (_refusal(admin_ctx, cid) is not None), why
        assert why.lines("zh_CN") and all(why.lines("zh_CN")), why


def test_every_fact_a_guard_needs_is_explained() -> None:
    # A fact added to the lifecycle's guards without words here would be a KeyError.
    told = {"record_valid", "photo_ok", "county_verified", *blockers._STEPS}
    assert {n for names in lifecycle.NEEDS.values() for n in names} <= told


def test_candidate_show_says_what_keeps_the_record(
    station_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    good_jpeg: bytes,
) -> None:
    with auth.login(station_dir, *OPERATOR) as ctx:
        first = records.create(ctx, record_for(1), PhotoInput(good_jpeg, "camera", True))
        second = records.create(
            ctx, record_for(2), PhotoInput(look_alike(good_jpeg), "camera", True)
        )
    monkeypatch.setenv("STATION_OPERATOR", OPERATOR[0])
    monkeypatch.setenv("STATION_PASSWORD", OPERATOR[1])
    data = ["--data-dir", str(station_dir)]

    assert main([*data, "candidate", "show", second.registration_no]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"报名号 {second.registration_no}  状态 采集中")  # as before
    assert "  姓名" in out
    why = out[out.index("为何停在此状态") :]
    assert f"[审核员] 照片与报名号 {first.registration_no} 的照片高度相似" in why
    assert f"[supervisor] The photo closely resembles that of {first.registration_no}" in why

    assert main([*data, "candidate", "show", first.registration_no]) == 0
    out = capsys.readouterr().out
    assert "[考生] 等待考生本人在考生屏上核对信息" in out
    assert "[采集员] 尚未打印报名登记表" in out

    assert main([*data, "candidate", "show", second.registration_no, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["record"]["name"] == "张三" and shown["versions"] == []  # as before
    assert shown["next_step"] is None
    (photo,) = shown["blockers"]
    assert photo["code"] == "photo_near_duplicate" and photo["actor"] == "supervisor"
    assert photo["others"] == [first.registration_no]


def test_candidate_show_says_when_nothing_blocks(
    station_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with auth.login(station_dir, *OPERATOR) as ctx:
        saved = records.create(ctx, valid_record(), PHOTO)
        with ctx.store.session() as s:
            c = records.get(s, saved.id)
            records.record_review_in(s, ctx, c)
            records.record_password_in(s, ctx, c, "$argon2id$placeholder")
            records.record_printed_in(s, ctx, c)
    monkeypatch.setenv("STATION_OPERATOR", OPERATOR[0])
    monkeypatch.setenv("STATION_PASSWORD", OPERATOR[1])
    data = ["--data-dir", str(station_dir)]
    assert main([*data, "candidate", "show", saved.registration_no]) == 0
    out = capsys.readouterr().out
    assert "为何停在此状态" in out and "可进入下一步：采集员确认（F8）" in out
    assert "[" not in out[out.index("为何停在此状态") :]  # no blocker lines
    assert main([*data, "candidate", "show", saved.registration_no, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["blockers"] == [] and shown["next_step"]["zh"].startswith("可进入下一步")
