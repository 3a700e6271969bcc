"""Roster import in read-only mode (issue 19): the values as openpyxl's full load read them,
merged ranges and formulas from the sheet XML, damaged sheets refused as before, and one audit
event per stored row, written a chunk at a time."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from station import audit, roster
from station.auth import Context
from station.models import AuditEvent, Candidate
from station.roster_columns import field_for_header
from station.roster_read import RosterUnusable, read_roster

from .factories import ADMIN, record_for
from .test_roster import FIELDS, HEADERS, letter, patch_sheet, state_of, stored, write_roster

SHEET_XML = "xl/worksheets/sheet1.xml"


def edit_sheet(path: Path, edit: Any, part: str = SHEET_XML) -> None:
    """Rewrite one part of the file with ``edit(text) -> text``."""
    with zipfile.ZipFile(path) as src:
        members = {name: src.read(name) for name in src.namelist()}
    members[part] = edit(members[part].decode()).encode()
    with zipfile.ZipFile(path, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)


def lying_dimension(text: str) -> str:
    """A <dimension> smaller than the data, as some writers leave it: read-only mode trusts it."""
    return re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:B2"/>', text)


def full_load(path: Path, header_row: int) -> tuple[list[tuple[int, dict[str, Any]]], dict]:
    """What the reader read before issue 19, from openpyxl's full load: each data row's values
    (cells under a merged range empty, a vertical merge in one field column filled from its
    top-left cell) and, by row, the fields a merge across field columns makes unreadable."""
    ws = openpyxl.load_workbook(path, data_only=True)["考生"]
    header = [c.value for c in ws[header_row]]
    columns = {n: f for n, v in enumerate(header, start=1) if v and (f := field_for_header(v))}
    ranges = list(ws.merged_cells.ranges)
    rows: list[tuple[int, dict[str, Any]]] = []
    spanning: dict[int, set[str]] = {}
    for number in range(header_row + 1, ws.max_row + 1):
        own = {name: ws.cell(number, column).value for column, name in columns.items()}
        values = dict(own)
        for m in ranges:
            fields = [c for c in range(m.min_col, m.max_col + 1) if c in columns]
            if not m.min_row <= number <= m.max_row:
                continue
            if len(fields) > 1:
                spanning.setdefault(number, set()).update(columns[c] for c in fields)
            elif fields and number > m.min_row > header_row:
                values[columns[fields[0]]] = ws.cell(m.min_row, m.min_col).value
        if any(v is not None and str(v).strip() for v in own.values()):
            rows.append((number, values))
    return rows, spanning


def test_merged_cells_are_read_as_the_full_load_read_them(tmp_path: Path) -> None:
    path = tmp_path / "merged.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "考生"
    ws.append(["2027 年中考报名花名册（金水区第一初级中学）"])  # a title above the header
    ws.append([*HEADERS, "备注", "备注二"])
    for i in range(1, 11):  # rows 3-12
        overrides: dict[str, Any] = {}
        if i in (2, 3):
            overrides["school_name"] = None  # under the merged school of row 3
        if i == 8:
            overrides["guardian_name"] = "李四"  # left under a merged range (not Excel's way)
        ws.append([record_for(i, **overrides).get(f) for f in FIELDS] + [f"备注{i}", f"另{i}"])
    school, address, phone = letter("school_name"), letter("home_address"), letter("phone")
    note, other = (openpyxl.utils.get_column_letter(len(HEADERS) + n) for n in (1, 2))
    ws.merge_cells("A1:H1")
    ws.merge_cells(f"{note}2:{other}2")  # a merged header cell
    ws.merge_cells(f"{school}3:{school}5")  # down one field column: filled
    ws.merge_cells(f"{address}8:{phone}8")  # across two field columns: rejected
    ws.merge_cells(f"{letter('school_code')}12:{letter('school_code')}15")  # past the data
    ws.merge_cells(f"{note}4:{other}6")  # not a field column: nothing to say
    wb.save(path)
    guardian, relation = letter("guardian_name"), letter("guardian_relation")

    def merge_over_values(text: str) -> str:
        # Excel empties what it merges; other writers leave values under the range.
        return text.replace(
            "</mergeCells>",
            f'<mergeCell ref="{guardian}9:{guardian}10"/><mergeCell ref="{other}11:{other}12"/>'
            f'<mergeCell ref="{relation}11:{letter("guardian_phone")}11"/></mergeCells>',
        )

    edit_sheet(path, merge_over_values)
    edit_sheet(path, lying_dimension)

    read = read_roster(path)
    expected, spanning = full_load(path, header_row=2)
    assert (read.sheet, read.header_row) == ("考生", 2)
    assert [(r.number, r.original) for r in read.rows] == expected
    assert [r.number for r in read.rows] == list(range(3, 13))  # past the lying <dimension>
    unreadable = {
        r.number: {p.field for p in r.problems if "跨列合并" in p.reason} for r in read.rows
    }
    assert {n: f for n, f in unreadable.items() if f} == spanning
    assert spanning == {8: {"home_address", "phone"}, 11: {"guardian_relation", "guardian_phone"}}
    by_row = {r.number: r for r in read.rows}
    assert by_row[5].original["school_name"] == by_row[3].original["school_name"]
    assert by_row[10].original["guardian_name"] == "张大山"  # the range's value, not 李四
    assert by_row[11].original["guardian_phone"] is None  # under the range: not what Excel shows
    assert any("3 处纵向合并" in w for w in read.warnings), read.warnings
    assert read.headers["name"] == "姓名*"


def _prefixed(text: str) -> str:
    main = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    text = re.sub(
        r"<(/?)([A-Za-z])", r"<\1x:\2", text.replace(main, main.replace("xmlns", "xmlns:x"))
    )
    return text.replace("<x:?xml", "<?xml")


def _utf16(text: str) -> str:
    return '<?xml version="1.0" encoding="UTF-16"?>' + re.sub(r"^<\?xml[^>]*\?>", "", text)


def _commented(text: str) -> str:
    fake = "<!-- <mergeCells><mergeCell ref='A2:Z9'/></mergeCells> -->"
    return text.replace("<sheetData>", fake + "<sheetData>", 1)


@pytest.mark.parametrize(
    "edit", [_prefixed, _utf16, _commented], ids=["prefix", "utf-16", "comment"]
)
def test_merged_ranges_are_found_however_the_xml_is_written(tmp_path: Path, edit: Any) -> None:
    path = tmp_path / "written.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "考生"
    ws.append(["2027 年中考报名花名册"])
    ws.append(HEADERS)
    for i in range(1, 7):
        ws.append([record_for(i, school_name=None if i in (3, 4) else "郑州市第八中学").get(f) for f in FIELDS])  # fmt: skip
    ws.merge_cells("A1:F1")
    ws.merge_cells(f"{letter('school_name')}4:{letter('school_name')}6")
    wb.save(path)
    encoding = "utf-16" if edit is _utf16 else "utf-8"
    with zipfile.ZipFile(path) as src:
        members = {name: src.read(name) for name in src.namelist()}
    members[SHEET_XML] = edit(members[SHEET_XML].decode()).encode(encoding)
    with zipfile.ZipFile(path, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)

    read = read_roster(path)
    expected, _spanning = full_load(path, header_row=2)
    assert [(r.number, r.original) for r in read.rows] == expected
    assert [r.original["school_name"] for r in read.rows] == ["郑州市第八中学"] * 6
    assert any("1 处纵向合并" in w for w in read.warnings)


@pytest.mark.filterwarnings("ignore:Cell .* is marked as a date:UserWarning")
def test_formulas_and_error_values_as_before(admin_ctx: Context, tmp_path: Path) -> None:
    rows = [
        record_for(1, name=None),  # row 2: a formula with its cached value
        record_for(2, name=None),  # row 3: a formula never calculated
        record_for(3, home_address="#3 栋 101 室"),  # row 4: text that starts with #
        record_for(4),  # row 5: the phone is a formula whose result is an error
        record_for(5, birth_date=dt.date(2011, 1, 6)),  # row 6: a date serial past 9999
        record_for(6, school_name="#N/A"),  # row 7: an error value typed in
        record_for(7),  # row 8: nothing wrong
    ]

    def edit(ws: Any) -> None:
        ws[f"{letter('name')}2"] = '=CONCATENATE("王","五")'
        ws[f"{letter('name')}3"] = '=CONCATENATE("赵","六")'
        ws[f"{letter('phone')}5"] = "=1/0"

    path = write_roster(tmp_path / "formulas.xlsx", rows, edit=edit)
    name2, phone5, birth6 = f"{letter('name')}2", f"{letter('phone')}5", f"{letter('birth_date')}6"
    formula = '<f>CONCATENATE("王","五")</f>'
    patch_sheet(path, f'<c r="{name2}">{formula}<v /></c>', f'<c r="{name2}" t="str">{formula}<v>王五</v></c>')  # fmt: skip
    patch_sheet(path, f'<c r="{phone5}"><f>1/0</f><v /></c>', f'<c r="{phone5}" t="e"><f>1/0</f><v>#DIV/0!</v></c>')  # fmt: skip
    edit_sheet(
        path, lambda t: re.sub(rf'(<c r="{birth6}"[^>]*>)<v>\d+</v>', r"\1<v>20120315</v>", t)
    )
    edit_sheet(path, lying_dimension)  # the formula of row 3 lies past it: found all the same

    result = roster.import_roster(admin_ctx, path)
    assert result.imported == 3
    bad = {r.row: [(p.field, p.reason) for p in r.problems] for r in result.rejected}
    assert bad == {
        3: [("name", "公式没有计算结果：请在 Excel 中打开、保存后再导入")],
        5: [("phone", "单元格是错误值 #DIV/0!")],
        6: [("birth_date", "单元格是错误值 #VALUE!")],
        7: [("school_name", "单元格是错误值 #N/A")],
    }
    cached, hashed = stored(admin_ctx, 1), stored(admin_ctx, 3)
    assert cached is not None and cached.name == "王五"
    assert hashed is not None and hashed.home_address == "#3 栋 101 室"  # text, not an error


def _truncated(text: str) -> str:
    return text[: len(text) * 2 // 3]


def _wrong_end_tag_far_down(text: str) -> str:
    head, _sep, tail = text.rpartition("</row>")  # past the 20 rows the header search reads
    return head + "</rowx>" + tail


def _entities(text: str) -> str:
    # Expanding entities is how a small file becomes a huge one: no DTD is read at all.
    dtd = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    text = text.replace("<worksheet", dtd + "<worksheet", 1)
    return text.replace("</sheetData>", '</sheetData><mergeCells><mergeCell ref="Z1:Z2"/></mergeCells>')  # fmt: skip


@pytest.mark.parametrize(
    ("edit", "part"),
    [
        (_truncated, SHEET_XML),
        (_wrong_end_tag_far_down, SHEET_XML),
        (_truncated, "xl/worksheets/sheet2.xml"),  # a hidden sheet, never imported
    ],
    ids=["truncated", "wrong-end-tag", "other-sheet"],
)
def test_a_malformed_sheet_is_refused_like_any_damaged_file(
    admin_ctx: Context, tmp_path: Path, edit: Any, part: str
) -> None:
    def hidden_sheet(ws: Any) -> None:
        codes = ws.parent.create_sheet("备用")
        codes.append(["代码", "名称"])
        codes.sheet_state = "hidden"

    path = write_roster(tmp_path / "r.xlsx", [record_for(i) for i in range(30)], edit=hidden_sheet)
    edit_sheet(path, edit, part)
    before = state_of(admin_ctx)
    with pytest.raises(RosterUnusable) as caught:
        roster.import_roster(admin_ctx, path)
    assert caught.value.message_zh.startswith("文件已损坏或不是有效的 .xlsx 工作簿（")
    assert caught.value.exit_code == 2
    assert state_of(admin_ctx) == before


def _entities_in_a_cell(text: str) -> str:
    # No merges, no formulas: only openpyxl's own parser would read this sheet.
    dtd = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    text = text.replace("<worksheet", dtd + "<worksheet", 1)
    return re.sub(r"(<is><t>)([^<]*花园路[^<]*)(</t>)", r"\1\2&b;\3", text, count=1)


@pytest.mark.parametrize("edit", [_entities, _entities_in_a_cell], ids=["merges", "plain"])
@pytest.mark.parametrize("part", [SHEET_XML, "xl/worksheets/sheet2.xml", "[Content_Types].xml"])
def test_a_part_that_declares_a_dtd_is_refused_before_any_parser_reads_it(
    admin_ctx: Context, tmp_path: Path, edit: Any, part: str
) -> None:
    def hidden_sheet(ws: Any) -> None:
        ws.parent.create_sheet("备用").sheet_state = "hidden"

    path = write_roster(tmp_path / "r.xlsx", [record_for(i) for i in range(5)], edit=hidden_sheet)
    if part == "[Content_Types].xml":
        edit_sheet(path, lambda t: t.replace("<Types", '<!DOCTYPE Types [<!ENTITY x "y">]><Types', 1), part)  # fmt: skip
    else:
        edit_sheet(path, edit, part)
    before = state_of(admin_ctx)
    with pytest.raises(RosterUnusable) as caught:
        roster.import_roster(admin_ctx, path)
    assert "DTD" in caught.value.message_zh and caught.value.exit_code == 2
    assert state_of(admin_ctx) == before


def _import_in_chunks(ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster, "CHUNK", 3)
    rows = [record_for(i) for i in range(1, 8)]
    rows.insert(2, record_for(99, phone="123"))  # rejected: no event
    result = roster.import_roster(ctx, write_roster(tmp_path / "r.xlsx", rows))
    assert (result.imported, len(result.rejected)) == (7, 1)


def test_every_stored_row_has_its_create_event(
    admin_ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import_in_chunks(admin_ctx, tmp_path, monkeypatch)
    with admin_ctx.store.read() as s:
        assert audit.verify(s).ok
        candidates = {c.id: c for c in s.scalars(select(Candidate))}
        creates = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "create").order_by(AuditEvent.seq)
        ).all()
        assert [e.candidate_id for e in creates] == sorted(candidates)
        for e in creates:
            c = candidates[e.candidate_id]
            assert (e.actor, e.version, e.reason) == (ADMIN[0], 1, "")
            assert e.detail == audit.canonical_json(
                {"registration_no": c.registration_no, "source": "roster", "demo": False}
            )
            stored_at = c.created_at.replace(tzinfo=dt.UTC)
            assert e.at == stored_at.isoformat(timespec="microseconds")


def test_the_create_events_are_written_a_chunk_at_a_time(
    admin_ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every event goes through append_events (append and append_many too): the create
    # events of each call are counted.
    chunks: list[int] = []
    append_events = audit.append_events

    def spy_events(session: Any, actor: str, events: list, **kwargs: Any) -> None:
        if creates := sum(1 for action, *_ in events if action == "create"):
            chunks.append(creates)
        append_events(session, actor, events, **kwargs)

    monkeypatch.setattr(audit, "append_events", spy_events)
    _import_in_chunks(admin_ctx, tmp_path, monkeypatch)
    assert chunks == [2, 3, 2]  # three rows a chunk; the first chunk's third is rejected
