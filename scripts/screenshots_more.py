#!/usr/bin/env python3
"""More README screenshots: live capture, the candidate's password screen, the printed form.

xvfb-run -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshots_more.py DEMO_DIR
pdftoppm -png -r 60 docs/screenshots/registration_form.pdf docs/screenshots/registration_form
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from station import auth  # noqa: E402
from station.form.service import print_form  # noqa: E402
from station.photo import get_profile  # noqa: E402
from ui import i18n  # noqa: E402
from ui.app import make_camera, make_reader  # noqa: E402
from ui.candidate_view import CandidateView  # noqa: E402
from ui.capture import CaptureDialog  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402


def settle(app: QApplication, seconds: float = 0.2) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()


def main() -> int:
    app = QApplication(sys.argv[:1])
    i18n.install("zh_CN")
    out = ROOT / "docs" / "screenshots"
    ctx = auth.login(Path(sys.argv[1]), "caiji", "demo-operator-2027")
    window = MainWindow(ctx, make_reader("demo"), make_camera("demo"))
    window.show()
    ready = next(r for r in window.model.rows if r.state == "ready")
    capture = CaptureDialog(make_camera("demo"), get_profile(None), window)
    capture.show()
    settle(app, 2.5)
    capture.grab().save(str(out / "capture.png"))
    capture.reject()
    view = CandidateView(ctx, ready.id, window)
    view.resize(1000, 650)
    view.show()
    view.pages.setCurrentWidget(view.password_page)
    view.password.setText("Vv8#pond")
    view._judge()
    settle(app)
    view.grab().save(str(out / "candidate_password.png"))
    view.done(1)
    (out / "registration_form.pdf").write_bytes(print_form(ctx, ready.id).pdf)
    ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
