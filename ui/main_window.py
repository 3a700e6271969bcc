"""The operator's main window: the candidate queue, its search and filters, the actions."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from station import blockers, queries
from station.auth import Context
from station.errors import StationError
from station.lifecycle import State
from station.roles import Permission, allows
from ui import i18n
from ui.candidate_form import CandidateDialog
from ui.labels import role_label, state_label
from ui.operations import Operation, background_pool, run_with_progress, show_error, start
from ui.queue_model import QueueModel
from ui.roster_dialog import RosterPreview, import_summary, import_work, preview_work
from ui.upload_status import UploadStatus
from ui.widgets import named

#: How often the desk looks for a card placed on a reader it can watch (milliseconds).
CARD_WATCH_MS = 1500


class MainWindow(QMainWindow):
    logout_requested = Signal()
    settings_changed = Signal()

    def __init__(self, context: Context, reader: Any = None, camera: Any = None) -> None:
        super().__init__()
        self.context = context
        self.reader = reader
        self.camera = camera
        self.station_title = ""
        self.is_demo = False
        self.ready = False  # the first look at the store is back
        self.current_dialog: CandidateDialog | None = None
        # Set by the desk: closing the window logs out, so that the store is closed and the
        # logout backup made (an operator ends the day with the window's X).
        self.close_means_logout = False
        self.loading: Operation | None = None
        self.setWindowTitle(self.tr("Registration station"))

        self.model = QueueModel()
        self.search = named(QLineEdit(), "search")
        self.search.setPlaceholderText(
            self.tr("Search: name, pinyin initials (zs), ID number or registration no. (Ctrl+F)")
        )
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.model.set_filter)
        self.search.returnPressed.connect(self.open_current)
        self.state_filter = named(QComboBox(), "stateFilter")
        self.state_filter.addItem(self.tr("All states"), "")
        for state in State:
            self.state_filter.addItem(state_label(state.value), state.value)
        self.state_filter.currentIndexChanged.connect(
            lambda: self.model.set_state(self.state_filter.currentData())
        )
        self.school_filter = named(QComboBox(), "schoolFilter")
        self._fill_schools()
        self.school_filter.currentIndexChanged.connect(
            lambda: self.model.set_school(self.school_filter.currentData())
        )

        self.table = named(QTableView(), "queue")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        # Fixed widths: ResizeToContents would measure all 50,000 rows on every keystroke.
        for column, width in enumerate((150, 110, 110, 170, 260, 60)):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        # Enter on a row, or a double click (or one click, where the platform's style says
        # so): `activated` says all three; `doubleClicked` as well opened a second window.
        self.table.activated.connect(self.open_index)
        # Under the queue: what keeps the selected record in its state (station/blockers.py).
        self.why = named(QLabel(), "why")
        self.why.setWordWrap(True)
        self.why.setTextFormat(Qt.TextFormat.PlainText)
        self.why.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.why_for: int | None = None  # the candidate the label is (being) read for
        self.why_reading: Operation | None = None
        self.table.selectionModel().currentRowChanged.connect(self.show_why)
        # A filter or a reload rebuilds the rows: the label follows what is current then.
        self.model.modelReset.connect(lambda: self.show_why(self.table.currentIndex()))

        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        filters.addWidget(QLabel(self.tr("State")))
        filters.addWidget(self.state_filter, 1)
        filters.addWidget(QLabel(self.tr("School")))
        filters.addWidget(self.school_filter, 1)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addLayout(filters)
        layout.addWidget(self.table)
        layout.addWidget(self.why)
        # Damage the background database check found (station/integrity.py): in sight all day.
        self.damage = named(QLabel(), "damage")
        self.damage.setWordWrap(True)
        self.damage.setStyleSheet("color: #b00020; font-weight: bold")
        self.damage.hide()
        layout.addWidget(self.damage)
        self.setCentralWidget(central)
        self._actions()
        # Counts live in a permanent label; transient messages (imports) use showMessage.
        self.counts = named(QLabel(), "counts")
        self.statusBar().addPermanentWidget(self.counts)
        self.upload_status = UploadStatus(context, self)
        self.statusBar().addPermanentWidget(self.upload_status)
        self.model.modelReset.connect(self._update_status)
        self._update_status()
        self.resize(1200, 760)
        self.loading = start(self, lambda _p: self._look(with_station=True), self._loaded)
        # Card first: a reader that can be watched is asked every moment whether a card lies on
        # it; one placed there starts its record (or opens it) without a key press.
        self.card_watch = QTimer(self, interval=CARD_WATCH_MS)
        self.card_watch.timeout.connect(self.watch_card)
        self.watching: Operation | None = None
        if getattr(reader, "polls", False):
            self.card_watch.start()

    def _look(self, with_station: bool = False) -> tuple[Any, list[Any]]:
        """Off the GUI thread: the station's name and the whole queue."""
        station = queries.station_info(self.context) if with_station else None
        return station, queries.queue_rows(self.context)

    def _loaded(self, look: tuple[Any, list[Any]]) -> None:
        station, rows = look
        if station is not None:
            self.station_title = f"{station.name}（{station.code}）" if station.code else ""
            self.is_demo = station.is_demo
            title = self.tr("Registration station") + " — " + self.station_title
            if self.is_demo:
                title += " " + self.tr("[DEMO]")
            self.setWindowTitle(title)
        self.model.set_rows(rows)
        self._fill_schools()
        if not self.ready:  # once per login: what the first save needs, loaded now
            from station import warmup

            context = self.context
            start(self, lambda _p: warmup.warm(context), lambda _n: None, pool=background_pool())
            self._check_photos_in_background()
        self.ready = True

    def _check_photos_in_background(self) -> None:
        """The day's photo check (station/integrity.py), one short slice at a time off the
        GUI thread, the next one started only when the last has ended."""
        from station import integrity

        context = self.context
        self.photo_check = QTimer(self, singleShot=True)

        def ended(outcome: integrity.SliceOutcome) -> None:
            if outcome.damage is not None and self.damage.isHidden():
                # Said at once, and kept in sight: records entered on a damaged store may be
                # lost, and the export that would have said so may be days away.
                self.damage.setText(i18n.message(outcome.damage))
                self.damage.show()
                show_error(self, outcome.damage, self.tr("Database check"))
            interval = integrity.SLICE_EVERY_MS if outcome.more else integrity.IDLE_EVERY_MS
            self.photo_check.start(interval)

        def failed(exc: BaseException) -> None:
            logging.getLogger(__name__).error("photo check", exc_info=exc)

        self.photo_check.timeout.connect(
            lambda: start(
                self,
                lambda _p: integrity.background_slice(context),
                ended,
                failed,
                pool=background_pool(),
            )
        )
        self.photo_check.start(integrity.FIRST_SLICE_AFTER_MS)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.close_means_logout:
            event.ignore()
            self.logout_requested.emit()
            return
        super().closeEvent(event)

    # --- actions ------------------------------------------------------------------------

    def _action(
        self, toolbar: QToolBar, text: str, shortcut: QKeySequence | str, slot: Any, name: str
    ) -> QAction:
        action = named(QAction(text, self), name)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(
            f"{text} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
        )
        action.triggered.connect(slot)
        toolbar.addAction(action)
        return action

    def _actions(self) -> None:
        bar = named(QToolBar(self.tr("Actions")), "actions")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.new_action = self._action(
            bar, self.tr("New candidate"), "Ctrl+N", self.new_candidate, "newCandidate"
        )
        self.card_action = self._action(
            bar, self.tr("Read ID card"), "F2", self.new_from_card, "readCardAction"
        )
        self.card_action.setEnabled(self.reader is not None)
        self._action(bar, self.tr("Find"), "Ctrl+F", self.focus_search, "find")
        self._action(bar, self.tr("Refresh"), "F5", self.refresh, "refresh")
        bar.addSeparator()
        self._action(bar, self.tr("Import roster"), "Ctrl+I", self.import_roster, "importRoster")
        if allows(self.context.operator.role, Permission.TAKE_PERSONAL_DATA):
            self._action(
                bar, self.tr("Export roster"), "Ctrl+E", self.export_roster, "exportRoster"
            )
        self._action(
            bar, self.tr("Roster template"), "Ctrl+T", self.save_template, "rosterTemplate"
        )
        self._action(
            bar, self.tr("Export for county"), "Ctrl+B", self.export_batches, "exportBatches"
        )
        self._action(
            bar, self.tr("Check a paper form"), "Ctrl+K", self.check_paper_form, "checkForm"
        )
        self._action(bar, self.tr("Batches"), "Ctrl+Shift+B", self.show_batches, "batches")
        bar.addSeparator()
        if allows(self.context.operator.role, Permission.UNLOCK):
            self._action(
                bar, self.tr("Password refusals"), "Ctrl+R", self.show_refusals, "refusals"
            )
            self._action(bar, self.tr("Health"), "Ctrl+H", self.show_health, "health")
            self._action(bar, self.tr("Dashboard"), "F9", self.show_dashboard, "dashboard")
        self._action(bar, self.tr("Settings"), "Ctrl+,", self.open_settings, "settings")
        self._action(bar, self.tr("Full screen"), "F11", self.toggle_full_screen, "fullScreen")
        self._action(bar, self.tr("Log out"), "Ctrl+L", self.logout_requested.emit, "logout")

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def refresh(self) -> Operation:
        """The whole queue read again (F5, after an import or an export)."""
        self.loading = start(self, lambda _p: self._look(), self._loaded)
        return self.loading

    def candidate_changed(self, candidate_id: int) -> Operation:
        """After a save: that candidate's line, not the whole queue."""
        context = self.context

        def show(row: Any) -> None:
            self.model.put_row(candidate_id, row)
            if (
                row is not None
                and row.school_code
                and self.school_filter.findData(row.school_code) < 0
            ):
                self._fill_schools()  # a school the list does not have yet
            self._update_status()
            if self.why_for == candidate_id:  # what kept it may be done now
                self.show_why(self.table.currentIndex())

        return start(self, lambda _p: queries.queue_row(context, candidate_id), show)

    def show_refusals(self) -> Operation:
        """For the supervisor: refused candidate passwords per school. Many "same format"
        refusals from one school mean somebody there prescribes passwords."""
        from station import passwords

        context = self.context
        self.refusals_dialog: QDialog | None = None
        return start(self, lambda _p: passwords.refusals_by_school(context), self._show_refusals)

    def _show_refusals(self, counts: dict[str, dict[str, int]]) -> None:
        reasons = sorted({r for by_reason in counts.values() for r in by_reason})
        dialog = QDialog(self)
        dialog.setWindowTitle(self.tr("Refused candidate passwords by school"))
        table = QTableWidget(len(counts), len(reasons) + 1, dialog)
        table.setObjectName("refusalTable")
        names = {
            "same_as_other": self.tr("Same as another candidate's"),
            "uniform_format": self.tr("Same format as several others"),
            "uniform_answer": self.tr("Same question and answer as several others"),
            "weak": self.tr("Too easy to guess"),
            "own_digits": self.tr("Own ID or phone digits"),
            "too_short": self.tr("Too short"),
            "mismatch": self.tr("Entries differ"),
            "question": self.tr("No question"),
            "answer": self.tr("No answer"),
        }
        table.setHorizontalHeaderLabels([self.tr("School"), *(names.get(r, r) for r in reasons)])
        for row, (school, by_reason) in enumerate(sorted(counts.items())):
            table.setItem(row, 0, QTableWidgetItem(school or self.tr("(no school)")))
            for col, reason in enumerate(reasons, start=1):
                table.setItem(row, col, QTableWidgetItem(str(by_reason.get(reason, 0))))
        QVBoxLayout(dialog).addWidget(table)
        dialog.resize(700, 400)
        dialog.show()
        self.refusals_dialog = dialog

    def show_health(self) -> QDialog:
        """For the supervisor: what `station doctor` finds, at the desk."""
        from ui.health_dialog import HealthDialog

        dialog = HealthDialog(self.context, self)
        dialog.show()
        dialog.refresh()
        return dialog

    def show_dashboard(self) -> QDialog:
        """For the supervisor: where the point stands, refreshed every half minute."""
        from ui.dashboard import DashboardDialog

        dialog = getattr(self, "dashboard", None)
        if dialog is None or not dialog.isVisible():
            # One at a time, gone when closed: each would keep its timer and charts.
            dialog = DashboardDialog(self.context, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.destroyed.connect(lambda _o=None: setattr(self, "dashboard", None))
            self.dashboard = dialog
            dialog.show()
            dialog.refresh()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def open_settings(self) -> None:
        from ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.context, self)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.settings_changed.emit()

    def toggle_full_screen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    def _fill_schools(self) -> None:
        current = self.school_filter.currentData()
        self.school_filter.blockSignals(True)
        self.school_filter.clear()
        self.school_filter.addItem(self.tr("All schools"), "")
        for code, name in self.model.schools():
            self.school_filter.addItem(f"{name}（{code}）", code)
        index = self.school_filter.findData(current)
        self.school_filter.setCurrentIndex(max(index, 0))
        self.school_filter.blockSignals(False)

    def _update_status(self) -> None:
        op = self.context.operator
        self.counts.setText(
            self.tr("Operator: %1 (%2)    Shown: %3 of %4 candidates")
            .replace("%1", op.display_name)
            .replace("%2", role_label(op.role.value))
            .replace("%3", str(len(self.model.rows)))
            .replace("%4", str(len(self.model.all_rows)))
        )

    # --- records ------------------------------------------------------------------------

    def show_why(self, index: QModelIndex) -> Operation | None:
        """Say under the queue what keeps the selected record in its state, and who must
        act; read off the GUI thread. A reading for a row no longer selected is dropped."""
        if not index.isValid():
            self.why_for = None
            self.why.clear()
            return None
        candidate_id = self.model.row_at(index.row()).id
        self.why_for = candidate_id
        context = self.context

        def shown(standing: blockers.Why) -> None:
            if self.why_for != candidate_id:
                return
            english = i18n.current() == "en"
            heading = blockers.HEADING_EN if english else blockers.HEADING_ZH
            lines = standing.lines("en" if english else "zh_CN")
            self.why.setText("\n".join([heading, *("• " + line for line in lines)]))

        def trouble(exc: BaseException) -> None:  # a passive label: said there, no dialog
            if not isinstance(exc, StationError):
                # Logged with its trace; one selection must not raise a dialog per click.
                logging.getLogger(__name__).error("why-stuck reading", exc_info=exc)
            if self.why_for == candidate_id:
                self.why.setText(
                    i18n.message(exc) if isinstance(exc, StationError) else type(exc).__name__
                )

        self.why_reading = start(
            self, lambda _p: blockers.why(context, candidate_id), shown, trouble
        )
        return self.why_reading

    def open_current(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid() and self.model.rowCount() == 1:
            index = self.model.index(0, 0)
        if index.isValid():
            self.open_index(index)

    def open_index(self, index: QModelIndex) -> None:
        self.open_candidate(self.model.row_at(index.row()).id)

    def open_candidate(self, candidate_id: int | None, read_card: bool = False) -> CandidateDialog:
        """The candidate's window; one window per candidate: one already open is brought to
        the front instead."""
        shown = self.current_dialog
        if (
            candidate_id is not None
            and shown is not None
            and shown.isVisible()
            and shown.form.candidate_id == candidate_id
        ):
            shown.raise_()
            shown.activateWindow()
            return shown
        dialog = CandidateDialog(self.context, candidate_id, self.reader, self, self.camera)
        dialog.form.open_existing.connect(lambda existing: self._switch_to(dialog, existing))
        dialog.form.saved.connect(self.candidate_changed)
        dialog.next_candidate.connect(lambda: self._next_after(dialog))
        self.current_dialog = dialog
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()
        if read_card:
            dialog.form.read_card()
        return dialog

    def _switch_to(self, dialog: CandidateDialog, existing_id: int) -> None:
        """The ID number is already at this station: open that record, never a second one."""
        dialog.form.open_existing.disconnect()
        card = dialog.form.last_card if dialog.form.card_fields else None
        dialog.close()
        opened = self.open_candidate(existing_id)
        if card is not None:  # read for this candidate: its fields come from the card
            opened.form.apply_card_when_read(card)
        opened.form.show_notice(
            self.tr("This ID number is already registered here: its record is opened.")
        )

    def watch_card(self) -> Operation | None:
        """Look for a card on the reader, off the GUI thread, while the queue is in front."""
        from station.idcard.reader import NoCard

        busy = self.watching is not None and self.watching.running
        open_record = self.current_dialog is not None and self.current_dialog.isVisible()
        if busy or open_record or not self.ready or QApplication.activeModalWidget() is not None:
            return None
        reader, context = self.reader, self.context

        def look(_progress: Any) -> tuple[Any, int | None] | None:
            try:
                card = reader.read_card(timeout=0.3)
            except NoCard:
                return None
            return card, queries.candidate_with_id_number(context, card.id_number)

        def trouble(exc: BaseException) -> None:  # said on the status line, never a dialog
            self.statusBar().showMessage(i18n.message(exc), 10_000)

        self.watching = start(self, look, self._card_placed, trouble)
        return self.watching

    def _card_placed(self, found: tuple[Any, int | None] | None) -> None:
        if found is None:
            return
        card, existing = found
        if existing is None:
            self.open_candidate(None).form.fill_from_card(card)
        else:  # a roster's candidate (or one typed earlier): their record, from the card
            self.open_candidate(existing).form.apply_card_when_read(card)

    def _next_after(self, dialog: CandidateDialog) -> None:
        """Done with one candidate: the next one in a fresh form, the queue where it was."""
        dialog.accept()
        self.open_candidate(None)

    def new_candidate(self) -> CandidateDialog:
        return self.open_candidate(None)

    def new_from_card(self) -> CandidateDialog:
        return self.open_candidate(None, read_card=True)

    # --- rosters ------------------------------------------------------------------------

    def import_roster(self, path: Path | None = None) -> None:
        if not path:
            chosen, _ = QFileDialog.getOpenFileName(
                self, self.tr("Import roster"), "", "Excel (*.xlsx)"
            )
            if not chosen:
                return
            path = Path(chosen)
        self._busy = run_with_progress(
            self,
            self.tr("Checking the roster…"),
            preview_work(self.context, path),
            self._show_preview,
        )

    def _show_preview(self, payload: tuple[Any, Any]) -> None:
        parsed, result = payload
        self.preview = RosterPreview(result, self)
        self.preview.accepted.connect(lambda: self._import_checked(parsed))
        self.preview.open()

    def _import_checked(self, parsed: Any) -> None:
        self._busy = run_with_progress(
            self,
            self.tr("Importing the roster…"),
            import_work(self.context, parsed),
            self._imported,
        )

    def _imported(self, result: Any) -> None:
        self.last_import = result
        self.refresh()
        self.statusBar().showMessage(import_summary(result), 30_000)

    def export_roster(self, path: Path | None = None) -> None:
        if not path:
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("Export roster"), "考生名单.xlsx", "Excel (*.xlsx)"
            )
            if not chosen:
                return
            path = Path(chosen)
        from station import roster

        def work(progress: Any) -> Any:
            return roster.export_roster(
                self.context, path, progress=progress, cancel=progress.cancelled
            )

        def done(result: Any) -> None:
            self.statusBar().showMessage(
                self.tr("Exported %1 candidates to %2.")
                .replace("%1", str(result.count))
                .replace("%2", str(path)),
                30_000,
            )

        self._busy = run_with_progress(self, self.tr("Exporting…"), work, done)

    def save_template(self, path: Path | None = None) -> None:
        if not path:
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("Roster template"), "花名册模板.xlsx", "Excel (*.xlsx)"
            )
            if not chosen:
                return
            path = Path(chosen)
        from station import roster

        target = path
        start(
            self,
            lambda _p: roster.write_template(target),
            lambda _r: self.statusBar().showMessage(
                self.tr("Template written to %1.").replace("%1", str(target)), 30_000
            ),
        )

    # --- county exchange and paper forms ------------------------------------------------

    def export_batches(self) -> QDialog:
        from ui.export_dialog import ExportDialog

        dialog = ExportDialog(self.context, self, uploader=self.upload_status)
        dialog.finished.connect(lambda _r: self.refresh())
        self.export_dialog = dialog
        dialog.open()
        return dialog

    def offer_recovery(self) -> Operation:
        """After an unclean stop: say what was checked and found, and offer back the edits
        that were being typed (station/drafts.py). The store is looked at off the GUI
        thread; ``recovery_box`` is the message, if there is anything to say."""
        from station import drafts

        context = self.context
        checked = context.store.checked_after_unclean_stop
        self.recovery_box: QMessageBox | None = None

        def look(_progress: Any) -> tuple[Any, Any]:
            chain = queries.audit_check(context) if checked else None
            return chain, drafts.take(context)

        return start(self, look, self._show_recovery)

    def _show_recovery(self, look: tuple[Any, Any]) -> None:
        from station import drafts

        chain, unsaved = look
        lines = []
        if chain is not None:
            found = (
                self.tr("intact, %1 events").replace("%1", str(chain.count))
                if chain.ok
                else self.tr("broken at event %1: tell the supervisor").replace(
                    "%1", str(chain.bad_seq)
                )
            )
            lines.append(
                self.tr(
                    "The station was not closed properly last time (power cut or crash). "
                    "Checked on opening: every table but the photos: intact (the photos are "
                    "checked again before the next export); the audit chain: %1."
                ).replace("%1", found)
            )
        if unsaved is not None:
            lines.append(
                self.tr("Unsaved edits from %1 were kept. Open them to go on?").replace(
                    "%1", unsaved.at.strftime("%H:%M:%S")
                )
            )
        if not lines:
            return
        box = QMessageBox(
            QMessageBox.Icon.Information,
            self.tr("After an unclean stop"),
            "\n\n".join(lines),
            parent=self,
        )
        box.setObjectName("recovery")
        if unsaved is None:
            box.setStandardButtons(QMessageBox.StandardButton.Ok)
        else:
            box.setStandardButtons(
                QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Discard
            )
            context = self.context

            def answered(_result: int) -> None:
                if box.clickedButton() is box.button(QMessageBox.StandardButton.Open):
                    dialog = self.open_candidate(unsaved.candidate_id)
                    dialog.form.apply_unsaved(unsaved.values)
                else:
                    start(self, lambda _p: drafts.clear(context), lambda _r: None)

            box.finished.connect(answered)
        box.open()
        self.recovery_box = box

    def show_batches(self) -> QDialog:
        """Exported batches and receipts; write a lost batch again; resync after a restore."""
        from ui.batches_dialog import BatchesDialog

        dialog = BatchesDialog(self.context, self, uploader=self.upload_status)
        dialog.finished.connect(lambda _r: self.refresh())
        dialog.open()
        return dialog

    def check_paper_form(self) -> QDialog:
        """A barcode scanner types the form's QR text and Enter: current, older or unknown."""
        from station.form.service import verify_qr

        dialog = QDialog(self)
        dialog.setWindowTitle(self.tr("Check a paper form"))
        scan = named(QLineEdit(), "qrInput")
        scan.setPlaceholderText(self.tr("Scan the QR code of the printed form"))
        result = named(QLabel(), "qrResult")
        result.setWordWrap(True)

        context = self.context

        def found(answer: Any) -> None:
            result.setText(answer.message_zh if i18n.current() == "zh_CN" else answer.message_en)
            result.setStyleSheet("color: #2e7d32" if answer.ok else "color: #b00020")
            scan.selectAll()

        def refused(exc: BaseException) -> None:
            if not isinstance(exc, StationError):
                show_error(dialog, exc)
                return
            result.setText(i18n.message(exc))
            result.setStyleSheet("color: #b00020")
            scan.selectAll()

        def check() -> None:
            text = scan.text()
            self.form_checking = start(dialog, lambda _p: verify_qr(context, text), found, refused)

        scan.returnPressed.connect(check)
        layout = QVBoxLayout(dialog)
        layout.addWidget(scan)
        layout.addWidget(result)
        dialog.resize(600, 160)
        dialog.show()
        self.form_check = dialog
        return dialog
