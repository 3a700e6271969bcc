"""Display names of the core's codes in the desk's language.

The core keeps Chinese labels for print and CLI; the desk translates through Qt so that both
languages come from the same ``.ts`` files. Each text is a literal ``translate`` call so that
``lupdate`` finds it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


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
