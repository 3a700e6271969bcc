"""Synthetic demo candidates (演示数据) for the demo station, tests and benchmarks.

Every seeded record is flagged ``is_demo``, carries 演示 in its school and address, a valid
*synthetic* ID number (real division code and check digit, invented birth and sequence) and
the placeholder portrait, and is moved through the real lifecycle to the state asked for.

``photos="camera"`` gives every record a portrait of its own instead (:func:`camera_photo`):
a drawn head and shoulders on the light-blue or white backdrop, lit, posed and sensor-noisy
like a webcam's frame, 480×640 and about 33 KB, so that the store holds what a real one
does: distinct JPEGs whose perceptual hashes the near-duplicate index must scan.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import random
from collections import deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import select

from station import codes, idnumber, records
from station.auth import Context
from station.errors import UsageError
from station.lifecycle import Action, Facts, State
from station.models import Candidate, Photo
from station.photo.stored import PhotoInput, placeholder_jpeg
from station.validation import Category

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文华建国志红玉梅雪晨浩宇子涵欣怡梓轩一诺思远雨桐佳琪博文嘉怡俊杰明轩雅婷天佑若曦"
# A few names of the kind the store must keep exactly: minority names with the middle dot,
# and characters beyond the Basic Multilingual Plane (CJK Extension B).
SPECIAL_NAMES = ["阿依古丽·买买提", "𠮷田明", "王𪚥", "巴特尔·其木格"]
ORDER = [
    State.DRAFT,
    State.READY,
    State.CONFIRMED,
    State.SIGNED,
    State.EXPORTED,
    State.ACKNOWLEDGED,
    State.APPROVED,
]
SEEDABLE = [s.value for s in State]
CHUNK = 200
HOME_PROVINCE = "41"  # the demo station is in Henan (河南省)
# Cheap on purpose: demo passwords are random and never used; real ones use the station KDF.
_DEMO_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _ages(category: Category, ref: dt.date) -> tuple[dt.date, dt.date]:
    span = {Category.FRESH: (14, 16), Category.PREVIOUS: (16, 18), Category.SOCIAL: (18, 25)}
    lo, hi = span[category]
    return dt.date(ref.year - hi - 1, ref.month, 2), dt.date(ref.year - lo, ref.month, 1)


@functools.cache
def _home_counties() -> list[codes.Division]:
    return [d for d in codes.county_divisions() if d.code.startswith(HOME_PROVINCE)]


def synthetic_record(rng: random.Random, ref: dt.date, used: set[str]) -> dict[str, Any]:
    # Most candidates were born in the province; a few (随迁子女) elsewhere in the country.
    pool = _home_counties() if rng.random() < 0.95 else codes.county_divisions()
    county = rng.choice(pool)
    category = rng.choices(list(Category), weights=(80, 12, 8))[0]
    earliest, latest = _ages(category, ref)
    while True:
        birth = earliest + dt.timedelta(days=rng.randrange((latest - earliest).days))
        gender = rng.choice("12")
        seq = rng.randrange(0, 500) * 2 + (1 if gender == "1" else 0)
        number = idnumber.make(county.code, birth, seq)
        if number not in used:
            used.add(number)
            break
    if rng.random() < 0.01:
        name = rng.choice(SPECIAL_NAMES)
    else:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    school_no = rng.randrange(1, 30)
    minor = (ref - birth).days < 18 * 365.25
    record: dict[str, Any] = {
        "name": name,
        "document_type": "resident_id",
        "id_number": number,
        "gender": gender,
        "birth_date": birth,
        "ethnicity": rng.choices(["01", "03", "02", "11"], weights=(95, 3, 1, 1))[0],
        "political_status": rng.choice(["03", "13"]),
        "household_division": county.code,
        "category": category.value,
        "school_code": f"{county.code}{school_no:03d}" if category is not Category.SOCIAL else "",
        "school_name": f"演示第{school_no}中学" if category is not Category.SOCIAL else "",
        "student_number": f"G{number}" if category is Category.FRESH else "",
        "home_address": f"演示数据，非真实地址：{county.name}示例路{rng.randrange(1, 300)}号",
        "phone": "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}",
        "allocation_applied": category is Category.FRESH and rng.random() < 0.1,
        "allocation_basis": "",
    }
    if record["allocation_applied"]:
        record["allocation_basis"] = "演示：本校连续三年在籍"
    if minor or rng.random() < 0.5:
        record |= {
            "guardian_name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            "guardian_relation": rng.choice(["父亲", "母亲"]),
            "guardian_phone": "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}",
        }
    return record


def _advance(s: Any, ctx: Context, c: Candidate, target: State, serial: int) -> None:
    if target is State.DRAFT:
        return
    order = ORDER if target is not State.REJECTED else [*ORDER[:6], State.REJECTED]
    for state in order[order.index(State(c.state)) + 1 : order.index(target) + 1]:
        if state is State.READY:
            continue  # reached by saving with the photo (see records.settle_ready_in)
        if state is State.CONFIRMED:
            records.record_review_in(s, ctx, c)
            records.record_password_in(s, ctx, c, _DEMO_HASHER.hash(os.urandom(12).hex()))
            records.record_printed_in(s, ctx, c)
            records.transition_in(s, ctx, c, Action.CONFIRM)
        elif state is State.SIGNED:
            records.sign_in(s, ctx, c, f"演示-盒{serial // 100 + 1:03d}-页{serial % 100 + 1:02d}")
        elif state is State.EXPORTED:
            records.transition_in(s, ctx, c, Action.EXPORT)
        elif state is State.ACKNOWLEDGED:
            records.transition_in(s, ctx, c, Action.ACKNOWLEDGE, facts=_demo_county(s, ctx, c))
        elif state is State.APPROVED:
            records.transition_in(s, ctx, c, Action.APPROVE, facts=_demo_county(s, ctx, c))
        elif state is State.REJECTED:
            records.transition_in(
                s,
                ctx,
                c,
                Action.REJECT,
                reason="演示：学籍信息待核实",
                facts=_demo_county(s, ctx, c),
            )


def _demo_county(s: Any, ctx: Context, c: Candidate) -> Facts:
    # Demo data stands in for the county's signed answers, which the sync side verifies.
    return records.facts_of(s, ctx, c, county_verified=True)


PHOTOS = ("placeholder", "camera")


def seed(
    ctx: Context,
    count: int,
    state: str = State.SIGNED.value,
    *,
    rng_seed: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    photos: str = "placeholder",
) -> list[int]:
    """Create ``count`` demo candidates in ``state``; commits every few hundred records.
    ``photos``: ``placeholder`` (the one demo portrait, not hashed) or ``camera`` (a distinct
    camera-like portrait each, hashed and compared like any photo taken at the desk)."""
    if count < 0:
        raise UsageError("数量不能为负", "count must not be negative")
    if state not in SEEDABLE:
        raise UsageError(f"未知状态 {state}，可用：{', '.join(SEEDABLE)}", f"unknown state {state}")
    if photos not in PHOTOS:
        raise UsageError(f"未知照片类型 {photos}", f"photos is one of {', '.join(PHOTOS)}")
    target = State(state)
    rng = random.Random(rng_seed)
    ref = ctx.settings.policy().reference_date()
    placeholder = PhotoInput(placeholder_jpeg(), "demo", quality_ok=True)
    wanted = photos == "camera" and target is not State.DRAFT
    with ctx.store.session() as s:
        used = set(s.scalars(select(Candidate.id_number)))
        hashes = list(s.scalars(select(Photo.phash).where(Photo.phash != ""))) if wanted else []
    portraits = distinct_portraits(rng_seed, hashes) if wanted else None
    ids: list[int] = []
    try:
        for chunk in _chunks(count, CHUNK):
            with ctx.store.session() as s:
                for _ in range(chunk):
                    raw = synthetic_record(rng, ref, used)
                    photo = None
                    if portraits is not None:
                        photo = PhotoInput(next(portraits), "camera", quality_ok=True)
                    elif target is not State.DRAFT:
                        photo = placeholder
                    c = records.create_in(s, ctx, raw, photo, is_demo=True, source="seed")
                    _advance(s, ctx, c, target, len(ids))
                    ids.append(c.id)
            if progress:
                progress(len(ids), count)
    finally:
        if portraits is not None:
            portraits.close()
    return ids


# --- camera-like portraits --------------------------------------------------------------

_W, _H = 480, 640  # the national profile's output size (resources/photo_profiles.json)
_SCALE = 0.5  # drawn at half size and enlarged, as a webcam's soft frame
_BACKDROPS = ((255, 197, 100), (250, 250, 250))  # BGR: light blue RGB(100,197,255), white


@functools.cache
def _sensor_noise() -> tuple[Any, Any]:
    """One frame and a margin of Gaussian sensor noise (σ 3), split into its positive and
    negative parts so that it is added to a picture with two saturating uint8 operations;
    each portrait takes it at a random offset."""
    import numpy as np

    noise = np.random.default_rng(20261201).normal(0, 3.0, (_H + 64, _W + 64, 3))
    return np.clip(noise, 0, 255).astype(np.uint8), np.clip(-noise, 0, 255).astype(np.uint8)


def camera_photo(seed: int | tuple[int, ...]) -> bytes:
    """A synthetic camera-like portrait (JPEG, 480×640, about 27–40 KB) from ``seed``.

    A head and shoulders drawn with OpenCV: skin, hair (short, long, with volume), a face
    with eyes, brows, nose and mouth, clothes with a uniform's panels; then the light of a
    room (soft, uneven, from one side), shading on hair and clothes, a shadow on the backdrop,
    a slight tilt, the camera's softness and noise, JPEG quality 88. Different seeds give
    different people: their perceptual hashes are about 30 bits apart and fewer than 1 in
    100,000 pairs come within ``station.photo.phash.NEAR_DUPLICATE`` (seed() skips those).
    About 5 ms; OpenCV and numpy release the GIL, so threads make them side by side."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    s = _SCALE
    w, h = int(_W * s), int(_H * s)

    def at(x: float, y: float) -> tuple[int, int]:
        return int(x * s), int(y * s)

    def axes(x: float, y: float) -> tuple[int, int]:
        return max(1, int(x * s)), max(1, int(y * s))

    def colour(v: Any) -> tuple[float, ...]:
        return tuple(float(x) for x in v)

    def field(shape: tuple[int, int], sd: float) -> Any:  # smooth random light, 30×40
        small = rng.normal(0, sd, shape).astype(np.float32)
        return cv2.resize(small, (30, 40), interpolation=cv2.INTER_CUBIC)

    aa = cv2.LINE_AA
    backdrop = np.array(_BACKDROPS[0] if rng.random() < 0.8 else _BACKDROPS[1])
    canvas = np.empty((h, w, 3), np.uint8)
    canvas[:] = np.clip(backdrop + rng.normal(0, 8, 3), 0, 255).astype(np.uint8)
    plain = canvas.copy()
    cx = _W / 2 + rng.normal(0, 12)
    face_w = rng.uniform(170, 270)
    face_h = face_w * rng.uniform(1.18, 1.45)
    eye_y = rng.uniform(205, 295)
    cy = eye_y + face_h * 0.08
    tone = rng.uniform(0, 1)
    skin = np.array([110 + 80 * tone, 140 + 65 * tone, 175 + 65 * tone]) + rng.normal(0, 5, 3)
    hair = np.full(3, rng.uniform(8, 60)) + np.array([0, rng.uniform(0, 15), rng.uniform(0, 35)])
    cloth = rng.uniform(10, 90, 3) if rng.random() < 0.5 else rng.uniform(110, 250, 3)
    # Hair behind the head: short, or long to the shoulders; volume, a parting, a ponytail.
    hair_w = face_w * rng.uniform(0.55, 0.75)
    long_hair = rng.random() < 0.45
    hair_h = face_h * (rng.uniform(0.9, 1.7) if long_hair else rng.uniform(0.55, 0.72))
    hair_y = cy - face_h * 0.1 + (hair_h - face_h * 0.6) / 2
    cv2.ellipse(
        canvas,
        at(cx + rng.normal(0, 6), hair_y),
        axes(hair_w, hair_h),
        float(rng.normal(0, 5)),
        0,
        360,
        colour(hair),
        -1,
        aa,
    )
    for _ in range(int(rng.integers(0, 4))):
        centre = at(cx + rng.normal(0, 0.35) * face_w, cy - face_h * rng.uniform(0.1, 0.5))
        size = axes(face_w * rng.uniform(0.15, 0.4), face_h * rng.uniform(0.15, 0.5))
        cv2.ellipse(canvas, centre, size, float(rng.uniform(0, 180)), 0, 360, colour(hair), -1, aa)
    # Shoulders of any width and slope; a jacket's opening, a uniform's panels and stripes.
    sh_y = cy + face_h * 0.5 + rng.uniform(25, 100)
    sh_w = rng.uniform(1.5, 2.5) * face_w / 2
    slope, lean = rng.uniform(15, 80), rng.normal(0, 12)
    outline = np.array(
        [
            [cx - sh_w * 1.7, _H + 5],
            [cx - sh_w * 1.3, sh_y + slope * 1.5 - lean],
            [cx - sh_w, sh_y + slope * 0.5 - lean],
            [cx - face_w * 0.2, sh_y],
            [cx + face_w * 0.2, sh_y],
            [cx + sh_w, sh_y + slope * 0.5 + lean],
            [cx + sh_w * 1.3, sh_y + slope * 1.5 + lean],
            [cx + sh_w * 1.7, _H + 5],
        ]
    )
    body = [(outline * s).astype(np.int32)]
    cv2.fillPoly(canvas, body, colour(cloth), aa)
    dressed = canvas.copy()
    if rng.random() < 0.6:
        pw = rng.uniform(20, 140)
        opening = np.array([[cx - pw / 4, sh_y], [cx + pw / 4, sh_y], [cx + pw, _H], [cx - pw, _H]])
        cv2.fillPoly(dressed, [(opening * s).astype(np.int32)], colour(rng.uniform(10, 250, 3)), aa)
    for _ in range(int(rng.integers(0, 4))):
        corner = np.array([cx + rng.uniform(-1.6, 1.6) * sh_w, rng.uniform(sh_y, _H)])
        quad = np.vstack([corner, corner + rng.normal(0, 80, (3, 2))])
        cv2.fillPoly(dressed, [(quad * s).astype(np.int32)], colour(rng.uniform(10, 250, 3)), aa)
    inside = np.zeros((h, w), np.uint8)
    cv2.fillPoly(inside, body, 255)
    cv2.copyTo(dressed, inside, canvas)
    # Neck, face, fringe, eyes, brows, nose, mouth.
    neck_w = face_w * rng.uniform(0.26, 0.36)
    cv2.rectangle(canvas, at(cx - neck_w, cy), at(cx + neck_w, sh_y + 12), colour(skin * 0.85), -1)
    face_mask = np.zeros((h, w), np.uint8)
    tilt = float(rng.normal(0, 3))
    cv2.ellipse(face_mask, at(cx, cy), axes(face_w / 2, face_h / 2), tilt, 0, 360, 255, -1)
    cv2.ellipse(
        canvas, at(cx, cy), axes(face_w / 2, face_h / 2), tilt, 0, 360, colour(skin), -1, aa
    )
    fringe_y = cy - face_h / 2 + face_h * rng.uniform(0.03, 0.22)
    cv2.ellipse(
        canvas,
        at(cx + rng.normal(0, 14), fringe_y),
        axes(face_w * rng.uniform(0.45, 0.58), face_h * rng.uniform(0.1, 0.28)),
        float(rng.normal(0, 10)),
        180,
        360,
        colour(hair),
        -1,
        aa,
    )
    eye_dx = face_w * rng.uniform(0.19, 0.24)
    for side in (-1, 1):
        ex = cx + side * eye_dx
        cv2.ellipse(
            canvas,
            at(ex, eye_y),
            axes(face_w * 0.075, face_w * 0.035),
            0,
            0,
            360,
            (235, 235, 235),
            -1,
            aa,
        )
        cv2.circle(canvas, at(ex, eye_y), max(1, int(face_w * 0.03 * s)), (25, 25, 30), -1, aa)
        brow = eye_y - face_w * rng.uniform(0.08, 0.13)
        cv2.line(
            canvas,
            at(ex - face_w * 0.09, brow + 3),
            at(ex + face_w * 0.09, brow),
            colour(hair),
            int(rng.integers(2, 4)),
            aa,
        )
    nose = eye_y + face_h * rng.uniform(0.18, 0.24)
    cv2.line(canvas, at(cx, eye_y + 15), at(cx + 4, nose), colour(skin * 0.8), 2, aa)
    mouth, mouth_w = nose + face_h * rng.uniform(0.1, 0.15), face_w * rng.uniform(0.14, 0.22)
    cv2.ellipse(
        canvas,
        at(cx, mouth),
        axes(mouth_w, mouth_w * rng.uniform(0.15, 0.4)),
        0,
        0,
        180,
        (90, 90, float(rng.uniform(150, 200))),
        -1,
        aa,
    )
    # Light: the room's (soft and uneven everywhere, stronger from one side), folds and hair
    # shading on the person, a gentler modelling of the face, the head's shadow on the backdrop.
    person = (cv2.cvtColor(cv2.absdiff(canvas, plain), cv2.COLOR_BGR2GRAY) > 6).astype(np.float32)
    face = face_mask.astype(np.float32) / 255
    shading = field((8, 6), 1.0) + field((16, 12), 0.5)
    room = 1 + field((4, 3), 1.0) * np.float32(rng.uniform(0.02, 0.06))
    room += np.linspace(-0.5, 0.5, 30, dtype=np.float32)[None, :] * np.float32(rng.normal(0, 0.15))
    blob: Any = np.zeros((40, 30), np.float32)
    cv2.ellipse(
        blob,
        (
            int((cx + rng.normal(0, 0.6) * face_w) / 16),
            int((cy + rng.normal(0, 0.3) * face_h) / 16),
        ),
        (
            max(1, int(face_w * rng.uniform(0.5, 0.9) / 16)),
            max(1, int(face_h * rng.uniform(0.5, 1.0) / 16)),
        ),
        float(rng.uniform(0, 180)),
        0,
        360,
        1.0,
        -1,
    )
    shadow = cv2.GaussianBlur(blob, (0, 0), 2) * np.float32(rng.uniform(0.05, 0.2))
    room, shading, shadow = (
        cv2.resize(f, (w, h), interpolation=cv2.INTER_LINEAR) for f in (room, shading, shadow)
    )
    strength = np.float32(rng.uniform(0.08, 0.18))
    modelling = np.float32(rng.uniform(0.5, 0.7) * 0.08)
    light = room + shading * (person * strength - face * modelling) - shadow * (1 - person)
    lit = cv2.multiply(canvas, cv2.merge([light, light, light]), dtype=cv2.CV_8U)
    # The pose (a slight tilt and lean of the whole person), the camera's size and noise.
    turn = cv2.getRotationMatrix2D(
        (cx * s, (sh_y + 40) * s), float(rng.normal(0, 4)), float(rng.uniform(0.95, 1.05))
    )
    lit = cv2.warpAffine(lit, turn, (w, h), borderMode=cv2.BORDER_REPLICATE)
    frame = cv2.resize(lit, (_W, _H), interpolation=cv2.INTER_LINEAR)
    plus, minus = _sensor_noise()
    y, x = int(rng.integers(0, 64)), int(rng.integers(0, 64))
    frame = cv2.subtract(
        cv2.add(frame, plus[y : y + _H, x : x + _W]), minus[y : y + _H, x : x + _W]
    )
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 88])
    assert ok
    return bytes(data)


_AHEAD = 32  # portraits made ahead of the records that take them


def distinct_portraits(rng_seed: int | None, known: list[str]) -> Generator[bytes, None, None]:
    """Camera-like portraits (:func:`camera_photo`), each a different person: one whose
    perceptual hash lands within ``NEAR_DUPLICATE`` bits of a photo stored (``known``: their
    hashes) or drawn before is drawn again. Fewer than 1 in 100,000 pairs are that close (alike
    by design, as registration photos are), but at 50,000 photos that is a new portrait in
    three: without this the store's records would be flagged look-alikes of each other.
    Drawn and hashed ahead in threads; the same ``rng_seed`` and store give the same ones."""
    import numpy as np

    from station.photo import duplicates
    from station.photo.phash import NEAR_DUPLICATE

    base = rng_seed if rng_seed is not None else random.randrange(2**62)
    seen = np.zeros(max(1024, 2 * len(known)), np.uint64)
    seen[: len(known)] = [int(h, 16) for h in known]
    n = len(known)

    def make(index: int, attempt: int) -> tuple[bytes, int]:
        jpeg = camera_photo((base, index, attempt))
        return jpeg, int(duplicates.photo_hash(jpeg), 16)  # remembered for the save's own

    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        ahead: deque[Future[tuple[bytes, int]]] = deque()
        index = 0
        while True:
            while len(ahead) < _AHEAD:
                ahead.append(pool.submit(make, index + len(ahead), 0))
            jpeg, value = ahead.popleft().result()
            attempt = 0
            while n and int(np.bitwise_count(seen[:n] ^ np.uint64(value)).min()) <= NEAR_DUPLICATE:
                attempt += 1
                jpeg, value = make(index, attempt)
            if n == len(seen):
                seen = np.concatenate((seen, np.zeros(n, np.uint64)))
            seen[n] = value
            n += 1
            index += 1
            yield jpeg


def _chunks(total: int, size: int) -> Iterator[int]:
    while total > 0:
        yield min(size, total)
        total -= size
