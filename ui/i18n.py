"""Translations: the desk speaks Chinese by default and English on request.

Source strings in the code are English (``self.tr("Save")``); ``resources/translations``
holds the committed Qt Linguist sources (``station_zh_CN.ts``). They are compiled to ``.qm``
with the ``lrelease`` that ships inside PySide6: at build time by the installer spec, or here
at run time into the user's cache folder when no current ``.qm`` is found.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

from station.resources import resource_path

TRANSLATIONS = resource_path("translations")


def lrelease() -> Path:
    import PySide6

    name = "lrelease.exe" if os.name == "nt" else "lrelease"
    return Path(PySide6.__file__).resolve().parent / name


def _cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("registration-station", appauthor=False)) / "translations"


def compiled(language: str) -> Path | None:
    """A current ``.qm`` for ``language``, compiling the ``.ts`` if needed."""
    ts = TRANSLATIONS / f"station_{language}.ts"
    if not ts.exists():
        return None
    for qm in (ts.with_suffix(".qm"), _cache_dir() / f"station_{language}.qm"):
        if qm.exists() and qm.stat().st_mtime >= ts.stat().st_mtime:
            return qm
    qm = _cache_dir() / f"station_{language}.qm"
    qm.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(lrelease()), "-silent", str(ts), "-qm", str(qm)], check=True, capture_output=True
    )
    return qm


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
