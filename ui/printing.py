"""Printing the registration form (打印报名登记表): in one action to the station's printer,
or through the preview and the system's print dialog, which remembers the printer chosen.

The PDF comes from the core (station/form); here it is only rendered page by page at
:data:`PRINT_DPI` onto a ``QPrinter``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

PRINT_DPI = 300  # sharp on paper; 1200 dpi would ask for half a gigabyte per A4 page
PDF_PREFIX = "pdf:"


class PdfPages:
    """A PDF's pages for QtPdf: the bytes and the buffer it reads lazily live as long as it."""

    def __init__(self, pdf: bytes) -> None:
        self.pdf = pdf
        self._data = QByteArray(pdf)
        self._buffer = QBuffer(self._data)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument()
        self.document.load(self._buffer)


def pdf_folder(setting: str) -> Path | None:
    """The folder a ``pdf:FOLDER`` printer setting writes forms into (``~`` expanded); None
    for a printer."""
    if not setting.startswith(PDF_PREFIX):
        return None
    return Path(setting[len(PDF_PREFIX) :]).expanduser()


def named_printer(setting: str) -> QPrinterInfo:
    """The printer a setting names, or the default one for an empty setting (null if gone)."""
    return QPrinterInfo.printerInfo(setting) if setting else QPrinterInfo.defaultPrinter()


def station_printer(setting: str, file_name: str) -> QPrinter | None:
    """The printer the station prints to in one action, or None when there is none (no
    printer installed, or the remembered one is gone): then the preview is the way."""
    folder = pdf_folder(setting)
    if folder is not None:
        if not folder.is_dir():
            return None
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(folder / file_name))
    else:
        info = named_printer(setting)
        if info.isNull():
            return None
        printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    printer.setResolution(PRINT_DPI)
    return printer


def where(setting: str) -> str:
    """The station's printer in words, for a status line."""
    if setting.startswith(PDF_PREFIX):
        return setting[len(PDF_PREFIX) :]
    return setting or QPrinterInfo.defaultPrinterName()


def render(document: QPdfDocument, printer: QPrinter) -> bool:
    """Each page at PRINT_DPI, its aspect ratio kept, centred on the printable area."""
    painter = QPainter()
    if not painter.begin(printer):
        return False
    try:
        for page in range(document.pageCount()):
            if page:
                printer.newPage()
            area = painter.viewport()
            points = document.pagePointSize(page)  # 1/72 inch
            scale = min(area.width() / points.width(), area.height() / points.height())
            size = QSize(int(points.width() * scale), int(points.height() * scale))
            image = document.render(page, size)
            if image.isNull():  # out of memory on a small PC: say so, print nothing
                return False
            x = area.x() + (area.width() - size.width()) // 2
            y = area.y() + (area.height() - size.height()) // 2
            painter.drawImage(QRect(x, y, size.width(), size.height()), image)
    finally:
        painter.end()
    return True
