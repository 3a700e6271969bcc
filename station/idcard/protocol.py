"""Frames of the common serial protocol of ID-card readers (二代证 SAM/读卡器 通讯协议).

Readers from many vendors (华视, 神思, 新中新 and the SAM modules inside them) speak the same
frame format on their UART (115200 8N1 by default)::

    host → reader:  AA AA AA 96 69 | Len1 Len2 | CMD PARA | data | CHK
    reader → host:  AA AA AA 96 69 | Len1 Len2 | SW1 SW2 SW3 | data | CHK

* ``AA AA AA 96 69``: preamble (the first three bytes synchronise, ``96 69`` starts the frame);
* ``Len1 Len2``: big-endian count of the bytes after the length field, check byte included;
* ``CHK``: XOR of every byte after the preamble except itself (length bytes included).

Commands used here: find card ``20 01`` (寻找证/卡), select card ``20 02`` (选取证/卡), read
text and photo ``30 01`` (读固定信息). SW1 SW2 relay the card's APDU status; SW3 is the
reader's own status: ``90`` success, ``9F`` find success (data: 4 bytes, the card's IIN),
``80`` find failed (no card), ``81`` select failed, ``41`` read failed, ``10``/``11``/``21``
the reader received a bad check byte / bad length / bad command from us, ``31``/``32``/``33``
card–reader authentication or verification failed, ``40`` wrong card, ``47`` random number
failed, ``60`` self-test failed, ``66`` reader not authorised, ``24`` unrecognised error,
``91`` no content for this item. The read answer's data is text length (2 bytes, big-endian),
photo length (2 bytes), the 256-byte text and the 1024-byte WLT photo: 1295 bytes in all,
length field ``05 08``.

What this relies on (public copies of the vendor document, no official text at hand):

* softs.im, "身份证阅读器通信协议" and eastcoms.com, "身份证阅读器模块SAM通讯协议" (SAM_V):
  frame layout, length and check byte definitions, command and status tables;
* published byte dumps in open-source drivers (e.g. IDCardDemo README, hev-dbus idcard reader,
  several Android serial drivers): find ``AA AA AA 96 69 00 03 20 01 22`` → ``… 00 08 00 00 9F
  00 00 00 00 97``, select ``… 20 02 21`` → ``… 00 0C 00 00 90`` + 8 bytes ``… 9C``, read
  ``… 30 01 32`` → ``AA AA AA 96 69 05 08 00 00 90 01 00 04 00`` + 256 + 1024 + CHK, find
  failed ``… 00 04 00 00 80 84``, select failed ``… 81 85``, read failed ``… 41 45``.
  The tests check our encoder against these dumps.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_SIZE = len(PREAMBLE) + 2  # preamble + length field

# Commands (CMD, PARA).
FIND_CARD = b"\x20\x01"
SELECT_CARD = b"\x20\x02"
READ_TEXT_PHOTO = b"\x30\x01"
COMMAND_NAMES = {FIND_CARD: "find card", SELECT_CARD: "select card", READ_TEXT_PHOTO: "read"}

# SW3 values (the reader's own status).
SUCCESS = 0x90
FIND_SUCCESS = 0x9F
BAD_CHECKSUM = 0x10
BAD_LENGTH = 0x11
BAD_COMMAND = 0x21
UNRECOGNISED = 0x24
CARD_AUTH_FAILED = 0x31
READER_AUTH_FAILED = 0x32
VERIFY_FAILED = 0x33
WRONG_CARD = 0x40
READ_FAILED = 0x41
RANDOM_FAILED = 0x47
SELF_TEST_FAILED = 0x60
NOT_AUTHORISED = 0x66
FIND_FAILED = 0x80
SELECT_FAILED = 0x81
NO_CONTENT = 0x91

STATUS_TEXT: dict[int, tuple[str, str]] = {
    SUCCESS: ("操作成功", "success"),
    FIND_SUCCESS: ("找卡成功", "card found"),
    BAD_CHECKSUM: ("阅读器收到的命令校验和错误", "the reader received a bad check byte"),
    BAD_LENGTH: ("阅读器收到的命令长度错误", "the reader received a bad length"),
    BAD_COMMAND: ("阅读器收到的命令错误", "the reader received a bad command"),
    UNRECOGNISED: ("阅读器报告无法识别的错误", "the reader reports an unrecognised error"),
    CARD_AUTH_FAILED: ("身份证对阅读器认证失败", "the card failed to authenticate the reader"),
    READER_AUTH_FAILED: ("阅读器对身份证认证失败", "the reader failed to authenticate the card"),
    VERIFY_FAILED: ("信息验证错误", "the card data failed verification"),
    WRONG_CARD: ("不是二代身份证（错误的卡）", "not a second-generation ID card"),
    READ_FAILED: ("读身份证失败", "reading the card failed"),
    RANDOM_FAILED: ("取随机数失败", "getting a random number failed"),
    SELF_TEST_FAILED: ("阅读器自检失败", "the reader's self-test failed"),
    NOT_AUTHORISED: ("阅读器未经授权，无法使用", "the reader is not authorised"),
    FIND_FAILED: ("未找到身份证", "no card found"),
    SELECT_FAILED: ("选取身份证失败", "selecting the card failed"),
    NO_CONTENT: ("证件中此项无内容", "the card holds no content for this item"),
}

# Smallest body: CMD PARA or SW1 SW2 SW3, plus the check byte. Largest documented frame is
# the read with fingerprints (2321 bytes); anything far beyond is a damaged length field.
MIN_LENGTH = 3
MAX_LENGTH = 4096

READ_DATA_HEADER = 4  # text length + photo length, 2 bytes each, big-endian


class ProtocolError(ValueError):
    """A frame that is well-formed on the wire but does not make sense as an answer."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One checked frame: ``body`` is what lies between the length field and the check byte."""

    body: bytes

    @property
    def command(self) -> bytes:
        """CMD PARA of a host → reader frame."""
        return self.body[:2]


@dataclass(frozen=True, slots=True)
class Corrupt:
    """Bytes that began like a frame but are not one: ``reason`` is ``check`` or ``length``."""

    reason: str
    raw: bytes


@dataclass(frozen=True, slots=True)
class Response:
    """A reader → host answer."""

    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @classmethod
    def from_frame(cls, frame: Frame) -> Response:
        if len(frame.body) < 3:
            raise ProtocolError(
                f"an answer needs SW1 SW2 SW3, this one has {len(frame.body)} bytes"
            )
        sw1, sw2, sw3 = frame.body[:3]
        return cls(sw1, sw2, sw3, frame.body[3:])

    @property
    def status_text(self) -> tuple[str, str]:
        return STATUS_TEXT.get(
            self.sw3, (f"阅读器状态码 {self.sw3:02X}", f"reader status {self.sw3:02X}")
        )


def xor(data: bytes) -> int:
    return reduce(lambda a, b: a ^ b, data, 0)


def encode_frame(body: bytes) -> bytes:
    """Preamble, length, ``body`` and check byte."""
    length = len(body) + 1
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"a frame body of {len(body)} bytes is out of range")
    covered = length.to_bytes(2, "big") + body
    return PREAMBLE + covered + bytes([xor(covered)])


def encode_command(command: bytes, data: bytes = b"") -> bytes:
    """A host → reader frame, e.g. ``encode_command(FIND_CARD)``."""
    if len(command) != 2:
        raise ValueError("a command is two bytes: CMD and PARA")
    return encode_frame(command + data)


def encode_response(sw3: int, data: bytes = b"", *, sw1: int = 0, sw2: int = 0) -> bytes:
    """A reader → host frame (simulators and tests)."""
    return encode_frame(bytes([sw1, sw2, sw3]) + data)


def encode_read_data(text: bytes, photo: bytes) -> bytes:
    """The data of a successful read answer: both lengths, the text, the photo."""
    return len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo


def decode_read_data(data: bytes) -> tuple[bytes, bytes]:
    """``(text, photo)`` from a read answer's data; ProtocolError when the lengths disagree."""
    if len(data) < READ_DATA_HEADER:
        raise ProtocolError(f"a read answer needs 4 length bytes, it has {len(data)} bytes")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if READ_DATA_HEADER + text_len + photo_len != len(data):
        raise ProtocolError(
            f"a read answer announces {text_len} + {photo_len} bytes "
            f"but carries {len(data) - READ_DATA_HEADER}"
        )
    text = data[READ_DATA_HEADER : READ_DATA_HEADER + text_len]
    return text, data[READ_DATA_HEADER + text_len :]


class FrameParser:
    """Incremental parser: :meth:`feed` bytes as they come, get frames and corrupt reports back.

    Bytes before a preamble are line noise and are skipped (``discarded`` counts them). A frame
    whose length is impossible or whose check byte is wrong is reported as :class:`Corrupt`;
    the parser then drops only its preamble and searches again, so a good frame that follows
    (or begins inside a damaged one) is still found.
    """

    def __init__(self, max_length: int = MAX_LENGTH) -> None:
        self._buffer = bytearray()
        self._max_length = max_length
        self.discarded = 0

    def reset(self) -> None:
        """Forget buffered bytes (before a new exchange: stale bytes belong to an old one)."""
        self._buffer.clear()

    @property
    def pending(self) -> int:
        """Bytes buffered that do not form a whole frame yet."""
        return len(self._buffer)

    @property
    def in_frame(self) -> bool:
        """True while a frame has begun (preamble seen) but is not complete."""
        return self._buffer.startswith(PREAMBLE)

    def feed(self, data: bytes) -> list[Frame | Corrupt]:
        self._buffer += data
        out: list[Frame | Corrupt] = []
        buf = self._buffer
        while True:
            start = buf.find(PREAMBLE)
            if start < 0:
                # Keep a tail that may be the beginning of a preamble cut by the read.
                keep = _preamble_prefix_len(buf)
                self.discarded += len(buf) - keep
                del buf[: len(buf) - keep]
                return out
            if start:
                self.discarded += start
                del buf[:start]
            if len(buf) < HEADER_SIZE:
                return out
            length = int.from_bytes(buf[5:7], "big")
            if not MIN_LENGTH <= length <= self._max_length:
                out.append(Corrupt("length", bytes(buf[:HEADER_SIZE])))
                del buf[: len(PREAMBLE)]
                continue
            end = HEADER_SIZE + length
            if len(buf) < end:
                return out
            if xor(bytes(buf[5 : end - 1])) != buf[end - 1]:
                out.append(Corrupt("check", bytes(buf[:end])))
                del buf[: len(PREAMBLE)]
                continue
            out.append(Frame(bytes(buf[HEADER_SIZE : end - 1])))
            del buf[:end]


def _preamble_prefix_len(buf: bytearray) -> int:
    for size in range(min(len(PREAMBLE) - 1, len(buf)), 0, -1):
        if buf.endswith(PREAMBLE[:size]):
            return size
    return 0
