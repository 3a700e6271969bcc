"""A small face is "come closer" (face_too_small), never "no face" (issue 18, item 5).

The frames are the fixture portrait scaled down and stood at the bottom of a plain frame of
its own backdrop colour, with a little sensor noise, as a candidate standing too far from
the camera looks in the live view.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import pytest

from station.cli_files import cmd_photo_crop
from station.photo import PhotoError, Profile, check_frame, crop_and_encode, get_profile
from station.photo import detect as det
from station.photo.images import load_image

FIXTURES = Path(__file__).parent / "fixtures" / "photos"
WEBCAM = (640, 480)
HD = (1280, 720)


@pytest.fixture(scope="module")
def profile() -> Profile:
    return get_profile(None)


@pytest.fixture(scope="module")
def good() -> np.ndarray:
    return load_image(FIXTURES / "portrait_light_blue.jpg")


@pytest.fixture(scope="module")
def face_height(good: np.ndarray, profile: Profile) -> int:
    face = check_frame(good, profile).face
    assert face is not None
    return face[3]


def plain(size: tuple[int, int], colour: np.ndarray) -> np.ndarray:
    width, height = size
    noise = np.random.default_rng(7).normal(0, 2, (height, width, 3))
    return np.clip(colour.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def far_away(
    good: np.ndarray, face_height: int, fraction: float, size: tuple[int, int] = WEBCAM
) -> np.ndarray:
    """The portrait scaled so its face is ``fraction`` of the frame height, at the bottom."""
    width, height = size
    scale = fraction * height / face_height
    person = cv2.resize(good, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    frame = plain(size, good[5, 5])
    h, w = person.shape[:2]
    x0 = (width - w) // 2
    frame[height - h :, x0 : x0 + w] = person
    return frame


@pytest.mark.parametrize("fraction", [0.25, 0.3])
def test_a_face_near_enough_is_not_too_small(
    good: np.ndarray, face_height: int, profile: Profile, fraction: float
) -> None:
    verdict = check_frame(far_away(good, face_height, fraction), profile)
    assert verdict.face is not None
    assert "face_too_small" not in verdict.problems, verdict


@pytest.mark.parametrize(
    ("fraction", "size"),
    [(0.08, WEBCAM), (0.1, WEBCAM), (0.12, WEBCAM), (0.16, WEBCAM), (0.08, HD), (0.1, HD)],
)
def test_a_small_face_says_come_closer(
    good: np.ndarray,
    face_height: int,
    profile: Profile,
    fraction: float,
    size: tuple[int, int],
) -> None:
    verdict = check_frame(far_away(good, face_height, fraction, size), profile)
    assert verdict.problems[0] == "face_too_small", verdict
    assert "no_face" not in verdict.problems
    assert verdict.face is not None and verdict.metrics["faces"] == 1
    assert verdict.metrics["face_fraction"] == pytest.approx(fraction, rel=0.25)


def test_the_coarse_pass_alone_misses_it(good: np.ndarray, face_height: int) -> None:
    # Why the second pass exists: at DETECT_SHORT_SIDE a face of 10 % is under 20 px.
    frame = far_away(good, face_height, 0.1)
    assert det.find_faces(det.shrink(frame)) == []
    assert len(det.find_small_faces(frame)) == 1


def test_the_second_pass_runs_only_when_the_first_finds_nothing(
    good: np.ndarray, profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_run(frame: np.ndarray) -> list[det.Box]:
        raise AssertionError("the small-face pass ran on a frame with a face")

    monkeypatch.setattr(det, "find_small_faces", must_not_run)
    assert check_frame(good, profile).ok


@pytest.mark.parametrize("size", [WEBCAM, HD])
def test_an_empty_frame_is_still_no_face(
    good: np.ndarray, profile: Profile, size: tuple[int, int]
) -> None:
    verdict = check_frame(plain(size, good[5, 5]), profile)
    assert verdict.problems == ["no_face"] and verdict.face is None


@pytest.mark.parametrize("name", ["coffee.jpg", "chelsea.jpg", "astronaut.jpg"])
def test_no_small_false_faces_in_texture(name: str) -> None:
    picture = load_image(FIXTURES / name)
    if name == "astronaut.jpg":  # her face painted over: the flag and the shuttle remain
        picture = picture.copy()
        picture[0:260, 130:330] = picture[5, 5]
    frame = cv2.resize(picture, WEBCAM, interpolation=cv2.INTER_CUBIC)
    assert det.find_small_faces(frame) == []
    assert check_frame(frame, get_profile(None)).problems[-1] == "no_face"


def test_crop_refuses_a_small_face(good: np.ndarray, face_height: int, profile: Profile) -> None:
    frame = far_away(good, face_height, 0.1)
    with pytest.raises(PhotoError, match="太小") as detected:
        crop_and_encode(frame, profile)
    assert "too small" in detected.value.message_en
    verdict = check_frame(frame, profile)
    with pytest.raises(PhotoError, match="太小"):
        crop_and_encode(frame, profile, verdict.face)


def test_crop_refuses_a_face_found_by_the_coarse_pass_but_too_small(
    good: np.ndarray, face_height: int, profile: Profile
) -> None:
    frame = far_away(good, face_height, 0.18)
    verdict = check_frame(frame, profile)
    assert "face_too_small" in verdict.problems and "small_face_pass" not in verdict.metrics
    with pytest.raises(PhotoError, match="太小"):
        crop_and_encode(frame, profile, verdict.face)


def test_the_cli_crop_names_the_reason(good: np.ndarray, face_height: int, tmp_path: Path) -> None:
    image, out = tmp_path / "far.png", tmp_path / "photo.jpg"
    assert cv2.imwrite(str(image), far_away(good, face_height, 0.1))
    args = argparse.Namespace(image=str(image), out=str(out), profile=None)
    with pytest.raises(PhotoError, match="请靠近一些") as refused:
        cmd_photo_crop(args)
    assert "face_too_small" in refused.value.message_en
    assert not out.exists()
