"""The supervisor's dashboard: its figures against a seeded station, and the window a
supervisor opens with F9 (numbers, charts, what waits too long)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from sqlalchemy import update

from station import dashboard, seeding
from station.models import PasswordRefusal, Photo

from .factories import SUPERVISOR
from .qt_helpers import idle
from .sync_fixtures import login, make_station


@pytest.fixture
def station(tmp_path: Path) -> Path:
    directory = make_station(tmp_path, 3)
    with login(directory) as ctx:
        seeding.seed(ctx, 6, "draft", rng_seed=1)
        seeding.seed(ctx, 4, "ready", rng_seed=2)
        seeding.seed(ctx, 3, "signed", rng_seed=3)
        with ctx.store.session() as s:
            first = s.query(Photo).first()
            assert first is not None
            first.flag = "与 27410105030001 相似"
            s.add(PasswordRefusal(school_code="410105001", reason="common", count=4))
    return directory


def test_the_figures(station: Path) -> None:
    with login(station, SUPERVISOR) as ctx:
        ctx.settings.deadline = (dt.date.today() + dt.timedelta(days=4)).isoformat()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        f = dashboard.figures(ctx, now)
        assert f.by_state == {"draft": 6, "ready": 4, "signed": 3} and f.total == 13
        assert sum(line.total for line in f.by_school) == 13
        assert sum(line.collected for line in f.by_school) == 3
        local_today = now.replace(tzinfo=dt.UTC).astimezone().date()
        assert f.by_day == [(local_today, 13)]
        assert f.flagged_photos == 1 and f.refusals == {"410105001": 4}
        assert f.to_collect == 10 and f.days_left == 4 and f.needed_per_day == 2  # 10 in 5 days
        assert f.stale == [] and f.unacknowledged == 0 and f.last_export is None
        # Ten days on, nothing moved: drafts, ready and signed records all wait too long.
        later = dashboard.figures(ctx, now + dt.timedelta(days=10))
        assert {s.state: s.count for s in later.stale} == {"draft": 6, "ready": 4, "signed": 3}
        with ctx.store.session() as s:
            s.execute(update(Photo).values(flag_cleared_by="shenhe"))
        assert dashboard.figures(ctx, now).flagged_photos == 0


def test_the_window(qtbot, station: Path) -> None:
    from ui import i18n
    from ui.main_window import MainWindow

    i18n.install("zh_CN")
    with login(station, SUPERVISOR) as ctx:
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.show()
        idle(qtbot)
        action = window.findChild(type(window.new_action), "dashboard")
        assert action is not None and action.shortcut().toString() == "F9"
        action.trigger()
        dialog = window.findChild(dashboard_type())
        action.trigger()  # F9 again: the same window, raised
        assert window.findChildren(dashboard_type()) == [dialog]
        qtbot.waitUntil(lambda: dialog.figures is not None, timeout=10_000)
        assert dialog.findChild(QLabel, "tile_total").text() == "13"
        assert dialog.findChild(QLabel, "tile_to_collect").text() == "10"
        assert dialog.findChild(QLabel, "tile_flagged").text() == "1"
        assert "410105001 4" in dialog.findChild(QLabel, "dashboardNotes").text()
        assert dialog.states.chart().series()[0].count() == 1  # one set, a bar per state
        schools = dialog.schools.chart()
        (axis,) = [a for a in schools.axes() if hasattr(a, "categories")]
        assert axis.count() == schools.series()[0].barSets()[0].count()  # a name for each bar
        # The daily report from the dashboard: written off the GUI thread.
        target = station / "日报.pdf"
        dialog.daily_report(str(target))
        qtbot.waitUntil(lambda: "日报.pdf" in dialog.saved.text(), timeout=15_000)
        assert target.read_bytes().startswith(b"%PDF")
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        assert not dialog.timer.isActive()
        window.close()


def dashboard_type() -> type:
    from ui.dashboard import DashboardDialog

    return DashboardDialog


def test_two_schools_of_one_name_keep_their_own_bars() -> None:
    """A category axis drops a repeated name: every bar after it stood beside the wrong school."""
    from ui.dashboard import _unique

    assert _unique([("第六中学", "411424006"), ("第一中学", "1"), ("第六中学", "411526006")]) == [
        "第六中学（411424006）",
        "第一中学",
        "第六中学（411526006）",
    ]


def test_who_is_due_now_and_who_missed_their_time(station: Path) -> None:
    import json

    from station.schedule_export import PLAN_FILE

    with login(station, SUPERVISOR) as ctx, ctx.store.read() as s:
        from sqlalchemy import select

        from station.models import Candidate

        waiting, coming = s.scalars(
            select(Candidate.school_code)
            .where(Candidate.state.in_(["draft", "ready"]), Candidate.school_code != "")
            .distinct()
            .limit(2)
        ).all()
    local = dt.datetime.now()
    hhmm = lambda d: f"{d:%H:%M}"  # noqa: E731
    visits = [
        {
            "day": f"{local:%Y-%m-%d}",
            "start": hhmm(local - dt.timedelta(minutes=5)),
            "end": hhmm(local + dt.timedelta(minutes=25)),
            "school_code": "X1",
            "school_name": "正在来的中学",
            "class": "1班",
            "count": 20,
        },
        {
            "day": f"{local - dt.timedelta(days=1):%Y-%m-%d}",
            "start": "08:30",
            "end": "09:00",
            "school_code": waiting,
            "school_name": "没来的中学",
            "class": "",
            "count": 3,
        },
        {
            "day": f"{local - dt.timedelta(days=1):%Y-%m-%d}",
            "start": "09:00",
            "end": "09:30",
            "school_code": "DONE",
            "school_name": "已采完的中学",
            "class": "",
            "count": 3,
        },
        # A school still coming: its first slot is over, its last one is not.
        {
            "day": f"{local - dt.timedelta(days=1):%Y-%m-%d}",
            "start": "10:00",
            "end": "10:30",
            "school_code": waiting,
            "school_name": "没来的中学",
            "class": "",
            "count": 3,
        },
        {
            "day": f"{local + dt.timedelta(days=1):%Y-%m-%d}",
            "start": "10:00",
            "end": "10:30",
            "school_code": coming,
            "school_name": "还在来的中学",
            "class": "1班",
            "count": 3,
        },
        {
            "day": f"{local - dt.timedelta(days=1):%Y-%m-%d}",
            "start": "10:00",
            "end": "10:30",
            "school_code": coming,
            "school_name": "还在来的中学",
            "class": "2班",
            "count": 3,
        },
    ]
    (station / PLAN_FILE).write_text(json.dumps({"version": 1, "visits": visits}), "utf-8")
    with login(station, SUPERVISOR) as ctx:
        f = dashboard.figures(ctx)
    if local.minute >= 5 and local.hour < 23:  # the visit around now stays within today
        assert [v["school_name"] for v in f.due_now] == ["正在来的中学"]
    assert [v["school_name"] for v in f.missed] == ["没来的中学"]
    assert f.missed[0]["start"] == "10:00"  # its last visit, once
