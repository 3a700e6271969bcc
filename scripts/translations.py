#!/usr/bin/env python3
"""Keep the desk's translations complete.

    python scripts/translations.py update   # lupdate: add new source texts to the .ts files
    python scripts/translations.py check    # exit 1 if any text lacks a finished translation

Translators edit ``resources/translations/station_zh_CN.ts`` with Qt Linguist
(``pyside6-linguist``) or any text editor; the desk compiles it at run time (ui/i18n.py).
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


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        for ts in TS_FILES:
            lupdate(ts)
    bad = {ts.name: unfinished(ts) for ts in TS_FILES}
    for name, missing in bad.items():
        for source in missing:
            print(f"{name}: untranslated: {source}")
    return 1 if any(bad.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
