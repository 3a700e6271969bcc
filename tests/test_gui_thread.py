"""The desk keeps its GUI thread free: no SQL and no core write on it.

The whole path is driven as an operator would, with every statement the desk sends from the
GUI thread recorded (tests/qt_helpers.py): a new candidate typed in, a photo taken, saved,
checked by the candidate, printed, confirmed, signed, unlocked by a supervisor, signed
again, and exported for the county.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from station import auth
from station.lifecycle import State
from station.photo.camera import FileCamera
from ui import i18n
from ui.main_window import MainWindow

from .factories import OPERATOR, record_for
from .qt_helpers import activate, idle, no_sql_on_gui_thread, settled, type_text
from .sync_fixtures import install, make_county
from .test_capture import _frame_folder
from .test_signing_walk import _the_whole_signing_path


@pytest.fixture(autouse=True)
def chinese(qapp) -> None:
    i18n.install("zh_CN")


def test_the_whole_desk_path_keeps_sql_off_the_gui_thread(
    qtbot, station_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from station.photo import duplicates, phash

    hashed: list[tuple[bytes, bool]] = []  # (the photo, on the GUI thread?)
    real_hash = phash.perceptual_hash

    def recording_hash(jpeg: bytes) -> str:
        hashed.append((jpeg, threading.current_thread() is threading.main_thread()))
        return real_hash(jpeg)

    monkeypatch.setattr(phash, "perceptual_hash", recording_hash)
    monkeypatch.setattr(duplicates, "_remembered", OrderedDict())  # nothing hashed before
    _keys, public = make_county(tmp_path / "county")
    install(station_dir, public)
    frames = _frame_folder(tmp_path, "camera")
    ctx = auth.login(station_dir, *OPERATOR)
    with no_sql_on_gui_thread(ctx.store) as gui_sql:
        window = MainWindow(ctx, camera=lambda: FileCamera(frames, fps=30))
        qtbot.addWidget(window)
        window.show()
        idle(qtbot)

        # A new candidate, typed in, with a live photo, saved.
        activate(qtbot, window)
        qtbot.keyClick(window.search, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        dialog = window.current_dialog
        form = dialog.form
        qtbot.waitUntil(lambda: form.ready, timeout=5000)
        values = record_for(31)
        type_text(form.inputs["name"], values["name"])
        qtbot.keyClicks(form.inputs["id_number"], values["id_number"])
        for name in ("ethnicity", "political_status", "household_division", "category"):
            form.inputs[name].set_value(values[name])
        form.inputs["school_code"].set_value(values["school_code"])
        type_text(form.inputs["school_name"], values["school_name"])
        qtbot.keyClicks(form.inputs["student_number"], values["student_number"])
        type_text(form.inputs["home_address"], values["home_address"])
        qtbot.keyClicks(form.inputs["phone"], values["phone"])
        type_text(form.inputs["guardian_name"], values["guardian_name"])
        form.inputs["guardian_relation"].set_value(values["guardian_relation"])
        qtbot.keyClicks(form.inputs["guardian_phone"], values["guardian_phone"])
        activate(qtbot, dialog)
        qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_F3)
        capture = form.photo_panel.capture_dialog
        qtbot.waitUntil(capture.capture_button.isEnabled, timeout=5000)
        qtbot.mouseClick(capture.capture_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: form.photo_panel.pending is not None, timeout=5000)
        # Hashed at once, off the GUI thread, while the operator goes on: the save finds it.
        taken = form.photo_panel.pending.jpeg
        qtbot.waitUntil(lambda: any(jpeg == taken for jpeg, _ in hashed), timeout=5000)
        assert (taken, True) not in hashed
        form.revalidate()
        assert form.save_button.isEnabled(), {
            n: e.text() for n, e in form.errors.items() if e.text()
        }
        activate(qtbot, dialog)
        qtbot.keyClick(form.inputs["phone"], Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda: form.candidate_id is not None, timeout=10_000)
        settled(qtbot, form)
        assert form.state == State.READY
        assert [jpeg for jpeg, _ in hashed].count(taken) == 1  # the save did not hash it again
        candidate_id = form.candidate_id
        idle(qtbot)
        assert values["name"] in [r.name for r in window.model.all_rows]

        # Checked by the candidate, printed, confirmed, signed, unlocked, signed again.
        _the_whole_signing_path(qtbot, ctx, candidate_id)

        # Exported for the county, to a folder.
        usb = tmp_path / "usb"
        usb.mkdir()
        export = window.export_batches()
        qtbot.waitUntil(lambda: export.estimated, timeout=5000)
        export.choose_folder(str(usb))
        assert export.records == 1 and export.export_button.isEnabled()
        export.export()
        qtbot.waitUntil(lambda: bool(export.written), timeout=30_000)
        idle(qtbot)
    assert gui_sql == []
    assert list(usb.iterdir())
    ctx.close()


def test_the_record_keeps_what_the_desk_would_send_from_the_gui_thread(qtbot, admin_ctx) -> None:
    # The check above can fail: work run on the GUI thread (here an operation's runner
    # called directly, as a careless widget would) is recorded with where it came from.
    from station import queries
    from ui.operations import Operation, _Runner

    with no_sql_on_gui_thread(admin_ctx.store) as gui_sql:
        op = Operation(lambda _p: queries.queue_rows(admin_ctx))
        _Runner(op).run()
        qtbot.waitUntil(lambda: not op.running, timeout=3000)
    assert gui_sql and all("operations.py" in line for line in gui_sql)
