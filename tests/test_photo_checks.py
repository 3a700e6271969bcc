"""check_frame on real photographs and on bad versions derived from the good one."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pytest

from station.photo import (
    INSTRUCTIONS,
    PROBLEM_ORDER,
    Profile,
    check_frame,
    get_profile,
    instruction,
    load_image,
)

FIXTURES = Path(__file__).parent / "fixtures" / "photos"


def fixture(name: str) -> np.ndarray:
    return load_image(FIXTURES / name)


@pytest.fixture(scope="module")
def profile() -> Profile:
    return get_profile(None)


@pytest.fixture(scope="module")
def good() -> np.ndarray:
    return fixture("portrait_light_blue.jpg")


# --- bad versions of the good portrait (360×480, face centre near (178, 208)) ----------------

FACE_CENTRE = (178.0, 208.0)


def _float(img: np.ndarray, f: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    return np.clip(f(img.astype(np.float32)), 0, 255).astype(np.uint8)


def darkened(img: np.ndarray) -> np.ndarray:
    return _float(img, lambda a: a * 0.3)


def over_bright(img: np.ndarray) -> np.ndarray:
    return _float(img, lambda a: 255 * (a / 255) ** 0.35)  # like an over-exposed camera


def blurred(img: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), 3)


def motion_blurred(img: np.ndarray) -> np.ndarray:
    kernel = np.zeros((15, 15), np.float32)
    kernel[7, :] = 1 / 15
    return cv2.filter2D(img, -1, kernel)


def _affine(img: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    return cv2.warpAffine(img, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)


def shifted(img: np.ndarray) -> np.ndarray:
    return _affine(img, np.float32([[1, 0, 0.3 * img.shape[1]], [0, 1, 0]]))


def _scaled(img: np.ndarray, f: float) -> np.ndarray:
    cx, cy = FACE_CENTRE
    return _affine(img, np.float32([[f, 0, cx * (1 - f)], [0, f, cy * (1 - f)]]))


def shrunk(img: np.ndarray) -> np.ndarray:
    return _scaled(img, 0.55)


def far(img: np.ndarray) -> np.ndarray:
    return _scaled(img, 0.3)  # the face 10 % of the height: only the small-face pass sees it


def zoomed(img: np.ndarray) -> np.ndarray:
    return _scaled(img, 1.8)


def turned(angle: float) -> Callable[[np.ndarray], np.ndarray]:
    def turn(img: np.ndarray) -> np.ndarray:
        h, w = img.shape[:2]
        return _affine(img, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0))

    return turn


def one_side_dark(img: np.ndarray) -> np.ndarray:
    # A lamp on one side only: the right half of the face in shadow, with a soft edge.
    x = np.arange(img.shape[1], dtype=np.float32)
    factor = 0.45 + 0.55 / (1 + np.exp((x - FACE_CENTRE[0]) / 8))
    return _float(img, lambda a: a * factor[None, :, None])


def two_people(img: np.ndarray) -> np.ndarray:
    return np.hstack([img, img])


def coffee(_img: np.ndarray) -> np.ndarray:
    return fixture("coffee.jpg")


def cat(_img: np.ndarray) -> np.ndarray:
    return fixture("chelsea.jpg")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (darkened, "too_dark"),
        (over_bright, "too_bright"),
        (blurred, "blurry"),
        (motion_blurred, "blurry"),
        (shifted, "off_center"),
        (shrunk, "face_too_small"),
        (far, "face_too_small"),
        (zoomed, "face_too_large"),
        (turned(18), "head_tilted"),  # still found upright, the eyes give the angle
        (turned(-18), "head_tilted"),  # found only in the frame turned back
        (one_side_dark, "uneven_light"),
        (two_people, "multiple_faces"),
        (coffee, "no_face"),
        (cat, "no_face"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_bad_versions_give_their_problem(
    good: np.ndarray, profile: Profile, make: Callable[[np.ndarray], np.ndarray], expected: str
) -> None:
    verdict = check_frame(make(good), profile)
    assert not verdict.ok
    assert expected in verdict.problems, verdict


def test_good_portrait_passes(good: np.ndarray, profile: Profile) -> None:
    verdict = check_frame(good, profile)
    assert verdict.ok, verdict
    assert verdict.problems == []
    assert verdict.face is not None and len(verdict.eyes) == 2
    x, _y, w, h = verdict.face
    assert 100 < x + w / 2 < 260 and 0.25 < h / good.shape[0] < 0.4
    for key in ("face_fraction", "tilt_deg", "face_luma", "sharpness", "background_std"):
        assert key in verdict.metrics


def test_good_portrait_in_a_landscape_webcam_frame_passes(
    good: np.ndarray, profile: Profile
) -> None:
    frame = np.empty((480, 640, 3), np.uint8)
    frame[:] = good[5, 5]
    frame[:, 140:500] = good
    assert check_frame(frame, profile).ok


def test_busy_background_of_the_astronaut(profile: Profile) -> None:
    verdict = check_frame(fixture("astronaut.jpg"), profile)
    assert "background_not_plain" in verdict.problems
    assert verdict.metrics["faces"] == 1


def test_darkness_comes_before_no_face() -> None:
    verdict = check_frame(np.full((480, 640, 3), 10, np.uint8), get_profile(None))
    assert verdict.problems == ["too_dark", "no_face"]
    assert verdict.face is None and verdict.eyes == []


def test_problems_are_in_fixing_order(good: np.ndarray, profile: Profile) -> None:
    verdict = check_frame(darkened(shifted(good)), profile)
    assert verdict.problems[0] == "too_dark" and "off_center" in verdict.problems
    assert verdict.problems == sorted(verdict.problems, key=PROBLEM_ORDER.index)


def test_thresholds_come_from_the_profile(good: np.ndarray, profile: Profile) -> None:
    strict = dataclasses.replace(
        profile, checks=dataclasses.replace(profile.checks, sharpness_min=10_000)
    )
    assert check_frame(good, strict).problems == ["blurry"]
    white_only = get_profile("id_card_358x441")  # the portrait's backdrop is light blue
    assert "background_not_plain" in check_frame(good, white_only).problems


def test_grey_tiny_and_bad_frames(good: np.ndarray, profile: Profile) -> None:
    grey = cv2.cvtColor(good, cv2.COLOR_BGR2GRAY)
    assert check_frame(grey, profile).face is not None
    assert check_frame(np.zeros((8, 8, 3), np.uint8), profile).problems[-1] == "no_face"
    with pytest.raises(ValueError):
        check_frame(good.astype(np.float32), profile)


def test_as_dict_is_the_cli_json(good: np.ndarray, profile: Profile) -> None:
    data = check_frame(good, profile).as_dict()
    assert set(data) == {"ok", "problems", "metrics"}
    assert all(isinstance(v, float) for v in data["metrics"].values())


def test_threads_each_get_the_same_verdict(good: np.ndarray, profile: Profile) -> None:
    frames = [good, darkened(good), shifted(good), coffee(good)] * 3
    serial = [check_frame(f, profile).problems for f in frames]
    with ThreadPoolExecutor(max_workers=3) as pool:
        parallel = list(pool.map(lambda f: check_frame(f, profile).problems, frames))
    assert parallel == serial


def test_instructions() -> None:
    assert set(INSTRUCTIONS) == set(PROBLEM_ORDER)
    assert instruction("no_face") == "请正对镜头"
    assert instruction("face_too_small", "zh_CN") == "请靠近一些"
    assert instruction("too_dark").startswith("光线太暗")
    assert instruction("face_too_large", "en") == "Please move back a little"
    for code in PROBLEM_ORDER:
        assert instruction(code, "zh_CN") and instruction(code, "en_US").isascii()
    with pytest.raises(ValueError):
        instruction("sunburn")
    with pytest.raises(ValueError):
        instruction("no_face", "fr")


def test_each_thread_loads_its_own_cascades() -> None:
    from station.photo.detect import cascades

    mine = cascades().face
    theirs: list[object] = []
    thread = threading.Thread(target=lambda: theirs.append(cascades().face))
    thread.start()
    thread.join()
    assert theirs and theirs[0] is not mine and cascades().face is mine
