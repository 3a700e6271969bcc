"""Export batch files for the county (导出批次文件) onto a USB drive.

Lists the removable drives with their free space, estimates what the export needs, and
refuses a drive without room before anything is written. The export itself runs off the
GUI thread with a progress bar.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station.auth import Context
from ui.operations import run_with_progress, start
from ui.widgets import enter_presses, named


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB"


class ExportDialog(QDialog):
    def __init__(
        self,
        ctx: Context,
        parent: QWidget | None = None,
        drives: list[Any] | None = None,
        uploader: Any = None,
    ) -> None:
        super().__init__(parent)
        self.uploader = uploader  # ui.upload_status.UploadStatus, when the desk has one
        from sync import drives as drive_mod
        from sync import station_side

        self.ctx = ctx
        self.written: list[Path] = []
        self.setWindowTitle(self.tr("Export for the county"))
        self.records, self.needed = 0, 0
        self.estimated = False  # the count of records waiting is read off the GUI thread
        self.drives = drive_mod.removable_drives() if drives is None else drives
        self.setMinimumWidth(560)  # the count and the reasons on a line or two, not five
        self.target = named(QComboBox(), "exportTarget")
        # Wide enough for a drive's name, its free room and the start of its path; the whole
        # path is in the tooltip.
        self.target.setMinimumContentsLength(40)
        self.target.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        for drive in self.drives:
            self._add_target(drive)
        other = named(QPushButton(self.tr("Other folder…")), "otherFolder")
        other.clicked.connect(self.choose_folder)
        self.summary = named(QLabel(), "exportSummary")
        self.summary.setWordWrap(True)
        self.problem = named(QLabel(), "exportProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020")
        # Where the county's intake is set up, the batches also go over the network.
        self.send = named(QCheckBox(self.tr("Also send to the county over the network")), "send")
        online = uploader is not None and uploader.configured()
        self.send.setVisible(online)
        self.send.setChecked(online)
        self.export_button = named(QPushButton(self.tr("Export")), "export")
        self.export_button.clicked.connect(self.export)
        cancel = QPushButton(self.tr("Close"))
        cancel.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.target, 1)
        row.addWidget(other)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.export_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Removable drive")))
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.problem)
        layout.addWidget(self.send)
        layout.addLayout(buttons)
        enter_presses(self.export_button)  # not "Other folder…", the first button
        self.target.currentIndexChanged.connect(self._target_changed)
        # A folder refused leaves the drive chosen before: picking it again checks it again.
        self.target.activated.connect(self._target_changed)
        self._target_changed()
        self.summary.setText(self.tr("Counting the signed records…"))
        self.check_room()
        self.estimating = start(self, lambda _p: station_side.export_estimate(ctx), self._estimated)

    def _add_target(self, drive: Any) -> None:
        """A drive or folder to write to: its name and free room first (what a narrow box
        shows), then its path."""
        label = drive.label or str(drive.path)
        free = self.tr("%1 free").replace("%1", _mb(drive.free_bytes))
        self.target.addItem(f"{label} — {free} ({drive.path})", drive)
        self.target.setItemData(
            self.target.count() - 1, str(drive.path), Qt.ItemDataRole.ToolTipRole
        )

    def _target_changed(self) -> None:
        drive = self.target.currentData()
        self.target.setToolTip(str(drive.path) if drive is not None else "")
        self.check_room()

    def _estimated(self, estimate: tuple[int, int]) -> None:
        self.records, self.needed = estimate
        self.estimated = True
        self.summary.setText(
            self.tr("%1 signed records to export, about %2.")
            .replace("%1", str(self.records))
            .replace("%2", _mb(self.needed))
        )
        self.check_room()

    def choose_folder(self, folder: str | None = None) -> None:
        from sync.drives import drive_at

        if not folder:
            folder = QFileDialog.getExistingDirectory(self, self.tr("Export to folder"))
            if not folder:
                return
        drive = drive_at(Path(folder)) if os.access(folder, os.W_OK | os.X_OK) else None
        if drive is None:
            self.problem.setText(
                self.tr("Cannot write to %1: choose another folder.").replace("%1", folder)
            )
            self.export_button.setEnabled(False)
            return
        self._add_target(drive)
        self.target.setCurrentIndex(self.target.count() - 1)

    def check_room(self) -> bool:
        drive = self.target.currentData()
        if not self.estimated:
            self.problem.clear()
            self.export_button.setEnabled(False)
            return False
        if drive is None:
            self.problem.setText(
                self.tr("No removable drive found: insert a USB drive or choose a folder.")
            )
        elif self.records == 0:
            self.problem.setText(
                self.tr("Nothing to export: no signed records wait for the county.")
            )
        elif drive.free_bytes < self.needed:
            self.problem.setText(
                self.tr("Not enough room on %1: %2 free, about %3 needed. Use another drive.")
                .replace("%1", str(drive.path))
                .replace("%2", _mb(drive.free_bytes))
                .replace("%3", _mb(self.needed))
            )
        else:
            self.problem.clear()
        ok = not self.problem.text()
        self.export_button.setEnabled(ok)
        return ok

    def export(self) -> None:
        if not self.check_room():
            return
        from sync import station_side

        folder = self.target.currentData().path

        def work(progress: Any) -> list[Path]:
            return station_side.export_batches(self.ctx, folder, progress=progress)

        self._op = run_with_progress(self, self.tr("Writing batch files…"), work, self._done)

    def _done(self, paths: list[Path]) -> None:
        self.written = paths
        text = self.tr("Written and checked: %1").replace("%1", ", ".join(p.name for p in paths))
        if self.send.isChecked() and self.uploader is not None:
            self.uploader.send_now()
            text += "\n" + self.tr("Sending to the county: see the status bar.")
        self.summary.setText(text)
        self.export_button.setEnabled(False)
        self.records = 0
