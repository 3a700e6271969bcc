"""The candidate-facing screen (考生确认屏): the candidate checks their own record and sets
their own password, privately.

It fills the second monitor when there is one (else the whole screen, handed over): large
text, one group at a time with "correct" / "wrong", every field that the registration form
prints (``station.form.content.printed_fields``) as it prints it, since the candidate signs
that form; a group taller than the screen scrolls. Then the password, typed twice, and a
verification question with its answer. Nothing else of the station is reachable from it, and
it returns to the operator only with the operator's own password. The operator's screen
meanwhile shows only dots and the strength meter (:class:`OperatorMirror`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from station import auth, fields, passwords, queries, records
from station.auth import Context
from station.errors import StationError
from station.fields import Group
from station.form import content
from ui import i18n
from ui.labels import field_label, group_label, printed_value_text
from ui.operations import Operation, show_error, start
from ui.widgets import enter_moves_on, enter_presses, named

BIG = "font-size: 22px"
HUGE = "font-size: 30px; font-weight: bold"


class CandidateView(QDialog):
    """Result after it closes: ``confirmed`` (all correct and password set) or ``wrong`` (the
    groups the candidate pointed at)."""

    typed = Signal(int, int)  # password length, strength score: for the operator's mirror

    def __init__(
        self, ctx: Context, view: queries.RecordView, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.candidate_id = view.id
        self.confirmed = False
        self.setting: Operation | None = None  # the password being checked and stored
        self.checking: Operation | None = None  # the operator's password, handing back
        self.reviewing: Operation | None = None  # "all correct", stored
        self.wrong: list[str] = []
        self.answers: dict[str, bool] = {}
        self.setObjectName("candidateView")
        self.setWindowTitle(self.tr("Please check your information"))
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.values = view.values
        self.jpeg = view.photo
        self.candidate = view.candidate
        self.shown = (view.version, view.updated_at)  # what the candidate is about to check
        self._judge_timer = QTimer(self, singleShot=True, interval=150)
        self._judge_timer.timeout.connect(self._judge)
        self.pages = QStackedWidget()
        self.groups = self._groups()
        self.group_pages = [
            self._group_page(i, title, rows) for i, (title, rows) in enumerate(self.groups)
        ]
        for page in self.group_pages:
            self.pages.addWidget(page)
        self.password_page = self._password_page()
        self.pages.addWidget(self.password_page)
        self.handback_page = self._handback_page()
        self.pages.addWidget(self.handback_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        # A dialog's first button becomes its default, so Enter anywhere on the first page
        # pressed "Something is wrong". Enter presses "Set password" instead, which is hidden
        # until its page: an answer on the record is a deliberate click or touch. On that
        # page Enter moves from field to field, and on the last one sets the password.
        enter_presses(self.done_button)
        typed_question = self.question.lineEdit()  # the combo is editable: it has one
        assert typed_question is not None
        enter_moves_on(self, self.password, self.confirm, typed_question)

    # --- showing ------------------------------------------------------------------------

    def show_for_candidate(self) -> None:
        """On the second monitor when there is one, else the whole screen."""
        screens = QGuiApplication.screens()
        if len(screens) > 1:
            self.setGeometry(screens[1].geometry())
        # Application-modal and on top: while it shows, no other window of the station takes
        # input; only the operator's password ends it. (Switching to *other* programs is the
        # desk's kiosk setup's business: `station gui --kiosk` on a locked-down account.)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
        self.showFullScreen()

    # --- the record, group by group -----------------------------------------------------

    def _groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The boxes of the desk's form (whose names "wrong" reports to the operator), each
        with the fields of it that the registration form prints, as (label, value) in the
        desk's language, the value as the form prints it."""
        printed = content.printed_values(self.values)
        groups = []
        for group in Group:
            rows = [
                (field_label(f), printed_value_text(f, self.values.get(f.name), printed[f.name]))
                for f in fields.in_group(group)
                if f.name in printed
            ]
            if rows:
                groups.append((group_label(group), rows))
        return groups

    def _group_page(self, index: int, title: str, rows: list[tuple[str, str]]) -> QWidget:
        page = named(QWidget(), f"group{index}")
        heading = QLabel(
            self.tr("Step %1 of %2: is this correct?")
            .replace("%1", str(index + 1))
            .replace("%2", str(len(self.groups) + 1))
        )
        heading.setStyleSheet(BIG)
        sheet = QWidget()
        box = QGridLayout(sheet)
        box.setColumnStretch(1, 1)
        if index == 0 and self.jpeg:
            photo = QLabel()
            pixmap = QPixmap()
            pixmap.loadFromData(self.jpeg)
            photo.setPixmap(pixmap.scaledToHeight(320, Qt.TransformationMode.SmoothTransformation))
            box.addWidget(photo, 0, 2, len(rows) + 2, 1, Qt.AlignmentFlag.AlignTop)
        caption = QLabel(title)
        caption.setStyleSheet(HUGE)
        box.addWidget(caption, 0, 0, 1, 2)
        for row, (label, value) in enumerate(rows, start=1):
            name = QLabel(label)
            name.setStyleSheet(BIG)
            shown = QLabel(value)
            shown.setStyleSheet(HUGE)
            # An address or an allocation basis is longer than a line: it wraps, never cut.
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
            box.addWidget(name, row, 0)
            box.addWidget(shown, row, 1)
        box.setRowStretch(len(rows) + 1, 1)  # the rows stay together at the top
        # Long texts can make a group taller than a 1366×768 screen: the rows scroll, the
        # question and the buttons stay in place.
        scroll = named(QScrollArea(), f"groupRows{index}")
        scroll.setWidget(sheet)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        right = named(QPushButton(self.tr("Correct")), f"right{index}")
        wrong = named(QPushButton(self.tr("Something is wrong")), f"wrong{index}")
        for button in (right, wrong):
            button.setMinimumHeight(60)
            button.setStyleSheet(BIG)
        right.clicked.connect(lambda: self.answer(index, True))
        wrong.clicked.connect(lambda: self.answer(index, False))
        buttons = QHBoxLayout()
        buttons.addWidget(wrong)
        buttons.addWidget(right)
        layout = QVBoxLayout(page)
        layout.addWidget(heading)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        return page

    def answer(self, index: int, correct: bool) -> None:
        if self.reviewing is not None and self.reviewing.running:
            return  # "all correct" is being stored: a second answer would contradict it
        self.answers[self.groups[index][0]] = correct
        if index + 1 < len(self.groups):
            self.pages.setCurrentIndex(index + 1)
            return
        self.wrong = [title for title, ok in self.answers.items() if not ok]
        if self.wrong:
            self.handback_note.setText(
                self.tr(
                    "Thank you. Please hand the screen back: the staff will correct: %1"
                ).replace("%1", "、".join(self.wrong))
            )
            self.pages.setCurrentWidget(self.handback_page)
        else:
            ctx, candidate_id, shown = self.ctx, self.candidate_id, self.shown
            self.group_pages[index].setEnabled(False)  # until it is stored (or refused)
            self.reviewing = start(
                self,
                lambda _progress: records.record_review(ctx, candidate_id, shown=shown),
                lambda _result: self._reviewed(),
                self._review_refused,
                lambda: self.group_pages[index].setEnabled(True),
            )

    def _reviewed(self) -> None:
        self.pages.setCurrentWidget(self.password_page)
        self.password.setFocus()

    def _review_refused(self, exc: BaseException) -> None:
        if not isinstance(exc, StationError):
            show_error(self, exc)
            return
        self.handback_note.setText(i18n.message(exc))
        self.pages.setCurrentWidget(self.handback_page)

    # --- the password -------------------------------------------------------------------

    def _password_page(self) -> QWidget:
        page = named(QWidget(), "passwordPage")
        page.setStyleSheet("QLabel, QLineEdit, QComboBox, QPushButton { font-size: 20px; }")
        intro = QLabel(
            self.tr(
                "Set your own login password. Only you should know it: the staff cannot see it,"
                " and nobody may tell you what to choose."
            )
        )
        intro.setWordWrap(True)
        intro.setStyleSheet(BIG)
        self.password = named(QLineEdit(), "candidatePassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = named(QLineEdit(), "candidateConfirm")
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.question = named(QComboBox(), "question")
        self.question.setEditable(True)
        self.question.addItems(passwords.QUESTIONS)
        self.answer_edit = named(QLineEdit(), "answer")
        for edit in (self.password, self.confirm, self.answer_edit):
            edit.setStyleSheet(BIG)
            edit.textChanged.connect(self._judge_timer.start)
        self.meter = named(QProgressBar(), "strength")
        self.meter.setRange(0, 4)
        self.meter.setFormat(self.tr("Strength %v of 4"))
        self.reasons = named(QLabel(), "passwordReasons")
        self.reasons.setWordWrap(True)
        self.reasons.setStyleSheet("font-size: 18px; color: #b00020")
        self.done_button = named(QPushButton(self.tr("Set password")), "setPassword")
        self.done_button.setMinimumHeight(60)
        self.done_button.clicked.connect(self.set_password)
        form = QFormLayout()
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Password again"), self.confirm)
        form.addRow(self.tr("Verification question"), self.question)
        form.addRow(self.tr("Answer"), self.answer_edit)
        form.addRow(self.tr("Strength"), self.meter)
        layout = QVBoxLayout(page)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.reasons)
        layout.addStretch()
        layout.addWidget(self.done_button)
        return page

    def _judge(self) -> None:
        judgement = passwords.judge(
            self.candidate, self.password.text(), self.confirm.text() or None
        )
        self.meter.setValue(judgement.score)
        zh = i18n.current() == "zh_CN"
        self.reasons.setText(
            "\n".join(r[1] if zh else r[2] for r in judgement.reasons)
            if self.password.text()
            else ""
        )
        self.typed.emit(len(self.password.text()), judgement.score)

    def set_password(self) -> None:
        """Check and store the password off the GUI thread: two Argon2id hashes and three
        fingerprints take about half a second, and the screen must not freeze meanwhile."""
        if self.setting is not None and self.setting.running:
            return
        values = (
            self.password.text(),
            self.confirm.text(),
            self.question.currentText(),
            self.answer_edit.text(),
        )
        self.done_button.setEnabled(False)
        self.setting = start(
            self,
            lambda _progress: passwords.set_password(self.ctx, self.candidate_id, *values),
            lambda _result: self._password_set(),
            self._password_refused,
            lambda: self.done_button.setEnabled(True),
        )

    def _password_refused(self, exc: BaseException) -> None:
        if not isinstance(exc, StationError):
            show_error(self, exc)
            return
        reasons = getattr(exc, "reasons", None)
        zh = i18n.current() == "zh_CN"
        self.reasons.setText(
            "\n".join(r[1] if zh else r[2] for r in reasons) if reasons else i18n.message(exc)
        )
        self.password.clear()
        self.confirm.clear()
        self.password.setFocus()

    def _password_set(self) -> None:
        self.confirmed = True
        self.password.clear()
        self.confirm.clear()
        self.answer_edit.clear()
        self.typed.emit(0, 0)
        self.handback_note.setText(
            self.tr("Your password is set. Please hand the screen back to the staff.")
        )
        self.pages.setCurrentWidget(self.handback_page)

    # --- back to the operator -----------------------------------------------------------

    def _handback_page(self) -> QWidget:
        page = named(QWidget(), "handbackPage")
        self.handback_note = named(QLabel(), "handbackNote")
        self.handback_note.setWordWrap(True)
        self.handback_note.setStyleSheet(HUGE)
        self.pin = named(QLineEdit(), "operatorPin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setPlaceholderText(self.tr("Staff: your password"))
        self.pin.returnPressed.connect(self.hand_back)
        self.pin_error = named(QLabel(), "pinError")
        self.pin_error.setStyleSheet("color: #b00020")
        layout = QVBoxLayout(page)
        layout.addWidget(self.handback_note)
        layout.addStretch()
        layout.addWidget(self.pin)
        layout.addWidget(self.pin_error)
        return page

    def hand_back(self) -> None:
        """The operator's own password takes the screen back (checked off the GUI thread)."""
        if self.checking is not None and self.checking.running:
            return
        pin = self.pin.text()
        self.pin.setEnabled(False)
        self.checking = start(
            self,
            lambda _progress: auth.verify_password(self.ctx, self.ctx.operator.login, pin),
            lambda _info: self._handed_back(),
            self._not_handed_back,
            lambda: self.pin.setEnabled(True),
        )

    def _handed_back(self) -> None:
        self.pin.clear()
        self.accept()

    def _not_handed_back(self, exc: BaseException) -> None:
        if not isinstance(exc, StationError):
            show_error(self, exc)
            return
        self.pin_error.setText(i18n.message(exc))
        self.pin.clear()
        self.pin.setFocus()

    def reject(self) -> None:  # Esc: the candidate cannot leave this screen
        self.pages.setCurrentWidget(self.handback_page)
        if not self.handback_note.text():
            self.handback_note.setText(self.tr("Please hand the screen back to the staff."))

    def closeEvent(self, event: Any) -> None:
        if self.result() != QDialog.DialogCode.Accepted:
            event.ignore()
            self.reject()
        else:
            super().closeEvent(event)


class OperatorMirror(QWidget):
    """What the operator sees while the candidate types: dots and the meter, never the text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dots = named(QLabel(), "mirrorDots")
        self.meter = named(QProgressBar(), "mirrorStrength")
        self.meter.setRange(0, 4)
        layout = QHBoxLayout(self)
        layout.addWidget(QLabel(self.tr("Candidate is typing:")))
        layout.addWidget(self.dots)
        layout.addWidget(self.meter)

    def show_typing(self, length: int, score: int) -> None:
        self.dots.setText("●" * length)
        self.meter.setValue(score)
