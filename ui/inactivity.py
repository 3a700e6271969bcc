"""Automatic logout after a spell without keyboard or mouse input (default 10 minutes).

One minute before the end a warning counts down; any input cancels it. When time is up the
``timed_out`` signal fires and the desk closes the store and returns to the login screen,
so an unattended desk never shows candidates' data.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from ui.widgets import named

_INPUT = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.InputMethod,
}


class LogoutWarning(QWidget):
    """A small always-on-top notice with the seconds left."""

    def __init__(self) -> None:
        super().__init__(None)
        self.setObjectName("logoutWarning")
        self.setWindowTitle(self.tr("Logging out soon"))
        self.label = named(QLabel(), "logoutCountdown")
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)

    def show_seconds(self, seconds: int) -> None:
        self.label.setText(
            self.tr(
                "No input for a while: logging out in %n second(s). Touch any key to stay.",
                "",
                seconds,
            )
        )


class InactivityWatcher(QObject):
    warning = Signal(int)  # seconds left
    timed_out = Signal()

    def __init__(
        self, timeout_ms: int, warn_ms: int = 60_000, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.timeout_ms = timeout_ms
        self.warn_ms = min(warn_ms, timeout_ms)
        self._idle = QTimer(self, singleShot=True)
        self._idle.timeout.connect(self._start_warning)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._count_down)
        self._left = 0
        self.notice = LogoutWarning()
        self.warning.connect(self.notice.show_seconds)

    def start(self) -> None:
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)
        self.reset()

    def stop(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._idle.stop()
        self._tick.stop()
        self.notice.hide()

    def reset(self) -> None:
        self._tick.stop()
        self.notice.hide()
        self._idle.start(self.timeout_ms - self.warn_ms)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT:
            self.reset()
        return False

    def _start_warning(self) -> None:
        self._left = max(self.warn_ms // 1000, 1)
        self.warning.emit(self._left)
        self.notice.show()
        self.notice.raise_()
        self._tick.start()

    def _count_down(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self.stop()
            self.timed_out.emit()
        else:
            self.warning.emit(self._left)
