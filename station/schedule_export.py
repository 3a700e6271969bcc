"""The appointment schedule's inputs and outputs: the classes to come (from the station's
records, or a sheet the schools filled in), and the schedule as an Excel sheet and as a
printable PDF with one notice per school (预约通知)."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import select

from station import xlsx
from station.auth import Context
from station.errors import UsageError
from station.fields import Category
from station.lifecycle import State
from station.models import Candidate
from station.schedule import Capacity, Group, Plan

#: Records still to be collected at the desk (imported from the roster, not yet signed).
TO_COME = (State.DRAFT.value, State.READY.value)
SOCIAL = "社会考生"
SHEET_COLUMNS = ("学校代码", "学校", "班级", "人数")
#: The plan in force, beside the settings: the dashboard reads who is due and who missed.
PLAN_FILE = "schedule.json"


def groups_from_station(ctx: Context) -> list[Group]:
    """The schools of the records still to be collected, one group a school (the roster has
    no classes); social candidates as one group of their own."""
    with ctx.store.read() as s:
        rows = s.execute(
            select(Candidate.school_code, Candidate.school_name, Candidate.category).where(
                Candidate.state.in_(TO_COME)
            )
        ).all()
    counts = Counter(
        ("", SOCIAL) if r.category == Category.SOCIAL.value else (r.school_code, r.school_name)
        for r in rows
    )
    return [Group(code, name, "", n) for (code, name), n in sorted(counts.items())]


def read_groups(path: Path) -> list[Group]:
    """A sheet with the columns 学校代码, 学校, 班级, 人数 (one row a class), as the schools
    send it; every bad row is named."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl's own errors too (a .csv, an .xls): a reason, not a trace
        raise UsageError(
            f"{path} 不是 Excel 工作簿（.xlsx）", f"{path} is not an .xlsx workbook"
        ) from None
    rows = wb.worksheets[0].iter_rows(values_only=True)
    header = [str(v or "").strip() for v in next(rows, ())]
    missing = [c for c in SHEET_COLUMNS if c not in header]
    if missing:
        raise UsageError(
            f"表头缺少：{'、'.join(missing)}（应有 学校代码、学校、班级、人数）",
            f"missing columns: {', '.join(missing)}",
        )
    at = {c: header.index(c) for c in SHEET_COLUMNS}
    groups, problems = [], []
    for number, values in enumerate(rows, start=2):
        cell = [
            str(values[at[c]] if at[c] < len(values) and values[at[c]] is not None else "").strip()
            for c in SHEET_COLUMNS
        ]
        if not any(cell):
            continue
        code, name, klass, count = cell
        try:
            n = int(float(count))
        except (ValueError, OverflowError):
            n = -1
        if not name or n < 0 or n > 10_000:
            problems.append(f"第 {number} 行：学校和人数（0–10000）必填")
            continue
        groups.append(Group(code, name, klass, n))
    wb.close()
    if problems:
        shown = "；".join(problems[:5]) + ("……" if len(problems) > 5 else "")
        raise UsageError(shown, f"{len(problems)} row(s) of {path} are not usable")
    return groups


def workbook(plan: Plan, point: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "预约安排"
    ws.append([f"{point} 考生信息采集预约安排"])
    ws["A1"].font = Font(size=14, bold=True)
    ws.append(["日期", "时段", "学校代码", "学校", "班级", "人数", "时段容量"])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for s in plan.used_slots():
        for g, n in s.parts:
            ws.append(
                xlsx.row(
                    ws,
                    [
                        s.day.isoformat(),
                        f"{s.start:%H:%M}-{s.end:%H:%M}",
                        g.school_code,
                        g.school_name,
                        g.klass,
                        n,
                        s.capacity,
                    ],
                )
            )
    if plan.unplaced:
        left = wb.create_sheet("未能排入")
        left.append(["学校代码", "学校", "班级", "未排入人数"])
        for g, n in plan.unplaced:
            left.append(xlsx.row(left, [g.school_code, g.school_name, g.klass, n]))
    for column, width in zip("ABCDEFG", (12, 13, 12, 24, 10, 8, 10), strict=True):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def notices_pdf(plan: Plan, point: str, capacity: Capacity) -> bytes:
    """One page a school: when each of its classes comes, how many, and what to bring."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, SimpleDocTemplate, Spacer, Table

    from station.form.fonts import default_chain

    chain = default_chain()

    text = chain.paragraph

    body = ParagraphStyle("body", fontName=chain.main_font, fontSize=13, leading=20)
    title = ParagraphStyle("title", parent=body, fontSize=20, leading=28, alignment=1)
    schools: dict[tuple[str, str], list[tuple[Any, Group, int]]] = {}
    for s in plan.used_slots():
        for g, n in s.parts:
            schools.setdefault((g.school_code, g.school_name), []).append((s, g, n))
    story: list[Any] = []
    for (_code, name), visits in schools.items():
        if story:
            story.append(PageBreak())
        story += [
            text(f"{name}：考生信息采集预约通知", title),
            Spacer(1, 6 * mm),
            text(
                f"请按下表时间组织考生到 {point} 采集报名信息，不要提前聚集；"
                "未能按时到达的，请联系报名点另行安排。",
                body,
            ),
            Spacer(1, 4 * mm),
        ]
        rows = [[text(h, body) for h in ("日期", "时间", "班级", "人数")]]
        for s, g, n in visits:
            rows.append(
                [
                    text(v, body)
                    for v in (
                        f"{s.day:%Y年%m月%d日}",
                        f"{s.start:%H:%M}–{s.end:%H:%M}",
                        g.klass or "全体",
                        str(n),
                    )
                ]
            )
        table = Table(rows, colWidths=[50 * mm, 40 * mm, 45 * mm, 25 * mm], repeatRows=1)
        table.setStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")])
        story += [
            table,
            Spacer(1, 6 * mm),
            text(
                "请考生携带：本人居民身份证（或户口簿等有效证件）；社会考生由监护人陪同。"
                "采集时需核对信息、现场拍照并签字确认。",
                body,
            ),
        ]
    if not story:
        story = [text(f"{point}：没有需要安排的考生", title)]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"{point} 预约通知").build(story)
    return out.getvalue()


def save_plan(data_dir: Path, plan: Plan) -> None:
    """Keep the plan as the one in force (times are the station's local times)."""
    import json

    from station.fileio import atomic_write_bytes

    visits = [
        {
            "day": s.day.isoformat(),
            "start": f"{s.start:%H:%M}",
            "end": f"{s.end:%H:%M}",
            "school_code": g.school_code,
            "school_name": g.school_name,
            "class": g.klass,
            "count": n,
        }
        for s in plan.used_slots()
        for g, n in s.parts
    ]
    text = json.dumps({"version": 1, "visits": visits}, ensure_ascii=False, indent=1)
    atomic_write_bytes(data_dir / PLAN_FILE, text.encode("utf-8"))


def load_plan(data_dir: Path) -> list[dict[str, Any]]:
    """The visits of the plan in force; none when there is no plan or it cannot be read."""
    import json

    try:
        data = json.loads((data_dir / PLAN_FILE).read_text("utf-8"))
        return [v for v in data["visits"] if isinstance(v, dict)]
    except (OSError, ValueError, KeyError, TypeError):
        return []
