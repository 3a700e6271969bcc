"""Photos (考生照片), all in one package, no Qt.

Light (no OpenCV): ``station.photo.stored`` (what a stored photo is: ``PhotoInput``, JPEG
sniffing), ``station.photo.duplicates`` (near duplicates among stored photos; OpenCV only
when a photo is hashed), ``station.photo.review`` (a supervisor's import from file and flag
review), ``station.photo.errors``.

The pipeline, which imports OpenCV (tens of milliseconds), is loaded on first use of one of
the names below, so that ``import station.photo.stored`` stays light for the CLI's other
commands and the queue:

* ``load_profiles()``, ``get_profile(name)``: photo profiles from
  ``resources/photo_profiles.json``; ``None`` names the first one, the default.
* ``check_frame(frame, profile) -> Verdict`` and ``instruction(code, language)``.
* ``crop_and_encode(frame, profile, face=None) -> bytes`` (JPEG), raising ``PhotoError``.
* ``perceptual_hash(jpeg_or_frame)``, ``hamming(a, b)``, ``NEAR_DUPLICATE``.
* ``decode_image(data)``, ``load_image(path)`` (``UsageError`` for anything unreadable).
* ``station.photo.camera``: ``Camera``, ``OpenCVCamera``, ``FileCamera``, ``CameraUnavailable``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # also what PyInstaller's import scan finds: every submodule is bundled
    from station.photo.checks import (
        INSTRUCTIONS,
        PROBLEM_ORDER,
        Verdict,
        check_frame,
        instruction,
    )
    from station.photo.crop import crop_and_encode
    from station.photo.errors import CameraUnavailable, PhotoError, ProfileError
    from station.photo.images import decode_image, load_image
    from station.photo.phash import NEAR_DUPLICATE, hamming, perceptual_hash
    from station.photo.profiles import Profile, get_profile, load_profiles

_WHERE = {
    "INSTRUCTIONS": "checks",
    "PROBLEM_ORDER": "checks",
    "Verdict": "checks",
    "check_frame": "checks",
    "instruction": "checks",
    "crop_and_encode": "crop",
    "CameraUnavailable": "errors",
    "PhotoError": "errors",
    "ProfileError": "errors",
    "decode_image": "images",
    "load_image": "images",
    "NEAR_DUPLICATE": "phash",
    "hamming": "phash",
    "perceptual_hash": "phash",
    "Profile": "profiles",
    "get_profile": "profiles",
    "load_profiles": "profiles",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'station.photo' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"station.photo.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "INSTRUCTIONS",
    "NEAR_DUPLICATE",
    "PROBLEM_ORDER",
    "CameraUnavailable",
    "PhotoError",
    "Profile",
    "ProfileError",
    "Verdict",
    "check_frame",
    "crop_and_encode",
    "decode_image",
    "get_profile",
    "hamming",
    "instruction",
    "load_image",
    "load_profiles",
    "perceptual_hash",
]
