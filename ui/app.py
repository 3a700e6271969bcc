"""The desk application: log in, then the candidate queue.

This is the shell the operator desk grows in; every rule it shows comes from ``station``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from station import auth
from station.auth import Context
from station.errors import StationError
from ui.queue_model import QueueModel


class LoginDialog(QDialog):
    """登录: the password both identifies the operator and unlocks the database."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.context: Context | None = None
        self.setWindowTitle(self.tr("报名点采集站 — 登录"))
        self.login_edit = QLineEdit(objectName="login")
        self.password_edit = QLineEdit(objectName="password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error_label = QLabel(objectName="error")
        self.error_label.setStyleSheet("color: #b00020")
        self.error_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("登录名"), self.login_edit)
        form.addRow(self.tr("密码"), self.password_edit)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("登录"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("退出"))
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)

    def try_login(self) -> None:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.context = auth.login(
                self.data_dir, self.login_edit.text(), self.password_edit.text()
            )
        except StationError as exc:
            self._refuse(exc.message_zh)
            return
        except Exception as exc:  # never a silent dialog: say what broke
            self._refuse(self.tr("程序内部错误：") + type(exc).__name__)
            return
        finally:
            QApplication.restoreOverrideCursor()
        self.accept()

    def _refuse(self, message: str) -> None:
        self.error_label.setText(message)
        self.password_edit.clear()
        self.password_edit.setFocus()


class MainWindow(QMainWindow):
    def __init__(self, context: Context) -> None:
        super().__init__()
        self.context = context
        from station.models import Station

        with context.store.session() as s:
            station = s.get(Station, 1)
            title = f"{station.name}（{station.code}）" if station else ""
        self.setWindowTitle(self.tr("报名点采集站") + " — " + title)
        self.search = QLineEdit(objectName="search")
        self.search.setPlaceholderText(self.tr("按姓名、证件号码或报名号查找"))
        self.model = QueueModel(context)
        self.table = QTableView(objectName="queue")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)  # school names vary most
        self.table.verticalHeader().setVisible(False)
        self.search.textChanged.connect(self.model.set_filter)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.search)
        layout.addWidget(self.table)
        self.setCentralWidget(central)
        op = context.operator
        self.statusBar().showMessage(
            self.tr("操作员：")
            + f"{op.display_name} · {op.role.label_zh}    "
            + self.tr("考生：")
            + str(self.model.total)
        )
        self.resize(1100, 700)

    def closeEvent(self, event) -> None:
        self.context.close()
        super().closeEvent(event)


def run(data_dir: Path, kiosk: bool = False) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    if not (data_dir / "keyslots.json").exists():
        QMessageBox.warning(
            None,
            "报名点采集站",
            f"{data_dir} 中没有报名点。\n请先运行 station init（正式）或 station demo（演示）。",
        )
        return 2
    dialog = LoginDialog(data_dir)
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.context is None:
        return 0
    window = MainWindow(dialog.context)
    if kiosk:
        window.showFullScreen()
    else:
        window.show()
    return app.exec()
