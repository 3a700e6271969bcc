"""The candidate queue (考生队列): every candidate of the station, searchable as you type.

The rows are a compact snapshot (one tuple per candidate, loaded with a single column query:
about 0.2 s for 50,000) that is filtered in memory, so each keystroke costs one pass over the
list, not a database round trip. The full ID number is kept for searching and shown masked.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from station import idnumber, pinyin
from station.queries import QueueRow
from ui.labels import state_label

_ROOT = QModelIndex()


Row = QueueRow  # one candidate's line (station/queries.py)


def matches(row: Row, query: str) -> bool:
    """ID number (any part), 报名号 (prefix), name (any part) or pinyin initials (prefix)."""
    if query[0].isdigit():
        return row.registration_no.startswith(query) or query in row.id_number
    if query.isascii() and query.isalpha():
        q = query.lower()
        if pinyin.matches(row.initials, q):
            return True
        return q == "x" and row.id_number.endswith("X")
    return query in row.name


class QueueModel(QAbstractTableModel):
    COLUMNS = 6

    def __init__(self) -> None:
        super().__init__()
        self.all_rows: list[Row] = []
        self.rows: list[Row] = []
        self.text = ""
        self.state: str | None = None
        self.school: str | None = None

    # --- data ---------------------------------------------------------------------------

    def put_row(self, candidate_id: int, row: Row | None) -> None:
        """One candidate changed (saved, signed, photo): its line is replaced, the others
        are not (a reload of 50,000 lines costs about half a second). Without a filter the
        table is told about that one line; with one, the filter runs again in memory.
        ``None``: the candidate is gone."""
        at = self._position(candidate_id)
        unfiltered = self.rows is self.all_rows
        if row is None:
            if at is not None:
                if unfiltered:
                    self.beginRemoveRows(_ROOT, at, at)
                del self.all_rows[at]
                if unfiltered:
                    self.endRemoveRows()
        elif at is None:  # ids only grow: a new candidate is the last line
            end = len(self.all_rows)
            if unfiltered:
                self.beginInsertRows(_ROOT, end, end)
            self.all_rows.append(row)
            if unfiltered:
                self.endInsertRows()
        else:
            self.all_rows[at] = row
            if unfiltered:
                self.dataChanged.emit(self.index(at, 0), self.index(at, self.COLUMNS - 1))
        if not unfiltered:
            self._apply()

    def _position(self, candidate_id: int) -> int | None:
        # all_rows is in id order: a binary search, not a scan.
        lo, hi = 0, len(self.all_rows)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.all_rows[mid].id < candidate_id:
                lo = mid + 1
            else:
                hi = mid
        return lo if lo < len(self.all_rows) and self.all_rows[lo].id == candidate_id else None

    def set_rows(self, rows: list[Row]) -> None:
        """Replace the snapshot (loaded off the GUI thread by the caller)."""
        self.all_rows = rows
        self._apply()

    def set_filter(self, text: str) -> None:
        self.text = text.strip().upper() if text.strip()[:1].isdigit() else text.strip()
        self._apply()

    def set_state(self, state: str | None) -> None:
        self.state = state or None
        self._apply()

    def set_school(self, school_code: str | None) -> None:
        self.school = school_code or None
        self._apply()

    def _apply(self) -> None:
        rows = self.all_rows
        if self.state:
            rows = [r for r in rows if r.state == self.state]
        if self.school:
            rows = [r for r in rows if r.school_code == self.school]
        if self.text:
            rows = [r for r in rows if matches(r, self.text)]
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def schools(self) -> list[tuple[str, str]]:
        seen: dict[str, str] = {}
        for r in self.all_rows:
            if r.school_code and r.school_code not in seen:
                seen[r.school_code] = r.school_name
        return sorted(seen.items())

    def row_at(self, index: int) -> Row:
        return self.rows[index]

    # --- Qt -----------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else self.COLUMNS

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        row = self.rows[index.row()]
        column = index.column()
        if column == 0:
            return row.registration_no
        if column == 1:
            return state_label(row.state)
        if column == 2:
            return row.name
        if column == 3:
            return idnumber.mask(row.id_number)
        if column == 4:
            return row.school_name
        return self.tr("Yes") if row.has_photo else self.tr("No")

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        return (
            self.tr("Registration no."),
            self.tr("State"),
            self.tr("Name"),
            self.tr("ID number"),
            self.tr("School"),
            self.tr("Photo"),
        )[section]
