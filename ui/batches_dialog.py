"""Batches for the county (批次与回执) at the desk: what was exported, what the county has
acknowledged, and the ways out when something went missing: write a batch again (the same
bytes) and resync with the county's signed station state after a restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station.auth import Context
from ui import i18n
from ui.operations import Operation, show_error, start
from ui.widgets import enter_presses, named


class BatchesDialog(QDialog):
    def __init__(
        self,
        context: Context,
        parent: QWidget | None = None,
        uploader: Any = None,
        drives: list[Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.drives = drives  # where receipts are looked for; None: the removable drives
        self.uploader = uploader  # ui.upload_status.UploadStatus, when the desk has one
        self.setWindowTitle(self.tr("Batches for the county"))
        self.hint = QLabel(
            self.tr(
                "A batch without a receipt may not have reached the county. If the county "
                "says a batch is missing, select it and write it again: the file is the same, "
                "byte for byte."
            )
        )
        self.hint.setWordWrap(True)
        self.table = named(QTableWidget(0, 5, self), "batchTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("No."), self.tr("State"), self.tr("Records"), self.tr("Made"), self.tr("File")]
        )
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        for column in range(4):  # the time on one line, not wrapped in two
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.resend_button = named(QPushButton(self.tr("Write again…")), "resend")
        self.resend_button.clicked.connect(lambda: self.resend())
        self.send_button = named(QPushButton(self.tr("Send now")), "sendNow")
        self.send_button.setToolTip(self.tr("Send the batches without a receipt to the county"))
        self.send_button.clicked.connect(lambda: self.send_now())
        self.upload_state = named(QLabel(), "uploadState")
        self.upload_state.setWordWrap(True)
        if uploader is not None:
            uploader.reported.connect(self._uploaded)
            if uploader.report is not None:
                self.upload_state.setText(uploader.toolTip())
        # A registration point without network brings the county's receipts on the USB drive.
        self.receipts_button = named(QPushButton(self.tr("Take receipts…")), "takeReceipts")
        self.receipts_button.setToolTip(
            self.tr("Read the county's receipts (*.receipt.json) from a USB drive or a folder")
        )
        self.receipts_button.clicked.connect(lambda: self.take_receipts())
        # Receipts lying on a USB drive for batches still without one: said, taken in a click.
        self.found: list[Path] = []
        self.found_label = named(QLabel(), "receiptsFound")
        self.found_label.setStyleSheet("color: #1b5e20; font-weight: bold")
        self.found_button = named(QPushButton(self.tr("Take them")), "takeFound")
        self.found_button.clicked.connect(lambda: self.take_receipts(list(self.found)))
        found_row = QHBoxLayout()
        found_row.addWidget(self.found_label, 1)
        found_row.addWidget(self.found_button)
        self._show_found([])
        self.resync_button = named(QPushButton(self.tr("Resync with the county…")), "resync")
        self.resync_button.clicked.connect(lambda: self.resync())
        close = named(QPushButton(self.tr("Close")), "close")
        close.clicked.connect(self.reject)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        buttons = QHBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.receipts_button)
        buttons.addWidget(self.resend_button)
        buttons.addWidget(self.resync_button)
        buttons.addStretch()
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.table)
        layout.addWidget(self.upload_state)
        layout.addLayout(found_row)
        layout.addLayout(buttons)
        enter_presses(close)  # Enter sends, writes again or resyncs nothing
        self.rows: list[dict[str, Any]] = []
        self.operation: Operation | None = None
        self.resize(760, 420)
        self.reload()

    def reload(self) -> Operation:
        """The batches read again, off the GUI thread."""
        from sync import station_side

        context = self.context

        def work(_progress: Any) -> tuple[list[dict[str, Any]], list[Path]]:
            rows = station_side.list_batches(context)
            folders = [d.path for d in self._drives()]
            return rows, station_side.receipts_lying_in(rows, folders)

        self.loading = start(self, work, self._show)
        return self.loading

    def _drives(self) -> list[Any]:
        """Where receipts are looked for: the drives given, or the removable ones now."""
        from sync.drives import removable_drives

        return removable_drives() if self.drives is None else self.drives

    def _show_found(self, found: list[Path]) -> None:
        self.found = found
        self.found_label.setText(
            self.tr("%1 receipts from the county lie on the USB drive, not taken yet.").replace(
                "%1", str(len(found))
            )
            if found
            else ""
        )
        self.found_label.setToolTip("\n".join(str(p) for p in found))
        self.found_label.setVisible(bool(found))
        self.found_button.setVisible(bool(found))

    def _show(self, loaded: tuple[list[dict[str, Any]], list[Path]]) -> None:
        rows, found = loaded
        self._show_found(found)
        self.rows = rows
        words = {
            "exported": self.tr("No receipt yet"),
            "acknowledged": self.tr("Acknowledged"),
        }
        self.table.setRowCount(len(self.rows))
        for row, batch in enumerate(self.rows):
            state = words.get(batch["state"], batch["state"])
            if not batch["written"]:
                state = self.tr("Not written yet")
            cells = [
                f"#{batch['sequence']}",
                state,
                str(batch["records"]),
                batch["created_at"].replace("T", " ")[:16],
                batch["file_name"],
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if batch["state"] != "acknowledged":
                    item.setForeground(QColor("#c62828"))
                self.table.setItem(row, col, item)
        self._selection_changed()

    def selected(self) -> dict[str, Any] | None:
        rows = {i.row() for i in self.table.selectedItems()}
        return self.rows[rows.pop()] if len(rows) == 1 else None

    def send_now(self) -> Operation | None:
        """Upload every batch without a receipt now (the status bar's indicator does it)."""
        if self.uploader is None:
            return None
        op = self.uploader.send_now()
        if op is not None:
            self.send_button.setEnabled(False)
            self.upload_state.setText(self.tr("Sending…"))
        return op

    def _uploaded(self, report: Any) -> None:
        self.upload_state.setText(self.uploader.toolTip())
        self.reload()

    def _selection_changed(self) -> None:
        waiting = any(b["state"] != "acknowledged" for b in self.rows)
        self.send_button.setEnabled(
            self.uploader is not None
            and self.uploader.configured()
            and self.uploader.running is None
            and waiting
        )
        batch = self.selected()
        self.resend_button.setEnabled(batch is not None and batch["state"] != "acknowledged")

    def resend(self, folder: Path | None = None) -> Operation | None:
        batch = self.selected()
        if batch is None or batch["state"] == "acknowledged":
            return None
        if folder is None:
            chosen = QFileDialog.getExistingDirectory(self, self.tr("Write the batch to"))
            if not chosen:
                return None
            folder = Path(chosen)
        from sync import station_side

        sequence = batch["sequence"]
        return self._run(
            lambda _p: station_side.write_batch(self.context, sequence, folder),
            lambda path: (
                self.tr("Batch #%1 was written again: %2")
                .replace("%1", str(sequence))
                .replace("%2", str(path))
            ),
        )

    def take_receipts(self, files: list[Path] | None = None) -> Operation | None:
        """The county's receipts, several at once (its receipts folder on the USB drive): each
        verified and its batch marked received; a file refused is said and the others go on."""
        if files is None:
            drives = self._drives()
            chosen, _ = QFileDialog.getOpenFileNames(
                self,
                self.tr("The county's receipts"),
                str(drives[0].path) if drives else "",
                self.tr("Receipts (*.receipt.json);;All files (*)"),
            )
            if not chosen:
                return None
            files = [Path(c) for c in chosen]
        from sync import station_side

        context, paths = self.context, list(files)

        def said(taken: list[Any]) -> str:
            lines = []
            for one in taken:
                if one.stopped:  # the station refused (no room): none after it was tried
                    line = self.tr("%1: stopped here. %2").replace("%2", i18n.message(one.refused))
                elif one.refused is not None:
                    line = self.tr("%1: refused. %2").replace("%2", i18n.message(one.refused))
                elif one.result.already:
                    line = self.tr("%1: batch #%2 was acknowledged before").replace(
                        "%2", str(one.result.sequence)
                    )
                else:
                    line = (
                        self.tr("%1: batch #%2, %3 records received by the county")
                        .replace("%2", str(one.result.sequence))
                        .replace("%3", str(one.result.acknowledged))
                    )
                lines.append(line.replace("%1", one.path.name))
            return "\n".join(lines)

        return self._run(
            lambda _p: station_side.ack_receipt_files(context, paths),
            said,
            warn=lambda taken: any(one.refused is not None for one in taken),
        )

    def resync(self, state_file: Path | None = None) -> Operation | None:
        if state_file is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self, self.tr("The county's station state file"), "", "JSON (*.json)"
            )
            if not chosen:
                return None
            state_file = Path(chosen)
        from sync import resync

        def said(result: Any) -> str:
            lines = [
                {
                    "in_step": self.tr("The station is in step with the county."),
                    "ahead": self.tr("The county lacks batches: %1. Write them again.").replace(
                        "%1", ", ".join(f"#{n}" for n in result.resend)
                    ),
                    "rebased": self.tr(
                        "The station now continues after the county's batch #%1."
                    ).replace("%1", str(result.county_sequence)),
                }[result.status],
                self.tr("%1 records are held by the county and marked acknowledged.").replace(
                    "%1", str(result.acknowledged)
                ),
            ]
            if result.missing_here:
                lines.append(
                    self.tr("The county holds candidates this station no longer has: %1").replace(
                        "%1", ", ".join(result.missing_here)
                    )
                )
            return "\n".join(lines)

        return self._run(lambda _p: resync.resync(self.context, state_file), said)

    def _run(self, work: Any, message: Any, warn: Any = None) -> Operation:
        """``work`` off the GUI thread; then the list read again and ``message(result)`` said
        (a warning when ``warn(result)``)."""
        self.resend_button.setEnabled(False)
        self.resync_button.setEnabled(False)
        self.receipts_button.setEnabled(False)
        self.found_button.setEnabled(False)
        self.operation = Operation(work, self)

        def done(result: Any) -> None:
            self.reload()
            icon = QMessageBox.Icon.Information
            if warn is not None and warn(result):
                icon = QMessageBox.Icon.Warning
            box = QMessageBox(icon, self.windowTitle(), message(result))
            box.setParent(self, box.windowFlags())
            box.open()
            self.result_box = box

        self.operation.succeeded.connect(done)
        self.operation.failed.connect(lambda exc: show_error(self, exc))
        self.operation.finished.connect(lambda: self.resync_button.setEnabled(True))
        self.operation.finished.connect(lambda: self.receipts_button.setEnabled(True))
        self.operation.finished.connect(lambda: self.found_button.setEnabled(True))
        self.operation.finished.connect(self._selection_changed)
        return self.operation.start()
