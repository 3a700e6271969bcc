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


def printer(setting: str = "") -> Finding:
    """Where the registration form prints (the ``printer`` setting): a folder of PDF files,
    a printer named, or the system's default printer."""
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

    from ui.printing import named_printer, pdf_folder

    application()
    folder = pdf_folder(setting)  # as printing reads it
    if folder is not None:
        names = ("登记表打印", "form printing")
        if folder.is_dir() and os.access(folder, os.W_OK):
            return Finding(
                "printer", *names, Status.OK, f"PDF 文件写入 {folder}", f"PDF files into {folder}"
            )
        return Finding(
            "printer",
            *names,
            Status.ATTENTION,
            f"打印设置为 PDF 文件夹 {folder}，但它不存在或不能写入：请建立该文件夹或改设置",
            f"forms print as PDF files into {folder}, which is missing or read-only:"
            " make it or change the printer setting",
        )
    if setting:
        names = ("登记表打印机", "form printer")
        if not named_printer(setting).isNull():  # as printing finds it
            return Finding("printer", *names, Status.OK, setting, setting)
        return Finding(
            "printer",
            *names,
            Status.ATTENTION,
            f"设置的打印机 {setting} 不在本机：请连接它，或在打印预览中另选一台",
            f"the printer set, {setting}, is not on this PC: connect it or choose another in"
            " the print preview",
        )
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
