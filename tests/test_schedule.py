"""The appointment schedule (station/schedule.py): never over capacity, a class kept together
wherever it fits, nobody lost; property-based over random rosters and capacities."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from station import schedule
from station.errors import UsageError
from station.schedule import Capacity, Group, Period

MORNING = Period(dt.time(8, 30), dt.time(11, 30))
AFTERNOON = Period(dt.time(14, 0), dt.time(17, 0))
ODD = Period(dt.time(9, 10), dt.time(10, 35))


@st.composite
def rosters(draw: st.DrawFn) -> list[Group]:
    schools = draw(st.integers(1, 5))
    groups = []
    for n in range(draw(st.integers(1, 25))):
        school = n % schools
        groups.append(
            Group(f"41010500{school}", f"第{school}中学", f"{n}班", draw(st.integers(1, 120)))
        )
    return groups


@st.composite
def capacities(draw: st.DrawFn) -> Capacity:
    periods = draw(st.sampled_from([(MORNING,), (MORNING, AFTERNOON), (ODD, AFTERNOON)]))
    days = tuple(dt.date(2027, 3, 1) + dt.timedelta(days=n) for n in range(draw(st.integers(1, 3))))
    return Capacity(
        desks=draw(st.integers(1, 6)),
        minutes_per_candidate=draw(st.integers(2, 12)),
        days=days,
        periods=periods,
        slot_minutes=draw(st.sampled_from([15, 20, 30, 45, 60, 90])),
        buffer_percent=draw(st.integers(0, 40)),
    )


@settings(max_examples=300, deadline=None)
@given(groups=rosters(), capacity=capacities())
def test_never_over_capacity_and_classes_kept_together(
    groups: list[Group], capacity: Capacity
) -> None:
    assume(capacity.per_slot() >= 1)
    plan = schedule.plan(groups, capacity)
    # No slot over its capacity, none beyond what the desks do less the buffer, none in a break.
    for s in plan.slots:
        assert 0 <= s.used <= s.capacity <= capacity.per_slot()
        assert any(p.start <= s.start and s.end <= p.end for p in capacity.periods)
    # Everyone placed once, or reported.
    unplaced = {id(g): n for g, n in plan.unplaced}
    for g in groups:
        placed = sum(n for s in plan.slots for h, n in s.parts if h is g)
        assert placed + unplaced.get(id(g), 0) == g.count
    # Consecutive slots of one period for a class placed whole...
    periods: dict[int, list[int]] = {}
    for k, s in enumerate(plan.slots):
        periods.setdefault(s.period, []).append(k)
    spread = []
    for g in groups:
        where = [k for k, s in enumerate(plan.slots) if any(h is g for h, _n in s.parts)]
        if len({plan.slots[k].period for k in where}) > 1 or id(g) in unplaced:
            spread.append(g)
            continue
        assert where == list(range(where[0], where[-1] + 1)), g
    # ...and a class spread only when no single period had room for it whole.
    shares: dict[int, int] = {}
    for s in plan.slots:
        for h, n in s.parts:
            if any(h is g for g in spread):
                shares[s.period] = shares.get(s.period, 0) + n
    for g in spread:
        for period, ks in periods.items():
            room = sum(plan.slots[k].free for k in ks) + shares.get(period, 0)
            assert room < g.count, (g, period, room)


def test_a_worked_day() -> None:
    """4 desks, 5 minutes each, one-hour slots: 48 an hour, 43 with the 10 % buffer."""
    capacity = Capacity(4, 5, (dt.date(2027, 3, 1),), (MORNING, AFTERNOON), 60, 10)
    assert capacity.per_slot() == 43
    one = Group("410105001", "第一中学", "1班", 40)
    two = Group("410105001", "第一中学", "2班", 50)  # fits a period (129), not a slot
    big = Group("410105002", "第二中学", "", 200)  # no period holds 200: spread
    plan = schedule.plan([one, two, big], capacity)
    # 1班 then 2班 share the morning (90 of its 129): 2班 in consecutive slots of it.
    assert [s.start.strftime("%H:%M") for s in plan.of(one)] == ["08:30"]
    assert [s.start.strftime("%H:%M") for s in plan.of(two)] == ["08:30", "09:30", "10:30"]
    assert len({s.period for s in plan.of(big)}) == 2
    assert plan.unplaced == [(big, 200 - (6 * 43 - 90))]
    assert plan.placed == 6 * 43


@pytest.mark.parametrize(
    ("desks", "minutes", "buffer", "periods"),
    [
        (0, 5, 10, (MORNING,)),
        (4, 5, 100, (MORNING,)),
        (4, 5, 10, ()),
        (1, 90, 10, (MORNING,)),
        (4, 5, 10, (MORNING, Period(dt.time(11), dt.time(12)))),
    ],
)
def test_impossible_capacities_are_refused_with_a_reason(desks, minutes, buffer, periods) -> None:
    with pytest.raises(UsageError):
        schedule.plan([], Capacity(desks, minutes, (dt.date(2027, 3, 1),), periods, 60, buffer))


def test_days_and_periods_as_typed() -> None:
    assert schedule.parse_days("2027-03-01..2027-03-03")[-1] == dt.date(2027, 3, 3)
    assert len(schedule.parse_days("2027-03-01, 2027-03-05")) == 2
    assert schedule.parse_period("08:30-11:30") == MORNING
    for bad in ("2027-03-05..2027-03-01", "tomorrow"):
        with pytest.raises(UsageError):
            schedule.parse_days(bad)
    with pytest.raises(UsageError):
        schedule.parse_period("8.30 to 11")


def test_the_schedule_command(tmp_path, monkeypatch, capsys) -> None:
    """From the station's records still to come, and from a sheet of classes; Excel and PDF;
    0 when everyone fits, 1 when some do not, 2 for a bad sheet."""
    import openpyxl
    from pypdf import PdfReader

    from station import seeding
    from station.cli import main

    from .factories import ADMIN
    from .sync_fixtures import login, make_station

    directory = make_station(tmp_path, 3)
    with login(directory) as ctx:
        seeding.seed(ctx, 30, "ready", rng_seed=3)
    monkeypatch.setenv("STATION_HOME", str(directory))
    monkeypatch.setenv("STATION_OPERATOR", ADMIN[0])
    monkeypatch.setenv("STATION_PASSWORD", ADMIN[1])
    common = ["schedule", "--desks", "2", "--minutes", "5", "--days", "2027-03-01"]
    assert main([*common, "--out", str(tmp_path / "plan.xlsx")]) == 0
    sheet = openpyxl.load_workbook(tmp_path / "plan.xlsx").active
    counts = [row[5] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert sum(counts) == 30 and max(counts) <= 10  # 2 desks × 30 min ÷ 5 less 10 %: 10
    from station.schedule_export import load_plan

    assert sum(int(v["count"]) for v in load_plan(directory)) == 30  # the plan in force
    assert main([*common, "--hours", "08:30-09:00", "--out", str(tmp_path / "n.pdf")]) == 1
    assert "排不下" in capsys.readouterr().err
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "n.pdf").pages)
    assert "预约通知" in text and "测试报名点3" in text

    classes = openpyxl.Workbook()
    ws = classes.active
    ws.append(["学校代码", "学校", "班级", "人数"])
    ws.append(["410105001", "第一中学", "九(1)班", 40])
    ws.append(["410105001", "第一中学", "九(2)班", 35])
    classes.save(tmp_path / "classes.xlsx")
    out = tmp_path / "classes-plan.pdf"
    assert (
        main(
            [*common, "--groups", str(tmp_path / "classes.xlsx"), "--desks", "6", "--out", str(out)]
        )
        == 0
    )
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    assert "第一中学" in text and "九(1)班" in text
    ws.append(["410105002", "", "1班", "很多"])
    classes.save(tmp_path / "classes.xlsx")
    assert main([*common, "--groups", str(tmp_path / "classes.xlsx"), "--out", str(out)]) == 2
    assert "第 4 行" in capsys.readouterr().err
    assert main([*common, "--out", str(tmp_path / "plan.txt")]) == 2


def test_a_search_keeps_every_class_whole_where_greedy_would_split_one() -> None:
    """Two periods of 10 and classes of 5, 4, 4, 3, 2, 2: largest-first splits one class;
    5+3+2 and 4+4+2 keep every one whole."""
    capacity = Capacity(
        1,
        6,
        (dt.date(2027, 3, 1),),
        (Period(dt.time(8), dt.time(9)), Period(dt.time(10), dt.time(11))),
        60,
        0,
    )
    assert capacity.per_slot() == 10
    groups = [Group("1", "一中", f"{n}班", size) for n, size in enumerate((5, 4, 4, 3, 2, 2))]
    plan = schedule.plan(groups, capacity)
    assert not plan.unplaced
    for g in groups:
        assert len(plan.of(g)) == 1, g  # one slot each here: a period is one slot
    assert sorted(s.used for s in plan.slots) == [10, 10]
