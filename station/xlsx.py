"""Cells we write into workbooks (roster export, errors workbook, the county's roster).

Nothing we write is ever a formula: openpyxl stores a text that starts with ``=`` as one, so a
candidate's address ``=HYPERLINK("http://…","…")`` would become a live link or worse in the
clerk's Excel (CSV/formula injection, OWASP). Text is stored as text, unchanged: no quote is
added, so an exported roster imports back exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell

#: What spreadsheet programs read as the start of a formula.
FORMULA_START = ("=", "+", "-", "@")


def as_text(cell: Cell) -> Cell:
    """Make a cell holding text a text cell, whatever its first character."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def text_cell(ws: Any, value: Any) -> Any:
    """``value`` for ``ws.append``: a text cell where openpyxl would make a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return as_text(WriteOnlyCell(ws, value=value))
    return value


def row(ws: Any, values: Iterable[Any]) -> list[Any]:
    """A row for ``ws.append`` (normal and write-only sheets) with no formula in it."""
    return [text_cell(ws, v) for v in values]
