"""The desk's crash diagnostics: an unexpected error is logged with its traceback (masked)
and told in words, with the details one click away from the clipboard."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, qInstallMessageHandler, qWarning
from PySide6.QtGui import QGuiApplication

from station import auth, idnumber, logs
from station.idcard.demo import DemoReader
from ui import crash, i18n
from ui.main_window import MainWindow

from .factories import OPERATOR
from .qt_helpers import activate

ID = idnumber.make("410105", dt.date(2011, 3, 4), 123)


@pytest.fixture
def desk(qtbot, station_dir: Path) -> Iterator[MainWindow]:
    """The desk as ui.app.run sets it up: the log file, the hooks, the window."""
    i18n.install("zh_CN")
    logs.configure(station_dir, "station")
    hook = sys.excepthook
    crash.install()
    ctx = auth.login(station_dir, *OPERATOR)
    window = MainWindow(ctx, DemoReader(today=dt.date(2026, 11, 29)))
    qtbot.addWidget(window)
    window.show()
    yield window
    ctx.close()
    if crash._open_dialog is not None:
        crash._open_dialog.close()
        crash._open_dialog = None
    sys.excepthook = hook
    qInstallMessageHandler(None)
    logs.stop()


def _log(station_dir: Path) -> str:
    return (station_dir / "logs" / "station.log").read_text("utf-8")


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_slot_is_logged_and_shown(
    qtbot, desk: MainWindow, station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kw: object) -> None:
        raise RuntimeError(f"form for 王小明 {ID} broke")

    monkeypatch.setattr("ui.main_window.CandidateDialog", broken)
    activate(qtbot, desk)
    qtbot.keyClick(desk, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # New candidate
    qtbot.waitUntil(lambda: crash._open_dialog is not None and crash._open_dialog.isVisible())
    dialog = crash._open_dialog
    assert "RuntimeError" in dialog.message.text() and "station.log" in dialog.message.text()
    assert "程序遇到了意外错误" in dialog.message.text()  # in words, in the desk's language
    log = _log(station_dir)
    assert "Traceback" in log and "RuntimeError: form for 王＊＊" in log
    assert ID not in log and "王小明" not in log
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert "RuntimeError" in copied and "registration-station" in copied and ID not in copied


def test_a_failed_operation_is_logged_and_shown(
    qtbot, desk: MainWindow, station_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kw: object) -> None:
        raise KeyError("no such column")

    monkeypatch.setattr("station.roster.export_roster", broken)
    desk.export_roster(tmp_path / "out.xlsx")
    qtbot.waitUntil(lambda: crash._open_dialog is not None and crash._open_dialog.isVisible())
    assert "KeyError" in crash._open_dialog.message.text()
    assert "KeyError: 'no such column'" in _log(station_dir)
    assert not (tmp_path / "out.xlsx").exists()


def test_qt_warnings_go_to_the_log(desk: MainWindow, station_dir: Path) -> None:
    qWarning("a Qt warning for the log")
    assert "WARNING" in _log(station_dir) and "qt: a Qt warning for the log" in _log(station_dir)
