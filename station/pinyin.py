"""Pinyin initials of names (拼音首字母), so that ``zs`` finds 张三 in the queue.

A surname may be read several ways (曾 zēng/céng, 单 shàn/dān, 解 xiè/jiě): every reading of the
first character is kept, space-separated, so the operator's guess always matches. Other
characters take their most common reading: a name is no phrase, and phrase segmentation would
cost ten times as much (a roster import computes this for every row). Characters without a
reading (the middle dot, rare characters the dictionary lacks) are left out.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache


@cache
def _readings() -> dict[int, str]:
    from pypinyin.pinyin_dict import pinyin_dict  # 0.2 s to import: only when needed

    return pinyin_dict


@lru_cache(maxsize=1 << 16)  # bounded: text of any characters may come this way
def _letters(ch: str) -> tuple[str, ...]:
    """The initials of a character's readings, worked out once per character (the dictionary
    never changes while the program runs; a roster import asks for every name)."""
    readings = _readings().get(ord(ch))
    if not readings:
        return ()
    # "zēng" → "z": the first letter of each reading, tone marks stripped.
    firsts = (unicodedata.normalize("NFD", r)[0].lower() for r in readings.split(","))
    return tuple(dict.fromkeys(f for f in firsts if f.isascii() and f.isalpha()))


def initials(name: str) -> str:
    """``曾国藩`` → ``"cgf zgf"``: every reading of the surname, lower case."""
    if not name:
        return ""
    heads = _letters(name[0]) or ("",)
    rest = "".join(letters[0] for ch in name[1:] if (letters := _letters(ch)))
    return " ".join(dict.fromkeys(h + rest for h in heads if h + rest))


def matches(stored: str, query: str) -> bool:
    """Does any variant in ``stored`` start with ``query`` (already lower case)?"""
    return any(v.startswith(query) for v in stored.split())
