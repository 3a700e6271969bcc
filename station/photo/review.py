"""A supervisor's acts on photos (照片审核): a photo imported from a file when the camera
fails (with a reason, through the same checks), and a near-duplicate flag cleared after
looking (:mod:`station.photo.duplicates`). Both may be approved at an operator's desk with
the supervisor's own login and password, which the audit chain records.
"""

from __future__ import annotations

from station import audit
from station.auth import Context
from station.errors import UsageError
from station.lifecycle import State
from station.models import Photo
from station.photo.errors import PhotoRejected
from station.roles import Permission


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
    from station.photo.stored import PhotoInput

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


def flag_pending(photo: Photo | None) -> bool:
    """A near-duplicate flag on ``photo`` that no supervisor has cleared yet: the one rule
    read by the ready guard (station/records/transitions.py), the desk and :func:`clear_flag`."""
    return bool(photo is not None and photo.flag and not photo.flag_cleared_by)


def clear_flag(ctx: Context, candidate_id: int, login: str, password: str, reason: str) -> None:
    """A supervisor has looked at a flagged photo and accepts it (审核员核实)."""
    from station import auth, records

    if not reason.strip():
        raise UsageError("请填写核实结论", "a reason is required")
    with ctx.store.read() as s:
        c = records.get(s, candidate_id)
        flagged = flag_pending(c.photo)
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
