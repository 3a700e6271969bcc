"""The font chain of the printed form: which font draws which character, and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.form.fonts import BUNDLED_FALLBACK, MAIN, FontChain, FontSpec, MissingGlyph


@pytest.fixture(scope="module")
def chain() -> FontChain:
    """Shipped fonts only: the tests do not depend on what this machine has installed."""
    return FontChain(MAIN, [BUNDLED_FALLBACK])


def test_main_font_has_common_han_latin_digits_and_middle_dot(chain: FontChain) -> None:
    for ch in "张三阿依古丽·买买提0123456789ABCxyz（），。":
        assert chain.font_for(ch) == MAIN.name, ch


def test_extension_b_comes_from_the_bundled_fallback(chain: FontChain) -> None:
    assert chain.font_for("\U00020bb7") == BUNDLED_FALLBACK.name  # 𠮷
    assert chain.font_for("\U0002a6a5") == BUNDLED_FALLBACK.name  # 𪚥


def test_runs_split_by_font(chain: FontChain) -> None:
    assert chain.runs("𠮷田·明𪚥") == [
        (BUNDLED_FALLBACK.name, "𠮷"),
        (MAIN.name, "田·明"),
        (BUNDLED_FALLBACK.name, "𪚥"),
    ]
    assert chain.width("𠮷田", 10) > chain.width("田", 10) > 0


def test_check_text_lists_each_missing_character_once(chain: FontChain) -> None:
    # U+E000 (private use), U+2A700 (Extension C: not in the shipped subset).
    assert chain.check_text("王\ue000\ue000𪜀明") == ["\ue000", "\U0002a700"]
    assert chain.check_text("张三\n𠮷") == []


def test_require_names_the_field_the_character_and_its_code_point(chain: FontChain) -> None:
    with pytest.raises(MissingGlyph) as err:
        chain.require({"姓名": "王\U0002a700"})
    assert err.value.message_zh == (
        "姓名中的“\U0002a700”（U+2A700）没有可用字体，无法打印；请联系管理员安装字体"
    )
    assert err.value.exit_code == 1 and err.value.char == "\U0002a700"


def test_an_unusable_fallback_is_skipped(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    chain = FontChain(MAIN, [FontSpec("Broken", broken), BUNDLED_FALLBACK])
    assert chain.font_for("𠮷") == BUNDLED_FALLBACK.name
    assert chain.font_names == [MAIN.name, BUNDLED_FALLBACK.name]


def test_fallbacks_load_only_when_needed() -> None:
    chain = FontChain(MAIN, [BUNDLED_FALLBACK])
    chain.check_text("张三")
    assert chain.font_names == [MAIN.name]
