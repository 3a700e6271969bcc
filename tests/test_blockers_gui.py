"""The desk says why a selected record is stuck: the operator clicks a line of the queue and
reads, under it, what keeps that record in its state and who must act."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from station import auth, records
from station.photo.stored import PhotoInput, placeholder_jpeg
from ui import i18n
from ui.main_window import MainWindow

from .factories import OPERATOR, record_for
from .qt_helpers import idle, no_sql_on_gui_thread
from .test_blockers import look_alike, portrait_jpeg

PHOTO = PhotoInput(placeholder_jpeg(), "camera", quality_ok=True)


@pytest.fixture(autouse=True)
def chinese(qapp) -> None:
    i18n.install("zh_CN")


@pytest.fixture
def numbers(station_dir: Path) -> dict[str, str]:
    """报名号 of: a photo's original, its look-alike, a record waiting for the candidate."""
    good_jpeg = portrait_jpeg()
    with auth.login(station_dir, *OPERATOR) as ctx:
        original = records.create(ctx, record_for(1), PhotoInput(good_jpeg, "camera", True))
        copy = records.create(ctx, record_for(2), PhotoInput(look_alike(good_jpeg), "camera", True))
        waiting = records.create(ctx, record_for(3), PHOTO)
    return {
        "original": original.registration_no,
        "copy": copy.registration_no,
        "waiting": waiting.registration_no,
    }


def _click_row(qtbot, window: MainWindow, registration_no: str) -> None:
    row = next(i for i, r in enumerate(window.model.rows) if r.registration_no == registration_no)
    rect = window.table.visualRect(window.model.index(row, 0))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_selecting_a_record_says_what_keeps_it_there(
    qtbot, station_dir: Path, numbers: dict[str, str]
) -> None:
    ctx = auth.login(station_dir, *OPERATOR)
    with no_sql_on_gui_thread(ctx.store) as gui_sql:
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        window.show()
        idle(qtbot)
        why = window.findChild(QLabel, "why")
        assert why.text() == ""  # nothing selected yet

        _click_row(qtbot, window, numbers["copy"])
        qtbot.waitUntil(lambda: "高度相似" in why.text(), timeout=5000)
        assert why.text().startswith("为何停在此状态")
        assert f"照片与报名号 {numbers['original']} 的照片高度相似" in why.text()
        assert "审核员" in why.text()

        _click_row(qtbot, window, numbers["waiting"])
        qtbot.waitUntil(lambda: "考生本人" in why.text(), timeout=5000)
        assert "高度相似" not in why.text()
        assert "等待考生本人在考生屏上核对信息" in why.text()
        assert "尚未打印报名登记表" in why.text()

        # The candidate checks and sets a password, the form is printed (at the open record):
        # the save announces the record, and the line under the queue follows.
        with ctx.store.session() as s:
            c = records.get(s, window.why_for)
            records.record_review_in(s, ctx, c)
            records.record_password_in(s, ctx, c, "$argon2id$placeholder")
            records.record_printed_in(s, ctx, c)
        window.candidate_changed(window.why_for)
        qtbot.waitUntil(lambda: "可进入下一步" in why.text(), timeout=5000)
        assert "确认（F8）" in why.text()

        # A search that hides the selected line leaves nothing said about it.
        window.search.setText(numbers["original"])
        assert why.text() == "" and window.why_for is None
        idle(qtbot)
    assert gui_sql == []
    ctx.close()


def test_the_sentence_follows_the_desk_language(
    qtbot, station_dir: Path, numbers: dict[str, str]
) -> None:
    i18n.install("en")
    ctx = auth.login(station_dir, *OPERATOR)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    idle(qtbot)
    _click_row(qtbot, window, numbers["copy"])
    why = window.findChild(QLabel, "why")
    qtbot.waitUntil(lambda: "supervisor" in why.text(), timeout=5000)
    assert why.text().startswith("What keeps the record in this state")
    assert f"The photo closely resembles that of {numbers['original']}" in why.text()
    idle(qtbot)
    ctx.close()
