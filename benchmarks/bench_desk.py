"""Desk responsiveness at scale: loading the queue and filtering it as the operator types.

    .venv/bin/python benchmarks/bench_desk.py DIR LOGIN PASSWORD

DIR is a station made by bench_store.py (50,000 candidates). Runs offscreen; prints a
Markdown table to paste into docs/benchmarks.md.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from station import auth  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402


def main() -> int:
    directory, login, password = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    app = QApplication([])
    ctx = auth.login(directory, login, password)

    def settle(op) -> None:  # the desk's reads run off the GUI thread; wait for the report
        while op.running:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

    t = time.perf_counter()
    window = MainWindow(ctx)
    window.show()
    settle(window.loading)
    open_ms = (time.perf_counter() - t) * 1000
    rows = len(window.model.all_rows)
    sample = window.model.all_rows[:: max(rows // 50, 1)][:50]
    queries = {
        "name, 1 character": [r.name[:1] for r in sample],
        "name, 2 characters": [r.name[:2] for r in sample],
        "pinyin initials, 2 letters": [r.initials[:2] for r in sample if len(r.initials) >= 2],
        "ID number, last 4 digits": [r.id_number[-4:] for r in sample],
        "报名号, full": [r.registration_no for r in sample],
    }
    print(f"| measure ({rows:,} candidates) | result |")
    print("| --- | --- |")
    print(f"| open the main window (load the queue snapshot) | {open_ms:,.0f} ms |")
    for label, items in queries.items():
        times = []
        for q in items:
            t = time.perf_counter()
            window.model.set_filter(q)
            app.processEvents()
            times.append((time.perf_counter() - t) * 1000)
        print(
            f"| filter as you type: {label} | median {statistics.median(times):.1f} ms, max {max(times):.1f} ms |"
        )
    # After one save: the saved candidate's line is read again (not the whole queue), set
    # against a full reload measured in the same run (this machine's speed swings with load).
    window.model.set_filter("")
    ids = [r.id for r in window.model.all_rows[:: max(rows // 20, 1)][:20]]
    updates, reloads = [], []
    for candidate_id in ids:
        t = time.perf_counter()
        settle(window.candidate_changed(candidate_id))
        updates.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        settle(window.refresh())
        reloads.append((time.perf_counter() - t) * 1000)
    up, full = statistics.median(updates), statistics.median(reloads)
    print(
        f"| the queue after one save: that line only | median {up:.1f} ms, max {max(updates):.1f} ms "
        f"({full / up:.0f}× faster than a full reload, median {full:.0f} ms) |"
    )
    ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
