"""The ways out at the desk: restore a station from a backup on a spare PC, write a lost
batch again, resync with the county's state (driven as an operator would)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from station import auth, backup, records, seeding
from sync import station_side
from sync.county import ingest
from sync.county.registry import station_state
from ui import i18n
from ui.batches_dialog import BatchesDialog
from ui.restore_dialog import RestoreDialog

from .factories import ADMIN
from .qt_helpers import activate, idle, type_text
from .sync_fixtures import county_beside, login, make_station


@pytest.fixture(autouse=True)
def chinese(qapp) -> None:
    i18n.install("zh_CN")


def _ok(dialog: RestoreDialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_restore_on_a_spare_pc_from_the_desk(qtbot, tmp_path: Path) -> None:
    station = make_station(tmp_path, 13)
    with login(station) as ctx:
        seeding.seed(ctx, 2, "signed", rng_seed=1)
        made = backup.make_backup(ctx, tmp_path / "b.zkbackup").path
    spare = tmp_path / "spare"
    dialog = RestoreDialog(spare)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.replace_box.isVisible()  # nothing here to replace
    type_text(dialog.file_edit, str(made))
    activate(qtbot, dialog)
    dialog.file_edit.setFocus()
    qtbot.keyClick(dialog.file_edit, Qt.Key.Key_Return)  # on to the login: nothing started yet
    qtbot.waitUntil(dialog.findChild(QLineEdit, "login").hasFocus, timeout=3000)
    assert dialog.operation is None and dialog.status.text() == ""
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)  # no login yet: only back to it
    assert dialog.operation is None and dialog.findChild(QLineEdit, "login").hasFocus()
    type_text(dialog.findChild(QLineEdit, "login"), ADMIN[0])
    type_text(dialog.findChild(QLineEdit, "password"), "wrong-password")
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.error_label.text()), timeout=10_000)
    assert "打不开这个备份" in dialog.error_label.text()
    assert not (spare / "station.db").exists()
    type_text(dialog.findChild(QLineEdit, "password"), ADMIN[1])
    with qtbot.waitSignal(dialog.accepted, timeout=20_000):
        qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert "410105-13" in dialog.result_text
    with auth.login(spare, *ADMIN) as ctx, ctx.store.read() as s:
        assert records.count_by_state(s) == {"signed": 2}


def test_a_lost_batch_is_written_again_and_a_restored_station_resyncs(
    qtbot, tmp_path: Path
) -> None:
    station = make_station(tmp_path, 14)
    keys, engine = county_beside(tmp_path, station)
    usb = tmp_path / "usb"
    usb.mkdir()
    with login(station) as ctx:
        seeding.seed(ctx, 2, "signed", rng_seed=2)
        (lost,) = station_side.export_batches(ctx, usb)
    lost.unlink()

    ctx = auth.login(station, *ADMIN)
    dialog = BatchesDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    idle(qtbot)
    assert dialog.table.item(0, 1).text() == "尚无回执"
    assert not dialog.resend_button.isEnabled()  # nothing selected yet
    dialog.table.selectRow(0)
    assert dialog.resend_button.isEnabled()
    op = dialog.resend(folder=usb)
    qtbot.waitUntil(lambda: not op.running, timeout=10_000)
    assert lost.exists() and "重新写出" in dialog.result_box.text()
    (outcome,) = ingest.ingest_files(
        engine,
        keys,
        [lost],
        pending_dir=tmp_path / "county" / "pending",
        receipts_dir=tmp_path / "county" / "receipts",
    )
    assert outcome.status == "ok"

    state = tmp_path / "state.json"
    station_state(engine, keys, "410105-14", state)
    op = dialog.resync(state_file=state)
    qtbot.waitUntil(lambda: not op.running, timeout=10_000)
    idle(qtbot)
    assert "一致" in dialog.result_box.text() and "2 条记录" in dialog.result_box.text()
    assert dialog.table.item(0, 1).text() == "已回执"  # the receipt lost on the way, made good
    ctx.close()
    engine.dispose()


def test_receipts_brought_on_a_usb_drive_are_taken_at_the_desk(
    qtbot, tmp_path: Path, monkeypatch
) -> None:
    """A point without network: the county's receipts come back on the USB drive and the
    desk finds them there, or takes those the operator picks (it had no way to; only
    `station batch ack` in a terminal)."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from sync.drives import Drive

    station = make_station(tmp_path, 15)
    keys, engine = county_beside(tmp_path, station)
    usb = tmp_path / "usb"
    usb.mkdir()
    with login(station) as ctx:
        seeding.seed(ctx, 2, "signed", rng_seed=3)
        (first,) = station_side.export_batches(ctx, usb)
        seeding.seed(ctx, 1, "signed", rng_seed=4)
        (second,) = station_side.export_batches(ctx, usb)
    outcomes = ingest.ingest_files(
        engine,
        keys,
        [first, second],
        pending_dir=tmp_path / "county" / "pending",
        receipts_dir=usb / "receipts",  # the county's folder, copied onto the drive
    )
    engine.dispose()
    receipts = [o.receipt for o in outcomes]
    assert all(r is not None and r.name.endswith(".receipt.json") for r in receipts)

    ctx = auth.login(station, *ADMIN)
    dialog = BatchesDialog(ctx, drives=[Drive(usb, "U盘", 10**10)])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.found_button.isVisible(), timeout=10_000)
    assert [dialog.table.item(r, 1).text() for r in range(2)] == ["尚无回执", "尚无回执"]
    assert "2 份县区回执" in dialog.found_label.text()
    made = dialog.table.item(0, 3).text()  # the time on one line
    assert dialog.table.fontMetrics().horizontalAdvance(made) < dialog.table.columnWidth(3)

    picked = [receipts[0], first]  # the batch picked with it by mistake
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(p) for p in picked], "")
    )
    qtbot.mouseClick(dialog.receipts_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.operation.running, timeout=10_000)
    qtbot.waitUntil(lambda: not dialog.loading.running, timeout=10_000)
    said = dialog.result_box.text()
    assert dialog.result_box.icon() == QMessageBox.Icon.Warning  # one file was refused
    assert "批次 #1，2 条记录县区已接收" in said
    assert f"{first.name}：被拒绝" in said and "不是县区回执" in said
    assert "1 份县区回执" in dialog.found_label.text()  # #2's is still on the drive

    qtbot.mouseClick(dialog.found_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.operation.running, timeout=10_000)
    qtbot.waitUntil(lambda: not dialog.loading.running, timeout=10_000)
    assert "批次 #2，1 条记录县区已接收" in dialog.result_box.text()
    assert [dialog.table.item(r, 1).text() for r in range(2)] == ["已回执", "已回执"]
    assert not dialog.found_button.isVisible()  # nothing left to take

    picked = receipts[:1]  # the same receipt again: nothing changes, and it says so
    qtbot.mouseClick(dialog.receipts_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.operation.running, timeout=10_000)
    assert "早已确认" in dialog.result_box.text()
    assert dialog.result_box.icon() == QMessageBox.Icon.Information
    ctx.close()


def test_the_desk_offers_restore_when_there_is_no_station(
    qtbot, tmp_path: Path, monkeypatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from ui import app

    chosen: list[str] = []

    def click_restore(box: QMessageBox) -> int:
        buttons = [b for b in box.buttons() if "恢复" in b.text()]
        chosen.append(box.text())
        box.clickedButton = lambda: buttons[0]  # type: ignore[method-assign]
        return 0

    monkeypatch.setattr(QMessageBox, "exec", click_restore)
    monkeypatch.setattr(RestoreDialog, "exec", lambda self: RestoreDialog.DialogCode.Rejected)
    assert app.offer_restore(tmp_path) is False
    assert "从备份恢复报名点" in chosen[0]
