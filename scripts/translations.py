#!/usr/bin/env python3
"""Keep the desk's translations complete.

    python scripts/translations.py update   # lupdate: add new source texts, then compile
    python scripts/translations.py compile  # lrelease: .ts -> .qm (the desk loads the .qm)
    python scripts/translations.py check    # exit 1 if any text lacks a finished translation

Translators edit ``resources/translations/station_zh_CN.ts`` with Qt Linguist
(``pyside6-linguist``) or any text editor, then run ``compile``; the ``.qm`` is committed
beside the ``.ts``, so an installed desk never needs ``lrelease`` (the test suite fails when
a ``.qm`` is not the compiled form of its ``.ts``).
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TS_FILES = sorted((ROOT / "resources" / "translations").glob("station_*.ts"))


def lupdate(ts: Path, sources: list[Path] | None = None) -> None:
    import PySide6

    tool = Path(PySide6.__file__).resolve().parent / "lupdate"
    files = sources or sorted((ROOT / "ui").glob("*.py"))
    subprocess.run(
        [str(tool), *map(str, files), "-ts", str(ts), "-no-obsolete", "-silent"],
        check=True,
        cwd=ROOT,
    )


def lrelease(ts: Path, qm: Path | None = None) -> Path:
    """Compile ``ts`` (by default next to it); lrelease's output is byte-for-byte repeatable."""
    import PySide6

    qm = qm or ts.with_suffix(".qm")
    tool = Path(PySide6.__file__).resolve().parent / "lrelease"
    subprocess.run([str(tool), "-silent", str(ts), "-qm", str(qm)], check=True)
    return qm


def unfinished(ts: Path) -> list[str]:
    """Source texts without a finished translation."""
    missing = []
    for message in ET.parse(ts).getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        if translation is None or translation.get("type") in ("unfinished", "vanished", "obsolete"):
            missing.append(source)
            continue
        forms = [f.text for f in translation.findall("numerusform")] or [translation.text]
        if not all(f and f.strip() for f in forms):
            missing.append(source)
    return missing


def fill(ts: Path, texts: dict[str, str]) -> int:
    """Finish the unfinished translations of the given source texts (for scripted batches of new
    texts; Qt Linguist does the same by hand), then let lupdate restore the file's layout.
    Returns how many were filled."""
    tree = ET.parse(ts)
    filled = 0
    for message in tree.getroot().iter("message"):
        source = message.findtext("source") or ""
        translation = message.find("translation")
        if source in texts and translation is not None and translation.get("type") == "unfinished":
            forms = translation.findall("numerusform")
            if message.get("numerus") == "yes" and not forms:
                forms = [ET.SubElement(translation, "numerusform")]
            for form in forms or [translation]:
                form.text = texts[source]  # Chinese has one plural form
            translation.attrib.pop("type", None)
            filled += 1
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    lupdate(ts)
    return filled


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        for ts in TS_FILES:
            lupdate(ts)
    if command in ("update", "compile"):
        for ts in TS_FILES:
            lrelease(ts)
    bad = {ts.name: unfinished(ts) for ts in TS_FILES}
    for name, missing in bad.items():
        for source in missing:
            print(f"{name}: untranslated: {source}")
    return 1 if any(bad.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
