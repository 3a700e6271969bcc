"""Quality checks of one camera frame (照片质量检查): a verdict with problem codes and numbers.

``check_frame`` answers, for the live view, "can a good photo be cut from this frame, and
if not, what should the candidate change first?". Every threshold comes from the profile
(``resources/photo_profiles.json``; reasons in ``resources/SOURCES_photo.md``). Problems are
ordered by ``PROBLEM_ORDER``, which is the order to fix them in: light first (nothing else
can be judged in the dark), then who is in the picture, then distance and position, then
pose, then the finer points of light, focus and background.

A frame that passes can always be cropped: the position checks use the same placement as
``crop_and_encode``, and a face it calls too small is one ``crop_and_encode`` refuses.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from station.photo import detect
from station.photo.crop import face_too_small, place_crop
from station.photo.detect import Box
from station.photo.images import as_bgr
from station.photo.profiles import Background, Checks, Profile

PROBLEM_ORDER = (
    "too_dark",
    "too_bright",
    "no_face",
    "multiple_faces",
    "face_too_small",
    "face_too_large",
    "off_center",
    "head_tilted",
    "uneven_light",
    "blurry",
    "background_not_plain",
)

# What the live view says, per problem: short enough to read from a step away.
INSTRUCTIONS: dict[str, tuple[str, str]] = {
    "too_dark": ("光线太暗，请打开补光灯", "Too dark: turn on more light"),
    "too_bright": ("光线太亮，请调暗灯光或避开强光", "Too bright: dim the light or avoid glare"),
    "no_face": ("请正对镜头", "Please face the camera"),
    "multiple_faces": ("画面中只能有一人", "Only one person in the picture"),
    "face_too_small": ("请靠近一些", "Please come a little closer"),
    "face_too_large": ("请离远一些", "Please move back a little"),
    "off_center": ("请移到画面中间", "Please move to the middle of the picture"),
    "head_tilted": ("请摆正头部，不要歪头", "Please hold your head straight"),
    "uneven_light": ("脸部光线不均匀，请调整灯光", "Uneven light on the face: adjust the lamps"),
    "blurry": ("画面模糊，请保持不动", "The picture is blurred: please hold still"),
    "background_not_plain": (
        "背景不是规定的纯色，请站在背景布前",
        "The background is not the plain colour required: stand before the backdrop",
    ),
}

SHARPNESS_FACE_PX = detect.REFINE_FACE_PX  # sharpness is measured with the face this wide
MIN_BACKGROUND_PIXELS = 150  # at detection scale; fewer and the background is not judged


def instruction(code: str, language: str = "zh_CN") -> str:
    """The live view's words for a problem code; ``language`` "zh_CN" (default) or "en"."""
    try:
        zh, en = INSTRUCTIONS[code]
    except KeyError:
        raise ValueError(f"unknown photo problem code {code!r}") from None
    if language.lower().startswith("zh"):
        return zh
    if language.lower().startswith("en"):
        return en
    raise ValueError(f"no instructions in {language!r} (zh_CN or en)")


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result of ``check_frame``.

    ``face`` is the largest face (x, y, w, h in frame pixels) or None; ``eyes`` its two eyes
    when both were found. ``metrics`` are the measured numbers the thresholds are applied to.
    """

    ok: bool
    problems: list[str]
    metrics: dict[str, float]
    face: Box | None = None
    eyes: list[Box] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "problems": list(self.problems), "metrics": dict(self.metrics)}


def check_frame(frame_bgr: np.ndarray, profile: Profile) -> Verdict:
    """Check one frame against the profile; see the module docstring."""
    frame = as_bgr(frame_bgr)
    c = profile.checks
    height, width = frame.shape[:2]
    scaled = detect.shrink(frame)
    problems: list[str] = []
    m: dict[str, float] = {"frame_luma": float(scaled.grey.mean())}

    faces = detect.find_faces(scaled)
    tilt: float | None = None
    if faces:
        face, window = detect.refine_face(frame, faces[0])
        eyes = detect.find_eyes(window, face)
        tilt = detect.tilt_degrees(eyes)
    elif (tilted := detect.find_tilted_face(scaled)) is not None:
        face, tilt = tilted
        faces = [face]
        window = detect.face_window(frame, face)
        eyes = []
        m["tilt_estimated"] = 1.0
    elif faces := detect.find_small_faces(frame):
        # Someone too far back for the coarse pass: face_too_small below, not no_face.
        face = faces[0]
        window = detect.face_window(frame, face)
        eyes = detect.find_eyes(window, face)
        tilt = detect.tilt_degrees(eyes)
        m["small_face_pass"] = 1.0
    else:
        return _no_face(c, m)
    m["faces"] = len(faces)
    m["eyes"] = len(eyes)
    if len(faces) > 1:
        problems.append("multiple_faces")

    fx, fy, fw, fh = face
    m.update(face_x=fx, face_y=fy, face_w=fw, face_h=fh)
    m["face_fraction"] = fh / height
    if face_too_small(face, height, profile):
        problems.append("face_too_small")
    m["center_offset"] = (fx + fw / 2 - width / 2) / width
    placed = place_crop(width, height, face, detect.eye_line_y(face, eyes), profile)
    if placed == "face_too_large":
        problems.append("face_too_large")
    elif placed == "off_center" or abs(m["center_offset"]) > c.max_center_offset:
        problems.append("off_center")
    if tilt is not None:
        m["tilt_deg"] = tilt
        if abs(tilt) > c.max_tilt_deg:
            problems.append("head_tilted")

    _light(scaled, face, c, m, problems)
    m["sharpness"] = _sharpness(window, face)
    if m["sharpness"] < c.sharpness_min:
        problems.append("blurry")
    if _background(scaled, face, profile, m):
        problems.append("background_not_plain")
    return _verdict(problems, m, face, eyes)


def _no_face(c: Checks, m: dict[str, float]) -> Verdict:
    # Without a face only the whole frame's light can be judged, and it is told first.
    m["faces"] = 0
    problems = []
    if m["frame_luma"] < c.frame_luma_min:
        problems.append("too_dark")
    elif m["frame_luma"] > c.frame_luma_max:
        problems.append("too_bright")
    problems.append("no_face")
    return _verdict(problems, m, None, [])


def _verdict(
    problems: list[str], m: dict[str, float], face: Box | None, eyes: list[Box]
) -> Verdict:
    ordered = sorted(set(problems), key=PROBLEM_ORDER.index)
    metrics = {k: round(float(v), 4) for k, v in m.items()}
    return Verdict(not ordered, ordered, metrics, face, eyes)


def _inner(face: tuple[float, ...], scale: float) -> tuple[int, int, int, int]:
    # The skin between brows and mouth: no hair, no background, no collar.
    x, y, w, h = (v * scale for v in face)
    return round(x + 0.2 * w), round(y + 0.25 * h), round(x + 0.8 * w), round(y + 0.85 * h)


def _light(
    scaled: detect.Scaled, face: Box, c: Checks, m: dict[str, float], problems: list[str]
) -> None:
    x0, y0, x1, y1 = _inner(face, scaled.scale)
    grey = scaled.grey
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(grey.shape[1], max(x1, x0 + 2)), min(grey.shape[0], max(y1, y0 + 1))
    skin = grey[y0:y1, x0:x1]
    if skin.size == 0:
        return
    m["face_luma"] = float(skin.mean())
    m["face_clipped"] = float(np.count_nonzero(skin >= 250)) / skin.size
    half = skin.shape[1] // 2
    left, right = float(skin[:, :half].mean()), float(skin[:, half:].mean())
    m["side_diff"] = abs(left - right) / max(left, right, 1.0)
    if m["face_luma"] < c.face_luma_min:
        problems.append("too_dark")
    elif m["face_luma"] > c.face_luma_max or m["face_clipped"] > c.face_clipped_max:
        problems.append("too_bright")
    if m["side_diff"] > c.face_side_diff_max:
        problems.append("uneven_light")


def _sharpness(window: detect.FaceWindow, face: Box) -> float:
    """Focus of the inner face: the weaker direction's second-derivative energy.

    ``min(var(d²/dx²), var(d²/dy²)) / mean² × 10⁴``, with the face ``REFINE_FACE_PX`` wide.
    The fixed face size makes it independent of resolution and distance (a small face is
    upscaled and reads as softer, which is right: its photo will be soft). Dividing by the
    squared mean brightness makes it independent of exposure (a dark frame is not also a
    blurred one). Taking the weaker direction catches motion blur, which leaves edges
    across the motion sharp.
    """
    x0, y0, x1, y1 = _inner(window.from_frame(face), 1.0)
    grey = window.grey
    skin = grey[max(0, y0) : min(grey.shape[0], y1), max(0, x0) : min(grey.shape[1], x1)]
    if skin.shape[0] < 5 or skin.shape[1] < 5:
        return 0.0
    mean = max(float(skin.mean()), 1.0)
    dxx = cv2.Sobel(skin, cv2.CV_32F, 2, 0, ksize=3)
    dyy = cv2.Sobel(skin, cv2.CV_32F, 0, 2, ksize=3)
    return min(float(dxx.var()), float(dyy.var())) / mean**2 * 1e4


def _background(scaled: detect.Scaled, face: Box, profile: Profile, m: dict[str, float]) -> bool:
    """True when the backdrop around the head is not plain or not an allowed colour.

    Sampled at detection scale in a window around the head (the frame, not only the crop:
    the crop leaves too little background to judge) minus an ellipse over head and hair.
    """
    c = profile.checks
    s = scaled.scale
    fx, fy, fw, fh = (v * s for v in face)
    cx = fx + fw / 2
    rows, cols = scaled.grey.shape
    x0, x1 = max(0, round(cx - 1.6 * fw)), min(cols, round(cx + 1.6 * fw))
    # Down to the mouth only: lower, a close framing puts shoulders beside the chin.
    y0, y1 = max(0, round(fy - 0.8 * fh)), min(rows, round(fy + 0.7 * fh))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return False
    mask = np.full((y1 - y0, x1 - x0), 255, np.uint8)
    centre = (round(cx - x0), round(fy + 0.4 * fh - y0))
    axes = (round(0.85 * fw), round(1.1 * fh))
    cv2.ellipse(mask, centre, axes, 0, 0, 360, 0, thickness=-1)
    count = int(np.count_nonzero(mask))
    if count < MIN_BACKGROUND_PIXELS:
        return False
    region = scaled.bgr[y0:y1, x0:x1]
    lab = cv2.cvtColor(region, cv2.COLOR_BGR2Lab).astype(np.float32)
    picked = lab[mask > 0]
    lightness = picked[:, 0] * (100 / 255)
    m["background_std"] = float(lightness.std())
    edges = cv2.Canny(scaled.grey[y0:y1, x0:x1], 60, 150)
    m["background_edges"] = float(np.count_nonzero(edges[mask > 0])) / count
    mean = np.array(
        [lightness.mean(), picked[:, 1].mean() - 128, picked[:, 2].mean() - 128], np.float32
    )
    m["background_delta_e"] = min(
        float(np.linalg.norm(mean - _lab(b))) for b in profile.backgrounds
    )
    return (
        m["background_std"] > c.background_std_max
        or m["background_edges"] > c.background_edges_max
        or m["background_delta_e"] > c.background_delta_e_max
    )


@functools.lru_cache(maxsize=64)
def _lab(background: Background) -> np.ndarray:
    r, g, b = background.rgb
    pixel = np.array([[[b, g, r]]], np.uint8)
    lab = cv2.cvtColor(pixel, cv2.COLOR_BGR2Lab)[0, 0].astype(np.float32)
    return np.array([lab[0] * 100 / 255, lab[1] - 128, lab[2] - 128], np.float32)
