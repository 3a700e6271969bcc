"""Crash diagnostics of the desk: every unexpected error is logged with its traceback and
told to the operator in words, with a button that copies the details for whoever supports
the registration point.

:func:`install` hooks ``sys.excepthook`` (exceptions in slots and event handlers),
``threading.excepthook`` (worker threads) and Qt's message handler (Qt's own warnings go to
the log, not to a console the operator never sees). :func:`report` is the one place that
logs and shows an unexpected exception; operations and the login call it too.
"""

from __future__ import annotations

import datetime as dt
import logging
import platform
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station import __version__, logs

log = logging.getLogger("ui.crash")
qt_log = logging.getLogger("qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
_open_dialog: CrashDialog | None = None


def details(exc: BaseException) -> str:
    """What to send to support: version, system, time, log file and the masked traceback."""
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    lines = [
        f"registration-station {__version__}",
        f"Python {platform.python_version()}, {platform.platform()}",
        f"time: {dt.datetime.now().isoformat(timespec='seconds')}",
        f"log: {logs.current_file() or '-'}",
        "",
        trace,
    ]
    return logs.mask("\n".join(lines))


class CrashDialog(QDialog):
    """Says what happened in words; the details are there to copy, not to read."""

    def __init__(self, exc: BaseException, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Something went wrong"))
        layout = QVBoxLayout(self)
        where = logs.current_file()
        text = self.tr(
            "The program met an error it did not expect (%1). What you were doing may not "
            "have finished: check it before you go on. Records saved before are safe."
        ).replace("%1", type(exc).__name__)
        if where is not None:
            text += "\n\n" + self.tr(
                "The details are in the log file %1. Click Copy details and send them to "
                "the person who supports this registration point."
            ).replace("%1", str(where))
        self.message = QLabel(text)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.details = QPlainTextEdit(details(exc))
        self.details.setReadOnly(True)
        self.details.setMinimumHeight(160)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton(self.tr("Copy details"))
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 380)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
        self.copy_button.setText(self.tr("Copied"))


def report(exc: BaseException, parent: QWidget | None = None) -> CrashDialog | None:
    """Log ``exc`` with its traceback and show it (one dialog at a time; others only log)."""
    global _open_dialog
    log.error("unexpected error", exc_info=(type(exc), exc, exc.__traceback__))
    if QApplication.instance() is None or threading.current_thread() is not threading.main_thread():
        return None
    if _open_dialog is not None and _open_dialog.isVisible():
        return None
    _open_dialog = CrashDialog(exc, parent or QApplication.activeWindow())
    _open_dialog.open()
    return _open_dialog


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    if exc.__traceback__ is None:
        exc = exc.with_traceback(tb)
    report(exc)


def _thread_hook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        log.error(
            "unexpected error in thread %s",
            args.thread.name if args.thread else "?",
            exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
        )


def _qt_message(kind: QtMsgType, context: object, message: str) -> None:
    qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s", message)


def install() -> None:
    sys.excepthook = _excepthook
    threading.excepthook = _thread_hook
    qInstallMessageHandler(_qt_message)
