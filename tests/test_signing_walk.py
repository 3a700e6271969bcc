"""The whole path at the desk, as operator, candidate and supervisor drive it:

ready record → candidate screen (groups confirmed, an ID-derived password refused, then a
good one) → print → confirm → sign → locked (edit refused) → supervisor unlock with a reason
→ version 2 → print (it says it replaces version 1) → sign again.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton
from sqlalchemy import select

from station import auth, records, seeding
from station.errors import TransitionRefused
from station.lifecycle import State
from station.models import AuditEvent
from ui import i18n
from ui.candidate_form import CandidateForm

from .factories import ADMIN, OPERATOR, SUPERVISOR
from .qt_helpers import no_sql_on_gui_thread, opened, settled, type_text


@pytest.fixture(autouse=True)
def chinese(qapp) -> None:
    i18n.install("zh_CN")


def _pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _candidate_check(qtbot, form: CandidateForm, password_attempts: list[str]) -> None:
    qtbot.mouseClick(form.lifecycle.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.lifecycle.candidate_view is not None, timeout=5000)
    view = form.lifecycle.candidate_view
    for i in range(len(view.groups)):
        _click(qtbot, view.findChild(QPushButton, f"right{i}"))
    qtbot.waitUntil(lambda: view.pages.currentWidget() is view.password_page, timeout=5000)
    for attempt in password_attempts:
        view.password.clear()
        view.confirm.clear()
        qtbot.keyClicks(view.password, attempt)
        qtbot.keyClicks(view.confirm, attempt)
        # The operator's screen shows only dots and the meter.
        qtbot.waitUntil(
            lambda a=attempt: form.lifecycle.mirror.dots.text() == "●" * len(a), timeout=3000
        )
        assert attempt not in form.lifecycle.mirror.dots.text()
        type_text(view.answer_edit, "王老师")
        _click(qtbot, view.done_button)
        # Checked and stored off the GUI thread; the button comes back when it is done.
        qtbot.waitUntil(lambda: view.done_button.isEnabled(), timeout=10000)
        if view.confirmed:
            break
        assert view.reasons.text()  # why it was refused, in words
        form.last_refusal = view.reasons.text()
    assert view.confirmed
    qtbot.keyClicks(view.findChild(QLineEdit, "operatorPin"), OPERATOR[1])
    qtbot.keyClick(view.findChild(QLineEdit, "operatorPin"), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=3000)
    settled(qtbot, form)


def _print(qtbot, form: CandidateForm) -> bytes:
    _click(qtbot, form.lifecycle.print_button)
    # Rendered off the GUI thread: the preview opens when the PDF is ready.
    qtbot.waitUntil(lambda: form.lifecycle.preview is not None, timeout=15000)
    preview = form.lifecycle.preview
    assert preview.pages == 1
    pdf = preview.pdf
    # No printer here: the system's print dialog cannot be driven offscreen; it reports the
    # printer it printed on, as PrintPreview.print_pdf does, and only then the form counts.
    preview.printed.emit("测试打印机")
    preview.accept()
    settled(qtbot, form)
    return pdf


def _sign(qtbot, form: CandidateForm, box: str, page: str) -> None:
    _click(qtbot, form.lifecycle.sign_button)
    dialog = form.lifecycle.sign_dialog
    dialog.attest.setChecked(True)
    qtbot.keyClicks(dialog.box, box)
    qtbot.keyClicks(dialog.page, page)
    dialog.sign()
    settled(qtbot, form)
    assert form.state == State.SIGNED


def test_the_whole_signing_path(qtbot, station_dir: Path) -> None:
    with auth.login(station_dir, *ADMIN) as admin:
        (candidate_id,) = seeding.seed(admin, 1, "ready", rng_seed=21)
    ctx = auth.login(station_dir, *OPERATOR)
    with no_sql_on_gui_thread(ctx.store) as gui_sql:
        _the_whole_signing_path(qtbot, ctx, candidate_id)
    assert gui_sql == []
    ctx.close()


def _the_whole_signing_path(qtbot, ctx: auth.Context, candidate_id: int) -> None:
    form = opened(qtbot, CandidateForm(ctx, candidate_id))
    assert form.lifecycle.check_button.isEnabled() and not form.lifecycle.confirm_button.isEnabled()

    with ctx.store.read() as s:
        own = records.get(s, candidate_id).id_number[-8:-2]
    _candidate_check(qtbot, form, [f"Qz!{own}Mk", "Vv8#pond-Ladder"])
    assert "证件号码" in form.last_refusal

    pdf1 = _print(qtbot, form)
    text1 = _pdf_text(pdf1)
    assert "记录版本 第 1 版" in text1 and "替代" not in text1
    assert form.lifecycle.confirm_button.isEnabled()
    _click(qtbot, form.lifecycle.confirm_button)
    settled(qtbot, form)
    assert form.state == State.CONFIRMED
    _sign(qtbot, form, "3", "17")

    # Locked: the form is read-only and the core refuses an edit.
    assert not form.banner.isHidden() and form.inputs["name"].isReadOnly()
    with pytest.raises(TransitionRefused):
        records.update(
            ctx,
            candidate_id,
            {**records.record_values(_get(ctx, candidate_id)), "phone": "13912345678"},
        )

    # A supervisor unlocks at the operator's desk, with a reason.
    assert form.lifecycle.unlock_button.isVisible()
    _click(qtbot, form.lifecycle.unlock_button)
    dialog = form.lifecycle.unlock_dialog
    qtbot.keyClicks(dialog.login, SUPERVISOR[0])
    qtbot.keyClicks(dialog.password, SUPERVISOR[1])
    type_text(dialog.reason, "考生手机号码变更")
    dialog.unlock()
    settled(qtbot, form)
    assert form.state == State.DRAFT or form.state == State.READY
    assert _get(ctx, candidate_id).version == 2
    assert not form.inputs["phone"].isReadOnly()

    form.inputs["phone"].clear()
    qtbot.keyClicks(form.inputs["phone"], "13912345678")
    form.save()
    settled(qtbot, form)
    assert form.state == State.READY
    _candidate_check(qtbot, form, ["Vv8#pond-Ladder"])  # the same candidate may keep theirs
    pdf2 = _print(qtbot, form)
    text2 = _pdf_text(pdf2)
    assert "记录版本 第 2 版" in text2 and "替代第 1 版" in text2
    _click(qtbot, form.lifecycle.confirm_button)
    settled(qtbot, form)
    _sign(qtbot, form, "3", "18")

    with ctx.store.read() as s:
        versions = records.versions(s, candidate_id)
        assert [v.version for v in versions] == [1, 2]
        unlock = s.scalar(select(AuditEvent).where(AuditEvent.action == "unlock"))
        assert unlock.actor == SUPERVISOR[0] and unlock.reason == "考生手机号码变更"
    _click(qtbot, form.lifecycle.history_button)
    qtbot.waitUntil(lambda: form.lifecycle.history_dialog is not None, timeout=5000)
    history = form.lifecycle.history_dialog
    assert history.versions.columnCount() == 2
    changed_rows = {
        history.versions.verticalHeaderItem(r).text() for r, _c in history.changed_cells
    }
    assert changed_rows == {"联系电话"}
    history.close()


def _get(ctx: auth.Context, candidate_id: int):
    with ctx.store.read() as s:
        return records.get(s, candidate_id)


def test_candidate_screen_is_modal_and_refuses_a_record_changed_meanwhile(
    qtbot, station_dir: Path
) -> None:
    with auth.login(station_dir, *ADMIN) as admin:
        (candidate_id,) = seeding.seed(admin, 1, "ready", rng_seed=22)
    ctx = auth.login(station_dir, *OPERATOR)
    form = opened(qtbot, CandidateForm(ctx, candidate_id))
    _click(qtbot, form.lifecycle.check_button)
    qtbot.waitUntil(lambda: form.lifecycle.candidate_view is not None, timeout=5000)
    view = form.lifecycle.candidate_view
    assert view.windowModality() == Qt.WindowModality.ApplicationModal
    form.lifecycle.candidate_check()  # a second press opens no second screen
    assert form.lifecycle.candidate_view is view
    # The record changes behind the candidate's back: their "correct" no longer counts.
    records.update(
        ctx,
        candidate_id,
        {**records.record_values(_get(ctx, candidate_id)), "phone": "13912345670"},
    )
    for i in range(len(view.groups)):
        _click(qtbot, view.findChild(QPushButton, f"right{i}"))
    qtbot.waitUntil(lambda: view.pages.currentWidget() is view.handback_page, timeout=5000)
    assert "重新核对" in view.handback_note.text()
    assert _get(ctx, candidate_id).candidate_reviewed_at is None
    view.pin.setText(OPERATOR[1])
    view.hand_back()
    qtbot.waitUntil(lambda: not view.checking.running, timeout=5000)  # checked off the GUI thread
    ctx.close()


def test_a_confirmed_record_goes_back_to_editing_with_a_supervisor(
    qtbot, station_dir: Path
) -> None:
    with auth.login(station_dir, *ADMIN) as admin:
        (candidate_id,) = seeding.seed(admin, 1, "confirmed", rng_seed=23)
    ctx = auth.login(station_dir, *OPERATOR)
    form = opened(qtbot, CandidateForm(ctx, candidate_id))
    assert form.state == State.CONFIRMED and form.inputs["phone"].isReadOnly()
    assert form.lifecycle.unlock_button.isVisible()  # the way out of "confirmed"
    _click(qtbot, form.lifecycle.unlock_button)
    dialog = form.lifecycle.unlock_dialog
    qtbot.keyClicks(dialog.login, OPERATOR[0])  # the operator alone: refused, in words
    qtbot.keyClicks(dialog.password, OPERATOR[1])
    type_text(dialog.reason, "考生发现电话写错")
    dialog.unlock()
    settled(qtbot, form)
    assert dialog.error.text() and form.state == State.CONFIRMED
    dialog.login.clear()
    qtbot.keyClicks(dialog.login, SUPERVISOR[0])
    qtbot.keyClicks(dialog.password, SUPERVISOR[1])
    dialog.unlock()
    settled(qtbot, form)
    assert form.state in (State.DRAFT, State.READY) and not form.inputs["phone"].isReadOnly()
    assert _get(ctx, candidate_id).version == 2
    ctx.close()
