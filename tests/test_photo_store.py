"""Stored photos: the same photo twice is flagged for a supervisor; import from a file needs a
supervisor and a reason and passes the same checks."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from sqlalchemy import select

from station import auth, records
from station.errors import AuthError, PermissionDenied, UsageError
from station.lifecycle import State
from station.models import AuditEvent, Photo
from station.photo import check_frame, crop_and_encode, get_profile, load_image
from station.photo import review as photo_review
from station.photo.stored import PhotoInput

from .factories import SUPERVISOR, record_for

FIXTURES = Path(__file__).parent / "fixtures" / "photos"


@pytest.fixture(scope="module")
def good_jpeg() -> bytes:
    frame = load_image(FIXTURES / "portrait_light_blue.jpg")
    verdict = check_frame(frame, get_profile(None))
    assert verdict.ok, verdict.problems
    return crop_and_encode(frame, get_profile(None), verdict.face)


def _photo(ctx: auth.Context, candidate_id: int) -> Photo:
    with ctx.store.read() as s:
        c = records.get(s, candidate_id)
        assert c.photo is not None
        return c.photo


def test_same_photo_for_two_candidates_is_flagged_and_blocks_ready(
    operator_ctx: auth.Context, supervisor_ctx: auth.Context, good_jpeg: bytes
) -> None:
    first = records.create(operator_ctx, record_for(1), PhotoInput(good_jpeg, "camera", True))
    assert first.state == State.READY
    assert _photo(operator_ctx, first.id).phash and not _photo(operator_ctx, first.id).flag
    # The same picture, re-encoded smaller, for another candidate.
    frame = cv2.imdecode(__import__("numpy").frombuffer(good_jpeg, "uint8"), cv2.IMREAD_COLOR)
    _ok, again = cv2.imencode(".jpg", cv2.resize(frame, (300, 400)), [cv2.IMWRITE_JPEG_QUALITY, 70])
    second = records.create(
        operator_ctx, record_for(2), PhotoInput(again.tobytes(), "camera", True)
    )
    assert second.state == State.DRAFT  # a flagged photo is not yet a good photo
    flagged = _photo(operator_ctx, second.id)
    assert first.registration_no in flagged.flag
    with operator_ctx.store.read() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "photo_flagged"))
        assert event is not None and event.candidate_id == second.id

    with pytest.raises(PermissionDenied):  # an operator's own password cannot clear it
        photo_review.clear_flag(operator_ctx, second.id, "caiji", "operator-password-1", "同一人")
    with pytest.raises(UsageError):
        photo_review.clear_flag(operator_ctx, second.id, *SUPERVISOR, " ")
    photo_review.clear_flag(operator_ctx, second.id, *SUPERVISOR, "双胞胎，已核对户口簿")
    with operator_ctx.store.read() as s:
        c = records.get(s, second.id)
        assert c.state == State.READY and c.photo.flag_cleared_by == "shenhe"


def test_demo_placeholder_is_not_hashed(admin_ctx: auth.Context) -> None:
    from station import seeding

    ids = seeding.seed(admin_ctx, 3, "ready", rng_seed=4)
    assert all(not _photo(admin_ctx, i).phash for i in ids)


def test_import_from_file_needs_a_supervisor_and_a_reason(
    operator_ctx: auth.Context, supervisor_ctx: auth.Context
) -> None:
    saved = records.create(operator_ctx, record_for(3))
    data = (FIXTURES / "portrait_light_blue.jpg").read_bytes()
    with pytest.raises(PermissionDenied):
        photo_review.import_photo(operator_ctx, saved.id, data, "摄像头故障")
    with pytest.raises(AuthError):
        photo_review.import_photo(
            operator_ctx, saved.id, data, "摄像头故障", approver=(SUPERVISOR[0], "wrong")
        )
    with pytest.raises(UsageError):
        photo_review.import_photo(supervisor_ctx, saved.id, data, "")
    photo = photo_review.import_photo(
        operator_ctx, saved.id, data, "摄像头故障", approver=SUPERVISOR
    )
    assert photo.source == "file" and photo.import_reason == "摄像头故障"
    assert (photo.width, photo.height) == (480, 640)  # cropped to the station's profile
    with operator_ctx.store.read() as s:
        actions = [
            e.action
            for e in s.scalars(select(AuditEvent).where(AuditEvent.candidate_id == saved.id))
        ]
        assert records.get(s, saved.id).state == State.READY
    assert "photo_import_approved" in actions and "photo_imported" in actions


def test_imported_photo_passes_the_same_checks(supervisor_ctx: auth.Context) -> None:
    saved = records.create(supervisor_ctx, record_for(4))
    busy = (FIXTURES / "astronaut.jpg").read_bytes()  # flag and shuttle model behind her
    with pytest.raises(photo_review.PhotoRejected) as info:
        photo_review.import_photo(supervisor_ctx, saved.id, busy, "摄像头故障")
    assert "background_not_plain" in info.value.problems
    with pytest.raises(UsageError):  # not an image at all
        photo_review.import_photo(supervisor_ctx, saved.id, b"not an image", "摄像头故障")
    with supervisor_ctx.store.read() as s:
        assert records.get(s, saved.id).photo_id is None


def test_a_rolled_back_photo_is_not_remembered(
    operator_ctx: auth.Context, good_jpeg: bytes
) -> None:
    a = records.create(operator_ctx, record_for(31))
    with pytest.raises(RuntimeError), operator_ctx.store.session() as s:
        c = records.get(s, a.id)
        records.update_in(
            s, operator_ctx, c, records.record_values(c), PhotoInput(good_jpeg, "camera", True)
        )
        raise RuntimeError("the disk fills up before the commit")
    b = records.create(operator_ctx, record_for(32), PhotoInput(good_jpeg, "camera", True))
    assert b.state == State.READY  # no look-alike: A's photo was never stored
    assert not _photo(operator_ctx, b.id).flag


def test_refused_imports_leave_no_approval_behind(operator_ctx: auth.Context) -> None:
    saved = records.create(operator_ctx, record_for(33))
    busy = (FIXTURES / "astronaut.jpg").read_bytes()
    with pytest.raises(photo_review.PhotoRejected):
        photo_review.import_photo(operator_ctx, saved.id, busy, "摄像头故障", approver=SUPERVISOR)
    with pytest.raises(UsageError):  # nothing flagged: nothing to clear, nothing approved
        photo_review.clear_flag(operator_ctx, saved.id, *SUPERVISOR, "核实")
    with operator_ctx.store.read() as s:
        actions = {e.action for e in s.scalars(select(AuditEvent))}
    assert not actions & {"photo_import_approved", "photo_flag_cleared"}


def test_a_near_duplicate_flag_reads_in_the_desk_language() -> None:
    from station.photo.duplicates import flag_in, flag_texts

    zh, en = flag_texts(["2741050100001", "2741050100007"])
    assert flag_in(zh, "zh_CN") == zh
    assert flag_in(zh, "en") == en
    assert "2741050100001, 2741050100007" in en and not any("\u4e00" <= c <= "\u9fff" for c in en)
    assert flag_in("审核员手写的说明", "en") == "审核员手写的说明"  # not ours: shown as stored


def test_the_near_duplicate_scan_finds_what_a_plain_loop_finds() -> None:
    import random

    from station.photo.duplicates import _HashIndex

    rng = random.Random(7)
    index = _HashIndex()
    base = rng.getrandbits(64)
    for candidate in range(1, 2001):
        # Some near the probe (a few bits off), the rest anywhere.
        value = (
            base ^ sum(1 << rng.randrange(64) for _ in range(rng.randrange(4)))
            if (candidate % 50 == 0)
            else rng.getrandbits(64)
        )
        index.by_candidate[candidate] = (candidate, value)
    expected = sorted(
        (c, (base ^ h).bit_count())
        for c, (_p, h) in index.by_candidate.items()
        if c != 100 and (base ^ h).bit_count() <= 10
    )
    found = index.near(base, exclude=100, limit=10)
    assert sorted(found) == expected and len(found) >= 30
    assert [d for _c, d in found] == sorted(d for _c, d in found)  # nearest first
    # Photos stored since (as a refresh takes them in): appended, and found as well.
    for candidate in range(3000, 3010):
        value = base ^ (1 << candidate % 64)
        index.by_candidate[candidate] = (candidate, value)
        index.added.append((candidate, value))
    assert {c for c, _d in index.near(base, exclude=100, limit=10)} >= set(range(3000, 3010))


def test_the_index_is_warmed_after_a_login(operator_ctx: auth.Context, good_jpeg: bytes) -> None:
    from station import warmup

    records.create(operator_ctx, record_for(90), PhotoInput(good_jpeg, "camera", True))
    assert warmup.warm(operator_ctx) == 1  # the hash of the one photo, before any save
