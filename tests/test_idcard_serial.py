"""SerialReader against a simulated reader on a pseudo-terminal.

The simulator owns the master side of ``os.openpty()`` and answers the protocol from a thread;
the SerialReader opens the slave path through pyserial exactly as it would open ``COM3``.
Timeouts are short so the whole file stays fast.
"""

from __future__ import annotations

import os
import select
import sys
import threading
import time
import tty
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from station.idcard import demo_cards
from station.idcard import protocol as p
from station.idcard.reader import (
    CardRemoved,
    CorruptFrame,
    NoCard,
    Reader,
    ReaderFault,
    ReaderTimeout,
    ReaderUnavailable,
)
from station.idcard.serial_reader import SerialReader
from station.idcard.textblock import CardExpired, encode_card, parse_text_block

from .factories import TODAY

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

CARD = demo_cards(TODAY)[0]
EXPIRED = next(c for c in demo_cards(TODAY) if c.valid_to is not None and c.valid_to < TODAY)
FAST: dict[str, Any] = {
    "command_timeout": 0.2,
    "read_timeout": 0.3,
    "retries": 2,
    "poll_interval": 0.02,
    "today": lambda: TODAY,
}

# A reply: fixed wire bytes, None (stay silent), or a function of how often it was asked.
Reply = bytes | None | Callable[[int], bytes | None]

FIND_OK = p.encode_response(p.FIND_SUCCESS, bytes(4))
FIND_NONE = p.encode_response(p.FIND_FAILED)
SELECT_OK = p.encode_response(p.SUCCESS, bytes(8))


def read_ok(card: Any = CARD) -> bytes:
    return p.encode_response(p.SUCCESS, p.encode_read_data(encode_card(card), card.photo))


def damaged(wire: bytes) -> bytes:
    return wire[:-1] + bytes([wire[-1] ^ 0x5A])


class SimulatedReader:
    """Speaks the reader side of the protocol on the master end of a pseudo-terminal."""

    def __init__(self, find: Reply = FIND_OK, select: Reply = SELECT_OK, read: Reply = None):
        self.replies: dict[bytes, Reply] = {
            p.FIND_CARD: find,
            p.SELECT_CARD: select,
            p.READ_TEXT_PHOTO: read_ok() if read is None else read,
        }
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.asked: Counter[bytes] = Counter()
        self.log: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def silent(self) -> SimulatedReader:
        self.replies = dict.fromkeys(self.replies)
        return self

    def _run(self) -> None:
        parser = p.FrameParser()
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.01)
            if not ready:
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            for event in parser.feed(data):
                if not isinstance(event, p.Frame):
                    continue
                command = event.command
                self.asked[command] += 1
                self.log.append(command)
                reply = self.replies.get(command)
                wire = reply(self.asked[command]) if callable(reply) else reply
                if wire:
                    os.write(self.master, wire)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1)
        os.close(self.master)
        os.close(self.slave)


Connect = Callable[..., tuple[SimulatedReader, SerialReader]]


@pytest.fixture
def connect() -> Iterator[Connect]:
    opened: list[tuple[SimulatedReader, SerialReader]] = []

    def _connect(sim: SimulatedReader, **options: Any) -> tuple[SimulatedReader, SerialReader]:
        reader = SerialReader(sim.path, **{**FAST, **options})
        opened.append((sim, reader))
        return sim, reader

    yield _connect
    for sim, reader in opened:
        reader.close()
        sim.stop()


def expected(card: Any = CARD) -> Any:
    return parse_text_block(encode_card(card), photo=card.photo, today=TODAY)


def test_good_read(connect: Connect) -> None:
    sim, reader = connect(SimulatedReader())
    assert isinstance(reader, Reader)
    card = reader.read_card(timeout=0.5)
    assert card == expected()
    assert card.photo == CARD.photo
    assert sim.log == [p.FIND_CARD, p.SELECT_CARD, p.READ_TEXT_PHOTO]
    # The same reader reads again.
    assert reader.read_card(timeout=0.5) == expected()


def test_no_card(connect: Connect) -> None:
    sim, reader = connect(SimulatedReader(find=FIND_NONE))
    started = time.monotonic()
    with pytest.raises(NoCard) as info:
        reader.read_card(timeout=0.15)
    assert time.monotonic() - started < 1.0
    assert "请将身份证放在阅读器上" in info.value.message_zh
    assert sim.asked[p.FIND_CARD] >= 2  # it kept looking until the time was up
    assert sim.asked[p.SELECT_CARD] == 0


def test_no_card_with_zero_timeout_looks_once(
    connect: Connect,
) -> None:
    sim, reader = connect(SimulatedReader(find=FIND_NONE))
    with pytest.raises(NoCard):
        reader.read_card(timeout=0)
    assert sim.asked[p.FIND_CARD] == 1


def test_card_placed_while_waiting(
    connect: Connect,
) -> None:
    sim, reader = connect(SimulatedReader(find=lambda n: FIND_OK if n >= 3 else FIND_NONE))
    assert reader.read_card(timeout=1.0) == expected()
    assert sim.asked[p.FIND_CARD] == 3


def test_corrupt_frame_is_asked_again_then_succeeds(
    connect: Connect,
) -> None:
    good = read_ok()
    sim, reader = connect(SimulatedReader(read=lambda n: damaged(good) if n == 1 else good))
    assert reader.read_card(timeout=0.5) == expected()
    assert sim.asked[p.READ_TEXT_PHOTO] == 2


def test_corrupt_find_answer_is_asked_again(
    connect: Connect,
) -> None:
    sim, reader = connect(SimulatedReader(find=lambda n: damaged(FIND_OK) if n < 3 else FIND_OK))
    assert reader.read_card(timeout=0.5) == expected()
    assert sim.asked[p.FIND_CARD] == 3


def test_corrupt_every_time(connect: Connect) -> None:
    sim, reader = connect(SimulatedReader(read=damaged(read_ok())), retries=2)
    with pytest.raises(CorruptFrame) as info:
        reader.read_card(timeout=0.5)
    assert sim.asked[p.READ_TEXT_PHOTO] == 3  # first try + 2 retries, then give up
    assert "连接线" in info.value.message_zh


def test_reader_received_our_command_damaged(
    connect: Connect,
) -> None:
    bad_checksum = p.encode_response(p.BAD_CHECKSUM)
    sim, reader = connect(SimulatedReader(select=lambda n: bad_checksum if n == 1 else SELECT_OK))
    assert reader.read_card(timeout=0.5) == expected()
    assert sim.asked[p.SELECT_CARD] == 2


def test_noise_on_the_line_is_skipped(
    connect: Connect,
) -> None:
    _, reader = connect(
        SimulatedReader(
            find=b"\x00\xff\xaa\x13" + FIND_OK,
            select=b"\xaa\xaa\x96" + SELECT_OK,
            read=b"\x55" * 7 + read_ok(),
        )
    )
    assert reader.read_card(timeout=0.5) == expected()


def test_reader_never_answers(connect: Connect) -> None:
    sim, reader = connect(SimulatedReader().silent())
    started = time.monotonic()
    with pytest.raises(ReaderTimeout) as info:
        reader.read_card(timeout=2.0)
    elapsed = time.monotonic() - started
    assert 0.15 <= elapsed < 1.0  # one command timeout, not the whole waiting time
    assert "没有应答" in info.value.message_zh
    assert sim.asked[p.FIND_CARD] == 1


def test_card_pulled_away_cuts_the_read_answer(
    connect: Connect,
) -> None:
    good = read_ok()
    sim, reader = connect(SimulatedReader(read=good[: len(good) // 2]))
    with pytest.raises(CardRemoved) as info:
        reader.read_card(timeout=0.5)
    assert info.value.message_zh.startswith("读卡中途身份证被移开，请重新放置")
    assert sim.asked[p.READ_TEXT_PHOTO] == 1


def test_card_pulled_away_read_failed(
    connect: Connect,
) -> None:
    _, reader = connect(SimulatedReader(read=p.encode_response(p.READ_FAILED)))
    with pytest.raises(CardRemoved):
        reader.read_card(timeout=0.5)


def test_card_gone_before_select(
    connect: Connect,
) -> None:
    sim, reader = connect(SimulatedReader(select=p.encode_response(p.SELECT_FAILED)))
    with pytest.raises(CardRemoved):
        reader.read_card(timeout=0.5)
    assert sim.asked[p.READ_TEXT_PHOTO] == 0


def test_expired_card_is_refused(
    connect: Connect,
) -> None:
    _, reader = connect(SimulatedReader(read=read_ok(EXPIRED)))
    with pytest.raises(CardExpired) as info:
        reader.read_card(timeout=0.5)
    assert info.value.message_zh.startswith("身份证已过有效期（")


def test_reader_error_statuses(connect: Connect) -> None:
    _, reader = connect(SimulatedReader(read=p.encode_response(p.WRONG_CARD)))
    with pytest.raises(ReaderFault) as fault:
        reader.read_card(timeout=0.5)
    assert fault.value.status == p.WRONG_CARD
    assert "不是二代身份证" in fault.value.message_zh

    _, reader = connect(SimulatedReader(find=p.encode_response(p.NOT_AUTHORISED)))
    with pytest.raises(ReaderUnavailable) as unavailable:
        reader.read_card(timeout=0.5)
    assert unavailable.value.reason == "refused"


def test_missing_port() -> None:
    with pytest.raises(ReaderUnavailable) as info:
        SerialReader("/dev/ttyIDCARD-does-not-exist", **FAST)
    assert info.value.reason == "missing"
    assert "找不到身份证阅读器" in info.value.message_zh
    assert "/dev/ttyIDCARD-does-not-exist" in info.value.message_zh


def test_busy_port(connect: Connect) -> None:
    sim, _ = connect(SimulatedReader())
    with pytest.raises(ReaderUnavailable) as info:
        SerialReader(sim.path, **FAST)
    assert info.value.reason == "busy"
    assert "占用" in info.value.message_zh


def test_closed_reader(connect: Connect) -> None:
    sim, reader = connect(SimulatedReader())
    reader.close()
    reader.close()  # idempotent
    with pytest.raises(ReaderUnavailable):
        reader.read_card(timeout=0.5)
    # The port is free again.
    with SerialReader(sim.path, **FAST) as again:
        assert again.read_card(timeout=0.5) == expected()
