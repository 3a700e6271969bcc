"""The paper archive list (纸质登记表存档清单): where each signed registration form was filed,
box by box, so that the paper can be found for checking (存档备查).

The place is what the operator typed at signing (``archive_ref``, for example ``盒003-页12``).
The box is the part before the last ``-``, or the whole place when it has none; the list is
in the order a person walks a box: box, then page, as numbers where they are numbers.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from station import xlsx
from station.auth import Context
from station.fields import label_zh
from station.lifecycle import State
from station.models import Candidate, Station
from station.roles import Permission

#: States whose paper form is signed and filed (the signed version is the current one).
FILED = (
    State.SIGNED.value,
    State.EXPORTED.value,
    State.ACKNOWLEDGED.value,
    State.APPROVED.value,
    State.REJECTED.value,
)


@dataclass(frozen=True, slots=True)
class Entry:
    box: str
    place: str
    registration_no: str
    name: str
    version: int
    state: str


def _natural(text: str) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def box_of(place: str) -> str:
    return place.rsplit("-", 1)[0] if "-" in place else place


def entries(ctx: Context, box: str | None = None) -> list[Entry]:
    """Every filed form (or one box's), in the order of the shelf."""
    ctx.require(Permission.TAKE_PERSONAL_DATA)  # names leave the station on paper
    with ctx.store.read() as s:
        rows = s.execute(
            select(
                Candidate.archive_ref,
                Candidate.registration_no,
                Candidate.name,
                Candidate.version,
                Candidate.state,
            ).where(Candidate.state.in_(FILED), Candidate.archive_ref != "")
        ).all()
    found = [
        Entry(box_of(r.archive_ref), r.archive_ref, r.registration_no, r.name, r.version, r.state)
        for r in rows
    ]
    if box is not None:
        found = [e for e in found if e.box == box]
    return sorted(found, key=lambda e: (_natural(e.box), _natural(e.place)))


def station_name(ctx: Context) -> str:
    with ctx.store.read() as s:
        station = s.get(Station, 1)
        assert station is not None
        return f"{station.name}（{station.code}）"


def workbook(found: list[Entry], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "存档清单"
    ws.append([title])
    ws["A1"].font = Font(size=14, bold=True)
    ws.append(["存档盒", "存放位置", "报名号", label_zh("name"), "版本"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for e in found:
        ws.append(xlsx.row(ws, [e.box, e.place, e.registration_no, e.name, e.version]))
    for column, width in zip("ABCDE", (16, 20, 18, 14, 6), strict=True):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pdf(found: list[Entry], title: str) -> bytes:
    """One section a box, each starting on a new page: the list that goes into the box."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer, Table

    from station.form.fonts import default_chain

    chain = default_chain()

    text = chain.paragraph

    body = ParagraphStyle("body", fontName=chain.main_font, fontSize=11, leading=16)
    head = ParagraphStyle("head", parent=body, fontSize=16, leading=24, alignment=1)
    boxes: dict[str, list[Entry]] = {}
    for e in found:
        boxes.setdefault(e.box, []).append(e)
    story: list[Any] = []
    for box, inside in boxes.items():
        if story:
            story.append(PageBreak())
        rows = [[text(h, body) for h in ("存放位置", "报名号", label_zh("name"), "版本")]]
        rows += [
            [
                text(e.place, body),
                text(e.registration_no, body),
                text(e.name, body),
                text(str(e.version), body),
            ]
            for e in inside
        ]
        table = Table(rows, colWidths=[45 * mm, 50 * mm, 45 * mm, 20 * mm], repeatRows=1)
        table.setStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey)])
        story += [
            text(title, head),
            text(f"存档盒 {box}：{len(inside)} 份登记表", body),
            Spacer(1, 4 * mm),
            table,
        ]
    if not story:
        story = [text(title, head), text("没有已签字存档的登记表", body)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=title).build(story)
    return out.getvalue()
