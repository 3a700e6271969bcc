"""Exporting for the county at the desk: removable drives, no room refused before writing,
progress, and checking a printed form with a barcode scanner."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from station import records, seeding
from station.lifecycle import State
from sync.drives import Drive, removable_drives
from ui import i18n
from ui.export_dialog import ExportDialog
from ui.main_window import MainWindow

from .qt_helpers import idle
from .sync_fixtures import install, login, make_county, make_station


@pytest.fixture(autouse=True)
def chinese(qapp) -> None:
    i18n.install("zh_CN")


@pytest.fixture
def station(tmp_path: Path) -> Path:
    directory = make_station(tmp_path, 1)
    _keys, public = make_county(tmp_path / "county")
    install(directory, public)
    with login(directory) as ctx:
        seeding.seed(ctx, 4, "signed", rng_seed=8)
    return directory


def test_removable_drives_from_mounts(tmp_path: Path) -> None:
    media = tmp_path / "media"
    for name in ("stick", "internal", "guess"):
        (media / name).mkdir(parents=True)
    sys_block = tmp_path / "sys"
    for disk, flag in (("sdb", "1"), ("sda", "0")):
        (sys_block / disk).mkdir(parents=True)
        (sys_block / disk / "removable").write_text(flag + "\n")
    mounts = "\n".join(
        [
            "/dev/sda1 / ext4 rw 0 0",
            f"/dev/sdb1 {media}/stick vfat rw 0 0",  # removable per /sys
            f"/dev/sda2 {media}/internal ext4 rw 0 0",  # a fixed disk
            f"/dev/sdc1 {media}/guess exfat rw 0 0",  # /sys silent: a USB file system
            "/dev/sdb2 /home/user vfat rw 0 0",  # not where drives are mounted
        ]
    )
    found = removable_drives(mounts, sys_block, roots=(f"{media}/",))
    assert [d.label for d in found] == ["stick", "guess"]
    assert all(d.free_bytes > 0 for d in found)


def test_a_drive_without_room_is_refused_before_writing(
    qtbot, station: Path, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    with login(station) as ctx:
        dialog = ExportDialog(ctx, drives=[Drive(stick, "U盘", 1_000)])
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.estimated, timeout=5000)
        assert dialog.records == 4 and dialog.needed > 1_000
        assert not dialog.export_button.isEnabled()
        assert "空间" in dialog.findChild(QLabel, "exportProblem").text()
        dialog.export()
        assert list(stick.iterdir()) == []


def test_every_line_of_the_export_dialog_is_read_whole(qtbot, station: Path) -> None:
    """The dialog was sized while it still counted: the count and the red "no drive" line,
    which came after, showed only their lower halves, and a folder chosen showed as
    "/tmp/new…"."""
    with login(station) as ctx:
        dialog = ExportDialog(ctx, drives=[])
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.estimated, timeout=5000)
        idle(qtbot)
        for name in ("exportSummary", "exportProblem"):
            label = dialog.findChild(QLabel, name)
            assert label.text()
            assert label.height() >= label.heightForWidth(label.width()), name
        folder = station.parent / "a folder with a rather long name" / "for the county batches"
        folder.mkdir(parents=True)
        dialog.choose_folder(str(folder))
        idle(qtbot)
        target = dialog.target
        start = target.currentText().split("(")[0]  # its name and free room, then its path
        assert folder.name in start and "MB" in start
        assert target.fontMetrics().horizontalAdvance(start) <= target.width()
        assert target.toolTip() == str(folder)
        dialog.choose_folder(str(folder / "gone"))  # removed meanwhile: said, not ignored
        assert "gone" in dialog.findChild(QLabel, "exportProblem").text()
        assert not dialog.export_button.isEnabled()


def test_a_folder_refused_leaves_the_drive_to_pick_again(
    qtbot, station: Path, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    with login(station) as ctx:
        dialog = ExportDialog(ctx, drives=[Drive(stick, "U盘", 10**10)])
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.estimated, timeout=5000)
        assert dialog.export_button.isEnabled()
        dialog.choose_folder(str(tmp_path / "gone"))
        assert not dialog.export_button.isEnabled()
        # The drive is still the one chosen: picking it again (no change of index) checks it.
        qtbot.mouseClick(dialog.target, Qt.MouseButton.LeftButton)
        qtbot.keyClick(dialog.target.view(), Qt.Key.Key_Return)
        idle(qtbot)
        assert dialog.export_button.isEnabled()
        assert dialog.findChild(QLabel, "exportProblem").text() == ""


def test_export_writes_checked_batches_and_marks_records(
    qtbot, station: Path, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    with login(station) as ctx:
        dialog = ExportDialog(ctx, drives=[Drive(stick, "U盘", 10**10)])
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.estimated, timeout=5000)
        assert dialog.export_button.isEnabled()
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(dialog.written), timeout=15_000)
        assert [p.suffix for p in dialog.written] == [".zkb"]
        assert all(p.exists() for p in dialog.written)
        with ctx.store.read() as s:
            assert set(records.count_by_state(s)) == {State.EXPORTED.value}


def test_paper_form_check_with_a_scanner(qtbot, station: Path) -> None:
    from station.form.service import print_form

    with login(station) as ctx:
        with ctx.store.read() as s:
            first = records.list_candidates(s)[0].id
        printed = print_form(ctx, first)
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        dialog = window.check_paper_form()
        scan = dialog.findChild(QLineEdit, "qrInput")
        qtbot.keyClicks(scan, printed.qr_text)
        qtbot.keyClick(scan, Qt.Key.Key_Return)
        idle(qtbot)
        result = dialog.findChild(QLabel, "qrResult").text()
        assert result and "#2e7d32" in dialog.findChild(QLabel, "qrResult").styleSheet()
        scan.clear()
        qtbot.keyClicks(scan, "ZK1|nothing|1|" + "0" * 64)
        qtbot.keyClick(scan, Qt.Key.Key_Return)
        idle(qtbot)
        assert "#b00020" in dialog.findChild(QLabel, "qrResult").styleSheet()
        dialog.close()


def test_county_key_from_the_settings_screen(qtbot, tmp_path: Path) -> None:
    from ui.settings_dialog import SettingsDialog

    directory = make_station(tmp_path, 2)
    keys, public = make_county(tmp_path / "county")
    with login(directory) as ctx:
        dialog = SettingsDialog(ctx)
        qtbot.addWidget(dialog)
        idle(qtbot)
        assert "未安装" in dialog.county_key.text()
        dialog.install_county_key(str(public))
        idle(qtbot)
        assert keys.public.fingerprint in dialog.county_key.text()
        assert "电话" in dialog.county_key.text()
