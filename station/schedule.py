"""The appointment schedule (预约安排): when each school's classes come to the point, so that
nothing is congested (有组织、有计划安排考生上机录入, 科学规避拥堵).

The point's capacity is its desks, the minutes one candidate takes, its opening periods on
each day (a break is the gap between two periods) and a buffer left free in every slot for
walk-ins and slow cases. Time is cut into slots; a slot holds at most
``desks × slot minutes ÷ minutes per candidate`` candidates less the buffer, and never more.

A class (班级) is kept together in one period, in consecutive slots: the classes are placed
whole first, largest first, each in the fullest period that still takes it (best fit); when
that leaves a class without a period, a search (bounded, instant for a few hundred classes)
looks for an arrangement that keeps every class whole. Only a class that still has no period
is spread over the room that is left, in time order. Candidates that do not fit at all are
reported, not squeezed in.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from station.errors import UsageError


@dataclass(frozen=True, slots=True)
class Group:
    """A class of a school (or a whole school when its classes are not known)."""

    school_code: str
    school_name: str
    klass: str  # 班级; "" for a school taken as one group
    count: int

    @property
    def label(self) -> str:
        return f"{self.school_name} {self.klass}".strip()


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.time
    end: dt.time


@dataclass(frozen=True, slots=True)
class Capacity:
    desks: int
    minutes_per_candidate: int
    days: tuple[dt.date, ...]
    periods: tuple[Period, ...]  # the same opening hours every day; breaks between them
    slot_minutes: int = 30
    buffer_percent: int = 10

    def check(self) -> None:
        if self.desks < 1 or self.minutes_per_candidate < 1 or self.slot_minutes < 1:
            raise UsageError(
                "工位数、每人分钟数和时段长度都应为正整数",
                "desks, minutes per candidate and slot length must be positive",
            )
        if not 0 <= self.buffer_percent < 100:
            raise UsageError("预留比例应在 0 到 99 之间", "the buffer is 0 to 99 percent")
        if not self.days or not self.periods:
            raise UsageError("请给出开放的日期和时间段", "give the open days and hours")
        for p in self.periods:
            if p.end <= p.start:
                raise UsageError(
                    f"时间段 {p.start:%H:%M}-{p.end:%H:%M} 的结束早于开始",
                    f"period {p.start:%H:%M}-{p.end:%H:%M} ends before it starts",
                )
        ordered = sorted(self.periods, key=lambda p: p.start)
        for a, b in itertools.pairwise(ordered):
            if b.start < a.end:
                raise UsageError("开放时间段有重叠", "the opening periods overlap")
        if self.per_slot() < 1:
            raise UsageError(
                "每个时段一人也排不下：请增加工位、延长时段或减少预留",
                "a slot holds no one: more desks, longer slots or a smaller buffer",
            )

    def per_slot(self) -> int:
        """Candidates one slot holds: what the desks do in it, less the buffer, rounded down."""
        whole = self.desks * self.slot_minutes // self.minutes_per_candidate
        return math.floor(whole * (100 - self.buffer_percent) / 100)


@dataclass(slots=True)
class Slot:
    day: dt.date
    start: dt.time
    end: dt.time
    period: int  # index of (day, period): slots of one period are consecutive
    capacity: int
    parts: list[tuple[Group, int]] = field(default_factory=list)

    @property
    def used(self) -> int:
        return sum(n for _g, n in self.parts)

    @property
    def free(self) -> int:
        return self.capacity - self.used


@dataclass(slots=True)
class Plan:
    slots: list[Slot]
    unplaced: list[tuple[Group, int]]  # what did not fit at all

    @property
    def placed(self) -> int:
        return sum(s.used for s in self.slots)

    def of(self, group: Group) -> list[Slot]:
        return [s for s in self.slots if any(g is group for g, _n in s.parts)]

    def used_slots(self) -> list[Slot]:
        return [s for s in self.slots if s.parts]


def slots_of(capacity: Capacity) -> list[Slot]:
    """Every slot of every open period of every day, in time order (a period's last slot
    may be shorter, with the capacity of its minutes)."""
    capacity.check()
    out: list[Slot] = []
    index = 0
    for day in sorted(set(capacity.days)):
        for period in sorted(capacity.periods, key=lambda p: p.start):
            start = dt.datetime.combine(day, period.start)
            end = dt.datetime.combine(day, period.end)
            while start < end:
                stop = min(end, start + dt.timedelta(minutes=capacity.slot_minutes))
                minutes = int((stop - start).total_seconds() // 60)
                whole = capacity.desks * minutes // capacity.minutes_per_candidate
                held = math.floor(whole * (100 - capacity.buffer_percent) / 100)
                if held > 0:
                    out.append(Slot(day, start.time(), stop.time(), index, held))
                start = stop
            index += 1
    return out


def _room_in(slots: Sequence[Slot]) -> int:
    return sum(s.free for s in slots)


def _fill(slots: Sequence[Slot], group: Group, count: int) -> int:
    """Put ``count`` of the group into these slots in time order; returns what is left."""
    left = count
    for s in slots:
        if left == 0:
            break
        take = min(s.free, left)
        if take:
            s.parts.append((group, take))
            left -= take
    return left


#: A registration season is weeks, not years: a typo in a year is caught, not planned.
MAX_DAYS = 366

#: How many placements the search for an arrangement that keeps every class whole may try
#: before it settles for the greedy one (a few hundred classes stay instant).
SEARCH_BUDGET = 20_000


def _whole_homes(sizes: list[int], rooms: list[int]) -> list[int | None]:
    """A period for each class (largest first), every class whole if the search finds a way
    within its budget; else the greedy choice: the fullest period that still takes it
    (best fit), None for a class that no period can take whole at its turn."""
    greedy: list[int | None] = []
    left = list(rooms)
    for n in sizes:
        fits = [k for k, r in enumerate(left) if r >= n]
        k = min(fits, key=lambda k: (left[k], k)) if fits else None
        if k is not None:
            left[k] -= n
        greedy.append(k)
    if None not in greedy or sum(sizes) > sum(rooms):
        return greedy
    budget = [SEARCH_BUDGET]
    choice: list[int] = []
    left = list(rooms)

    def place(i: int) -> bool:
        if i == len(sizes):
            return True
        tried: set[int] = set()
        for k in sorted(range(len(left)), key=lambda k: (left[k], k)):
            if left[k] < sizes[i] or left[k] in tried:  # periods of equal room are alike
                continue
            budget[0] -= 1
            if budget[0] < 0:
                return False
            tried.add(left[k])
            left[k] -= sizes[i]
            choice.append(k)
            if place(i + 1):
                return True
            choice.pop()
            left[k] += sizes[i]
        return False

    return list(choice) if place(0) else greedy


def plan(groups: Iterable[Group], capacity: Capacity) -> Plan:
    slots = slots_of(capacity)
    periods: dict[int, list[Slot]] = {}
    for s in slots:
        periods.setdefault(s.period, []).append(s)
    ordered = list(periods.values())
    wanted = [g for g in groups if g.count > 0]
    whole = sorted(wanted, key=lambda g: (-g.count, g.school_code, g.klass))
    homes = _whole_homes([g.count for g in whole], [_room_in(p) for p in ordered])
    spread: list[Group] = [g for g, k in zip(whole, homes, strict=True) if k is None]
    # Each period's classes in school and class order, one after another: consecutive slots.
    placed = sorted(
        ((k, g) for g, k in zip(whole, homes, strict=True) if k is not None),
        key=lambda kg: (kg[0], kg[1].school_code, kg[1].klass),
    )
    for k, g in placed:
        left = _fill(ordered[k], g, g.count)
        assert left == 0  # the search counted the room
    unplaced: list[tuple[Group, int]] = []
    for g in sorted(spread, key=lambda g: (g.school_code, g.klass)):
        left = _fill(slots, g, g.count)
        if left:
            unplaced.append((g, left))
    # Within a slot, one school after another, classes in order: easier to read and call.
    for s in slots:
        s.parts.sort(key=lambda part: (part[0].school_code, part[0].klass))
    return Plan(slots, unplaced)


def parse_period(text: str) -> Period:
    """``08:30-11:30`` → a period."""
    try:
        a, b = text.strip().split("-")
        return Period(dt.time.fromisoformat(a.strip()), dt.time.fromisoformat(b.strip()))
    except ValueError:
        raise UsageError(
            f"时间段 {text!r} 应写成 08:30-11:30", f"a period is written 08:30-11:30, not {text!r}"
        ) from None


def parse_days(text: str) -> tuple[dt.date, ...]:
    """``2027-03-01..2027-03-05`` or ``2027-03-01,2027-03-03``: the open days."""
    try:
        if ".." in text:
            a, b = (dt.date.fromisoformat(x.strip()) for x in text.split(".."))
            if b < a:
                raise ValueError
            if (b - a).days >= MAX_DAYS:
                raise UsageError(
                    f"开放日期跨度不超过 {MAX_DAYS} 天：{text}",
                    f"the open days span at most {MAX_DAYS} days: {text}",
                )
            return tuple(a + dt.timedelta(days=n) for n in range((b - a).days + 1))
        days = tuple(dt.date.fromisoformat(x.strip()) for x in text.split(",") if x.strip())
        if len(days) > MAX_DAYS:
            raise UsageError(f"开放日期不超过 {MAX_DAYS} 天", f"at most {MAX_DAYS} open days")
        return days
    except ValueError:
        raise UsageError(
            f"日期 {text!r} 应写成 2027-03-01..2027-03-05 或 2027-03-01,2027-03-03",
            f"days are 2027-03-01..2027-03-05 or a comma list, not {text!r}",
        ) from None
