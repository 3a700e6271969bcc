"""Excel sheets the county hands out: every value stays text.

openpyxl stores a string that starts with ``=`` as a formula; a name, a school or a clerk's
reason typed as ``=HYPERLINK(…)`` would become a live formula in the reviewer's Excel. Every
such cell is marked as plain text.
"""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet


def as_text(ws: Worksheet) -> None:
    """Mark every formula-looking string of ``ws`` as a plain string."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f" or (
                isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@")
            ):
                cell.data_type = "s"
