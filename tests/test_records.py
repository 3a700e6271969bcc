"""Candidate records through the core: create, refuse, version, lock."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from station import auth, records, regno, seeding, validation
from station.errors import (
    DuplicateCandidate,
    PermissionDenied,
    TransitionRefused,
    ValidationFailed,
)
from station.lifecycle import Action, State
from station.models import AuditEvent, Candidate, CandidateVersion, Counter, Photo
from station.photo.stored import PhotoInput, jpeg_dimensions, placeholder_jpeg
from station.records import saving, transitions

from .factories import VALID_ID, record_for, valid_record

YY = f"{regno.exam_year(dt.date.today()) % 100:02d}"
PHOTO = PhotoInput(placeholder_jpeg(), "camera", quality_ok=True)


def _count(ctx: auth.Context, model: type) -> int:
    with ctx.store.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_create_without_photo_stays_draft(operator_ctx: auth.Context) -> None:
    saved = records.create(operator_ctx, valid_record())
    assert saved.state == State.DRAFT
    assert saved.registration_no == f"{YY}410105030001"  # yy county station serial


def test_create_with_good_photo_becomes_ready(operator_ctx: auth.Context) -> None:
    saved = records.create(operator_ctx, valid_record(), PHOTO)
    assert saved.state == State.READY
    with operator_ctx.store.session() as s:
        c = records.get(s, saved.id)
        assert c.photo is not None and c.photo.width == 480 and c.photo.height == 640


def test_photo_that_failed_checks_does_not_make_ready(operator_ctx: auth.Context) -> None:
    saved = records.create(
        operator_ctx, valid_record(), PhotoInput(placeholder_jpeg(), "camera", False)
    )
    assert saved.state == State.DRAFT


def test_invalid_record_stores_nothing(operator_ctx: auth.Context) -> None:
    events_before = _count(operator_ctx, AuditEvent)
    with pytest.raises(ValidationFailed) as info:
        records.create(operator_ctx, valid_record(name="张3", phone="123"), PHOTO)
    fields = {i.field for i in info.value.issues if i.is_error}
    assert fields == {"name", "phone"}
    assert "姓名" in info.value.message_zh and "联系电话" in info.value.message_zh
    assert _count(operator_ctx, Candidate) == 0
    assert _count(operator_ctx, Photo) == 0
    assert _count(operator_ctx, AuditEvent) == events_before
    assert _count(operator_ctx, Counter) == 0  # no 报名号 serial was used up


def test_non_jpeg_photo_stores_nothing(operator_ctx: auth.Context) -> None:
    with pytest.raises(Exception, match="JPEG"):
        records.create(operator_ctx, valid_record(), PhotoInput(b"GIF89a....", "camera", True))
    assert _count(operator_ctx, Candidate) == 0


def test_same_id_number_points_at_the_existing_record(operator_ctx: auth.Context) -> None:
    first = records.create(operator_ctx, valid_record())
    with pytest.raises(DuplicateCandidate) as info:
        records.create(operator_ctx, valid_record(name="李四", id_number=VALID_ID.lower()))
    assert info.value.existing_id == first.id
    assert _count(operator_ctx, Candidate) == 1


def test_registration_numbers_are_unique_and_sequential(operator_ctx: auth.Context) -> None:
    numbers = [records.create(operator_ctx, record_for(i)).registration_no for i in range(5)]
    assert numbers == [f"{YY}41010503{n:04d}" for n in range(1, 6)]


def test_registration_template_is_configurable(admin_ctx: auth.Context) -> None:
    admin_ctx.settings.registration_no_template = "{yyyy}-{station}-{serial:06d}"
    expected = f"{regno.exam_year(dt.date.today())}-03-000001"
    assert records.create(admin_ctx, valid_record()).registration_no == expected
    with pytest.raises(Exception, match="serial"):
        regno.check_template("{yy}{county}")
    with pytest.raises(Exception, match="template"):
        regno.check_template("{serial}{who}")


def test_serial_exhaustion_is_a_clear_error(admin_ctx: auth.Context) -> None:
    admin_ctx.settings.registration_no_template = "{station}{serial:01d}"
    for i in range(9):
        records.create(admin_ctx, record_for(i))
    with pytest.raises(Exception, match="exhausted"):
        records.create(admin_ctx, record_for(99))


def test_lookup_and_search(operator_ctx: auth.Context) -> None:
    a = records.create(operator_ctx, record_for(1, name="张三丰"))
    records.create(operator_ctx, record_for(2, name="张𠮷"))
    records.create(operator_ctx, record_for(3, name="李四"))
    with operator_ctx.store.session() as s:
        assert records.lookup(s, a.registration_no).id == a.id
        assert records.lookup(s, record_for(1)["id_number"]).id == a.id
        assert [c.name for c in records.search_name_prefix(s, "张")] == ["张三丰", "张𠮷"]
        assert [c.name for c in records.search_name_prefix(s, "张𠮷")] == ["张𠮷"]
        assert records.search_name_prefix(s, "王") == []


def _walk_to_signed(ctx: auth.Context, candidate_id: int) -> None:
    with ctx.store.session() as s:
        c = records.get(s, candidate_id)
        records.record_review_in(s, ctx, c)
        records.record_password_in(s, ctx, c, "$argon2id$placeholder")
        records.record_printed_in(s, ctx, c)
    records.transition(ctx, candidate_id, Action.CONFIRM)
    records.sign(ctx, candidate_id, "盒 3 / 页 17")


def test_signed_record_is_locked_and_a_correction_is_a_new_version(
    station_dir: Path, operator_ctx: auth.Context
) -> None:
    saved = records.create(operator_ctx, valid_record(), PHOTO)
    _walk_to_signed(operator_ctx, saved.id)
    with operator_ctx.store.session() as s:
        v1 = records.versions(s, saved.id)
        assert [v.version for v in v1] == [1]
        digest_v1 = v1[0].digest
        canonical_v1 = json.loads(v1[0].canonical)
        assert canonical_v1["record"]["name"] == "张三"
        assert records.get(s, saved.id).state == State.SIGNED

    with pytest.raises(TransitionRefused) as info:
        records.update(operator_ctx, saved.id, valid_record(name="张叁"))
    assert info.value.code == "locked"
    with pytest.raises(TransitionRefused) as info:
        records.transition(operator_ctx, saved.id, Action.UNLOCK, reason="姓名错")
    assert info.value.code == "permission"

    with auth.login(station_dir, "shenhe", "supervisor-password-1") as sup:
        with pytest.raises(TransitionRefused):
            records.transition(sup, saved.id, Action.UNLOCK, reason="")
        unlocked = records.transition(sup, saved.id, Action.UNLOCK, reason="姓名录错，考生要求更正")
    assert (unlocked.state, unlocked.version) == (State.DRAFT, 2)

    records.update(operator_ctx, saved.id, valid_record(name="张叁"))
    with operator_ctx.store.session() as s:
        c = records.get(s, saved.id)
        assert c.state == State.READY  # still has its photo
        assert c.form_printed_at is None and c.archive_ref == "" and c.candidate_reviewed_at is None
    _walk_to_signed(operator_ctx, saved.id)
    with operator_ctx.store.session() as s:
        versions = records.versions(s, saved.id)
        assert [v.version for v in versions] == [1, 2]
        assert versions[0].digest == digest_v1  # history is never rewritten
        assert json.loads(versions[1].canonical)["record"]["name"] == "张叁"
        unlock = s.scalar(select(AuditEvent).where(AuditEvent.action == "unlock"))
        assert (
            unlock is not None and unlock.actor == "shenhe" and unlock.reason.startswith("姓名录错")
        )
        assert json.loads(unlock.detail)["replaces_version"] == 1


def test_frozen_versions_cannot_be_changed_in_the_database(operator_ctx: auth.Context) -> None:
    saved = records.create(operator_ctx, valid_record(), PHOTO)
    _walk_to_signed(operator_ctx, saved.id)
    with pytest.raises(Exception, match="append-only"), operator_ctx.store.engine.begin() as conn:
        conn.execute(text("UPDATE candidate_versions SET digest = 'x'"))
    assert _count(operator_ctx, CandidateVersion) == 1


def test_edit_that_breaks_the_record_is_refused_and_nothing_changes(
    operator_ctx: auth.Context,
) -> None:
    saved = records.create(operator_ctx, valid_record(), PHOTO)
    with pytest.raises(ValidationFailed):
        records.update(operator_ctx, saved.id, valid_record(phone=""))
    with operator_ctx.store.session() as s:
        assert records.get(s, saved.id).phone == "13800138000"


def test_edit_cannot_take_another_candidates_id_number(operator_ctx: auth.Context) -> None:
    a = records.create(operator_ctx, record_for(1))
    records.create(operator_ctx, record_for(2))
    with pytest.raises(DuplicateCandidate):
        records.update(operator_ctx, a.id, record_for(2))


def test_edit_is_audited_with_field_names_only(operator_ctx: auth.Context) -> None:
    saved = records.create(operator_ctx, valid_record())
    records.update(operator_ctx, saved.id, valid_record(home_address="新地址 8 号"))
    with operator_ctx.store.session() as s:
        edit = s.scalar(select(AuditEvent).where(AuditEvent.action == "edit"))
        assert edit is not None
        assert json.loads(edit.detail) == {"fields": ["home_address"]}
        assert "新地址" not in edit.detail


def test_seed_reaches_every_state(admin_ctx: auth.Context) -> None:
    for state in State:
        ids = seeding.seed(admin_ctx, 2, state.value, rng_seed=7)
        with admin_ctx.store.session() as s:
            assert {records.get(s, i).state for i in ids} == {state.value}
            assert all(records.get(s, i).is_demo for i in ids)
    with pytest.raises(Exception, match="unknown state"):
        seeding.seed(admin_ctx, 1, "finished")


def test_seeded_records_are_valid(admin_ctx: auth.Context) -> None:
    ids = seeding.seed(admin_ctx, 50, "ready", rng_seed=3)
    with admin_ctx.store.session() as s:
        for i in ids:
            c = records.get(s, i)
            assert records.facts_of(s, admin_ctx, c).record_valid
            assert "演示" in c.home_address


def test_operator_may_not_import_photos_role(operator_ctx: auth.Context) -> None:
    from station.roles import Permission

    with pytest.raises(PermissionDenied):
        operator_ctx.require(Permission.IMPORT_PHOTO)


def test_jpeg_dimensions_of_placeholder() -> None:
    assert jpeg_dimensions(placeholder_jpeg()) == (480, 640)


def test_edit_after_review_and_print_voids_them(operator_ctx: auth.Context) -> None:
    saved = records.create(operator_ctx, valid_record(), PHOTO)
    with operator_ctx.store.session() as s:
        c = records.get(s, saved.id)
        records.record_review_in(s, operator_ctx, c)
        records.record_password_in(s, operator_ctx, c, "$argon2id$placeholder")
        records.record_printed_in(s, operator_ctx, c)
    records.update(operator_ctx, saved.id, valid_record(name="李四"))
    with pytest.raises(TransitionRefused) as info:
        records.transition(operator_ctx, saved.id, Action.CONFIRM)
    assert info.value.code == "confirm_incomplete"
    assert "考生本人核对" in info.value.message_zh and "打印" in info.value.message_zh


def test_only_a_supervisor_stores_a_photo_from_a_file(
    operator_ctx: auth.Context, supervisor_ctx: auth.Context
) -> None:
    from_file = PhotoInput(placeholder_jpeg(), "file", quality_ok=True)
    with pytest.raises(PermissionDenied):
        records.create(operator_ctx, valid_record(), from_file)
    assert _count(operator_ctx, Candidate) == 0
    assert records.create(supervisor_ctx, valid_record(), from_file).state == State.READY


def test_county_states_cannot_be_set_by_hand(operator_ctx: auth.Context) -> None:
    saved = records.create(operator_ctx, valid_record(), PHOTO)
    _walk_to_signed(operator_ctx, saved.id)
    records.transition(operator_ctx, saved.id, Action.EXPORT)
    with pytest.raises(TransitionRefused) as info:
        records.transition(operator_ctx, saved.id, Action.ACKNOWLEDGE)
    assert info.value.code == "county_document_required"


def test_unlock_refused_before_anyone_approves(operator_ctx: auth.Context) -> None:
    saved = records.create(operator_ctx, valid_record(), PHOTO)
    _walk_to_signed(operator_ctx, saved.id)
    with pytest.raises(TransitionRefused):
        records.unlock(operator_ctx, saved.id, "  ", approver=("shenhe", "supervisor-password-1"))
    with operator_ctx.store.read() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent))]
    assert "unlock_approved" not in actions and actions[-1] == "sign"
    records.unlock(operator_ctx, saved.id, "电话变更", approver=("shenhe", "supervisor-password-1"))
    with operator_ctx.store.read() as s:
        assert records.get(s, saved.id).version == 2


# --- fields read from the ID card stay protected ----------------------------------------------


def test_card_fields_are_kept_with_the_record_until_a_supervisor_releases_them(
    station_dir: Path, operator_ctx: auth.Context
) -> None:
    from station.errors import AuthError, PermissionDenied, TransitionRefused

    from .factories import OPERATOR, SUPERVISOR

    read = ("name", "id_number", "gender", "birth_date", "ethnicity")
    saved = records.create(operator_ctx, record_for(41), source="card", card_fields=read)
    with operator_ctx.store.read() as s:
        c = records.get(s, saved.id)
        values = records.record_values(c)
        assert records.card_fields_of(c) == list(read)
    # Any later edit of those fields is refused; the others are free.
    with pytest.raises(TransitionRefused) as refused:
        records.update(operator_ctx, saved.id, {**values, "name": "张冠李"})
    assert refused.value.code == "card_fields_locked" and "姓名" in refused.value.message_zh
    records.update(operator_ctx, saved.id, {**values, "phone": "13912345678"})
    values["phone"] = "13912345678"
    # Releasing them needs a supervisor, with a reason.
    with pytest.raises(TransitionRefused):
        records.release_card_fields(operator_ctx, saved.id, "证件信息读错")
    with pytest.raises(PermissionDenied):
        records.release_card_fields(operator_ctx, saved.id, "证件信息读错", approver=OPERATOR)
    with pytest.raises(AuthError):
        records.release_card_fields(
            operator_ctx, saved.id, "证件信息读错", approver=(SUPERVISOR[0], "wrong")
        )
    records.release_card_fields(operator_ctx, saved.id, "证件信息读错", approver=SUPERVISOR)
    records.update(operator_ctx, saved.id, {**values, "name": "张冠李"})
    with operator_ctx.store.read() as s:
        assert records.card_fields_of(records.get(s, saved.id)) == []
        events = {
            e.action: e
            for e in s.scalars(select(AuditEvent).where(AuditEvent.candidate_id == saved.id))
        }
    assert json.loads(events["create"].detail)["card_fields"] == list(read)
    assert events["card_fields_released"].reason == "证件信息读错"
    assert events["card_fields_release_approved"].actor == SUPERVISOR[0]


def test_a_card_read_for_a_roster_record_protects_its_fields_from_then_on(
    operator_ctx: auth.Context,
) -> None:
    from station.errors import TransitionRefused

    saved = records.create(operator_ctx, record_for(42))  # as from a roster import
    with operator_ctx.store.read() as s:
        values = records.record_values(records.get(s, saved.id))
    records.update(operator_ctx, saved.id, values, card_fields=("name", "id_number"))
    with pytest.raises(TransitionRefused):
        records.update(operator_ctx, saved.id, {**values, "name": "李四"})
    with pytest.raises(ValueError):
        records.create(operator_ctx, record_for(43), card_fields=("phone",))  # not on a card


def test_a_save_validates_the_record_once(
    operator_ctx: auth.Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    from station.photo.stored import PhotoInput, placeholder_jpeg

    calls = []
    real = validation.validate_candidate

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    for module in (saving, transitions):  # a save's own validation, and the guards'
        monkeypatch.setattr(module, "validate_candidate", counted)
    saved = records.create(
        operator_ctx, record_for(44), PhotoInput(placeholder_jpeg(), "demo", quality_ok=True)
    )
    assert saved.state == State.READY and len(calls) == 1  # ready from that one validation
    calls.clear()
    with operator_ctx.store.read() as s:
        values = records.record_values(records.get(s, saved.id))
    records.update(operator_ctx, saved.id, {**values, "phone": "13912345670"})
    assert len(calls) == 1
