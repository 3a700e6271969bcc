"""The form's actions after collection (考生核对、打印、确认、签字、解锁、历史) as a bar of
buttons under the form. Every store call goes through the record's
:class:`ui.record_session.RecordSession`; what is possible follows its state and facts."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from station import queries
from station.lifecycle import Action, State
from ui.candidate_view import CandidateView, OperatorMirror
from ui.operations import Operation, start
from ui.record_session import RecordSession
from ui.widgets import named

#: States from which only a supervisor's unlock leads back to editing.
UNLOCKABLE = (State.CONFIRMED, State.SIGNED, State.EXPORTED, State.ACKNOWLEDGED, State.REJECTED)


class LifecycleBar(QWidget):
    """``candidate_said_wrong(groups)``: the candidate pointed at groups to correct."""

    candidate_said_wrong = Signal(list)

    def __init__(self, session: RecordSession, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.candidate_view: CandidateView | None = None
        self.preview: Any = None
        self.sign_dialog: Any = None
        self.unlock_dialog: Any = None
        self.history_dialog: Any = None
        self.printing: Operation | None = None
        self.opening: Operation | None = None
        self.checklist = named(QLabel(), "checklist")
        self.print_note = named(QLabel(), "printNote")
        self.checklist.setWordWrap(True)
        self.check_button = named(QPushButton(self.tr("Candidate check (F4)")), "candidateCheck")
        self.print_button = named(QPushButton(self.tr("Print form (Ctrl+P)")), "printForm")
        self.confirm_button = named(QPushButton(self.tr("Confirm (F8)")), "confirm")
        self.sign_button = named(QPushButton(self.tr("Signed… (F9)")), "sign")
        self.unlock_button = named(QPushButton(self.tr("Unlock…")), "unlock")
        self.history_button = named(QPushButton(self.tr("History…")), "history")
        self.mirror = OperatorMirror()
        self.mirror.hide()
        bar = QHBoxLayout()
        for button, slot in (
            (self.check_button, self.candidate_check),
            (self.print_button, self.print_form),
            (self.confirm_button, self.confirm),
            (self.sign_button, self.sign),
            (self.unlock_button, self.unlock),
            (self.history_button, self.history),
        ):
            button.clicked.connect(slot)
            bar.addWidget(button)
        bar.addWidget(self.mirror)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.checklist)
        layout.addWidget(self.print_note)
        layout.addLayout(bar)
        # A step's key pressed while the record is still being saved or read (its button is
        # enabled only then) is done once it is: F4 straight after Ctrl+S opens the check.
        self.pending: Callable[[], object] | None = None
        for keys, step in (
            (QKeySequence(Qt.Key.Key_F4), self.candidate_check),
            (QKeySequence(QKeySequence.StandardKey.Print), self.print_form),
            (QKeySequence("Ctrl+Shift+P"), lambda: self.print_form(preview=True)),
            (QKeySequence(Qt.Key.Key_F8), self.confirm),
            (QKeySequence(Qt.Key.Key_F9), self.sign),
        ):
            QShortcut(keys, parent).activated.connect(partial(self._pressed, step))
        session.reloaded.connect(self.update_actions)
        session.busy_changed.connect(self._busy_changed)
        self.update_actions()

    def _pressed(self, step: Callable[[], object]) -> None:
        if self.session.busy:
            self.pending = step  # the last key pressed counts
        else:
            step()

    def _busy_changed(self, busy: bool) -> None:
        self.update_actions()
        if not busy and self.pending is not None:
            step, self.pending = self.pending, None
            step()

    def update_actions(self) -> None:
        session = self.session
        saved = session.record is not None
        facts = session.facts
        state = session.state
        idle = not session.busy
        self.check_button.setEnabled(idle and saved and state == State.READY)
        printing = self.printing is not None and self.printing.running
        self.print_button.setEnabled(
            idle
            and not printing
            and saved
            and state in (State.READY, State.CONFIRMED, State.SIGNED)
        )
        self.confirm_button.setEnabled(
            bool(
                idle
                and facts
                and state == State.READY
                and facts.candidate_reviewed
                and facts.password_set
                and facts.form_printed
            )
        )
        self.sign_button.setEnabled(idle and saved and state == State.CONFIRMED)
        self.unlock_button.setVisible(saved and state in UNLOCKABLE)
        self.unlock_button.setEnabled(idle)
        self.history_button.setEnabled(idle and saved)
        if facts is not None and state == State.READY:
            done = [
                (facts.candidate_reviewed, self.tr("checked by the candidate")),
                (facts.password_set, self.tr("password set")),
                (facts.form_printed, self.tr("form printed")),
            ]
            self.checklist.setText(
                self.tr("Before confirming: %1").replace(
                    "%1", "  ".join(("✔ " if ok else "✘ ") + text for ok, text in done)
                )
            )
        self.checklist.setVisible(facts is not None and state == State.READY)

    # --- the candidate's check ----------------------------------------------------------

    def candidate_check(self) -> None:
        if not self.check_button.isEnabled():  # the shortcut follows the button
            return
        if self.candidate_view is not None and self.candidate_view.isVisible():
            return  # one candidate screen at a time
        if self.opening is not None and self.opening.running:
            return
        ctx, candidate_id = self._stored()
        self.candidate_view = None
        # What the candidate checks is read at the moment the screen opens.
        self.opening = self.session.run(
            lambda: queries.record_view(ctx, candidate_id), self._open_check, reload=False
        )

    def _open_check(self, view: queries.RecordView) -> None:
        screen = CandidateView(self.session.ctx, view, self)
        screen.typed.connect(self.mirror.show_typing)
        self.mirror.show()
        screen.finished.connect(lambda _result: self._after_check(screen))
        self.candidate_view = screen
        screen.show_for_candidate()

    def _after_check(self, screen: CandidateView) -> None:
        self.mirror.hide()
        if screen.wrong:
            self.candidate_said_wrong.emit(screen.wrong)
        self.session.reload(announce=True)

    # --- print, confirm, sign, unlock, history --------------------------------------------

    def print_form(self, preview: bool = False) -> None:
        """Render the registration form off the GUI thread (fonts, barcode, PDF), then print
        it on the station's printer in one action; with ``preview``, or when the station has
        no printer, show it first. It counts as printed once a printer took it."""
        if not self.print_button.isEnabled():
            return
        from station.form.service import render_form

        ctx, candidate_id = self._stored()
        self.preview = None
        self.printing = self.session.run(
            lambda: render_form(ctx, candidate_id),
            lambda form: self._rendered(form, preview),
            reload=False,
        )
        self.update_actions()

    def _rendered(self, form: Any, preview: bool) -> None:
        from ui import printing

        setting = self.session.ctx.settings.printer
        note = ""
        if not preview:
            name = f"{form.registration_no}-v{form.version}.pdf"
            printer = printing.station_printer(setting, name)
            if printer is None:
                note = self.tr(
                    "No printer is set up at this desk: choose one with Print…; it is remembered."
                )
            elif printing.render(printing.PdfPages(form.pdf).document, printer):
                self._printed(form, printing.where(setting))
                return
            else:
                note = self.tr("The printer %1 did not take the form: check it, or choose another.")
                note = note.replace("%1", printing.where(setting))
        self._show_preview(form, note)

    def _printed(self, form: Any, where: str) -> None:
        """The printer took the form: now it counts as printed (stored, audited)."""
        from station.form.service import printed

        ctx = self.session.ctx
        self.session.run(
            lambda: printed(ctx, form),
            lambda _r: self.print_note.setText(self.tr("Printed on %1.").replace("%1", where)),
        )

    def _show_preview(self, form: Any, note: str = "") -> None:
        from ui.record_actions import PrintPreview

        self.preview = PrintPreview(
            form.pdf,
            self.tr("Registration form"),
            self,
            note,
            self.session.ctx.settings.printer,
        )
        self.preview.printed.connect(lambda name: self._printed(form, name))
        self.preview.printed.connect(self._remember_printer)
        self.preview.open()

    def _remember_printer(self, name: str) -> None:
        """The printer chosen in the print dialog is the station's from now on."""
        from station import settings as settings_mod

        ctx = self.session.ctx
        if not name or ctx.settings.printer == name:
            return
        ctx.settings.printer = name

        def save(_progress: Any) -> None:
            current = settings_mod.load(ctx.data_dir)
            current.printer = name
            settings_mod.save(ctx.data_dir, current)

        start(self, save, lambda _r: None)

    def confirm(self) -> None:
        if self.confirm_button.isEnabled():
            self.session.transition(Action.CONFIRM)

    def sign(self) -> None:
        if not self.sign_button.isEnabled() or self._dialog_open(self.sign_dialog):
            return
        from ui.record_actions import SignDialog

        self.sign_dialog = SignDialog(self.session, self)
        self.sign_dialog.open()

    def unlock(self) -> None:
        if not self.unlock_button.isEnabled() or self._dialog_open(self.unlock_dialog):
            return
        from ui.record_actions import UnlockDialog

        self.unlock_dialog = UnlockDialog(self.session, self)
        self.unlock_dialog.open()

    def _stored(self) -> tuple[Any, int]:
        """(context, candidate id) of the stored record an enabled button acts on."""
        record = self.session.record
        assert record is not None  # the buttons are enabled only for a stored record
        return self.session.ctx, record.view.id

    @staticmethod
    def _dialog_open(dialog: Any) -> bool:
        return dialog is not None and dialog.isVisible()

    def history(self) -> None:
        if not self.history_button.isEnabled():
            return
        from ui.record_actions import HistoryDialog

        ctx, candidate_id = self._stored()
        self.history_dialog = None

        def show(history: tuple[list[queries.VersionView], list[queries.EventView]]) -> None:
            self.history_dialog = HistoryDialog(*history, parent=self)
            self.history_dialog.open()

        self.session.run(lambda: queries.history(ctx, candidate_id), show, reload=False)
