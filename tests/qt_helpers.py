"""Typing helpers: QTest.keyClicks only knows ASCII (Qt asserts on anything else), while
operators type Chinese through an input method, which delivers committed text."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QInputMethodEvent, QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import event


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


@contextmanager
def no_sql_on_gui_thread(store: Any) -> Iterator[list[str]]:
    """Record every SQL statement the desk sends to ``store`` on the GUI thread (and from where);
    the desk's work belongs in operations (ui/operations.py), off that thread."""
    seen: list[str] = []

    def check(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            ours = [f for f in traceback.extract_stack() if "/ui/" in f.filename]
            if ours:  # (the test's own look at the store is not the desk's)
                where = " <- ".join(
                    f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in ours[::-1]
                )
                seen.append(f"{statement.split(None, 1)[0]} from {where}")

    event.listen(store.engine, "before_cursor_execute", check)
    try:
        yield seen
    finally:
        event.remove(store.engine, "before_cursor_execute", check)


def opened(qtbot, form: Any) -> Any:
    """Show a candidate form and wait until it has read its record (off the GUI thread)."""
    qtbot.addWidget(form)
    form.show()
    qtbot.waitUntil(lambda: form.ready and not form.session.busy, timeout=10000)
    return form


def settled(qtbot, form: Any, timeout: int = 15000) -> None:
    """Wait until the form's work on the store has ended."""
    qtbot.waitUntil(lambda: not form.session.busy, timeout=timeout)


def idle(qtbot, timeout: int = 15000) -> None:
    """Wait until every operation of the desk has reported back (windows and dialogs read
    the store off the GUI thread after they open)."""
    from ui import operations

    qtbot.waitUntil(lambda: not operations.busy(), timeout=timeout)
