"""The supervisor's Health screen (健康检查): the findings of ``station doctor`` at the desk,
gathered off the GUI thread, each with what to do when it needs attention."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station import health
from station.auth import Context
from ui import i18n
from ui.health_checks import printer
from ui.operations import Operation, start
from ui.widgets import named

_COLOURS = {
    health.Status.OK: "#2e7d32",
    health.Status.ATTENTION: "#c62828",
    health.Status.INFO: "#455a64",
}


class HealthDialog(QDialog):
    def __init__(self, context: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle(self.tr("Station health"))
        self.summary = named(QLabel(), "healthSummary")
        self.table = named(QTableWidget(0, 3, self), "healthTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("State"), self.tr("Check"), self.tr("Finding")]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(0, 90)
        self.table.setColumnWidth(1, 150)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.refresh_button = named(QPushButton(self.tr("Check again")), "healthRefresh")
        buttons.addButton(self.refresh_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.refresh_button.clicked.connect(self.refresh)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.findings: list[health.Finding] = []
        self.operation: Operation | None = None
        self.resize(820, 480)

    def refresh(self) -> None:
        if self.operation is not None and self.operation.running:
            return
        self.refresh_button.setEnabled(False)
        self.summary.setText(self.tr("Checking…"))
        ctx = self.context
        checks = health.device_checks(ctx.data_dir, ctx.settings) + health.store_checks(ctx)

        def work(_progress: Any) -> list[health.Finding]:
            return list(health.run(checks))

        self.operation = start(
            self, work, self._show, on_finished=lambda: self.refresh_button.setEnabled(True)
        )

    def _show(self, findings: list[health.Finding]) -> None:
        # Qt's printer list belongs to the GUI thread
        findings = [*findings, printer(self.context.settings.printer)]
        self.findings = findings
        words = {
            health.Status.OK: self.tr("OK"),
            health.Status.ATTENTION: self.tr("Attention"),
            health.Status.INFO: self.tr("Info"),
        }
        chinese = i18n.current() == "zh_CN"
        self.table.setRowCount(len(findings))
        for row, found in enumerate(findings):
            state = QTableWidgetItem(words[found.status])
            state.setForeground(QColor(_COLOURS[found.status]))
            self.table.setItem(row, 0, state)
            self.table.setItem(
                row, 1, QTableWidgetItem(found.name_zh if chinese else found.name_en)
            )
            detail = found.detail_zh if chinese else found.detail_en
            self.table.setItem(row, 2, QTableWidgetItem(detail))
        self.table.resizeRowsToContents()
        attention = sum(f.status is health.Status.ATTENTION for f in findings)
        self.summary.setText(
            self.tr("%n item(s) need attention.", "", attention)
            if attention
            else self.tr("All is well.")
        )
