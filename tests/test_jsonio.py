"""Strict JSON from outside (station/jsonio.py): lone surrogates refused however they come,
with the fast path (no walk when the text cannot hold one) agreeing with the full check."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station import jsonio


def _has_surrogate(value: object) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in str(value))


CHARS = st.one_of(
    st.characters(), st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"])
)


@given(st.lists(st.text(alphabet=CHARS, max_size=8), max_size=4), st.booleans())
def test_refused_exactly_when_a_lone_surrogate_is_there(texts: list[str], ascii_only: bool) -> None:
    document = json.dumps({"v": texts}, ensure_ascii=ascii_only)
    lone = any(_has_surrogate(t) for t in texts)
    for given_as in (document, document.encode("utf-8", "surrogatepass")):
        if lone:
            with pytest.raises(ValueError):
                jsonio.loads(given_as)
        else:
            assert jsonio.loads(given_as) == {"v": texts}


@pytest.mark.parametrize(
    "text",
    ['{"a": "\\ud800"}', '{"a": "\\uDFFF"}', '{"\\udc00": 1}', '["x", {"b": ["\\udbff"]}]'],
)
def test_escaped_surrogates_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="surrogate"):
        jsonio.loads(text)


def test_an_escaped_backslash_before_u_is_text() -> None:
    assert jsonio.loads('{"a": "\\\\ud800"}') == {"a": "\\ud800"}


def test_utf16_bytes_are_checked_whole() -> None:
    """UTF-16 bytes can also be valid UTF-8; json reads them as UTF-16 with surrogatepass."""
    crafted = '{"a":"\ud800\u0080"}'.encode("utf-16-le", "surrogatepass")
    with pytest.raises(ValueError):
        jsonio.loads(crafted)
