"""The candidate form (考生信息采集表): every field of the record, grouped like the paper form.

Validation runs as the operator types (the core's ``validate_candidate``): a field with a
problem turns red and says why under it; birth date and gender follow the ID number; Save is
enabled only when the whole record is valid. Fields read from the ID card are marked and
read-only until a supervisor approves a change. A locked (signed) record opens read-only
under a banner.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from station import fields as registry
from station import idnumber, records
from station.auth import Context
from station.errors import StationError
from station.fields import CARD_FIELDS, Field, Group, Input, Need
from station.lifecycle import State
from station.validation import Result, validate_candidate
from ui import i18n
from ui.approval import ApprovalDialog
from ui.form_lifecycle import LifecycleBar
from ui.form_photo import PhotoPanel
from ui.labels import choice_label, field_label, group_label
from ui.operations import Operation, start
from ui.record_session import RecordSession
from ui.step_bar import Step, StepBar, progress
from ui.widgets import CodeCombo, EnterMovesOn, named

ERROR_STYLE = "color: #b00020"
WARNING_STYLE = "color: #8a5a00"
INVALID_BORDER = "border: 1px solid #b00020"
CARD_STYLE = "background: #eef5ff"


#: How often the form keeps unsaved edits (milliseconds).
KEEP_EVERY_MS = 5000


class CandidateForm(QWidget):
    """The record's fields, with the photo panel beside them and the lifecycle bar below;
    the store is reached only through ``session`` (:class:`RecordSession`), off the GUI
    thread. ``ready`` once the first look at the store is back."""

    saved = Signal(int)  # the stored record changed (candidate id)
    open_existing = Signal(int)  # the ID number belongs to a stored candidate
    next_candidate = Signal()  # done with this one: the next candidate, in a new form

    def __init__(
        self,
        ctx: Context,
        candidate_id: int | None = None,
        reader: Any = None,
        camera: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.reader = reader
        self.session = RecordSession(ctx, candidate_id, self)
        self.card_fields: set[str] = set()
        self.result: Result | None = None
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._school_names: dict[str, str] = {}
        self._checked_number = ""  # the ID number last looked up for a duplicate
        self._save_op: Operation | None = None
        self.notice = ""  # shown in the banner over an unlocked record
        self._unsaved: dict[str, Any] | None = None  # kept typing, applied once it is read
        self._pending_card: Any = None  # a card read for this record before it was opened
        self.last_card: Any = None  # the last card read into this form
        self._enter = EnterMovesOn(self)
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self.revalidate)
        self.photo_panel = PhotoPanel(self.session, camera, self)
        self.lifecycle = LifecycleBar(self.session, self)
        self.steps = StepBar(self)
        self.steps.activated.connect(lambda step: self.run_step(Step(step)))
        self.photo_panel.taken.connect(self.update_steps)
        self._build()
        self.session.loaded.connect(self._loaded)
        self.session.reloaded.connect(self._show_record)
        self.session.changed.connect(self.saved)
        self.session.duplicate.connect(self.open_existing)
        self.lifecycle.candidate_said_wrong.connect(self._candidate_said_wrong)
        self.setEnabled(candidate_id is None)  # a stored record: once it is read
        self.session.load()
        self.revalidate()
        # Unsaved edits are kept every few seconds (station/drafts.py): a power cut or a crash
        # loses at most that much typing.
        self._kept = self.raw()  # what the draft keeper last kept
        self._shown = self.raw()  # what the store holds (or the empty new form): not dirty
        self._keeper = QTimer(self, interval=KEEP_EVERY_MS)
        self._keeper.timeout.connect(self.keep_unsaved)
        self._keeper.start()

    # --- the record ---------------------------------------------------------------------

    @property
    def candidate_id(self) -> int | None:
        return self.session.candidate_id

    @property
    def state(self) -> State:
        return self.session.state

    @property
    def ready(self) -> bool:
        return self.session.ready

    @property
    def registration_no(self) -> str:
        return self.session.record.view.registration_no if self.session.record else ""

    def _loaded(self) -> None:
        combo = self.inputs["school_code"]
        assert isinstance(combo, CodeCombo)
        self._school_names = dict(self.session.schools)
        typed = combo.value()
        combo.set_items([(code, f"{code} {name}") for code, name in self.session.schools])
        combo.set_value(typed)
        self.setEnabled(True)

    def _show_record(self) -> None:
        record = self.session.record
        if record is None:
            return
        if self.raw() == self._shown:  # nothing typed since: show what is stored
            for name, value in record.view.values.items():
                self.set_value(name, value)
            self._shown = self._kept = self.raw()
        # Fields read from the ID card, now or before: read-only until a supervisor releases.
        self.card_fields |= set(record.view.card_fields)
        if self._pending_card is not None:  # read before this record was opened for it
            card, self._pending_card = self._pending_card, None
            self.fill_from_card(card)
        self._set_locked(record.view.state.locked)
        if not record.view.state.locked:
            self._lock_card_fields(bool(self.card_fields))
        if self._unsaved is not None:
            values, self._unsaved = self._unsaved, None
            self.apply_unsaved(values)
        self.revalidate()
        self.lifecycle.update_actions()

    def keep_unsaved(self) -> bool:
        """Keep what was typed since the last save, if anything changed. True if kept."""
        values = self.raw()
        if values == self._kept or self.state.locked or self.saving:
            return False  # (a save under way clears the kept typing itself)
        if self.candidate_id is not None and self.session.record is None:
            return False  # a stored record not read yet: nothing of it was typed
        self.session.keep_unsaved(values)
        self._kept = values
        return True

    def discard_unsaved(self) -> None:
        self._keeper.stop()
        self.session.discard_unsaved()

    def apply_unsaved(self, values: dict[str, Any]) -> None:
        """Fill the form with kept edits (offered back after an unclean stop); over a stored
        record, once it is read."""
        if self.candidate_id is not None and self.session.record is None:
            self._unsaved = values
            return
        for name, value in values.items():
            if name in self.inputs:
                self.set_value(name, value)
        self.revalidate()

    # --- building -----------------------------------------------------------------------

    def _line(self, name: str, max_length: int) -> QLineEdit:
        edit = named(QLineEdit(), name)
        edit.setMaxLength(max_length)
        edit.textEdited.connect(self._changed)
        edit.installEventFilter(self._enter)
        self.inputs[name] = edit
        return edit

    def _combo(self, name: str, items: list[tuple[str, str]], editable: bool = True) -> CodeCombo:
        combo = CodeCombo(items, editable=editable)
        combo.setObjectName(name)
        combo.currentTextChanged.connect(self._changed)
        line = combo.lineEdit()
        if line is not None:
            line.installEventFilter(self._enter)
        self.inputs[name] = combo
        return combo

    def _row(
        self, grid: QGridLayout, row: int, col: int, label: str, name: str, widget: QWidget
    ) -> None:
        error = named(QLabel(), f"{name}_error")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        self.errors[name] = error
        caption = QLabel(label)
        caption.setBuddy(widget)
        grid.addWidget(caption, row * 2, col * 2)
        grid.addWidget(widget, row * 2, col * 2 + 1)
        grid.addWidget(error, row * 2 + 1, col * 2 + 1)

    def _build(self) -> None:
        self.banner = named(QLabel(), "lockedBanner")
        self.banner.setStyleSheet(
            "background: #fff3cd; color: #664d03; padding: 8px; font-weight: bold"
        )
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.card_note = named(QLabel(), "cardNote")
        self.card_note.setStyleSheet("color: #0b5394")
        self.card_note.hide()

        boxes = [self._group_box(group) for group in Group]
        self.inputs["school_code"].activated.connect(self._school_chosen)  # type: ignore[attr-defined]

        self.read_card_button = named(QPushButton(self.tr("Read ID card (F2)")), "readCard")
        self.read_card_button.clicked.connect(self.read_card)
        self.read_card_button.setEnabled(self.reader is not None)
        self.unlock_card_button = named(QPushButton(self.tr("Change card fields…")), "unlockCard")
        self.unlock_card_button.clicked.connect(self.unlock_card_fields)
        self.unlock_card_button.hide()
        self.save_button = named(QPushButton(self.tr("Save (Ctrl+S)")), "save")
        self.save_button.clicked.connect(self.save)
        self.summary = named(QLabel(), "summary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.linkActivated.connect(self.focus_field)

        side = QVBoxLayout()
        side.addWidget(self.photo_panel)
        side.addWidget(self.read_card_button)
        side.addWidget(self.unlock_card_button)
        side.addStretch()
        side.addWidget(self.save_button)
        fields = QWidget()
        column = QVBoxLayout(fields)
        column.setContentsMargins(0, 0, 0, 0)
        for box in boxes:
            column.addWidget(box)
        column.addStretch()
        # The boxes scroll; the steps, the photo, the summary and the actions stay in sight:
        # at 1366×768 the whole form was taller than the screen and its actions were below it.
        self.fields_area = named(QScrollArea(), "fieldsArea")
        self.fields_area.setWidgetResizable(True)
        self.fields_area.setFrameShape(QFrame.Shape.NoFrame)
        self.fields_area.setWidget(fields)
        # Only up and down: the area is as wide as the boxes need.
        self.fields_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.fields_area.setMinimumWidth(
            fields.minimumSizeHint().width()
            + self.fields_area.verticalScrollBar().sizeHint().width()
        )
        app = QApplication.instance()
        if isinstance(app, QApplication):  # Enter, Tab, a click on the summary: in sight
            app.focusChanged.connect(self._keep_in_sight)
        body = QHBoxLayout()
        body.addWidget(self.fields_area, 1)
        body.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addWidget(self.steps)
        layout.addWidget(self.banner)
        layout.addWidget(self.card_note)
        layout.addLayout(body)
        layout.addWidget(self.summary)
        layout.addWidget(self.lifecycle)

        QShortcut(QKeySequence.StandardKey.Save, self).activated.connect(self.save)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):  # the next step, whatever it is
            QShortcut(QKeySequence(keys), self).activated.connect(self.steps.next_button.click)
        QShortcut(QKeySequence("Ctrl+N"), self).activated.connect(lambda: self.run_step(Step.NEXT))
        QShortcut(QKeySequence(Qt.Key.Key_F2), self).activated.connect(self.read_card)
        QShortcut(QKeySequence(Qt.Key.Key_F3), self).activated.connect(self.photo_panel.take_photo)
        # Tab order follows the paper form: the registry's order.
        order = list(registry.NAMES)
        for a, b in itertools.pairwise(order):
            QWidget.setTabOrder(self.inputs[a], self.inputs[b])
        QWidget.setTabOrder(self.inputs[order[-1]], self.save_button)

    def _group_box(self, group: Group) -> QGroupBox:
        """One box of the paper form: its fields two to a row, in the registry's order."""
        box = QGroupBox(group_label(group))
        grid = QGridLayout(box)
        for position, field in enumerate(registry.in_group(group)):
            row, col = divmod(position, 2)
            caption = field_label(field, mnemonic=True)
            if field.need is Need.REQUIRED:  # marked before anyone types
                caption += " *"
            self._row(grid, row, col, caption, field.name, self._input(field))
        return box

    def _input(self, field: Field) -> QWidget:
        if field.input is Input.CHECK:
            check = named(QCheckBox(self.tr("Applies for an allocation place")), field.name)
            check.toggled.connect(self._changed)
            # Enter moves on here too: left to the window it pressed the window's default
            # button, its first enabled one ("Import photo from file…").
            check.installEventFilter(self._enter)
            self.inputs[field.name] = check
            return check
        if field.input is Input.LINE:
            edit = self._line(field.name, field.max_length or 100)
            edit.setPlaceholderText(field.placeholder)
            return edit
        if field.name == "school_code":  # this station's schools: filled once they are read
            items = []
        else:
            assert field.table is not None, field.name
            items = [(code, choice_label(field, code, name)) for code, name in field.table()]
        return self._combo(field.name, items, editable=field.input is Input.SEARCH)

    def _school_chosen(self) -> None:
        code = self.inputs["school_code"].value()  # type: ignore[attr-defined]
        name = self._school_names.get(code)
        if name:
            self.inputs["school_name"].setText(name)  # type: ignore[attr-defined]
            self._changed()

    # --- values -------------------------------------------------------------------------

    def raw(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, widget in self.inputs.items():
            if isinstance(widget, CodeCombo):
                out[name] = widget.value()
            elif isinstance(widget, QCheckBox):
                out[name] = widget.isChecked()
            elif isinstance(widget, QLineEdit):
                out[name] = widget.text()
        return out

    def set_value(self, name: str, value: Any) -> None:
        widget = self.inputs[name]
        widget.blockSignals(True)
        if isinstance(widget, CodeCombo):
            widget.set_value("" if value is None else str(value))
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QLineEdit):
            widget.setText(value.isoformat() if isinstance(value, dt.date) else str(value or ""))
        widget.blockSignals(False)

    def _set_locked(self, locked: bool) -> None:
        record = self.session.record
        lines = [self.notice] if self.notice else []
        if locked and record is not None:
            if self.state == State.REJECTED and record.view.state_reason:
                # The county's reason, so that the correction can start from it.
                lines.append(
                    self.tr(
                        "The county rejected this record: %1. A supervisor unlocks it for correction."
                    ).replace("%1", record.view.state_reason)
                )
            else:
                lines.append(
                    self.tr(
                        "This record is %1 and locked. Corrections need a supervisor to unlock it."
                    ).replace("%1", _state_text(self.state))
                )
        self.banner.setText("\n".join(lines))
        self.banner.setVisible(locked or bool(self.notice))
        for name, widget in self.inputs.items():
            editable = not locked and name not in self.card_fields
            if isinstance(widget, QLineEdit):
                widget.setReadOnly(not editable)
            else:
                widget.setEnabled(editable)
        self.save_button.setVisible(not locked)
        self.read_card_button.setVisible(not locked)
        self.photo_panel.set_locked(locked)

    # --- validation ---------------------------------------------------------------------

    def _changed(self, *_: object) -> None:
        self._timer.start()

    def revalidate(self) -> Result:
        raw = self.raw()
        parsed = self._derive(raw)
        result = validate_candidate(raw, self.ctx.settings.policy())
        self.result = result
        zh = i18n.current() == "zh_CN"
        touched = {n for n, v in raw.items() if v not in ("", False)}
        for name, label in self.errors.items():
            issues = result.for_field(name)
            widget = self.inputs[name]
            # Empty fields the operator has not reached yet are not shouted at (their star and
            # the list of problems say it): whatever the check's code ("required", "empty").
            shown = issues if name in touched else []
            if shown:
                first = shown[0]
                label.setText(first.message_zh if zh else first.message_en)
                label.setStyleSheet(ERROR_STYLE if first.is_error else WARNING_STYLE)
            else:
                label.clear()
            bad = any(i.is_error for i in shown)
            base = CARD_STYLE if name in self.card_fields else ""
            widget.setStyleSheet(INVALID_BORDER if bad else base)
        self.save_button.setEnabled(result.ok and not self.state.locked and not self.saving)
        self._show_problems(result)
        if parsed is not None and self.candidate_id is None:
            self._check_duplicate(parsed.number)
        self.update_steps()
        return result

    def _show_problems(self, result: Result) -> None:
        """What is missing or wrong, by name: each a link to its field."""
        if result.ok:
            self.summary.setText(self.tr("All fields are valid."))
            return
        zh = i18n.current() == "zh_CN"
        links = [
            f'<a href="{html.escape(i.field)}">{html.escape(field_label(registry.BY_NAME[i.field]))}'
            f"</a>：{html.escape(i.message_zh if zh else i.message_en)}"
            for i in result.errors
            if i.field in registry.BY_NAME
        ]
        self.summary.setText(
            self.tr("%n problem(s) left:", "", len(result.errors)) + " " + "；".join(links)
        )

    # --- steps --------------------------------------------------------------------------

    def update_steps(self) -> None:
        problems = len(self.result.errors) if self.result is not None else 0
        self.steps.show_progress(
            progress(
                self.session.record is not None and not self.dirty,
                self.state,
                self.session.facts,
                problems,
                self.photo_panel.pending is not None,
            )
        )

    def run_step(self, step: Step) -> None:
        """Do one step of the record (the step bar's link, its next button, or a key)."""
        if step is Step.DATA:
            if self.result is not None and self.result.errors:
                self.focus_field(self.result.errors[0].field)
            else:
                self.save()
        elif step is Step.PHOTO:
            if self.photo_panel.camera is not None:
                self.photo_panel.take_photo()
            else:
                self.photo_panel.import_photo()
        elif step is Step.CHECK:
            self.lifecycle.candidate_check()
        elif step is Step.PRINT:
            self.lifecycle.print_form()
        elif step is Step.CONFIRM:
            self.lifecycle.confirm()
        elif step is Step.SIGN:
            self.lifecycle.sign()
        elif step is Step.NEXT and not self.dirty and not self.session.busy:
            self.next_candidate.emit()  # (unsaved typing first needs saving or Esc)

    @property
    def dirty(self) -> bool:
        """Something on the form the store does not hold yet: typing, a photo taken before
        the first save, or fields just read from the ID card."""
        stored_card = set(self.session.record.view.card_fields) if self.session.record else set()
        return (
            self.raw() != self._shown
            or self.photo_panel.pending is not None
            or bool(self.card_fields - stored_card)
        )

    def _keep_in_sight(self, _old: QWidget | None, new: QWidget | None) -> None:
        inner = self.fields_area.widget()
        if new is not None and inner is not None and inner.isAncestorOf(new):
            self.fields_area.ensureWidgetVisible(new)

    def focus_field(self, name: str) -> None:
        widget = self.inputs.get(name)
        if widget is not None:
            widget.setFocus()  # scrolled into sight (_keep_in_sight)

    def _derive(self, raw: dict[str, Any]) -> idnumber.IdNumber | None:
        """Birth date and gender follow a valid ID number."""
        try:
            parsed = idnumber.parse(raw.get("id_number") or "")
        except idnumber.IdNumberError:
            return None
        if parsed.gender and raw.get("gender") != parsed.gender:
            self.set_value("gender", parsed.gender)
            raw["gender"] = parsed.gender
        if raw.get("birth_date") != parsed.birth_date.isoformat():
            self.set_value("birth_date", parsed.birth_date)
            raw["birth_date"] = parsed.birth_date.isoformat()
        return parsed

    def _check_duplicate(self, number: str) -> None:
        if number != self._checked_number:  # once per number, not per keystroke
            self._checked_number = number
            self.session.find_id_number(number)

    # --- actions ------------------------------------------------------------------------

    def save(self) -> None:
        result = self.revalidate()
        if not result.ok or self.state.locked or self.saving:
            return
        source = "card" if self.card_fields else "manual"
        values = self.raw()
        self._save_op = self.session.save(
            values,
            self.photo_panel.pending,
            source,
            self._saved,
            self.revalidate,
            card_fields=tuple(sorted(self.card_fields)),
        )
        self.save_button.setEnabled(False)

    @property
    def saving(self) -> bool:
        return self._save_op is not None and self._save_op.running

    def _saved(self, _saved: Any) -> None:
        self.photo_panel.pending = None
        self._shown = self._kept = self.raw()
        self._show_record()  # as stored (normalised: a phone's +86, full-width digits)

    def read_card(self) -> None:
        if self.reader is None or self.state.locked:
            return
        self.read_card_button.setEnabled(False)
        self.card_note.setText(self.tr("Reading the ID card…"))
        self.card_note.show()
        self._card_op = start(
            self,
            lambda _progress: self.reader.read_card(timeout=5.0),
            self.fill_from_card,
            self._card_failed,
            lambda: self.read_card_button.setEnabled(True),
        )

    def _card_failed(self, exc: BaseException) -> None:
        self.card_note.setText(i18n.message(exc) if isinstance(exc, StationError) else str(exc))
        self.card_note.setStyleSheet(ERROR_STYLE)

    def fill_from_card(self, card: Any) -> None:
        self.last_card = card
        values = {
            "name": card.name,
            "document_type": card.document_type.value,
            "id_number": card.id_number,
            "gender": card.gender,
            "birth_date": card.birth_date,
            "ethnicity": card.ethnicity_code,
        }
        for name, value in values.items():
            self.set_value(name, value)
        if not self.inputs["home_address"].text():  # type: ignore[attr-defined]
            self.set_value("home_address", card.address)
        self.card_fields = set(CARD_FIELDS)
        self._lock_card_fields(True)
        self.card_note.setStyleSheet("color: #0b5394")
        self.card_note.setText(
            self.tr("Name, ID number, gender, birth date and ethnicity come from the ID card.")
        )
        self.card_note.show()
        self.revalidate()

    def _lock_card_fields(self, locked: bool) -> None:
        """The fields in ``card_fields`` read-only (``locked``) or all of them editable."""
        for name in CARD_FIELDS:
            widget = self.inputs[name]
            protected = locked and name in self.card_fields
            if isinstance(widget, QLineEdit):
                widget.setReadOnly(protected)
            else:
                widget.setEnabled(not protected)
            widget.setToolTip(self.tr("From the ID card") if protected else "")
        self.unlock_card_button.setVisible(locked and bool(self.card_fields))

    def unlock_card_fields(self) -> None:
        """A supervisor approves changing the fields read from the ID card. For a stored
        record that is kept (and audited) with it: they stay editable on every reopen."""
        dialog = ApprovalDialog(self.ctx, self.tr("Change fields read from the ID card"), self)
        record = self.session.record
        if record is not None and record.view.card_fields:
            ctx, candidate_id = self.ctx, record.view.id
            dialog.authorise = lambda login, password, reason: records.release_card_fields(
                ctx, candidate_id, reason, approver=(login, password)
            )
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.card_fields.clear()
            self._lock_card_fields(False)
            self.card_note.setText(
                self.tr("Card fields unlocked by %1.").replace("%1", dialog.approver or "")
            )
            self.card_note.show()
            if record is not None:
                self.session.reload(announce=True)
            self.revalidate()

    def apply_card_when_read(self, card: Any) -> None:
        """Fill from ``card`` once this (stored) record is read: the card was read for a new
        record, and its ID number is this record's."""
        if self.session.record is not None:
            self.fill_from_card(card)
        else:
            self._pending_card = card

    def show_notice(self, text: str) -> None:
        self.notice = text
        self.banner.setText(text)
        self.banner.show()

    def _candidate_said_wrong(self, groups: list[str]) -> None:
        self.card_note.setText(
            self.tr("The candidate says these are wrong: %1").replace("%1", "、".join(groups))
        )
        self.card_note.setStyleSheet(ERROR_STYLE)
        self.card_note.show()


class CandidateDialog(QDialog):
    """The form in its own window, from the first field to the signed record: it stays open
    through save, check, print and confirmation. Esc closes it; the queue stays behind it.
    ``next_candidate``: done here, the operator asks for the next one."""

    next_candidate = Signal()

    def __init__(
        self,
        ctx: Context,
        candidate_id: int | None = None,
        reader: Any = None,
        parent: QWidget | None = None,
        camera: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.form = CandidateForm(ctx, candidate_id, reader, camera)
        self.setWindowTitle(self.tr("New candidate"))
        self.form.session.reloaded.connect(
            lambda: self.setWindowTitle(
                self.tr("Candidate %1").replace("%1", self.form.registration_no)
            )
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        self.form.next_candidate.connect(self.next_candidate)
        # Closed on purpose (saved or not): nothing is offered back later.
        self.finished.connect(lambda _r: self.form.discard_unsaved())
        room = self.screen().availableGeometry()  # a 1366×768 desk has about 730 px of height
        self.resize(min(1000, room.width()), min(800, room.height() - 40))


def _state_text(state: State) -> str:
    from ui.labels import state_label

    return state_label(state.value)
