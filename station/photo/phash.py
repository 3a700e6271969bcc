"""Perceptual hash (感知哈希) of a photo, to notice the same photo stored twice.

64-bit DCT pHash: the grey picture shrunk to 32×32, its 2-D DCT, the 8×8 lowest
frequencies without the first row and column (the overall brightness and the coarsest
ramps), one bit per coefficient: above their median or not. Re-encoding, resizing and mild
brightness changes barely move it; a different picture lands about 32 bits away.

``NEAR_DUPLICATE``: a Hamming distance at or below it is "probably the same photo".
Measured on the fixtures (tests/test_photo_phash.py): the same photo re-encoded at JPEG
quality 40-95, resized to 0.3-2×, 10 % brighter or turned grey stays at 0 bits; the
station's crop of the same pose from a slightly moved frame is 4 bits away; a 3 % sideways
shift of the whole picture already moves 12 bits; unrelated pictures are 28-42 apart.
Registration photos of *different* people are alike by design (same backdrop, same
framing) and a station compares each new photo with thousands, so the threshold sits just
above what one photo re-saved or re-cropped gives: a near match asks a supervisor to look,
it never decides on its own.
"""

from __future__ import annotations

import cv2
import numpy as np

from station.photo.images import as_bgr, decode_image

NEAR_DUPLICATE = 6
HASH_BITS = 64


def perceptual_hash(jpeg_or_frame: bytes | np.ndarray) -> str:
    """The 64-bit pHash as 16 lower-case hex digits; bytes are decoded (UsageError if not an image)."""
    frame = decode_image(jpeg_or_frame) if isinstance(jpeg_or_frame, bytes) else jpeg_or_frame
    grey = cv2.cvtColor(as_bgr(frame), cv2.COLOR_BGR2GRAY)
    small = cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[1:9, 1:9].flatten()
    bits = low > np.median(low)
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:016x}"


def hamming(a: str, b: str) -> int:
    """Number of differing bits of two hashes from ``perceptual_hash``."""
    if len(a) != 16 or len(b) != 16:
        raise ValueError("a perceptual hash has 16 hex digits")
    return (int(a, 16) ^ int(b, 16)).bit_count()
