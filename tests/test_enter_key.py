"""Enter in a dialog presses its main action, or Close: a dialog otherwise makes its first
button its default when it opens, whatever that button does. Enter in the export dialog
opened a folder chooser instead of exporting; in the list of batches it pressed "Send now"
and on the dashboard "Daily report…" wherever the focus was not on a list."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from station import auth
from ui import i18n
from ui.batches_dialog import BatchesDialog
from ui.dashboard import DashboardDialog
from ui.export_dialog import ExportDialog

from .qt_helpers import activate, idle


@pytest.fixture(autouse=True)
def chinese(qapp) -> None:
    i18n.install("zh_CN")


@pytest.mark.parametrize(
    ("dialog", "presses"),
    [(ExportDialog, ["export"]), (BatchesDialog, ["close"]), (DashboardDialog, ["close"])],
)
def test_enter_presses_the_main_action_or_nothing(
    qtbot, admin_ctx: auth.Context, dialog: type, presses: list[str]
) -> None:
    shown = dialog(admin_ctx)
    qtbot.addWidget(shown)
    shown.show()
    idle(qtbot)
    defaults = [b.objectName() for b in shown.findChildren(QPushButton) if b.isDefault()]
    assert defaults == presses


def test_enter_on_a_button_the_focus_is_on_presses_that_one(qtbot, admin_ctx: auth.Context) -> None:
    shown = DashboardDialog(admin_ctx)
    qtbot.addWidget(shown)
    shown.show()
    idle(qtbot)
    activate(qtbot, shown)
    refresh = shown.findChild(QPushButton, "refreshDashboard")
    pressed: list[str] = []
    for button in shown.findChildren(QPushButton):
        button.clicked.connect(lambda _=False, b=button: pressed.append(b.objectName()))
    refresh.setFocus()  # as Tab would
    qtbot.keyClick(refresh, Qt.Key.Key_Return)
    idle(qtbot)
    assert pressed == ["refreshDashboard"] and shown.isVisible()
