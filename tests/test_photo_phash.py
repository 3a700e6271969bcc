"""The perceptual hash: the same photo re-saved is near, a different photo is far."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from station.errors import UsageError
from station.photo import (
    NEAR_DUPLICATE,
    crop_and_encode,
    decode_image,
    get_profile,
    hamming,
    load_image,
    perceptual_hash,
)

FIXTURES = Path(__file__).parent / "fixtures" / "photos"


def jpeg(frame: np.ndarray, quality: int) -> bytes:
    ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return data.tobytes()


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    return load_image(FIXTURES / "portrait_light_blue.jpg")


def test_hash_format_and_bytes_or_frame(portrait: np.ndarray) -> None:
    data = (FIXTURES / "portrait_light_blue.jpg").read_bytes()
    value = perceptual_hash(data)
    assert len(value) == 16 and int(value, 16) >= 0 and value == value.lower()
    assert perceptual_hash(portrait) == value == perceptual_hash(decode_image(data))
    assert hamming(value, value) == 0


def test_same_photo_re_encoded_or_resized_is_near(portrait: np.ndarray) -> None:
    original = perceptual_hash(portrait)
    variants = [
        jpeg(portrait, 60),
        jpeg(portrait, 95),
        cv2.resize(portrait, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA),
        cv2.resize(portrait, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC),
        cv2.cvtColor(portrait, cv2.COLOR_BGR2GRAY),
    ]
    for variant in variants:
        assert hamming(original, perceptual_hash(variant)) <= 2


def test_the_station_crop_of_one_pose_is_near(portrait: np.ndarray) -> None:
    profile = get_profile(None)
    first = crop_and_encode(portrait, profile)
    moved = cv2.warpAffine(
        portrait,
        np.float32([[1.03, 0, -6], [0, 1.03, -8]]),
        (portrait.shape[1], portrait.shape[0]),
        borderMode=cv2.BORDER_REPLICATE,
    )
    second = crop_and_encode(moved, profile)
    assert first != second
    assert hamming(perceptual_hash(first), perceptual_hash(second)) <= NEAR_DUPLICATE


def test_different_photos_are_far(portrait: np.ndarray) -> None:
    hashes = [
        perceptual_hash(portrait),
        perceptual_hash(load_image(FIXTURES / "astronaut.jpg")),
        perceptual_hash(load_image(FIXTURES / "coffee.jpg")),
        perceptual_hash(load_image(FIXTURES / "chelsea.jpg")),
        perceptual_hash(cv2.flip(portrait, 1)),  # a mirrored photo is another photo
    ]
    for i, a in enumerate(hashes):
        for b in hashes[i + 1 :]:
            assert hamming(a, b) > 3 * NEAR_DUPLICATE


def test_bad_input() -> None:
    with pytest.raises(UsageError):
        perceptual_hash(b"not an image")
    with pytest.raises(ValueError):
        hamming("abc", "0" * 16)
