"""Roster export (花名册导出): every candidate's current version, one row each.

Codes are written as names (汉族, 男, 应届), ID numbers and other digit strings as text, the
state as its Chinese label, with the 报名号. The columns are the template's, so an export can
be imported again (the station's own extra columns are ignored on import). Pages are read in
short transactions so the desk can keep saving while a large station is exported; the file
appears only when complete (temporary file, then rename), and the export is an audit event:
personal data of every candidate leaves the encrypted store.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from station import audit, codes, xlsx
from station.auth import Context
from station.fileio import atomic_write_bytes, check_output
from station.idnumber import DOCUMENT_TYPE_LABELS, DocumentType
from station.lifecycle import State
from station.models import Candidate
from station.roles import Permission
from station.roster_columns import COLUMNS, DIVISION_NAME, REGISTRATION_NO, STATE, VERSION, Column
from station.roster_template import DATA_SHEET
from station.validation import Category

PAGE = 1000


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    count: int
    cancelled: bool = False  # then no file was written


def export_roster(
    ctx: Context,
    path: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ExportResult:
    """Write all candidates to ``path``; a cancelled export writes nothing."""
    ctx.require(Permission.TAKE_PERSONAL_DATA)
    check_output(path)
    with ctx.store.session() as s:
        total = s.scalar(select(func.count()).select_from(Candidate)) or 0
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(DATA_SHEET)
    _write_header(ws)
    count = 0
    for page in _pages(ctx):
        for candidate in page:
            if cancel is not None and cancel():
                _discard(wb)
                return ExportResult(path, count, cancelled=True)
            ws.append(xlsx.row(ws, _row(candidate)))
            count += 1
            if progress is not None:
                progress(count, max(total, count))
    buffer = io.BytesIO()
    wb.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())
    with ctx.store.session() as s:
        audit.append(
            s, ctx.operator.login, "roster_export", detail={"count": count, "to": str(path)}
        )
    return ExportResult(path, count)


def _discard(wb: Workbook) -> None:
    # A write-only workbook spools its sheet to a temporary file until it is saved; saving
    # into memory is the public way to close and remove that file (personal data).
    wb.save(io.BytesIO())


def _headers() -> list[tuple[str, bool]]:
    """(header, formatted as text) for every exported column."""
    out = [(REGISTRATION_NO, True), (STATE, False), (VERSION, False)]
    for column in COLUMNS:
        out.append((column.label, column.as_text))
        if column.field == "household_division":
            out.append((DIVISION_NAME, False))
    return out


def _write_header(ws: Any) -> None:  # a write-only worksheet (no public type)
    bold = Font(bold=True)
    cells = []
    for index, (header, as_text) in enumerate(_headers(), start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = 12 if not as_text else 22
        if as_text:
            ws.column_dimensions[letter].number_format = "@"
        cell = WriteOnlyCell(ws, value=header)
        cell.font = bold
        cells.append(cell)
    ws.freeze_panes = "A2"
    ws.append(cells)


def _pages(ctx: Context) -> Iterator[list[Candidate]]:
    # Every session takes the write lock (BEGIN IMMEDIATE); one short transaction a page
    # keeps the desk's saves from waiting on the whole export.
    last = 0
    while True:
        with ctx.store.session() as s:
            stmt = select(Candidate).where(Candidate.id > last).order_by(Candidate.id).limit(PAGE)
            page = list(s.scalars(stmt))
        if not page:
            return
        yield page
        last = page[-1].id


def _row(c: Candidate) -> list[Any]:
    row: list[Any] = [c.registration_no, _label(State, c.state), c.version]
    for column in COLUMNS:
        row.append(_value(column, c))
        if column.field == "household_division":
            row.append(codes.division_full_name(c.household_division) or "")
    return row


def _value(column: Column, c: Candidate) -> Any:
    value = getattr(c, column.field)
    match column.field:
        case "document_type":
            return _document_type(value)
        case "gender":
            return codes.genders().name_of(value) or value
        case "ethnicity":
            return codes.ethnicities().name_of(value) or value
        case "political_status":
            return codes.political_statuses().name_of(value) or value
        case "category":
            return _label(Category, value)
        case "allocation_applied":
            return "是" if value else "否"
    return value


def _document_type(value: str) -> str:
    try:
        return DOCUMENT_TYPE_LABELS[DocumentType(value)]
    except ValueError:
        return value


def _label(enum: type[State] | type[Category], value: str) -> str:
    try:
        return enum(value).label_zh
    except ValueError:
        return value
