"""JSON read from outside (batch files, signed documents, key files, backups, settings): one
parser whose only failure is ``ValueError``, so every caller's refusal path catches it.

``json.loads`` raises ``RecursionError`` on a document nested a few thousand levels deep; from
a crafted manifest, receipt, review or key file that was a traceback instead of a reason.
"""

from __future__ import annotations

import json
import re
from typing import Any


def loads(text: str | bytes) -> Any:
    """Strict JSON: a key twice in one object, ``NaN``/``Infinity`` and lone surrogates
    (``"\\ud800"``, which no UTF-8 text can hold) are refused. With duplicate keys a reader
    that keeps the first value and one that keeps the last would see two documents under one
    signature."""
    encoding = "utf-8"
    if isinstance(text, bytes | bytearray):
        # As json.loads reads bytes (it would make a new decoder for our hooks every call:
        # a county ingest parses hundreds of thousands of small documents).
        encoding = json.detect_encoding(text)
        plain = text.decode(encoding, "surrogatepass")
    else:
        plain = text
    try:
        value = _DECODER.decode(plain)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    # UTF-16/32 (or UTF-8 with a BOM) read with surrogatepass: look at all.
    if encoding != "utf-8" or _may_hold_surrogates(plain):
        _no_surrogates(value)
    return value


# A lone surrogate reaches a parsed string only from a \uD800-\uDFFF escape or from a
# surrogate already in the text: without either, the walk over every string is skipped (it
# was most of the time spent reading a batch's 500 records).
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def _may_hold_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True  # a surrogate in the text itself (bytes read with surrogatepass too)
    return _ESCAPED_SURROGATE.search(text) is not None


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"duplicate key {twice!r}")
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_unique, parse_constant=_no_constant)


def _no_surrogates(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("a lone surrogate (\\ud800-\\udfff) in a string") from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
