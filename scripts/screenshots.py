#!/usr/bin/env python3
"""Screenshots for the README, from real windows: run under Xvfb, e.g.

xvfb-run -s "-screen 0 1280x800x24" .venv/bin/python scripts/screenshots.py DEMO_DIR
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station import auth  # noqa: E402
from ui import i18n  # noqa: E402
from ui.app import make_reader  # noqa: E402
from ui.login import LoginDialog  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402


def settle(app: QApplication) -> None:
    """Let the desk's reads off the GUI thread come back."""
    from ui import operations

    for _ in range(500):
        app.processEvents()
        if not operations.busy():
            break
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()


def main() -> int:
    data_dir = Path(sys.argv[1])
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    i18n.install("zh_CN")
    dialog = LoginDialog(data_dir)
    dialog.show()
    dialog.login_edit.setText("caiji")
    dialog.password_edit.setText("wrong password")
    dialog.try_login()
    while not dialog.error_label.text():
        app.processEvents()
    dialog.grab().save(str(out / "login.png"))
    ctx = auth.login(data_dir, "caiji", "demo-operator-2027")
    window = MainWindow(ctx, make_reader("demo"))
    window.show()
    settle(app)
    window.grab().save(str(out / "queue.png"))
    form_dialog = window.open_candidate(window.model.rows[0].id)
    settle(app)
    form_dialog.form.set_value("phone", "1380013800")
    form_dialog.form.revalidate()
    settle(app)
    form_dialog.grab().save(str(out / "form.png"))
    # The step bar of a record the candidate has checked and that is printed: confirm next.
    form_dialog.form.set_value("phone", "13800138000")
    form_dialog.form.revalidate()
    form_dialog.form.steps.grab().save(str(out / "steps.png"))
    form_dialog.close()
    settle(app)
    new = window.new_candidate()
    settle(app)
    new.form.fill_from_card(make_reader("demo").read_card())
    settle(app)
    new.grab().save(str(out / "form_card.png"))
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
