"""Both languages complete: every text of the desk has a finished Chinese translation, and
the English source texts hold no Chinese."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import translations  # noqa: E402

CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")


@pytest.mark.parametrize("ts", translations.TS_FILES, ids=lambda p: p.name)
def test_every_text_in_the_code_is_translated(ts: Path, tmp_path: Path) -> None:
    fresh = tmp_path / ts.name
    shutil.copy(ts, fresh)
    translations.lupdate(fresh)  # adds whatever the code has that the file lacks
    assert translations.unfinished(fresh) == []


def test_english_source_texts_hold_no_chinese(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    fresh = tmp_path / "all.ts"
    translations.lupdate(fresh)
    sources = [m.findtext("source") or "" for m in ET.parse(fresh).getroot().iter("message")]
    assert len(sources) > 50
    assert [s for s in sources if CJK.search(s)] == []


def test_switching_language(qapp) -> None:
    from PySide6.QtCore import QCoreApplication

    from ui import i18n

    i18n.install("zh_CN")
    assert QCoreApplication.translate("Labels", "Signed") == "已签字"
    assert i18n.current() == "zh_CN"
    i18n.install("en")
    assert QCoreApplication.translate("Labels", "Signed") == "Signed"
    i18n.install("zh_CN")


def test_contexts_are_classes_or_named_groups(tmp_path: Path) -> None:
    # `some_widget.tr(...)` outside that widget's class files the text under a context that
    # is never looked up at run time (e.g. "parent"): the text would show untranslated.
    import xml.etree.ElementTree as ET

    fresh = tmp_path / "all.ts"
    translations.lupdate(fresh)
    contexts = [c.findtext("name") or "" for c in ET.parse(fresh).getroot().iter("context")]
    assert contexts and all(c[:1].isupper() for c in contexts), contexts


@pytest.mark.parametrize("ts", translations.TS_FILES, ids=lambda p: p.name)
def test_the_shipped_qm_is_the_compiled_ts(ts: Path, tmp_path: Path) -> None:
    # The installed desk loads the committed .qm and never runs lrelease: a .ts edited without
    # `scripts/translations.py compile` would ship old texts.
    fresh = translations.lrelease(ts, tmp_path / "fresh.qm")
    assert ts.with_suffix(".qm").read_bytes() == fresh.read_bytes(), (
        "run: python scripts/translations.py compile"
    )
