"""Camera sources: files standing in for a camera, and a camera that is not there."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from station.photo import check_frame, get_profile
from station.photo.camera import Camera, CameraUnavailable, FileCamera, OpenCVCamera

FIXTURES = Path(__file__).parent / "fixtures" / "photos"


def level(frame: np.ndarray) -> int:
    return round(float(frame.mean()))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Three images of different sizes and grey levels, named out of order."""
    directory = tmp_path / "frames"
    directory.mkdir()
    for name, value, size in (("b.png", 100, (320, 240)), ("a.jpg", 50, (160, 120))):
        cv2.imwrite(str(directory / name), np.full((size[1], size[0], 3), value, np.uint8))
    cv2.imwrite(str(directory / "c.bmp"), np.full((240, 320, 3), 150, np.uint8))
    (directory / "notes.txt").write_text("not a frame")
    return directory


def test_folder_in_name_order_looping_at_the_first_size(folder: Path) -> None:
    with FileCamera(folder, realtime=False) as camera:
        assert isinstance(camera, Camera)
        assert (camera.width, camera.height, camera.fps) == (160, 120, 15.0)
        frames = [camera.read() for _ in range(7)]
    assert all(f is not None and f.shape == (120, 160, 3) for f in frames)
    assert [level(f) for f in frames if f is not None] == [50, 100, 150, 50, 100, 150, 50]
    assert camera.read() is None  # closed


def test_folder_resized_and_not_looping(folder: Path) -> None:
    camera = FileCamera(folder, width=64, height=48, realtime=False, loop=False)
    frames = [camera.read() for _ in range(4)]
    camera.close()
    assert [f.shape for f in frames[:3] if f is not None] == [(48, 64, 3)] * 3
    assert frames[3] is None


def test_target_fps_is_honoured(folder: Path) -> None:
    with FileCamera(folder, fps=50) as camera:
        camera.read()
        start = time.monotonic()
        for _ in range(10):
            camera.read()
        elapsed = time.monotonic() - start
    assert 0.18 <= elapsed < 0.6  # 10 intervals of 20 ms


def test_video_file_loops(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 20.0, (320, 240))
    assert writer.isOpened()
    for i in range(6):
        writer.write(np.full((240, 320, 3), 30 + 30 * i, np.uint8))
    writer.release()
    with FileCamera(path, realtime=False) as camera:
        assert (camera.width, camera.height) == (320, 240)
        assert camera.fps == pytest.approx(20.0)
        levels = [level(f) for f in (camera.read() for _ in range(8)) if f is not None]
    assert len(levels) == 8
    assert levels[:6] == pytest.approx([30, 60, 90, 120, 150, 180], abs=3)
    assert levels[6:] == pytest.approx([30, 60], abs=3)


def test_portrait_through_a_file_camera_passes(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "portrait_light_blue.jpg", tmp_path / "0001.jpg")
    with FileCamera(tmp_path, realtime=False) as camera:
        frame = camera.read()
    assert frame is not None and check_frame(frame, get_profile(None)).ok


def test_missing_or_empty_sources(tmp_path: Path) -> None:
    with pytest.raises(CameraUnavailable, match="找不到"):
        FileCamera(tmp_path / "nothing")
    with pytest.raises(CameraUnavailable, match="没有图像"):
        FileCamera(tmp_path)
    bogus = tmp_path / "clip.avi"
    bogus.write_text("not a video")
    with pytest.raises(CameraUnavailable):
        FileCamera(bogus)


def test_a_camera_that_is_not_there_says_so_quickly() -> None:
    start = time.monotonic()
    with pytest.raises(CameraUnavailable) as err:
        OpenCVCamera(97, 640, 480)
    assert time.monotonic() - start < 5
    assert "摄像头" in err.value.message_zh and err.value.exit_code == 2
