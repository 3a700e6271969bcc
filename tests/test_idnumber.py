from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station import codes, idnumber
from station.idnumber import DocumentType, IdNumberError

TODAY = dt.date(2026, 11, 29)


def test_known_public_example_number() -> None:
    # The worked example of GB 11643-1999 (appendix): 11010519491231002X.
    parsed = idnumber.parse("11010519491231002X", today=TODAY)
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.gender == "2"
    assert parsed.document_type is DocumentType.RESIDENT_ID


def test_lower_case_x_full_width_and_spaces_are_normalised() -> None:
    assert idnumber.parse(" 11010519491231002x ", today=TODAY).number == "11010519491231002X"
    full_width = "１１０１０５１９４９１２３１００２Ｘ"
    assert idnumber.parse(full_width, today=TODAY).number == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("110105491231002", "legacy_15"),
        ("1101051949123100", "length"),
        ("11010519491231002XX", "length"),
        ("1101051949123100AX", "characters"),
        ("11010519491231002Y", "characters"),
        ("911105194913310021", "birth_date"),  # a 9-prefix with month 13
        ("110105194902300027", "birth_date"),  # 30 February
        ("110105203001010011", "birth_future"),
        ("110105189912310013", "birth_too_early"),
        ("11010519491231002Y".replace("Y", "3"), "check_digit"),
        ("000105194912310021", "address_code"),
        (idnumber.make("710101", dt.date(2000, 1, 1), 1), "address_code"),  # Taiwan: permits only
        (idnumber.make("810101", dt.date(2000, 1, 1), 1), "address_code"),
        (idnumber.make("999156", dt.date(2000, 1, 1), 1), "address_code"),  # no province 99
    ],
)
def test_bad_numbers_are_refused_with_a_reason(raw: str, code: str) -> None:
    with pytest.raises(IdNumberError) as info:
        idnumber.parse(raw, today=TODAY)
    assert info.value.code == code
    assert info.value.message_zh  # every refusal says why in Chinese


def test_fifteen_digit_message_explains() -> None:
    with pytest.raises(IdNumberError) as info:
        idnumber.parse("110105491231002", today=TODAY)
    assert "15 位" in info.value.message_zh and "18 位" in info.value.message_zh


@pytest.mark.parametrize(
    ("prefix", "region"), [("810000", "香港"), ("820000", "澳门"), ("830000", "台湾")]
)
def test_residence_permits(prefix: str, region: str) -> None:
    number = idnumber.make(prefix, dt.date(2011, 5, 6), 3)
    parsed = idnumber.parse(number, today=TODAY)
    assert parsed.document_type is DocumentType.HMT_RESIDENCE_PERMIT
    assert idnumber.HMT_PREFIXES[prefix] == region
    assert parsed.gender == "1"


def test_foreign_permanent_residence_2023() -> None:
    # 9 + province of issue (11) + nationality (156 is only a placeholder here) + birth ...
    number = idnumber.make("911156", dt.date(2010, 7, 8), 12)
    parsed = idnumber.parse(number, today=TODAY)
    assert parsed.document_type is DocumentType.FOREIGN_PERMANENT_RESIDENCE
    assert parsed.birth_date == dt.date(2010, 7, 8)
    assert parsed.gender is None  # not cross-checked: the layout does not promise it


def test_mask() -> None:
    assert idnumber.mask("11010519491231002X") == "**************002X"


# --- properties -----------------------------------------------------------------------------

_counties = [d.code for d in codes.county_divisions()]
_provinces = [c for c, _ in codes.provinces().items() if c[:2] not in {"71", "81", "82"}]

valid_numbers = st.builds(
    idnumber.make,
    st.one_of(
        st.sampled_from(_counties),
        st.sampled_from(_provinces),
        st.sampled_from(sorted(idnumber.HMT_PREFIXES)),
    ),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)


@given(valid_numbers)
def test_every_generated_valid_number_passes(number: str) -> None:
    parsed = idnumber.parse(number, today=TODAY)
    assert parsed.number == number
    assert parsed.gender == ("1" if int(number[16]) % 2 else "2")
    assert idnumber.parse(number.lower(), today=TODAY).number == number


@given(
    valid_numbers, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=10)
)
def test_every_single_character_change_fails(number: str, position: int, shift: int) -> None:
    alphabet = "0123456789X" if position == 17 else "0123456789"
    current = alphabet.index(number[position])
    replacement = alphabet[(current + shift) % len(alphabet)]
    if replacement == number[position]:
        return
    changed = number[:position] + replacement + number[position + 1 :]
    with pytest.raises(IdNumberError):
        idnumber.parse(changed, today=TODAY)
