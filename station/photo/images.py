"""Reading images (照片文件) into BGR frames; anything unreadable is a UsageError."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import cv2
import numpy as np

from station.errors import UsageError
from station.fileio import read_bounded

MAX_FILE_BYTES = 64 * 1024 * 1024  # a camera JPEG is a few MB; refuse what cannot be a photo
# 40 megapixels: more than any webcam or phone; a 30000×30000 PNG of 2.6 MB would otherwise
# cost 5 GB to decode. Checked from the header, before decoding.
MAX_PIXELS = 40_000_000


def decode_image(data: bytes) -> np.ndarray:
    """A BGR ``uint8`` frame from JPEG/PNG/BMP bytes (EXIF orientation applied)."""
    if not data:
        raise UsageError("图像文件为空", "the image is empty")
    if len(data) > MAX_FILE_BYTES:
        raise UsageError("图像文件过大", "the image file is too large")
    width, height = _header_size(data)
    if width * height > MAX_PIXELS:
        raise UsageError(
            f"图像尺寸过大（{width}×{height}），不是照片：请用摄像头拍摄或换一张照片",
            f"the image is {width}x{height}: too large to be a photo",
        )
    try:
        frame = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:
        frame = None
    if frame is None or frame.size == 0:
        raise UsageError("无法识别的图像文件（应为 JPEG、PNG 或 BMP）", "not a readable image")
    return frame


def _header_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the image's header alone (Pillow reads no pixels here)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return image.size
    except Image.DecompressionBombError:
        raise UsageError(
            "图像尺寸过大，不是照片：请用摄像头拍摄或换一张照片",
            "the image is too large to be a photo",
        ) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise UsageError(
            "无法识别的图像文件（应为 JPEG、PNG 或 BMP）", "not a readable image"
        ) from None


def load_image(path: str | Path) -> np.ndarray:
    """``decode_image`` of a file; a missing or unreadable file is a UsageError."""
    path = Path(path)
    try:
        data = read_bounded(path, MAX_FILE_BYTES)
    except OSError as exc:
        raise UsageError(
            f"无法读取图像文件 {path}：{exc.strerror or exc}", f"cannot read {path}: {exc}"
        ) from None
    try:
        return decode_image(data)
    except UsageError as exc:
        raise UsageError(f"{path}：{exc.message_zh}", f"{path}: {exc.message_en}") from None


def as_bgr(frame: np.ndarray) -> np.ndarray:
    """Grey and BGRA frames as BGR; anything else that is not an 8-bit image: ValueError."""
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8 or frame.size == 0:
        raise ValueError("a frame must be a non-empty uint8 numpy array")
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.ndim == 3 and frame.shape[2] == 3:
        return frame
    if frame.ndim == 3 and frame.shape[2] == 4:
        return cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
    raise ValueError(f"unsupported frame shape {frame.shape}")
