"""crop_and_encode: the profile's size and framing, a JPEG inside the size range, no EXIF."""

from __future__ import annotations

import dataclasses
import struct
from pathlib import Path

import cv2
import numpy as np
import pytest

from station.photo import (
    PhotoError,
    Profile,
    check_frame,
    crop_and_encode,
    decode_image,
    get_profile,
    load_image,
    load_profiles,
)
from station.photo import detect as det
from station.photo.crop import encode_jpeg, place_crop
from station.photo.stored import jpeg_dimensions

FIXTURES = Path(__file__).parent / "fixtures" / "photos"


@pytest.fixture(scope="module")
def good() -> np.ndarray:
    return load_image(FIXTURES / "portrait_light_blue.jpg")


def segments(jpeg: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of every segment before the image data."""
    assert jpeg[:2] == b"\xff\xd8"
    found, pos = [], 2
    while pos + 4 <= len(jpeg):
        assert jpeg[pos] == 0xFF
        marker = jpeg[pos + 1]
        (length,) = struct.unpack(">H", jpeg[pos + 2 : pos + 4])
        found.append((marker, jpeg[pos + 4 : pos + 2 + length]))
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        pos += 2 + length
    return found


def has_exif(jpeg: bytes) -> bool:
    return any(m == 0xE1 and p.startswith(b"Exif\x00\x00") for m, p in segments(jpeg))


def with_exif(jpeg: bytes) -> bytes:
    """The JPEG with a minimal APP1 Exif segment (a camera make tag) after SOI."""
    make = b"Canon\x00"
    ifd = struct.pack("<H", 1) + struct.pack("<HHII", 0x010F, 2, len(make), 26) + b"\0" * 4
    tiff = b"II*\x00" + struct.pack("<I", 8) + ifd + make
    payload = b"Exif\x00\x00" + tiff
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


@pytest.mark.parametrize("name", list(load_profiles()))
def test_every_profile_gives_its_size_inside_the_range_without_exif(
    good: np.ndarray, name: str
) -> None:
    profile = get_profile(name)
    verdict = check_frame(good, profile)
    jpeg = crop_and_encode(good, profile, verdict.face)
    assert jpeg_dimensions(jpeg) == (profile.width, profile.height)
    assert profile.jpeg_min_bytes <= len(jpeg) <= profile.jpeg_max_bytes
    assert not has_exif(jpeg)
    assert decode_image(jpeg).shape == (profile.height, profile.width, 3)


def test_exif_of_the_input_is_not_carried_over(good: np.ndarray) -> None:
    _ok, data = cv2.imencode(".jpg", good, [cv2.IMWRITE_JPEG_QUALITY, 90])
    tagged = with_exif(data.tobytes())
    assert has_exif(tagged)
    frame = decode_image(tagged)
    jpeg = crop_and_encode(frame, get_profile(None))
    assert not has_exif(jpeg) and b"Canon" not in jpeg


def test_the_head_sits_where_the_national_profile_wants_it(good: np.ndarray) -> None:
    profile = get_profile("national_480x640")
    photo = decode_image(crop_and_encode(good, profile))
    faces = det.find_faces(det.shrink(photo))
    assert len(faces) == 1
    face, window = det.refine_face(photo, faces[0])
    g = profile.geometry
    slack = 0.03  # the detector's box moves a little between two pictures of one face
    assert g.face_width.min - slack <= face[2] / profile.width <= g.face_width.max + slack
    eye = det.eye_line_y(face, det.find_eyes(window, face)) / profile.height
    assert g.eye_line.min - slack <= eye <= g.eye_line.max + slack
    centre = (face[0] + face[2] / 2) / profile.width
    assert abs(centre - 0.5) <= g.center_tolerance + slack


def test_placement_respects_the_ranges() -> None:
    profile = get_profile(None)
    g = profile.geometry
    face = (270, 150, 120, 120)
    eye_y = 150 + 0.37 * 120
    placed = place_crop(640, 480, face, eye_y, profile)
    assert not isinstance(placed, str)
    assert placed.width / placed.height == pytest.approx(profile.width / profile.height)
    assert placed.x >= 0 and placed.y >= 0 and placed.x + placed.width <= 640
    assert placed.y + placed.height <= 480
    assert g.face_width.min <= 120 / placed.width <= g.face_width.max
    assert g.eye_line.min <= (eye_y - placed.y) / placed.height <= g.eye_line.max
    assert place_crop(640, 480, (200, 100, 300, 300), 211, profile) == "face_too_large"
    assert place_crop(640, 480, (560, 150, 80, 80), 180, profile) == "off_center"


def test_no_face_two_faces_and_too_close_are_refused(good: np.ndarray) -> None:
    profile = get_profile(None)
    with pytest.raises(PhotoError, match="人脸"):
        crop_and_encode(load_image(FIXTURES / "coffee.jpg"), profile)
    with pytest.raises(PhotoError, match="一人"):
        crop_and_encode(np.hstack([good, good]), profile)
    h, w = good.shape[:2]
    close = cv2.resize(good[100:340, 60:300], (w, h))  # the face fills the frame
    with pytest.raises(PhotoError, match="太大") as err:
        crop_and_encode(close, profile)
    assert err.value.exit_code == 1


def test_a_size_range_out_of_reach_is_a_clear_error(good: np.ndarray) -> None:
    profile = get_profile(None)
    tiny = dataclasses.replace(profile, jpeg_min_bytes=0, jpeg_max_bytes=2000)
    with pytest.raises(PhotoError, match="最低质量"):
        crop_and_encode(good, tiny)
    huge = dataclasses.replace(profile, jpeg_min_bytes=2_000_000, jpeg_max_bytes=3_000_000)
    with pytest.raises(PhotoError, match="最高质量"):
        crop_and_encode(good, huge)


def test_quality_search_takes_the_best_that_fits(good: np.ndarray) -> None:
    profile: Profile = get_profile(None)
    photo = cv2.resize(good, (profile.width, profile.height))
    roomy = dataclasses.replace(profile, jpeg_min_bytes=0, jpeg_max_bytes=10_000_000)
    best = encode_jpeg(photo, roomy)
    _ok, q100 = cv2.imencode(
        ".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 100, cv2.IMWRITE_JPEG_OPTIMIZE, 1]
    )
    assert best == q100.tobytes()
    tight = dataclasses.replace(profile, jpeg_min_bytes=0, jpeg_max_bytes=len(best) - 1)
    smaller = encode_jpeg(photo, tight)
    assert len(smaller) < len(best)
    one_more = dataclasses.replace(tight, jpeg_max_bytes=len(smaller) - 1)
    assert len(encode_jpeg(photo, one_more)) < len(smaller)  # not stuck at one quality
