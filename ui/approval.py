"""Supervisor approval at an operator's desk (审核员授权): their own login and password, and
a reason; what the approval does is the caller's. The password is checked off the GUI thread
(Argon2id), and so is what the approval does (a photo import runs the photo checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from station.auth import Context
from station.roles import Permission
from ui.operations import Operation, refusal_in, start
from ui.widgets import enter_moves_on, named

ERROR_STYLE = "color: #b00020"


class ApprovalDialog(QDialog):
    """A supervisor types their own login and password at the operator's desk."""

    def __init__(
        self,
        ctx: Context,
        action_text: str,
        parent: QWidget | None = None,
        permission: Permission = Permission.UNLOCK,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.permission = permission
        self.approver: str | None = None
        # What approving does; the default approves unlocking the card fields.
        self.authorise: Callable[[str, str, str], Any] | None = None
        self.checking: Operation | None = None
        self.setWindowTitle(self.tr("Supervisor approval"))
        self.login = named(QLineEdit(), "approverLogin")
        self.password = named(QLineEdit(), "approverPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.reason = named(QLineEdit(), "approvalReason")
        enter_moves_on(self, self.login, self.password)  # Enter on the reason approves
        self.error = named(QLabel(), "approvalError")
        self.error.setStyleSheet(ERROR_STYLE)
        form = QFormLayout()
        form.addRow(QLabel(action_text))
        form.addRow(self.tr("Supervisor login"), self.login)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Reason"), self.reason)
        self.buttons = buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._approve)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def busy(self) -> bool:
        """A password is being checked (off the GUI thread: Argon2id takes a moment)."""
        return self.checking is not None and self.checking.running

    def _approve(self) -> None:
        if self.busy():
            return
        if not self.reason.text().strip():
            self.error.setText(self.tr("Please give a reason."))
            return
        login, password, reason = (
            self.login.text(),
            self.password.text(),
            self.reason.text().strip(),
        )
        authorise = self.authorise
        permission = self.permission

        def work(_progress: Any) -> str:
            from station import auth

            if authorise is not None:
                authorise(login, password, reason)
                return login
            info = auth.approve(
                self.ctx, login, password, permission, "card_fields_unlocked", reason=reason
            )
            return info.display_name

        self.buttons.setEnabled(False)
        self.checking = start(
            self,
            work,
            self._approved,
            refusal_in(self.error, self.password.clear),
            lambda: self.buttons.setEnabled(True),
        )

    def _approved(self, approver: str) -> None:
        self.approver = approver
        self.accept()
