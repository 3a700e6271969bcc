"""Face and eye detection (人脸检测) with OpenCV's Haar cascades, no Qt.

Why Haar cascades, and why OpenCV 4.x (``opencv-python-headless>=4.10,<5``):
opencv-python-headless 5.0 has no ``cv2.CascadeClassifier`` and ships no cascade files,
while 4.x ships the trained cascades (``cv2.data.haarcascades``). They need no model
download, no network and no GPU, which suits a registration point's desk PC; frontal
faces are exactly what a registration photo shows. A frontal-face cascade over a whole
640×480 frame at default settings costs about 130 ms; with a sensible minimum size and
scale factor 11-19 ms. We go further for the live view: detect on a grey copy whose short
side is ``DETECT_SHORT_SIDE`` px (3.5-5.5 ms on the 2-core reference machine), refine the
one box in a small window around it with the face ``REFINE_FACE_PX`` wide (1 ms), and look
for the eyes in that window (2 ms).

That coarse pass sees no face under 15 % of the frame height (``DETECT_MIN_FACE`` at
``DETECT_SHORT_SIDE``) and misses some up to ~19 %. A candidate standing that far back
should hear "come closer", not "face the camera", so a frame where no face is found gets
a second pass (``find_small_faces``) at ``SMALL_SHORT_SIDE`` for faces down to ~7 %, each
confirmed in its refine window. On a plain backdrop, empty or with someone far away, it
costs 6-15 ms; on a cluttered frame 6-9× the coarse pass (60-100 ms: the copy has four
times the pixels, searched in finer steps, and texture is what a cascade spends its time
on). It runs only when nothing else found a face, so a frame with a face pays nothing,
and its copy has a fixed size whatever the camera's resolution.

Cascade objects are loaded once per thread (``threading.local``): ``detectMultiScale`` on
one object from two threads at once is not documented as safe, and loading costs tens of
milliseconds, so the capture thread and the GUI thread each keep their own.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels

FACE_CASCADE = "haarcascade_frontalface_alt2.xml"  # fewer false faces than _default here
EYE_CASCADE = "haarcascade_eye.xml"
DETECT_SHORT_SIDE = 160  # px: a face of 0.2 x frame height is 32 px here, above the 20 px window
DETECT_MIN_FACE = 24  # px at detection scale: smaller faces are too far to photograph
DETECT_SCALE_FACTOR = 1.15
DETECT_MIN_NEIGHBORS = 4
SMALL_SHORT_SIDE = 320  # px: the cascade's 20 px window is then 6.25 % of the frame height
SMALL_MIN_FACE = 20  # px at that scale: the cascade's own window, the smallest it sees
SMALL_MAX_FACE = 0.25  # of the short side: larger faces are the coarse pass's to find
SMALL_SCALE_FACTOR = 1.1  # 1.15 misses a quarter of the faces of 7-9 % (measured)
REFINE_FACE_PX = 112  # refine and find eyes with the face this wide (eyes then ~25 px > 20)
EYE_LINE_IN_BOX = 0.37  # eye height in a refined alt2 box (measured) when eyes are not found
HEAD_ABOVE_BOX = 0.45  # top of the hair above the box, as a share of its height


class _Cascades(threading.local):
    def __init__(self) -> None:
        self.face = _load(FACE_CASCADE)
        self.eye = _load(EYE_CASCADE)


def _load(name: str) -> cv2.CascadeClassifier:
    # Read by Python and parsed from memory: OpenCV opens files with narrow-character paths,
    # which fail on Windows when the program sits under a folder with Chinese characters.
    path = Path(cv2.data.haarcascades) / name  # type: ignore[attr-defined]  # no stub for cv2.data
    cascade = cv2.CascadeClassifier()
    try:
        storage = cv2.FileStorage(
            path.read_text("utf-8"), cv2.FILE_STORAGE_READ | cv2.FILE_STORAGE_MEMORY
        )
        cascade.read(storage.getFirstTopLevelNode())
    except (OSError, cv2.error):
        pass
    if cascade.empty():  # a broken OpenCV install; nothing an operator can fix at the desk
        raise RuntimeError(f"OpenCV cascade {path} is missing (opencv-python-headless 4.x?)")
    return cascade


_local: _Cascades | None = None
_local_lock = threading.Lock()


def cascades() -> _Cascades:
    """This thread's cascades (loaded on first use in the thread)."""
    global _local
    if _local is None:
        with _local_lock:
            if _local is None:
                _local = _Cascades()
    return _local


@dataclass(frozen=True, slots=True)
class Scaled:
    """The frame shrunk for detection and the cheap whole-frame measurements."""

    bgr: np.ndarray
    grey: np.ndarray
    scale: float  # small = frame * scale


def _resized(frame: np.ndarray, short_side: int) -> tuple[np.ndarray, float]:
    """The frame with its short side at most ``short_side`` px, and that scale."""
    height, width = frame.shape[:2]
    scale = min(1.0, short_side / min(height, width))
    if scale >= 1.0:
        return frame, 1.0
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA), scale


def _in_frame(found: Sequence[Sequence[int]], scale: float) -> list[Box]:
    """Boxes found on a copy at ``scale``, in frame pixels, largest first."""
    boxes = [
        (round(x / scale), round(y / scale), round(w / scale), round(h / scale))
        for x, y, w, h in found
    ]
    return sorted(boxes, key=lambda b: b[2] * b[3], reverse=True)


def shrink(frame: np.ndarray) -> Scaled:
    small, scale = _resized(frame, DETECT_SHORT_SIDE)
    return Scaled(small, cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), scale)


def find_faces(scaled: Scaled) -> list[Box]:
    """Face boxes in frame pixels, largest first."""
    found = cascades().face.detectMultiScale(
        scaled.grey,
        scaleFactor=DETECT_SCALE_FACTOR,
        minNeighbors=DETECT_MIN_NEIGHBORS,
        minSize=(DETECT_MIN_FACE, DETECT_MIN_FACE),
    )
    return _in_frame(found, scaled.scale)


def find_small_faces(frame: np.ndarray) -> list[Box]:
    """Faces too small for ``find_faces`` (down to ~7 % of the frame height), largest first.

    For frames where ``find_faces`` found nothing (see the module docstring for the cost):
    a copy twice as large, searched from the cascade's own window up to where the coarse
    pass takes over, in finer steps. A 20 px window sees a face in little (a fold of cloth,
    a knot in wood), so a candidate counts only when it is found again with the face
    ``REFINE_FACE_PX`` wide and both its eyes are found there; the boxes are the refined ones.
    """
    small, scale = _resized(frame, SMALL_SHORT_SIDE)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    largest = max(SMALL_MIN_FACE + 1, round(SMALL_MAX_FACE * min(grey.shape)))
    found = cascades().face.detectMultiScale(
        grey,
        scaleFactor=SMALL_SCALE_FACTOR,
        minNeighbors=DETECT_MIN_NEIGHBORS,
        minSize=(SMALL_MIN_FACE, SMALL_MIN_FACE),
        maxSize=(largest, largest),
    )
    confirmed = (_confirmed(frame, box) for box in _in_frame(found, scale))
    return sorted(
        (box for box in confirmed if box is not None), key=lambda b: b[2] * b[3], reverse=True
    )


def _confirmed(frame: np.ndarray, candidate: Box) -> Box | None:
    """The candidate's refined box if it is a face with two eyes at the refine scale."""
    face, _window = _redetect(frame, candidate)
    if face is None or len(find_eyes(face_window(frame, face), face)) != 2:
        return None
    return face


@dataclass(frozen=True, slots=True)
class FaceWindow:
    """A grey window around one face, scaled so the face is ``REFINE_FACE_PX`` wide."""

    grey: np.ndarray
    x0: int  # window origin in frame pixels
    y0: int
    scale: float  # window = frame * scale

    def to_frame(self, box: Box | np.ndarray) -> Box:
        x, y, w, h = (float(v) for v in box)
        s = self.scale
        return (
            round(self.x0 + x / s),
            round(self.y0 + y / s),
            round(w / s),
            round(h / s),
        )

    def from_frame(self, box: Box) -> tuple[float, float, float, float]:
        x, y, w, h = box
        s = self.scale
        return ((x - self.x0) * s, (y - self.y0) * s, w * s, h * s)


def face_window(frame: np.ndarray, face: Box, margin: float = 0.2) -> FaceWindow:
    height, width = frame.shape[:2]
    x, y, w, h = face
    x0, y0 = max(0, round(x - margin * w)), max(0, round(y - margin * h))
    x1, y1 = min(width, round(x + w + margin * w)), min(height, round(y + h + margin * h))
    scale = REFINE_FACE_PX / max(w, 1)
    roi = frame[y0:y1, x0:x1]
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    grey = cv2.cvtColor(cv2.resize(roi, size, interpolation=interpolation), cv2.COLOR_BGR2GRAY)
    return FaceWindow(grey, x0, y0, scale)


def refine_face(frame: np.ndarray, face: Box) -> tuple[Box, FaceWindow]:
    """The box re-detected at a finer scale (the coarse one moves in 15 % steps)."""
    refined, window = _redetect(frame, face)
    return refined or face, window


def _redetect(frame: np.ndarray, face: Box) -> tuple[Box | None, FaceWindow]:
    """The face found again in its window with the face ``REFINE_FACE_PX`` wide, or None."""
    window = face_window(frame, face)
    # Sizes within ±20 % of the coarse box, in 10 % steps: 1 ms instead of a full search.
    low, high = round(REFINE_FACE_PX / 1.2), round(REFINE_FACE_PX * 1.2)
    found = cascades().face.detectMultiScale(
        window.grey, scaleFactor=1.1, minNeighbors=3, minSize=(low, low), maxSize=(high, high)
    )
    if len(found) == 0:
        return None, window
    cx, cy = face[0] + face[2] / 2, face[1] + face[3] / 2
    boxes = [window.to_frame(tuple(int(v) for v in b)) for b in found]  # type: ignore[arg-type]
    best = min(boxes, key=lambda b: math.hypot(b[0] + b[2] / 2 - cx, b[1] + b[3] / 2 - cy))
    return best, window


def find_eyes(window: FaceWindow, face: Box) -> list[Box]:
    """The two eyes (left, right in the image) in frame pixels, or ``[]`` if not both found.

    Only the upper part of the face is searched, and only a plausible pair is kept
    (one eye in each half, similar size, a sensible distance apart): eyebrows, nostrils
    and glasses' frames otherwise pass for eyes.
    """
    fx, fy, fw, fh = window.from_frame(face)
    top, bottom = max(0, round(fy + 0.15 * fh)), min(window.grey.shape[0], round(fy + 0.62 * fh))
    left, right = max(0, round(fx)), min(window.grey.shape[1], round(fx + fw))
    region = window.grey[top:bottom, left:right]
    if region.shape[0] < 20 or region.shape[1] < 40:
        return []
    smallest, largest = max(20, round(0.12 * fw)), max(21, round(0.3 * fw))
    found = cascades().eye.detectMultiScale(
        region, 1.15, 3, minSize=(smallest, smallest), maxSize=(largest, largest)
    )
    candidates = [(left + x, top + y, w, h) for x, y, w, h in found]
    mid = fx + fw / 2
    lefts = [e for e in candidates if e[0] + e[2] / 2 < mid]
    rights = [e for e in candidates if e[0] + e[2] / 2 >= mid]
    best: tuple[float, Box, Box] | None = None
    for a in lefts:
        for b in rights:
            dx = (b[0] + b[2] / 2) - (a[0] + a[2] / 2)
            dy = (b[1] + b[3] / 2) - (a[1] + a[3] / 2)
            if not 0.25 * fw <= dx <= 0.75 * fw or abs(dy) > 0.45 * dx:
                continue  # too close, too far, or steeper than ~24°: not a pair of eyes
            score = abs(a[2] - b[2]) / fw + abs(dx / fw - 0.45)
            if best is None or score < best[0]:
                best = (score, a, b)
    if best is None:
        return []
    return [window.to_frame(best[1]), window.to_frame(best[2])]


def eye_line_y(face: Box, eyes: list[Box]) -> float:
    """The eyes' height in frame pixels: measured when both are found, else estimated."""
    if len(eyes) == 2:
        return sum(e[1] + e[3] / 2 for e in eyes) / 2
    return face[1] + EYE_LINE_IN_BOX * face[3]


def tilt_degrees(eyes: list[Box]) -> float | None:
    """Angle of the line through the eyes; positive when the right one (in the image) is lower."""
    if len(eyes) != 2:
        return None
    (ax, ay, aw, ah), (bx, by, bw, bh) = eyes
    dx = (bx + bw / 2) - (ax + aw / 2)
    dy = (by + bh / 2) - (ay + ah / 2)
    return math.degrees(math.atan2(dy, dx))


TILT_TRIES = (20.0, -20.0)  # degrees; the upright cascade misses heads leaning past ~13°


def find_tilted_face(scaled: Scaled) -> tuple[Box, float] | None:
    """A face the upright cascade missed because the head leans: its box and the lean.

    Only tried when no upright face is found (so it costs nothing on a good frame): the
    small grey frame is turned by ±20° and searched again. A face found in the frame
    turned by ``a`` degrees leans by about ``a`` (positive: the right eye in the image lower).
    """
    height, width = scaled.grey.shape
    for angle in TILT_TRIES:
        turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
        turned = cv2.warpAffine(scaled.grey, turn, (width, height), borderMode=cv2.BORDER_REPLICATE)
        found = cascades().face.detectMultiScale(
            turned,
            scaleFactor=DETECT_SCALE_FACTOR,
            minNeighbors=DETECT_MIN_NEIGHBORS,
            minSize=(DETECT_MIN_FACE, DETECT_MIN_FACE),
        )
        if len(found) == 0:
            continue
        x, y, w, h = max(found, key=lambda b: b[2] * b[3])
        back = cv2.invertAffineTransform(turn)
        cx, cy = back @ np.array([x + w / 2, y + h / 2, 1.0])
        s = scaled.scale
        box = (round((cx - w / 2) / s), round((cy - h / 2) / s), round(w / s), round(h / s))
        return box, angle
    return None
