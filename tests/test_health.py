"""Health checks: ``station doctor`` and the supervisor's Health screen."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import namedtuple
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from station import auth, health, seeding
from station.auth import Context
from station.settings import Settings
from ui import i18n
from ui.launcher import main as station_main
from ui.main_window import MainWindow

from .factories import ADMIN, OPERATOR, SUPERVISOR
from .qt_helpers import activate

Usage = namedtuple("Usage", "total used free")


def _keys(findings: list[health.Finding]) -> dict[str, health.Finding]:
    return {f.key: f for f in findings}


def test_low_disk_space_needs_attention(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert health.disk_space(tmp_path).status is health.Status.OK
    monkeypatch.setattr(shutil, "disk_usage", lambda _p: Usage(10**10, 10**10 - 10**8, 10**8))
    found = health.disk_space(tmp_path)
    assert found.status is health.Status.ATTENTION and "0.1 GB" in found.detail_en


def test_devices_that_are_missing_or_broken_say_what_to_do() -> None:
    assert health.camera(Settings(camera="")).status is health.Status.ATTENTION
    assert health.camera(Settings(camera="demo")).status is health.Status.OK
    broken = health.camera(Settings(camera="7"))  # no such device here
    assert broken.status is health.Status.ATTENTION and "7" in broken.detail_en
    assert health.card_reader(Settings(card_reader="demo")).status is health.Status.OK
    port = health.card_reader(Settings(card_reader="/dev/no-such-port"))
    assert port.status is health.Status.ATTENTION and "check the cable" in port.detail_en


def test_store_checks_follow_the_exchange(admin_ctx: Context) -> None:
    seeding.seed(admin_ctx, 2, "signed", rng_seed=3)
    found = _keys(list(health.run(health.store_checks(admin_ctx))))
    assert found["database"].status is health.Status.OK
    assert found["audit"].status is health.Status.OK
    assert found["county_key"].status is health.Status.ATTENTION
    assert found["export"].status is health.Status.ATTENTION  # 2 signed, never exported
    assert "2 signed records wait" in found["export"].detail_en
    assert found["receipts"].status is health.Status.OK


def test_a_batch_without_receipt_for_days_needs_attention(tmp_path: Path) -> None:
    from sync import station_side

    from .sync_fixtures import install, login, make_county, make_station

    directory = make_station(tmp_path, 1)
    _county, public = make_county(tmp_path / "county")
    install(directory, public)
    with login(directory) as ctx:
        seeding.seed(ctx, 1, "signed", rng_seed=4)
        (tmp_path / "out").mkdir()
        station_side.export_batches(ctx, tmp_path / "out")
        assert health.receipts(ctx).status is health.Status.OK
        later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=4)
        late = health.receipts(ctx, now=later)
        assert late.status is health.Status.ATTENTION and "#1" in late.detail_en
        assert health.last_export(ctx).status is health.Status.OK


def test_doctor_prints_one_line_per_check_and_exit_code(
    station_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATION_OPERATOR", SUPERVISOR[0])
    monkeypatch.setenv("STATION_PASSWORD", SUPERVISOR[1])
    code = station_main(["--data-dir", str(station_dir), "doctor", "--json"])
    findings = json.loads(capsys.readouterr().out)
    keys = [f["check"] for f in findings]
    for key in (
        "version",
        "disk",
        "camera",
        "reader",
        "backup",
        "printer",
        "database",
        "audit",
        "county_key",
        "export",
        "receipts",
    ):
        assert key in keys
    assert code == 1  # no camera, reader, printer or county key at the test station
    monkeypatch.setenv("STATION_PASSWORD", "wrong-password-1")
    station_main(["--data-dir", str(station_dir), "doctor"])
    out = capsys.readouterr().out
    assert "[注意 ATTENTION] 数据库检查 / database checks" in out and "[正常 OK] 磁盘空间" in out


def test_the_printer_check_follows_the_printer_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A desk set to write forms as PDF files (the demo's way) was told it lacks a default
    printer; a printer set by name is looked for by that name."""
    from ui.health_checks import printer

    printed = tmp_path / "printed-forms"
    printed.mkdir()
    found = printer(f"pdf:{printed}")
    assert found.status is health.Status.OK and str(printed) in found.detail_en
    monkeypatch.setenv("HOME", str(tmp_path))  # "~" as printing reads it
    assert printer("pdf:~/printed-forms").status is health.Status.OK
    gone = printer(f"pdf:{tmp_path / 'gone'}")
    assert gone.status is health.Status.ATTENTION and "请建立该文件夹" in gone.detail_zh
    named = printer("Front desk LaserJet (not here)")
    assert named.status is health.Status.ATTENTION and "不在本机" in named.detail_zh


def test_doctor_needs_a_station(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert station_main(["--data-dir", str(tmp_path), "doctor"]) == 2
    assert "没有报名点" in capsys.readouterr().err


def test_the_supervisor_sees_the_health_screen(qtbot, station_dir: Path) -> None:
    i18n.install("zh_CN")
    with auth.login(station_dir, *ADMIN) as ctx:
        seeding.seed(ctx, 1, "signed", rng_seed=6)
    ctx = auth.login(station_dir, *SUPERVISOR)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    from ui.health_dialog import HealthDialog

    qtbot.waitUntil(lambda: window.findChild(HealthDialog) is not None)
    dialog = window.findChild(HealthDialog)
    qtbot.waitUntil(lambda: dialog.table.rowCount() > 0, timeout=10_000)
    rows = {
        dialog.table.item(r, 1).text(): dialog.table.item(r, 0).text()
        for r in range(dialog.table.rowCount())
    }
    assert rows["审计链"] == "正常" and rows["县区公钥"] == "需处理"
    assert "需要处理" in dialog.summary.text()
    qtbot.mouseClick(dialog.refresh_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.refresh_button.isEnabled(), timeout=10_000)
    ctx.close()


def test_an_operator_has_no_health_screen(qtbot, station_dir: Path) -> None:
    ctx = auth.login(station_dir, *OPERATOR)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    assert not [
        a for a in window.findChildren(type(window.new_action)) if a.objectName() == "health"
    ]
    ctx.close()
