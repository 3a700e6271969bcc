"""The ID-card text block: layout, round trips, every refusal, expiry, and the demo cards."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from station import idnumber
from station.errors import StationError
from station.idcard import DemoReader, demo_cards
from station.idcard.textblock import (
    LAYOUT,
    PHOTO_SIZE,
    TEXT_BLOCK_SIZE,
    CardData,
    CardError,
    CardExpired,
    check_validity,
    encode_card,
    encode_text_block,
    parse_text_block,
)

from .factories import TODAY

BIRTH = dt.date(2011, 4, 8)
ID_MALE = idnumber.make("410105", BIRTH, 13)
PHOTO = bytes(range(256)) * 4


def fields(**overrides: Any) -> dict[str, Any]:
    """Encoder arguments of a valid card, 15-year-old boy from Jinshui, valid until 2030."""
    values: dict[str, Any] = {
        "name": "张小明",
        "gender": "1",
        "ethnicity_code": "01",
        "birth_date": BIRTH,
        "address": "河南省郑州市金水区花园路1号",
        "id_number": ID_MALE,
        "authority": "郑州市公安局金水分局",
        "valid_from": dt.date(2025, 3, 1),
        "valid_to": dt.date(2030, 3, 1),
    }
    values.update(overrides)
    return values


def parse(block: bytes, **kwargs: Any) -> CardData:
    kwargs.setdefault("today", TODAY)
    return parse_text_block(block, **kwargs)


def refused(block: bytes, **kwargs: Any) -> CardError:
    with pytest.raises(CardError) as info:
        parse(block, **kwargs)
    return info.value


def test_layout_is_256_bytes_in_reader_order() -> None:
    assert [size for _, size in LAYOUT] == [30, 2, 4, 16, 70, 36, 30, 16, 16, 36]
    block = encode_text_block(**fields())
    assert len(block) == TEXT_BLOCK_SIZE
    # Offsets as the reader documents them: ID number at 122..158 (18 characters fill it).
    assert block[122:158].decode("utf-16-le") == ID_MALE
    assert block[30:32] == "1".encode("utf-16-le")
    assert block[32:36] == "01".encode("utf-16-le")
    assert block[0:30] == "张小明".encode("utf-16-le") + " ".encode("utf-16-le") * 12
    assert block[220:] == b" \x00" * 18


def test_round_trip() -> None:
    block = encode_text_block(**fields())
    card = parse(block, photo=PHOTO)
    assert card.name == "张小明"
    assert (card.gender, card.gender_name) == ("1", "男")
    assert (card.ethnicity_code, card.ethnicity) == ("01", "汉族")
    assert card.birth_date == BIRTH
    assert card.address == "河南省郑州市金水区花园路1号"
    assert card.id_number == ID_MALE
    assert card.authority == "郑州市公安局金水分局"
    assert (card.valid_from, card.valid_to) == (dt.date(2025, 3, 1), dt.date(2030, 3, 1))
    assert card.photo == PHOTO and len(card.photo) == PHOTO_SIZE
    assert card.document_type is idnumber.DocumentType.RESIDENT_ID
    assert encode_card(card) == block


def test_long_term_card_has_no_valid_to() -> None:
    card = parse(encode_text_block(**fields(valid_to=None)))
    assert card.valid_to is None and card.long_term
    assert encode_card(card) == encode_text_block(**fields(valid_to="长期"))


def test_middle_dot_name_female_and_minority_round_trip() -> None:
    number = idnumber.make("410104", BIRTH, 24)  # even sequence: female
    block = encode_text_block(
        **fields(name="阿依古丽·买买提", gender="2", ethnicity_code="05", id_number=number)
    )
    card = parse(block)
    assert card.name == "阿依古丽·买买提"
    assert (card.gender_name, card.ethnicity) == ("女", "维吾尔族")


def test_lower_case_x_is_normalised() -> None:
    number = idnumber.make("410105", dt.date(2011, 3, 3), 11)
    assert number.endswith("X")
    card = parse(
        encode_text_block(**fields(id_number=number.lower(), birth_date=dt.date(2011, 3, 3)))
    )
    assert card.id_number == number


def test_nul_padding_is_accepted_and_inner_spaces_kept() -> None:
    block = bytearray(encode_text_block(**fields(address="河南省 郑州市")))
    # Some readers pad with NULs instead of spaces.
    block[52:122] = "河南省 郑州市".encode("utf-16-le").ljust(70, b"\x00")
    assert parse(bytes(block)).address == "河南省 郑州市"


def test_a_surrogate_pair_from_a_reader_is_kept() -> None:
    # UCS-2 cannot carry 𠮷 (U+20BB7); should a reader send it as UTF-16 we keep it whole.
    block = bytearray(encode_text_block(**fields()))
    block[0:30] = "𠮷小明".encode("utf-16-le") + " ".encode("utf-16-le") * 11
    assert parse(bytes(block)).name == "𠮷小明"


def test_encoder_refuses_what_ucs2_or_the_field_cannot_hold() -> None:
    with pytest.raises(ValueError, match="BMP"):
        encode_text_block(**fields(name="𠮷小明"))
    with pytest.raises(ValueError, match="30-byte"):
        encode_text_block(**fields(name="一二三四五六七八九十一二三四五六"))


@pytest.mark.parametrize("size", [0, 255, 257, 1280])
def test_wrong_length(size: int) -> None:
    error = refused(b" \x00" * (size // 2) + b"\x00" * (size % 2))
    assert error.code == "length"
    assert "256" in error.message_zh


def test_undecodable_lone_surrogate() -> None:
    block = bytearray(encode_text_block(**fields()))
    block[0:2] = "\ud842".encode("utf-16-le", "surrogatepass")  # high surrogate, no partner
    error = refused(bytes(block))
    assert error.code == "undecodable"
    assert "姓名" in error.message_zh


def test_empty_name() -> None:
    assert refused(encode_text_block(**fields(name=""))).code == "name"


@pytest.mark.parametrize("code", ["99", "00", "57", "", "1"])
def test_unknown_ethnicity_code(code: str) -> None:
    error = refused(encode_text_block(**fields(ethnicity_code=code)))
    assert error.code == "ethnicity"
    assert "GB/T 3304" in error.message_zh


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"birth_date": "20110230"}, "birth_date"),
        ({"birth_date": "2011-4-8"}, "birth_date"),
        ({"valid_from": "20251301"}, "valid_from"),
        ({"valid_from": ""}, "valid_from"),
        ({"valid_to": "2030０301"}, "valid_to"),  # a full-width digit is not YYYYMMDD
        ({"valid_to": "永久"}, "valid_to"),
        ({"valid_to": dt.date(2024, 3, 1)}, "validity"),  # ends before it begins
    ],
)
def test_bad_dates(override: dict[str, Any], code: str) -> None:
    assert refused(encode_text_block(**fields(**override))).code == code


@pytest.mark.parametrize(
    "number",
    [
        ID_MALE[:-1] + ("0" if ID_MALE[-1] != "0" else "1"),  # wrong check digit
        "41010520110408013",  # 17 characters
        "",
    ],
)
def test_invalid_id_number(number: str) -> None:
    error = refused(encode_text_block(**fields(id_number=number)))
    assert error.code == "id_number"
    assert error.message_zh.startswith("身份证中的公民身份号码无效：")


def test_birth_date_disagreeing_with_the_id_number() -> None:
    error = refused(encode_text_block(**fields(birth_date=dt.date(2011, 4, 9))))
    assert error.code == "birth_mismatch"


def test_gender_disagreeing_with_the_id_number() -> None:
    error = refused(encode_text_block(**fields(gender="2")))
    assert error.code == "gender_mismatch"


@pytest.mark.parametrize("gender", ["0", "9", "男", ""])
def test_gender_other_than_1_or_2(gender: str) -> None:
    assert refused(encode_text_block(**fields(gender=gender))).code == "gender"


def test_expired_card_is_refused_with_a_clear_message() -> None:
    block = encode_text_block(
        **fields(valid_from=dt.date(2015, 1, 1), valid_to=dt.date(2020, 1, 1))
    )
    with pytest.raises(CardExpired) as info:
        parse(block, today=dt.date(2026, 11, 29))
    error = info.value
    assert error.code == "expired"
    assert error.message_zh == "身份证已过有效期（2020-01-01），请使用有效证件"
    assert "2020-01-01" in error.message_en
    assert error.card.name == "张小明"  # shown to the operator, never stored
    assert isinstance(error, StationError)
    assert "身份证已过有效期" in str(error) and "expired" in str(error)
    # The caller may look first and decide later.
    card = parse(block, today=dt.date(2026, 11, 29), check_expiry=False)
    with pytest.raises(CardExpired):
        check_validity(card, dt.date(2026, 11, 29))


def test_card_is_valid_through_its_last_day() -> None:
    block = encode_text_block(**fields(valid_to=dt.date(2030, 3, 1)))
    assert parse(block, today=dt.date(2030, 3, 1)).valid_to == dt.date(2030, 3, 1)
    with pytest.raises(CardExpired):
        parse(block, today=dt.date(2030, 3, 2))


def test_repr_masks_the_id_number() -> None:
    card = parse(encode_text_block(**fields()), photo=PHOTO)
    text = repr(card)
    assert ID_MALE not in text and ID_MALE[-4:] in text
    assert "花园路" not in text


def test_card_data_is_frozen() -> None:
    card = parse(encode_text_block(**fields()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        card.name = "李四"  # type: ignore[misc]


def test_demo_cards_are_synthetic_valid_and_one_is_expired() -> None:
    cards = demo_cards(TODAY)
    assert len(cards) >= 3
    assert all(c.name.startswith("演示") for c in cards)
    assert all(c.id_number.startswith("41") for c in cards)
    for card in cards:
        age = (TODAY - card.birth_date).days / 365.25
        assert 14 <= age <= 16, card
        idnumber.parse(card.id_number, today=TODAY)
    expired = [c for c in cards if c.valid_to is not None and c.valid_to < TODAY]
    assert len(expired) == 1
    assert demo_cards(TODAY) == cards  # deterministic


def test_demo_reader_cycles_and_shows_the_refusal() -> None:
    reader = DemoReader(today=TODAY)
    cards = demo_cards(TODAY)
    outcomes: list[str] = []
    for _ in range(2 * len(cards)):
        try:
            outcomes.append(reader.read_card(timeout=0).name)
        except CardExpired as e:
            outcomes.append(f"expired:{e.card.name}")
    expected = [
        f"expired:{c.name}" if c.valid_to is not None and c.valid_to < TODAY else c.name
        for c in cards
    ]
    assert outcomes == expected * 2
    assert reader.read_card(timeout=0) == parse(encode_card(cards[0]), photo=cards[0].photo)
    reader.close()
    with pytest.raises(StationError):
        reader.read_card(timeout=0)
