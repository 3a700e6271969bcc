"""The text block (文字信息) a second-generation ID card (二代身份证) reader returns.

The reader answers "read text and photo" with 256 bytes of text and a 1024-byte WLT photo.
The text is UCS-2 little-endian (GB 13000), each field left-aligned and padded with spaces
(U+0020), at fixed byte lengths::

    name 30 | gender 2 | ethnicity 4 | birth 16 | address 70 | ID number 36 |
    issuing authority 30 | valid-from 16 | valid-to 16 | reserved 36      = 256 bytes

Gender is the GB/T 2261.1 code (1 男, 2 女), ethnicity the two-digit GB/T 3304 code, dates
``YYYYMMDD``; valid-to holds ``长期`` for a card that never expires.

UCS-2 carries only the Basic Multilingual Plane, so a reader cannot deliver a name character
outside it (生僻字 in CJK Extension B+); the card itself stores such characters differently and
the reader yields a BMP substitute. We decode as UTF-16LE, which is UCS-2 for every BMP code
unit: should a reader ever send a surrogate pair we keep the character it encodes, and we never
drop or replace what comes. A lone surrogate is refused as undecodable.

The WLT photo is vendor-compressed (102×126 after decoding); we keep it as opaque bytes and
never decode it here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from station import codes, idnumber
from station.errors import StationError
from station.idnumber import DocumentType, IdNumberError

TEXT_BLOCK_SIZE = 256
PHOTO_SIZE = 1024
LONG_TERM = "长期"  # valid-to of a card without expiry
PAD = " "

# (field, byte length) in reader order; the lengths are fixed by the card's data layout.
LAYOUT: tuple[tuple[str, int], ...] = (
    ("name", 30),
    ("gender", 2),
    ("ethnicity", 4),
    ("birth_date", 16),
    ("address", 70),
    ("id_number", 36),
    ("authority", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("reserved", 36),
)
assert sum(size for _, size in LAYOUT) == TEXT_BLOCK_SIZE

FIELD_LABELS = {
    "name": ("姓名", "name"),
    "gender": ("性别", "gender"),
    "ethnicity": ("民族", "ethnicity"),
    "birth_date": ("出生日期", "birth date"),
    "address": ("住址", "address"),
    "id_number": ("公民身份号码", "ID number"),
    "authority": ("签发机关", "issuing authority"),
    "valid_from": ("有效期起始日期", "valid-from date"),
    "valid_to": ("有效期截止日期", "valid-to date"),
    "reserved": ("备用", "reserved"),
}
CARD_GENDERS = {"1": "男", "2": "女"}  # GB/T 2261.1 codes an ID card carries


class CardError(StationError):
    """The card's data cannot be used: ``code`` names the problem (``length``, ``expired`` …)."""

    exit_code = 1

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh, message_en)
        self.code = code


class CardExpired(CardError):
    """The card is past its valid-to date; ``card`` holds what it says (for display only)."""

    def __init__(self, card: CardData) -> None:
        assert card.valid_to is not None
        when = card.valid_to.isoformat()
        super().__init__(
            "expired",
            f"身份证已过有效期（{when}），请使用有效证件",
            f"the ID card expired on {when}; use a valid document",
        )
        self.card = card


@dataclass(frozen=True, slots=True, repr=False)
class CardData:
    """What one ID card says, checked. ``valid_to`` is None for a 长期 (no expiry) card."""

    name: str
    gender: str  # GB/T 2261.1: "1" 男, "2" 女
    ethnicity_code: str  # GB/T 3304, two digits
    ethnicity: str  # its name from the shipped code table
    birth_date: dt.date
    address: str
    id_number: str
    authority: str
    valid_from: dt.date
    valid_to: dt.date | None
    photo: bytes = b""  # WLT, 1024 bytes, opaque

    @property
    def gender_name(self) -> str:
        return CARD_GENDERS.get(self.gender, self.gender)

    @property
    def long_term(self) -> bool:
        return self.valid_to is None

    @property
    def document_type(self) -> DocumentType:
        return idnumber.document_type_of(self.id_number)

    def __repr__(self) -> str:
        # Logs must not collect ID numbers and addresses: show the masked number only.
        return (
            f"CardData(name={self.name!r}, id_number={idnumber.mask(self.id_number)!r}, "
            f"valid_to={self.valid_to}, photo={len(self.photo)} bytes)"
        )


def parse_text_block(
    block: bytes,
    *,
    photo: bytes = b"",
    today: dt.date | None = None,
    check_expiry: bool = True,
) -> CardData:
    """Decode and check a 256-byte text block; raise :class:`CardError` naming the first problem.

    ``today`` decides expiry (and the ID number's "birth date not in the future" rule);
    ``check_expiry=False`` returns an expired card instead of raising :class:`CardExpired`.
    """
    today = today or dt.date.today()
    if len(block) != TEXT_BLOCK_SIZE:
        raise CardError(
            "length",
            f"身份证文字信息应为 {TEXT_BLOCK_SIZE} 字节，读到 {len(block)} 字节，请重新读卡",
            f"the ID card text block has {len(block)} bytes, not {TEXT_BLOCK_SIZE}; read again",
        )
    raw = _split(block)
    if not raw["name"]:
        raise CardError(
            "name", "身份证中的姓名为空，请重新读卡", "the card's name is empty; read again"
        )

    try:
        parsed_id = idnumber.parse(raw["id_number"], today=today)
    except IdNumberError as e:
        raise CardError(
            "id_number",
            f"身份证中的公民身份号码无效：{e.message_zh}",
            f"the ID number on the card is invalid: {e.message_en}",
        ) from None

    gender = raw["gender"]
    if gender not in CARD_GENDERS:
        raise CardError(
            "gender",
            f"身份证中的性别代码“{gender}”不是 1（男）或 2（女）",
            f"the card's gender code {gender!r} is neither 1 (male) nor 2 (female)",
        )
    if parsed_id.gender is not None and gender != parsed_id.gender:
        raise CardError(
            "gender_mismatch",
            "身份证中的性别与公民身份号码不一致，请人工核验证件",
            "the card's gender disagrees with its ID number; check the document by hand",
        )

    ethnicity_code = raw["ethnicity"]
    ethnicity = codes.ethnicities().name_of(ethnicity_code)
    if ethnicity is None:
        raise CardError(
            "ethnicity",
            f"身份证中的民族代码“{ethnicity_code}”不在 GB/T 3304 代码表中",
            f"the card's ethnicity code {ethnicity_code!r} is not a GB/T 3304 code",
        )

    birth = _date(raw["birth_date"], "birth_date")
    if birth != parsed_id.birth_date:
        raise CardError(
            "birth_mismatch",
            "身份证中的出生日期与公民身份号码不一致，请人工核验证件",
            "the card's birth date disagrees with its ID number; check the document by hand",
        )

    valid_from = _date(raw["valid_from"], "valid_from")
    valid_to = None if raw["valid_to"] == LONG_TERM else _date(raw["valid_to"], "valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise CardError(
            "validity",
            "身份证有效期截止日期早于起始日期，请人工核验证件",
            "the card's valid-to date precedes its valid-from date; check the document by hand",
        )

    card = CardData(
        name=raw["name"],
        gender=gender,
        ethnicity_code=ethnicity_code,
        ethnicity=ethnicity,
        birth_date=birth,
        address=raw["address"],
        id_number=parsed_id.number,
        authority=raw["authority"],
        valid_from=valid_from,
        valid_to=valid_to,
        photo=bytes(photo),
    )
    if check_expiry:
        check_validity(card, today)
    return card


def check_validity(card: CardData, today: dt.date) -> None:
    """Raise :class:`CardExpired` when the card is past its valid-to date (that day still counts)."""
    if card.valid_to is not None and card.valid_to < today:
        raise CardExpired(card)


def encode_text_block(
    *,
    name: str,
    gender: str,
    ethnicity_code: str,
    birth_date: dt.date | str,
    address: str,
    id_number: str,
    authority: str,
    valid_from: dt.date | str,
    valid_to: dt.date | str | None,
    reserved: str = "",
) -> bytes:
    """The 256-byte block a reader would send for these fields (tests, demo, simulator).

    Dates may be given as text so tests can build malformed blocks; ``valid_to=None`` is 长期.
    Raises ValueError for a field that does not fit or a character UCS-2 cannot carry.
    """
    values = {
        "name": name,
        "gender": gender,
        "ethnicity": ethnicity_code,
        "birth_date": _date_text(birth_date),
        "address": address,
        "id_number": id_number,
        "authority": authority,
        "valid_from": _date_text(valid_from),
        "valid_to": LONG_TERM if valid_to is None else _date_text(valid_to),
        "reserved": reserved,
    }
    out = bytearray()
    for key, size in LAYOUT:
        text = values[key]
        if any(ord(ch) > 0xFFFF for ch in text):
            raise ValueError(f"{key}: UCS-2 cannot carry characters outside the BMP: {text!r}")
        data = text.encode("utf-16-le")
        if len(data) > size:
            raise ValueError(f"{key}: {len(data)} bytes do not fit the {size}-byte field")
        out += data + (PAD * ((size - len(data)) // 2)).encode("utf-16-le")
    return bytes(out)


def encode_card(card: CardData) -> bytes:
    """The text block of ``card`` (its photo travels separately)."""
    values = {f.name: getattr(card, f.name) for f in fields(card)}
    values.pop("photo")
    values.pop("ethnicity")  # the block carries the code only
    return encode_text_block(**values)


def _split(block: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    offset = 0
    for key, size in LAYOUT:
        chunk = block[offset : offset + size]
        offset += size
        try:
            text = chunk.decode("utf-16-le")
        except UnicodeDecodeError:
            zh, en = FIELD_LABELS[key]
            raise CardError(
                "undecodable",
                f"身份证文字信息的“{zh}”一项无法解码，请重新读卡",
                f"the {en} field of the card's text block cannot be decoded; read again",
            ) from None
        # Readers pad with spaces; some leave NULs. Only the padding goes: inner text stays.
        out[key] = text.rstrip(" \x00")
    return out


def _date(text: str, key: str) -> dt.date:
    try:
        if len(text) != 8 or not text.isascii() or not text.isdigit():
            raise ValueError(text)
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        zh, en = FIELD_LABELS[key]
        raise CardError(
            key,
            f"身份证中的{zh}“{text}”不是有效日期，请人工核验证件",
            f"the card's {en} {text!r} is not a real date; check the document by hand",
        ) from None


def _date_text(value: dt.date | str) -> str:
    return value.strftime("%Y%m%d") if isinstance(value, dt.date) else value
