"""Work off the GUI thread keeps its order and its meaning: what the operator or the candidate
does while earlier work is still running neither overtakes it nor contradicts it, and the
store closes only after everything that uses it has ended."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit, QPushButton

from station import auth, drafts, records, seeding
from ui import i18n, operations
from ui.app import Desk
from ui.candidate_form import CandidateForm
from ui.main_window import MainWindow

from .factories import ADMIN, OPERATOR
from .qt_helpers import idle, opened, type_text


@pytest.fixture(autouse=True)
def chinese(qapp) -> None:
    i18n.install("zh_CN")


def _slowly(monkeypatch: pytest.MonkeyPatch, module: object, name: str, seconds: float) -> None:
    original = getattr(module, name)

    def slow(*args: object, **kwargs: object) -> object:
        time.sleep(seconds)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


def test_kept_typing_never_outlives_a_deliberate_close(
    qtbot, station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slowly(monkeypatch, drafts, "keep", 0.3)  # a slow disk: the keep is still running
    ctx = auth.login(station_dir, *OPERATOR)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    idle(qtbot)
    dialog = window.new_candidate()
    type_text(dialog.form.findChild(QLineEdit, "name"), "李四")
    assert dialog.form.keep_unsaved()
    dialog.reject()  # closed on purpose while the keep runs: the discard comes after it
    idle(qtbot)
    assert drafts.take(ctx) is None
    ctx.close()


def test_the_candidate_cannot_say_wrong_after_all_correct_is_being_stored(
    qtbot, station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with auth.login(station_dir, *ADMIN) as admin:
        (candidate_id,) = seeding.seed(admin, 1, "ready", rng_seed=31)
    _slowly(monkeypatch, records, "record_review", 0.3)
    ctx = auth.login(station_dir, *OPERATOR)
    form = opened(qtbot, CandidateForm(ctx, candidate_id))
    form.lifecycle.candidate_check()
    qtbot.waitUntil(lambda: form.lifecycle.candidate_view is not None, timeout=5000)
    view = form.lifecycle.candidate_view
    last = len(view.groups) - 1
    for i in range(last):
        view.findChild(QPushButton, f"right{i}").click()
    view.findChild(QPushButton, f"right{last}").click()
    view.answer(last, False)  # a second answer while "all correct" is stored: ignored
    qtbot.waitUntil(lambda: view.pages.currentWidget() is view.password_page, timeout=5000)
    assert view.wrong == []
    view.done(0)
    idle(qtbot)
    ctx.close()


def test_a_switch_to_a_locked_record_keeps_saying_why(qtbot, station_dir: Path) -> None:
    with auth.login(station_dir, *ADMIN) as admin:
        (signed,) = seeding.seed(admin, 1, "signed", rng_seed=32)
        with admin.store.read() as s:
            number = records.get(s, signed).id_number
    ctx = auth.login(station_dir, *OPERATOR)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    idle(qtbot)
    form = window.new_candidate().form
    form.inputs["id_number"].setText(number)
    form.revalidate()
    qtbot.waitUntil(lambda: window.current_dialog.form is not form, timeout=5000)
    existing = window.current_dialog.form
    qtbot.waitUntil(lambda: existing.session.record is not None, timeout=5000)
    idle(qtbot)
    assert "已在本报名点登记" in existing.banner.text() and "锁定" in existing.banner.text()
    ctx.close()


def test_logout_starts_nothing_new_and_closes_the_store_last(
    qtbot, station_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from station import backup

    _slowly(monkeypatch, backup, "auto_backup", 0.5)
    desk = Desk(station_dir)
    window = desk.open_main(auth.login(station_dir, *OPERATOR))  # deleted at the logout
    idle(qtbot)
    dialog = window.new_candidate()
    type_text(dialog.form.findChild(QLineEdit, "name"), "王五")
    op = desk.logout()
    assert op is not None and not window.isEnabled()  # no more input from the operator
    late = window.candidate_changed(1)  # a report arriving meanwhile: nothing starts
    assert not late.running
    qtbot.waitUntil(lambda: desk.window is None, timeout=15_000)
    assert not operations.busy()
    assert desk.login is not None and desk.login.isVisible()
    with auth.login(station_dir, *OPERATOR) as again:  # closed cleanly: typing discarded
        assert drafts.take(again) is None
    desk.login.close()
