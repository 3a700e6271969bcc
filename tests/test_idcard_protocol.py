"""Reader protocol frames: published byte dumps, check byte, resynchronisation, split reads."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.idcard import protocol as p
from station.idcard.protocol import Corrupt, Frame, FrameParser, Response

TEXT = bytes(range(256))
PHOTO = bytes(1024)


def hexbytes(text: str) -> bytes:
    return bytes.fromhex(text)


# Byte dumps published with open-source drivers of these readers (see protocol docstring).
@pytest.mark.parametrize(
    ("command", "wire"),
    [
        (p.FIND_CARD, "AA AA AA 96 69 00 03 20 01 22"),
        (p.SELECT_CARD, "AA AA AA 96 69 00 03 20 02 21"),
        (p.READ_TEXT_PHOTO, "AA AA AA 96 69 00 03 30 01 32"),
    ],
)
def test_commands_match_published_dumps(command: bytes, wire: str) -> None:
    assert p.encode_command(command) == hexbytes(wire)


@pytest.mark.parametrize(
    ("sw3", "data", "wire"),
    [
        (p.FIND_SUCCESS, bytes(4), "AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"),
        (p.SUCCESS, bytes(8), "AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C"),
        (p.FIND_FAILED, b"", "AA AA AA 96 69 00 04 00 00 80 84"),
        (p.SELECT_FAILED, b"", "AA AA AA 96 69 00 04 00 00 81 85"),
        (p.READ_FAILED, b"", "AA AA AA 96 69 00 04 00 00 41 45"),
    ],
)
def test_responses_match_published_dumps(sw3: int, data: bytes, wire: str) -> None:
    assert p.encode_response(sw3, data) == hexbytes(wire)


def test_read_answer_layout_is_1295_bytes() -> None:
    wire = p.encode_response(p.SUCCESS, p.encode_read_data(TEXT, PHOTO))
    assert len(wire) == 1295
    assert wire[:14] == hexbytes("AA AA AA 96 69 05 08 00 00 90 01 00 04 00")
    assert wire[14:270] == TEXT and wire[270:1294] == PHOTO
    (frame,) = FrameParser().feed(wire)
    assert isinstance(frame, Frame)
    answer = Response.from_frame(frame)
    assert (answer.sw1, answer.sw2, answer.sw3) == (0, 0, p.SUCCESS)
    assert p.decode_read_data(answer.data) == (TEXT, PHOTO)


def test_check_byte_covers_length_and_body() -> None:
    wire = p.encode_command(p.FIND_CARD, b"\x12\x34")
    assert wire[-1] == 0x00 ^ 0x05 ^ 0x20 ^ 0x01 ^ 0x12 ^ 0x34


def test_encoder_refuses_malformed_input() -> None:
    with pytest.raises(ValueError):
        p.encode_command(b"\x20")
    with pytest.raises(ValueError):
        p.encode_frame(b"\x00")  # body + check byte shorter than the minimum
    with pytest.raises(ValueError):
        p.encode_frame(bytes(p.MAX_LENGTH))


def test_sw1_sw2_are_carried() -> None:
    wire = p.encode_response(p.CARD_AUTH_FAILED, sw1=0x6A, sw2=0x82)
    (frame,) = FrameParser().feed(wire)
    assert isinstance(frame, Frame)
    answer = Response.from_frame(frame)
    assert (answer.sw1, answer.sw2, answer.sw3, answer.data) == (0x6A, 0x82, 0x31, b"")
    assert answer.status_text[0] == "身份证对阅读器认证失败"
    assert Response(0, 0, 0x77, b"").status_text[0] == "阅读器状态码 77"


def test_two_frames_in_one_chunk() -> None:
    wire = p.encode_response(p.FIND_SUCCESS, bytes(4)) + p.encode_response(p.SUCCESS, bytes(8))
    events = FrameParser().feed(wire)
    assert [Response.from_frame(e).sw3 for e in events if isinstance(e, Frame)] == [0x9F, 0x90]


def test_byte_by_byte_feeding() -> None:
    wire = p.encode_response(p.SUCCESS, p.encode_read_data(TEXT, PHOTO))
    parser = FrameParser()
    events: list[Frame | Corrupt] = []
    for i, byte in enumerate(wire):
        events += parser.feed(bytes([byte]))
        if i < len(wire) - 1:
            assert not events
            assert parser.in_frame == (i >= len(p.PREAMBLE) - 1)
    assert len(events) == 1 and isinstance(events[0], Frame)
    assert parser.pending == 0 and not parser.in_frame


def test_split_inside_the_preamble_and_the_length() -> None:
    wire = p.encode_response(p.FIND_SUCCESS, bytes(4))
    for cut in range(1, len(wire)):
        parser = FrameParser()
        assert parser.feed(b"\x00\x13" + wire[:cut]) == []
        (frame,) = parser.feed(wire[cut:])
        assert isinstance(frame, Frame) and frame.body[2] == 0x9F, cut


def test_resynchronises_after_garbage() -> None:
    good = p.encode_response(p.SUCCESS, bytes(8))
    # Noise, a partial preamble, a stray AA run: none of it may hide the real frame.
    noise = b"\x01\xff\xaa\xaa\x96\x00\xaa\xaa\xaa\xaa\x42"
    parser = FrameParser()
    events = parser.feed(noise + good + b"\xaa\x55" + good)
    assert events == [Frame(good[7:-1]), Frame(good[7:-1])]
    assert parser.discarded == len(noise) + 2


def test_bad_check_byte_is_reported_and_the_next_frame_still_parsed() -> None:
    good = p.encode_response(p.FIND_SUCCESS, bytes(4))
    bad = good[:-1] + bytes([good[-1] ^ 0xFF])
    events = FrameParser().feed(bad + good)
    assert isinstance(events[0], Corrupt) and events[0].reason == "check"
    assert events[0].raw == bad
    assert events[1:] == [Frame(good[7:-1])]


def test_bit_flip_in_the_body_is_caught() -> None:
    wire = bytearray(p.encode_response(p.SUCCESS, p.encode_read_data(TEXT, PHOTO)))
    wire[500] ^= 0x04
    events = FrameParser().feed(bytes(wire))
    assert [type(e) for e in events] == [Corrupt]


@pytest.mark.parametrize("length", [0x0000, 0x0001, 0x0002, p.MAX_LENGTH + 1, 0xFFFF])
def test_impossible_length_is_reported_and_parsing_resumes(length: int) -> None:
    good = p.encode_response(p.SUCCESS, bytes(8))
    broken = p.PREAMBLE + length.to_bytes(2, "big") + b"\x00\x00\x90"
    events = FrameParser().feed(broken + good)
    assert isinstance(events[0], Corrupt) and events[0].reason == "length"
    assert events[1:] == [Frame(good[7:-1])]


def test_frame_starting_inside_a_damaged_one_is_found() -> None:
    # A length field damaged upwards swallows the next frame; after the bad check byte is
    # reported the parser searches again from just after the damaged preamble.
    good = p.encode_response(p.FIND_SUCCESS, bytes(4))
    damaged = p.PREAMBLE + (20).to_bytes(2, "big") + b"\x00\x00\x90"
    wire = damaged + good + bytes(20)
    events = FrameParser().feed(wire)
    assert Frame(good[7:-1]) in events
    assert isinstance(events[0], Corrupt)


def test_reset_drops_a_partial_frame() -> None:
    wire = p.encode_response(p.SUCCESS, bytes(8))
    parser = FrameParser()
    parser.feed(wire[:9])
    assert parser.in_frame and parser.pending == 9
    parser.reset()
    assert not parser.in_frame and parser.pending == 0
    assert parser.feed(wire) == [Frame(wire[7:-1])]


def test_short_answer_and_inconsistent_read_data_are_protocol_errors() -> None:
    with pytest.raises(p.ProtocolError):
        Response.from_frame(Frame(b"\x00\x90"))
    with pytest.raises(p.ProtocolError):
        p.decode_read_data(b"\x01\x00")
    with pytest.raises(p.ProtocolError):
        p.decode_read_data(p.encode_read_data(TEXT, PHOTO)[:-1])
    assert Frame(b"\x20\x01").command == p.FIND_CARD


frames = st.lists(
    st.tuples(st.sampled_from([0x90, 0x9F, 0x80, 0x41]), st.binary(max_size=40)),
    min_size=1,
    max_size=5,
)
# Noise without 0xAA cannot contain (or complete) a preamble.
noise = st.binary(max_size=12).map(lambda b: b.replace(b"\xaa", b"\x55"))


@settings(max_examples=150, deadline=None)
@given(frames=frames, noises=st.lists(noise, min_size=6, max_size=6), cuts=st.data())
def test_any_split_of_noisy_frames_yields_every_frame(
    frames: list[tuple[int, bytes]], noises: list[bytes], cuts: st.DataObject
) -> None:
    wire = b"".join(
        noises[i % len(noises)] + p.encode_response(sw3, data)
        for i, (sw3, data) in enumerate(frames)
    )
    points = sorted(cuts.draw(st.lists(st.integers(0, len(wire)), max_size=8)))
    parser = FrameParser()
    events: list[Frame | Corrupt] = []
    start = 0
    for point in [*points, len(wire)]:
        events += parser.feed(wire[start:point])
        start = point
    assert events == [Frame(bytes([0, 0, sw3]) + data) for sw3, data in frames]
