"""Restore from a backup (从备份恢复) at the desk: what a supervisor does on a spare PC when the
station's own PC has died, or on a first start with no station yet.

The backup is checked whole before anything in the data folder changes (station/backup.py);
a station already there is only replaced when the box says so, and is kept aside.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station.keyslots import KeySlots
from ui import i18n
from ui.operations import Operation, start
from ui.widgets import enter_moves_on, named


class RestoreDialog(QDialog):
    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.result_text = ""
        self.operation: Operation | None = None
        self.setWindowTitle(self.tr("Restore from a backup"))
        self.file_edit = named(QLineEdit(), "backupFile")
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self.choose)
        self.login_edit = named(QLineEdit(), "login")
        self.password_edit = named(QLineEdit(), "password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.replace_box = named(
            QCheckBox(
                self.tr("Replace the station in this folder (it is kept aside, not deleted)")
            ),
            "replace",
        )
        self.replace_box.setVisible(KeySlots(data_dir).exists())
        self.error_label = named(QLabel(), "error")
        self.error_label.setStyleSheet("color: #b00020")
        self.error_label.setWordWrap(True)
        self.status = named(QLabel(), "status")
        row = QHBoxLayout()
        row.addWidget(self.file_edit, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.tr("Backup file"), row)
        form.addRow(self.tr("Login at the time"), self.login_edit)
        form.addRow(self.tr("Password"), self.password_edit)
        hint = QLabel(
            self.tr(
                "Any account that was valid when the backup was made opens it, or the "
                "recovery code with the login __recovery__."
            )
        )
        hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Restore"))
        self.buttons.accepted.connect(self.restore)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.replace_box)
        layout.addWidget(self.status)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        # Enter moves on to the next field (past "Choose…"); on the password it restores.
        QWidget.setTabOrder(self.file_edit, self.login_edit)
        enter_moves_on(self, self.file_edit, self.login_edit)

    def choose(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, self.tr("Backup file"), "", self.tr("Station backups (*.zkbackup)")
        )
        if chosen:
            self.file_edit.setText(chosen)

    def restore(self) -> Operation | None:
        from station import backup

        if self.operation is not None and self.operation.running:
            return None
        path = Path(self.file_edit.text().strip())
        login, password = self.login_edit.text(), self.password_edit.text()
        # An empty field is no attempt (a whole backup would be read to say so): a move to it.
        for edit in (self.file_edit, self.login_edit, self.password_edit):
            if not edit.text().strip():
                edit.setFocus()
                return None
        replace = self.replace_box.isChecked()
        self.error_label.clear()
        self.status.setText(self.tr("Checking the whole backup…"))
        self.buttons.setEnabled(False)
        self.operation = start(
            self,
            lambda _p: backup.restore(path, self.data_dir, login, password, replace=replace),
            self._done,
            self._failed,
        )
        return self.operation

    def _done(self, result: object) -> None:
        self.result_text = (
            self.tr("Station %1 restored from the backup of %2.")
            .replace("%1", getattr(result, "station", ""))
            .replace("%2", getattr(result, "created_at", ""))
        )
        self.status.setText(self.result_text)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        from station.errors import StationError

        self.status.clear()
        self.buttons.setEnabled(True)
        if not isinstance(exc, StationError):
            from ui import crash

            crash.report(exc, self)
            return
        self.error_label.setText(i18n.message(exc))
        self.password_edit.clear()
