"""Login (登录): the password both identifies the operator and unlocks the database.

The login runs off the GUI thread: Argon2 and, on the first login of the day, the full
integrity check of a large store take seconds, and the window must not freeze meanwhile.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from station import auth
from station.auth import Context
from station.errors import StationError
from ui import i18n
from ui.operations import Operation, start
from ui.widgets import enter_moves_on, named


class LoginDialog(QDialog):
    logged_in = Signal(object)  # Context

    #: After this long the status says why a login can take a while (the first of the day
    #: checks the database; the first after a program update also brings it up to date).
    SLOW_MS = 4000

    def __init__(
        self, data_dir: Path, station_name: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.context: Context | None = None
        self._op: Operation | None = None
        self.setWindowTitle(self.tr("Registration station — log in"))
        self.login_edit = named(QLineEdit(), "login")
        self.password_edit = named(QLineEdit(), "password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.status = named(QLabel(), "status")
        self.error_label = named(QLabel(), "error")
        self.error_label.setStyleSheet("color: #b00020")
        self.error_label.setWordWrap(True)
        form = QFormLayout()
        if station_name:
            form.addRow(named(QLabel(station_name), "stationName"))
        form.addRow(self.tr("Login"), self.login_edit)
        form.addRow(self.tr("Password"), self.password_edit)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Log in"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Quit"))
        self.buttons.accepted.connect(self.try_login)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        self.login_edit.setMinimumWidth(260)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        enter_moves_on(self, self.login_edit)  # Enter on the password logs in
        self._slow = QTimer(self)
        self._slow.setSingleShot(True)
        self._slow.timeout.connect(self._still_opening)

    def try_login(self) -> None:
        if self._op is not None and self._op.running:
            return
        login, password = self.login_edit.text(), self.password_edit.text()
        # An empty field is no attempt (it would count towards the lock-out): a move to it.
        if not login.strip():
            self.login_edit.setFocus()
            return
        if not password:
            self.password_edit.setFocus()
            return
        self.error_label.clear()
        self.status.setText(self.tr("Opening the station database…"))
        self.buttons.setEnabled(False)
        self._slow.start(self.SLOW_MS)
        self._op = start(
            self,
            lambda _progress: auth.login(self.data_dir, login, password),
            self._succeeded,
            self._failed,
            self._finished,
        )

    def _still_opening(self) -> None:
        if self._op is not None and self._op.running:
            self.status.setWordWrap(True)
            self.status.setText(
                self.tr(
                    "Still opening the station database. The first login of the day checks it,"
                    " and the first login after a program update also brings it up to date:"
                    " this can take a minute. Do not switch the computer off."
                )
            )
            self.adjustSize()

    def _finished(self) -> None:
        self._slow.stop()
        self.buttons.setEnabled(True)

    def _succeeded(self, ctx: Context) -> None:
        self.context = ctx
        self.status.clear()
        self.password_edit.clear()
        self.accept()
        self.logged_in.emit(ctx)

    def _failed(self, exc: BaseException) -> None:
        self.status.clear()
        if isinstance(exc, StationError):
            self.error_label.setText(i18n.message(exc))
        else:  # never a silent dialog: say what broke, log the details
            from ui import crash

            self.error_label.setText(
                self.tr("Internal error: %1").replace("%1", type(exc).__name__)
            )
            crash.report(exc, self)
        self.adjustSize()  # grow with a long refusal instead of squeezing the fields
        self.password_edit.clear()
        self.password_edit.setFocus()
