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

Cell values are read in openpyxl's read-only mode, one streamed pass per worksheet (a full
load builds a cell object for every cell, and cost 40 % of an import). What read-only mode
does not give is read from the sheet XML itself, streamed by expat with DTDs refused and only
when a byte scan says it is there: the merged ranges (``<mergeCells>``) and which cells hold
formulas. The one thing read-only values hide, an error cell's type (``#N/A`` looks like the
text ``#N/A``), is asked of openpyxl again for just the cells whose text starts with ``#``.
The rows read are those a full load reads: cells a merged range covers are empty, a sheet
ends at its last cell or merged range, and a damaged worksheet makes the file unusable.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any
from xml.parsers import expat

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import from_excel
from openpyxl.workbook import Workbook
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange

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
from station.roster_gc import collector_paused
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
# Cheap looks at the sheet XML: only a sheet with formulas or merged ranges is parsed again.
# A tag can start only where these match (a match in a comment costs a parse, misses nothing).
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
_MERGE_CELLS_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?mergeCells[\s>/]")
# What every match of these holds, found by a plain byte search (three times as fast as the
# expressions, which stop at every "<"): a sheet without them needs no expression at all.
_FORMULA_MARKS = (b"<f", b":f")  # <f> or <x:f>
_MERGE_CELLS_MARK = b"mergeCells"

Values = Sequence[Any]  # one row's cell values from column A to the row's last cell


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
    with collector_paused():  # every row read stays alive: see station/roster_gc.py
        return _read_roster(path)


def _read_roster(path: Path) -> Roster:
    data = _read_bytes(path)
    _check_container(data)
    wb = _load(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            sheets = [_Sheet(ws, archive) for ws in wb.worksheets]
            sheet, header_row, warnings = _find_sheet(sheets)
            columns = _map_columns(sheet, header_row, warnings)
            if sheet.max_row - header_row > MAX_ROWS:  # before anything is made per row
                raise RosterUnusable(
                    f"工作表有 {sheet.max_row - header_row} 行，一次最多导入 {MAX_ROWS} 行，请分成几个文件",
                    f"more than {MAX_ROWS} rows",
                )
            fills, spanning = _merged(sheet, header_row, columns, warnings)
            rows = _read_rows(sheet, header_row, columns, fills, spanning, wb.epoch)
    finally:
        wb.close()
    header = sheet.rows[header_row - 1]
    headers = {f: str(_at(header, c)).strip() for c, f in columns.items()}
    return Roster(path, sheet.title, header_row, headers, rows, warnings)


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
                rows, dtd = _scan(z, part)
                if dtd:
                    # openpyxl parses every part with the standard library's XML parser,
                    # which expands internal entities: a workbook declares no DTD.
                    raise RosterUnusable(
                        "文件中含有不允许的 XML 声明（DTD），不像 Excel 保存的工作簿，请在 Excel 中另存后再导入",
                        f"{part.filename} declares a DTD: not a workbook Excel saved",
                    )
                if (
                    part.filename.startswith("xl/worksheets/")
                    and rows > MAX_ROWS + HEADER_SEARCH_ROWS
                ):
                    raise RosterUnusable(
                        f"一次最多导入 {MAX_ROWS} 行，请把名单拆成几个文件",
                        f"at most {MAX_ROWS} rows at a time: split the roster",
                    )
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        raise RosterUnusable(
            "文件不是 Excel 工作簿（.xlsx），或已损坏", "the file is not an .xlsx workbook"
        ) from None


_DTD_MARKS = tuple("<!DOCTYPE".encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be"))


def _scan(z: zipfile.ZipFile, part: zipfile.ZipInfo) -> tuple[int, bool]:
    """(rows counted, whether a DTD is declared) of one part, as it streams by."""
    rows, dtd, tail = 0, False, b""
    with z.open(part) as stream:
        while block := stream.read(1 << 20):
            chunk = tail + block
            # A tag wholly in the carried tail was counted with the block before.
            rows += _row_tags(chunk) - _row_tags(tail)
            dtd = dtd or any(mark in chunk for mark in _DTD_MARKS)
            tail = chunk[-17:]  # room for a whole DTD mark across two blocks
    return rows, dtd


def _row_tags(data: bytes) -> int:
    return data.count(b"<row ") + data.count(b"<row>")


def _load(data: bytes) -> Workbook:
    """The workbook in read-only mode: its worksheets are parsed as they are iterated."""
    with _reading():
        # A file object, not the path: openpyxl would refuse a name not ending in .xlsx.
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True, read_only=True)


@contextmanager
def _reading() -> Iterator[None]:
    """openpyxl (and expat) raise many types for a damaged file; all mean this."""
    try:
        yield
    except RosterUnusable:
        raise
    except Exception as exc:
        raise RosterUnusable(
            f"文件已损坏或不是有效的 .xlsx 工作簿（{type(exc).__name__}）",
            f"the workbook is damaged or not a valid .xlsx: {type(exc).__name__}: {exc}",
        ) from None


# --- the worksheets, as a full load shows them ---------------------------------------------


class _Sheet:
    """One worksheet as openpyxl's full load showed it, read in read-only mode: the values row
    by row (cells a merged range covers are empty), its merged ranges, its formula cells.

    Every worksheet is read through once, as the full load did, so that a damaged one makes
    the file unusable whichever sheet holds the roster; only a sheet that may hold the roster
    keeps its values.
    """

    def __init__(self, ws: Any, archive: zipfile.ZipFile) -> None:
        self.ws = ws
        self.title: str = ws.title
        self.candidate = ws.sheet_state == "visible" and ws.title.strip() not in NOT_DATA_SHEETS
        self.rows: list[Values] = []
        self.merged: list[CellRange] = []
        # The part openpyxl reads the values from (it followed the workbook's relationships).
        self._part: str = ws._worksheet_path
        self._archive = archive
        self._scanned: _SheetXml | None = None
        self._has_formulas = False
        ws.reset_dimensions()  # a wrong <dimension> must not cut rows or columns off
        with _reading():
            if not self.candidate:
                for _ in ws.iter_rows(values_only=True):
                    pass
                return
            self.rows = list(ws.iter_rows(values_only=True))
            xml = self._xml()
        # Tags are ASCII bytes unless the part is UTF-16 or UTF-32: then it is parsed whole.
        plain = not xml.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"<\x00"))
        self._has_formulas = not plain or _may_hold(xml, _FORMULA_MARKS, _FORMULA_TAG)
        merges = _MERGE_CELLS_TAG.search(xml) if plain and _MERGE_CELLS_MARK in xml else None
        if plain and merges is None:
            return  # no merged range
        if self._has_formulas:  # one pass finds both
            self.merged = self._scan(xml).merged
        else:
            with _reading():
                self.merged = _merged_ranges(xml, merges.start() if merges else 0)
        _uncover(self.rows, self.merged)

    @property
    def max_row(self) -> int:
        """``Worksheet.max_row`` of a full load: its last cell, or merged range; 1 if empty."""
        last = next((n for n in range(len(self.rows), 0, -1) if self.rows[n - 1]), 1)
        return max([last, *(m.max_row for m in self.merged)])

    def formulas(self) -> set[tuple[int, int]]:
        """(row, column) of the cells holding a formula (with a cached value or without)."""
        if self._scanned is None and not self._has_formulas:
            return set()
        return self._scan().formulas

    def _xml(self) -> bytes:
        return self._archive.read(self._part)

    def _scan(self, xml: bytes | None = None) -> _SheetXml:
        if self._scanned is None:
            with _reading():
                self._scanned = _scan_sheet(xml if xml is not None else self._xml())
        return self._scanned


def _may_hold(xml: bytes, marks: tuple[bytes, ...], tag: re.Pattern[bytes]) -> bool:
    """Whether ``tag`` occurs: the expression runs only where one of its marks is found."""
    return any(mark in xml for mark in marks) and tag.search(xml) is not None


def _at(values: Values, column: int) -> Any:
    return values[column - 1] if column <= len(values) else None


def _uncover(rows: list[Values], merged: list[CellRange]) -> None:
    """Empty the cells a merged range covers (all but its top-left one), as a full load does:
    what a file still holds under a merged range is not what Excel shows."""
    for m in merged:
        for number in range(m.min_row, min(m.max_row, len(rows)) + 1):
            values = rows[number - 1]
            first = m.min_col + 1 if number == m.min_row else m.min_col
            last = min(m.max_col, len(values))
            if any(values[c - 1] is not None for c in range(first, last + 1)):
                covered = list(values)
                covered[first - 1 : last] = [None] * (last - first + 1)
                rows[number - 1] = tuple(covered)


# --- sheet, header, columns -----------------------------------------------------------------


def _find_sheet(all_sheets: list[_Sheet]) -> tuple[_Sheet, int, list[str]]:
    sheets = [sheet for sheet in all_sheets if sheet.candidate]
    sheets.sort(key=lambda sheet: sheet.title.strip() not in PREFERRED_SHEETS)  # stable
    found = [(sheet, row) for sheet in sheets if (row := _header_row(sheet)) is not None]
    if not found:
        names = "、".join(f"“{sheet.title}”" for sheet in sheets) or "（没有可见的工作表）"
        raise RosterUnusable(
            f"没有找到花名册：工作表 {names} 的前 {HEADER_SEARCH_ROWS} 行中都没有列名行"
            "（须有“姓名”“证件号码”等列，可用“station roster template”生成模板）",
            "no sheet has a roster header row (姓名, 证件号码, ...) in its first rows",
        )
    warnings = [
        f"工作表“{sheet.title}”看起来也是花名册，未导入（每次只导入一个工作表）"
        for sheet, _ in found[1:]
    ]
    sheet, row = found[0]
    return sheet, row, warnings


def _header_row(sheet: _Sheet) -> int | None:
    for number, cells in enumerate(sheet.rows[:HEADER_SEARCH_ROWS], start=1):
        if len({f for v in cells if v is not None and (f := field_for_header(v))}) >= (
            MIN_HEADER_FIELDS
        ):
            return number
    return None


def _map_columns(sheet: _Sheet, header_row: int, warnings: list[str]) -> dict[int, str]:
    columns: dict[int, str] = {}
    unknown: list[str] = []
    for column, value in enumerate(sheet.rows[header_row - 1], start=1):
        if value is None or not header_key(value):
            continue
        name = field_for_header(value)
        if name is None:
            if not is_ignored_header(value):
                unknown.append(f"{get_column_letter(column)} 列“{str(value).strip()}”")
            continue
        if name in columns.values():
            first = next(c for c, f in columns.items() if f == name)
            raise RosterUnusable(
                f"“{BY_FIELD[name].label}”列出现了两次（{get_column_letter(first)} 列和 "
                f"{get_column_letter(column)} 列），请删除其中一列",
                f"the column {name} appears twice",
            )
        columns[column] = name
    missing = [
        c.label for c in COLUMNS if c.need is Need.REQUIRED and c.field not in columns.values()
    ]
    if missing:
        raise RosterUnusable(
            f"工作表“{sheet.title}”缺少必填列：{'、'.join(missing)}",
            f"sheet {sheet.title!r} lacks the required columns: {', '.join(missing)}",
        )
    if unknown:
        warnings.append(f"以下列不是花名册的列，已忽略：{'、'.join(unknown)}")
    return columns


# --- formulas and merged cells, from the sheet XML ------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _FORMULA, _MERGE_CELLS = _MAIN + "row", _MAIN + "f", _MAIN + "mergeCells"


@dataclass(slots=True)
class _SheetXml:
    merged: list[CellRange]
    formulas: set[tuple[int, int]]


class _MergeScan:
    """expat's handlers for the merged ranges: the ``mergeCell`` children of the last
    ``mergeCells``, as openpyxl's worksheet reader takes them."""

    def __init__(self) -> None:
        self.refs: list[str | None] = []
        self.depth = 0  # counted from where the handlers were set: it may go below 0
        self.merge_depth: int | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if name == _MERGE_CELLS:
            self.merge_depth = self.depth
            self.refs = []
        elif self.depth - 1 == self.merge_depth and name.rpartition("}")[2] == "mergeCell":
            self.refs.append(attrs.get("ref"))

    def end(self, _name: str) -> None:
        if self.depth == self.merge_depth:
            self.merge_depth = None
        self.depth -= 1


class _Scan:
    """expat's handlers for the merged ranges and the formula cells, finding what openpyxl's
    worksheet reader finds: every child of a ``row`` is a cell, at its ``r`` or next to the one
    before; a cell with an ``f`` child holds a formula; the merged ranges as in _MergeScan."""

    def __init__(self) -> None:
        self.refs: list[str | None] = []
        self.formulas: set[tuple[int, int]] = set()
        self.depth = 0  # from the document's start: -1 is never an element's depth
        self.row_depth = self.cell_depth = self.merge_depth = -1
        self.row = self.column = 0
        self.cell = (0, 0)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        depth = self.depth
        if depth == self.row_depth + 1:  # a cell
            self.cell_depth = depth
            ref = attrs.get("r")
            if ref:
                self.cell = coordinate_to_tuple(ref)
                self.column = self.cell[1]
            else:
                self.column += 1
                self.cell = (self.row, self.column)
        elif depth == self.cell_depth + 1:
            if name == _FORMULA:
                self.formulas.add(self.cell)
        elif name == _ROW:
            self.row_depth = depth
            self.row = _row_number(attrs["r"]) if "r" in attrs else self.row + 1
            self.column = 0
        elif name == _MERGE_CELLS:
            self.merge_depth = depth
            self.refs = []
        elif depth == self.merge_depth + 1 and name.rpartition("}")[2] == "mergeCell":
            self.refs.append(attrs.get("ref"))

    def end(self, _name: str) -> None:
        depth = self.depth
        if depth == self.cell_depth:
            self.cell_depth = -1
        elif depth == self.row_depth:
            self.row_depth = -1
        elif depth == self.merge_depth:
            self.merge_depth = -1
        self.depth = depth - 1


def _row_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise ValueError(f"{text} is not a valid row number") from None
        return int(number)


def _no_dtd(*_args: object) -> None:
    # Excel writes none; refusing every DTD means no entity can ever be expanded.
    raise ValueError("the sheet XML declares a DTD")


def _parser() -> Any:
    """A streaming parser (no tree is built) that refuses any DTD."""
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = _no_dtd
    parser.EntityDeclHandler = _no_dtd
    return parser


def _scan_sheet(xml: bytes) -> _SheetXml:
    """Merged ranges and formula cells, in one pass over the whole sheet XML."""
    scan = _Scan()
    parser = _parser()
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.Parse(xml, True)
    return _SheetXml(_ranges(scan.refs), scan.formulas)


def _merged_ranges(xml: bytes, start: int) -> list[CellRange]:
    """The merged ranges alone. The bytes before ``start``, where the first ``mergeCells``
    tag may begin, hold none: expat checks them without a handler, at C speed."""
    scan = _MergeScan()
    parser = _parser()
    data = memoryview(xml)
    parser.Parse(data[:start], False)
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.Parse(data[start:], True)
    return _ranges(scan.refs)


def _ranges(refs: list[str | None]) -> list[CellRange]:
    # The full load's order (a set of ranges): the warning names the ranges as it did.
    return list(MultiCellRange([CellRange(ref) for ref in refs]).ranges)


def _merged(
    sheet: _Sheet, header_row: int, columns: dict[int, str], warnings: list[str]
) -> tuple[dict[tuple[int, int], Any], dict[int, list[CellProblem]]]:
    """Values to fill in from vertical merges, and the rows covered by cross-column ones."""
    fills: dict[tuple[int, int], Any] = {}
    spanning: dict[int, list[CellProblem]] = {}
    filled: list[str] = []
    for merged in sheet.merged:
        if merged.max_row <= header_row:
            continue  # a title above the header or a merged header cell
        fields = [c for c in range(merged.min_col, merged.max_col + 1) if c in columns]
        if len(fields) > 1:
            reason = f"单元格 {merged.coord} 跨列合并，无法分辨各列的值，请取消合并后分别填写"
            problems = [CellProblem(columns[c], reason) for c in fields]
            for row in range(max(merged.min_row, header_row + 1), merged.max_row + 1):
                spanning.setdefault(row, []).extend(problems)
        elif fields and merged.min_row > header_row:
            value = _value(sheet.rows, merged.min_row, merged.min_col)
            for row in range(merged.min_row + 1, merged.max_row + 1):
                fills[(row, fields[0])] = value
            filled.append(merged.coord)
    if filled:
        warnings.append(
            f"{len(filled)} 处纵向合并的单元格已按左上角的值填入所覆盖的每一行"
            f"（如 {'、'.join(filled[:3])}）"
        )
    return fills, spanning


def _value(rows: list[Values], row: int, column: int) -> Any:
    return _at(rows[row - 1], column) if row <= len(rows) else None


def _error_cells(sheet: _Sheet, suspects: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these cells are errors (#N/A, #DIV/0!, a date serial past 9999, ...): their
    read-only values look like text, so openpyxl is asked for their types, these rows only."""
    first, last = min(r for r, _ in suspects), max(r for r, _ in suspects)
    left, right = min(c for _, c in suspects), max(c for _, c in suspects)
    errors: set[tuple[int, int]] = set()
    with _reading():
        cells = sheet.ws.iter_rows(min_row=first, max_row=last, min_col=left, max_col=right)
        for number, row in enumerate(cells, start=first):
            for column, cell in enumerate(row, start=left):
                if (number, column) in suspects and cell.data_type == "e":
                    errors.add((number, column))
    return errors


# --- rows and cells -------------------------------------------------------------------------


def _read_rows(
    sheet: _Sheet,
    header_row: int,
    columns: dict[int, str],
    fills: dict[tuple[int, int], Any],
    spanning: dict[int, list[CellProblem]],
    epoch: dt.datetime,
) -> list[RosterRow]:
    formulas = sheet.formulas()
    suspects: set[tuple[int, int]] = set()
    rows = _rows(sheet, header_row, columns, formulas, fills, spanning, epoch, None, suspects)
    if suspects:  # text starting with # may be an error value: read those rows again
        errors = _error_cells(sheet, suspects)
        rows = _rows(sheet, header_row, columns, formulas, fills, spanning, epoch, errors, None)
    return rows


def _rows(
    sheet: _Sheet,
    header_row: int,
    columns: dict[int, str],
    formulas: set[tuple[int, int]],
    fills: dict[tuple[int, int], Any],
    spanning: dict[int, list[CellProblem]],
    epoch: dt.datetime,
    errors: set[tuple[int, int]] | None,
    suspects: set[tuple[int, int]] | None,
) -> list[RosterRow]:
    """The data rows below the header; with ``suspects``, the cells that may be errors."""
    rows: list[RosterRow] = []
    kinds = [(column, name, BY_FIELD[name].kind) for column, name in columns.items()]
    special = bool(formulas or fills or errors)
    if not special:  # the usual file: no formula, vertical merge or error cell
        return _plain_rows(sheet, header_row, columns, spanning, epoch, suspects)
    for number in range(header_row + 1, len(sheet.rows) + 1):
        values = sheet.rows[number - 1]
        width = len(values)
        own = [(c, name, kind, values[c - 1] if c <= width else None) for c, name, kind in kinds]
        if all(_blank(v) for _c, _n, _k, v in own):
            continue  # empty rows, and the tails of vertical merges below the data
        row = RosterRow(number, {}, {})
        for column, name, kind, cell in own:
            value = cell
            if special:
                key = (number, column)
                value = fills.get(key, cell)
                row.original[name] = value
                if key in formulas and value is None:
                    row.problems.append(
                        CellProblem(name, "公式没有计算结果：请在 Excel 中打开、保存后再导入")
                    )
                elif errors and key in errors:
                    row.problems.append(CellProblem(name, f"单元格是错误值 {value}"))
                    value = None
            else:
                row.original[name] = value
            if suspects is not None and isinstance(cell, str) and cell[:1] == "#":
                suspects.add((number, column))  # the cell's own text, not a merged range's
            converted, problem = convert(kind, value, epoch)
            row.raw[name] = converted
            if problem:
                row.problems.append(CellProblem(name, problem))
        row.problems += spanning.get(row.number, [])
        rows.append(row)
    return rows


def _plain_rows(
    sheet: _Sheet,
    header_row: int,
    columns: dict[int, str],
    spanning: dict[int, list[CellProblem]],
    epoch: dt.datetime,
    suspects: set[tuple[int, int]] | None,
) -> list[RosterRow]:
    """:func:`_rows` for a sheet with no formula, vertical merge or error cell: the same rows,
    with the per-cell work cut to what such a sheet needs (a text cell is only trimmed)."""
    rows: list[RosterRow] = []
    names = list(columns.values())
    places = list(columns)
    kinds = [BY_FIELD[name].kind for name in names]
    last = max(places)
    pick = itemgetter(*[c - 1 for c in places]) if len(places) > 1 else None
    for number in range(header_row + 1, len(sheet.rows) + 1):
        values = sheet.rows[number - 1]
        if pick is not None and len(values) >= last:
            cells: Sequence[Any] = pick(values)
        else:
            width = len(values)
            cells = [values[c - 1] if c <= width else None for c in places]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            continue  # empty rows
        raw: dict[str, Any] = {}
        problems: list[CellProblem] = []
        for name, kind, cell, column in zip(names, kinds, cells, places, strict=True):
            if isinstance(cell, str):
                raw[name] = cell.strip()  # what convert() makes of text, for every kind
                if suspects is not None and cell[:1] == "#":
                    suspects.add((number, column))
            elif cell is None:
                raw[name] = ""
            else:
                raw[name], problem = convert(kind, cell, epoch)
                if problem:
                    problems.append(CellProblem(name, problem))
        problems += spanning.get(number, [])
        rows.append(RosterRow(number, raw, dict(zip(names, cells, strict=True)), problems))
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
