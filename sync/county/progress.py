"""The county's view of its stations' progress (督促进度): records by state per station, the
last batch received and when, stations that went silent or wait for a missing batch, and the
review against the deadline the county set."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from station import xlsx
from station.errors import UsageError
from sync.county import db, intake

#: A station that sent nothing for this many days is shown as silent.
SILENT_DAYS = 3
DEADLINE = "review_deadline"


@dataclass
class StationProgress:
    code: str
    name: str
    received: int = 0
    approved: int = 0
    rejected: int = 0
    last_sequence: int = 0
    last_at: dt.datetime | None = None
    missing: int | None = None  # a later batch waits for this one
    disabled: bool = False
    silent: bool = False

    @property
    def total(self) -> int:
        return self.received + self.approved + self.rejected

    @property
    def decided(self) -> int:
        return self.approved + self.rejected


@dataclass
class Overview:
    stations: list[StationProgress]
    deadline: dt.date | None
    today: dt.date

    @property
    def total(self) -> int:
        return sum(s.total for s in self.stations)

    @property
    def decided(self) -> int:
        return sum(s.decided for s in self.stations)

    @property
    def days_left(self) -> int | None:
        return None if self.deadline is None else (self.deadline - self.today).days

    @property
    def needed_per_day(self) -> int | None:
        """Decisions a day still needed to finish by the deadline (its day included)."""
        left = self.days_left
        if left is None:
            return None
        return -(-(self.total - self.decided) // max(1, left + 1))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def deadline(engine: Engine) -> dt.date | None:
    with engine.connect() as conn:
        value = conn.scalar(
            select(db.county_settings.c.value).where(db.county_settings.c.name == DEADLINE)
        )
    return dt.date.fromisoformat(value) if value else None


def set_deadline(engine: Engine, day: str) -> dt.date:
    try:
        chosen = dt.date.fromisoformat(day.strip())
    except ValueError:
        raise UsageError("截止日期应为 YYYY-MM-DD", "the deadline is YYYY-MM-DD") from None
    with engine.begin() as conn:
        conn.execute(db.county_settings.delete().where(db.county_settings.c.name == DEADLINE))
        conn.execute(db.county_settings.insert().values(name=DEADLINE, value=chosen.isoformat()))
    return chosen


def overview(engine: Engine, pending_dir: Path, today: dt.date | None = None) -> Overview:
    today = today or dt.date.today()
    now = _now()
    c, b = db.candidates, db.batches
    with engine.connect() as conn:
        stations = {
            r.code: StationProgress(r.code, r.name)
            for r in conn.execute(select(db.stations.c.code, db.stations.c.name))
        }
        for code in conn.scalars(select(db.station_access.c.code)):
            if code in stations:
                stations[code].disabled = True
        for r in conn.execute(
            select(c.c.station, c.c.state, func.count()).group_by(c.c.station, c.c.state)
        ):
            s = stations.get(r.station)
            if s is not None and r.state in ("received", "approved", "rejected"):
                setattr(s, r.state, r[2])
        for r in conn.execute(
            select(b.c.station, func.max(b.c.sequence), func.max(b.c.received_at)).group_by(
                b.c.station
            )
        ):
            s = stations.get(r.station)
            if s is not None:
                s.last_sequence, s.last_at = r[1], r[2]
        waiting = {p.name.rsplit("-", 1)[0] for p in pending_dir.glob("*.zkb")}
        for code in waiting & set(stations):
            stations[code].missing = intake.chain_state(conn, code).next_sequence
    for s in stations.values():
        s.silent = not s.disabled and (
            s.last_at is None or now - s.last_at > dt.timedelta(days=SILENT_DAYS)
        )
    return Overview(sorted(stations.values(), key=lambda s: s.code), deadline(engine), today)


def workbook(view: Overview) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "进度"
    ws.append(
        [
            "报名点代码",
            "报名点",
            "已接收",
            "待审核",
            "通过",
            "不通过",
            "最后批次",
            "最后接收时间",
            "缺号",
            "状态",
        ]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for s in view.stations:
        state = "已停用" if s.disabled else "长时间未上报" if s.silent else "正常"
        ws.append(
            xlsx.row(
                ws,
                [
                    s.code,
                    s.name,
                    s.total,
                    s.received,
                    s.approved,
                    s.rejected,
                    s.last_sequence,
                    s.last_at.strftime("%Y-%m-%d %H:%M") if s.last_at else "",
                    f"缺第 {s.missing} 号" if s.missing else "",
                    state,
                ],
            )
        )
    ws.append([])
    ws.append(["合计", "", view.total, view.total - view.decided, "", "", "", "", "", ""])
    if view.deadline:
        ws.append(
            [
                "截止日期",
                view.deadline.isoformat(),
                "剩余天数",
                view.days_left,
                "每日需审核",
                view.needed_per_day,
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
