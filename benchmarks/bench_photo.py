"""Photo pipeline benchmark (issue: 照片采集与检查). Run on demand, not in the test suite:

    .venv/bin/python benchmarks/bench_photo.py [--runs 200] [--every 3] [--seconds 3]

Targets on the 2-core reference machine: the full check of one 640×480 frame under 15 ms
median, crop + encode under 30 ms. The frame is the passing fixture portrait placed in a
640×480 webcam-sized frame (so every stage runs: detection, refinement, eyes, light,
sharpness, background). The FileCamera loop plays a 640×480 MJPG clip of that frame at
30 fps and checks every ``--every``-th frame, as the capture window does; it reports the
frame rate held and the rate when nothing paces it. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from station.photo import check_frame, crop_and_encode, get_profile, load_image  # noqa: E402
from station.photo.camera import FileCamera  # noqa: E402

PORTRAIT = ROOT / "tests" / "fixtures" / "photos" / "portrait_light_blue.jpg"


def webcam_frame() -> np.ndarray:
    portrait = load_image(PORTRAIT)
    frame = np.empty((480, 640, 3), np.uint8)
    frame[:] = portrait[5, 5]
    frame[:, 140:500] = portrait
    return frame


def times_ms(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up: cascades load on first use in a thread
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p90(values: list[float]) -> float:
    return sorted(values)[int(0.9 * (len(values) - 1))]


def camera_loop(clip: Path, every: int, seconds: float, realtime: bool) -> tuple[float, int]:
    profile = get_profile(None)
    frames = checks = 0
    with FileCamera(clip, fps=30, realtime=realtime) as camera:
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            frame = camera.read()
            assert frame is not None
            frames += 1
            if frames % every == 0:
                assert check_frame(frame, profile).ok
                checks += 1
        elapsed = time.perf_counter() - start
    return frames / elapsed, checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--every", type=int, default=3, help="check every N-th frame")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    profile = get_profile(None)
    frame = webcam_frame()
    verdict = check_frame(frame, profile)
    assert verdict.ok, verdict
    blank = np.full_like(frame, frame[5, 5])

    check = times_ms(lambda: check_frame(frame, profile), args.runs)
    no_face = times_ms(lambda: check_frame(blank, profile), args.runs)
    crop = times_ms(lambda: crop_and_encode(frame, profile, verdict.face), max(20, args.runs // 4))
    crop_detect = times_ms(lambda: crop_and_encode(frame, profile), max(20, args.runs // 4))

    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "clip.avi"
        writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (640, 480))
        rng = np.random.default_rng(1)
        for _ in range(60):  # sensor noise, so frames differ like a camera's
            noise = rng.normal(0, 2, frame.shape)
            writer.write(np.clip(frame + noise, 0, 255).astype(np.uint8))
        writer.release()
        paced_fps, paced_checks = camera_loop(clip, args.every, args.seconds, realtime=True)
        free_fps, free_checks = camera_loop(clip, args.every, args.seconds, realtime=False)

    print(
        f"Photo pipeline, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, OpenCV {cv2.__version__}, profile {profile.name}\n"
    )
    print("| measurement | median | p90 | target |")
    print("| --- | --- | --- | --- |")
    print(f"| full check, 640×480 frame with a face | {statistics.median(check):.1f} ms "
          f"| {p90(check):.1f} ms | < 15 ms |")  # fmt: skip
    print(f"| full check, 640×480 frame without a face | {statistics.median(no_face):.1f} ms "
          f"| {p90(no_face):.1f} ms | |")  # fmt: skip
    print(f"| crop + encode (face from the verdict) | {statistics.median(crop):.1f} ms "
          f"| {p90(crop):.1f} ms | < 30 ms |")  # fmt: skip
    print(f"| crop + encode (detects the face itself) | {statistics.median(crop_detect):.1f} ms "
          f"| {p90(crop_detect):.1f} ms | |")  # fmt: skip
    print(f"| FileCamera at 30 fps, check every {args.every} frames | {paced_fps:.1f} fps "
          f"({paced_checks} checks in {args.seconds:.0f} s) | | 30 fps |")  # fmt: skip
    print(f"| FileCamera unpaced, check every {args.every} frames | {free_fps:.1f} fps "
          f"({free_checks} checks in {args.seconds:.0f} s) | | |")  # fmt: skip


if __name__ == "__main__":
    main()
