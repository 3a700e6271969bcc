"""The capture screen driven with a file-backed camera: problems shown, capture only on a good
frame, the photo saved to the record; a lost camera is a message and a retry."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PySide6.QtCore import Qt

from station import auth, records
from station.lifecycle import State
from station.photo import get_profile, load_image
from station.photo.camera import CameraUnavailable, FileCamera
from ui import i18n
from ui.candidate_form import CandidateForm
from ui.capture import CaptureDialog

from .factories import OPERATOR, record_for
from .qt_helpers import activate, opened

PORTRAIT = Path(__file__).parent / "fixtures" / "photos" / "portrait_light_blue.jpg"


@pytest.fixture(autouse=True)
def chinese(qapp) -> None:
    i18n.install("zh_CN")


def _frame_folder(tmp_path: Path, name: str, transform=lambda f: f) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    portrait = load_image(PORTRAIT)
    frame = np.full((480, 640, 3), portrait[5, 5], np.uint8)
    x = (640 - portrait.shape[1]) // 2
    frame[: portrait.shape[0], x : x + portrait.shape[1]] = portrait
    cv2.imwrite(str(folder / "frame.png"), transform(frame))
    return folder


def _dialog(qtbot, folder: Path) -> CaptureDialog:
    dialog = CaptureDialog(lambda: FileCamera(folder, fps=30), get_profile(None))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_dark_frames_say_so_and_cannot_be_captured(qtbot, tmp_path: Path) -> None:
    dark = _frame_folder(tmp_path, "dark", lambda f: (f * 0.25).astype(np.uint8))
    dialog = _dialog(qtbot, dark)
    qtbot.waitUntil(lambda: dialog.frames > 5, timeout=5000)
    qtbot.waitUntil(lambda: "暗" in dialog.instruction.text(), timeout=5000)
    assert not dialog.capture_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Space)
    assert dialog.jpeg is None
    dialog.reject()


def test_good_frame_enables_capture_and_gives_a_profile_photo(qtbot, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, _frame_folder(tmp_path, "good"))
    qtbot.waitUntil(dialog.capture_button.isEnabled, timeout=5000)
    assert dialog.instruction.text() == "合格，请保持不动"
    assert dialog._face is not None  # the box drawn on the preview
    with qtbot.waitSignal(dialog.accepted, timeout=3000):
        qtbot.mouseClick(dialog.capture_button, Qt.MouseButton.LeftButton)
    assert dialog.jpeg is not None and dialog.jpeg[:2] == b"\xff\xd8"
    profile = get_profile(None)
    assert profile.jpeg_min_bytes <= len(dialog.jpeg) <= profile.jpeg_max_bytes
    image = cv2.imdecode(np.frombuffer(dialog.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[:2] == (640, 480)


def test_auto_capture_after_a_second_of_good_frames(qtbot, tmp_path: Path) -> None:
    dialog = _dialog(qtbot, _frame_folder(tmp_path, "auto"))
    dialog.auto.setChecked(True)
    with qtbot.waitSignal(dialog.accepted, timeout=6000):
        pass
    assert dialog.jpeg is not None


def test_lost_camera_is_a_message_and_a_retry(qtbot, tmp_path: Path) -> None:
    attempts = []
    good = _frame_folder(tmp_path, "later")

    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise CameraUnavailable("摄像头被占用", "camera busy")
        return FileCamera(good, fps=30)

    dialog = CaptureDialog(flaky, get_profile(None))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.retry_button.isVisible, timeout=5000)
    assert "占用" in dialog.instruction.text()
    qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.capture_button.isEnabled, timeout=5000)
    dialog.reject()


def test_photo_taken_in_the_form_is_saved_and_the_record_becomes_ready(
    qtbot, station_dir: Path, tmp_path: Path
) -> None:
    folder = _frame_folder(tmp_path, "desk")
    ctx = auth.login(station_dir, *OPERATOR)
    saved = records.create(ctx, record_for(11))
    assert saved.state == State.DRAFT
    form = opened(qtbot, CandidateForm(ctx, saved.id, camera=lambda: FileCamera(folder, fps=30)))
    activate(qtbot, form)
    qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_F3)
    dialog = form.photo_panel.capture_dialog
    qtbot.waitUntil(dialog.capture_button.isEnabled, timeout=5000)
    with qtbot.waitSignal(form.saved, timeout=5000):
        qtbot.mouseClick(dialog.capture_button, Qt.MouseButton.LeftButton)
    with ctx.store.read() as s:
        c = records.get(s, saved.id)
        assert c.state == State.READY
        assert c.photo is not None and c.photo.source == "camera" and c.photo.quality_ok
    photo = form.photo_panel.photo
    assert photo.pixmap() is not None and not photo.pixmap().isNull()
    ctx.close()
