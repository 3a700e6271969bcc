"""The roster template (花名册模板) a school or registration point fills in.

Sheet 考生 holds only the header row, so importing an untouched template imports nothing.
Coded columns carry drop-down lists (long lists live on the hidden sheet ``codes``); the ID
number, phone and code columns are formatted as text so Excel keeps leading zeros and the X.
Sheet 说明 explains every column and the rules, with a sample row.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from station.fileio import atomic_write_bytes, check_output
from station.roster_columns import COLUMNS, Column, Need

DATA_SHEET = "考生"
HELP_SHEET = "说明"
CODES_SHEET = "codes"
TEMPLATE_ROWS = 10_000  # rows that get the drop-down lists: a station numbers 9,999
FILLS = {
    Need.REQUIRED: PatternFill("solid", fgColor="F4B183"),
    Need.CONDITIONAL: PatternFill("solid", fgColor="FFE699"),
    Need.OPTIONAL: PatternFill("solid", fgColor="D9D9D9"),
}
BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BOLD = Font(bold=True)
NEED_LABELS = {Need.REQUIRED: "必填", Need.CONDITIONAL: "条件必填", Need.OPTIONAL: "选填"}

RULES = (
    "每行填写一名考生。不要修改“考生”工作表第一行的列名；带 * 的列必填，不需要的选填列可以删除。",
    "列名底色：橙色为必填，黄色为在特定情况下必填（见下表），灰色为选填。",
    "证件号码、电话、学籍号和各类代码列已设为“文本”格式。请直接输入，或“选择性粘贴 → 值”；"
    "不要让 Excel 把证件号码变成 4.10105E+17 这样的数字，否则末几位会丢失，该行将被拒绝。",
    "性别、出生日期可以不填，由证件号码推出；填写时须与证件号码一致。日期写成 2012-03-15。",
    "带下拉列表的列请从列表中选择；民族、政治面貌也可以填写国家标准代码。",
    "导入时逐行检查：正确的行保存为“采集中”的考生记录；有错误的行不保存，列入错误文件"
    "（行号、列名、原因和原始内容），改正后可以再次导入。",
    "同一个文件可以重复导入：证件号码相同且信息一致的考生不会重复保存；证件号码相同但信息不同的行"
    "作为冲突列出，不会修改已有记录，如需更正请在采集站中修改该考生。",
    "照片须在报名点现场采集，不在花名册中导入。考生密码由考生本人在确认屏上设置，花名册中不得填写密码。",
    "公式须在 Excel 中计算并保存后再导入；合并单元格请尽量取消，纵向合并的单元格按左上角的值填入每一行。",
)


def write_template(path: Path) -> None:
    """Write the template atomically (a reader never sees half a file)."""
    check_output(path)
    buffer = io.BytesIO()
    template_workbook().save(buffer)
    atomic_write_bytes(path, buffer.getvalue())


def template_workbook() -> Workbook:
    wb = Workbook()
    data = wb.active
    assert data is not None
    data.title = DATA_SHEET
    write_header(data)
    code_sheet = wb.create_sheet(CODES_SHEET)
    code_sheet.sheet_state = "hidden"
    _add_lists(data, code_sheet)
    _write_help(wb.create_sheet(HELP_SHEET, 1))
    wb.active = 0
    return wb


def write_header(ws: Worksheet, extra: tuple[str, ...] = ()) -> None:
    """The header row of a data sheet (template, errors workbook), text formats and widths."""
    for index, column in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.fill = FILLS[column.need]
        cell.font = BOLD
        cell.comment = Comment(f"{NEED_LABELS[column.need]}：{column.hint}", "采集站")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = max(_width(column.header), _width(column.example))
        if column.as_text:
            # A column style, not per-cell formats: Excel applies it to every cell typed later.
            ws.column_dimensions[letter].number_format = "@"
    for offset, name in enumerate(extra, start=len(COLUMNS) + 1):
        ws.cell(row=1, column=offset, value=name).font = BOLD
        ws.column_dimensions[get_column_letter(offset)].width = 16
    ws.freeze_panes = "A2"


def _width(text: str) -> int:
    # Excel's column width counts narrow characters; a CJK character takes two.
    return 4 + sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text)


def _add_lists(data: Worksheet, code_sheet: Worksheet) -> None:
    list_columns = [(i, c) for i, c in enumerate(COLUMNS, start=1) if c.choices is not None]
    for code_col, (data_col, column) in enumerate(list_columns, start=1):
        assert column.choices is not None
        choices = column.choices()
        code_sheet.cell(row=1, column=code_col, value=column.label)
        for row, choice in enumerate(choices, start=2):
            code_sheet.cell(row=row, column=code_col, value=choice)
        letter = get_column_letter(code_col)
        # Every list on the codes sheet, not inline: Excel limits an inline list to 255
        # characters, which the 58 ethnic groups exceed.
        validation = DataValidation(
            type="list",
            formula1=f"{CODES_SHEET}!${letter}$2:${letter}${len(choices) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=column.label,
            error=f"请从列表中选择{column.label}",
        )
        target = get_column_letter(data_col)
        validation.add(f"{target}2:{target}{TEMPLATE_ROWS + 1}")
        data.add_data_validation(validation)


def _write_help(ws: Worksheet) -> None:
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 70
    ws.column_dimensions["D"].width = 24
    ws.cell(row=1, column=1, value="考生花名册填写说明").font = Font(bold=True, size=14)
    row = 3
    for number, rule in enumerate(RULES, start=1):
        cell = ws.cell(row=row, column=1, value=f"{number}. {rule}")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 32
        row += 1
    row += 1
    for col, title in enumerate(("列名", "是否必填", "填写说明", "示例"), start=1):
        ws.cell(row=row, column=col, value=title).font = BOLD
    for column in COLUMNS:
        row += 1
        _help_row(ws, row, column)
    row += 2
    ws.cell(row=row, column=1, value="示例（虚构数据，仅供参考；本工作表不会被导入）").font = BOLD
    for col, column in enumerate(COLUMNS, start=1):
        ws.cell(row=row + 1, column=col, value=column.header).fill = FILLS[column.need]
        sample = ws.cell(row=row + 2, column=col, value=column.example)
        if column.as_text:
            sample.number_format = "@"


def _help_row(ws: Worksheet, row: int, column: Column) -> None:
    ws.cell(row=row, column=1, value=column.header).fill = FILLS[column.need]
    ws.cell(row=row, column=2, value=NEED_LABELS[column.need])
    ws.cell(row=row, column=3, value=column.hint).alignment = Alignment(wrap_text=True)
    example = ws.cell(row=row, column=4, value=column.example)
    example.number_format = "@"
