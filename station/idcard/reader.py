"""The ID-card reader (二代身份证阅读器) interface and the errors an operator sees.

Every reader (serial, demo, a vendor SDK later) offers :meth:`Reader.read_card`. Errors say
what the operator should do, in Chinese first; the GUI shows ``message_zh``. Problems with the
card's *content* (expired, inconsistent) are :class:`station.idcard.textblock.CardError`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from station.errors import StationError
from station.idcard.textblock import CardData


@runtime_checkable
class Reader(Protocol):
    """A source of checked ID cards. One thread at a time uses a reader."""

    def read_card(self, timeout: float) -> CardData:
        """Wait up to ``timeout`` seconds for a card on the reader and read it.

        Raises :class:`ReaderError` subclasses for reader and transport problems and
        :class:`~station.idcard.textblock.CardError` for a card whose data cannot be used.
        """
        ...

    def close(self) -> None:
        """Release the device; further calls are not allowed."""
        ...


class ReaderError(StationError):
    """Base of reader problems; ``code`` names the kind for the GUI and logs."""

    exit_code = 1
    code = "reader"
    default_zh = "身份证阅读器出错，请重试"
    default_en = "the ID-card reader failed; try again"

    def __init__(self, message_zh: str | None = None, message_en: str | None = None) -> None:
        super().__init__(message_zh or self.default_zh, message_en or self.default_en)


class NoCard(ReaderError):
    """No card on the reader within the time allowed."""

    code = "no_card"
    # Readers refuse to find a card again until it has been lifted once after a read.
    default_zh = "未检测到身份证，请将身份证放在阅读器上（刚读过的证件请拿起后重新放置）"
    default_en = (
        "no ID card found: place the card on the reader (lift and replace a card just read)"
    )


class CardRemoved(ReaderError):
    """The card was found and selected but reading it failed or its answer was cut off."""

    code = "card_removed"
    default_zh = "读卡中途身份证被移开，请重新放置，并保持不动直到读卡完成"
    default_en = "the card was moved away while being read; place it again and hold it still"


class ReaderTimeout(ReaderError):
    """The reader did not answer a command in time."""

    code = "timeout"
    default_zh = "身份证阅读器没有应答，请检查阅读器的电源和连接线后重试"
    default_en = "the ID-card reader did not answer; check its power and cable, then try again"


class CorruptFrame(ReaderError):
    """The reader's answers stayed damaged after the allowed retries."""

    code = "corrupt"
    default_zh = "与身份证阅读器通讯反复出错，请检查连接线后重试"
    default_en = "the reader's answers were damaged repeatedly; check the cable and try again"


class ReaderUnavailable(ReaderError):
    """The reader cannot be used: port missing or busy, no permission, unplugged, refused."""

    code = "unavailable"
    default_zh = "无法使用身份证阅读器，请检查连接后重试"
    default_en = "the ID-card reader cannot be used; check its connection"

    def __init__(
        self, reason: str, message_zh: str | None = None, message_en: str | None = None
    ) -> None:
        super().__init__(message_zh, message_en)
        self.reason = reason  # missing | busy | permission | disconnected | refused | other


class ReaderFault(ReaderError):
    """The reader answered with an error status the other errors do not cover."""

    code = "fault"

    def __init__(self, status: int, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh, message_en)
        self.status = status
