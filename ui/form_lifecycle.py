"""The form's actions after collection (打印、确认、签字、解锁、历史), as a mixin of
:class:`ui.candidate_form.CandidateForm`: candidate check, print, confirm, sign, unlock,
history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QPushButton

from station import queries, records
from station.errors import StationError
from station.lifecycle import Action, State
from ui.candidate_view import CandidateView, OperatorMirror
from ui.operations import show_error, start

if TYPE_CHECKING:
    pass

ERROR_STYLE = "color: #b00020"


class LifecycleActions:
    """Mixed into CandidateForm; uses its ``ctx``, ``candidate_id``, ``state`` and widgets."""

    def _lifecycle_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.check_button = QPushButton(
            QCoreApplication.translate("CandidateForm", "Candidate check (F4)"),
            objectName="candidateCheck",
        )
        self.print_button = QPushButton(
            QCoreApplication.translate("CandidateForm", "Print form (Ctrl+P)"),
            objectName="printForm",
        )
        self.confirm_button = QPushButton(
            QCoreApplication.translate("CandidateForm", "Confirm"), objectName="confirm"
        )
        self.sign_button = QPushButton(
            QCoreApplication.translate("CandidateForm", "Signed… (F9)"), objectName="sign"
        )
        self.unlock_button = QPushButton(
            QCoreApplication.translate("CandidateForm", "Unlock…"), objectName="unlock"
        )
        self.history_button = QPushButton(
            QCoreApplication.translate("CandidateForm", "History…"), objectName="history"
        )
        self.mirror = OperatorMirror()
        self.mirror.hide()
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
        QShortcut(QKeySequence(Qt.Key.Key_F4), self, activated=self.candidate_check)
        QShortcut(QKeySequence.StandardKey.Print, self, activated=self.print_form)
        QShortcut(QKeySequence(Qt.Key.Key_F9), self, activated=self.sign)
        return bar

    def _facts(self) -> Any:
        return queries.facts(self.ctx, self.candidate_id)  # type: ignore[arg-type]

    def _update_actions(self) -> None:
        saved = self.candidate_id is not None
        facts = self._facts() if saved else None
        state = self.state
        self.check_button.setEnabled(saved and state == State.READY)
        self.print_button.setEnabled(
            saved and state in (State.READY, State.CONFIRMED, State.SIGNED)
        )
        self.confirm_button.setEnabled(
            bool(
                facts
                and state == State.READY
                and facts.candidate_reviewed
                and facts.password_set
                and facts.form_printed
            )
        )
        self.sign_button.setEnabled(saved and state == State.CONFIRMED)
        self.unlock_button.setVisible(
            saved and state in (State.SIGNED, State.EXPORTED, State.ACKNOWLEDGED, State.REJECTED)
        )
        self.history_button.setEnabled(saved)
        if facts is not None and state == State.READY:
            done = [
                (
                    facts.candidate_reviewed,
                    QCoreApplication.translate("CandidateForm", "checked by the candidate"),
                ),
                (facts.password_set, QCoreApplication.translate("CandidateForm", "password set")),
                (facts.form_printed, QCoreApplication.translate("CandidateForm", "form printed")),
            ]
            self.summary.setText(
                QCoreApplication.translate("CandidateForm", "Before confirming: %1").replace(
                    "%1", "  ".join(("✔ " if ok else "✘ ") + text for ok, text in done)
                )
            )

    def _refresh(self) -> None:
        if self.candidate_id is not None:
            self._load(self.candidate_id)
            self.revalidate()
            self._update_actions()
            self.saved.emit(self.candidate_id)

    def candidate_check(self) -> None:
        if self.candidate_id is None or self.state != State.READY:
            return
        if getattr(self, "candidate_view", None) is not None and self.candidate_view.isVisible():
            return  # one candidate screen at a time
        view = CandidateView(self.ctx, self.candidate_id, self)
        view.typed.connect(self.mirror.show_typing)
        self.mirror.show()
        view.finished.connect(lambda _result: (self.mirror.hide(), self._after_check(view)))
        self.candidate_view = view
        view.show_for_candidate()

    def _after_check(self, view: CandidateView) -> None:
        if view.wrong:
            self.card_note.setText(
                QCoreApplication.translate(
                    "CandidateForm", "The candidate says these are wrong: %1"
                ).replace("%1", "、".join(view.wrong))
            )
            self.card_note.setStyleSheet(ERROR_STYLE)
            self.card_note.show()
        self._refresh()

    def print_form(self) -> None:
        """Render the registration form off the GUI thread (fonts, barcode, PDF), then show
        the preview; "printed" is recorded by the core as it renders."""
        if self.candidate_id is None:
            return
        if getattr(self, "printing", None) is not None and self.printing.running:
            return
        from station.form.service import print_form

        candidate_id = self.candidate_id
        self.preview = None
        self.print_button.setEnabled(False)
        self.printing = start(
            self,
            lambda _progress: print_form(self.ctx, candidate_id),
            self._show_preview,
            on_finished=self._update_actions,
        )

    def _show_preview(self, printed: Any) -> None:
        from ui.record_actions import PrintPreview

        self.preview = PrintPreview(
            printed.pdf, QCoreApplication.translate("CandidateForm", "Registration form"), self
        )
        self.preview.finished.connect(lambda _r: self._refresh())
        self.preview.open()

    def confirm(self) -> None:
        try:
            records.transition(self.ctx, self.candidate_id, Action.CONFIRM)  # type: ignore[arg-type]
        except StationError as exc:
            show_error(self, exc)
            return
        self._refresh()

    def sign(self) -> None:
        if self.candidate_id is None or self.state != State.CONFIRMED:
            return
        from ui.record_actions import SignDialog

        self.sign_dialog = SignDialog(self.ctx, self.candidate_id, self)
        self.sign_dialog.accepted.connect(self._refresh)
        self.sign_dialog.open()

    def unlock(self) -> None:
        from ui.record_actions import UnlockDialog

        self.unlock_dialog = UnlockDialog(self.ctx, self.candidate_id, self)  # type: ignore[arg-type]
        self.unlock_dialog.accepted.connect(self._refresh)
        self.unlock_dialog.open()

    def history(self) -> None:
        from ui.record_actions import HistoryDialog

        self.history_dialog = HistoryDialog(self.ctx, self.candidate_id, self)  # type: ignore[arg-type]
        self.history_dialog.open()
