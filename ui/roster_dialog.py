"""Roster import with a preview (花名册导入预览): check everything first, then store.

The file is read and every row checked off the GUI thread (a dry run of the core import);
the operator sees how many rows would be stored, which are already here, and every problem
with its row, column and reason, and can save the errors workbook, before anything is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station import roster
from station.auth import Context
from ui.operations import start
from ui.widgets import named


class RosterPreview(QDialog):
    """What a dry run found; Import stores the valid rows."""

    def __init__(self, result: roster.ImportResult, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.import_result = result
        self.setWindowTitle(self.tr("Roster import: preview"))
        summary = named(QLabel(), "rosterSummary")
        summary.setText(
            self.tr(
                "%1 rows in sheet “%2”: %3 can be imported, %4 are already here, %5 conflict with stored"
                " records, %6 have errors."
            )
            .replace("%1", str(result.rows))
            .replace("%2", result.sheet)
            .replace("%3", str(result.imported))
            .replace("%4", str(result.already_present))
            .replace("%5", str(len(result.conflicts)))
            .replace("%6", str(len(result.rejected)))
        )
        summary.setWordWrap(True)
        problems = [(p, row) for row in result.problem_rows for p in row.problems]
        self.table = named(QTableWidget(len(problems) + len(result.warnings), 4), "rosterProblems")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Row"), self.tr("Name"), self.tr("Column"), self.tr("Reason")]
        )
        for i, (problem, row) in enumerate(problems):
            for j, value in enumerate(
                (problem.row, row.original.get("name") or "", problem.column, problem.reason)
            ):
                self.table.setItem(i, j, QTableWidgetItem(str(value)))
        for i, warning in enumerate(result.warnings, start=len(problems)):
            self.table.setItem(i, 2, QTableWidgetItem(self.tr("Whole file")))
            self.table.setItem(i, 3, QTableWidgetItem(warning))
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        buttons = QDialogButtonBox()
        self.import_button = named(
            QPushButton(self.tr("Import %1 rows").replace("%1", str(result.imported))),
            "rosterImport",
        )
        self.import_button.setEnabled(result.imported > 0)
        self.errors_button = named(QPushButton(self.tr("Save errors workbook…")), "rosterErrors")
        self.errors_button.setEnabled(bool(result.problem_rows))
        buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.errors_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.errors_button.clicked.connect(self.save_errors)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(900, 560)

    def save_errors(self, path: Path | None = None) -> Path | None:
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("Save errors workbook"), "错误明细.xlsx", "Excel (*.xlsx)"
            )
            if not chosen:
                return None
            path = Path(chosen)
        result, target = self.import_result, path
        self.saving = start(
            self,
            lambda _p: roster.write_errors(result, target),
            lambda _r: self.errors_button.setText(self.tr("Errors saved")),
        )
        return path


def preview_work(ctx: Context, path: Path) -> Any:
    """Off the GUI thread: read the file and check every row (stores nothing)."""

    def work(progress: Any) -> tuple[roster.Roster, roster.ImportResult]:
        parsed = roster.read_roster(path)
        result = roster.import_roster(
            ctx, parsed, dry_run=True, progress=progress, cancel=progress.cancelled
        )
        return parsed, result

    return work


def import_work(ctx: Context, parsed: roster.Roster) -> Any:
    def work(progress: Any) -> roster.ImportResult:
        return roster.import_roster(ctx, parsed, progress=progress, cancel=progress.cancelled)

    return work


def import_summary(result: roster.ImportResult) -> str:
    text = (
        QCoreApplication.translate(
            "Roster", "Imported %1 candidates; %2 were already here; %3 rows were not imported."
        )
        .replace("%1", str(result.imported))
        .replace("%2", str(result.already_present))
        .replace("%3", str(len(result.problem_rows)))
    )
    if result.cancelled:
        text += " " + QCoreApplication.translate(
            "Roster", "The import was cancelled; the rows before it are stored."
        )
    return text
