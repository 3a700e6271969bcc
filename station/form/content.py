"""What one registration form (考生报名登记表) shows: plain data, no database, no PDF.

``FormData`` is built by the service from a record version; ``display_values`` turns the
stored codes into the names printed on paper (民族, 政治面貌, 性别, 户籍所在地, 考生类别, 证件类型).
``SECTIONS`` says which fields the form prints and where: the layout draws exactly these, and
the candidate screen shows exactly these (``printed_fields``, ``printed_values``), so that the
candidate checks everything they sign.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from station import codes, fields
from station.fields import Category
from station.idnumber import DocumentType

from .qr import qr_text


@dataclass(frozen=True, slots=True)
class FormData:
    """Everything printed on one form. ``record`` holds the canonical record values
    (``records.canonical_record(...)["record"]``: codes, ``birth_date`` as ISO text)."""

    exam_year: int
    station_name: str
    station_code: str
    registration_no: str
    version: int
    digest: str
    record: Mapping[str, Any]
    photo_jpeg: bytes | None
    printed_by: str
    printed_at: dt.datetime  # local time, as the operator's clock shows it
    print_no: int = 1

    @property
    def qr_text(self) -> str:
        return qr_text(self.registration_no, self.version, self.digest)

    @property
    def replaces_version(self) -> int | None:
        """The version this form replaces (its paper form is void), if any."""
        return self.version - 1 if self.version > 1 else None


def _name(table: codes.CodeTable, code: str) -> str:
    return table.name_of(code) or code


def division_name(code: str) -> str:
    # Residence-permit holders' 户籍 is a province-level code outside the shipped tables.
    return codes.division_full_name(code) or codes.provinces().name_of(code) or code


def _label(enum: type[Category] | type[DocumentType], value: str) -> str:
    try:
        return enum(value).label_zh
    except ValueError:
        return value


def yes_no(value: Any) -> str:
    if isinstance(value, str):
        return "是" if value.strip().lower() in ("1", "true", "是", "yes") else "否"
    return "是" if value else "否"


def display_values(record: Mapping[str, Any]) -> dict[str, str]:
    """Field name → the text printed for it (codes shown as names)."""
    out = {name: "" if record.get(name) is None else str(record.get(name)) for name in fields.NAMES}
    out["gender"] = _name(codes.genders(), out["gender"])
    out["ethnicity"] = _name(codes.ethnicities(), out["ethnicity"])
    out["political_status"] = _name(codes.political_statuses(), out["political_status"])
    out["household_division"] = division_name(out["household_division"])
    out["category"] = _label(Category, out["category"])
    out["document_type"] = _label(DocumentType, out["document_type"])
    out["allocation_applied"] = yes_no(record.get("allocation_applied"))
    return out


@dataclass(frozen=True, slots=True)
class Section:
    """One box of the paper form: its heading and its rows, each row the fields printed side
    by side, a cell each."""

    title: str
    rows: tuple[tuple[str, ...], ...]


#: The boxes of the paper form and the fields printed in them, in print order.
SECTIONS: tuple[Section, ...] = (
    Section(
        "一、基本信息",
        (
            ("name", "gender"),
            ("document_type", "ethnicity"),
            ("id_number",),
            ("birth_date", "political_status"),
            ("household_division",),
        ),
    ),
    Section(
        "二、学籍与联系信息",
        (("category", "student_number"), ("school_name",), ("home_address",), ("phone",)),
    ),
    Section("三、监护人信息", (("guardian_name", "guardian_relation", "guardian_phone"),)),
    Section("四、分配生资格申请", (("allocation_applied",), ("allocation_basis",))),
)

#: Fields printed inside another field's cell rather than in one of their own:
#: field → (the cell's field, the caption before it there).
WITHIN: dict[str, tuple[str, str]] = {"school_code": ("school_name", "学校代码")}

#: What an empty cell shows, on paper and on the candidate screen alike.
BLANK = "—"


def printed_fields() -> tuple[str, ...]:
    """Every field the form prints, in the registry's order."""
    printed = {name for section in SECTIONS for row in section.rows for name in row}
    printed |= {inner for inner, (host, _) in WITHIN.items() if host in printed}
    return tuple(name for name in fields.NAMES if name in printed)


def printed_values(record: Mapping[str, Any]) -> dict[str, str]:
    """Printed field → its own text on the form (codes as names, ``BLANK`` for nothing).

    A field printed within another's cell has its own text here too; ``cell_text`` joins
    them as the paper does."""
    shown = display_values(record)
    if shown["allocation_applied"] != yes_no(True):
        shown["allocation_basis"] = ""  # a basis without an application is not printed
    return {name: shown[name] or BLANK for name in printed_fields()}


def cell_text(name: str, values: Mapping[str, str]) -> str:
    """The text in ``name``'s cell: its value, followed by the fields printed within it."""
    text = "" if values[name] == BLANK else values[name]
    for inner, (host, caption) in WITHIN.items():
        if host == name and values[inner] != BLANK:
            text += f"（{caption} {values[inner]}）"
    return text or BLANK


def printed_texts(form: FormData) -> list[tuple[str, str]]:
    """(Chinese label, text) of every variable text on the form, for the glyph check."""
    values = display_values(form.record)
    texts = [(fields.label_zh(name), text) for name, text in values.items()]
    texts += [
        ("报名点名称", form.station_name),
        ("报名点代码", form.station_code),
        ("报名号", form.registration_no),
        ("打印人", form.printed_by),
    ]
    return texts
