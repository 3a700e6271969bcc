"""Upload at the desk: the status bar's indicator, "send now" in the batches list, and the
export step sending over the network, against a real ``county serve`` process."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton

from station import seeding
from sync import station_side, upload
from sync.drives import Drive
from ui import i18n
from ui.export_dialog import ExportDialog
from ui.main_window import MainWindow

from .qt_helpers import idle
from .sync_fixtures import login
from .upload_fixtures import (
    certificate,
    make_county_home,
    running,
    start_service,
    station_with_batches,
    stop_service,
)

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def chinese(qapp) -> None:
    i18n.install("zh_CN")


def test_the_desk_sends_and_says_so(qtbot, tmp_path: Path) -> None:
    county = make_county_home(tmp_path)
    directory = station_with_batches(tmp_path, county, 3, 7, per_batch=3)
    with running(county) as service, login(directory) as ctx:
        # Not set up: the indicator says USB, and the batches list has no "send now".
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        idle(qtbot)
        status = window.upload_status
        assert "U 盘" in status.text()
        upload.configure(ctx, service.url, None, None)
        window.close()

        window = MainWindow(ctx)
        qtbot.addWidget(window)
        status = window.upload_status
        assert status.isVisible() or status.text()
        dialog = window.show_batches()
        idle(qtbot)
        send = dialog.findChild(QPushButton, "sendNow")
        assert send.isEnabled()
        qtbot.mouseClick(send, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: status.report is not None, timeout=20_000)
        idle(qtbot)
        assert status.report.done and status.report.acknowledged == [1, 2, 3]
        assert "全部已有回执" in status.text()
        assert "回执" in dialog.findChild(QLabel, "uploadState").text()
        assert not send.isEnabled()  # nothing waits
        assert {b["state"] for b in dialog.rows} == {"acknowledged"}
        dialog.close()

        # The export step sends what it wrote.
        seeding.seed(ctx, 2, "signed", rng_seed=42)
        stick = tmp_path / "stick"
        stick.mkdir()
        export = ExportDialog(ctx, window, drives=[Drive(stick, "U盘", 10**10)], uploader=status)
        qtbot.addWidget(export)
        export.show()
        qtbot.waitUntil(lambda: export.estimated, timeout=5000)
        box = export.findChild(QCheckBox, "send")
        assert box.isVisible() and box.isChecked()
        qtbot.mouseClick(export.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(export.written), timeout=15_000)
        assert "状态栏" in export.summary.text()
        qtbot.waitUntil(lambda: status.report.acknowledged == [4], timeout=20_000)
        idle(qtbot)
        assert {b["state"] for b in station_side.list_batches(ctx)} == {"acknowledged"}
        status.stop()
        export.close()
        window.close()

    # The county is gone: the indicator says offline and how many wait, and will retry.
    with login(directory) as ctx:
        seeding.seed(ctx, 1, "signed", rng_seed=43)
        station_side.export_batches(ctx, tmp_path / "stick")
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        status = window.upload_status
        status.send_now()
        qtbot.waitUntil(lambda: status.report is not None, timeout=20_000)
        idle(qtbot)
        assert "离线" in status.text() and "1" in status.text()
        assert status.timer.isActive()  # the next try is scheduled
        status.stop()
        window.close()


def test_the_administrator_sets_the_intake_in_the_settings(qtbot, tmp_path: Path) -> None:
    """Address typed, certificate fetched, its fingerprint shown to be checked by phone: No
    stores nothing; Yes stores the address and the pin."""
    from PySide6.QtWidgets import QLineEdit, QMessageBox

    from ui.settings_dialog import SettingsDialog

    county = make_county_home(tmp_path)
    directory = station_with_batches(tmp_path, county, 3, 1)
    cert, key = certificate(tmp_path, "county")
    service = start_service(county, "--tls-cert", str(cert), "--tls-key", str(key))
    try:
        with login(directory) as ctx:
            dialog = SettingsDialog(ctx)
            qtbot.addWidget(dialog)
            dialog.show()
            address = dialog.findChild(QLineEdit, "intakeUrl")
            qtbot.keyClicks(address, service.url)
            button = dialog.findChild(QPushButton, "setIntake")
            for answer, stored in (
                (QMessageBox.StandardButton.No, ""),
                (QMessageBox.StandardButton.Yes, service.url),
            ):
                qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
                qtbot.waitUntil(
                    lambda: dialog.pin_box is not None and dialog.pin_box.isVisible(),
                    timeout=10_000,
                )
                box = dialog.pin_box
                pin = upload.shown_pin(upload.pin_of(cert.read_text()))
                assert pin in box.text()
                qtbot.mouseClick(box.button(answer), Qt.MouseButton.LeftButton)
                idle(qtbot)
                assert ctx.settings.intake_url == stored
                dialog.pin_box = None
            state = dialog.findChild(QLabel, "intakeState").text()
            assert service.url in state and "410105" in state
            assert upload.target_of(ctx) is not None
            assert upload.upload(ctx).done
    finally:
        stop_service(service)
