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

from station import fields
from station.fields import Kind, Need


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
        return fields.BY_NAME[self.field].label_zh

    @property
    def header(self) -> str:
        """The header the station writes: required columns carry a star."""
        return self.label + ("*" if self.need is Need.REQUIRED else "")

    @property
    def as_text(self) -> bool:
        """Formatted as text (``@``) in the workbooks: digits that must keep leading zeros."""
        return self.kind in (Kind.ID, Kind.PHONE) or self.field in TEXT_CODE_FIELDS


TEXT_CODE_FIELDS = frozenset({"household_division", "school_code", "student_number"})


def column_of(f: fields.Field) -> Column:
    """A field's roster column: its rules, hint and aliases from the registry."""
    return Column(f.name, f.need, f.kind, f.roster_hint, f.example, f.choices, f.aliases)


#: One column per record field, in the registry's order.
COLUMNS: tuple[Column, ...] = tuple(column_of(f) for f in fields.FIELDS)
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
