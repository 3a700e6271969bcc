"""The record's lifecycle from the command line: the same transitions as the desk, run
in-process (tests/test_cli.py covers the command line as a process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from station import auth, records, seeding
from station.cli import main
from station.lifecycle import State

from .factories import ADMIN, OPERATOR, SUPERVISOR


def _as(monkeypatch: pytest.MonkeyPatch, who: tuple[str, str]) -> None:
    monkeypatch.setenv("STATION_OPERATOR", who[0])
    monkeypatch.setenv("STATION_PASSWORD", who[1])


def _state(directory: Path, registration_no: str) -> tuple[str, int]:
    with auth.login(directory, *ADMIN) as ctx, ctx.store.read() as s:
        c = records.lookup(s, registration_no)
        return c.state, c.version


def test_confirm_sign_and_unlock_from_the_command_line(
    station_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from station.form.service import print_form
    from station.passwords import set_password

    with auth.login(station_dir, *ADMIN) as ctx:
        (cid,) = seeding.seed(ctx, 1, "ready", rng_seed=51)
        records.record_review(ctx, cid)
        set_password(
            ctx, cid, "Vv8#pond-Ladder", "Vv8#pond-Ladder", "您的小学班主任姓什么？", "王老师"
        )
        print_form(ctx, cid)
        with ctx.store.read() as s:
            number = records.get(s, cid).registration_no
    data = ["--data-dir", str(station_dir)]
    _as(monkeypatch, OPERATOR)
    assert main([*data, "candidate", "confirm", number]) == 0
    assert _state(station_dir, number) == (State.CONFIRMED, 1)
    # Back to editing from a confirmed (printed) record: not the operator alone.
    assert main([*data, "candidate", "unlock", number, "--reason", "电话写错"]) == 1
    assert "审核员" in capsys.readouterr().err
    assert _state(station_dir, number) == (State.CONFIRMED, 1)
    _as(monkeypatch, SUPERVISOR)
    assert main([*data, "candidate", "unlock", number, "--reason", "电话写错", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["version"] == 2 and out["state"] in (State.DRAFT, State.READY)


def test_sign_needs_the_archive_place_and_release_needs_a_supervisor(
    station_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from .factories import record_for

    with auth.login(station_dir, *ADMIN) as ctx:
        (cid,) = seeding.seed(ctx, 1, "confirmed", rng_seed=52)
        with ctx.store.read() as s:
            number = records.get(s, cid).registration_no
        saved = records.create(ctx, record_for(53), source="card", card_fields=("name",))
    data = ["--data-dir", str(station_dir)]
    _as(monkeypatch, OPERATOR)
    assert main([*data, "candidate", "sign", number, "--archive-ref", " "]) == 1
    assert main([*data, "candidate", "sign", number, "--archive-ref", "盒3-页17"]) == 0
    assert _state(station_dir, number)[0] == State.SIGNED
    capsys.readouterr()
    assert main([*data, "candidate", "release-card-fields", str(saved.id), "--reason", "读错"]) == 1
    assert "审核员" in capsys.readouterr().err
    _as(monkeypatch, SUPERVISOR)
    assert main([*data, "candidate", "release-card-fields", str(saved.id), "--reason", "读错"]) == 0
    with auth.login(station_dir, *ADMIN) as ctx, ctx.store.read() as s:
        assert records.card_fields_of(records.get(s, saved.id)) == []
