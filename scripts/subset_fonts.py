"""Build the committed CJK Extension B fallback font (``resources/fonts/``) from HanaMinB.

Run by hand when the subset needs rebuilding, never at run time: fontTools is a build tool
here, not a dependency of the station. It needs a throwaway environment::

    python3 -m venv /tmp/ftvenv && /tmp/ftvenv/bin/pip install fonttools
    dpkg-deb -x fonts-hanazono_20170904-2.1_all.deb /tmp/hana/x
    /tmp/ftvenv/bin/python scripts/subset_fonts.py /tmp/hana/x/usr/share/fonts/truetype/hanazono/HanaMinB.ttf

The main font (WenQuanYi Micro Hei) has no glyph in CJK Extension B (𠮷 U+20BB7,
𪚥 U+2A6A5), so names with such characters need a second font. HanaMinB covers the
Supplementary Ideographic Plane; we keep Extension B and the CJK Compatibility Ideographs
Supplement only, which takes it from 30 MB to what a station installer can carry.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

# (first, last) code points kept; see resources/fonts/SOURCES.md.
RANGES = (
    (0x20000, 0x2A6DF),  # CJK Unified Ideographs Extension B
    (0x2F800, 0x2FA1F),  # CJK Compatibility Ideographs Supplement
)
OUT = Path(__file__).resolve().parent.parent / "resources" / "fonts" / "HanaMinB-ExtB-subset.ttf"


def build(source: Path, out: Path) -> tuple[int, int]:
    font = TTFont(source)
    cmap = font.getBestCmap()
    wanted = [cp for lo, hi in RANGES for cp in range(lo, hi + 1) if cp in cmap]
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
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(out)
    return len(wanted), out.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="HanaMinB.ttf from fonts-hanazono")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    count, size = build(args.source, args.out)
    print(f"{args.out}: {count} characters, {size / 1024 / 1024:.2f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
