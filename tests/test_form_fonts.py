"""The font chain of the printed form: which font draws which character, and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from station.form.fonts import (
    BUNDLED_A,
    BUNDLED_B,
    BUNDLED_FALLBACKS,
    MAIN,
    FontChain,
    FontSpec,
    MissingGlyph,
)


@pytest.fixture(scope="module")
def chain() -> FontChain:
    """Shipped fonts only: the tests do not depend on what this machine has installed."""
    return FontChain(MAIN, BUNDLED_FALLBACKS)


def test_main_font_has_common_han_latin_digits_and_middle_dot(chain: FontChain) -> None:
    for ch in "张三阿依古丽·买买提0123456789ABCxyz（），。":
        assert chain.font_for(ch) == MAIN.name, ch


def test_extension_b_comes_from_the_bundled_fallback(chain: FontChain) -> None:
    assert chain.font_for("\U00020bb7") == BUNDLED_B.name  # 𠮷
    assert chain.font_for("\U0002a6a5") == BUNDLED_B.name  # 𪚥


def test_runs_split_by_font(chain: FontChain) -> None:
    assert chain.runs("𠮷田·明𪚥") == [
        (BUNDLED_B.name, "𠮷"),
        (MAIN.name, "田·明"),
        (BUNDLED_B.name, "𪚥"),
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
    chain = FontChain(MAIN, [FontSpec("Broken", broken), *BUNDLED_FALLBACKS])
    assert chain.font_for("𠮷") == BUNDLED_B.name
    assert chain.font_names == [MAIN.name, BUNDLED_A.name, BUNDLED_B.name]


def test_fallbacks_load_only_when_needed() -> None:
    chain = FontChain(MAIN, BUNDLED_FALLBACKS)
    chain.check_text("张三")
    assert chain.font_names == [MAIN.name]


GUIFAN = Path(__file__).resolve().parent.parent / "scripts" / "data" / "tongyong_guifan_2013.txt"


def test_every_character_of_the_tongyong_guifan_table_prints(chain: FontChain) -> None:
    """All 8,105 characters of the 通用规范汉字表 (2013) have a glyph in the shipped fonts."""
    lines = [line for line in GUIFAN.read_text("utf-8").splitlines() if not line.startswith("#")]
    table = "".join(line.split("\t")[2] for line in lines)
    assert len(table) == 8105
    assert chain.check_text(table) == []


def test_every_character_of_the_code_tables_prints(chain: FontChain) -> None:
    """Region names past and present, ethnicities …: whatever a form or a list may print."""
    import csv

    from station.resources import resource_path

    text = ""
    for path in sorted(resource_path("codes").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as f:
            text += "".join("".join(row) for row in csv.reader(f))
    assert chain.check_text(text) == []


def test_extension_a_comes_from_the_bundled_a_subset(chain: FontChain) -> None:
    assert chain.font_for("䶮") == BUNDLED_A.name  # U+4DAE: the main font lacks it
    assert chain.font_for("\U0002b5af") == BUNDLED_B.name  # 𫖯, Extension C


@pytest.mark.parametrize("char", ["\U0002ceb0", "\U00030000", "\U00031350"])
def test_past_the_shipped_subsets_a_character_is_named_not_dropped(
    chain: FontChain, char: str
) -> None:
    """Extension F, G, H outside the 通用规范汉字表: refused by name on a machine without
    BabelStone Han or the full Hanazono fonts (which the chain uses when installed)."""
    with pytest.raises(MissingGlyph) as err:
        chain.require({"姓名": "王" + char})
    assert f"U+{ord(char):04X}" in err.value.message_zh
