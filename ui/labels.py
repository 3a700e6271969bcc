"""Display names of the core's codes in the desk's language.

The core keeps Chinese labels for print and CLI; the desk translates through Qt so that both
languages come from the same ``.ts`` files. Each text is a literal ``translate`` call so that
``lupdate`` finds it.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QCoreApplication

from station.fields import Field, Group, Input, Kind
from station.form.content import BLANK


def state_label(state: str) -> str:
    return {
        "draft": QCoreApplication.translate("Labels", "Collecting"),
        "ready": QCoreApplication.translate("Labels", "Awaiting review"),
        "confirmed": QCoreApplication.translate("Labels", "Confirmed"),
        "signed": QCoreApplication.translate("Labels", "Signed"),
        "exported": QCoreApplication.translate("Labels", "Exported"),
        "acknowledged": QCoreApplication.translate("Labels", "Received by county"),
        "approved": QCoreApplication.translate("Labels", "Approved"),
        "rejected": QCoreApplication.translate("Labels", "Rejected"),
    }.get(state, state)


def role_label(role: str) -> str:
    return {
        "operator": QCoreApplication.translate("Labels", "Operator"),
        "supervisor": QCoreApplication.translate("Labels", "Supervisor"),
        "admin": QCoreApplication.translate("Labels", "Administrator"),
    }.get(role, role)


def category_label(category: str) -> str:
    return {
        "fresh": QCoreApplication.translate("Labels", "Current student"),
        "previous": QCoreApplication.translate("Labels", "Former student"),
        "social": QCoreApplication.translate("Labels", "Social candidate"),
    }.get(category, category)


def document_type_label(document_type: str) -> str:
    return {
        "resident_id": QCoreApplication.translate("Labels", "Resident ID card"),
        "hmt_residence_permit": QCoreApplication.translate(
            "Labels", "HK/Macau/Taiwan residence permit"
        ),
        "foreign_permanent_residence": QCoreApplication.translate(
            "Labels", "Foreigner's permanent residence ID"
        ),
    }.get(document_type, document_type)


def gender_label(gender: str) -> str:
    return {
        "1": QCoreApplication.translate("Labels", "Male"),
        "2": QCoreApplication.translate("Labels", "Female"),
    }.get(gender, gender)


def relation_label(relation: str) -> str:
    """Guardian relations are stored as the Chinese words of the paper form."""
    return {
        "父亲": QCoreApplication.translate("Labels", "Father"),
        "母亲": QCoreApplication.translate("Labels", "Mother"),
        "祖父": QCoreApplication.translate("Labels", "Grandfather (paternal)"),
        "祖母": QCoreApplication.translate("Labels", "Grandmother (paternal)"),
        "外祖父": QCoreApplication.translate("Labels", "Grandfather (maternal)"),
        "外祖母": QCoreApplication.translate("Labels", "Grandmother (maternal)"),
        "兄": QCoreApplication.translate("Labels", "Elder brother"),
        "姐": QCoreApplication.translate("Labels", "Elder sister"),
        "其他亲属": QCoreApplication.translate("Labels", "Other relative"),
        "其他监护人": QCoreApplication.translate("Labels", "Other guardian"),
    }.get(relation, relation)


# --- the record's fields (station/fields.py), in the desk's language ------------------------


def _language() -> str:
    from ui import i18n

    return i18n.current()


def field_label(field: Field, mnemonic: bool = False) -> str:
    """A field's label; with ``mnemonic``, marked for Alt+letter (姓名(&N) / &Name)."""
    text = field.label(_language())
    if not (mnemonic and field.mnemonic):
        return text
    if _language() != "en":
        return f"{text}(&{field.mnemonic})"
    at = text.lower().find(field.mnemonic.lower())
    return text if at < 0 else text[:at] + "&" + text[at:]


def group_label(group: Group) -> str:
    return group.label_en if _language() == "en" else group.label_zh


_CHOICE_LABELS = {
    "document_type": document_type_label,
    "gender": gender_label,
    "category": category_label,
    "guardian_relation": relation_label,
}


def choice_label(field: Field, code: str, name_zh: str) -> str:
    """How a code of the field's table is offered: short fixed lists by their translated
    name, searchable tables as ``code name`` so that either can be typed."""
    if field.input is Input.CHOICE:
        translate = _CHOICE_LABELS.get(field.name)
        return translate(code) if translate else name_zh
    return f"{code} {name_zh}"


def value_text(field: Field, value: object) -> str:
    """A stored value as the candidate reads it (— for nothing)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        if value:
            return QCoreApplication.translate("Labels", "Yes")
        return QCoreApplication.translate("Labels", "No")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    translate = _CHOICE_LABELS.get(field.name)
    if translate is not None:
        return translate(text)
    if field.table is not None:
        names = dict(field.table())
        return names.get(text, text)
    return text


def printed_value_text(field: Field, value: object, printed: str) -> str:
    """A value as the candidate checks it against the registration form they sign: the
    form's own text (``printed``, from ``station.form.content.printed_values``), except that
    short fixed lists and yes/no read in the desk's language (in Chinese, the printed words)."""
    if printed != BLANK and (field.name in _CHOICE_LABELS or field.kind is Kind.FLAG):
        return value_text(field, value)
    return printed
