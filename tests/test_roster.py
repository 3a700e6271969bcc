"""Roster import and export (花名册): template, import rules, what Excel does, unusable files."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from station import auth, records, roster, seeding
from station.auth import Context
from station.models import AuditEvent, Candidate
from station.roster_columns import COLUMNS
from station.roster_read import OLE2_SIGNATURE
from station.settings import save

from .factories import cli_settings, record_for, synthetic_id
from .test_cli import ADMIN_ENV, assert_one_line_error, run

HEADERS = [c.header for c in COLUMNS]
FIELDS = [c.field for c in COLUMNS]


def letter(name: str) -> str:
    return openpyxl.utils.get_column_letter(FIELDS.index(name) + 1)


def write_roster(
    path: Path,
    rows: Sequence[dict[str, Any] | None],
    *,
    headers: Sequence[str] = HEADERS,
    sheet: str = "考生",
    edit: Callable[[Any], None] | None = None,
) -> Path:
    """A roster as a user might make it: ``None`` rows stay empty; ``edit`` touches the sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(headers))
    for values in rows:
        ws.append([] if values is None else [values.get(f) for f in FIELDS])
    if edit:
        edit(ws)
    wb.save(path)
    return path


def patch_sheet(path: Path, old: str, new: str) -> None:
    """Edit the sheet XML: what Excel writes and openpyxl cannot (a formula's cached result,
    an 18-digit integer, which openpyxl itself would write as a float)."""
    with zipfile.ZipFile(path) as src:
        members = {name: src.read(name) for name in src.namelist()}
    sheet = members["xl/worksheets/sheet1.xml"].decode()
    assert sheet.count(old) == 1, old
    members["xl/worksheets/sheet1.xml"] = sheet.replace(old, new).encode()
    with zipfile.ZipFile(path, "w") as out:
        for name, data in members.items():
            out.writestr(name, data)


def state_of(ctx: Context) -> tuple[int, int]:
    """Candidates and audit events: what an import must leave alone when it refuses."""
    with ctx.store.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Candidate)) or 0,
            s.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def stored(ctx: Context, i: int) -> Candidate | None:
    with ctx.store.session() as s:
        return records.find_by_id_number(s, synthetic_id(i))


# --- template -------------------------------------------------------------------------------


def test_template_has_headers_lists_text_columns_and_help(tmp_path: Path) -> None:
    path = tmp_path / "模板.xlsx"
    roster.write_template(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["考生", "说明", "codes"]
    assert wb["codes"].sheet_state == "hidden"
    data = wb["考生"]
    assert [c.value for c in data[1]] == HEADERS
    assert data.max_row == 1  # no sample among the data: importing the template imports nothing
    assert "姓名*" in HEADERS and "证件号码*" in HEADERS and "性别" in HEADERS
    for name in ("id_number", "phone", "guardian_phone", "household_division", "student_number"):
        assert data.column_dimensions[letter(name)].number_format == "@", name
    lists = {
        str(v.sqref).split(":")[0][:-1]: v.formula1 for v in data.data_validations.dataValidation
    }
    codes_sheet = wb["codes"]
    choices = {
        col[0].value: [c.value for c in col[1:] if c.value is not None]
        for col in codes_sheet.iter_cols()
    }
    for label, some in {
        "证件类型": ["居民身份证", "港澳台居民居住证"],
        "性别": ["男", "女"],
        "民族": ["汉族", "达斡尔族", "毛南族"],
        "政治面貌": ["中国共产主义青年团团员", "群众"],
        "考生类别": ["应届", "往届", "社会"],
        "监护人关系": ["父亲", "母亲", "其他监护人"],
        "分配生资格申请": ["是", "否"],
    }.items():
        field = next(c.field for c in COLUMNS if c.label == label)
        assert lists[letter(field)].startswith("codes!$"), label
        assert set(some) <= set(choices[label]), label
    assert len(choices["民族"]) == 58 and choices["性别"] == ["男", "女"]
    help_text = " ".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "41010520120315059X" in help_text and "密码" in help_text and "文本" in help_text


def test_importing_the_untouched_template_imports_nothing(admin_ctx: Context, tmp_path: Path):
    path = tmp_path / "模板.xlsx"
    roster.write_template(path)
    result = roster.import_roster(admin_ctx, path)
    assert (result.rows, result.imported, result.complete) == (0, 0, True)
    assert result.sheet == "考生" and result.warnings == []


# --- a mixed file, the errors workbook, fixing and importing again --------------------------


def mixed_file(path: Path) -> Path:
    headers = [" 姓 名 ", "证件号码（必填）", *HEADERS[3:], "备注"]
    headers.insert(1, "证件类型")
    rows = [
        record_for(1),
        record_for(2, name="张3"),  # row 3
        None,  # an empty row is skipped
        record_for(4, phone="12345"),  # row 5
        record_for(5, ethnicity="汉族", home_address="  河南省郑州市金水区经三路 5 号  "),
        record_for(6, household_division=""),  # row 7
        record_for(7),
    ]
    return write_roster(path, rows, headers=headers)


def test_mixed_file_stores_valid_rows_and_lists_the_rest(admin_ctx: Context, tmp_path: Path):
    result = roster.import_roster(admin_ctx, mixed_file(tmp_path / "花名册.xlsx"))
    assert (result.rows, result.imported, result.already_present) == (6, 3, 0)
    assert not result.complete and not result.conflicts
    assert [r.row for r in result.rejected] == [3, 5, 7]
    where = {(p.row, p.column) for r in result.rejected for p in r.problems}
    assert where == {(3, "姓 名"), (5, "联系电话*"), (7, "户籍所在地*")}
    assert "数字" in result.rejected[0].problems[0].reason
    assert any("备注" in w for w in result.warnings)
    fifth = stored(admin_ctx, 5)
    assert fifth is not None and fifth.home_address == "河南省郑州市金水区经三路 5 号"
    assert fifth.ethnicity == "01" and fifth.state == "draft"
    assert fifth.name_initials == "zs" and fifth.registration_no.endswith("0002")
    assert stored(admin_ctx, 2) is None
    with admin_ctx.store.read() as s:  # one create event per stored row, chain intact
        from station import audit

        assert audit.verify(s).ok
        creates = s.scalars(select(AuditEvent).where(AuditEvent.action == "create")).all()
        assert len(creates) == 3 and all('"source":"roster"' in e.detail for e in creates)

    errors = tmp_path / "错误.xlsx"
    roster.write_errors(result, errors)
    wb = openpyxl.load_workbook(errors)
    detail = [[c.value for c in row] for row in wb["错误明细"].iter_rows(min_row=2)]
    assert [d[:3] for d in detail if d[0]] == [
        [3, "张3", "姓 名"],
        [5, "张三", "联系电话*"],
        [7, "张三", "户籍所在地*"],
    ]
    assert any("备注" in str(d[3]) for d in detail if not d[0])
    data = wb["考生"]
    assert [c.value for c in data[1]] == [*HEADERS, "原行号", "错误原因"]
    second = [c.value for c in data[2]]
    assert second[FIELDS.index("name")] == "张3" and second[-2] == 3
    assert second[FIELDS.index("id_number")] == synthetic_id(2)
    assert data[f"{letter('name')}2"].fill.fgColor.rgb.endswith("FFC7CE")
    assert data[f"{letter('phone')}3"].value == "12345"

    # The user fixes the errors workbook and imports it: only the fixed row is new.
    data[f"{letter('name')}2"] = "张三丰"
    wb.save(errors)
    again = roster.import_roster(admin_ctx, errors)
    assert (again.imported, again.already_present, len(again.rejected)) == (1, 0, 2)
    assert again.warnings == []  # 原行号 and 错误原因 are the station's own columns
    assert stored(admin_ctx, 2) is not None


def test_reimport_is_idempotent_and_differences_are_conflicts(admin_ctx: Context, tmp_path):
    path = write_roster(tmp_path / "a.xlsx", [record_for(i) for i in range(3)])
    assert roster.import_roster(admin_ctx, path).imported == 3
    before = state_of(admin_ctx)
    again = roster.import_roster(admin_ctx, path)
    assert (again.imported, again.already_present, again.complete) == (0, 3, True)
    assert state_of(admin_ctx) == before

    first = stored(admin_ctx, 1)
    assert first is not None
    changed = [record_for(0), record_for(1, phone="13700137000"), record_for(9), record_for(9)]
    changed.append(record_for(9, home_address="另一个地址 9 号"))
    result = roster.import_roster(admin_ctx, write_roster(tmp_path / "b.xlsx", changed))
    assert (result.imported, result.already_present) == (1, 2)
    ninth = stored(admin_ctx, 9)
    assert ninth is not None
    assert [(c.row, c.registration_no) for c in result.conflicts] == [
        (3, first.registration_no),
        (6, ninth.registration_no),
    ]
    assert "联系电话" in result.conflicts[0].problems[0].reason
    assert first.registration_no in result.conflicts[0].problems[0].reason
    assert "第 4 行" in result.conflicts[1].problems[0].reason
    after = stored(admin_ctx, 1)
    assert after is not None and after.phone == first.phone  # never merged


# --- what Excel does to values --------------------------------------------------------------


def test_numbers_dates_formulas_and_merged_cells(admin_ctx: Context, tmp_path: Path) -> None:
    rows = [
        record_for(1, phone=13800138000, ethnicity=1) | {"id_number": 123456},  # see below
        record_for(2) | {"id_number": float(synthetic_id(2))},  # row 3: digits lost
        record_for(3, birth_date=dt.datetime(2011, 1, 4), political_status="  03 "),
        record_for(4, birth_date=40548),  # serial of 2011-01-05, a General-format cell
        record_for(5, name=None),  # row 6: name by a formula with a cached value
        record_for(6, name=None),  # row 7: a formula never calculated
        record_for(7, school_name="郑州市第八中学"),  # rows 8-10: school merged downwards
        record_for(8, school_name=None),
        record_for(9, school_name=None),
        record_for(10, home_address="金水路 10 号"),  # row 11: address merged with the phone
    ]

    def edit(ws: Any) -> None:
        ws[f"{letter('name')}6"] = '=CONCATENATE("王","五")'
        ws[f"{letter('name')}7"] = '=CONCATENATE("赵","六")'
        ws.merge_cells(f"{letter('school_name')}8:{letter('school_name')}10")
        ws.merge_cells(f"{letter('home_address')}11:{letter('phone')}11")

    path = write_roster(tmp_path / "excel.xlsx", rows, edit=edit)
    name6 = f"{letter('name')}6"
    formula = '<f>CONCATENATE("王","五")</f>'
    patch_sheet(
        path,
        f'<c r="{name6}">{formula}<v /></c>',
        f'<c r="{name6}" t="str">{formula}<v>王五</v></c>',
    )
    patch_sheet(path, "<v>123456</v>", f"<v>{synthetic_id(1)}</v>")  # an exact integer cell
    result = roster.import_roster(admin_ctx, path)
    bad = {r.row: [(p.column, p.reason) for p in r.problems] for r in result.rejected}
    assert sorted(bad) == [3, 7, 11], bad
    assert len(bad[3]) == 1 and "文本" in bad[3][0][1] and bad[3][0][0] == "证件号码*"
    assert bad[7] == [("姓名*", "公式没有计算结果：请在 Excel 中打开、保存后再导入")]
    assert [c for c, _ in bad[11]] == ["家庭住址*", "联系电话*"]
    assert all("跨列合并" in reason and "11" in reason for _, reason in bad[11])
    assert result.imported == 7
    assert any("纵向合并" in w for w in result.warnings)
    first, formula = stored(admin_ctx, 1), stored(admin_ctx, 5)
    assert first is not None and first.phone == "13800138000" and first.ethnicity == "01"
    assert formula is not None and formula.name == "王五"
    for i in (7, 8, 9):
        merged = stored(admin_ctx, i)
        assert merged is not None and merged.school_name == "郑州市第八中学"


def test_convert_rules() -> None:
    from station.roster_columns import Kind
    from station.roster_read import convert

    epoch = dt.datetime(1899, 12, 30)
    assert convert(Kind.ID, 410105201103150011, epoch) == ("410105201103150011", None)
    assert convert(Kind.ID, 4.10105201203150e17, epoch)[1] is not None
    assert convert(Kind.PHONE, 13800138000.0, epoch) == ("13800138000", None)
    assert convert(Kind.DATE, 40548, epoch) == (dt.date(2011, 1, 5), None)
    assert convert(Kind.DATE, 20110105, epoch) == ("20110105", None)
    assert convert(Kind.DATE, -3, epoch)[1] is not None
    assert convert(Kind.TEXT, 1.0e16, epoch)[1] is not None  # past 15 significant digits
    assert convert(Kind.FLAG, True, epoch) == (True, None)
    assert convert(Kind.TEXT, " 张三 ", epoch) == ("张三", None)


# --- unusable files -------------------------------------------------------------------------


def _not_xlsx(path: Path) -> None:
    path.write_text("姓名,证件号码\n张三,410105201203150012\n", encoding="utf-8")


def _corrupt(path: Path) -> None:
    write_roster(path, [record_for(1)])
    path.write_bytes(path.read_bytes()[:900])


def _encrypted(path: Path) -> None:
    # The start of an OLE2 compound file whose directory names the encrypted package.
    path.write_bytes(OLE2_SIGNATURE + bytes(504) + "EncryptedPackage".encode("utf-16-le"))


def _old_xls(path: Path) -> None:
    path.write_bytes(OLE2_SIGNATURE + bytes(504) + "Workbook".encode("utf-16-le"))


def _zip_but_not_a_workbook(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")


def _missing_column(path: Path) -> None:
    keep = [h for h in HEADERS if h != "联系电话*"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(keep)
    record = record_for(1)
    ws.append([record.get(f) for f, h in zip(FIELDS, HEADERS, strict=True) if h != "联系电话*"])
    wb.save(path)


def _wrong_sheet(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "成绩"
    ws.append(["学号", "姓名", "语文", "数学"])
    ws.append(["001", "张三", 98, 100])
    hidden = wb.create_sheet("考生")  # a hidden roster is not the one to import
    hidden.append(HEADERS)
    hidden.sheet_state = "hidden"
    wb.save(path)


def _twice(path: Path) -> None:
    write_roster(path, [record_for(1)], headers=[*HEADERS, "身份证号"])


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_not_xlsx, "不是 Excel 工作簿"),
        (_corrupt, "已损坏"),
        (_zip_but_not_a_workbook, "不是有效的 .xlsx"),
        (_encrypted, "密码保护"),
        (_old_xls, ".xls"),
        (_missing_column, "缺少必填列：联系电话"),
        (_wrong_sheet, "没有找到花名册"),
        (_twice, "出现了两次"),
    ],
)
def test_unusable_files_store_nothing(
    admin_ctx: Context, tmp_path: Path, make: Callable[[Path], None], expected: str
) -> None:
    path = tmp_path / "roster.xlsx"
    make(path)
    before = state_of(admin_ctx)
    with pytest.raises(roster.RosterUnusable) as caught:
        roster.import_roster(admin_ctx, path)
    assert expected in caught.value.message_zh
    assert caught.value.exit_code == 2
    assert state_of(admin_ctx) == before


# --- preview, progress, cancel --------------------------------------------------------------


def test_dry_run_reports_like_the_import_and_stores_nothing(admin_ctx: Context, tmp_path):
    path = mixed_file(tmp_path / "花名册.xlsx")
    before = state_of(admin_ctx)
    preview = roster.import_roster(admin_ctx, path, dry_run=True)
    assert state_of(admin_ctx) == before
    real = roster.import_roster(admin_ctx, path)
    assert preview.dry_run and (preview.imported, preview.already_present) == (3, 0)
    assert [(r.row, r.problems) for r in preview.rejected] == [
        (r.row, r.problems) for r in real.rejected
    ]


def test_cancel_between_rows_keeps_what_was_stored(admin_ctx: Context, tmp_path: Path) -> None:
    path = write_roster(tmp_path / "a.xlsx", [record_for(i) for i in range(6)])
    seen: list[tuple[int, int]] = []
    result = roster.import_roster(
        admin_ctx, path, progress=lambda d, t: seen.append((d, t)), cancel=lambda: len(seen) >= 2
    )
    assert result.cancelled and not result.complete and result.imported == 2
    assert seen == [(1, 6), (2, 6)]
    assert state_of(admin_ctx)[0] == 2
    rest = roster.import_roster(admin_ctx, path)
    assert (rest.imported, rest.already_present, rest.complete) == (4, 2, True)


# --- export ---------------------------------------------------------------------------------


def test_export_writes_every_candidate_and_imports_back(admin_ctx: Context, tmp_path: Path):
    roster.import_roster(admin_ctx, write_roster(tmp_path / "a.xlsx", [record_for(1)]))
    seeding.seed(admin_ctx, 2, "signed", rng_seed=3)
    out = tmp_path / "导出.xlsx"
    result = roster.export_roster(admin_ctx, out)
    assert result.count == 3 and not result.cancelled
    ws = openpyxl.load_workbook(out)["考生"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["报名号", "状态", "版本"] and "户籍所在地名称" in header
    rows = [dict(zip(header, (c.value for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    mine = next(r for r in rows if r["证件号码"] == synthetic_id(1))
    assert mine["状态"] == "采集中" and mine["姓名"] == "张三" and mine["性别"] == "男"
    assert mine["民族"] == "汉族" and mine["考生类别"] == "应届" and mine["分配生资格申请"] == "否"
    assert mine["户籍所在地"] == "410105" and mine["户籍所在地名称"] == "河南省郑州市金水区"
    assert mine["出生日期"] == dt.datetime(2011, 1, 2)
    assert sorted(r["状态"] for r in rows) == ["已签字", "已签字", "采集中"]
    id_column = openpyxl.utils.get_column_letter(header.index("证件号码") + 1)
    assert ws.column_dimensions[id_column].number_format == "@"
    assert all(isinstance(r["证件号码"], str) for r in rows)
    with admin_ctx.store.session() as s:
        assert s.scalar(select(func.count()).where(AuditEvent.action == "roster_export")) == 1

    back = roster.import_roster(admin_ctx, out)
    assert (back.imported, back.already_present, back.complete) == (0, 3, True)
    assert back.warnings == []

    cancelled = roster.export_roster(admin_ctx, tmp_path / "no.xlsx", cancel=lambda: True)
    assert cancelled.cancelled and not (tmp_path / "no.xlsx").exists()


# --- the command, as a user runs it ---------------------------------------------------------


def test_cli_roster_commands_and_exit_codes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    save(home, cli_settings())
    assert run(home, "demo", "--count", "0").returncode == 0

    template = tmp_path / "模板.xlsx"
    made = run(home, "roster", "template", str(template))
    assert made.returncode == 0, made.stderr
    empty = run(home, "roster", "import", str(template), env=ADMIN_ENV)
    assert empty.returncode == 0, empty.stderr

    errors = tmp_path / "错误.xlsx"
    mixed = run(
        home, "roster", "import", str(mixed_file(tmp_path / "m.xlsx")), "--errors", str(errors),
        env=ADMIN_ENV,
    )  # fmt: skip
    assert mixed.returncode == 1, mixed.stderr
    assert "第 3 行 姓 名" in mixed.stderr and "Traceback" not in mixed.stderr
    assert errors.exists() and "已导入 3" in mixed.stdout

    valid = write_roster(tmp_path / "v.xlsx", [record_for(20), record_for(1)])
    done = run(home, "roster", "import", str(valid), "--json", env=ADMIN_ENV)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) | {"warnings": []} == {
        "sheet": "考生",
        "rows": 2,
        "imported": 1,
        "already_present": 1,
        "conflicts": 0,
        "rejected": 0,
        "warnings": [],
        "dry_run": False,
        "cancelled": False,
    }

    with auth.login(home, "admin", "demo-admin-2027") as ctx:
        before = state_of(ctx)
    broken = tmp_path / "broken.xlsx"
    _encrypted(broken)
    assert_one_line_error(run(home, "roster", "import", str(broken), env=ADMIN_ENV), 2)
    no_phone = tmp_path / "no_phone.xlsx"
    _missing_column(no_phone)
    refused = run(home, "roster", "import", str(no_phone), env=ADMIN_ENV)
    assert_one_line_error(refused, 2)
    assert "联系电话" in refused.stderr
    with auth.login(home, "admin", "demo-admin-2027") as ctx:
        # Only this login's own event is new: the refused imports did not even log in.
        assert state_of(ctx) == (before[0], before[1] + 1)

    out = tmp_path / "export.xlsx"
    exported = run(home, "roster", "export", str(out), env=ADMIN_ENV)
    assert exported.returncode == 0, exported.stderr
    assert openpyxl.load_workbook(io.BytesIO(out.read_bytes()))["考生"].max_row == 5
