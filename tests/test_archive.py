"""The paper archive list (station/archive.py): every signed form's box and page, in shelf
order, a box at a time, supervisors only."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from station import archive, auth, records, seeding
from station.errors import PermissionDenied
from station.lifecycle import Action

from .factories import SUPERVISOR
from .sync_fixtures import login, make_station


def test_boxes_in_shelf_order(tmp_path: Path, monkeypatch, capsys) -> None:
    from station.cli import main
    from station.roles import Role

    directory = make_station(tmp_path, 3)
    with login(directory) as ctx:
        seeding.seed(ctx, 3, "ready", rng_seed=1)
        with ctx.store.read() as s:
            ids = [c.id for c in records.list_candidates(s)]
        auth.add_operator(ctx, "luru", "录入员", Role.OPERATOR, "operator-password-1")
    places = {ids[0]: "盒10-页2", ids[1]: "盒2-页10", ids[2]: "盒2-页9"}
    with login(directory, SUPERVISOR) as sup:
        for cid, place in places.items():
            with sup.store.session() as s:
                c = records.get(s, cid)
                records.record_review_in(s, sup, c)
                records.record_password_in(s, sup, c, "$argon2id$demo")
                records.record_printed_in(s, sup, c)
                records.transition_in(s, sup, c, Action.CONFIRM)
            records.sign(sup, cid, place)
        found = archive.entries(sup)
        # Numbers as numbers: 盒2 before 盒10, 页9 before 页10.
        assert [e.place for e in found] == ["盒2-页9", "盒2-页10", "盒10-页2"]
        assert [e.box for e in found] == ["盒2", "盒2", "盒10"]
        assert [e.place for e in archive.entries(sup, "盒10")] == ["盒10-页2"]
        # A corrected record leaves the list until it is signed (and filed) again.
        records.transition(sup, ids[1], Action.UNLOCK, "电话有误")
        assert [e.place for e in archive.entries(sup)] == ["盒2-页9", "盒10-页2"]
    with login(directory, ("luru", "operator-password-1")) as op, pytest.raises(PermissionDenied):
        archive.entries(op)

    monkeypatch.setenv("STATION_HOME", str(directory))
    monkeypatch.setenv("STATION_OPERATOR", SUPERVISOR[0])
    monkeypatch.setenv("STATION_PASSWORD", SUPERVISOR[1])
    assert main(["archive", "list", "--out", str(tmp_path / "boxes.pdf")]) == 0
    pages = PdfReader(tmp_path / "boxes.pdf").pages
    assert len(pages) == 2 and "存档盒 盒2" in pages[0].extract_text()
    assert main(["archive", "list", "--box", "盒2", "--out", str(tmp_path / "b.xlsx")]) == 0
    sheet = openpyxl.load_workbook(tmp_path / "b.xlsx").active
    assert [r[1] for r in sheet.iter_rows(min_row=3, values_only=True)] == ["盒2-页9"]
    assert main(["archive", "list", "--box", "盒99", "--out", str(tmp_path / "c.pdf")]) == 2
    assert "盒99" in capsys.readouterr().err
