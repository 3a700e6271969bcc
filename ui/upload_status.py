"""The upload indicator in the desk's status bar (联网上传状态): offline, sending n of m, all
acknowledged, or refused with the reason in words; a click sends now.

It runs ``sync.upload.upload`` as an operation off the GUI thread, one try per batch, and
schedules the next run itself: after the backoff the core suggests when the county could not
be reached, and every few minutes otherwise (new batches are sent without anyone asking). A
refusal waits for a person: its words say what to do, and a click tries again.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QToolButton, QWidget

from station.auth import Context
from ui import i18n
from ui.operations import Operation, start
from ui.widgets import named

log = logging.getLogger(__name__)

#: How often a desk with nothing waiting looks for new batches to send (a store read; the
#: network is used only when there is something to send).
IDLE_MS = 3 * 60_000
#: The first look after the login: after the warm-up, not competing with it.
FIRST_MS = 5_000


class UploadStatus(QToolButton):
    """A flat button: its text is the state, its click is "send now"."""

    #: Emitted after each run with the core's report (sync.upload.Report).
    reported = Signal(object)

    def __init__(self, context: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "uploadStatus")
        self.setAutoRaise(True)
        self.context = context
        self.report: Any = None
        self.running: Operation | None = None
        self.failed_runs = 0  # runs in a row that could not reach the county: the backoff
        self._stop = threading.Event()
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self.send_now)
        self.clicked.connect(self.send_now)
        self._show_idle()
        if self.configured():
            self.timer.start(FIRST_MS)

    def configured(self) -> bool:
        return bool(self.context.settings.intake_url)

    def _show_idle(self) -> None:
        if self.configured():
            self.setText(self.tr("Upload: waiting"))
            self.setToolTip(self.tr("Click to send the batches to the county now"))
        else:
            self.setText(self.tr("Upload: not set up (USB)"))
            self.setToolTip(
                self.tr("The administrator sets the county's address: station intake set")
            )

    def send_now(self) -> Operation | None:
        """Send every unacknowledged batch now (nothing if a run is on, or upload is off)."""
        if self.running is not None or not self.configured() or self._stop.is_set():
            return None
        self.timer.stop()
        from sync import upload

        context, stop, failed = self.context, self._stop, self.failed_runs

        def work(progress: Any) -> Any:
            return upload.upload(
                context, attempts=1, failed_before=failed, progress=progress, stop=stop
            )

        self.setText(self.tr("Upload: connecting…"))
        self.running = start(self, work, self._reported, self._failed, self._ended)
        self.running.progressed.connect(self._progressed)
        return self.running

    def _progressed(self, done: int, total: int) -> None:
        self.setText(
            self.tr("Upload: sending %1 of %2")
            .replace("%1", str(done + 1))
            .replace("%2", str(total))
        )

    def _words(self, report: Any) -> str:
        zh, en = report.words()
        return zh if i18n.current() == "zh_CN" else en

    def _reported(self, report: Any) -> None:
        self.running = None  # before the report goes out: its listeners may send again
        self.report = report
        self.failed_runs = self.failed_runs + 1 if report.error and report.waiting else 0
        words = self._words(report)
        self.setToolTip(words)
        if report.refused is not None:
            self.setText(self.tr("Upload refused: %1").replace("%1", words))
            self.setStyleSheet("color: #b00020")
        elif report.done:
            self.setStyleSheet("")
            self.setText(
                self.tr("Upload: all acknowledged")
                if report.total
                else self.tr("Upload: nothing waiting")
            )
            self.timer.start(IDLE_MS)
        else:
            self.setStyleSheet("color: #8a6d00")
            self.setText(
                self.tr("Upload: offline, %1 waiting").replace("%1", str(len(report.waiting)))
            )
            delay = report.retry_in if report.retry_in is not None else IDLE_MS / 1000
            self.timer.start(int(max(1.0, delay) * 1000))
        self.reported.emit(report)

    def _failed(self, exc: BaseException) -> None:
        """A problem of this station (no county key, unreadable settings): said, not raised
        at the operator in a box every few minutes; a bug is logged with its traceback."""
        from station.errors import StationError

        self.running = None
        if not isinstance(exc, StationError):
            log.error("upload failed", exc_info=exc)
        self.setStyleSheet("color: #b00020")
        self.setText(self.tr("Upload stopped: %1").replace("%1", i18n.message(exc)))
        self.setToolTip(i18n.message(exc))

    def _ended(self) -> None:
        self.running = None

    def stop(self) -> None:
        """Logout: no new run; a run waiting between tries ends at once."""
        self._stop.set()
        self.timer.stop()
