"""Roster import and export (花名册导入导出): many candidates from and to an Excel workbook.

* :func:`write_template` writes the workbook a school fills in (:mod:`station.roster_template`).
* :func:`read_roster` reads and checks a file (:mod:`station.roster_read`): an unusable file
  raises :class:`RosterUnusable` before anything is stored.
* :func:`import_roster` stores every valid row through the same rules as the desk
  (``validate_candidate``, then ``records.bulk_create_in``), :data:`CHUNK` rows a commit: the
  rows of a chunk are checked first, then looked up, decided and stored in one transaction.
  A row whose ID number is already stored with the same values counts as already present;
  with other values it is a conflict and nothing is merged. ``dry_run`` checks everything and
  stores nothing (the desk's preview).
* :func:`write_errors` writes the rejected rows: what is wrong where, and the original values
  under the template's header, so the file can be corrected and imported again.
* :func:`export_roster` writes every candidate, state and 报名号 included.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from station import fields, records, xlsx
from station.auth import Context
from station.fileio import atomic_write_bytes, check_output
from station.models import Candidate
from station.roles import Permission
from station.roster_columns import COLUMNS, REASONS, SOURCE_ROW
from station.roster_export import ExportResult, export_roster
from station.roster_gc import collector_paused
from station.roster_read import Roster, RosterRow, RosterUnusable, read_roster
from station.roster_template import BAD_FILL, BOLD, DATA_SHEET, write_header, write_template
from station.validation import CandidateData, Issue, Policy, validate_candidate

__all__ = [
    "ExportResult",
    "ImportResult",
    "Problem",
    "ProblemRow",
    "RosterUnusable",
    "export_roster",
    "import_roster",
    "read_roster",
    "write_errors",
    "write_template",
]

# Rows a commit. The rows are checked before their chunk's transaction begins, so the write
# lock is held only to look the chunk up and store it (about 0.1 s for 1,000 rows): the desk
# waits no longer than it did for 250 rows checked inside it, and 9,000 rows take 9 durable
# commits instead of 36. A crash loses at most the chunk under way; importing the file again
# stores it (what was committed counts as already present).
CHUNK = 1000
Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]
# A cell that could not be read leaves its field empty; these then fail for that reason only.
_DERIVED = {"id_number": {"gender", "birth_date"}}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a row: where (the column header as in the file) and why."""

    row: int
    column: str
    reason: str  # Chinese
    field: str | None = None


@dataclass(slots=True)
class ProblemRow:
    """A row not stored: rejected (invalid) or a conflict with a stored candidate."""

    row: int
    original: dict[str, Any]
    problems: list[Problem]
    registration_no: str | None = None  # the stored candidate a conflict is with


@dataclass(slots=True)
class ImportResult:
    file: str
    sheet: str
    rows: int  # data rows in the sheet (empty rows not counted)
    imported: int = 0  # stored now (dry run: would be stored)
    already_present: int = 0
    conflicts: list[ProblemRow] = field(default_factory=list)
    rejected: list[ProblemRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    cancelled: bool = False
    dry_run: bool = False

    @property
    def complete(self) -> bool:
        """Every row is now stored (or would be): the import needs nothing more."""
        return not (self.conflicts or self.rejected or self.cancelled)

    @property
    def problem_rows(self) -> list[ProblemRow]:
        return sorted(self.rejected + self.conflicts, key=lambda p: p.row)


@dataclass(frozen=True, slots=True)
class _Known:
    """A candidate with a given ID number: stored before, or by an earlier row of this file."""

    registration_no: str | None  # None in a dry run
    values: Mapping[str, Any]
    row: int | None = None


# --- import -------------------------------------------------------------------------------


def import_roster(
    ctx: Context,
    source: Path | Roster,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> ImportResult:
    """Import the roster (a path, or what :func:`read_roster` returned).

    ``progress(done, total)`` is called after every row; ``cancel()`` is asked before every
    row, and the rows stored before it said yes stay stored. An unexpected error (not a
    row's validation or duplicate) rolls back the current chunk and propagates; earlier
    chunks stay, and importing the same file again completes the job.
    """
    ctx.require(Permission.COLLECT)
    with collector_paused():  # every row stays alive until the end: see station/roster_gc.py
        return _import(ctx, source, dry_run, progress, cancel)


def _import(
    ctx: Context,
    source: Path | Roster,
    dry_run: bool,
    progress: Progress | None,
    cancel: Cancel | None,
) -> ImportResult:
    roster = source if isinstance(source, Roster) else read_roster(source)
    run = _Run(ctx, ctx.settings.policy(), roster.headers, dry_run)
    result = ImportResult(str(roster.path), roster.sheet, len(roster.rows), dry_run=dry_run)
    result.warnings = list(roster.warnings)
    done = 0
    for start in range(0, len(roster.rows), CHUNK):
        # Checking a row needs no database: it is done before the transaction, which then
        # holds the write lock only to look the chunk up, decide and store it.
        checked: list[_Checked] = []
        for row in roster.rows[start : start + CHUNK]:
            if cancel is not None and cancel():
                result.cancelled = True
                break  # the rows checked so far are stored and committed below
            checked.append(run.check(row))
            done += 1
            if progress is not None:
                progress(done, result.rows)
        if checked:
            # A dry run writes nothing: a read, which never waits for (or blocks) a writer.
            with ctx.store.read() if dry_run else ctx.store.session() as s:
                for number, candidate in _stored(s, checked).items():
                    run.known.setdefault(number, candidate)  # an earlier row of the file wins
                for item in checked:
                    _tally(result, run.decide(item))
                run.store_pending(s)
        if result.cancelled:
            break
    return result


@dataclass(slots=True)
class _Checked:
    """A row as validation left it: valid (its data, values and ID number) or rejected."""

    row: RosterRow
    data: CandidateData | None = None
    values: dict[str, Any] = field(default_factory=dict)
    rejected: ProblemRow | None = None

    @property
    def key(self) -> str:
        """A valid row's ID number as validation normalised it (``idnumber.normalise``)."""
        return self.data.id_number if self.data is not None else ""


def _stored(s: Session, rows: Sequence[_Checked]) -> dict[str, _Known]:
    # Only a valid row is compared with a stored candidate: a rejected one needs no look-up.
    numbers = {n for r in rows if (n := r.key)}
    if not numbers:
        return {}
    found = s.scalars(select(Candidate).where(Candidate.id_number.in_(numbers)))
    return {c.id_number: _Known(c.registration_no, records.record_values(c)) for c in found}


_Outcome = tuple[str, ProblemRow | None]  # ("imported" | "present" | "conflict" | "rejected", …)


def _tally(result: ImportResult, outcome: _Outcome) -> None:
    kind, problem = outcome
    if kind == "imported":
        result.imported += 1
    elif kind == "present":
        result.already_present += 1
    elif kind == "conflict" and problem:
        result.conflicts.append(problem)
    elif problem:
        result.rejected.append(problem)


@dataclass(slots=True)
class _Run:
    """What one import knows while it goes through the rows."""

    ctx: Context
    policy: Policy
    headers: Mapping[str, str]  # field -> header text as written in the file
    dry_run: bool
    known: dict[str, _Known] = field(default_factory=dict)  # by normalised ID number
    pending: list[_Checked] = field(default_factory=list)  # to store
    unnumbered: list[tuple[ProblemRow, str]] = field(default_factory=list)

    def check(self, row: RosterRow) -> _Checked:
        """Validation alone: what does not depend on the database."""
        if row.problems:
            return _Checked(row, rejected=self._unreadable(row))
        checked = validate_candidate(row.raw, self.policy)
        if not checked.ok:
            return _Checked(row, rejected=self._invalid(row, checked.errors))
        return _Checked(row, checked.data, checked.data.as_dict())

    def decide(self, item: _Checked) -> _Outcome:
        """A checked row against the stored candidates and the file's earlier rows."""
        if item.data is None:
            return "rejected", item.rejected
        key, row = item.key, item.row
        if key in self.known:
            return self._compare(row, item.values, self.known[key], key)
        self.known[key] = _Known(None, item.values, row.number)
        if not self.dry_run:
            self.pending.append(item)
        return "imported", None

    def store_pending(self, s: Session) -> None:
        """The chunk's new candidates in one go (records.bulk_create_in: same rules, checked above)."""
        if self.dry_run:
            return
        stored = records.bulk_create_in(
            s,
            self.ctx,
            [item.data for item in self.pending if item.data is not None],
            source="roster",
        )
        for item, (_id, registration_no) in zip(self.pending, stored, strict=True):
            self.known[item.key] = _Known(registration_no, item.values, item.row.number)
        self.pending.clear()
        for conflict, key in self.unnumbered:
            conflict.registration_no = self.known[key].registration_no
        self.unnumbered.clear()

    def _unreadable(self, row: RosterRow) -> ProblemRow:
        """Cells that could not be read, plus whatever else is wrong with the row."""
        bad = {p.field for p in row.problems}
        skip = bad | {d for f in bad for d in _DERIVED.get(f, ())}
        others = [i for i in validate_candidate(row.raw, self.policy).errors if i.field not in skip]
        problems = [self._problem(row, p.field, p.reason) for p in row.problems]
        return ProblemRow(row.number, row.original, problems + self._issues(row, others))

    def _invalid(self, row: RosterRow, issues: list[Issue]) -> ProblemRow:
        return ProblemRow(row.number, row.original, self._issues(row, issues))

    def _issues(self, row: RosterRow, issues: list[Issue]) -> list[Problem]:
        return [self._problem(row, i.field, i.message_zh) for i in issues]

    def _problem(self, row: RosterRow, name: str, reason: str) -> Problem:
        return Problem(row.number, self.headers.get(name, fields.label_zh(name)), reason, name)

    def _compare(
        self, row: RosterRow, values: Mapping[str, Any], existing: _Known, key: str
    ) -> _Outcome:
        differing = [f for f, v in values.items() if existing.values.get(f) != v]
        if not differing:
            return "present", None
        names = "、".join(fields.label_zh(f) for f in differing)
        if existing.row is not None:
            reason = f"与本文件第 {existing.row} 行的证件号码相同，但{names}不同"
        else:
            reason = (
                f"该证件号码已有考生记录（报名号 {existing.registration_no}），但{names}不同；"
                "未修改已有记录，如需更正请在采集站中修改该考生"
            )
        problem = self._problem(row, "id_number", reason)
        conflict = ProblemRow(row.number, row.original, [problem], existing.registration_no)
        if existing.registration_no is None and not self.dry_run:
            self.unnumbered.append((conflict, key))  # numbered when its twin is stored
        return "conflict", conflict


# --- the errors workbook ------------------------------------------------------------------

DETAIL_SHEET = "错误明细"
WHOLE_FILE = "（整个文件）"


def write_errors(result: ImportResult, path: Path) -> None:
    """Every rejected or conflicting row: 错误明细 lists row, column and reason; 考生 holds the
    original values under the template's header (bad cells in red), ready to fix and import."""
    check_output(path)
    wb = Workbook()
    detail = wb.active
    assert detail is not None
    detail.title = DETAIL_SHEET
    _write_detail(detail, result)
    data = wb.create_sheet(DATA_SHEET)
    write_header(data, extra=(SOURCE_ROW, REASONS))
    for number, problem_row in enumerate(result.problem_rows, start=2):
        _write_original(data, number, problem_row)
    buffer = io.BytesIO()
    wb.save(buffer)
    atomic_write_bytes(path, buffer.getvalue())


def _write_detail(ws: Worksheet, result: ImportResult) -> None:
    ws.append(["行号", "姓名", "列", "原因", "已有报名号"])
    for cell in ws[1]:
        cell.font = BOLD
    for problem_row in result.problem_rows:
        name = problem_row.original.get("name")
        for p in problem_row.problems:
            ws.append(
                xlsx.row(ws, [p.row, name, p.column, p.reason, problem_row.registration_no or ""])
            )
    for warning in result.warnings:
        ws.append(["", "", WHOLE_FILE, warning, ""])
    for letter, width in zip("ABCDE", (8, 14, 16, 80, 18), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


def _write_original(ws: Worksheet, number: int, problem_row: ProblemRow) -> None:
    bad = {p.field for p in problem_row.problems}
    for index, column in enumerate(COLUMNS, start=1):
        value = problem_row.original.get(column.field)
        if column.as_text and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # an exact number stays exact only as text
        cell = xlsx.as_text(ws.cell(row=number, column=index, value=value))
        if isinstance(value, str) and column.as_text:
            cell.number_format = "@"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        if column.field in bad:
            cell.fill = BAD_FILL
    reasons = "；".join(f"{p.column}：{p.reason}" for p in problem_row.problems)
    ws.cell(row=number, column=len(COLUMNS) + 1, value=problem_row.row)
    xlsx.as_text(ws.cell(row=number, column=len(COLUMNS) + 2, value=reasons))
