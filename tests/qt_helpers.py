"""Typing helpers: QTest.keyClicks only knows ASCII (Qt asserts on anything else), while
operators type Chinese through an input method, which delivers committed text."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget


def type_text(widget: QWidget, text: str) -> None:
    """Type ``text`` into ``widget``: ASCII as key presses, anything else as IME commits."""
    widget.setFocus()
    for ch in text:
        if ch.isascii():
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(
                    widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch)
                )
        else:
            event = QInputMethodEvent()
            event.setCommitString(ch)
            QApplication.sendEvent(widget, event)


def activate(qtbot, window: QWidget) -> None:
    """Shortcuts (Ctrl+S, F2) go to the active window, as on a real desk."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
