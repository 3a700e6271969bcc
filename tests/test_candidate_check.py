"""The candidate checks everything they sign (issue 18): the candidate screen shows every
field the registration form prints, with the text printed for it, one group at a time, and
every group still fits a 1366×768 screen."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QWidget,
)

from station import auth, fields, queries, records
from station.fields import Group
from station.form import content
from station.form.service import render_form
from station.lifecycle import State
from station.photo.stored import PhotoInput, placeholder_jpeg
from ui import i18n
from ui.candidate_form import CandidateForm
from ui.candidate_view import CandidateView

from .factories import OPERATOR, record_for
from .qt_helpers import opened, settled

PHOTO = PhotoInput(placeholder_jpeg(), "camera", quality_ok=True)
SCREEN = (1366, 768)  # the smallest screen a registration point has
CRAMPED = (1024, 480)  # smaller than any: the rows must scroll


@pytest.fixture(autouse=True)
def chinese(qapp) -> None:
    i18n.install("zh_CN")


def _everything(i: int, **overrides: Any) -> dict[str, Any]:
    """A fresh candidate with every field filled, the allocation application included."""
    everything = {
        "political_status": "03",
        "household_division": "410105",
        "home_address": "河南省郑州市金水区花园路 1 号",
        "allocation_applied": "是",
        "allocation_basis": "本校连续三年在籍",
    }
    return record_for(i, **(everything | overrides))


def _ready(ctx: auth.Context, record: dict[str, Any]) -> int:
    saved = records.create(ctx, record, PHOTO)
    assert saved.state == State.READY
    return saved.id


def _printed(ctx: auth.Context, candidate_id: int) -> tuple[dict[str, str], str]:
    """What the form of the record prints per field (the form's own definition), and the
    text of the PDF it renders."""
    from pypdf import PdfReader

    with ctx.store.read() as s:
        record = records.canonical_record(records.get(s, candidate_id), None)["record"]
    pdf = render_form(ctx, candidate_id).pdf
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return content.printed_values(record), text


def _rows(page: QWidget) -> dict[str, QLabel]:
    """The field captions on a page of the candidate screen → the label showing the value
    beside it (same row of the same grid)."""
    rows = {}
    for grid in page.findChildren(QGridLayout):
        for index in range(grid.count()):
            caption = grid.itemAt(index).widget()
            row, column, _, _ = grid.getItemPosition(index)
            if not isinstance(caption, QLabel) or column != 0:
                continue
            beside = grid.itemAtPosition(row, 1)
            value = beside.widget() if beside is not None else None
            if isinstance(value, QLabel) and value is not caption:  # not the group's title
                rows[caption.text()] = value
    return rows


def _shown_whole(label: QLabel) -> bool:
    """The label has the height its text needs and none of it is cut off by the screen."""
    needed = label.heightForWidth(label.width()) if label.wordWrap() else -1
    needed = needed if needed > 0 else label.sizeHint().height()
    return label.height() >= needed and label.visibleRegion().boundingRect() == label.rect()


def _scrolled_to(label: QLabel) -> None:
    parent = label.parentWidget()
    while parent is not None and not isinstance(parent, QScrollArea):
        parent = parent.parentWidget()
    if parent is not None:
        parent.ensureWidgetVisible(label)


def _open(
    qtbot, ctx: auth.Context, candidate_id: int, screen: tuple[int, int] = SCREEN
) -> CandidateView:
    view = CandidateView(ctx, queries.record_view(ctx, candidate_id))
    qtbot.addWidget(view)
    view.resize(*screen)
    view.show()
    qtbot.waitExposed(view)
    return view


def _walk(qtbot, view: CandidateView, scroll: bool = False) -> dict[str, tuple[int, QLabel]]:
    """Answer "correct" page after page, as the candidate does, and note which caption was
    shown on which page and with what; on each page every row must be shown whole (after
    scrolling to it, with ``scroll``) and the buttons must be on the screen."""
    seen: dict[str, tuple[int, QLabel]] = {}
    for index in range(len(view.groups)):
        page = view.pages.currentWidget()
        assert page is view.group_pages[index]
        qtbot.wait(20)  # the page just came up: its layout settles in the event loop
        right = view.findChild(QPushButton, f"right{index}")
        for button in (right, view.findChild(QPushButton, f"wrong{index}")):
            assert button.visibleRegion().boundingRect() == button.rect(), button.objectName()
        for caption, value in _rows(page).items():
            assert caption not in seen, caption  # each field on one page only
            if scroll:
                _scrolled_to(value)
                qtbot.wait(10)
            assert _shown_whole(value), caption
            seen[caption] = (index, value)
        qtbot.mouseClick(right, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.pages.currentWidget() is view.password_page, timeout=5000)
    return seen


def test_the_candidate_sees_every_printed_field_as_printed(qtbot, operator_ctx) -> None:
    candidate_id = _ready(operator_ctx, _everything(5))
    printed, pdf_text = _printed(operator_ctx, candidate_id)
    # The form's definition is what the PDF shows, and it prints what issue 18 named.
    assert set(printed) == set(fields.NAMES)
    assert printed["political_status"] == "中国共产主义青年团团员"
    assert printed["household_division"] == "河南省郑州市金水区"
    assert printed["allocation_applied"] == "是"
    assert printed["allocation_basis"] == "本校连续三年在籍"
    for name in printed:
        if name not in content.WITHIN:
            assert content.cell_text(name, printed) in pdf_text, name

    view = _open(qtbot, operator_ctx, candidate_id)
    seen = _walk(qtbot, view)

    language = i18n.current()
    for name, text in printed.items():
        caption = fields.BY_NAME[name].label(language)
        assert caption in seen, f"{name} is printed but not shown to the candidate"
        page, value = seen[caption]
        assert value.text() == text, name
        # In the group the desk's form puts it in, which "wrong" names to the operator.
        assert view.groups[page][0] == fields.BY_NAME[name].group.label_zh, name
    assert len(seen) == len(printed)  # and nothing that is not printed
    assert queries.facts(operator_ctx, candidate_id).candidate_reviewed
    view.done(0)


def test_the_form_and_the_screen_follow_one_definition(
    qtbot, operator_ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A box taken off the form leaves the candidate screen with it (and comes back with it)."""
    candidate_id = _ready(operator_ctx, _everything(9))
    kept = tuple(s for s in content.SECTIONS if "allocation_applied" not in s.rows[0])
    monkeypatch.setattr(content, "SECTIONS", kept)
    printed, pdf_text = _printed(operator_ctx, candidate_id)
    assert "allocation_applied" not in printed and "分配生资格申请" not in pdf_text
    view = _open(qtbot, operator_ctx, candidate_id)
    assert Group.ALLOCATION.label_zh not in [title for title, _ in view.groups]
    assert len(_walk(qtbot, view)) == len(printed)
    view.done(0)


@pytest.mark.parametrize("screen", [SCREEN, CRAMPED], ids=["1366x768", "cramped"])
def test_long_texts_stay_readable_on_a_small_screen(qtbot, operator_ctx, screen) -> None:
    candidate_id = _ready(
        operator_ctx,
        _everything(
            6,
            school_name="郑州市金水区" + "第一初级中学附属实验学校" * 7,
            home_address="河南省郑州市金水区花园路" + "幸福家园小区东区" * 11,
            allocation_basis="本校连续三年在籍，" * 22,
        ),
    )
    view = _open(qtbot, operator_ctx, candidate_id, screen)
    scrolls = [page.findChild(QScrollArea) for page in view.group_pages]
    seen = _walk(qtbot, view, scroll=True)
    printed, _ = _printed(operator_ctx, candidate_id)
    assert len(seen) == len(printed)
    assert seen[fields.label_zh("allocation_basis")][1].text() == printed["allocation_basis"]
    # The longest texts allowed still fit 1366×768 without scrolling; a smaller window
    # scrolls the rows (and _walk found each of them whole after scrolling to it).
    needs_scrolling = [s.verticalScrollBar().maximum() > 0 for s in scrolls]
    assert any(needs_scrolling) == (screen == CRAMPED)
    view.done(0)


def test_wrong_on_the_allocation_group_goes_back_to_the_operator(qtbot, operator_ctx) -> None:
    candidate_id = _ready(operator_ctx, _everything(7))
    form = opened(qtbot, CandidateForm(operator_ctx, candidate_id))
    qtbot.mouseClick(form.lifecycle.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: form.lifecycle.candidate_view is not None, timeout=5000)
    view = form.lifecycle.candidate_view
    titles = [title for title, _ in view.groups]
    allocation = Group.ALLOCATION.label_zh
    assert allocation in titles
    for index, title in enumerate(titles):
        answer = "wrong" if title == allocation else "right"
        qtbot.mouseClick(view.findChild(QPushButton, f"{answer}{index}"), Qt.MouseButton.LeftButton)
    assert view.pages.currentWidget() is view.handback_page
    assert view.wrong == [allocation]
    assert allocation in view.handback_note.text()
    pin = view.findChild(QLineEdit, "operatorPin")
    qtbot.keyClicks(pin, OPERATOR[1])
    qtbot.keyClick(pin, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=5000)
    settled(qtbot, form)
    assert allocation in form.card_note.text()
    assert not queries.facts(operator_ctx, candidate_id).candidate_reviewed


def test_enter_answers_nothing_for_the_candidate(qtbot, operator_ctx) -> None:
    """Enter on a group's page pressed "Something is wrong" (the dialog's first button was
    its default); on the password page it moves from field to field."""
    view = _open(qtbot, operator_ctx, _ready(operator_ctx, _everything(7)))
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=3000)
    qtbot.keyClick(view.focusWidget() or view, Qt.Key.Key_Return)
    qtbot.wait(50)
    assert view.pages.currentIndex() == 0 and view.wrong == [] and not view.answers
    _walk(qtbot, view)
    password, confirm = (
        view.findChild(QLineEdit, "candidatePassword"),
        view.findChild(QLineEdit, "candidateConfirm"),
    )
    password.setFocus()
    qtbot.keyClicks(password, "x")
    qtbot.keyClick(password, Qt.Key.Key_Return)
    qtbot.waitUntil(confirm.hasFocus, timeout=3000)
    assert view.pages.currentWidget() is view.password_page and view.setting is None
