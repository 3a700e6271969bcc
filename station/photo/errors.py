"""Errors of the photo pipeline (照片), each with a Chinese and an English message."""

from __future__ import annotations

from station.errors import StationError, UsageError


class PhotoError(StationError):
    """A photo cannot be made from this frame (no face, cannot be framed, size range missed)."""

    exit_code = 1


class ProfileError(UsageError):
    """``photo_profiles.json`` is missing or invalid, or names no such profile."""


class CameraUnavailable(StationError):
    """The camera (摄像头) is missing, busy or delivers nothing; the message says which."""

    exit_code = 2


class PhotoRejected(StationError):
    """The photo did not pass the checks; ``problems`` are the codes, most important first."""

    exit_code = 1

    def __init__(self, problems: list[str], message_zh: str, message_en: str) -> None:
        super().__init__(message_zh, message_en)
        self.problems = problems
