"""The font chain (字体链) of the printed form: which font draws which character.

reportlab embeds TrueType fonts only and does no per-glyph fallback: a character missing from
the font of a text run prints as an empty box, silently. So every run is split here by font,
and a character that no font of the chain has is refused before anything is printed.

The chain: the bundled main font (WenQuanYi Micro Hei), then fallbacks found on the machine
(SimSun-ExtB, BabelStone Han, Hanazono: Chinese glyph shapes first), then the bundled
subsets of Hanazono Mincho A and B. Fonts are parsed once per process; the fallbacks only when a
character is not in the main font (most forms never need them).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from station.errors import StationError
from station.resources import resource_path


@dataclass(frozen=True, slots=True)
class FontSpec:
    """One font file of the chain; ``name`` is what it is registered as in reportlab."""

    name: str
    path: Path
    subfont: int = 0


MAIN = FontSpec("WenQuanYiMicroHei", resource_path("fonts", "wqy-microhei.ttc"), 0)
# Subsets of Hanazono Mincho (resources/fonts/SOURCES.md): A has Extension A and the main
# font's few gaps, B has Extension B and the 通用规范汉字表 characters of Extensions C–E.
BUNDLED_A = FontSpec("HanaMinA-subset", resource_path("fonts", "HanaMinA-subset.ttf"))
BUNDLED_B = FontSpec("HanaMinB-subset", resource_path("fonts", "HanaMinB-subset.ttf"))
BUNDLED_FALLBACKS = (BUNDLED_A, BUNDLED_B)


def _windows_fonts() -> Path:
    return Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"


def system_fallbacks() -> list[FontSpec]:
    """Fallback fonts installed on this machine, best first (only those that exist)."""
    candidates = [
        FontSpec("SimSun-ExtB", _windows_fonts() / "simsunb.ttf"),
        FontSpec("BabelStoneHan", Path("/usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf")),
        FontSpec("HanaMinB", Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf")),
        FontSpec("HanaMinA", Path("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf")),
    ]
    return [c for c in candidates if c.path.is_file()]


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's ToUnicode CMap, with supplementary-plane characters written as UTF-16
    surrogate pairs. reportlab 5 writes ``<20BB7>`` (odd-length hex, invalid), so 𠮷 prints
    but cannot be searched, copied or read back from the PDF."""
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        f"/CIDSystemInfo\n<< /Registry ({fontname})\n/Ordering ({fontname})\n/Supplement 0\n>> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{chr(v).encode('utf-16-be').hex().upper()}>" for i, v in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


# Module-level hook reportlab's TTFont.addObjects calls; identical output inside the BMP.
ttfonts.makeToUnicodeCMap = _to_unicode_cmap


class MissingGlyph(StationError):
    """A character of the record that no font of the chain can draw: printing is refused."""

    exit_code = 1

    def __init__(self, char: str, where: str = "") -> None:
        code = f"U+{ord(char):04X}"
        place = f"{where}中的" if where else ""
        super().__init__(
            f"{place}“{char}”（{code}）没有可用字体，无法打印；请联系管理员安装字体",
            f"{where or 'text'}: no installed font has {char!r} ({code}); the form cannot be "
            "printed until a font with it is installed",
        )
        self.char = char
        self.where = where


class _Loaded:
    """A registered reportlab font and the set of code points it has a glyph for."""

    def __init__(self, spec: FontSpec) -> None:
        font = TTFont(spec.name, str(spec.path), subfontIndex=spec.subfont)
        pdfmetrics.registerFont(font)
        self.name = spec.name
        # Glyph 0 is .notdef: a cmap entry pointing there draws a box, not the character.
        self.codepoints = frozenset(cp for cp, g in font.face.charToGlyph.items() if g)


class FontChain:
    """Fonts in order of preference; ``font_for`` picks the first that has the character."""

    def __init__(self, main: FontSpec, fallbacks: Sequence[FontSpec]) -> None:
        self._main = _Loaded(main)
        self._pending = list(fallbacks)
        self._fallbacks: list[_Loaded] = []
        self._choice: dict[str, str | None] = {}
        self._lock = threading.Lock()  # batch printing runs off the GUI thread

    @property
    def main_font(self) -> str:
        return self._main.name

    @property
    def font_names(self) -> list[str]:
        """The fonts loaded so far (fallbacks load on first need)."""
        return [self._main.name, *(f.name for f in self._fallbacks)]

    def _more_fallbacks(self) -> Iterator[_Loaded]:
        yield from self._fallbacks
        while self._pending:
            spec = self._pending.pop(0)
            try:
                loaded = _Loaded(spec)
            except (TTFError, OSError):
                continue  # e.g. a CFF-outline font: reportlab cannot embed it; try the next
            self._fallbacks.append(loaded)
            yield loaded

    def font_for(self, char: str) -> str | None:
        """The name of the first font with a glyph for ``char``; None when none has one."""
        found = self._choice.get(char, "")
        if found != "":
            return found
        cp = ord(char)
        if cp in self._main.codepoints:
            choice: str | None = self._main.name
        else:
            with self._lock:
                choice = next((f.name for f in self._more_fallbacks() if cp in f.codepoints), None)
        self._choice[char] = choice
        return choice

    def check_text(self, text: str) -> list[str]:
        """Characters of ``text`` that no font can draw, each once, in order of appearance."""
        missing: list[str] = []
        for ch in text:
            if ch not in missing and _needs_glyph(ch) and self.font_for(ch) is None:
                missing.append(ch)
        return missing

    def require(self, texts: Mapping[str, str] | Iterable[tuple[str, str]]) -> None:
        """Raise :class:`MissingGlyph` for the first character no font has; ``texts`` maps a
        Chinese field label (e.g. 姓名) to the text printed for it."""
        items = texts.items() if isinstance(texts, Mapping) else texts
        for where, text in items:
            missing = self.check_text(text)
            if missing:
                raise MissingGlyph(missing[0], where)

    def runs(self, text: str) -> list[tuple[str, str]]:
        """``text`` as ``(font name, run)`` pieces; undrawable characters go to the main font
        (callers refuse them first with :meth:`require`)."""
        out: list[tuple[str, str]] = []
        for ch in text:
            font = self.font_for(ch) or self._main.name
            if out and out[-1][0] == font:
                out[-1] = (font, out[-1][1] + ch)
            else:
                out.append((font, ch))
        return out

    def paragraph(self, text: str, style: Any) -> Any:
        """``text`` as a reportlab Paragraph in ``style``, each run in the font that has it
        (the 公示 list, the daily report, the notices and the archive list lay out tables of
        names with it)."""
        from xml.sax.saxutils import escape

        from reportlab.platypus import Paragraph

        markup = "".join(
            f'<font name="{font}">{escape(run)}</font>' for font, run in self.runs(text)
        )
        return Paragraph(markup, style)

    def width(self, text: str, size: float) -> float:
        return sum(pdfmetrics.stringWidth(run, font, size) for font, run in self.runs(text))


def _needs_glyph(ch: str) -> bool:
    # Line breaks and tabs are layout, never drawn.
    return ch not in "\n\r\t"


@cache
def default_chain() -> FontChain:
    """The process-wide chain: shipped fonts plus what this machine has (parsed once)."""
    return FontChain(MAIN, [*system_fallbacks(), *BUNDLED_FALLBACKS])


def check_text(text: str) -> list[str]:
    """Characters of ``text`` that no font of the default chain can print."""
    return default_chain().check_text(text)
