"""The photo pipeline (考生照片), no Qt: profiles, checks, crop and encode, pHash, cameras.

Importing this package imports OpenCV (tens of milliseconds): callers that only sometimes
handle photos import it inside the function that does (the CLI does so per command).

* ``load_profiles()``, ``get_profile(name)``: photo profiles from
  ``resources/photo_profiles.json``; ``None`` names the first one, the default.
* ``check_frame(frame, profile) -> Verdict`` and ``instruction(code, language)``.
* ``crop_and_encode(frame, profile, face=None) -> bytes`` (JPEG), raising ``PhotoError``.
* ``perceptual_hash(jpeg_or_frame)``, ``hamming(a, b)``, ``NEAR_DUPLICATE``.
* ``decode_image(data)``, ``load_image(path)`` (``UsageError`` for anything unreadable).
* ``station.photo.camera``: ``Camera``, ``OpenCVCamera``, ``FileCamera``, ``CameraUnavailable``.
"""

from station.photo.checks import INSTRUCTIONS, PROBLEM_ORDER, Verdict, check_frame, instruction
from station.photo.crop import crop_and_encode
from station.photo.errors import CameraUnavailable, PhotoError, ProfileError
from station.photo.images import decode_image, load_image
from station.photo.phash import NEAR_DUPLICATE, hamming, perceptual_hash
from station.photo.profiles import Profile, get_profile, load_profiles

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
