"""The daily report (station/report.py): its figures against a seeded station's audit log,
the other day's report empty, the supervisor's only, and its Excel and PDF."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from station import auth, passwords, records, report, seeding
from station.errors import PermissionDenied, StationError
from station.lifecycle import Action, State

from .factories import ADMIN, SUPERVISOR
from .sync_fixtures import login, make_station


def test_the_days_figures(tmp_path: Path) -> None:
    directory = make_station(tmp_path, 3)
    with login(directory) as ctx:
        seeding.seed(ctx, 5, "ready", rng_seed=1)
        seeding.seed(ctx, 2, "signed", rng_seed=2)
        with ctx.store.read() as s:
            ready = [c.id for c in records.list_candidates(s) if c.state == State.READY.value]
            signed = [c.id for c in records.list_candidates(s) if c.state == State.SIGNED.value]
        with pytest.raises(StationError):
            passwords.set_password(
                ctx, ready[0], "123456", "123456", passwords.QUESTIONS[0], "北京"
            )
    with pytest.raises(StationError):
        auth.login(directory, ADMIN[0], "not the password")
    with login(directory, SUPERVISOR) as sup:
        records.transition(sup, signed[0], Action.UNLOCK, "县区退回：电话号码有误")
        with sup.store.read() as s:
            number = records.get(s, signed[0]).registration_no
        day = report.daily(sup, dt.date.today())
        assert report.daily(sup, dt.date.today() - dt.timedelta(days=1)).work["create"] == 0
    assert day.work["create"] == 7 and day.work["sign"] == 2 and day.work["unlock"] == 1
    assert day.work["form_printed"] == 2 and day.work["candidate_reviewed"] == 2
    assert sum(day.by_hour.values()) == 7
    assert day.operators[ADMIN[0]]["create"] == 7
    assert day.operators[SUPERVISOR[0]]["unlock"] == 1
    assert day.corrections == [
        {
            "time": day.corrections[0]["time"],
            "operator": SUPERVISOR[0],
            "registration_no": number,
            "reason": "县区退回：电话号码有误",
        }
    ]
    assert day.exception_counts == {"candidate_password_refused": 1, "login_failed": 1}
    # The corrected record went back to be checked and signed again.
    assert sum(day.by_state.values()) == 7 and day.by_state["ready"] == 5
    assert day.by_state.get("signed") == 1


def test_only_a_supervisor_gets_it_and_its_files(tmp_path: Path, monkeypatch, capsys) -> None:
    from station.cli import main
    from station.roles import Role

    directory = make_station(tmp_path, 4)
    with login(directory) as ctx:
        seeding.seed(ctx, 3, "signed", rng_seed=4)
        auth.add_operator(ctx, "luru", "录入员", Role.OPERATOR, "operator-password-1")
    with login(directory, ("luru", "operator-password-1")) as op, pytest.raises(PermissionDenied):
        report.daily(op, dt.date.today())
    monkeypatch.setenv("STATION_HOME", str(directory))
    monkeypatch.setenv("STATION_OPERATOR", SUPERVISOR[0])
    monkeypatch.setenv("STATION_PASSWORD", SUPERVISOR[1])
    assert main(["report", "daily", "--out", str(tmp_path / "day.xlsx")]) == 0
    book = openpyxl.load_workbook(tmp_path / "day.xlsx")
    assert book.sheetnames == ["日报", "操作员", "更正", "异常明细"]
    assert ["新建记录", 3] in [list(r) for r in book["日报"].iter_rows(values_only=True)]
    assert main(["report", "daily", "--out", str(tmp_path / "day.pdf")]) == 0
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "day.pdf").pages)
    assert "工作日报" in text and "每小时新建记录" in text
    assert main(["report", "daily", "--date", "yesterday", "--out", str(tmp_path / "x.pdf")]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_imports_and_batches_are_counted_as_such(tmp_path: Path) -> None:
    """Roster rows are 名单导入, not records typed at the desk; an export of many records is
    one batch; a reopened record is a correction."""
    from station import roster
    from sync import station_side

    from .factories import record_for
    from .sync_fixtures import install, make_county
    from .test_roster import write_roster

    directory = make_station(tmp_path, 5)
    _keys, public = make_county(tmp_path / "county")
    install(directory, public)
    with login(directory) as ctx:
        roster.import_roster(
            ctx, write_roster(tmp_path / "r.xlsx", [record_for(i) for i in (1, 2)])
        )
        seeding.seed(ctx, 4, "signed", rng_seed=5)
        (tmp_path / "usb").mkdir()
        station_side.export_batches(ctx, tmp_path / "usb", max_records=2)
    with login(directory, SUPERVISOR) as sup:
        day = report.daily(sup, dt.date.today())
    assert day.work["import"] == 2 and day.work["create"] == 4
    assert day.work["export"] == 2  # two batches of two records
    assert sum(day.by_hour.values()) == 4  # the desk's own records
