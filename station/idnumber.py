"""Identity document numbers built on GB 11643 (公民身份号码).

Three documents share the 18-character layout ``AAAAAA YYYYMMDD SSS C``:

* resident ID (居民身份证): address code (GB/T 2260) + birth date + sequence
  (odd = male) + ISO 7064 MOD 11-2 check character;
* residence permit for Hong Kong / Macau / Taiwan residents (港澳台居民居住证): the same, with
  the address code 810000 / 820000 / 830000;
* foreigners' permanent residence ID, 2023 edition (外国人永久居留身份证): a leading ``9``,
  province of issue, numeric nationality code, birth date, sequence and the same check
  character (National Immigration Administration, 新版永居证机读信息规则, 2023).

Parsing normalises what operators and readers produce (surrounding space, full-width
digits, lower-case ``x``) and never guesses beyond that.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # index: weighted sum mod 11
HMT_PREFIXES = {"810000": "香港", "820000": "澳门", "830000": "台湾"}
EARLIEST_BIRTH = dt.date(1900, 1, 1)


class DocumentType(StrEnum):
    """证件类型."""

    RESIDENT_ID = "resident_id"  # 居民身份证
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit"  # 港澳台居民居住证
    FOREIGN_PERMANENT_RESIDENCE = "foreign_permanent_residence"  # 外国人永久居留身份证

    @property
    def label_zh(self) -> str:
        return DOCUMENT_TYPE_LABELS[self]


DOCUMENT_TYPE_LABELS = {
    DocumentType.RESIDENT_ID: "居民身份证",
    DocumentType.HMT_RESIDENCE_PERMIT: "港澳台居民居住证",
    DocumentType.FOREIGN_PERMANENT_RESIDENCE: "外国人永久居留身份证",
}


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A parsed, checked ID number."""

    number: str
    document_type: DocumentType
    birth_date: dt.date
    # GB/T 2261.1 code derived from the sequence; None where the layout does not carry it.
    gender: str | None

    @property
    def address_code(self) -> str:
        return self.number[:6]


class IdNumberError(ValueError):
    """Why a string is not a valid ID number: ``code`` plus Chinese and English text."""

    def __init__(self, code: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en


def normalise(raw: str) -> str:
    """Trim, fold full-width characters (NFKC) and upper-case the check character."""
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
    return text.upper()


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def document_type_of(number: str) -> DocumentType:
    if number.startswith("9"):
        return DocumentType.FOREIGN_PERMANENT_RESIDENCE
    if number[:6] in HMT_PREFIXES:
        return DocumentType.HMT_RESIDENCE_PERMIT
    return DocumentType.RESIDENT_ID


def parse(raw: str, today: dt.date | None = None) -> IdNumber:
    """Parse and check an ID number; raise :class:`IdNumberError` naming the first problem."""
    today = today or dt.date.today()
    number = normalise(raw)
    if not number:
        raise IdNumberError("empty", "证件号码不能为空", "the ID number is empty")
    if len(number) == 15 and number.isdigit():
        raise IdNumberError(
            "legacy_15",
            "15 位旧身份证号码已停止使用，请使用 18 位号码（见身份证或户口簿）",
            "15-digit ID numbers were withdrawn; use the 18-digit number",
        )
    if len(number) != 18:
        raise IdNumberError(
            "length",
            f"证件号码应为 18 位，现为 {len(number)} 位",
            f"an ID number has 18 characters, this one has {len(number)}",
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError(
            "characters",
            "证件号码前 17 位须为数字，最后一位为数字或 X",
            "the first 17 characters must be digits, the last a digit or X",
        )
    doc_type = document_type_of(number)
    # Resident IDs carry a mainland province; so does the permanent residence ID, in
    # digits 2-3 (its province of issue). Hong Kong, Macau and Taiwan appear only as the
    # whole prefixes 810000/820000/830000 of a residence permit.
    province = number[1:3] if doc_type is DocumentType.FOREIGN_PERMANENT_RESIDENCE else number[:2]
    if doc_type is not DocumentType.HMT_RESIDENCE_PERMIT and province not in _mainland_provinces():
        raise IdNumberError(
            "address_code",
            f"证件号码中的 {province} 不是内地省级行政区划代码",
            f"{province} is not a mainland province code (GB/T 2260)",
        )
    birth = _birth_date(number[6:14])
    if birth > today:
        raise IdNumberError(
            "birth_future", "证件号码中的出生日期晚于今天", "the birth date lies in the future"
        )
    if birth < EARLIEST_BIRTH:
        raise IdNumberError(
            "birth_too_early",
            "证件号码中的出生日期早于 1900 年",
            "the birth date is before 1900",
        )
    expected = check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError(
            "check_digit",
            "证件号码校验位不正确，请逐位核对",
            f"the check character should be {expected}, not {number[17]}: a digit is wrong",
        )
    gender = None
    if doc_type is not DocumentType.FOREIGN_PERMANENT_RESIDENCE:
        gender = "1" if int(number[16]) % 2 == 1 else "2"
    return IdNumber(number, doc_type, birth, gender)


@cache  # the code table is read once (station.codes): so is this (a roster asks per row)
def _mainland_provinces() -> frozenset[str]:
    from station.codes import provinces  # local: keeps `import station.idnumber` light

    return frozenset({code[:2] for code, _ in provinces().items()} - {"71", "81", "82"})


def _birth_date(text: str) -> dt.date:
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise IdNumberError(
            "birth_date",
            f"证件号码中的出生日期 {text} 不是真实日期",
            f"{text} in the ID number is not a real date",
        ) from None


def make(address_code: str, birth: dt.date, sequence: int) -> str:
    """Build a valid number (synthetic data, tests). ``sequence`` 0–999; odd = male."""
    first17 = f"{address_code}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def mask(number: str, keep: int = 4) -> str:
    """``410105200801011234`` → ``**************1234`` (queues show only the tail)."""
    return "*" * max(len(number) - keep, 0) + number[-keep:]
