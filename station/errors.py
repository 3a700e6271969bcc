"""Errors the core raises; each carries a Chinese and an English message.

The CLI maps them to exit codes (``exit_code``) and prints one line; the GUI shows
``message_zh``. Nothing here is ever shown as a traceback to an operator.
"""

from __future__ import annotations


class StationError(Exception):
    """Base class. ``exit_code`` 1: the command ran and found a problem; 2: unusable input."""

    exit_code = 1

    def __init__(self, message_zh: str, message_en: str | None = None) -> None:
        super().__init__(message_en or message_zh)
        self.message_zh = message_zh
        self.message_en = message_en or message_zh

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


class UsageError(StationError):
    """Input the command cannot use (bad arguments, unreadable file)."""

    exit_code = 2


class NotInitialisedError(UsageError):
    """The data directory holds no station yet."""


class StoreError(StationError):
    """The encrypted database cannot be opened or is damaged."""

    exit_code = 1


class DiskFullError(StoreError):
    """The disk under the station's data is full: nothing of the operation was stored."""


class AuthError(StationError):
    """Login refused: unknown operator, wrong password, disabled or locked out."""

    exit_code = 1


class PermissionDenied(StationError):
    """The logged-in operator's role does not allow the action."""

    exit_code = 1


class ValidationFailed(StationError):
    """A record did not pass validation; ``issues`` lists every problem."""

    exit_code = 1

    def __init__(self, issues: list) -> None:  # list[validation.Issue]; avoid the import cycle
        self.issues = issues
        zh = "；".join(f"{i.label_zh}：{i.message_zh}" for i in issues if i.is_error)
        en = "; ".join(f"{i.field}: {i.message_en}" for i in issues if i.is_error)
        super().__init__(f"记录无效：{zh}", f"record is invalid: {en}")


class TransitionRefused(StationError):
    """A lifecycle transition is not allowed from the record's state or by this role."""

    exit_code = 1

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh, message_en)
        self.code = code


class NotFound(StationError):
    """No record matches."""

    exit_code = 1


class DuplicateCandidate(StationError):
    """A candidate with this ID number exists already (``existing_id`` names it)."""

    exit_code = 1

    def __init__(self, existing_id: int, id_number: str) -> None:
        super().__init__(
            f"证件号码 {id_number} 已有考生记录（编号 {existing_id}），请打开已有记录",
            f"a candidate with ID number {id_number} exists already (record {existing_id})",
        )
        self.existing_id = existing_id
