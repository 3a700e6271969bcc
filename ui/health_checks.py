"""The health checks only Qt can do (the default printer), beside the core's
(station/health.py): ``station doctor`` and the desk's Health screen use both."""

from __future__ import annotations

import os

from station.health import Finding, Status


def application() -> object:
    """The running QApplication, or an offscreen one for a command-line run."""
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        return QApplication([])
    return QApplication.instance()


def printer() -> Finding:
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

    application()
    default = QPrinterInfo.defaultPrinter()
    names = ("默认打印机", "default printer")
    if default.isNull():
        others = QPrinterInfo.availablePrinterNames()
        known_zh = f"（已安装：{'、'.join(others)}）" if others else "（系统中没有打印机）"
        known_en = f" (installed: {', '.join(others)})" if others else " (none installed)"
        return Finding(
            "printer",
            *names,
            Status.ATTENTION,
            f"没有默认打印机{known_zh}：请安装打印机并设为默认，否则登记表打印时要逐次选择",
            f"no default printer{known_en}: install one and make it the default",
        )
    name = default.printerName()
    if default.state() == QPrinter.PrinterState.Error:
        return Finding(
            "printer",
            *names,
            Status.ATTENTION,
            f"{name} 报告错误：检查纸张、墨粉和连接",
            f"{name} reports an error: check paper, toner and cable",
        )
    return Finding("printer", *names, Status.OK, name, name)
