"""Reading a roster workbook (花名册) into rows of raw field values, surviving what Excel does.

Which sheet: a visible sheet named 考生 (or 花名册, 考生名单, ...) if it has a header row,
otherwise the first visible sheet that has one; 说明 and ``codes`` are never data. The header
row is the first of the sheet's first 20 rows that names at least three record fields. A file
is *unusable* (:class:`RosterUnusable`, exit code 2, nothing stored) when it is not an xlsx,
is password-protected or damaged, has no such sheet, lacks a required column or names one
field twice. Everything else is decided cell by cell (:class:`CellProblem`) and row by row.

Merged cells: a range inside one field column (a school merged down over its pupils) gives
its top-left value to every row it covers; a range across several field columns cannot be
read column by column, so the rows it covers are rejected with the range named.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from station.errors import UsageError
from station.fileio import read_bounded
from station.roster_columns import (
    BY_FIELD,
    COLUMNS,
    Kind,
    Need,
    field_for_header,
    header_key,
    is_ignored_header,
)
from station.roster_template import CODES_SHEET, HELP_SHEET

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # stream name inside the OLE2 file
PREFERRED_SHEETS = ("考生", "花名册", "考生名单", "考生花名册", "roster")
NOT_DATA_SHEETS = frozenset({HELP_SHEET, CODES_SHEET, "错误明细"})
HEADER_SEARCH_ROWS = 20
MIN_HEADER_FIELDS = 3
MAX_ROWS = 100_000
# Excel keeps 15 significant digits: a number at or above this has lost its last digits.
EXACT_LIMIT = 10**15
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")


class RosterUnusable(UsageError):
    """The file cannot be imported at all; nothing was stored."""


@dataclass(frozen=True, slots=True)
class CellProblem:
    field: str
    reason: str  # Chinese


@dataclass(slots=True)
class RosterRow:
    number: int  # the row number Excel shows
    raw: dict[str, Any]  # field -> value for validation (text, date or bool)
    original: dict[str, Any]  # field -> the cell value as read
    problems: list[CellProblem] = field(default_factory=list)


@dataclass(slots=True)
class Roster:
    path: Path
    sheet: str
    header_row: int
    headers: dict[str, str]  # field -> header text as written in the file
    rows: list[RosterRow]
    warnings: list[str]


def read_roster(path: Path) -> Roster:
    """Read and check the whole file before anything is stored; raise RosterUnusable."""
    data = _read_bytes(path)
    _check_container(data)
    wb = _load(data, data_only=True)
    ws, header_row, warnings = _find_sheet(wb)
    columns = _map_columns(ws, header_row, warnings)
    formulas = _formula_cells(data, ws.title) if _has_formulas(data) else set()
    fills, spanning = _merged(ws, header_row, columns, warnings)
    rows = _read_rows(ws, header_row, columns, formulas, fills, spanning, wb.epoch)
    headers = {f: str(ws.cell(row=header_row, column=c).value).strip() for c, f in columns.items()}
    return Roster(path, ws.title, header_row, headers, rows, warnings)


# --- the container ------------------------------------------------------------------------


# What a roster of MAX_ROWS candidates can be, with room to spare: a real one is a few MB
# packed and about 100 MB of sheet XML. Anything larger (a "zip bomb", /dev/zero) is refused
# before it is unpacked or loaded.
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
MAX_RATIO = 200  # unpacked : packed, per part


def _read_bytes(path: Path) -> bytes:
    try:
        return read_bounded(path, MAX_FILE_BYTES)
    except UsageError as exc:
        raise RosterUnusable(exc.message_zh, exc.message_en) from None
    except OSError as exc:
        raise RosterUnusable(
            f"无法读取文件 {path}：{exc.strerror or exc}", f"cannot read {path}: {exc}"
        ) from None


def _check_container(data: bytes) -> None:
    if data.startswith(OLE2_SIGNATURE):
        # Encrypted OOXML and the old .xls format are both OLE2 compound files.
        if ENCRYPTED_PACKAGE in data:
            raise RosterUnusable(
                "文件受密码保护，请在 Excel 中取消密码（文件 → 信息 → 保护工作簿）后另存再导入",
                "the workbook is password-protected; remove the password and save it again",
            )
        raise RosterUnusable(
            "这是旧版 Excel 97–2003（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入",
            "this is an old .xls file; save it as .xlsx first",
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise RosterUnusable(
            "文件不是 Excel 工作簿（.xlsx），或已损坏", "the file is not an .xlsx workbook"
        )
    _check_sizes(data)


def _check_sizes(data: bytes) -> None:
    """Sizes from the zip directory and rows counted in the sheet XML as it streams by, before
    openpyxl builds anything in memory."""
    too_big = RosterUnusable(
        "文件解压后过大，不像花名册（可能已损坏或被构造），请检查文件",
        "the workbook unpacks to far more than a roster could be",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = z.infolist()
            if sum(p.file_size for p in parts) > MAX_UNPACKED_BYTES:
                raise too_big
            for part in parts:
                if (
                    part.file_size > max(part.compress_size, 1) * MAX_RATIO
                    and part.file_size > 2**20
                ):
                    raise too_big
            for part in parts:
                if (
                    part.filename.startswith("xl/worksheets/")
                    and _rows_in(z, part) > MAX_ROWS + HEADER_SEARCH_ROWS
                ):
                    raise RosterUnusable(
                        f"一次最多导入 {MAX_ROWS} 行，请把名单拆成几个文件",
                        f"at most {MAX_ROWS} rows at a time: split the roster",
                    )
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise RosterUnusable(
            "文件不是 Excel 工作簿（.xlsx），或已损坏", "the file is not an .xlsx workbook"
        ) from None


def _rows_in(z: zipfile.ZipFile, part: zipfile.ZipInfo) -> int:
    rows, tail = 0, b""
    with z.open(part) as stream:
        while block := stream.read(1 << 20):
            chunk = tail + block
            rows += chunk.count(b"<row ") + chunk.count(b"<row>")
            tail = chunk[-4:]  # shorter than a tag: nothing is counted twice
    return rows


def _load(data: bytes, *, data_only: bool, read_only: bool = False) -> Workbook:
    try:
        # A file object, not the path: openpyxl would refuse a name not ending in .xlsx.
        return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only, read_only=read_only)
    except Exception as exc:  # openpyxl raises many types for a damaged file; all mean this
        raise RosterUnusable(
            f"文件已损坏或不是有效的 .xlsx 工作簿（{type(exc).__name__}）",
            f"the workbook is damaged or not a valid .xlsx: {type(exc).__name__}: {exc}",
        ) from None


# --- sheet, header, columns -----------------------------------------------------------------


def _find_sheet(wb: Workbook) -> tuple[Worksheet, int, list[str]]:
    sheets = [
        ws
        for ws in wb.worksheets
        if ws.sheet_state == "visible" and ws.title.strip() not in NOT_DATA_SHEETS
    ]
    sheets.sort(key=lambda ws: ws.title.strip() not in PREFERRED_SHEETS)  # stable: keeps order
    found = [(ws, row) for ws in sheets if (row := _header_row(ws)) is not None]
    if not found:
        names = "、".join(f"“{ws.title}”" for ws in sheets) or "（没有可见的工作表）"
        raise RosterUnusable(
            f"没有找到花名册：工作表 {names} 的前 {HEADER_SEARCH_ROWS} 行中都没有列名行"
            "（须有“姓名”“证件号码”等列，可用“station roster template”生成模板）",
            "no sheet has a roster header row (姓名, 证件号码, ...) in its first rows",
        )
    warnings = [
        f"工作表“{ws.title}”看起来也是花名册，未导入（每次只导入一个工作表）" for ws, _ in found[1:]
    ]
    ws, row = found[0]
    return ws, row, warnings


def _header_row(ws: Worksheet) -> int | None:
    limit = min(ws.max_row, HEADER_SEARCH_ROWS)
    for number, cells in enumerate(ws.iter_rows(max_row=limit, values_only=True), start=1):
        if len({f for v in cells if v is not None and (f := field_for_header(v))}) >= (
            MIN_HEADER_FIELDS
        ):
            return number
    return None


def _map_columns(ws: Worksheet, header_row: int, warnings: list[str]) -> dict[int, str]:
    columns: dict[int, str] = {}
    unknown: list[str] = []
    for cell in next(ws.iter_rows(min_row=header_row, max_row=header_row)):
        if cell.value is None or not header_key(cell.value):
            continue
        name = field_for_header(cell.value)
        if name is None:
            if not is_ignored_header(cell.value):
                unknown.append(f"{cell.column_letter} 列“{str(cell.value).strip()}”")
            continue
        if name in columns.values():
            first = next(c for c, f in columns.items() if f == name)
            raise RosterUnusable(
                f"“{BY_FIELD[name].label}”列出现了两次（{get_column_letter(first)} 列和 "
                f"{cell.column_letter} 列），请删除其中一列",
                f"the column {name} appears twice",
            )
        columns[cell.column] = name
    missing = [
        c.label for c in COLUMNS if c.need is Need.REQUIRED and c.field not in columns.values()
    ]
    if missing:
        raise RosterUnusable(
            f"工作表“{ws.title}”缺少必填列：{'、'.join(missing)}",
            f"sheet {ws.title!r} lacks the required columns: {', '.join(missing)}",
        )
    if unknown:
        warnings.append(f"以下列不是花名册的列，已忽略：{'、'.join(unknown)}")
    return columns


# --- formulas and merged cells --------------------------------------------------------------


def _has_formulas(data: bytes) -> bool:
    """A cheap look at the sheet XML: only a workbook with formulas is read a second time."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return any(
            _FORMULA_TAG.search(archive.read(name))
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


def _formula_cells(data: bytes, title: str) -> set[tuple[int, int]]:
    """Where the sheet has formulas; a formula cell without a value was never calculated."""
    wb = _load(data, data_only=False, read_only=True)
    try:
        return {
            (cell.row, cell.column)
            for row in wb[title].iter_rows()
            for cell in row
            if getattr(cell, "data_type", None) == "f"
        }
    finally:
        wb.close()


def _merged(
    ws: Worksheet, header_row: int, columns: dict[int, str], warnings: list[str]
) -> tuple[dict[tuple[int, int], Any], dict[int, list[CellProblem]]]:
    """Values to fill in from vertical merges, and the rows covered by cross-column ones."""
    fills: dict[tuple[int, int], Any] = {}
    spanning: dict[int, list[CellProblem]] = {}
    filled: list[str] = []
    for merged in ws.merged_cells.ranges:
        if merged.max_row <= header_row:
            continue  # a title above the header or a merged header cell
        fields = [c for c in range(merged.min_col, merged.max_col + 1) if c in columns]
        if len(fields) > 1:
            reason = f"单元格 {merged.coord} 跨列合并，无法分辨各列的值，请取消合并后分别填写"
            problems = [CellProblem(columns[c], reason) for c in fields]
            for row in range(max(merged.min_row, header_row + 1), merged.max_row + 1):
                spanning.setdefault(row, []).extend(problems)
        elif fields and merged.min_row > header_row:
            value = ws.cell(row=merged.min_row, column=merged.min_col).value
            for row in range(merged.min_row + 1, merged.max_row + 1):
                fills[(row, fields[0])] = value
            filled.append(merged.coord)
    if filled:
        warnings.append(
            f"{len(filled)} 处纵向合并的单元格已按左上角的值填入所覆盖的每一行"
            f"（如 {'、'.join(filled[:3])}）"
        )
    return fills, spanning


# --- rows and cells -------------------------------------------------------------------------


def _read_rows(
    ws: Worksheet,
    header_row: int,
    columns: dict[int, str],
    formulas: set[tuple[int, int]],
    fills: dict[tuple[int, int], Any],
    spanning: dict[int, list[CellProblem]],
    epoch: dt.datetime,
) -> list[RosterRow]:
    if ws.max_row - header_row > MAX_ROWS:
        raise RosterUnusable(
            f"工作表有 {ws.max_row - header_row} 行，一次最多导入 {MAX_ROWS} 行，请分成几个文件",
            f"more than {MAX_ROWS} rows",
        )
    rows: list[RosterRow] = []
    last = max(columns)
    for cells in ws.iter_rows(min_row=header_row + 1, max_col=last):
        own = {columns[c.column]: c for c in cells if c.column in columns}
        if all(_blank(c.value) for c in own.values()):
            continue  # empty rows, and the tails of vertical merges below the data
        row = RosterRow(cells[0].row, {}, {})
        for name, cell in own.items():
            key = (cell.row, cell.column)
            value = fills.get(key, cell.value)
            row.original[name] = value
            if key in formulas and value is None:
                row.problems.append(
                    CellProblem(name, "公式没有计算结果：请在 Excel 中打开、保存后再导入")
                )
            elif cell.data_type == "e":
                row.problems.append(CellProblem(name, f"单元格是错误值 {value}"))
                value = None
            converted, problem = convert(BY_FIELD[name].kind, value, epoch)
            row.raw[name] = converted
            if problem:
                row.problems.append(CellProblem(name, problem))
        row.problems += spanning.get(row.number, [])
        rows.append(row)
    return rows


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def convert(kind: Kind, value: Any, epoch: dt.datetime) -> tuple[Any, str | None]:
    """A cell value as the validator takes it, or a Chinese reason it cannot be used."""
    if value is None or isinstance(value, str):
        return (value or "").strip(), None
    if kind is Kind.DATE:
        return _date(value, epoch)
    if isinstance(value, bool):
        return (value, None) if kind is Kind.FLAG else ("是" if value else "否", None)
    if isinstance(value, dt.datetime | dt.date):
        return (value.date() if isinstance(value, dt.datetime) else value).isoformat(), None
    if isinstance(value, int):
        return str(value), None  # xlsx stores the digits, so an int is exact
    if isinstance(value, float):
        return _float_text(kind, value)
    return str(value).strip(), None


def _float_text(kind: Kind, value: float) -> tuple[str, str | None]:
    if kind is Kind.ID:
        return "", (
            f"证件号码被存成了数字（{value:.15g}），Excel 只保留 15 位有效数字，末几位已丢失；"
            "请把该列设为“文本”格式后重新输入"
        )
    if value.is_integer() and abs(value) < EXACT_LIMIT:
        return str(int(value)), None
    if value.is_integer():
        return "", "数字位数过多，Excel 已丢失末几位；请把该列设为“文本”格式后重新输入"
    return f"{value:g}", None


def _date(value: Any, epoch: dt.datetime) -> tuple[Any, str | None]:
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, int) and 19000101 <= value <= 99991231:
            return str(value), None  # 20120315 typed as a number, not a serial
        if 1 <= value < 2958466:  # serials of 1900-01-01 .. 9999-12-31
            return from_excel(value, epoch).date(), None
    return "", f"无法识别的日期（{value}），请写成 2012-03-15"
