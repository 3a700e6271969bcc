"""Translations: the desk speaks Chinese by default and English on request.

Source strings in the code are English (``self.tr("Save")``); ``resources/translations``
holds the Qt Linguist sources (``station_zh_CN.ts``) and their compiled ``.qm``, both
committed: ``scripts/translations.py compile`` makes the ``.qm`` and the test suite fails when
it is older than its ``.ts``. The installed desk only loads the ``.qm``; it never needs the
``lrelease`` tool, which a frozen build does not carry.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

from station.resources import resource_path

log = logging.getLogger(__name__)


def compiled(language: str) -> Path | None:
    """The shipped ``.qm`` for ``language``, or None when there is none."""
    qm = resource_path("translations", f"station_{language}.qm")
    return qm if qm.exists() else None


_installed: list[QTranslator] = []


def install(language: str) -> None:
    """Switch the application's language (English needs no translator)."""
    app = QCoreApplication.instance()
    assert app is not None
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if language == "en":
        return
    ours = QTranslator()
    qm = compiled(language)
    if qm is not None and ours.load(str(qm)):
        app.installTranslator(ours)
        _installed.append(ours)
    else:  # the desk still works, in its English source texts
        log.error("no usable translation for %s (%s)", language, qm)
    # Qt's own strings (standard buttons, context menus of line edits).
    qt = QTranslator()
    if qt.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)


def current() -> str:
    return "en" if not _installed else "zh_CN"


def message(exc: object) -> str:
    """An error's text in the desk's language (core errors carry both)."""
    zh = getattr(exc, "message_zh", None)
    en = getattr(exc, "message_en", None)
    if zh and en:
        return zh if current() == "zh_CN" else en
    return str(exc)
