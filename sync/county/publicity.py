"""The 公示 list (资格审核结果公示): what the county posts for public checking, per school or
per station, as a PDF (A4 or A3, large type, title, date, page numbers) and as Excel.

Only what may be posted: name, the ID number masked to its first 6 and last 4 characters,
school, category, whether a 分配生 place was applied for and granted, and the review result.
No phone, no address, no full ID number, no photo.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, select

from station import xlsx
from station.fields import Category, label_zh
from sync.county import db

COLUMNS = (
    "序号",
    *(label_zh(n) for n in ("name", "id_number", "school_name", "category")),
    "申请分配生",
    "分配生结论",
    "审核结果",
)
RESULT = {"received": "待审核", "approved": "通过", "rejected": "不通过"}
ALLOCATION = {"granted": "同意", "denied": "不同意"}


def mask_id(number: str) -> str:
    """First 6 and last 4 shown, the rest as *: 410105********059X."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


@dataclass(frozen=True, slots=True)
class Listing:
    title: str
    scope: str  # the school or station it covers, in words
    rows: list[tuple[Any, ...]]
    date: dt.date


def listing(
    engine: Engine, county_name: str, *, school: str = "", station: str = "", year: int = 0
) -> Listing:
    c, i = db.candidates, db.review_index
    where = []
    if school:
        where.append(i.c.school_code == school)
    if station:
        where.append(c.c.station == station)
    with engine.connect() as conn:
        found = conn.execute(
            select(
                c.c.name,
                c.c.id_number,
                c.c.state,
                c.c.allocation,
                i.c.school_name,
                i.c.category,
                i.c.allocation_applied,
                db.stations.c.name.label("station_name"),
            )
            .join(i, and_(i.c.station == c.c.station, i.c.registration_no == c.c.registration_no))
            .join(db.stations, db.stations.c.code == c.c.station)
            .where(*where)
            .order_by(i.c.school_code, i.c.initials, c.c.registration_no)
        ).all()
    rows: list[tuple[Any, ...]] = []
    for n, r in enumerate(found, 1):
        try:
            category = Category(r.category).label_zh
        except ValueError:
            category = r.category
        rows.append(
            (
                str(n),
                r.name,
                mask_id(r.id_number),
                r.school_name or "—",
                category,
                "是" if r.allocation_applied else "否",
                ALLOCATION.get(r.allocation or "", "—") if r.allocation_applied else "—",
                RESULT.get(r.state, r.state),
            )
        )
    if school:
        scope = next((r.school_name for r in found if r.school_name), school)
    elif station:
        scope = found[0].station_name if found else station
    else:
        scope = "全部考生"
    year = year or dt.date.today().year
    title = f"{county_name}{year}年中考报名资格审核结果公示"
    return Listing(title, scope, rows, dt.date.today())


def workbook(listing: Listing) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "公示"
    ws.append([listing.title])
    ws.append([f"{listing.scope}    公示日期：{listing.date:%Y年%m月%d日}"])
    ws.append(list(COLUMNS))
    for row in listing.rows:
        ws.append(xlsx.row(ws, row))
    ws["A1"].font = Font(size=16, bold=True)
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for column, width in zip("ABCDEFGH", (6, 12, 22, 28, 10, 10, 10, 10), strict=True):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pdf(listing: Listing, paper: str = "A4") -> bytes:
    """Large type (14 pt on A4, 18 pt on A3), the header row on every page, and "第 n 页
    共 m 页" at the foot; every name in the fonts the registration form uses."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A3, A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    from station.form.fonts import default_chain

    chain = default_chain()
    size = 18 if paper == "A3" else 14
    # Landscape: an 18-character ID number and a school's name fit on one line each.
    page = landscape(A3 if paper == "A3" else A4)

    text = chain.paragraph

    body = ParagraphStyle("body", fontName=chain.main_font, fontSize=size, leading=size * 1.3)
    head = ParagraphStyle("head", parent=body, alignment=1)
    title = ParagraphStyle(
        "title", parent=body, fontSize=size + 8, leading=(size + 8) * 1.4, alignment=1
    )
    data: list[list[Any]] = [[text(c, head) for c in COLUMNS]]
    data += [[text(v, body) for v in row] for row in listing.rows]
    width = page[0] - 30 * mm
    shares = (0.06, 0.12, 0.21, 0.25, 0.08, 0.1, 0.1, 0.08)
    table = Table(data, colWidths=[width * s for s in shares], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story = [
        text(listing.title, title),
        text(f"{listing.scope}    公示日期：{listing.date:%Y年%m月%d日}", head),
        Spacer(1, 4 * mm),
        table,
    ]
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=page, topMargin=15 * mm, bottomMargin=18 * mm, title=listing.title
    )
    doc.build(story, canvasmaker=_numbered(chain.main_font, size - 2))
    return out.getvalue()


def _numbered(font: str, size: float) -> Any:
    """A canvas that holds its pages back until the end, to write "第 n 页 共 m 页" on each."""
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    class Numbered(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(font, size)
                self.drawCentredString(
                    self._pagesize[0] / 2, 9 * mm, f"第 {self._pageNumber} 页  共 {total} 页"
                )
                super().showPage()
            super().save()

    return Numbered
