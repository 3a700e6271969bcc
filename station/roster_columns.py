"""The columns of the candidate roster (考生花名册): one per record field, shared by the
template, the import and the export so that the three can never drift apart.

A header cell is recognised after :func:`header_key` folds what people and Excel do to it:
white space, full-width brackets and stars, a trailing hint in brackets, a few common
synonyms (身份证号 for 证件号码). Columns the station writes itself (报名号, 状态, 错误原因, ...)
are recognised and ignored, so an export or an errors workbook can be imported again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from station import codes
from station.idnumber import DOCUMENT_TYPE_LABELS
from station.validation import FIELD_LABELS, GUARDIAN_RELATIONS, RECORD_FIELDS, Category


class Need(StrEnum):
    """Whether a column must be filled: always, in some cases (see the hint), or never."""

    REQUIRED = "required"
    CONDITIONAL = "conditional"
    OPTIONAL = "optional"


class Kind(StrEnum):
    """How a cell is read: what Excel may have turned the value into decides the rules."""

    TEXT = "text"
    ID = "id"  # 18 digits: a number cell has lost digits unless it is an exact integer
    PHONE = "phone"
    DATE = "date"
    FLAG = "flag"  # 是/否


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    need: Need
    kind: Kind
    hint: str
    example: str
    choices: Callable[[], list[str]] | None = None
    aliases: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return FIELD_LABELS[self.field][0]

    @property
    def header(self) -> str:
        """The header the station writes: required columns carry a star."""
        return self.label + ("*" if self.need is Need.REQUIRED else "")

    @property
    def as_text(self) -> bool:
        """Formatted as text (``@``) in the workbooks: digits that must keep leading zeros."""
        return self.kind in (Kind.ID, Kind.PHONE) or self.field in TEXT_CODE_FIELDS


TEXT_CODE_FIELDS = frozenset({"household_division", "school_code", "student_number"})


def _names(table: codes.CodeTable) -> list[str]:
    return [name for _, name in table.items()]


def gender_names() -> list[str]:
    return [codes.genders().name_of("1") or "男", codes.genders().name_of("2") or "女"]


COLUMNS: tuple[Column, ...] = (
    Column(
        "name",
        Need.REQUIRED,
        Kind.TEXT,
        "与身份证一致；少数民族姓名的间隔号用“·”；生僻字照实填写",
        "张三",
        aliases=("考生姓名",),
    ),
    Column(
        "document_type",
        Need.OPTIONAL,
        Kind.TEXT,
        "从列表选择；不填为居民身份证",
        "居民身份证",
        lambda: list(DOCUMENT_TYPE_LABELS.values()),
    ),
    Column(
        "id_number",
        Need.REQUIRED,
        Kind.ID,
        "18 位，末位可为 X；本列为文本格式，不要让 Excel 改成科学计数法",
        "41010520120315059X",
        aliases=("身份证号", "身份证号码", "身份证", "证件号", "公民身份号码"),
    ),
    Column(
        "gender", Need.OPTIONAL, Kind.TEXT, "男或女；可不填，由证件号码推出", "男", gender_names
    ),
    Column(
        "birth_date",
        Need.OPTIONAL,
        Kind.DATE,
        "如 2012-03-15；可不填，由证件号码推出，填写时须与证件号码一致",
        "2012-03-15",
        aliases=("出生年月日", "生日"),
    ),
    Column(
        "ethnicity",
        Need.REQUIRED,
        Kind.TEXT,
        "从列表选择（GB/T 3304），也可填两位代码，如 01",
        "汉族",
        lambda: _names(codes.ethnicities()),
    ),
    Column(
        "political_status",
        Need.REQUIRED,
        Kind.TEXT,
        "从列表选择（GB/T 4762），也可填两位代码，如 03",
        "中国共产主义青年团团员",
        lambda: _names(codes.political_statuses()),
    ),
    Column(
        "household_division",
        Need.REQUIRED,
        Kind.TEXT,
        "6 位县（区）行政区划代码（GB/T 2260），如 410105 为郑州市金水区",
        "410105",
        aliases=("户籍所在地代码", "户籍地", "户籍"),
    ),
    Column(
        "category",
        Need.REQUIRED,
        Kind.TEXT,
        "应届、往届或社会",
        "应届",
        lambda: [c.label_zh for c in Category],
        aliases=("类别",),
    ),
    Column(
        "school_code",
        Need.CONDITIONAL,
        Kind.TEXT,
        "应届、往届考生必填；2–20 位数字或字母",
        "410105001",
        aliases=("学校代码",),
    ),
    Column(
        "school_name",
        Need.CONDITIONAL,
        Kind.TEXT,
        "应届、往届考生必填",
        "郑州市第一初级中学",
        aliases=("毕业学校名称", "学校名称"),
    ),
    Column(
        "student_number",
        Need.CONDITIONAL,
        Kind.TEXT,
        "应届考生必填；全国学籍号为 G + 本人证件号码",
        "G41010520120315059X",
        aliases=("全国学籍号",),
    ),
    Column(
        "home_address",
        Need.REQUIRED,
        Kind.TEXT,
        "不超过 100 字",
        "河南省郑州市金水区花园路 1 号",
        aliases=("家庭地址", "住址"),
    ),
    Column(
        "phone",
        Need.REQUIRED,
        Kind.PHONE,
        "11 位手机号码，考试和录取期间保持畅通",
        "13800138000",
        aliases=("手机号", "手机号码", "联系方式", "电话"),
    ),
    Column("guardian_name", Need.CONDITIONAL, Kind.TEXT, "未成年考生必填", "张大山"),
    Column(
        "guardian_relation",
        Need.CONDITIONAL,
        Kind.TEXT,
        "填写监护人时必填；从列表选择",
        "父亲",
        lambda: list(GUARDIAN_RELATIONS),
        aliases=("与考生关系",),
    ),
    Column(
        "guardian_phone",
        Need.CONDITIONAL,
        Kind.PHONE,
        "填写监护人时必填；手机号码或带区号的固定电话",
        "13900139000",
        aliases=("监护人联系电话", "家长电话"),
    ),
    Column(
        "allocation_applied",
        Need.OPTIONAL,
        Kind.FLAG,
        "是或否；只有应届考生可以申请；不填为否",
        "否",
        lambda: ["是", "否"],
        aliases=("是否申请分配生", "申请分配生"),
    ),
    Column(
        "allocation_basis",
        Need.CONDITIONAL,
        Kind.TEXT,
        "申请分配生时必填",
        "",
        aliases=("分配生依据",),
    ),
)
assert tuple(c.field for c in COLUMNS) == RECORD_FIELDS, "one column per record field"
BY_FIELD = {c.field: c for c in COLUMNS}

# Written by the station's own export and errors workbook; read back without a warning.
REGISTRATION_NO = "报名号"
STATE = "状态"
VERSION = "版本"
DIVISION_NAME = "户籍所在地名称"
SOURCE_ROW = "原行号"
REASONS = "错误原因"
IGNORED_HEADERS = frozenset({REGISTRATION_NO, STATE, VERSION, DIVISION_NAME, SOURCE_ROW, REASONS})
IGNORED_KEYS = IGNORED_HEADERS | {"序号", "编号"}

_TRAILING_HINT = re.compile(r"[(\[【][^()\[\]【】]*[)\]】]$")


def header_key(text: object) -> str:
    """Fold a header cell: NFKC (full-width brackets and stars), no white space at all, no
    required-star, no trailing hint such as （必填） or (YYYY-MM-DD)."""
    key = unicodedata.normalize("NFKC", str(text or ""))
    key = re.sub(r"\s+", "", key).replace("*", "")
    while True:
        shorter = _TRAILING_HINT.sub("", key)
        if shorter == key or not shorter:
            return key
        key = shorter


_FIELD_BY_KEY: dict[str, str] = {}
for _column in COLUMNS:
    for _name in (_column.label, *_column.aliases):
        _FIELD_BY_KEY[header_key(_name)] = _column.field


def field_for_header(text: object) -> str | None:
    """The record field a header names, or None."""
    return _FIELD_BY_KEY.get(header_key(text))


def is_ignored_header(text: object) -> bool:
    return header_key(text) in IGNORED_KEYS
