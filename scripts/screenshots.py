#!/usr/bin/env python3
"""Screenshots for the README, from real windows: run under Xvfb, e.g.

xvfb-run -s "-screen 0 1280x800x24" .venv/bin/python scripts/screenshots.py DEMO_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ui.app import LoginDialog, MainWindow  # noqa: E402


def main() -> int:
    data_dir = Path(sys.argv[1])
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    dialog = LoginDialog(data_dir)
    dialog.show()
    dialog.login_edit.setText("caiji")
    dialog.password_edit.setText("wrong password")
    dialog.try_login()
    app.processEvents()
    dialog.grab().save(str(out / "login.png"))
    dialog.password_edit.setText("demo-operator-2027")
    dialog.try_login()
    assert dialog.context is not None
    window = MainWindow(dialog.context)
    window.show()
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(out / "queue.png"))
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
