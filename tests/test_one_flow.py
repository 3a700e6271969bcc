"""One candidate, one window: the form stays open from the first field to the signed record,
shows its steps, names its problems and lets the keys flow in paper order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from station import auth, seeding
from station.idcard.demo import DemoReader
from ui import i18n
from ui.candidate_form import CandidateForm
from ui.main_window import MainWindow
from ui.step_bar import Step

from .factories import ADMIN, OPERATOR, record_of_card
from .qt_helpers import activate, idle, opened, type_text


@pytest.fixture(autouse=True)
def chinese(qapp) -> None:
    i18n.install("zh_CN")


def test_required_fields_are_marked_and_problems_are_links_to_their_fields(
    qtbot, admin_ctx
) -> None:
    form = opened(qtbot, CandidateForm(admin_ctx))
    captions = {
        label.buddy().objectName(): label.text()
        for label in form.findChildren(QLabel)
        if label.buddy() is not None
    }
    assert captions["name"].endswith("*") and captions["phone"].endswith("*")
    assert not captions["school_name"].endswith("*")  # required only for some candidates
    type_text(form.inputs["name"], "李雷")
    form.revalidate()
    text = form.summary.text()
    assert 'href="id_number"' in text and "证件号码" in text and 'href="name"' not in text
    form.summary.linkActivated.emit("phone")
    assert QApplication.focusWidget() is form.inputs["phone"]
    assert form.steps.current.next is Step.DATA and "处问题" in form.steps.why.text()


def test_enter_on_a_list_choice_takes_it_and_moves_on(qtbot, admin_ctx) -> None:
    form = opened(qtbot, CandidateForm(admin_ctx))
    activate(qtbot, form)
    combo = form.inputs["ethnicity"]
    line = combo.lineEdit()
    type_text(line, "回")
    popup = combo.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=3000)
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    political = form.inputs["political_status"]
    qtbot.waitUntil(
        lambda: QApplication.focusWidget() in (political, political.lineEdit()), timeout=3000
    )
    assert combo.value() == "03"  # 回族
    focused = QApplication.focusWidget()
    type_text(focused, "团")  # typed into the next field, not appended to 回族
    assert combo.value() == "03"


def test_the_form_stays_open_through_the_steps_and_ctrl_n_starts_the_next(
    qtbot, station_dir: Path
) -> None:
    with auth.login(station_dir, *ADMIN) as admin:
        (candidate_id,) = seeding.seed(admin, 1, "confirmed", rng_seed=61)
    ctx = auth.login(station_dir, *OPERATOR)
    window = MainWindow(ctx, DemoReader(today=dt.date(2026, 11, 29)))
    qtbot.addWidget(window)
    window.show()
    idle(qtbot)
    dialog = window.open_candidate(candidate_id)
    form = dialog.form
    qtbot.waitUntil(lambda: form.session.record is not None, timeout=5000)
    idle(qtbot)
    assert form.steps.current.next is Step.SIGN
    assert form.steps.labels[Step.PRINT].text().startswith("✔")
    # Signed from the step bar's next button; the window stays open, now showing "next".
    form.steps.next_button.click()
    qtbot.waitUntil(lambda: form.lifecycle.sign_dialog is not None, timeout=3000)
    sign = form.lifecycle.sign_dialog
    sign.attest.setChecked(True)
    qtbot.keyClicks(sign.box, "2")
    qtbot.keyClicks(sign.page, "5")
    sign.sign()
    idle(qtbot)
    assert dialog.isVisible() and form.steps.current.next is Step.NEXT
    activate(qtbot, dialog)
    qtbot.keyClick(form, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.current_dialog is not dialog, timeout=3000)
    assert not dialog.isVisible() and window.current_dialog.form.candidate_id is None
    idle(qtbot)
    row = next(r for r in window.model.all_rows if r.id == candidate_id)
    assert row.state == "signed"  # the queue followed, line by line
    window.current_dialog.reject()
    idle(qtbot)
    ctx.close()


def test_the_form_prints_in_one_action_where_the_station_prints(
    qtbot, station_dir: Path, tmp_path: Path
) -> None:
    from station import records
    from station import settings as settings_mod

    with auth.login(station_dir, *ADMIN) as admin:
        (candidate_id,) = seeding.seed(admin, 1, "ready", rng_seed=62)
    folder = tmp_path / "printed"
    folder.mkdir()
    ctx = auth.login(station_dir, *OPERATOR)
    ctx.settings.printer = f"pdf:{folder}"
    form = opened(qtbot, CandidateForm(ctx, candidate_id))
    activate(qtbot, form)
    qtbot.keyClick(form, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(folder.iterdir()), timeout=15_000)
    idle(qtbot)
    assert form.lifecycle.preview is None  # no detour through the preview
    (pdf,) = folder.iterdir()
    assert pdf.read_bytes()[:4] == b"%PDF" and str(folder) in form.lifecycle.print_note.text()
    with ctx.store.read() as s:
        assert records.get(s, candidate_id).form_printed_at is not None
    # With nowhere to print, the preview says why; a printer chosen there is remembered.
    ctx.settings.printer = f"pdf:{tmp_path / 'gone'}"
    form.lifecycle.print_form()
    qtbot.waitUntil(lambda: form.lifecycle.preview is not None, timeout=15_000)
    preview = form.lifecycle.preview
    assert "打印机" in preview.note.text()
    preview.printed.emit("Office-Laser")
    idle(qtbot)
    assert settings_mod.load(station_dir).printer == "Office-Laser"
    preview.accept()
    idle(qtbot)
    ctx.close()


def test_unsaved_typing_holds_the_form_and_survives_a_reload(qtbot, station_dir: Path) -> None:
    with auth.login(station_dir, *ADMIN) as admin:
        (candidate_id,) = seeding.seed(admin, 1, "ready", rng_seed=63)
    ctx = auth.login(station_dir, *OPERATOR)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    idle(qtbot)
    dialog = window.open_candidate(candidate_id)
    form = dialog.form
    qtbot.waitUntil(lambda: form.session.record is not None, timeout=5000)
    idle(qtbot)
    form.inputs["phone"].setText("13912345678")
    form.revalidate()
    assert form.keep_unsaved()  # the draft keeper ran: the typing is still not saved
    assert form.steps.current.next is Step.DATA  # not "done": it is not stored yet
    form.session.reload()  # a reload (after a photo, a print...) keeps what was typed
    idle(qtbot)
    assert form.inputs["phone"].text() == "13912345678"
    activate(qtbot, dialog)
    qtbot.keyClick(form, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.wait(100)
    assert window.current_dialog is dialog and dialog.isVisible()  # nothing thrown away
    dialog.reject()
    idle(qtbot)
    ctx.close()


def test_a_card_read_for_a_roster_candidate_opens_it_and_keeps_the_card_fields(
    qtbot, station_dir: Path
) -> None:
    from station import records

    reader = DemoReader(today=dt.date(2026, 11, 29))
    card = DemoReader(today=dt.date(2026, 11, 29)).read_card()
    with auth.login(station_dir, *ADMIN) as admin:  # as a roster import stores it
        roster = record_of_card(card, 64)
        saved = records.create(admin, roster, source="roster")
    ctx = auth.login(station_dir, *OPERATOR)
    window = MainWindow(ctx, reader)
    qtbot.addWidget(window)
    window.show()
    idle(qtbot)
    window.new_from_card()  # F2 on the queue: the card belongs to the roster's record
    qtbot.waitUntil(lambda: window.current_dialog.form.candidate_id == saved.id, timeout=5000)
    form = window.current_dialog.form
    qtbot.waitUntil(lambda: form.inputs["name"].isReadOnly(), timeout=5000)
    idle(qtbot)
    assert form.dirty and form.steps.current.next is Step.DATA  # the provenance to store
    form.save()
    idle(qtbot)
    with ctx.store.read() as s:
        assert "id_number" in records.card_fields_of(records.get(s, saved.id))
    window.current_dialog.reject()
    idle(qtbot)
    ctx.close()


class _CardOnce:
    """A reader the desk can watch: one card placed on it, then nothing (a reader does not
    read a card again until it has been lifted)."""

    polls = True

    def __init__(self, card: object) -> None:
        self.cards = [card]

    def read_card(self, timeout: float = 5.0) -> object:
        from station.idcard.reader import NoCard

        if not self.cards:
            raise NoCard()
        return self.cards.pop()


@pytest.mark.parametrize("on_the_roster", [False, True])
def test_a_card_placed_on_the_reader_starts_its_record_without_a_key(
    qtbot, station_dir: Path, monkeypatch: pytest.MonkeyPatch, on_the_roster: bool
) -> None:
    from station import records
    from ui import main_window

    card = DemoReader(today=dt.date(2026, 11, 29)).read_card()
    existing = None
    if on_the_roster:
        with auth.login(station_dir, *ADMIN) as admin:
            roster = record_of_card(card, 65)
            existing = records.create(admin, roster, source="roster").id
    monkeypatch.setattr(main_window, "CARD_WATCH_MS", 50)
    ctx = auth.login(station_dir, *OPERATOR)
    window = MainWindow(ctx, _CardOnce(card))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.current_dialog is not None, timeout=5000)  # no key pressed
    form = window.current_dialog.form
    qtbot.waitUntil(lambda: form.inputs["id_number"].text() == card.id_number, timeout=5000)
    assert form.candidate_id == existing
    assert form.inputs["name"].isReadOnly() and "name" in form.card_fields
    window.current_dialog.reject()
    idle(qtbot)
    ctx.close()


def test_enter_moves_on_in_the_sign_and_unlock_dialogs(qtbot, station_dir: Path) -> None:
    from PySide6.QtWidgets import QApplication

    from ui.record_actions import SignDialog, UnlockDialog

    with auth.login(station_dir, *ADMIN) as admin:
        (candidate_id,) = seeding.seed(admin, 1, "confirmed", rng_seed=66)
    ctx = auth.login(station_dir, *OPERATOR)
    form = opened(qtbot, CandidateForm(ctx, candidate_id))
    sign = SignDialog(form.session, form)
    sign.show()
    activate(qtbot, sign)
    sign.attest.setChecked(True)
    sign.box.setFocus()
    qtbot.keyClicks(sign.box, "3")
    qtbot.keyClick(sign.box, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is sign.page and not sign.error.text()  # not signed yet
    qtbot.keyClicks(sign.page, "17")
    qtbot.keyClick(sign.page, Qt.Key.Key_Return)  # the last field's Enter signs
    idle(qtbot)
    assert form.state == "signed"
    unlock = UnlockDialog(form.session, form)
    unlock.show()
    activate(qtbot, unlock)
    unlock.login.setFocus()
    qtbot.keyClicks(unlock.login, "shenhe")
    qtbot.keyClick(unlock.login, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is unlock.password and not unlock.error.text()
    unlock.reject()
    idle(qtbot)
    ctx.close()


def test_a_preview_closed_without_printing_prints_nothing(
    qtbot, station_dir: Path, tmp_path: Path
) -> None:
    from station import records

    with auth.login(station_dir, *ADMIN) as admin:
        (candidate_id,) = seeding.seed(admin, 1, "ready", rng_seed=67)
    ctx = auth.login(station_dir, *OPERATOR)
    ctx.settings.printer = f"pdf:{tmp_path / 'nowhere'}"
    form = opened(qtbot, CandidateForm(ctx, candidate_id))
    form.lifecycle.print_form()
    qtbot.waitUntil(lambda: form.lifecycle.preview is not None, timeout=15_000)
    form.lifecycle.preview.accept()  # looked at, not printed
    idle(qtbot)
    with ctx.store.read() as s:
        assert records.get(s, candidate_id).form_printed_at is None
    assert not form.lifecycle.confirm_button.isEnabled()
    ctx.close()


def test_an_unsaved_record_offers_no_later_step_and_says_why(qtbot, station_dir: Path) -> None:
    with auth.login(station_dir, *ADMIN) as admin:
        (ready,) = seeding.seed(admin, 1, "ready", rng_seed=68)
    ctx = auth.login(station_dir, *OPERATOR)
    new = opened(qtbot, CandidateForm(ctx))
    bar = new.lifecycle
    for button in (bar.check_button, bar.print_button, bar.confirm_button, bar.sign_button):
        assert not button.isEnabled()  # F4, Ctrl+P, F8 and F9 do nothing here...
    assert new.steps.current.next is Step.DATA and new.steps.why.text()  # ...and it says why
    # A stored record, opened again, shows what is still to do before confirming.
    again = opened(qtbot, CandidateForm(ctx, ready))
    assert again.lifecycle.checklist.isVisibleTo(again)
    assert "考生已核对" in again.lifecycle.checklist.text()
    ctx.close()
