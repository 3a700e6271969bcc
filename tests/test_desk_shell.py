"""The desk shell driven as an operator would: log in with keys and clicks, search the queue."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QLineEdit

from station import auth, seeding
from ui.app import LoginDialog, MainWindow

from .factories import ADMIN, OPERATOR
from .qt_helpers import type_text


@pytest.fixture
def seeded_dir(station_dir: Path) -> Path:
    with auth.login(station_dir, *ADMIN) as ctx:
        seeding.seed(ctx, 12, "ready", rng_seed=5)
    return station_dir


def _login(qtbot, directory: Path, login: str, password: str) -> LoginDialog:
    dialog = LoginDialog(directory)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.findChild(QLineEdit, "login"), login)
    qtbot.keyClicks(dialog.findChild(QLineEdit, "password"), password)
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    return dialog


def test_wrong_password_is_explained_and_cleared(qtbot, seeded_dir: Path) -> None:
    dialog = _login(qtbot, seeded_dir, OPERATOR[0], "wrong-password")
    assert dialog.context is None
    assert "密码错误" in dialog.findChild(QLabel, "error").text()
    assert dialog.findChild(QLineEdit, "password").text() == ""


def test_login_then_queue_and_search(qtbot, seeded_dir: Path) -> None:
    dialog = _login(qtbot, seeded_dir, *OPERATOR)
    assert dialog.context is not None and dialog.result() == dialog.DialogCode.Accepted
    window = MainWindow(dialog.context)
    qtbot.addWidget(window)
    window.show()
    assert window.model.rowCount() == 12
    first = window.model.rows[0]
    assert window.model.index(0, 3).data().startswith("**************")  # masked ID
    search = window.findChild(QLineEdit, "search")
    qtbot.keyClicks(search, first["registration_no"])
    assert window.model.rowCount() == 1
    search.clear()
    type_text(search, first["name"][0])
    assert 1 <= window.model.rowCount() <= 12
    assert all(r["name"].startswith(first["name"][0]) for r in window.model.rows)
    window.close()
