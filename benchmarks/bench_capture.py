"""The capture screen's preview rate with checks running (offscreen Qt, file camera).

    .venv/bin/python benchmarks/bench_capture.py [--seconds 5] [--fps 30]

The worker thread reads the camera and checks a frame every 0.1 s (ui/capture.py); the GUI
paints every frame it has time for. Prints frames shown and checks per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from station.photo import get_profile, load_image  # noqa: E402
from station.photo.camera import FileCamera  # noqa: E402
from ui.capture import CaptureDialog  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--fps", type=float, default=30.0)
    args = parser.parse_args()
    app = QApplication([])
    folder = Path(tempfile.mkdtemp())
    portrait = load_image(ROOT / "tests" / "fixtures" / "photos" / "portrait_light_blue.jpg")
    frame = np.full((480, 640, 3), portrait[5, 5], np.uint8)
    x = (640 - portrait.shape[1]) // 2
    frame[: portrait.shape[0], x : x + portrait.shape[1]] = portrait
    cv2.imwrite(str(folder / "frame.png"), frame)
    checks = 0
    dialog = CaptureDialog(lambda: FileCamera(folder, fps=args.fps), get_profile(None))
    dialog.show()
    original = dialog._judge

    def counting(image, verdict):  # type: ignore[no-untyped-def]
        nonlocal checks
        checks += 1
        original(image, verdict)

    dialog._judge = counting  # type: ignore[method-assign]
    end = time.monotonic() + 1.0  # warm-up
    while time.monotonic() < end:
        app.processEvents()
    start_frames, checks, start = dialog.frames, 0, time.monotonic()
    while time.monotonic() - start < args.seconds:
        app.processEvents()
    elapsed = time.monotonic() - start
    shown = (dialog.frames - start_frames) / elapsed
    print("| measure | result | target |")
    print("| --- | --- | --- |")
    print(f"| preview frames shown, camera at {args.fps:.0f} fps | {shown:.1f} fps | ≥ 25 fps |")
    print(f"| frames checked | {checks / elapsed:.1f} per second | |")
    dialog.reject()
    return 0


if __name__ == "__main__":
    sys.exit(main())
