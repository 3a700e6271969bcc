from __future__ import annotations

import datetime as dt

import pytest

from station import codes, idnumber
from station.validation import (
    AgeRule,
    Policy,
    check_division,
    check_name,
    normalise_name,
    normalise_phone,
    validate_candidate,
)

from .factories import VALID_ID, valid_record

POLICY = Policy(age_reference_date=dt.date(2027, 6, 1), today=dt.date(2026, 11, 29))


def codes_of(raw: dict, field: str | None = None) -> set[str]:
    result = validate_candidate(raw, POLICY)
    return {i.code for i in result.issues if field is None or i.field == field}


def test_valid_record_passes_and_derives_birth_and_gender() -> None:
    result = validate_candidate(valid_record(), POLICY)
    assert result.ok, result.issues
    assert result.data.birth_date == dt.date(2012, 3, 15)
    assert result.data.gender == "1"
    assert result.data.id_number == VALID_ID


def test_every_issue_names_field_and_reason_in_both_languages() -> None:
    result = validate_candidate({}, POLICY)
    assert not result.ok
    for issue in result.issues:
        assert issue.field and issue.code and issue.message_zh and issue.message_en
        assert issue.label_zh  # the UI shows "字段：原因"


def test_gender_and_birth_date_are_cross_checked_with_the_id_number() -> None:
    assert "id_mismatch" in codes_of(valid_record(gender="2"), "gender")
    assert "id_mismatch" in codes_of(valid_record(birth_date="2012-03-16"), "birth_date")
    assert codes_of(valid_record(gender="男", birth_date="2012年03月15日")) == set()


@pytest.mark.parametrize(
    "name",
    ["张三", "欧阳娜娜", "阿依古丽·买买提", "𠮷田明", "王𪚥", "𰻞𰻞", "李〇", "司马懿"],
)
def test_names_accept_rare_and_minority_names(name: str) -> None:
    assert check_name(name) == []


def test_supplementary_plane_characters_are_kept_exactly() -> None:
    result = validate_candidate(valid_record(name=" 𠮷田\u3000明 "), POLICY)
    assert result.data.name == "𠮷田明"
    assert len(result.data.name) == 3  # one code point each, nothing replaced


@pytest.mark.parametrize("dot", ["\u00b7", "\u2022", "\u30fb", "\uff65", "\u2027"])
def test_middle_dot_look_alikes_are_normalised(dot: str) -> None:
    assert normalise_name(f"阿依古丽{dot}买买提") == "阿依古丽·买买提"


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "required"),
        ("张3", "digit"),
        ("张san", "latin"),
        ("张", "too_short"),
        ("·张三", "dot_position"),
        ("张··三", "dot_position"),
        ("张三!", "character"),
        ("张" * 41, "too_long"),
    ],
)
def test_bad_names(name: str, code: str) -> None:
    assert [i.code for i in check_name(name)] == [code]


def test_latin_names_only_with_foreign_permanent_residence_id() -> None:
    foreign = idnumber.make("911156", dt.date(2012, 1, 2), 5)
    ok = valid_record(
        name="John Smith",
        document_type="foreign_permanent_residence",
        id_number=foreign,
        gender="1",
        student_number="",
    )
    assert codes_of(ok, "name") == set()
    assert "latin" in codes_of(valid_record(name="John Smith"), "name")


def test_document_type_must_match_number() -> None:
    permit = idnumber.make("810000", dt.date(2012, 3, 15), 1)
    issues = codes_of(valid_record(id_number=permit, student_number=""), "id_number")
    assert "document_type_mismatch" in issues
    assert (
        codes_of(
            valid_record(id_number=permit, document_type="港澳台居民居住证", student_number=""),
            "id_number",
        )
        == set()
    )


def test_full_width_digits_are_normalised() -> None:
    full = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in VALID_ID)
    result = validate_candidate(
        valid_record(id_number=full, phone="１３８００１３８０００"), POLICY
    )
    assert result.ok, result.issues
    assert result.data.id_number == VALID_ID
    assert result.data.phone == "13800138000"


@pytest.mark.parametrize(
    ("raw", "ok"),
    [
        ("13800138000", True),
        ("+86 138 0013 8000", True),
        ("138-0013-8000", True),
        ("12800138000", False),
        ("1380013800", False),
        ("0371-69691899", False),  # a landline is not a reachable mobile number
    ],
)
def test_candidate_phone_must_be_mobile(raw: str, ok: bool) -> None:
    assert (codes_of(valid_record(phone=raw), "phone") == set()) is ok


def test_guardian_phone_may_be_landline() -> None:
    assert codes_of(valid_record(guardian_phone="0371-69691899"), "guardian_phone") == set()
    assert normalise_phone("+8613900139000") == "13900139000"


def test_ethnicity_table_is_complete_and_spelled_as_the_standard() -> None:
    table = codes.ethnicities()
    assert len(table) == 58
    assert [c for c, _ in table.items()][:56] == [f"{i:02d}" for i in range(1, 57)]
    assert table.name_of("31") == "达斡尔族"
    assert table.name_of("36") == "毛南族"
    assert table.name_of("97") == "其他"
    assert table.name_of("98") == "外国血统中国籍人士"
    assert codes_of(valid_record(ethnicity="回族")) == set()
    assert codes_of(valid_record(ethnicity="3")) == set()  # Excel dropped the zero
    assert "unknown_code" in codes_of(valid_record(ethnicity="57"), "ethnicity")


def test_political_status_table() -> None:
    table = codes.political_statuses()
    assert len(table) == 13
    assert table.name_of("03") == "中国共产主义青年团团员"
    assert table.name_of("13") == "群众"
    assert "unknown_code" in codes_of(valid_record(political_status="14"), "political_status")


def test_henan_is_shipped_whole_within_the_national_table() -> None:
    table = codes.divisions()
    henan = [d for d in table.values() if d.code.startswith("41")]
    assert len([d for d in henan if d.level == "prefecture"]) == 17
    assert len([d for d in henan if d.level == "county"]) == 157
    assert table["419001"].name == "济源市" and table["419001"].parent == "410000"
    assert codes.division_full_name("410105") == "河南省郑州市金水区"
    assert len(codes.county_divisions()) > 2800


@pytest.mark.parametrize(
    ("division", "code", "severity"),
    [
        ("410105", None, None),
        ("410100", "division_level", "error"),
        ("410171", "unknown_code", "error"),  # development zone: not a GB/T 2260 code
        ("4101", "division_format", "error"),
        ("990101", "unknown_code", "error"),
        ("110105", None, None),  # 北京市朝阳区: 随迁子女 from anywhere in the country
        ("650102", None, None),  # 乌鲁木齐市天山区
        ("441900", None, None),  # 东莞市: a prefecture-level city with no county under it
        ("460400", None, None),  # 儋州市, likewise
        ("440300", "division_level", "error"),  # 深圳市 has districts: name one
        ("110000", "division_level", "error"),
        ("412701", "division_abolished", "error"),  # 周口市 (周口地区), abolished in 2000
        ("110103", "division_abolished", "error"),  # 崇文区, merged into 东城区 in 2010
        ("110199", "unknown_code", "error"),
    ],
)
def test_household_division(division: str, code: str | None, severity: str | None) -> None:
    result = validate_candidate(valid_record(household_division=division), POLICY)
    issues = result.for_field("household_division")
    if code is None:
        assert issues == []
    else:
        assert [(i.code, i.severity) for i in issues] == [(code, severity)]


def test_an_abolished_code_names_the_codes_that_took_over() -> None:
    issues = validate_candidate(valid_record(household_division="110103"), POLICY).for_field(
        "household_division"
    )
    assert "110101 北京市东城区" in issues[0].message_zh
    assert "崇文区" in issues[0].message_zh and "1981–2010" in issues[0].message_zh


def test_every_code_suggested_for_an_abolished_one_is_accepted() -> None:
    """The advice follows chains of codes abolished in turn, and names only what the field
    takes (410321 偃师县 → 410381 偃师市, itself abolished in 2021 → 410307 偃师区)."""
    message = validate_candidate(valid_record(household_division="410321"), POLICY)
    assert "410307 河南省洛阳市偃师区" in message.for_field("household_division")[0].message_zh
    for code in codes.former_divisions():
        if code in codes.divisions():
            continue
        for suggested in codes.current_successors(code):
            if codes.is_smallest_unit(codes.divisions()[suggested]):
                assert check_division(suggested) == [], (code, suggested)


@pytest.mark.parametrize(
    ("prefix", "warned"),
    [
        ("412701", False),  # 周口市 until 2000: IDs issued then still carry it
        ("110103", False),  # 崇文区 until 2010
        ("419001", False),  # 义马市 1987–1990, 济源市 since 1996: both meanings are fine
        ("441900", False),  # a prefecture-level code in use
        ("410101", True),  # 市辖区 placeholder: in no edition of the county-level list
        ("419999", True),
    ],
)
def test_id_number_address_code_may_be_historical(prefix: str, warned: bool) -> None:
    number = idnumber.make(prefix, dt.date(2011, 5, 6), 7)
    result = validate_candidate(
        valid_record(id_number=number, birth_date="2011-05-06", gender="1"), POLICY
    )
    issues = [(i.code, i.severity) for i in result.for_field("id_number")]
    assert issues == ([("id_address_unknown", "warning")] if warned else [])
    # The same code as the current 户籍所在地 is refused when it is no longer in use.
    if prefix in ("412701", "110103"):
        household = validate_candidate(valid_record(household_division=prefix), POLICY)
        assert household.for_field("household_division")[0].code == "division_abolished"


def test_every_province_has_counties_and_every_parent_exists() -> None:
    table = codes.divisions()
    assert len([d for d in table.values() if d.level == "province"]) == 34
    for d in table.values():
        assert d.parent is None or d.parent in table, d
    assert {d.code[:2] for d in codes.county_divisions()} >= {
        p[:2] for p in table if p.endswith("0000") and p[:2] not in ("71", "81", "82")
    }
    assert codes.division_full_name("650102") == "新疆维吾尔自治区乌鲁木齐市天山区"


def test_development_zone_code_outside_table_is_an_error() -> None:
    assert "410171" not in codes.divisions()


def test_age_must_fit_the_category() -> None:
    too_old = idnumber.make("410105", dt.date(1990, 1, 1), 1)
    assert "age_implausible" in codes_of(
        valid_record(id_number=too_old, student_number=""), "birth_date"
    )
    # ... but a social candidate of 37 is fine
    assert (
        codes_of(
            valid_record(
                id_number=too_old,
                category="social",
                student_number="",
                school_code="",
                school_name="",
            )
        )
        == set()
    )
    strict = Policy(
        age_rules={"fresh": AgeRule(16, 17)},
        age_reference_date=dt.date(2027, 6, 1),
        today=dt.date(2026, 11, 29),
    )
    assert "age_implausible" in {i.code for i in validate_candidate(valid_record(), strict).issues}


def test_minor_needs_a_guardian() -> None:
    record = valid_record(guardian_name="", guardian_relation="", guardian_phone="")
    assert "required" in codes_of(record, "guardian_name")


def test_allocation_place_only_for_fresh_candidates_and_needs_a_basis() -> None:
    assert "required" in codes_of(valid_record(allocation_applied="是"), "allocation_basis")
    assert (
        codes_of(valid_record(allocation_applied="是", allocation_basis="本校连续三年在籍"))
        == set()
    )
    previous = valid_record(
        category="往届", allocation_applied=True, allocation_basis="x", student_number=""
    )
    assert "not_fresh" in codes_of(previous, "allocation_applied")
    assert "format" in codes_of(valid_record(allocation_applied="也许"), "allocation_applied")


def test_fresh_candidate_needs_student_number_and_school() -> None:
    issues = codes_of(valid_record(student_number="", school_code="", school_name=""))
    assert issues == {"required"}
    assert codes_of(valid_record(student_number="g" + VALID_ID.lower())) == set()


def test_future_birth_date_refused() -> None:
    record = valid_record(id_number="", birth_date="2030-01-01")
    assert "future" in codes_of(record, "birth_date") or "id_mismatch" in codes_of(
        record, "birth_date"
    )


def test_residence_permit_holders_give_their_region_as_household() -> None:
    permit = idnumber.make("810000", dt.date(2012, 3, 15), 1)
    record = valid_record(
        id_number=permit,
        document_type="hmt_residence_permit",
        household_division="810000",
        student_number="G" + permit,
    )
    assert codes_of(record) == set()
    resident = valid_record(household_division="810000")
    assert "division_level" in codes_of(resident, "household_division")


def test_foreigners_have_no_household_registration() -> None:
    foreign = idnumber.make("911156", dt.date(2012, 1, 2), 5)
    record = valid_record(
        name="Anna Lee",
        document_type="foreign_permanent_residence",
        id_number=foreign,
        gender="2",
        household_division="",
        ethnicity="97",
        student_number="G" + foreign,
    )
    assert codes_of(record) == set()


def test_full_width_punctuation_in_text_is_kept() -> None:
    result = validate_candidate(valid_record(home_address="金水区花园路１号，３单元（东）"), POLICY)
    assert result.data.home_address == "金水区花园路1号，3单元（东）"
    assert (
        validate_candidate(
            valid_record(phone="＋８６ １３８－００１３－８０００"), POLICY
        ).data.phone
        == "13800138000"
    )


def test_codes_that_need_an_age_are_warned_not_changed() -> None:
    """A 15-year-old recorded as a Party member or probationary member (GB/T 4762 01, 02)
    passes, with a warning to check; a Youth League member from 14; the code stays."""
    on = Policy(today=dt.date(2027, 3, 1))  # born 2012-03-15: 14 that day
    for code in ("01", "02"):
        result = validate_candidate(valid_record(political_status=code), on)
        (warning,) = result.for_field("political_status")
        assert result.ok and warning.severity == "warning" and warning.code == "too_young"
        assert "18" in warning.message_zh and "14" in warning.message_zh
        assert result.data.political_status == code
    assert (
        validate_candidate(valid_record(political_status="03"), on).for_field("political_status")
        == []
    )
    younger = Policy(today=dt.date(2026, 3, 1))  # 13
    assert [
        i.code
        for i in validate_candidate(valid_record(political_status="03"), younger).for_field(
            "political_status"
        )
    ] == ["too_young"]
    grown = Policy(today=dt.date(2030, 3, 20))  # 18
    assert (
        validate_candidate(valid_record(political_status="01"), grown).for_field("political_status")
        == []
    )
