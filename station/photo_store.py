"""Stored photos (考生照片) beyond the bytes: the same photo twice, import from a file, review.

* Every stored photo (but the demo placeholder) gets a perceptual hash. A new photo that
  nearly matches the current photo of *another* candidate is flagged: one person registering
  twice, or one photo reused. A flagged photo does not count as a good photo until a
  supervisor has looked and cleared it.
* Photos are taken live at the desk; a supervisor may import one from a file when the camera
  fails, with a reason, and the same checks apply.

OpenCV is imported only here, and only when a photo is actually handled, so that the CLI's
other commands and the queue never pay for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from station import audit
from station.auth import Context
from station.errors import StationError, UsageError
from station.lifecycle import State
from station.models import Candidate, Photo
from station.roles import Permission


class PhotoRejected(StationError):
    """The photo did not pass the checks; ``problems`` are the codes, most important first."""

    exit_code = 1

    def __init__(self, problems: list[str], message_zh: str, message_en: str) -> None:
        super().__init__(message_zh, message_en)
        self.problems = problems


def photo_hash(jpeg: bytes) -> str:
    from station.photo import perceptual_hash

    return perceptual_hash(jpeg)


@dataclass(slots=True)
class _HashIndex:
    """The latest hashed photo of every candidate, kept per open store and topped up with
    what other processes stored since (photo ids only grow)."""

    last_photo_id: int = 0
    by_candidate: dict[int, tuple[int, int]] = field(default_factory=dict)  # cand -> (photo, hash)

    def refresh(self, s: Session, below: int) -> None:
        """Take in the photos committed since the last look, up to (not including) ``below``:
        the caller's own photo is not committed yet and may still be rolled back, and its id
        would then be reused. Writers are serialised (BEGIN IMMEDIATE), so every row below
        ``below`` that this session sees is committed."""
        rows = s.execute(
            select(Photo.id, Photo.candidate_id, Photo.phash)
            .where(Photo.id > self.last_photo_id, Photo.id < below, Photo.phash != "")
            .order_by(Photo.id)
        )
        for photo_id, candidate_id, phash in rows:
            self.by_candidate[candidate_id] = (photo_id, int(phash, 16))
            self.last_photo_id = photo_id


def near_matches(
    s: Session, ctx: Context, candidate_id: int, phash: str, below: int
) -> list[tuple[int, int]]:
    """``(candidate id, distance)`` of other candidates whose photo nearly matches."""
    from station.photo import NEAR_DUPLICATE

    index = _index(ctx)
    index.refresh(s, below)
    value = int(phash, 16)
    found = [
        (other, (value ^ other_hash).bit_count())
        for other, (_photo, other_hash) in index.by_candidate.items()
        if other != candidate_id and (value ^ other_hash).bit_count() <= NEAR_DUPLICATE
    ]
    return sorted(found, key=lambda m: m[1])


def flag_near_duplicates(s: Session, ctx: Context, c: Candidate, photo: Photo) -> None:
    """Set the photo's flag (and audit it) when it nearly matches another candidate's."""
    if not photo.phash:
        return
    matches = near_matches(s, ctx, c.id, photo.phash, below=photo.id)
    if matches:
        numbers = dict(
            s.execute(
                select(Candidate.id, Candidate.registration_no).where(
                    Candidate.id.in_([m[0] for m in matches[:5]])
                )
            ).all()
        )
        listed = "、".join(numbers.get(m[0], str(m[0])) for m in matches[:5])
        photo.flag = (
            f"与报名号 {listed} 的照片高度相似，请审核员核实是否同一人重复报名或照片被重复使用"
        )
        audit.append(
            s,
            ctx.operator.login,
            "photo_flagged",
            candidate_id=c.id,
            version=c.version,
            detail={
                "similar_to": [numbers.get(m[0]) for m in matches[:5]],
                "distance": matches[0][1],
            },
        )
    # The new photo itself enters the index by a later refresh, once it is committed.


def _index(ctx: Context) -> _HashIndex:
    index = ctx.store.cache.get("photo_hashes")
    if index is None:
        index = ctx.store.cache["photo_hashes"] = _HashIndex()
    return index


def import_photo(
    ctx: Context,
    candidate_id: int,
    data: bytes,
    reason: str,
    *,
    approver: tuple[str, str] | None = None,
) -> Photo:
    """A supervisor stores a photo from a file (the camera failed): same checks, a reason.

    A supervisor logged in does it directly; at an operator's desk the supervisor approves
    with their own login and password (``approver``), which the audit chain records.
    """
    from station import auth, records
    from station.photo import check_frame, crop_and_encode, decode_image, get_profile, instruction
    from station.photos import PhotoInput

    if not reason.strip():
        raise UsageError("从文件导入照片须填写原因", "importing a photo from a file needs a reason")
    # Everything that can refuse the photo runs before anyone is asked to approve it.
    if approver is None or _allowed(ctx):
        ctx.require(Permission.IMPORT_PHOTO)
    frame = decode_image(data)
    profile = get_profile(ctx.settings.photo_profile or None)
    verdict = check_frame(frame, profile)
    if not verdict.ok:
        raise PhotoRejected(
            verdict.problems,
            "照片不合格：" + "；".join(instruction(p, "zh_CN") for p in verdict.problems),
            "the photo does not pass: " + ", ".join(verdict.problems),
        )
    jpeg = crop_and_encode(frame, profile, verdict.face)
    with ctx.store.read() as s:
        if State(records.get(s, candidate_id).state).locked:
            raise UsageError("记录已锁定，不能更换照片", "the record is locked")
    approved_by = ""
    if approver is not None and not _allowed(ctx):
        approved_by = auth.approve(
            ctx, *approver, Permission.IMPORT_PHOTO, "photo_import_approved",
            candidate_id=candidate_id, reason=reason.strip(),
        ).login  # fmt: skip
    with ctx.store.session() as s:
        c = records.get(s, candidate_id)
        photo_in = PhotoInput(jpeg, "file", quality_ok=True, approved_by=approved_by)
        records.update_in(s, ctx, c, records.record_values(c), photo_in)
        photo = s.get(Photo, c.photo_id)
        assert photo is not None
        photo.import_reason = reason.strip()[:200]
        audit.append(
            s,
            ctx.operator.login,
            "photo_imported",
            candidate_id=c.id,
            version=c.version,
            reason=reason.strip(),
        )
        return photo


def _allowed(ctx: Context) -> bool:
    from station.roles import allows

    return allows(ctx.operator.role, Permission.IMPORT_PHOTO)


def clear_flag(ctx: Context, candidate_id: int, login: str, password: str, reason: str) -> None:
    """A supervisor has looked at a flagged photo and accepts it (审核员核实)."""
    from station import auth, records

    if not reason.strip():
        raise UsageError("请填写核实结论", "a reason is required")
    with ctx.store.read() as s:
        c = records.get(s, candidate_id)
        flagged = c.photo is not None and c.photo.flag and not c.photo.flag_cleared_by
    if not flagged:
        raise UsageError("该考生的照片没有待审核的提示", "the photo is not flagged")
    approver = auth.approve(
        ctx, login, password, Permission.IMPORT_PHOTO, "photo_flag_cleared",
        candidate_id=candidate_id, reason=reason.strip(),
    )  # fmt: skip
    with ctx.store.session() as s:
        c = records.get(s, candidate_id)
        photo = s.get(Photo, c.photo_id) if c.photo_id else None
        if photo is None or not photo.flag:
            raise UsageError("该考生的照片没有待审核的提示", "the photo is not flagged")
        photo.flag_cleared_by = approver.login
        records.settle_ready_in(s, ctx, c)
