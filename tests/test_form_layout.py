"""The A4 form as a PDF: its text, its fonts (embedded TrueType subsets), one page."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from pypdf import PdfReader

from station.form import layout
from station.form.content import FormData, display_values
from station.form.fonts import BUNDLED_FALLBACKS, MAIN, FontChain
from station.photo.stored import placeholder_jpeg

from .factories import VALID_ID

DIGEST = "0123456789abcdef" * 4


@pytest.fixture(scope="module")
def chain() -> FontChain:
    return FontChain(MAIN, BUNDLED_FALLBACKS)


def record(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "张三",
        "document_type": "resident_id",
        "id_number": VALID_ID,
        "gender": "1",
        "birth_date": "2012-03-15",
        "ethnicity": "03",
        "political_status": "03",
        "household_division": "410105",
        "category": "previous",
        "school_code": "410105001",
        "school_name": "郑州市第一初级中学",
        "student_number": "G" + VALID_ID,
        "home_address": "河南省郑州市金水区花园路 1 号",
        "phone": "13800138000",
        "guardian_name": "张大山",
        "guardian_relation": "父亲",
        "guardian_phone": "13900139000",
        "allocation_applied": True,
        "allocation_basis": "本校连续三年在籍",
    }
    return values | overrides


def form(**overrides: Any) -> FormData:
    values: dict[str, Any] = {
        "exam_year": 2027,
        "station_name": "测试报名点",
        "station_code": "410105-03",
        "registration_no": "27410105030001",
        "version": 1,
        "digest": DIGEST,
        "record": record(),
        "photo_jpeg": placeholder_jpeg(),
        "printed_by": "采集员乙（caiji）",
        "printed_at": dt.datetime(2026, 11, 29, 9, 30),
        "print_no": 1,
    }
    return FormData(**(values | overrides))


def read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_form_shows_every_field_with_codes_as_names(chain: FontChain) -> None:
    reader, text = read(layout.render(form(), chain))
    assert len(reader.pages) == 1
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.1)
    for expected in (
        "2027年中考考生报名登记表",
        "报名号：27410105030001",
        "测试报名点（410105-03）",
        "张三",
        VALID_ID,
        "居民身份证",
        "男",
        "回族",  # ethnicity 03
        "中国共产主义青年团团员",  # political status 03
        "河南省郑州市金水区",
        "往届",
        "郑州市第一初级中学（学校代码 410105001）",
        "本校连续三年在籍",
        "考生签名",
        "监护人签名",
        "0123 4567 89ab cdef 0123 4567 89ab cdef",  # the digest, grouped
        f"ZK1|27410105030001|1|{DIGEST}",
        "采集员乙（caiji）",
        "2026-11-29 09:30",
    ):
        assert expected in text, expected
    assert "次打印" not in text and "本表替代" not in text


def test_display_values_turn_codes_into_names() -> None:
    shown = display_values(record(allocation_applied=False, category="social"))
    assert shown["ethnicity"] == "回族" and shown["gender"] == "男"
    assert shown["allocation_applied"] == "否" and shown["category"] == "社会"
    assert (
        display_values(record(household_division="810000"))["household_division"]
        == "香港特别行政区"
    )


def test_a_reprint_is_counted_and_a_new_version_voids_the_old(chain: FontChain) -> None:
    _, text = read(layout.render(form(version=2, print_no=3), chain))
    assert "第 3 次打印" in text
    assert "本表替代第 1 版" in text and "第 1 版登记表作废" in text
    assert "记录版本 第 2 版" in text


def test_fonts_are_embedded_truetype_subsets(chain: FontChain) -> None:
    reader, _ = read(layout.render(form(), chain))
    fonts = [f.get_object() for f in reader.pages[0]["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:
        assert font["/Subtype"] == "/TrueType"
        base = str(font["/BaseFont"])
        assert base[7] == "+" and base[1:7].isupper(), base  # subset tag, e.g. AAAAAA+
        assert "/FontFile2" in font["/FontDescriptor"].get_object()


def test_an_extension_b_name_prints_with_the_fallback_font(chain: FontChain) -> None:
    reader, text = read(layout.render(form(record=record(name="𠮷田·明𪚥")), chain))
    assert "\U00020bb7" in text and "\U0002a6a5" in text and "田·明" in text
    names = [
        str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()
    ]
    assert any(n.endswith("+HanaMinB") for n in names), names  # the PostScript name


# One real name per block: the characters of the issue, all in the 通用规范汉字表 but 𠮷.
NAMES_BY_BLOCK = [
    ("URO", "张三丰", "WenQuanYi"),
    ("Extension A", "刘䶮", "HanaMinA"),  # U+4DAE
    ("Extension B", "𠮷田明", "HanaMinB"),  # U+20BB7, not in the table: all of B is shipped
    ("Extension C", "王𫖯", "HanaMinB"),  # U+2B5AF
    ("Extension D", "李𫟦", "HanaMinB"),  # U+2B7E6
    ("Extension E", "陈𬌗", "HanaMinB"),  # U+2C317
    ("Extension E", "赵𬶋", "HanaMinB"),  # U+2CD8B
]


@pytest.mark.parametrize(("block", "name", "font"), NAMES_BY_BLOCK)
def test_a_name_from_each_block_prints(chain: FontChain, block: str, name: str, font: str) -> None:
    reader, text = read(layout.render(form(record=record(name=name)), chain))
    assert name in text, block
    names = [
        str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()
    ]
    assert any(font in n for n in names), (block, names)


def test_long_texts_stay_on_one_page(chain: FontChain) -> None:
    long = record(home_address="河南省郑州市金水区花园路 1 号院" * 7, allocation_basis="依据" * 100)
    reader, text = read(layout.render(form(record=long), chain))
    assert len(reader.pages) == 1 and "监护人签名" in text


def test_many_forms_in_one_document(chain: FontChain) -> None:
    pdf = layout.render([form(), form(registration_no="27410105030002")], chain)
    reader, text = read(pdf)
    assert len(reader.pages) == 2 and "27410105030002" in text
