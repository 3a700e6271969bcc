"""The candidate form (考生信息采集表): every field of the record, grouped like the paper form.

Validation runs as the operator types (the core's ``validate_candidate``): a field with a
problem turns red and says why under it; birth date and gender follow the ID number; Save is
enabled only when the whole record is valid. Fields read from the ID card are marked and
read-only until a supervisor approves a change. A locked (signed) record opens read-only
under a banner.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station import codes, drafts, idnumber, queries, records
from station.auth import Context
from station.errors import DuplicateCandidate, StationError
from station.lifecycle import State
from station.photo.stored import PhotoInput
from station.validation import (
    GUARDIAN_RELATIONS,
    MAX_LENGTH,
    Category,
    Result,
    validate_candidate,
)
from ui import i18n
from ui.approval import ApprovalDialog
from ui.form_lifecycle import LifecycleActions
from ui.form_photo import PhotoActions
from ui.labels import category_label, document_type_label, gender_label, relation_label
from ui.operations import show_error, start
from ui.widgets import CodeCombo, EnterMovesOn

# Fields the ID card fills in; the operator cannot change them without a supervisor.
CARD_FIELDS = ("name", "id_number", "gender", "birth_date", "ethnicity")
ERROR_STYLE = "color: #b00020"
WARNING_STYLE = "color: #8a5a00"
INVALID_BORDER = "border: 1px solid #b00020"
CARD_STYLE = "background: #eef5ff"


#: How often the form keeps unsaved edits (milliseconds).
KEEP_EVERY_MS = 5000


class CandidateForm(LifecycleActions, PhotoActions, QWidget):
    saved = Signal(int)  # candidate id
    open_existing = Signal(int)  # the ID number belongs to a stored candidate

    def __init__(
        self,
        ctx: Context,
        candidate_id: int | None = None,
        reader: Any = None,
        camera: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.candidate_id = candidate_id
        self.reader = reader
        self.camera = camera  # opens the configured camera; None: no camera at this desk
        self.pending_photo: PhotoInput | None = None  # taken before the record was saved
        self.state_reason = ""
        self.photo_flag = ""
        self.state = State.DRAFT
        self.card_fields: set[str] = set()
        self.card_photo = False
        self.result: Result | None = None
        self.inputs: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._enter = EnterMovesOn(self)
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self.revalidate)
        self._build()
        if candidate_id is not None:
            self._load(candidate_id)
        self.revalidate()
        # Unsaved edits are kept every few seconds (station/drafts.py): a power cut or a crash
        # loses at most that much typing.
        self._kept = self.raw()
        self._keeper = QTimer(self, interval=KEEP_EVERY_MS)
        self._keeper.timeout.connect(self.keep_unsaved)
        self._keeper.start()

    def keep_unsaved(self) -> bool:
        """Keep what was typed since the last save, if anything changed. True if kept."""
        values = self.raw()
        if values == self._kept or self.state.locked:
            return False
        drafts.keep(self.ctx, self.candidate_id, values)
        self._kept = values
        return True

    def discard_unsaved(self) -> None:
        self._keeper.stop()
        drafts.clear(self.ctx)

    def apply_unsaved(self, values: dict[str, Any]) -> None:
        """Fill the form with kept edits (offered back after an unclean stop)."""
        for name, value in values.items():
            if name in self.inputs:
                self.set_value(name, value)
        self.revalidate()

    # --- building -----------------------------------------------------------------------

    def _line(self, name: str, max_length: int = 100) -> QLineEdit:
        # A field with a text limit takes it from the validation's one registry.
        max_length = MAX_LENGTH.get(name, max_length)
        edit = QLineEdit(objectName=name)
        edit.setMaxLength(max_length)
        edit.textEdited.connect(self._changed)
        edit.installEventFilter(self._enter)
        self.inputs[name] = edit
        return edit

    def _combo(self, name: str, items: list[tuple[str, str]], editable: bool = True) -> CodeCombo:
        combo = CodeCombo(items, editable=editable)
        combo.setObjectName(name)
        combo.currentTextChanged.connect(self._changed)
        if combo.lineEdit() is not None:
            combo.lineEdit().installEventFilter(self._enter)
        self.inputs[name] = combo
        return combo

    def _row(
        self, grid: QGridLayout, row: int, col: int, label: str, name: str, widget: QWidget
    ) -> None:
        error = QLabel(objectName=f"{name}_error")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        self.errors[name] = error
        caption = QLabel(label)
        caption.setBuddy(widget)
        grid.addWidget(caption, row * 2, col * 2)
        grid.addWidget(widget, row * 2, col * 2 + 1)
        grid.addWidget(error, row * 2 + 1, col * 2 + 1)

    def _build(self) -> None:
        self.banner = QLabel(objectName="lockedBanner")
        self.banner.setStyleSheet(
            "background: #fff3cd; color: #664d03; padding: 8px; font-weight: bold"
        )
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.card_note = QLabel(objectName="cardNote")
        self.card_note.setStyleSheet("color: #0b5394")
        self.card_note.hide()

        basic = QGroupBox(self.tr("Identity"))
        g = QGridLayout(basic)
        self._row(g, 0, 0, self.tr("&Name"), "name", self._line("name", 40))
        doc_types = [(d.value, document_type_label(d.value)) for d in idnumber.DocumentType]
        self._row(
            g,
            0,
            1,
            self.tr("Document type"),
            "document_type",
            self._combo("document_type", doc_types, False),
        )
        self._row(g, 1, 0, self.tr("&ID number"), "id_number", self._line("id_number", 20))
        genders = [("1", gender_label("1")), ("2", gender_label("2"))]
        self._row(g, 1, 1, self.tr("Gender"), "gender", self._combo("gender", genders, False))
        birth = self._line("birth_date", 10)
        birth.setPlaceholderText("YYYY-MM-DD")
        self._row(g, 2, 0, self.tr("Birth date"), "birth_date", birth)
        ethnicities = [(c, f"{c} {n}") for c, n in codes.ethnicities().items()]
        self._row(g, 2, 1, self.tr("Ethnicity"), "ethnicity", self._combo("ethnicity", ethnicities))
        politics = [(c, f"{c} {n}") for c, n in codes.political_statuses().items()]
        self._row(
            g,
            3,
            0,
            self.tr("Political status"),
            "political_status",
            self._combo("political_status", politics),
        )

        origin = QGroupBox(self.tr("Household and school"))
        g = QGridLayout(origin)
        divisions = [
            (d.code, f"{d.code} {codes.division_full_name(d.code)}")
            for d in codes.county_divisions()
        ]
        self._row(
            g,
            0,
            0,
            self.tr("Household registration"),
            "household_division",
            self._combo("household_division", divisions),
        )
        categories = [(c.value, category_label(c.value)) for c in Category]
        self._row(
            g,
            0,
            1,
            self.tr("Candidate category"),
            "category",
            self._combo("category", categories, False),
        )
        self._row(
            g,
            1,
            0,
            self.tr("School code"),
            "school_code",
            self._combo("school_code", self._schools()),
        )
        self._row(g, 1, 1, self.tr("School"), "school_name", self._line("school_name", 100))
        self._row(
            g, 2, 0, self.tr("Student number"), "student_number", self._line("student_number", 30)
        )
        self.inputs["school_code"].activated.connect(self._school_chosen)  # type: ignore[attr-defined]

        contact = QGroupBox(self.tr("Contact"))
        g = QGridLayout(contact)
        self._row(g, 0, 0, self.tr("Home address"), "home_address", self._line("home_address", 100))
        self._row(g, 0, 1, self.tr("Mobile phone"), "phone", self._line("phone", 20))

        guardian = QGroupBox(self.tr("Guardian"))
        g = QGridLayout(guardian)
        self._row(
            g, 0, 0, self.tr("Guardian name"), "guardian_name", self._line("guardian_name", 40)
        )
        relations = [(r, relation_label(r)) for r in GUARDIAN_RELATIONS]
        self._row(
            g,
            0,
            1,
            self.tr("Relation"),
            "guardian_relation",
            self._combo("guardian_relation", relations, False),
        )
        self._row(
            g, 1, 0, self.tr("Guardian phone"), "guardian_phone", self._line("guardian_phone", 20)
        )

        allocation = QGroupBox(self.tr("Allocation place"))
        g = QGridLayout(allocation)
        applied = QCheckBox(
            self.tr("Applies for an allocation place"), objectName="allocation_applied"
        )
        applied.toggled.connect(self._changed)
        self.inputs["allocation_applied"] = applied
        self._row(g, 0, 0, self.tr("Application"), "allocation_applied", applied)
        self._row(
            g, 0, 1, self.tr("Basis"), "allocation_basis", self._line("allocation_basis", 200)
        )

        self.photo = QLabel(objectName="photo")
        self.photo.setFixedSize(120, 160)
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setStyleSheet("border: 1px solid #999")
        self.photo.setText(self.tr("No photo"))

        self.read_card_button = QPushButton(self.tr("Read ID card (F2)"), objectName="readCard")
        self.read_card_button.clicked.connect(self.read_card)
        self.read_card_button.setEnabled(self.reader is not None)
        self.unlock_card_button = QPushButton(
            self.tr("Change card fields…"), objectName="unlockCard"
        )
        self.unlock_card_button.clicked.connect(self.unlock_card_fields)
        self.unlock_card_button.hide()
        self.save_button = QPushButton(self.tr("Save (Ctrl+S)"), objectName="save")
        self.save_button.clicked.connect(self.save)
        self.summary = QLabel(objectName="summary")
        self.summary.setWordWrap(True)

        side = QVBoxLayout()
        side.addWidget(self.photo)
        self.photo_button = QPushButton(self.tr("Take photo (F3)"), objectName="takePhoto")
        self.photo_button.clicked.connect(self.take_photo)
        self.photo_button.setEnabled(self.camera is not None)
        self.import_photo_button = QPushButton(
            self.tr("Photo from file…"), objectName="importPhoto"
        )
        self.import_photo_button.clicked.connect(self.import_photo)
        self.photo_note = QLabel(objectName="photoNote")
        self.photo_note.setWordWrap(True)
        self.photo_note.setStyleSheet(WARNING_STYLE)
        self.photo_note.setMaximumWidth(180)
        self.clear_flag_button = QPushButton(self.tr("Photo checked…"), objectName="clearPhotoFlag")
        self.clear_flag_button.clicked.connect(self.clear_photo_flag)
        self.clear_flag_button.hide()
        side.addWidget(self.photo_button)
        side.addWidget(self.import_photo_button)
        side.addWidget(self.photo_note)
        side.addWidget(self.clear_flag_button)
        side.addWidget(self.read_card_button)
        side.addWidget(self.unlock_card_button)
        side.addStretch()
        side.addWidget(self.save_button)
        fields = QVBoxLayout()
        for box in (basic, origin, contact, guardian, allocation):
            fields.addWidget(box)
        body = QHBoxLayout()
        body.addLayout(fields, 1)
        body.addLayout(side)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.card_note)
        layout.addLayout(body)
        layout.addWidget(self.summary)
        layout.addLayout(self._lifecycle_bar())

        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)
        QShortcut(QKeySequence(Qt.Key.Key_F2), self, activated=self.read_card)
        QShortcut(QKeySequence(Qt.Key.Key_F3), self, activated=self.take_photo)
        # Tab order follows the paper form: top to bottom, left to right within a group.
        order = [
            "name", "document_type", "id_number", "gender", "birth_date", "ethnicity",
            "political_status", "household_division", "category", "school_code", "school_name",
            "student_number", "home_address", "phone", "guardian_name", "guardian_relation",
            "guardian_phone", "allocation_applied", "allocation_basis",
        ]  # fmt: skip
        for a, b in itertools.pairwise(order):
            QWidget.setTabOrder(self.inputs[a], self.inputs[b])
        QWidget.setTabOrder(self.inputs[order[-1]], self.save_button)

    def _schools(self) -> list[tuple[str, str]]:
        rows = queries.schools(self.ctx)
        self._school_names = dict(rows)
        return [(code, f"{code} {name}") for code, name in rows]

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

    def _load(self, candidate_id: int) -> None:
        view = queries.record_view(self.ctx, candidate_id)
        self.state = view.state
        self.state_reason = view.state_reason
        self.photo_flag = view.photo_flag
        self.registration_no = view.registration_no
        for name, value in view.values.items():
            self.set_value(name, value)
        if view.photo:
            self.show_photo(view.photo)
        self.photo_note.setText(self.photo_flag)
        self.clear_flag_button.setVisible(bool(self.photo_flag))
        self._set_locked(self.state.locked)
        self._update_actions()

    def _set_locked(self, locked: bool) -> None:
        if locked:
            self.banner.setText(
                self.tr(
                    "This record is %1 and locked. Corrections need a supervisor to unlock it."
                ).replace("%1", _state_text(self.state))
            )
            if self.state == State.REJECTED and self.state_reason:
                # The county's reason, so that the correction can start from it.
                self.banner.setText(
                    self.tr(
                        "The county rejected this record: %1. A supervisor unlocks it for correction."
                    ).replace("%1", self.state_reason)
                )
        self.banner.setVisible(locked)
        for name, widget in self.inputs.items():
            editable = not locked and name not in self.card_fields
            if isinstance(widget, QLineEdit):
                widget.setReadOnly(not editable)
            else:
                widget.setEnabled(editable)
        for button in (
            self.save_button,
            self.read_card_button,
            self.photo_button,
            self.import_photo_button,
        ):
            button.setVisible(not locked)
        self.clear_flag_button.setVisible(bool(self.photo_flag) and not locked)

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
            # Empty fields the operator has not reached yet are not shouted at.
            shown = [i for i in issues if name in touched or i.code != "required"]
            if shown:
                first = shown[0]
                label.setText(first.message_zh if zh else first.message_en)
                label.setStyleSheet(ERROR_STYLE if first.is_error else WARNING_STYLE)
            else:
                label.clear()
            bad = any(i.is_error for i in shown)
            base = CARD_STYLE if name in self.card_fields else ""
            widget.setStyleSheet(INVALID_BORDER if bad else base)
        missing = len(result.errors)
        self.save_button.setEnabled(result.ok and not self.state.locked)
        self.summary.setText(
            self.tr("All fields are valid.")
            if result.ok
            else self.tr("%n problem(s) left.", "", missing)
        )
        if parsed is not None and self.candidate_id is None:
            self._check_duplicate(parsed.number)
        return result

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
        existing_id = queries.candidate_with_id_number(self.ctx, number)
        if existing_id is not None:
            self.open_existing.emit(existing_id)

    # --- actions ------------------------------------------------------------------------

    def save(self) -> None:
        result = self.revalidate()
        if not result.ok or self.state.locked:
            return
        source = "card" if self.card_fields else "manual"
        try:
            if self.candidate_id is None:
                saved = records.create(self.ctx, self.raw(), self.pending_photo, source=source)
            else:
                saved = records.update(self.ctx, self.candidate_id, self.raw())
        except DuplicateCandidate as exc:
            self.open_existing.emit(exc.existing_id)
            return
        except StationError as exc:
            show_error(self, exc)
            return
        self.candidate_id = saved.id
        self.pending_photo = None
        drafts.clear(self.ctx)
        self._load(saved.id)  # state, lock and actions follow the stored record
        self._kept = self.raw()
        self.saved.emit(saved.id)

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
        for name in CARD_FIELDS:
            widget = self.inputs[name]
            if isinstance(widget, QLineEdit):
                widget.setReadOnly(locked)
            else:
                widget.setEnabled(not locked)
            widget.setToolTip(self.tr("From the ID card") if locked else "")
        self.unlock_card_button.setVisible(locked)

    def unlock_card_fields(self) -> None:
        dialog = ApprovalDialog(self.ctx, self.tr("Change fields read from the ID card"), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self._lock_card_fields(False)
            self.card_fields.clear()
            self.card_note.setText(
                self.tr("Card fields unlocked by %1.").replace("%1", dialog.approver or "")
            )
            self.revalidate()


class CandidateDialog(QDialog):
    """The form in its own window: Esc closes, the queue stays behind it."""

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
        title = (
            self.tr("New candidate")
            if candidate_id is None
            else self.tr("Candidate %1").replace("%1", getattr(self.form, "registration_no", ""))
        )
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        self.form.saved.connect(lambda _id: self.accept())
        # Closed on purpose (saved or not): nothing is offered back later.
        self.finished.connect(lambda _r: self.form.discard_unsaved())
        self.resize(1000, 760)


def _state_text(state: State) -> str:
    from ui.labels import state_label

    return state_label(state.value)
