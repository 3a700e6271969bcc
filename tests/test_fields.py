"""The field registry (station/fields.py) is the one description of a record's fields: the
validation, the roster, the CLI, the desk's form and the candidate's screen all follow it, and
no other module spells a field's label or limit again."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from station import fields
from station.fields import FIELDS, Input, Kind

ROOT = Path(__file__).resolve().parent.parent

# Where a field's Chinese label may appear as a literal outside the registry, and why.
ALLOWED_LABEL_LITERALS = {
    # The ID card's own printed captions, which the text-block reader looks for.
    ("station/idcard/textblock.py", "姓名"),
    ("station/idcard/textblock.py", "性别"),
    ("station/idcard/textblock.py", "民族"),
    ("station/idcard/textblock.py", "出生日期"),
    # An operator's name (`station operator add --name`), not a candidate's.
    ("station/cli.py", "姓名"),
    # The row's name column of the roster's problem list (the candidate's name as written).
    ("station/roster.py", "姓名"),
    # Short captions inside the printed form's guardian box (监护人 is its heading).
    ("station/form/layout.py", "姓名"),
    ("station/form/layout.py", "联系电话"),
}


def test_the_registry_is_complete_and_consistent() -> None:
    from station.validation import CandidateData

    assert tuple(f.name for f in dataclasses.fields(CandidateData)) == fields.NAMES
    for f in FIELDS:
        assert f.label_zh and f.label_en and f.cli_help, f.name
        if f.input in (Input.CHOICE, Input.SEARCH) and f.name != "school_code":
            assert f.table is not None and f.table(), f.name  # something to pick from
        if f.charset is not None:
            assert f.max_length and f.min_length, f.name
    assert fields.CARD_FIELDS == ("name", "id_number", "gender", "birth_date", "ethnicity")


def test_no_other_module_spells_a_label_again() -> None:
    labels = {f.label_zh for f in FIELDS}
    found = set()
    for package in ("station", "sync", "ui"):
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel == "station/fields.py":
                continue
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                if isinstance(node, ast.Constant) and node.value in labels:
                    found.add((rel, node.value))
    assert found - ALLOWED_LABEL_LITERALS == set()


def test_the_roster_follows_the_registry() -> None:
    from station.roster_columns import COLUMNS

    assert [c.field for c in COLUMNS] == list(fields.NAMES)
    for column, f in zip(COLUMNS, FIELDS, strict=True):
        assert column.label == f.label_zh and column.aliases == f.aliases
        assert column.need is f.need and column.kind is f.kind
        if f.max_length and f.input is Input.LINE and f.kind is Kind.TEXT:
            assert str(f.max_length) in column.hint, f.name  # the template tells the limit


def test_the_cli_has_an_option_for_every_field() -> None:
    from station.cli import build_parser

    add = build_parser()._subparsers._group_actions[0].choices["candidate"]  # type: ignore[union-attr]
    add = add._subparsers._group_actions[0].choices["add"]  # type: ignore[union-attr]
    options = {a.dest: a for a in add._actions}
    for f in FIELDS:
        assert f.option in options[f.name].option_strings
        assert options[f.name].help == f.cli_help


def test_a_changed_limit_reaches_validation_roster_and_form(monkeypatch, qtbot, admin_ctx):
    """What a one-line change of a limit in the registry does: every reader follows."""
    from station import validation
    from ui.candidate_form import CandidateForm

    changed = dataclasses.replace(fields.BY_NAME["school_name"], max_length=120)
    monkeypatch.setitem(fields.BY_NAME, "school_name", changed)
    monkeypatch.setattr(
        fields, "FIELDS", tuple(changed if f.name == "school_name" else f for f in FIELDS)
    )
    monkeypatch.setitem(fields.MAX_LENGTH, "school_name", 120)
    from station.roster_columns import column_of

    assert column_of(changed).hint.endswith("不超过 120 字")  # the template's hint says it
    ok = validation.validate_candidate({"school_name": "校" * 120})
    assert not [i for i in ok.for_field("school_name") if i.code == "too_long"]
    over = validation.validate_candidate({"school_name": "校" * 121})
    assert "too_long" in [i.code for i in over.for_field("school_name")]
    form = CandidateForm(admin_ctx)
    qtbot.addWidget(form)
    assert form.inputs["school_name"].maxLength() == 120


def test_the_form_is_built_from_the_registry_in_paper_order(qtbot, admin_ctx) -> None:
    from PySide6.QtWidgets import QLabel, QLineEdit

    from ui import i18n
    from ui.candidate_form import CandidateForm

    form = CandidateForm(admin_ctx)
    qtbot.addWidget(form)
    assert list(form.inputs) == list(fields.NAMES)
    # Tab walks the fields in the registry's order.
    owners = {w: name for name, w in form.inputs.items()}

    def next_field(name):
        widget = form.inputs[name].nextInFocusChain()
        while owners.get(widget, owners.get(widget.parent())) in (None, name):
            widget = widget.nextInFocusChain()
        return owners.get(widget, owners.get(widget.parent()))

    names = list(fields.NAMES)
    assert [next_field(a) for a in names[:-1]] == names[1:]
    captions = {
        label.buddy().objectName(): label.text().replace("&", "")
        for label in form.findChildren(QLabel)
        if label.buddy() is not None
    }
    for f in FIELDS:
        assert captions[f.name].startswith(f.label(i18n.current())), f.name
        widget = form.inputs[f.name]
        if isinstance(widget, QLineEdit) and f.max_length:
            assert widget.maxLength() == f.max_length, f.name


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_the_candidate_sees_every_field_the_form_prints(qtbot, admin_ctx, language) -> None:
    from station import queries, records
    from station.form.content import printed_fields
    from ui import i18n
    from ui.candidate_view import CandidateView

    from .factories import record_for

    saved = records.create(admin_ctx, record_for(3, guardian_name="张大山"))
    i18n.install(language)
    try:
        view = CandidateView(admin_ctx, queries.record_view(admin_ctx, saved.id))
        qtbot.addWidget(view)
        shown = [label for _, rows in view.groups for label, _ in rows]
    finally:
        i18n.install("zh_CN")
    wanted = [fields.BY_NAME[name].label(language) for name in printed_fields()]
    assert shown == wanted
