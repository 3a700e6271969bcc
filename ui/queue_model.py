"""The candidate queue (考生队列) as a Qt model over the core's queries."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from station import idnumber, records
from station.auth import Context
from station.lifecycle import State

COLUMNS = ("报名号", "状态", "姓名", "证件号码", "毕业学校", "照片")


class QueueModel(QAbstractTableModel):
    def __init__(self, context: Context) -> None:
        super().__init__()
        self.context = context
        self.rows: list[dict[str, Any]] = []
        self.total = 0
        self.set_filter("")

    def set_filter(self, text: str) -> None:
        text = text.strip()
        self.beginResetModel()
        with self.context.store.session() as s:
            if not text:
                found = records.list_candidates(s, limit=2000)
                self.total = sum(records.count_by_state(s).values())
            elif text[0].isdigit():
                hit = records.find_by_registration_no(s, text) or records.find_by_id_number(s, text)
                found = [hit] if hit else []
            else:
                found = records.search_name_prefix(s, text, limit=500)
            self.rows = [records.summary(c) for c in found]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        row = self.rows[index.row()]
        return (
            row["registration_no"],
            State(row["state"]).label_zh,
            row["name"],
            row["id_number"]
            if row["id_number"].startswith("*")
            else idnumber.mask(row["id_number"]),
            row["school_name"],
            "有" if row["has_photo"] else "无",
        )[index.column()]

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None
