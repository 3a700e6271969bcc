"""Validation of a candidate record (考生报名信息) as plain functions.

Every check returns :class:`Issue` values (field, code, Chinese and English message); nothing
raises for bad data. :func:`validate_candidate` normalises a whole record from raw text
(what an operator typed, a roster cell, a card reader) and cross-checks its fields.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from station import codes, fields, idnumber
from station.fields import GUARDIAN_RELATIONS, MAX_LENGTH, NAME_MAX, Category
from station.idnumber import DocumentType

# Household registration of residence-permit holders: GB/T 2260 has 710000 for Taiwan, the
# permits use 830000; both are accepted.
HMT_HOUSEHOLD = {"810000", "820000", "710000", "830000"}
RECORD_FIELDS = fields.NAMES


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation finding. ``severity`` is ``error`` (blocks saving) or ``warning``."""

    field: str
    code: str
    message_zh: str
    message_en: str
    severity: str = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def label_zh(self) -> str:
        return fields.label_zh(self.field)


@dataclass(frozen=True, slots=True)
class AgeRule:
    minimum: int
    maximum: int


DEFAULT_AGE_RULES: dict[str, AgeRule] = {
    Category.FRESH: AgeRule(12, 18),
    Category.PREVIOUS: AgeRule(13, 22),
    Category.SOCIAL: AgeRule(14, 60),
}


@dataclass(frozen=True, slots=True)
class Policy:
    """What a province or year configures: plausible ages and the date ages are taken at."""

    age_rules: Mapping[str, AgeRule] = field(default_factory=lambda: dict(DEFAULT_AGE_RULES))
    age_reference_date: dt.date | None = None  # default: 1 June of the coming exam
    today: dt.date | None = None

    def reference_date(self, today: dt.date | None = None) -> dt.date:
        """``today``: the date a caller took already (``self.today`` comes first)."""
        if self.age_reference_date:
            return self.age_reference_date
        today = self.today or today or dt.date.today()
        # Collection runs from autumn to spring for the exam in June.
        year = today.year + 1 if today.month >= 7 else today.year
        return dt.date(year, 6, 1)


# --- text normalisation -------------------------------------------------------------------

_MIDDLE_DOTS = "\u00b7\u2022\u2027\u30fb\u318d\uff65\u2219\u22c5\u0387"  # all "·" look-alikes


def normalise_text(raw: Any) -> str:
    """Trim, fold runs of white space, turn full-width digits and letters into half-width.

    Only those: full-width punctuation (，：（）) is how Chinese is written and stays, and
    NFKC over everything would also rewrite CJK compatibility ideographs, which are real
    characters of real names.
    """
    if raw is None:
        return ""
    text = raw if type(raw) is str else str(raw)
    # str.translate looks every character up: only text holding one of the table's is given
    # to it (ASCII is none of them, and the search runs at C speed, ten times as fast).
    if not text.isascii() and _FULL_WIDTH_RE.search(text):
        text = text.translate(_FULL_WIDTH_ALNUM)
    # str.split() splits at what str.isspace() calls white space, as re's \s matches it: the
    # same as folding every run of \s+ to one space and trimming, at a third of the cost.
    return " ".join(text.split())


_FULL_WIDTH_ALNUM = {
    cp: cp - 0xFEE0
    for lo, hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for cp in range(lo, hi + 1)
} | {0x3000: 0x20}
_FULL_WIDTH_RE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000]")


_TO_MIDDLE_DOT = str.maketrans(dict.fromkeys(_MIDDLE_DOTS, "·"))
_OTHER_DOT_RE = re.compile("[" + re.escape(_MIDDLE_DOTS.replace("·", "")) + "]")


def normalise_name(raw: Any) -> str:
    text = normalise_text(raw)
    if not text.isascii() and _OTHER_DOT_RE.search(text):  # no look-alike is ASCII
        text = text.translate(_TO_MIDDLE_DOT)
    bare = text.replace(" ", "")
    return bare if _is_all_han_or_dot(bare) else text


# --- character classes --------------------------------------------------------------------

_HAN_RANGES = (
    (0x3007, 0x3007),  # 〇, used in names
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # URO
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0x20000, 0x2A6DF),  # B
    (0x2A700, 0x2B73F),  # C
    (0x2B740, 0x2B81F),  # D
    (0x2B820, 0x2CEAF),  # E
    (0x2CEB0, 0x2EBEF),  # F
    (0x2EBF0, 0x2EE5F),  # I
    (0x2F800, 0x2FA1F),  # compatibility supplement
    (0x30000, 0x3134F),  # G
    (0x31350, 0x323AF),  # H
)


# The same ranges as one character class: a whole name is checked at C speed.
_HAN_OR_DOT_RE = re.compile(
    "[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in _HAN_RANGES) + "·]+"
)


def is_han(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _HAN_RANGES)


def _is_all_han_or_dot(text: str) -> bool:
    return _HAN_OR_DOT_RE.fullmatch(text) is not None


def gb18030_encodable(text: str) -> bool:
    if text.isascii():
        return True  # GB 18030 holds all of ASCII
    try:
        text.encode("gb18030")
    except UnicodeEncodeError:
        return False
    return True


# --- single-field checks ------------------------------------------------------------------

_LATIN_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z .,'\-·]*$")


def check_name(value: str, fld: str = "name", allow_latin: bool = False) -> list[Issue]:
    """A person's name: Han characters (any plane) and the middle dot ``·`` between parts."""
    if not value:
        return [_issue(fld, "required", "不能为空", "is required")]
    if not gb18030_encodable(value):
        return [
            _issue(
                fld, "not_gb18030", "含有无法用 GB 18030 表示的字符", "not encodable in GB 18030"
            )
        ]
    if len(value) > NAME_MAX:
        return [_issue(fld, "too_long", f"不能超过 {NAME_MAX} 个字", f"longer than {NAME_MAX}")]
    if _is_all_han_or_dot(value):
        if value.startswith("·") or value.endswith("·") or "··" in value:
            return [
                _issue(fld, "dot_position", "间隔号“·”只能位于两个字之间", "'·' only between parts")
            ]
        if len(value.replace("·", "")) < 2:
            return [_issue(fld, "too_short", "至少两个汉字", "at least two characters")]
        return []
    if allow_latin and _LATIN_NAME_RE.match(value):
        return []
    bad = next((c for c in value if not (is_han(c) or c == "·")), "")
    if bad.isdigit():
        return [_issue(fld, "digit", f"不能含有数字“{bad}”", f"contains the digit {bad!r}")]
    if bad.isascii() and bad.isalpha():
        return [
            _issue(
                fld,
                "latin",
                f"不能含有字母“{bad}”（仅外国人永久居留身份证可用外文姓名）",
                f"contains the letter {bad!r}; Latin names only with a foreign permanent residence ID",
            )
        ]
    return [_issue(fld, "character", f"含有不允许的字符“{bad}”", f"contains the character {bad!r}")]


_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalise_phone(raw: Any) -> str:
    # Phone numbers have no punctuation worth keeping: fold all of it (＋８６－…).
    text = unicodedata.normalize("NFKC", normalise_text(raw)).replace(" ", "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    digits_only = text.replace("-", "")
    return digits_only if _MOBILE_RE.match(digits_only) else text


def check_mobile(
    value: str, fld: str, required: bool = True, landline_ok: bool = False
) -> list[Issue]:
    if not value:
        return [_issue(fld, "required", "不能为空", "is required")] if required else []
    if _MOBILE_RE.match(value):
        return []
    if landline_ok and _LANDLINE_RE.match(value):
        return []
    return [
        _issue(
            fld,
            "phone_format",
            "应为 11 位大陆手机号码（1 开头）" + ("或带区号的固定电话" if landline_ok else ""),
            "must be an 11-digit mainland mobile number"
            + (" or a landline" if landline_ok else ""),
        )
    ]


def check_code(value: str, fld: str, table: codes.CodeTable) -> list[Issue]:
    if not value:
        return [_issue(fld, "required", "不能为空", "is required")]
    if value not in table:
        return [
            _issue(fld, "unknown_code", f"“{value}”不在代码表中", f"{value!r} is not a known code")
        ]
    return []


_SIX_DIGITS = re.compile(r"\d{6}")


def check_division(value: str, fld: str = "household_division") -> list[Issue]:
    """A GB/T 2260 code in use today, at the smallest level there is (a county, or a
    prefecture-level city with no county under it). A code that was abolished is refused with
    the codes that took over: an ID number may still carry it, a 户籍所在地 may not."""
    if not value:
        return [_issue(fld, "required", "不能为空", "is required")]
    if not _SIX_DIGITS.fullmatch(value):
        return [
            _issue(
                fld, "division_format", "应为 6 位行政区划代码", "must be a 6-digit division code"
            )
        ]
    division = codes.divisions().get(value)
    if division is not None:
        if not codes.is_smallest_unit(division):
            return [
                _issue(
                    fld, "division_level", "请选择到县（区）一级", "choose a county-level division"
                )
            ]
        return []
    former = codes.former_divisions().get(value)
    if former:
        last = former[-1]
        # Suggest only what the field accepts: a successor that is a whole prefecture is
        # named as where to look, not as a code to take.
        table = codes.divisions()
        current = codes.current_successors(value)
        units = [c for c in current if codes.is_smallest_unit(table[c])]
        areas = [c for c in current if c not in units]
        names = "、".join(f"{c} {codes.division_full_name(c) or ''}".strip() for c in units)
        within = "、".join(codes.division_full_name(c) or c for c in areas)
        advice = (
            f"：{names}"
            if units
            else (f"：在{within}下选择所属县区" if areas else "（请按户口簿填写）")
        )
        then = f"{last.full_name}，{last.start}–{last.end} 年使用"
        return [
            _issue(
                fld,
                "division_abolished",
                f"“{value}”是已停用的旧代码（{then}），请选择现行代码{advice}",
                f"{value} was abolished in {last.end}; choose a current code"
                + (f" ({', '.join(units or areas)})" if current else ""),
            )
        ]
    return [
        _issue(fld, "unknown_code", f"“{value}”不是有效的行政区划代码", f"{value!r} is unknown")
    ]


def check_id_address(parsed: idnumber.IdNumber) -> list[Issue]:
    """The first six digits of a resident ID number: a division code in use now or at any
    time since 1981 (the number keeps the code of where and when it was first issued).
    Unknown is a warning, not an error: the check digit already caught a mistyped digit, so
    the number is most likely real and the code older or finer than the shipped tables."""
    if parsed.document_type is not idnumber.DocumentType.RESIDENT_ID:
        return []
    prefix = parsed.number[:6]
    if codes.known_ever(prefix):
        return []
    return [
        _issue(
            "id_number",
            "id_address_unknown",
            f"证件号码前 6 位 {prefix} 不在 1981 年以来的行政区划代码中，请与证件逐位核对",
            f"the first six digits {prefix} are no division code since 1981: check the card",
            severity="warning",
        )
    ]


# Field.pattern() builds its expression on every call; a field's pattern never changes, so it is
# kept here, with the field it was made from (a field replaced in the registry is made anew).
_PATTERNS: dict[str, tuple[fields.Field, re.Pattern[str] | None]] = {}


def _pattern_of(field: fields.Field) -> re.Pattern[str] | None:
    made = _PATTERNS.get(field.name)
    if made is None or made[0] is not field:
        made = _PATTERNS[field.name] = (field, field.pattern())
    return made[1]


def check_pattern(name: str, value: str) -> list[Issue]:
    """A coded text (school code, student number) against its registry pattern; empty passes
    (whether it is required depends on the record)."""
    if not value:
        return []
    field = fields.BY_NAME[name]
    pattern = _pattern_of(field)
    if pattern is None or pattern.fullmatch(value):
        return []
    limit = field.max_length
    if limit is not None and len(value) > limit:
        return [
            _issue(name, "too_long", f"不能超过 {limit} 个字", f"longer than {limit} characters")
        ]
    zh, en = field.form_text()
    return [_issue(name, "format", zh, en)]


def check_age(
    birth: dt.date, category: str, policy: Policy, ref: dt.date | None = None
) -> list[Issue]:
    """``ref``: ``policy.reference_date()``, when the caller has it already."""
    rule = policy.age_rules.get(category)
    if rule is None:
        return []
    ref = ref or policy.reference_date()
    age = ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))
    if rule.minimum <= age <= rule.maximum:
        return []
    label = Category(category).label_zh
    return [
        _issue(
            "birth_date",
            "age_implausible",
            f"{label}考生在 {ref:%Y-%m-%d} 应为 {rule.minimum}–{rule.maximum} 岁，此记录为 {age} 岁",
            f"a {category} candidate should be {rule.minimum}-{rule.maximum} on {ref}, not {age}",
        )
    ]


def age_on(birth: dt.date, ref: dt.date) -> int:
    return ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))


# --- whole record -------------------------------------------------------------------------


@dataclass(slots=True)
class CandidateData:
    """A normalised candidate record: the fields of the paper form, nothing of the lifecycle."""

    name: str = ""
    document_type: str = DocumentType.RESIDENT_ID.value
    id_number: str = ""
    gender: str = ""
    birth_date: dt.date | None = None
    ethnicity: str = ""
    political_status: str = ""
    household_division: str = ""
    category: str = ""
    school_code: str = ""
    school_name: str = ""
    student_number: str = ""
    home_address: str = ""
    phone: str = ""
    guardian_name: str = ""
    guardian_relation: str = ""
    guardian_phone: str = ""
    allocation_applied: bool = False
    allocation_basis: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(RECORD_FIELDS, _RECORD_VALUES(self), strict=True))


_RECORD_VALUES = operator.attrgetter(*RECORD_FIELDS)


@dataclass(slots=True)
class Result:
    data: CandidateData
    issues: list[Issue]

    @property
    def ok(self) -> bool:
        return not any(i.is_error for i in self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    def for_field(self, name: str) -> list[Issue]:
        return [i for i in self.issues if i.field == name]


#: Codes a candidate can hold only from an age on (field → code → minimum age): the Party's
#: constitution admits members and probationary members from 18, the Youth League's from 14.
#: A code below its age is shown to the operator as a warning to check, never changed.
CODE_MIN_AGE: dict[str, dict[str, int]] = {
    "political_status": {"01": 18, "02": 18, "03": 14},
}


def _age_of_code(d: CandidateData, policy: Policy, today: dt.date | None = None) -> list[Issue]:
    if d.birth_date is None:
        return []
    age: int | None = None
    found = []
    for name, minimum in CODE_MIN_AGE.items():
        code = getattr(d, name)
        if code not in minimum:
            continue
        if age is None:
            age = age_on(d.birth_date, today or policy.today or dt.date.today())
        if age < minimum[code]:
            table = codes.political_statuses() if name == "political_status" else None
            words = table.name_of(code) if table is not None else code
            found.append(
                _issue(
                    name,
                    "too_young",
                    f"“{words}”须年满 {minimum[code]} 岁，考生现年 {age} 岁：请核对",
                    f"“{words}” needs age {minimum[code]}; the candidate is {age}: please check",
                    severity="warning",
                )
            )
    return found


def _issue(fld: str, code: str, zh: str, en: str, severity: str = "error") -> Issue:
    return Issue(fld, code, zh, en, severity)


_TRUE = {"1", "true", "yes", "y", "是", "申请", "√", "t"}
_FALSE = {"", "0", "false", "no", "n", "否", "不申请", "f"}


def _parse_bool(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    text = normalise_text(raw).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _parse_date(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = normalise_text(raw)
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _resolve(table: codes.CodeTable, raw: Any) -> str:
    text = normalise_text(raw)
    return table.resolve(text) or text


def _category_labels() -> dict[str, str]:
    out = {c.value: c.label_zh for c in Category}
    return out


@dataclass(frozen=True, slots=True)
class _EnumWords:
    """A code from its value or its Chinese label, with the look-ups made once: the enums and
    their labels are constants."""

    values: frozenset[str]
    by_label: Mapping[str, str]

    @classmethod
    def of(cls, enum: type[StrEnum], labels: Mapping[str, str]) -> _EnumWords:
        return cls(frozenset(e.value for e in enum), {v: k for k, v in labels.items()})

    def resolve(self, raw: Any) -> str:
        text = normalise_text(raw)
        if text in self.values:
            return text
        return self.by_label.get(text, text)


_DOCUMENT_TYPES = _EnumWords.of(
    DocumentType, {k.value: v for k, v in idnumber.DOCUMENT_TYPE_LABELS.items()}
)
_CATEGORIES = _EnumWords.of(Category, _category_labels())
_RESIDENT_ID = DocumentType.RESIDENT_ID.value


def validate_candidate(raw: Mapping[str, Any], policy: Policy | None = None) -> Result:
    """Normalise and check a whole record. Unknown keys are ignored; missing ones are empty."""
    policy = policy or Policy()
    today = policy.today or dt.date.today()
    # The reference date, taken once (it depends on nothing but the policy and today).
    ref = policy.reference_date(today)
    issues: list[Issue] = []
    d = CandidateData()

    d.document_type = _DOCUMENT_TYPES.resolve(raw.get("document_type") or _RESIDENT_ID)
    try:
        doc_type: DocumentType | None = DocumentType(d.document_type)
    except ValueError:
        doc_type = None
        issues.append(
            _issue("document_type", "unknown_code", "未知的证件类型", "unknown document type")
        )

    d.name = normalise_name(raw.get("name"))
    issues += check_name(d.name, allow_latin=doc_type is DocumentType.FOREIGN_PERMANENT_RESIDENCE)

    # ID number first: birth date and gender derive from it.
    d.id_number = idnumber.normalise(str(raw.get("id_number") or ""))
    parsed: idnumber.IdNumber | None = None
    try:
        parsed = idnumber.parse(d.id_number, today=today)
    except idnumber.IdNumberError as exc:
        issues.append(_issue("id_number", exc.code, exc.message_zh, exc.message_en))
    if parsed:
        issues += check_id_address(parsed)
    if parsed and doc_type and parsed.document_type is not doc_type:
        issues.append(
            _issue(
                "id_number",
                "document_type_mismatch",
                f"号码格式属于“{parsed.document_type.label_zh}”，与所选证件类型“{doc_type.label_zh}”不符",
                f"the number is a {parsed.document_type.value}, not a {doc_type.value}",
            )
        )

    gender_raw = normalise_text(raw.get("gender"))
    d.gender = codes.genders().resolve(gender_raw) or gender_raw
    if not d.gender and parsed and parsed.gender:
        d.gender = parsed.gender
    if d.gender not in ("1", "2"):
        issues.append(
            _issue(
                "gender",
                "required" if not d.gender else "unknown_code",
                "请选择男或女",
                "choose male or female",
            )
        )
    elif parsed and parsed.gender and parsed.gender != d.gender:
        issues.append(
            _issue(
                "gender",
                "id_mismatch",
                "与证件号码第 17 位不符（奇数为男，偶数为女）",
                "does not match the ID number's 17th digit (odd male, even female)",
            )
        )

    birth_raw = raw.get("birth_date")
    d.birth_date = _parse_date(birth_raw)
    if d.birth_date is None and normalise_text(birth_raw):
        issues.append(
            _issue("birth_date", "date_format", "日期格式应为 YYYY-MM-DD", "use YYYY-MM-DD")
        )
    elif d.birth_date is None and parsed:
        d.birth_date = parsed.birth_date
    if d.birth_date is None and not normalise_text(birth_raw) and not parsed:
        issues.append(_issue("birth_date", "required", "不能为空", "is required"))
    elif d.birth_date and parsed and d.birth_date != parsed.birth_date:
        issues.append(
            _issue(
                "birth_date",
                "id_mismatch",
                f"与证件号码中的出生日期 {parsed.birth_date:%Y-%m-%d} 不符",
                f"does not match the ID number's birth date {parsed.birth_date}",
            )
        )
    elif d.birth_date and d.birth_date > today:
        issues.append(_issue("birth_date", "future", "不能晚于今天", "lies in the future"))

    d.ethnicity = _resolve(codes.ethnicities(), raw.get("ethnicity"))
    issues += check_code(d.ethnicity, "ethnicity", codes.ethnicities())
    d.political_status = _resolve(codes.political_statuses(), raw.get("political_status"))
    issues += check_code(d.political_status, "political_status", codes.political_statuses())

    d.household_division = normalise_text(raw.get("household_division"))
    if doc_type is DocumentType.HMT_RESIDENCE_PERMIT and d.household_division in HMT_HOUSEHOLD:
        pass  # 户籍 in Hong Kong, Macau or Taiwan: no county below it to name
    elif doc_type is DocumentType.FOREIGN_PERMANENT_RESIDENCE and not d.household_division:
        pass  # a foreigner has no 户籍
    else:
        issues += check_division(d.household_division)

    d.category = _CATEGORIES.resolve(raw.get("category"))
    category: Category | None
    try:
        category = Category(d.category)
    except ValueError:
        category = None
        issues.append(
            _issue(
                "category",
                "required" if not d.category else "unknown_code",
                "请选择应届、往届或社会",
                "choose fresh, previous or social",
            )
        )
    if category and d.birth_date and not any(i.field == "birth_date" for i in issues):
        issues += check_age(d.birth_date, category, policy, ref)

    d.school_code = normalise_text(raw.get("school_code"))
    d.school_name = normalise_text(raw.get("school_name"))
    if category in (Category.FRESH, Category.PREVIOUS):
        if not d.school_name:
            issues.append(
                _issue(
                    "school_name",
                    "required",
                    "应届、往届考生须填写毕业学校",
                    "required for fresh and previous candidates",
                )
            )
        if not d.school_code:
            issues.append(
                _issue(
                    "school_code",
                    "required",
                    "应届、往届考生须填写学校代码",
                    "required for fresh and previous candidates",
                )
            )
    issues += check_pattern("school_code", d.school_code)

    d.student_number = normalise_text(raw.get("student_number")).upper().replace(" ", "")
    if category is Category.FRESH and not d.student_number:
        issues.append(
            _issue(
                "student_number",
                "required",
                "应届考生须填写学籍号",
                "required for fresh candidates",
            )
        )
    if d.student_number:
        if bad_form := check_pattern("student_number", d.student_number):
            issues += bad_form
        elif d.student_number.startswith("G") and parsed and d.student_number[1:] != parsed.number:
            issues.append(
                _issue(
                    "student_number",
                    "id_mismatch",
                    "以 G 开头的全国学籍号应为 G + 本人证件号码",
                    "a G-number must be G followed by the candidate's own ID number",
                    severity="warning",
                )
            )

    d.home_address = normalise_text(raw.get("home_address"))
    if not d.home_address:
        issues.append(_issue("home_address", "required", "不能为空", "is required"))

    d.phone = normalise_phone(raw.get("phone"))
    issues += check_mobile(d.phone, "phone")

    issues += _age_of_code(d, policy, today)

    d.guardian_name = normalise_name(raw.get("guardian_name"))
    d.guardian_relation = normalise_text(raw.get("guardian_relation"))
    d.guardian_phone = normalise_phone(raw.get("guardian_phone"))
    minor = d.birth_date is not None and age_on(d.birth_date, ref) < 18
    guardian_given = any((d.guardian_name, d.guardian_relation, d.guardian_phone))
    if minor or guardian_given:
        if minor and not d.guardian_name:
            issues.append(
                _issue("guardian_name", "required", "未成年考生须填写监护人", "required for minors")
            )
        elif d.guardian_name:
            issues += check_name(d.guardian_name, "guardian_name", allow_latin=True)
        if not d.guardian_relation:
            issues.append(_issue("guardian_relation", "required", "不能为空", "is required"))
        elif d.guardian_relation not in GUARDIAN_RELATIONS:
            issues.append(
                _issue(
                    "guardian_relation",
                    "unknown_code",
                    "请从列表中选择",
                    "choose one of the listed relations",
                )
            )
        issues += check_mobile(d.guardian_phone, "guardian_phone", landline_ok=True)

    applied = _parse_bool(raw.get("allocation_applied"))
    if applied is None:
        issues.append(_issue("allocation_applied", "format", "应为“是”或“否”", "must be yes or no"))
        applied = False
    d.allocation_applied = applied
    d.allocation_basis = normalise_text(raw.get("allocation_basis"))
    if applied and category is not None and category is not Category.FRESH:
        issues.append(
            _issue(
                "allocation_applied",
                "not_fresh",
                "只有应届考生可以申请分配生资格",
                "only fresh candidates may apply for an allocation place",
            )
        )
    if applied and not d.allocation_basis:
        issues.append(
            _issue(
                "allocation_basis",
                "required",
                "申请分配生须填写依据",
                "the basis is required when applying",
            )
        )
    issues += _too_long(d, issues)
    return Result(d, issues)


def _too_long(d: CandidateData, issues: list[Issue]) -> list[Issue]:
    # Free text only: an ID number, a phone or a code is judged by its own form, which
    # already says when it is too long. The limits and kinds are read from the registry on
    # every call (a changed limit reaches validation at once); the length is looked at first,
    # so a record within every limit costs one comparison a field.
    already: set[str] | None = None  # made only when something is too long
    out = []
    for name, limit in MAX_LENGTH.items():
        value = getattr(d, name)
        if not isinstance(value, str) or len(value) <= limit:
            continue
        if fields.BY_NAME[name].kind is not fields.Kind.TEXT:
            continue
        if already is None:
            already = {i.field for i in issues if i.code == "too_long"}
        if name not in already:
            out.append(
                _issue(
                    name, "too_long", f"不能超过 {limit} 个字", f"longer than {limit} characters"
                )
            )
    return out
