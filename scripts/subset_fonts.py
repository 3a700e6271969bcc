"""Build the committed CJK fallback fonts (``resources/fonts/``) from Hanazono Mincho.

Run by hand when the subsets need rebuilding, never at run time: fontTools is a build tool
here, not a dependency of the station. It needs a throwaway environment::

    python3 -m venv /tmp/ftvenv && /tmp/ftvenv/bin/pip install fonttools
    apt-get download fonts-hanazono && dpkg-deb -x fonts-hanazono_*.deb /tmp/hana
    /tmp/ftvenv/bin/python scripts/subset_fonts.py /tmp/hana/usr/share/fonts/truetype/hanazono

The main font (WenQuanYi Micro Hei) covers the GB 18030 BMP Han characters but two of CJK
Extension A (刘䶮 U+4DAE fails) and none beyond the BMP. Two subsets fill the gaps:

- ``HanaMinA-subset.ttf``: all of Extension A, every URO and compatibility ideograph the
  main font lacks, and the compatibility ideographs supplement (HanaMinA has it, not B);
- ``HanaMinB-subset.ttf``: all of Extension B (where nearly all rare characters of real
  names are), and from Extensions C–G
  the characters of the 通用规范汉字表 (王𫖯 U+2B5AF, 𫟦, 𬌗, 𬶋 …) and of the code tables.

Together with the main font this is GB 18030-2022 implementation level 2 (the BMP and the 196
supplementary characters of the 通用规范汉字表) plus the whole of Extension B.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Iterable
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "resources" / "fonts"
GUIFAN = ROOT / "scripts" / "data" / "tongyong_guifan_2013.txt"

EXT_A = range(0x3400, 0x4DC0)
URO = range(0x4E00, 0xA000)
COMPAT = range(0xF900, 0xFB00)
EXT_B = range(0x20000, 0x2A6E0)
COMPAT_SUPPLEMENT = range(0x2F800, 0x2FA20)
BEYOND_B = range(0x2A700, 0x323B0)  # Extensions C to H


def guifan() -> list[int]:
    """The code points of the 通用规范汉字表 (8,105 characters)."""
    lines = GUIFAN.read_text("utf-8").splitlines()
    return [int(line.split("\t")[1][2:], 16) for line in lines if not line.startswith("#")]


def code_table_characters() -> set[int]:
    """Every character of the shipped code tables (regions, ethnicities …): they print."""
    out: set[int] = set()
    for path in (ROOT / "resources" / "codes").glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.reader(f):
                out.update(ord(ch) for cell in row for ch in cell)
    return out


def hana_a_set(main: set[int], hana_a: set[int]) -> list[int]:
    wanted = set(EXT_A) | set(COMPAT_SUPPLEMENT) | {cp for cp in (*URO, *COMPAT) if cp not in main}
    return sorted(wanted & hana_a)


def hana_b_set(hana_b: set[int]) -> list[int]:
    named = {cp for cp in (*guifan(), *code_table_characters()) if cp in BEYOND_B}
    wanted = set(EXT_B) | named
    return sorted(wanted & hana_b)


def cmap_of(path: Path) -> set[int]:
    return set(TTFont(path, fontNumber=0, lazy=True).getBestCmap())


def write_subset(source: Path, unicodes: Iterable[int], out: Path) -> tuple[int, int]:
    font = TTFont(source)
    wanted = list(unicodes)
    options = subset.Options()
    options.layout_features = []  # reportlab reads no OpenType layout; vertical forms unused
    options.hinting = False  # printed at 300+ dpi: hints buy nothing, cost ~20 %
    options.name_IDs = ["*"]  # keep copyright and licence records
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)
    font.save(out)
    return len(wanted), out.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hanazono", type=Path, help="folder with HanaMinA.ttf and HanaMinB.ttf")
    parser.add_argument("--out", type=Path, default=FONTS)
    args = parser.parse_args(argv)
    main_font = cmap_of(FONTS / "wqy-microhei.ttc")
    source_a, source_b = args.hanazono / "HanaMinA.ttf", args.hanazono / "HanaMinB.ttf"
    jobs = [
        (source_a, hana_a_set(main_font, cmap_of(source_a)), args.out / "HanaMinA-subset.ttf"),
        (source_b, hana_b_set(cmap_of(source_b)), args.out / "HanaMinB-subset.ttf"),
    ]
    for source, unicodes, out in jobs:
        count, size = write_subset(source, unicodes, out)
        print(f"{out}: {count} characters, {size / 1024 / 1024:.2f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
