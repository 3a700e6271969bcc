"""What happens to a record after collection: print the form, sign, unlock, history.

* :class:`PrintPreview` shows the registration form's PDF (rendered by QtPdf) and sends it
  to a printer through the system's print dialog.
* :class:`SignDialog`: the operator attests that candidate and guardian signed the paper and
  records where it is archived; the record becomes signed and read-only.
* :class:`UnlockDialog`: a supervisor's login, password and a reason reopen a signed record
  as a new version.
* :class:`HistoryDialog`: every printed version side by side, differences highlighted, and
  who did what.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from station import fields as registry
from station import queries, records
from ui import printing
from ui.labels import field_label
from ui.operations import refusal_in
from ui.record_session import RecordSession
from ui.widgets import enter_moves_on, named


class PrintPreview(QDialog):
    """The form as it will print; Print opens the system's print dialog, and the printer
    chosen there is remembered as the station's (the next form prints there in one action).
    ``printed``: the name of the printer it went to."""

    printed = Signal(str)

    def __init__(
        self,
        pdf: bytes,
        title: str,
        parent: QWidget | None = None,
        note: str = "",
        printer_name: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.printer_name = printer_name  # the station's: the print dialog starts on it
        self.pdf = pdf
        self._pages = printing.PdfPages(pdf)  # keeps the bytes QtPdf reads lazily alive
        self.document = self._pages.document
        view = named(QPdfView(self), "pdfView")
        view.setDocument(self.document)
        view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self.note = named(QLabel(note), "printNote")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(note))
        print_button = named(QPushButton(self.tr("Print…")), "printButton")
        print_button.clicked.connect(self.print_pdf)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(view, 1)
        layout.addWidget(print_button)
        layout.addWidget(close)
        self.resize(700, 900)

    @property
    def pages(self) -> int:
        return self.document.pageCount()

    def print_pdf(self) -> bool:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setResolution(printing.PRINT_DPI)
        if self.printer_name and not self.printer_name.startswith(printing.PDF_PREFIX):
            printer.setPrinterName(self.printer_name)
        if QPrintDialog(printer, self).exec() != QDialog.DialogCode.Accepted:
            return False
        if not printing.render(self.document, printer):
            return False
        self.printed.emit(printer.printerName())
        self.accept()  # printed: nothing left to do here
        return True


class SignDialog(QDialog):
    """签字确认: the paper form is signed by candidate and guardian, and archived here."""

    def __init__(self, session: RecordSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle(self.tr("Signed paper form"))
        self.attest = named(
            QCheckBox(self.tr("The candidate and the guardian have signed the printed form")),
            "attest",
        )
        self.box = named(QLineEdit(), "archiveBox")
        self.page = named(QLineEdit(), "archivePage")
        enter_moves_on(self, self.box)  # box, then page: Enter on the page signs
        self.error = named(QLabel(), "signError")
        self.error.setStyleSheet("color: #b00020")
        form = QFormLayout()
        form.addRow(self.attest)
        form.addRow(self.tr("Archive box"), self.box)
        form.addRow(self.tr("Page"), self.page)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.sign)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def sign(self) -> None:
        if not self.attest.isChecked():
            self.error.setText(self.tr("Only sign here once both signatures are on the paper."))
            return
        if not self.box.text().strip() or not self.page.text().strip():
            self.error.setText(self.tr("Where is the paper archived? Box and page are required."))
            return
        reference = f"盒{self.box.text().strip()}-页{self.page.text().strip()}"
        ctx, candidate_id = self.session.ctx, self.session.candidate_id
        assert candidate_id is not None
        self.buttons.setEnabled(False)
        self.session.run(
            lambda: records.sign(ctx, candidate_id, reference),
            lambda _result: self.accept(),
            refusal_in(self.error),
            on_finished=lambda: self.buttons.setEnabled(True),
        )


class UnlockDialog(QDialog):
    """审核员解锁: a supervisor reopens a signed record; a new version starts."""

    def __init__(self, session: RecordSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle(self.tr("Unlock for correction"))
        self.login = named(QLineEdit(), "unlockLogin")
        self.password = named(QLineEdit(), "unlockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.reason = named(QLineEdit(), "unlockReason")
        enter_moves_on(self, self.login, self.password)  # Enter on the reason unlocks
        self.error = named(QLabel(), "unlockError")
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        note = QLabel(
            self.tr(
                "The printed form becomes void: the record must be checked, printed and signed again."
            )
        )
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow(note)
        form.addRow(self.tr("Supervisor login"), self.login)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Reason"), self.reason)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.unlock)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def unlock(self) -> None:
        """The supervisor's password is checked and the record reopened off the GUI thread."""
        ctx, candidate_id = self.session.ctx, self.session.candidate_id
        assert candidate_id is not None
        reason, approver = self.reason.text(), (self.login.text(), self.password.text())
        self.buttons.setEnabled(False)
        self.session.run(
            lambda: records.unlock(ctx, candidate_id, reason, approver=approver),
            lambda _result: self.accept(),
            refusal_in(self.error, self.password.clear),
            on_finished=lambda: self.buttons.setEnabled(True),
        )


class HistoryDialog(QDialog):
    """Every printed version of the record side by side (changes marked), then the events."""

    CHANGED = QBrush(QColor("#ffe08a"))

    def __init__(
        self,
        versions: list[queries.VersionView],
        events: list[queries.EventView],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("History"))
        fields = list(registry.NAMES)
        self.versions = named(QTableWidget(len(fields), len(versions)), "versions")
        self.versions.setHorizontalHeaderLabels(
            [self.tr("Version %1").replace("%1", str(v.version)) for v in versions]
        )
        self.versions.setVerticalHeaderLabels([field_label(registry.BY_NAME[f]) for f in fields])
        self.changed_cells: list[tuple[int, int]] = []
        for col, version in enumerate(versions):
            values = version.record
            for row, name in enumerate(fields):
                item = QTableWidgetItem(str(values.get(name, "")))
                if col and str(values.get(name, "")) != str(versions[col - 1].record.get(name, "")):
                    item.setBackground(self.CHANGED)
                    self.changed_cells.append((row, col))
                self.versions.setItem(row, col, item)
        self.events = named(QTableWidget(len(events), 4), "events")
        self.events.setHorizontalHeaderLabels(
            [self.tr("Time"), self.tr("Who"), self.tr("What"), self.tr("Reason")]
        )
        for row, e in enumerate(events):
            for col, value in enumerate((e.at[:19].replace("T", " "), e.actor, e.action, e.reason)):
                self.events.setItem(row, col, QTableWidgetItem(value))
        self.events.horizontalHeader().setStretchLastSection(True)
        for table in (self.versions, self.events):
            table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Versions (changes highlighted)")))
        layout.addWidget(self.versions, 2)
        layout.addWidget(QLabel(self.tr("Who did what")))
        layout.addWidget(self.events, 1)
        self.resize(1000, 800)
