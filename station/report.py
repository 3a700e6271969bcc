"""The daily report (工作日报): what the point did on one day, from its audit log, for the
supervisor who answers for the work.

Counts of the day's work (records created, checked by the candidate, printed, signed,
exported, acknowledged), each operator's share of it, every correction with its reason, and
the exceptions: refused candidate passwords, failed logins, photos taken from a file instead
of the camera, photos flagged as near duplicates. A day is the station's local calendar day.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from station import records, xlsx
from station.auth import Context
from station.models import AuditEvent, Candidate, Station
from station.roles import Permission

#: The day's work, in the order the report lists it, with its words.
WORK = {
    "create": "新建记录",
    "import": "名单导入",
    "candidate_reviewed": "考生核对",
    "form_printed": "打印登记表",
    "sign": "签字锁定",
    "export": "导出批次（个）",
    "acknowledge": "县区确认接收",
    "unlock": "解锁更正",
    "reopen": "重新打开更正",
}
#: Per operator: what they did themselves.
OPERATOR_WORK = ("create", "edit", "form_printed", "sign", "unlock", "reopen")
EXCEPTIONS = {
    "candidate_password_refused": "考生密码未通过",
    "login_failed": "登录失败",
    "photo_imported": "照片取自文件",
    "photo_flagged": "照片疑似重复",
}


@dataclass
class DailyReport:
    day: dt.date
    station: str
    by_state: dict[str, int]
    work: dict[str, int]
    by_hour: dict[int, int]  # records created, by local hour
    operators: dict[str, dict[str, int]]
    corrections: list[dict[str, str]] = field(default_factory=list)
    exceptions: list[dict[str, str]] = field(default_factory=list)

    @property
    def exception_counts(self) -> dict[str, int]:
        return dict(Counter(e["kind"] for e in self.exceptions))


def _local_zone() -> dt.tzinfo:
    zone = dt.datetime.now().astimezone().tzinfo
    assert zone is not None
    return zone


def bounds(day: dt.date, zone: dt.tzinfo | None = None) -> tuple[str, str]:
    """The day's start and end as the audit log writes times (UTC, microseconds)."""
    zone = zone or _local_zone()
    start = dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)
    end = start + dt.timedelta(days=1)
    return start.isoformat(timespec="microseconds"), end.isoformat(timespec="microseconds")


def daily(ctx: Context, day: dt.date, zone: dt.tzinfo | None = None) -> DailyReport:
    ctx.require(Permission.UNLOCK)  # the supervisor's report: who did what
    zone = zone or _local_zone()
    start, end = bounds(day, zone)
    work: Counter[str] = Counter()
    by_hour: Counter[int] = Counter()
    operators: dict[str, Counter[str]] = defaultdict(Counter)
    corrections: list[dict[str, str]] = []
    exceptions: list[dict[str, str]] = []
    with ctx.store.read() as s:
        station = s.get(Station, 1)
        assert station is not None
        numbers = {
            r.id: r.registration_no
            for r in s.execute(select(Candidate.id, Candidate.registration_no))
        }
        events = s.execute(
            select(
                AuditEvent.at,
                AuditEvent.actor,
                AuditEvent.action,
                AuditEvent.candidate_id,
                AuditEvent.reason,
                AuditEvent.detail,
            )
            .where(AuditEvent.at >= start, AuditEvent.at < end)
            .order_by(AuditEvent.seq)
        ).all()
        by_state = records.count_by_state(s)
    batches: set[object] = set()
    for e in events:
        local = dt.datetime.fromisoformat(e.at).astimezone(zone)
        detail = json.loads(e.detail or "{}")
        action = e.action
        if action == "create" and detail.get("source") == "roster":
            action = "import"  # rows of a roster, not records typed at the desk
        if action == "export":
            batches.add(detail.get("batch"))  # one event a record: count the batches
        elif action in WORK:
            work[action] += 1
        if action == "create":
            by_hour[local.hour] += 1
        if action in OPERATOR_WORK:
            operators[e.actor][action] += 1
        number = numbers.get(e.candidate_id, "") if e.candidate_id else ""
        if action in ("unlock", "reopen"):
            corrections.append(
                {
                    "time": f"{local:%H:%M}",
                    "operator": e.actor,
                    "registration_no": number,
                    "reason": e.reason,
                }
            )
        elif e.action in EXCEPTIONS:
            why = e.reason or "、".join(str(r) for r in detail.get("reasons", [])) or ""
            if e.action == "photo_flagged":
                why = "与 " + "、".join(str(n) for n in detail.get("similar_to", []) if n)
            exceptions.append(
                {
                    "time": f"{local:%H:%M}",
                    "kind": e.action,
                    "operator": e.actor,
                    "registration_no": number,
                    "detail": why,
                }
            )
    work["export"] = len(batches - {None})
    return DailyReport(
        day=day,
        station=f"{station.name}（{station.code}）",
        by_state=by_state,
        work={k: work.get(k, 0) for k in WORK},
        by_hour=dict(sorted(by_hour.items())),
        operators={k: dict(v) for k, v in sorted(operators.items())},
        corrections=corrections,
        exceptions=exceptions,
    )


# --- outputs ------------------------------------------------------------------------------------


def _state_words(state: str) -> str:
    from station.lifecycle import State

    try:
        return State(state).label_zh
    except ValueError:
        return state


def workbook(report: DailyReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "日报"
    ws.append([f"{report.station} 工作日报 {report.day:%Y-%m-%d}"])
    ws["A1"].font = Font(size=14, bold=True)
    ws.append([])
    ws.append(["当日工作", "数量"])
    for action, words in WORK.items():
        ws.append([words, report.work[action]])
    ws.append([])
    ws.append(["记录状态（当前）", "数量"])
    for state, n in report.by_state.items():
        ws.append([_state_words(state), n])
    ws.append([])
    ws.append(["异常", "数量"])
    for kind, words in EXCEPTIONS.items():
        ws.append([words, report.exception_counts.get(kind, 0)])
    people = wb.create_sheet("操作员")
    people.append(["操作员", "新建", "修改", "打印", "签字", "解锁更正", "重新打开"])
    for login, done in report.operators.items():
        people.append(xlsx.row(people, [login, *(done.get(a, 0) for a in OPERATOR_WORK)]))
    fixes = wb.create_sheet("更正")
    fixes.append(["时间", "操作员", "报名号", "原因"])
    for c in report.corrections:
        fixes.append(xlsx.row(fixes, [c["time"], c["operator"], c["registration_no"], c["reason"]]))
    odd = wb.create_sheet("异常明细")
    odd.append(["时间", "类别", "操作员", "报名号", "说明"])
    for e in report.exceptions:
        odd.append(
            xlsx.row(
                odd,
                [
                    e["time"],
                    EXCEPTIONS[e["kind"]],
                    e["operator"],
                    e["registration_no"],
                    e["detail"],
                ],
            )
        )
    for sheet in wb.worksheets:
        for cell in sheet[1 if sheet is not ws else 3]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def pdf(report: DailyReport) -> bytes:
    """The same on A4, with two charts: the records created by hour, and each operator's work."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table

    from station.form.fonts import default_chain

    chain = default_chain()
    font = chain.main_font

    text = chain.paragraph

    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15)
    head = ParagraphStyle("head", parent=body, fontSize=13, leading=20, spaceBefore=6)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1)

    def table(rows: list[list[str]], widths: list[float]) -> Table:
        t = Table([[text(str(v), body) for v in row] for row in rows], colWidths=widths)
        t.setStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ]
        )
        return t

    def bars(title_text: str, labels: list[str], values: list[int]) -> Drawing:
        d = Drawing(170 * mm, 55 * mm)
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, 150 * mm, 38 * mm
        chart.data = [values or [0]]
        chart.categoryAxis.categoryNames = labels or ["—"]
        chart.categoryAxis.labels.fontName = font
        chart.categoryAxis.labels.fontSize = 7
        chart.valueAxis.labels.fontName = font
        chart.valueAxis.valueMin = 0
        chart.bars[0].fillColor = colors.HexColor("#1f4e79")
        chart.barLabelFormat = "%d"
        chart.barLabels.fontName = font
        chart.barLabels.fontSize = 7
        chart.barLabels.nudge = 5
        d.add(chart)
        d.add(String(12 * mm, 51 * mm, title_text, fontName=font, fontSize=10))
        return d

    hours = list(range(min(report.by_hour, default=8), max(report.by_hour, default=17) + 1))
    story: list[Any] = [
        text(f"{report.station} 工作日报", title),
        text(f"{report.day:%Y年%m月%d日}", ParagraphStyle("d", parent=body, alignment=1)),
        Spacer(1, 4 * mm),
        text("当日工作", head),
        table(
            [["项目", "数量"], *([w, str(report.work[a])] for a, w in WORK.items())],
            [60 * mm, 30 * mm],
        ),
        bars(
            "每小时新建记录", [f"{h}时" for h in hours], [report.by_hour.get(h, 0) for h in hours]
        ),
        text("操作员", head),
        table(
            [
                ["操作员", "新建", "修改", "打印", "签字", "解锁更正"],
                *(
                    [login, *(str(done.get(a, 0)) for a in OPERATOR_WORK)]
                    for login, done in report.operators.items()
                ),
            ],
            [40 * mm, *([20 * mm] * 6)],
        ),
        bars(
            "各操作员新建记录",
            list(report.operators),
            [d.get("create", 0) for d in report.operators.values()],
        ),
        text("记录状态（当前）", head),
        table(
            [
                ["状态", "数量"],
                *([_state_words(k), str(v)] for k, v in report.by_state.items()),
            ],
            [60 * mm, 30 * mm],
        ),
        text(f"更正（{len(report.corrections)}）", head),
        table(
            [
                ["时间", "操作员", "报名号", "原因"],
                *(
                    [c["time"], c["operator"], c["registration_no"], c["reason"]]
                    for c in report.corrections
                ),
            ],
            [18 * mm, 28 * mm, 40 * mm, 84 * mm],
        ),
        text(f"异常（{len(report.exceptions)}）", head),
        table(
            [
                ["时间", "类别", "操作员", "报名号", "说明"],
                *(
                    [
                        e["time"],
                        EXCEPTIONS[e["kind"]],
                        e["operator"],
                        e["registration_no"],
                        e["detail"],
                    ]
                    for e in report.exceptions
                ),
            ],
            [18 * mm, 30 * mm, 25 * mm, 40 * mm, 57 * mm],
        ),
    ]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"{report.station} 工作日报 {report.day}").build(
        story
    )
    return out.getvalue()
