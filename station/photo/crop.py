"""Crop and encode (照片裁剪): the profile's framing around the face, a JPEG in its size range.

The crop never rotates, mirrors or retouches: exam rules forbid rotating or mirroring the
picture (禁止对图像进行镜像、旋转等变换), so a leaning head is a retake, not a correction.
The JPEG is written from pixels by OpenCV, so no EXIF (camera, time, place) is carried over;
its quality is found by binary search: the highest quality whose file fits the profile.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from station.photo import detect
from station.photo.detect import Box
from station.photo.errors import PhotoError
from station.photo.images import as_bgr
from station.photo.profiles import Profile

SCALE_STEPS = 12  # face sizes tried between the profile's min and max around the target


@dataclass(frozen=True, slots=True)
class Placement:
    """The crop window in frame pixels (its aspect is the profile's)."""

    x: float
    y: float
    width: float
    height: float
    face_width: float  # the face box width / output width this window gives

    def bounds(self, frame_width: int, frame_height: int) -> tuple[int, int, int, int]:
        x0, y0 = max(0, round(self.x)), max(0, round(self.y))
        x1 = min(frame_width, round(self.x + self.width))
        y1 = min(frame_height, round(self.y + self.height))
        return x0, y0, x1, y1


def face_too_small(face: Box, frame_height: int, profile: Profile) -> bool:
    """Too little face for the profile's photo: its crop would be a small picture blown up.

    Below the profile's share of the frame height (a candidate too far from the camera) or
    its width in pixels (a small picture from a file). ``check_frame`` calls this
    face_too_small and ``crop_and_encode`` refuses it, so the two always agree.
    """
    c = profile.checks
    return face[3] / frame_height < c.face_min_fraction or face[2] < c.face_min_px


def place_crop(
    frame_width: int, frame_height: int, face: Box, eye_y: float, profile: Profile
) -> Placement | str:
    """Where to cut the photo out of the frame, or why it cannot be cut.

    The face width aims at the profile's target and may go anywhere in its range; the eyes
    aim at the target line and may sit anywhere in theirs; the estimated top of the hair
    stays at least ``head_top_min`` below the edge; the face centre stays within
    ``center_tolerance`` of the middle. The first face size (nearest the target first) for
    which a window inside the frame meets all of that wins. Returns ``"face_too_large"``
    when even the smallest window is bigger than the frame, else ``"off_center"``.
    """
    g = profile.geometry
    fx, fy, fw, fh = face
    cx = fx + fw / 2
    head_top = fy - detect.HEAD_ABOVE_BOX * fh
    span = g.face_width
    steps = (span.min + (span.max - span.min) * i / SCALE_STEPS for i in range(SCALE_STEPS + 1))
    ratios = sorted({span.target, *steps}, key=lambda r: abs(r - span.target))
    any_fits = False
    for ratio in ratios:
        width = fw / ratio  # window width in frame pixels
        height = width * profile.height / profile.width
        if width > frame_width or height > frame_height:
            continue
        any_fits = True
        x_low = max(0.0, cx - (0.5 + g.center_tolerance) * width)
        x_high = min(frame_width - width, cx - (0.5 - g.center_tolerance) * width)
        y_low = max(0.0, eye_y - g.eye_line.max * height)
        y_high = min(
            frame_height - height,
            eye_y - g.eye_line.min * height,
            head_top - g.head_top_min * height,
        )
        if x_low > x_high or y_low > y_high:
            continue
        x = min(max(cx - width / 2, x_low), x_high)
        wanted = eye_y - g.eye_line.target * height
        # Too much room above the hair is a softer rule than the eyes: honour it if possible.
        soft_low = max(y_low, head_top - g.head_top_max * height)
        y = (
            min(max(wanted, soft_low), y_high)
            if soft_low <= y_high
            else min(max(wanted, y_low), y_high)
        )
        return Placement(x, y, width, height, ratio)
    return "off_center" if any_fits else "face_too_large"


def crop_and_encode(frame_bgr: np.ndarray, profile: Profile, face: Box | None = None) -> bytes:
    """The profile's photo of the one face in ``frame_bgr`` as JPEG bytes; else PhotoError.

    ``face`` is the box a ``Verdict`` reported for this frame; without it the face is
    detected here (exactly one is required).
    """
    frame = as_bgr(frame_bgr)
    if face is None:
        # The small-face pass too, so that a face too far away is refused as too small.
        faces = detect.find_faces(detect.shrink(frame)) or detect.find_small_faces(frame)
        if not faces:
            raise PhotoError("画面中没有找到人脸，请正对镜头", "no face in the picture")
        if len(faces) > 1:
            raise PhotoError("画面中只能有一人", "more than one face in the picture")
        face, window = detect.refine_face(frame, faces[0])
    else:
        face = (int(face[0]), int(face[1]), int(face[2]), int(face[3]))
        window = detect.face_window(frame, face)
    height, width = frame.shape[:2]
    if face_too_small(face, height, profile):
        raise PhotoError(
            "人脸太小，无法按规格裁剪，请靠近一些", "the face is too small to frame: come closer"
        )
    eyes = detect.find_eyes(window, face)
    placed = place_crop(width, height, face, detect.eye_line_y(face, eyes), profile)
    if placed == "face_too_large":
        raise PhotoError("人脸太大，无法按规格裁剪，请离远一些", "the face is too large to frame")
    if isinstance(placed, str):
        raise PhotoError(
            "人脸太靠边，无法按规格裁剪，请移到画面中间", "the face is too near the edge to frame"
        )
    x0, y0, x1, y1 = placed.bounds(width, height)
    cut = frame[y0:y1, x0:x1]
    shrinking = cut.shape[1] >= profile.width
    photo = cv2.resize(
        cut,
        (profile.width, profile.height),
        interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC,
    )
    return encode_jpeg(photo, profile)


def encode_jpeg(photo: np.ndarray, profile: Profile) -> bytes:
    """The highest JPEG quality (at least the profile's minimum) whose file fits the range."""

    def encode(quality: int) -> bytes:
        ok, data = cv2.imencode(
            ".jpg",
            photo,
            [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1],
        )
        if not ok:  # pragma: no cover - OpenCV always encodes a uint8 BGR image
            raise PhotoError("JPEG 编码失败", "JPEG encoding failed")
        return data.tobytes()

    low, high = profile.jpeg_min_quality, 100
    best = encode(low)
    if len(best) > profile.jpeg_max_bytes:
        raise PhotoError(
            f"照片在最低质量 {low} 时仍大于 {profile.jpeg_max_bytes // 1000} KB"
            "（画面细节或噪点过多），请重拍",
            f"even at quality {low} the JPEG exceeds {profile.jpeg_max_bytes} bytes",
        )
    # Invariant: quality `low` fits; find the highest quality that still fits.
    while low < high:
        mid = (low + high + 1) // 2
        data = encode(mid)
        if len(data) <= profile.jpeg_max_bytes:
            low, best = mid, data
        else:
            high = mid - 1
    if len(best) < profile.jpeg_min_bytes:
        raise PhotoError(
            f"照片在最高质量时仍小于 {profile.jpeg_min_bytes // 1024} KB（画面过于平淡），请重拍",
            f"even at quality {low} the JPEG is below {profile.jpeg_min_bytes} bytes",
        )
    return best
