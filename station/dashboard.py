"""The supervisor's dashboard (督导看板): where the point stands, in figures the supervisor can
act on, each read with one grouped query so that it refreshes in a moment at 50,000 records.

Records by state, by school and by day; records that have waited too long in one state (a
draft nobody finished, a signed record not exported, a batch without a receipt); photos
flagged as near duplicates that wait for a supervisor; refused candidate passwords per
school; the last export and backup and the batches without a receipt; and the collection
against the deadline: the days left and the records a day still needed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select

from station import backup
from station.auth import Context
from station.lifecycle import State
from station.models import Batch, Candidate, PasswordRefusal, Photo
from station.roles import Permission

#: How long a record may stay in a state before the dashboard names it.
WAIT_LIMITS = {
    State.DRAFT: dt.timedelta(days=7),
    State.READY: dt.timedelta(days=2),
    State.CONFIRMED: dt.timedelta(days=1),
    State.SIGNED: dt.timedelta(days=2),
    State.EXPORTED: dt.timedelta(days=7),
}
#: Still to be collected at the desk (against the deadline).
TO_COLLECT = (State.DRAFT.value, State.READY.value, State.CONFIRMED.value)


@dataclass
class SchoolLine:
    code: str
    name: str
    total: int
    collected: int  # signed or beyond


@dataclass
class Stale:
    state: str
    count: int
    limit_days: int


@dataclass
class Dashboard:
    now: dt.datetime
    by_state: dict[str, int]
    by_school: list[SchoolLine]
    by_day: list[tuple[dt.date, int]]  # records created a day
    stale: list[Stale]
    flagged_photos: int
    refusals: dict[str, int]  # school code → refused password attempts
    last_export: dt.datetime | None
    last_backup: dt.datetime | None
    unacknowledged: int
    deadline: dt.date | None
    to_collect: int
    total: int = field(default=0)
    #: From the appointment plan in force (station schedule): who is due now, and the
    #: visits whose time has passed while their school still has records to collect.
    due_now: list[dict[str, object]] = field(default_factory=list)
    missed: list[dict[str, object]] = field(default_factory=list)

    @property
    def days_left(self) -> int | None:
        """Counted in the station's own days (``now`` is UTC; the deadline is a local day)."""
        if self.deadline is None:
            return None
        today = self.now.replace(tzinfo=dt.UTC).astimezone().date()
        return (self.deadline - today).days

    @property
    def needed_per_day(self) -> int | None:
        """Records a day still needed to finish by the deadline (its day included)."""
        left = self.days_left
        if left is None:
            return None
        return -(-self.to_collect // max(1, left + 1))


def figures(ctx: Context, now: dt.datetime | None = None) -> Dashboard:
    ctx.require(Permission.UNLOCK)
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    c = Candidate
    with ctx.store.read() as s:
        by_state = {
            state: n for state, n in s.execute(select(c.state, func.count()).group_by(c.state))
        }
        collected = (
            State.SIGNED.value,
            State.EXPORTED.value,
            State.ACKNOWLEDGED.value,
            State.APPROVED.value,
            State.REJECTED.value,
        )
        schools: dict[tuple[str, str], list[int]] = {}
        for code, name, state, n in s.execute(
            select(c.school_code, c.school_name, c.state, func.count()).group_by(
                c.school_code, c.school_name, c.state
            )
        ):
            line = schools.setdefault((code, name), [0, 0])
            line[0] += n
            if state in collected:
                line[1] += n
        # By the hour (UTC, from the index alone), then into the station's local days.
        days: dict[dt.date, int] = {}
        for hour, n in s.execute(
            select(func.strftime("%Y-%m-%d %H", c.created_at), func.count()).group_by(
                func.strftime("%Y-%m-%d %H", c.created_at)
            )
        ):
            if hour:
                moment = dt.datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=dt.UTC)
                local_day = moment.astimezone().date()
                days[local_day] = days.get(local_day, 0) + n
        by_day = sorted(days.items())
        stale = []
        for state, limit in WAIT_LIMITS.items():
            count = s.scalar(
                select(func.count()).where(c.state == state.value, c.updated_at < now - limit)
            )
            if count:
                stale.append(Stale(state.value, int(count), limit.days))
        flagged = s.scalar(
            select(func.count())
            .select_from(Photo)
            .where(Photo.flag != "", Photo.flag_cleared_by == "")
        )
        refusals: dict[str, int] = {}
        for school, n in s.execute(
            select(PasswordRefusal.school_code, func.sum(PasswordRefusal.count)).group_by(
                PasswordRefusal.school_code
            )
        ):
            refusals[school] = int(n or 0)
        last_export = s.scalar(select(func.max(Batch.created_at)))
        unacknowledged = s.scalar(
            select(func.count()).select_from(Batch).where(Batch.data.is_not(None))
        )
    deadline = dt.date.fromisoformat(ctx.settings.deadline) if ctx.settings.deadline else None
    waiting_schools = {code for (code, _name), (total, done) in schools.items() if total > done}
    due_now, missed = _appointments(ctx, now, waiting_schools)
    lines = [SchoolLine(code, name, t, done) for (code, name), (t, done) in schools.items()]
    return Dashboard(
        now=now,
        by_state=by_state,
        by_school=sorted(lines, key=lambda line: (-line.total, line.code)),
        by_day=by_day,
        stale=stale,
        flagged_photos=int(flagged or 0),
        refusals=dict(sorted(refusals.items(), key=lambda kv: -kv[1])),
        last_export=last_export,
        last_backup=backup.last_backup(ctx.data_dir),
        unacknowledged=int(unacknowledged or 0),
        deadline=deadline,
        to_collect=sum(by_state.get(st, 0) for st in TO_COLLECT),
        total=sum(by_state.values()),
        due_now=due_now,
        missed=missed,
    )


def _appointments(
    ctx: Context, now: dt.datetime, waiting: set[str]
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    from station.schedule_export import load_plan

    local = now.replace(tzinfo=dt.UTC).astimezone().replace(tzinfo=None)
    due: list[dict[str, object]] = []
    last: dict[str, tuple[dt.datetime, dict[str, object]]] = {}  # a school's last visit
    for v in load_plan(ctx.data_dir):
        try:
            day = dt.date.fromisoformat(str(v["day"]))
            start = dt.datetime.combine(day, dt.time.fromisoformat(str(v["start"])))
            end = dt.datetime.combine(day, dt.time.fromisoformat(str(v["end"])))
        except (KeyError, ValueError):
            continue
        if start <= local < end:
            due.append(v)
        school = str(v.get("school_code", ""))
        if school not in last or end > last[school][0]:
            last[school] = (end, v)
    # A school comes over several slots: it has missed its time only once its last visit
    # has ended and records of it are still to be collected.
    missed = [v for school, (end, v) in last.items() if end <= local and school in waiting]
    return due, missed
