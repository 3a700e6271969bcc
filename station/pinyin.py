"""Pinyin initials of names (拼音首字母), so that ``zs`` finds 张三 in the queue.

A surname may be read several ways (曾 zēng/céng, 单 shàn/dān, 解 xiè/jiě): every reading of the
first character is kept, space-separated, so the operator's guess always matches. Characters
with no reading (the middle dot, rare characters pypinyin does not know) are left out.
"""

from __future__ import annotations


def initials(name: str) -> str:
    """``曾国藩`` → ``"zgf cgf"``: the variants, most likely first, lower case."""
    from pypinyin import Style, lazy_pinyin, pinyin  # 0.2 s to import: only when needed

    if not name:
        return ""
    rest = [p[0] for p in lazy_pinyin(name[1:], style=Style.FIRST_LETTER, errors="ignore")]
    rest = [p for p in rest if p.isascii() and p.isalpha()]
    first = pinyin(name[0], style=Style.FIRST_LETTER, heteronym=True, errors="ignore")
    heads = [h for h in (first[0] if first else []) if h.isascii() and h.isalpha()] or [""]
    variants = dict.fromkeys(h + "".join(rest) for h in heads)
    return " ".join(v.lower() for v in variants if v)


def matches(stored: str, query: str) -> bool:
    """Does any variant in ``stored`` start with ``query`` (already lower case)?"""
    return any(v.startswith(query) for v in stored.split())
