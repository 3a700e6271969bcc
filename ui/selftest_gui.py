"""The desk's steps of ``station self-test``: what only a build with working Qt can do.

The form printed by the core steps is rendered with QtPdf (as the print preview does) and
its QR code read back with OpenCV, as a scanner at the county would; then the desk's main
window opens on the self-test's station and shows the record. Both run offscreen unless the
caller chose a platform, so the self-test never pops a window at a registration point.
"""

from __future__ import annotations

import time

from sync.selftest import Scratch, Step
from ui.health_checks import application as _application


def _read_qr(t: Scratch) -> str:
    import cv2
    import numpy as np
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtPdf import QPdfDocument

    _application()
    data = QByteArray(t.pdf)
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    if document.pageCount() != 1:
        raise AssertionError(f"QtPdf sees {document.pageCount()} pages ({document.error()})")
    rendered = document.render(0, QSize(1240, 1754))  # A4 at 150 dpi, transparent ground
    image = QImage(rendered.size(), QImage.Format.Format_Grayscale8)
    image.fill(Qt.GlobalColor.white)  # paper
    painter = QPainter(image)
    painter.drawImage(0, 0, rendered)
    painter.end()
    raw = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    text, _points, _ = cv2.QRCodeDetector().detectAndDecode(raw[:, : image.width()].copy())
    if text != t.qr_text:
        raise AssertionError(f"the QR code reads {text!r}, expected {t.qr_text!r}")
    return f"rendered with QtPdf, QR reads {text[:22]}…"


def _open_desk(t: Scratch) -> str:
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from ui import i18n, operations
    from ui.main_window import MainWindow

    _application()
    i18n.install(t.ctx.settings.language)
    window = MainWindow(t.ctx)
    try:
        window.show()
        # The window reads the queue off the GUI thread: wait for it (10 s at most).
        deadline = time.monotonic() + 10
        while not window.ready and time.monotonic() < deadline:
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
            time.sleep(0.01)
        rows = window.model.rowCount()
        if rows != 1:
            raise AssertionError(f"the queue shows {rows} records, expected 1")
        title = window.windowTitle()
    finally:
        operations.wait_all()  # the store closes after the self-test
        window.close()
        window.deleteLater()
        QApplication.processEvents()
    platform = QApplication.platformName()
    return f"{platform}: {title!r}, queue shows the record, language {i18n.current()}"


GUI_STEPS = (
    Step("读取登记表二维码", "read the form's QR code", _read_qr),
    Step("打开采集界面", "open the desk window", _open_desk),
)
