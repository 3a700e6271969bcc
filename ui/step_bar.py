"""The record's steps (采集步骤): 资料 → 照片 → 考生核对 → 打印 → 确认 → 签字, with what is done,
what comes next and, for a step not yet possible, why in words.

The bar only shows; what each step does is the form's (``CandidateForm.run_step``). The
"next" button does the next step, so that the whole record is one key after another
(Ctrl+Enter, or Enter on the button).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from station.lifecycle import Facts, State
from ui.widgets import named

DONE_STYLE = "color: #2e7d32"
NEXT_STYLE = "color: #0b5394; font-weight: bold; text-decoration: underline"
WAITING_STYLE = "color: #777"

#: States in which the record is past confirmation / past signing.
CONFIRMED_OR_LATER = frozenset(
    {State.CONFIRMED, State.SIGNED, State.EXPORTED, State.ACKNOWLEDGED, State.APPROVED}
)
SIGNED_OR_LATER = CONFIRMED_OR_LATER - {State.CONFIRMED}


class Step(StrEnum):
    DATA = "data"
    PHOTO = "photo"
    CHECK = "check"
    PRINT = "print"
    CONFIRM = "confirm"
    SIGN = "sign"
    NEXT = "next"  # all done: the next candidate


def step_label(step: Step) -> str:
    return {
        Step.DATA: QCoreApplication.translate("StepBar", "Data"),
        Step.PHOTO: QCoreApplication.translate("StepBar", "Photo"),
        Step.CHECK: QCoreApplication.translate("StepBar", "Candidate check"),
        Step.PRINT: QCoreApplication.translate("StepBar", "Print"),
        Step.CONFIRM: QCoreApplication.translate("StepBar", "Confirm"),
        Step.SIGN: QCoreApplication.translate("StepBar", "Sign"),
        Step.NEXT: QCoreApplication.translate("StepBar", "Next candidate"),
    }[step]


def step_key(step: Step) -> str:
    return {
        Step.DATA: "Ctrl+S",
        Step.PHOTO: "F3",
        Step.CHECK: "F4",
        Step.PRINT: "Ctrl+P",
        Step.CONFIRM: "F8",
        Step.SIGN: "F9",
        Step.NEXT: "Ctrl+N",
    }[step]


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a record stands: per step done or not, and why the next one cannot be done yet
    ("" when it can)."""

    done: dict[Step, bool]
    next: Step
    blocked: str


def progress(
    saved: bool, state: State, facts: Facts | None, problems: int, has_photo: bool
) -> Progress:
    """The steps of a record from its state and facts (``problems``: errors in the form)."""
    f = facts or Facts()
    signed = state in SIGNED_OR_LATER
    confirmed = state in CONFIRMED_OR_LATER
    done = {
        Step.DATA: saved and problems == 0 and (f.record_valid or confirmed),
        Step.PHOTO: f.photo_ok or confirmed or (not saved and has_photo),
        Step.CHECK: (f.candidate_reviewed and f.password_set) or confirmed,
        Step.PRINT: f.form_printed or confirmed,
        Step.CONFIRM: confirmed,
        Step.SIGN: signed,
    }
    following = next((s for s in Step if s is not Step.NEXT and not done[s]), Step.NEXT)
    blocked = ""
    if following is Step.DATA and problems:
        blocked = QCoreApplication.translate("StepBar", "%n problem(s) in the fields", "", problems)
    elif following is Step.CHECK and state is not State.READY:
        blocked = QCoreApplication.translate("StepBar", "save the record with its photo first")
    elif following is Step.PRINT and state is not State.READY:
        blocked = QCoreApplication.translate("StepBar", "the record is not complete yet")
    elif following is Step.CONFIRM and state is State.READY and not f.form_printed:
        blocked = QCoreApplication.translate("StepBar", "print the form first")
    if state is State.REJECTED:
        blocked = QCoreApplication.translate(
            "StepBar", "rejected by the county: a supervisor unlocks it"
        )
    return Progress(done, following, blocked)


class StepBar(QWidget):
    """``activated(step)``: the operator asked for a step (its label, or the next button)."""

    activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current = Progress({s: False for s in Step if s is not Step.NEXT}, Step.DATA, "")
        self.labels: dict[Step, QLabel] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for i, step in enumerate(s for s in Step if s is not Step.NEXT):
            if i:
                row.addWidget(QLabel("→"))
            label = named(QLabel(), f"step_{step.value}")
            label.setTextFormat(Qt.TextFormat.RichText)
            label.linkActivated.connect(lambda _link, s=step: self.activated.emit(s.value))
            self.labels[step] = label
            row.addWidget(label)
        row.addStretch()
        self.why = named(QLabel(), "stepWhy")
        self.why.setStyleSheet(WAITING_STYLE)
        row.addWidget(self.why)
        self.next_button = named(QPushButton(), "nextStep")
        self.next_button.setDefault(False)
        self.next_button.setAutoDefault(True)  # Enter on the button does it
        self.next_button.clicked.connect(lambda: self.activated.emit(self.current.next.value))
        row.addWidget(self.next_button)

    def show_progress(self, now: Progress) -> None:
        self.current = now
        for step, label in self.labels.items():
            text = step_label(step)
            if now.done[step]:
                label.setText(f"✔ {text}")
                label.setStyleSheet(DONE_STYLE)
            elif step is now.next:
                label.setText(f'<a href="{step.value}">➜ {text}</a>')
                label.setStyleSheet(NEXT_STYLE)
            else:
                label.setText(f"○ {text}")
                label.setStyleSheet(WAITING_STYLE)
        self.why.setText(now.blocked)
        self.next_button.setText(
            QCoreApplication.translate("StepBar", "Next: %1 (%2)")
            .replace("%1", step_label(now.next))
            .replace("%2", step_key(now.next))
        )
        self.next_button.setEnabled(not now.blocked)
