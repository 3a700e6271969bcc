"""A power cut at the desk loses at most a few seconds of typing: unsaved edits are kept in the
encrypted store, offered back after an unclean stop with what was checked, and discarded by a
save or a deliberate close."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit, QMessageBox

from station import auth, drafts
from station.idcard.demo import DemoReader
from ui import i18n
from ui.main_window import MainWindow

from .factories import OPERATOR, record_for
from .qt_helpers import idle, type_text


@pytest.fixture(autouse=True)
def chinese(qapp) -> None:
    i18n.install("zh_CN")


def _window(qtbot, directory: Path) -> MainWindow:
    ctx = auth.login(directory, *OPERATOR)
    window = MainWindow(ctx, DemoReader(today=dt.date(2026, 11, 29)))
    qtbot.addWidget(window)
    window.show()
    return window


def test_typing_is_kept_and_offered_back_after_a_crash(qtbot, station_dir: Path) -> None:
    window = _window(qtbot, station_dir)
    dialog = window.new_candidate()
    form = dialog.form
    assert form.keep_unsaved() is False  # nothing typed yet
    type_text(form.findChild(QLineEdit, "name"), "张三丰")
    type_text(form.findChild(QLineEdit, "id_number"), record_for(3)["id_number"])
    assert form.keep_unsaved() is True  # what the 5-second timer does
    idle(qtbot)
    # The desk dies here: no save, no close. The store is opened again, as after a restart.
    window.context.close()
    ctx = auth.login(station_dir, *OPERATOR)
    ctx.store.checked_after_unclean_stop = True  # what open_existing found (a -wal left behind)
    again = MainWindow(ctx)
    qtbot.addWidget(again)
    again.show()
    again.offer_recovery()
    idle(qtbot)
    box = again.recovery_box
    assert box is not None and "上次没有正常退出" in box.text() and "审计链：完好" in box.text()
    assert "尚未保存的录入内容" in box.text()
    box.button(QMessageBox.StandardButton.Open).click()
    qtbot.waitUntil(lambda: again.current_dialog is not None and again.current_dialog.isVisible())
    reopened = again.current_dialog.form
    assert reopened.findChild(QLineEdit, "name").text() == "张三丰"
    assert reopened.raw()["id_number"] == record_for(3)["id_number"]
    ctx.close()


def test_a_save_or_a_deliberate_close_leaves_nothing_to_offer(qtbot, station_dir: Path) -> None:
    window = _window(qtbot, station_dir)
    dialog = window.new_candidate()
    type_text(dialog.form.findChild(QLineEdit, "name"), "李四")
    assert dialog.form.keep_unsaved()
    idle(qtbot)
    assert drafts.take(window.context) is not None
    dialog.reject()  # the operator closes the form on purpose
    idle(qtbot)
    assert drafts.take(window.context) is None
    window.offer_recovery()
    idle(qtbot)
    assert window.recovery_box is None  # a clean start: nothing to say
    window.context.close()


def test_the_kept_values_are_encrypted_at_rest(qtbot, station_dir: Path) -> None:
    window = _window(qtbot, station_dir)
    dialog = window.new_candidate()
    type_text(dialog.form.findChild(QLineEdit, "name"), "王五")
    assert dialog.form.keep_unsaved()
    idle(qtbot)
    window.context.close()
    for path in station_dir.iterdir():
        if path.is_file():
            assert "王五".encode() not in path.read_bytes(), path
