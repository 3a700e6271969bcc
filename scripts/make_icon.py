#!/usr/bin/env python3
"""Draw the program's icon (resources/icons/station.png and station.ico).

A blue rounded square with 报 (报名) in white, in the bundled WenQuanYi font, so the icon is
made from what the repository holds. Run once after changing the design; both files are
committed (the desk loads the PNG, the installer spec gives the ICO to Windows).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "icons"


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QImage, QPainter

    app = QGuiApplication(sys.argv)  # noqa: F841 - fonts need an application
    font_id = QFontDatabase.addApplicationFont(str(ROOT / "resources/fonts/wqy-microhei.ttc"))
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    size = 256
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor("#1f5fae"))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawRoundedRect(QRectF(8, 8, size - 16, size - 16), 44, 44)
    font = QFont(family)
    font.setPixelSize(176)
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("white"))
    p.drawText(QRectF(0, 0, size, size - 8), Qt.AlignmentFlag.AlignCenter, "报")
    p.end()
    OUT.mkdir(parents=True, exist_ok=True)
    png = OUT / "station.png"
    image.save(str(png))
    Image.open(png).save(OUT / "station.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 256)])
    print(f"wrote {png} and {OUT / 'station.ico'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
