"""Supervisor approval at an operator's desk (审核员授权): their own login and password, and
a reason; what the approval does is the caller's."""

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
from station.errors import StationError
from station.roles import Permission
from ui import i18n

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
        self.setWindowTitle(self.tr("Supervisor approval"))
        self.login = QLineEdit(objectName="approverLogin")
        self.password = QLineEdit(objectName="approverPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.reason = QLineEdit(objectName="approvalReason")
        self.error = QLabel(objectName="approvalError")
        self.error.setStyleSheet(ERROR_STYLE)
        form = QFormLayout()
        form.addRow(QLabel(action_text))
        form.addRow(self.tr("Supervisor login"), self.login)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Reason"), self.reason)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._approve)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _approve(self) -> None:
        from station import auth

        if not self.reason.text().strip():
            self.error.setText(self.tr("Please give a reason."))
            return
        try:
            if self.authorise is not None:
                self.authorise(self.login.text(), self.password.text(), self.reason.text().strip())
                self.approver = self.login.text()
            else:
                info = auth.approve(
                    self.ctx,
                    self.login.text(),
                    self.password.text(),
                    self.permission,
                    "card_fields_unlocked",
                    reason=self.reason.text().strip(),
                )
                self.approver = info.display_name
        except StationError as exc:
            self.error.setText(i18n.message(exc))
            self.password.clear()
            return
        self.accept()
