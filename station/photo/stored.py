"""Photos as stored bytes: JPEG sniffing without OpenCV, so the core and CLI stay light.

Capture, quality checks and cropping live in the photo pipeline; this module only knows what
a stored photo is.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from station.errors import UsageError
from station.resources import resource_path

_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True, slots=True)
class PhotoInput:
    jpeg: bytes
    source: str  # camera | file | demo
    quality_ok: bool
    approved_by: str = (
        ""  # a file photo stored at an operator's desk: the supervisor who allowed it
    )

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.jpeg).hexdigest()


def jpeg_dimensions(data: bytes) -> tuple[int, int]:
    """(width, height) from the JPEG frame header; UsageError if ``data`` is not a JPEG."""
    if data[:2] != b"\xff\xd8":
        raise UsageError("照片不是 JPEG 文件", "the photo is not a JPEG file")
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            pos += 1
            continue
        marker = data[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            pos += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _SOF_MARKERS and pos + 9 <= len(data):
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        pos += 2 + length
    raise UsageError("照片文件已损坏（找不到图像尺寸）", "the JPEG has no frame header")


def placeholder_jpeg() -> bytes:
    """The demo station's placeholder portrait (clearly marked 示例 on the image)."""
    return resource_path("demo", "placeholder_photo.jpg").read_bytes()
