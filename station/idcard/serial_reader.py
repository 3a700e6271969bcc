"""An ID-card reader (二代身份证阅读器) on a serial port, speaking the common reader protocol.

One :meth:`SerialReader.read_card` is three exchanges: find card, select card, read text and
photo (see :mod:`station.idcard.protocol`). Each waits for its answer with its own timeout;
a damaged answer (bad check byte, impossible length) or a reader that says *our* command
arrived damaged is asked again a bounded number of times. USB readers that present a virtual
COM port (most of them) are used the same way.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import time
from collections.abc import Callable
from enum import Enum
from types import TracebackType

import serial

from station.idcard import protocol as p
from station.idcard.reader import (
    CardRemoved,
    CorruptFrame,
    NoCard,
    ReaderError,
    ReaderFault,
    ReaderTimeout,
    ReaderUnavailable,
)
from station.idcard.textblock import CardData, parse_text_block

log = logging.getLogger(__name__)

# pyserial's read timeout: how long one read() may block. The exchange loop keeps its own
# deadline, so this only bounds how late we notice it.
_READ_SLICE = 0.02

_MISSING = {errno.ENOENT, errno.ENODEV, errno.ENXIO}
_BUSY = {errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK}
_PERMISSION = {errno.EACCES, errno.EPERM}


class _Outcome(Enum):
    SILENT = "silent"  # no frame began before the deadline
    CUT = "cut"  # a frame began but did not end
    CORRUPT = "corrupt"  # bad check byte, impossible length or too short


class SerialReader:
    """A reader on ``port`` (``COM3``, ``/dev/ttyUSB0``); opening it claims the port exclusively.

    ``command_timeout`` bounds the find and select answers, ``read_timeout`` the read answer
    (the reader authenticates the card and fetches 1.3 KB over the air first). ``retries`` is
    how many times a damaged exchange is asked again. ``today`` decides card expiry.
    """

    def __init__(
        self,
        port: str,
        baudrate: int = 115200,
        *,
        command_timeout: float = 0.5,
        read_timeout: float = 3.0,
        retries: int = 2,
        poll_interval: float = 0.1,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.port = port
        self.command_timeout = command_timeout
        self.read_timeout = read_timeout
        self.retries = retries
        self.poll_interval = poll_interval
        self._today = today
        self._parser = p.FrameParser()
        self._serial: serial.Serial | None = _open(port, baudrate)

    def __enter__(self) -> SerialReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def read_card(self, timeout: float = 5.0) -> CardData:
        """Wait up to ``timeout`` seconds for a card (0: look once), then select and read it."""
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            answer = self._command(p.FIND_CARD, self.command_timeout)
            if answer.sw3 == p.FIND_SUCCESS:
                break
            if answer.sw3 != p.FIND_FAILED:
                raise _fault(answer)
            if time.monotonic() + self.poll_interval > deadline:
                raise NoCard()
            time.sleep(self.poll_interval)

        answer = self._command(p.SELECT_CARD, self.command_timeout)
        if answer.sw3 == p.SELECT_FAILED:
            # Found a moment ago, gone now: the card moved off the antenna.
            raise CardRemoved()
        if answer.sw3 != p.SUCCESS:
            raise _fault(answer)

        answer = self._command(p.READ_TEXT_PHOTO, self.read_timeout, cut_means_removed=True)
        if answer.sw3 == p.READ_FAILED:
            raise CardRemoved()
        if answer.sw3 != p.SUCCESS:
            raise _fault(answer)
        try:
            text, photo = p.decode_read_data(answer.data)
        except p.ProtocolError as e:
            log.warning("ID-card reader: malformed read answer: %s", e)
            raise CorruptFrame() from None
        return parse_text_block(text, photo=photo, today=self._today())

    def _command(
        self, command: bytes, timeout: float, *, cut_means_removed: bool = False
    ) -> p.Response:
        """Send ``command`` and return the answer, asking again after a damaged exchange."""
        name = p.COMMAND_NAMES.get(command, command.hex())
        for attempt in range(self.retries + 1):
            outcome = self._exchange(command, timeout)
            if isinstance(outcome, p.Response):
                if outcome.sw3 not in (p.BAD_CHECKSUM, p.BAD_LENGTH):
                    return outcome
                # The reader got our command damaged: the line is noisy, send it again.
                log.info("ID-card reader: %s arrived damaged (%02X)", name, outcome.sw3)
            elif outcome is _Outcome.SILENT:
                raise ReaderTimeout()
            elif outcome is _Outcome.CUT and cut_means_removed:
                # The read answer stopped half-way: the reader lost the card mid-transfer.
                raise CardRemoved()
            else:
                log.info("ID-card reader: %s answer %s (attempt %d)", name, outcome.value, attempt)
        raise CorruptFrame()

    def _exchange(self, command: bytes, timeout: float) -> p.Response | _Outcome:
        port = self._port()
        try:
            # Bytes still buffered belong to an earlier, abandoned exchange.
            port.reset_input_buffer()
            self._parser.reset()
            port.write(p.encode_command(command))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                chunk = port.read(max(1, port.in_waiting))
                if not chunk:
                    continue
                for event in self._parser.feed(chunk):
                    if isinstance(event, p.Corrupt):
                        return _Outcome.CORRUPT
                    try:
                        return p.Response.from_frame(event)
                    except p.ProtocolError:
                        return _Outcome.CORRUPT
        except serial.SerialTimeoutException:
            raise ReaderTimeout() from None
        except serial.SerialException as e:
            raise ReaderUnavailable(
                "disconnected",
                f"与身份证阅读器（{self.port}）的连接已断开，请检查连接线后重新打开阅读器",
                f"the connection to the ID-card reader ({self.port}) was lost: {e}",
            ) from None
        return _Outcome.CUT if self._parser.in_frame else _Outcome.SILENT

    def _port(self) -> serial.Serial:
        if self._serial is None:
            raise ReaderUnavailable(
                "closed", "身份证阅读器已关闭", "the ID-card reader has been closed"
            )
        return self._serial


def _open(port: str, baudrate: int) -> serial.Serial:
    try:
        # exclusive: two programs reading one reader interleave frames; refuse the second.
        return serial.Serial(
            port=port,
            baudrate=baudrate,
            bytesize=serial.EIGHTBITS,
            parity=serial.PARITY_NONE,
            stopbits=serial.STOPBITS_ONE,
            timeout=_READ_SLICE,
            write_timeout=1.0,
            exclusive=True,
        )
    except serial.SerialException as e:
        raise _unavailable(port, e) from None


def _unavailable(port: str, e: serial.SerialException) -> ReaderUnavailable:
    text = str(e)
    # POSIX carries an errno; pyserial on Windows only puts the WinError into the text.
    if e.errno in _MISSING or "FileNotFoundError" in text:
        reason = "missing"
    elif e.errno in _BUSY or "Access is denied" in text or "PermissionError" in text:
        reason = "busy"
    elif e.errno in _PERMISSION:
        reason = "permission"
    else:
        reason = "other"
    messages = {
        "missing": (
            f"找不到身份证阅读器（串口 {port}），请确认阅读器已连接，并选择正确的串口",
            f"no ID-card reader at {port}: check it is plugged in and the port is right",
        ),
        "busy": (
            f"串口 {port} 正被其他程序占用，请关闭其他读卡程序后重试",
            f"{port} is in use by another program; close it and try again",
        ),
        "permission": (
            f"没有权限打开串口 {port}，请联系管理员（Linux 需将用户加入 dialout 组）",
            f"no permission to open {port} (on Linux, add the user to the dialout group)",
        ),
        "other": (
            f"无法打开身份证阅读器（串口 {port}），请检查连接后重试",
            f"cannot open the ID-card reader at {port}: {text}",
        ),
    }
    zh, en = messages[reason]
    return ReaderUnavailable(reason, zh, en)


def _fault(answer: p.Response) -> ReaderError:
    zh, en = answer.status_text
    if answer.sw3 in (p.SELF_TEST_FAILED, p.NOT_AUTHORISED):
        return ReaderUnavailable(
            "refused",
            f"{zh}，请联系阅读器厂家或更换阅读器",
            f"{en}; contact the vendor or replace the reader",
        )
    return ReaderFault(
        answer.sw3,
        f"身份证阅读器报告：{zh}（状态 {answer.sw3:02X}），请重新放置身份证后重试",
        f"the ID-card reader reports: {en} (status {answer.sw3:02X}); place the card again",
    )
