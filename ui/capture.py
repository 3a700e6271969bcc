"""Live photo capture (现场拍照): the camera's picture with the checks' verdict drawn on it.

A worker thread reads the camera as fast as it delivers and checks a frame about ten times
a second (the check takes ~15 ms; checking every frame would eat the preview's time). The
window shows every frame, the face box (green when the frame passes, red otherwise) and the
first problem as an instruction in words. Capture is enabled only while the latest checked
frame passes; with auto-capture on, a frame that has passed for one second is taken by
itself. A lost or busy camera is a message and a Retry button, never a frozen window.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPen, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from station.errors import StationError
from ui import i18n
from ui.widgets import named

CHECK_INTERVAL = 0.1  # seconds between checked frames
_orphans: set[tuple[Any, Any]] = set()  # camera threads still stuck after their dialog closed
AUTO_CAPTURE_AFTER = 1.0  # seconds a frame must keep passing


class CameraWorker(QObject):
    """Reads frames in its own thread; emits each one and, now and then, a verdict."""

    frame = Signal(object, object)  # numpy BGR frame, Verdict or None
    failed = Signal(str)
    stopped = Signal()

    def __init__(self, open_camera: Callable[[], Any], profile: Any) -> None:
        super().__init__()
        self.open_camera = open_camera
        self.profile = profile
        self._running = False
        self._lock = threading.Lock()
        self.in_flight = 0

    def shown(self) -> None:
        with self._lock:
            self.in_flight = max(self.in_flight - 1, 0)

    @Slot()
    def run(self) -> None:
        from station.photo import check_frame

        self._running = True
        camera = None
        try:
            camera = self.open_camera()
            last_check = 0.0
            while self._running:
                image = camera.read()
                if image is None:
                    raise_lost()
                verdict = None
                now = time.monotonic()
                if now - last_check >= CHECK_INTERVAL:
                    verdict = check_frame(image, self.profile)
                    # Counted from the check's end: a slow check (an empty, cluttered room
                    # makes the small-face search take up to 0.1 s) still leaves the preview
                    # its frames in between.
                    last_check = time.monotonic()
                # Drop frames the GUI has no time for (never the checked ones): a slow
                # paint must not pile up a queue of pictures in memory.
                with self._lock:
                    busy = self.in_flight >= 2
                    if not busy or verdict is not None:
                        self.in_flight += 1
                if not busy or verdict is not None:
                    self.frame.emit(image, verdict)
                QThread.msleep(1)  # let the GUI thread breathe on a camera that never waits
        except StationError as exc:
            self.failed.emit(i18n.message(exc))
        except Exception as exc:  # a driver error: say so, keep the window alive
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        finally:
            if camera is not None:
                camera.close()
            self.stopped.emit()

    def stop(self) -> None:
        self._running = False


def raise_lost() -> None:
    from station.photo.camera import CameraUnavailable

    raise CameraUnavailable(
        "摄像头没有画面（断开或被占用），请检查后点“重试”", "the camera delivers no picture"
    )


def to_pixmap(image: np.ndarray) -> QPixmap:
    height, width = image.shape[:2]
    qimage = QImage(image.data, width, height, image.strides[0], QImage.Format.Format_BGR888)
    return QPixmap.fromImage(qimage.copy())


class CaptureDialog(QDialog):
    """Take one photo; ``jpeg`` holds the cropped, encoded result after Accept."""

    def __init__(
        self, open_camera: Callable[[], Any], profile: Any, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Take photo"))
        self.open_camera = open_camera
        self.profile = profile
        self.jpeg: bytes | None = None
        self.last_good: tuple[np.ndarray, Any] | None = None
        self.passing_since: float | None = None
        self.frames = 0
        self.camera_thread: QThread | None = None
        self.worker: CameraWorker | None = None

        self.view = named(QLabel(), "preview")
        self.view.setMinimumSize(480, 360)
        self.view.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.view.setStyleSheet("background: #222; color: #eee")
        self.instruction = named(QLabel(), "instruction")
        self.instruction.setStyleSheet("font-size: 20px; font-weight: bold")
        self.instruction.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.capture_button = named(QPushButton(self.tr("Capture (Space)")), "capture")
        self.capture_button.setEnabled(False)
        self.capture_button.clicked.connect(self.capture)
        self.retry_button = named(QPushButton(self.tr("Retry")), "retry")
        self.retry_button.hide()
        self.retry_button.clicked.connect(self.start)
        self.auto = named(
            QCheckBox(self.tr("Capture automatically after one second")), "autoCapture"
        )
        self.auto.setChecked(True)  # one key less per candidate; untick to take it by hand
        cancel = QPushButton(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.auto)
        buttons.addStretch()
        buttons.addWidget(self.retry_button)
        buttons.addWidget(self.capture_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.instruction)
        layout.addLayout(buttons)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self).activated.connect(self.capture)
        self.start()

    # --- camera thread ------------------------------------------------------------------

    def start(self) -> None:
        self.stop()
        self.retry_button.hide()
        self.instruction.setText(self.tr("Starting the camera…"))
        self.camera_thread = QThread(self)
        self.worker = CameraWorker(self.open_camera, self.profile)
        self.worker.moveToThread(self.camera_thread)
        self.camera_thread.started.connect(self.worker.run)
        self.worker.frame.connect(self.show_frame)
        self.worker.failed.connect(self.camera_failed)
        self.worker.stopped.connect(self.camera_thread.quit)
        self.camera_thread.start()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        thread, worker = self.camera_thread, self.worker
        if thread is not None:
            thread.quit()
            if not thread.wait(3000):
                # A driver stuck in read() (camera pulled out): the thread must outlive this
                # dialog, or Qt aborts the whole desk. It ends when read() returns.
                thread.setParent(None)
                _orphans.add((thread, worker))
                thread.finished.connect(lambda: _orphans.discard((thread, worker)))
        self.worker = None
        self.camera_thread = None

    def camera_failed(self, message: str) -> None:
        self.capture_button.setEnabled(False)
        self.last_good = None
        self.instruction.setText(message)
        self.instruction.setStyleSheet("font-size: 16px; color: #b00020")
        self.retry_button.show()

    # --- frames -------------------------------------------------------------------------

    @Slot(object, object)
    def show_frame(self, image: np.ndarray, verdict: Any) -> None:
        self.frames += 1
        if self.worker is not None:
            self.worker.shown()
        if verdict is not None:
            self._judge(image, verdict)
        pixmap = to_pixmap(image)
        face = self._face
        if face is not None:
            painter = QPainter(pixmap)
            colour = QColor("#2e7d32") if self.capture_button.isEnabled() else QColor("#c62828")
            painter.setPen(QPen(colour, 3))
            painter.drawRect(*face)
            painter.end()
        self.view.setPixmap(
            pixmap.scaled(
                self.view.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation,
            )
        )

    _face: tuple[int, int, int, int] | None = None

    def _judge(self, image: np.ndarray, verdict: Any) -> None:
        from station.photo import instruction

        self._face = verdict.face
        if verdict.ok:
            self.last_good = (image.copy(), verdict)
            self.instruction.setText(self.tr("Good: hold still"))
            self.instruction.setStyleSheet("font-size: 20px; font-weight: bold; color: #2e7d32")
            now = time.monotonic()
            self.passing_since = self.passing_since or now
            if self.auto.isChecked() and now - self.passing_since >= AUTO_CAPTURE_AFTER:
                self.capture()
        else:
            self.last_good = None
            self.passing_since = None
            self.instruction.setText(instruction(verdict.problems[0], i18n.current()))
            self.instruction.setStyleSheet("font-size: 20px; font-weight: bold; color: #c62828")
        self.capture_button.setEnabled(verdict.ok)

    def capture(self) -> None:
        if self.last_good is None or self.jpeg is not None:
            return
        from station.photo import crop_and_encode

        image, verdict = self.last_good
        try:
            self.jpeg = crop_and_encode(image, self.profile, verdict.face)
        except StationError as exc:
            self.instruction.setText(i18n.message(exc))
            return
        self.accept()

    def done(self, result: int) -> None:  # accept, reject and Esc all end here
        self.stop()
        super().done(result)
