"""Small input widgets the desk's forms share."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QCompleter,
    QLineEdit,
    QPushButton,
    QWidget,
)

ObjectT = TypeVar("ObjectT", bound=QObject)


def named(obj: ObjectT, name: str) -> ObjectT:
    """``obj`` with its object name set (what tests and style sheets find it by); the typed
    form of Qt's ``objectName=`` keyword, which the PySide6 stubs do not know."""
    obj.setObjectName(name)
    return obj


class CodeCombo(QComboBox):
    """A searchable combo over a code table: type any part of the code or the name.

    ``value()`` is the code of the chosen item, or the typed text when it matches none (the
    validator then says what is wrong with it).
    """

    def __init__(
        self, items: list[tuple[str, str]], parent: QWidget | None = None, editable: bool = True
    ) -> None:
        super().__init__(parent)
        self.setEditable(editable)
        if editable:
            self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            completer = QCompleter(self.model(), self)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            self.setCompleter(completer)
            # A choice from the list is final: on to the next field, as Enter does elsewhere,
            # instead of leaving the cursor where the next typing would be appended.
            completer.activated.connect(lambda _text: QTimer.singleShot(0, self._move_on))
        self.set_items(items)

    def set_items(self, items: list[tuple[str, str]]) -> None:
        """Offer these (code, label) items, after an empty one."""
        self.blockSignals(True)
        self.clear()
        self.addItem("", "")
        for code, label in items:
            self.addItem(label, code)
        self.blockSignals(False)

    def _move_on(self) -> None:
        line = self.lineEdit()
        target = line if line is not None and line.hasFocus() else self
        if target.hasFocus():  # a Tab, so that the form's paper order decides where
            tab = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier)
            QApplication.sendEvent(target, tab)

    def value(self) -> str:
        text = self.currentText().strip()
        index = self.findText(text, Qt.MatchFlag.MatchExactly)
        if index >= 0:
            return str(self.itemData(index))
        return text

    def set_value(self, code: str) -> None:
        index = self.findData(code)
        if index >= 0:
            self.setCurrentIndex(index)
        elif self.isEditable():
            self.setEditText(code)

    def set_read_only(self, read_only: bool) -> None:
        self.setEnabled(not read_only)


class EnterMovesOn(QObject):
    """Enter in a field moves to the next one, as the pen moves down the paper form.

    Installed on line edits (and the line edit inside an editable combo), and on a check box
    of the form; an open completion popup keeps Enter for itself, to pick the entry.
    """

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        completer = obj.completer() if isinstance(obj, QLineEdit) else None
        popup = completer.popup() if completer is not None else None
        if popup is not None and popup.isVisible():
            return False
        tab = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Tab, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(obj, tab)
        return True


def enter_presses(button: QPushButton) -> None:
    """Make ``button`` the one Enter presses in its dialog (unless the focus is on another
    button: Enter presses that one, as Tab and Enter do on Windows). Without this a dialog
    makes its first button its default when it opens, whatever that button does ("Other
    folder…" instead of Export, "Send now" in the list of batches, "Something is wrong" on
    the candidate's screen)."""
    button.setDefault(True)


def enter_moves_on(owner: QObject, *edits: QLineEdit) -> EnterMovesOn:
    """Enter in each of ``edits`` moves to the next field (the last one's Enter is left to the
    dialog: its default button)."""
    mover = EnterMovesOn(owner)
    for edit in edits:
        edit.installEventFilter(mover)
    return mover
