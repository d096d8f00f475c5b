"""Qt item models of the counter: waiting counts, matter search hits, the materials checklist, the
clerk's case list and a case's history. Each is a thin view over the services' dataclasses."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.cases import machine
from app.cases.types import CaseRow, HistoryEntry
from app.queue.types import CategoryStatus

_Index = QModelIndex | QPersistentModelIndex
RED = QColor("#c0392b")
ORANGE = QColor("#d35400")
GREY = QColor("#7f8c8d")


class _Table(QAbstractTableModel):
    headers: tuple[str, ...] = ()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows())

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.headers)
        ):
            return self.headers[section]
        return None

    def _rows(self) -> Sequence[Any]:
        raise NotImplementedError


class CategoryWaitModel(_Table):
    """Waiting tickets per category this window serves."""

    headers = ("业务类别", "号段", "等候", "最长等候")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[CategoryStatus] = []

    def _rows(self) -> Sequence[Any]:
        return self.rows

    def set_rows(self, rows: Sequence[CategoryStatus]) -> None:
        rows = list(rows)
        if [(r.code, r.waiting, r.longest_wait_minutes) for r in rows] == [
            (r.code, r.waiting, r.longest_wait_minutes) for r in self.rows
        ]:
            return
        if len(rows) == len(self.rows) and [r.code for r in rows] == [r.code for r in self.rows]:
            self.rows = rows
            if rows:
                self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(self.headers) - 1))
            return
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    @property
    def total_waiting(self) -> int:
        return sum(r.waiting for r in self.rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (r.name, r.prefix, str(r.waiting), f"{r.longest_wait_minutes:.0f} 分钟")[col]
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and col == 3
            and r.waiting
            and r.longest_wait_minutes >= r.warn_wait_minutes
        ):
            return QBrush(RED)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return r.code
        return None


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: uuid.UUID
    code: str
    name: str
    flags: str  # 承诺 / 秒批 / 容缺
    is_scenario: bool = False


class MatterSearchModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self.hits: list[SearchHit] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.hits)

    def set_hits(self, hits: Sequence[SearchHit]) -> None:
        self.beginResetModel()
        self.hits = list(hits)
        self.endResetModel()

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.hits)):
            return None
        h = self.hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if h.is_scenario:
                return f"【一件事】{h.name}"
            return f"{h.name}  ·  {h.code}" + (f"  〔{h.flags}〕" if h.flags else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return h.code
        if role == Qt.ItemDataRole.UserRole:
            return str(h.id)
        return None


@dataclass(frozen=True, slots=True)
class MaterialRow:
    material_id: uuid.UUID
    matter_name: str
    name: str
    form: str
    copies: int
    required: bool
    core: bool
    received: bool = False
    problem: str = ""


class MaterialsModel(_Table):
    """The materials checklist: tick what was received, note what is missing or faulty."""

    headers = ("收到", "材料名称", "所属事项", "形式", "份数", "核心", "问题说明")
    COL_RECEIVED, COL_PROBLEM = 0, 6

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[MaterialRow] = []

    def _rows(self) -> Sequence[Any]:
        return self.rows

    def set_rows(self, rows: Sequence[MaterialRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.COL_RECEIVED:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if index.column() == self.COL_PROBLEM:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.CheckStateRole and col == self.COL_RECEIVED:
            return Qt.CheckState.Checked if r.received else Qt.CheckState.Unchecked
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == self.COL_RECEIVED:
                return None
            return (
                None,
                r.name + ("" if r.required else "（选交）"),
                r.matter_name,
                r.form,
                str(r.copies),
                "核心" if r.core else "非核心",
                r.problem,
            )[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == 5 and r.core:
            return QBrush(RED)
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return False
        r = self.rows[index.row()]
        if index.column() == self.COL_RECEIVED and role == Qt.ItemDataRole.CheckStateRole:
            checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
            self.rows[index.row()] = replace(r, received=checked)
        elif index.column() == self.COL_PROBLEM and role == Qt.ItemDataRole.EditRole:
            self.rows[index.row()] = replace(r, problem=str(value or "")[:300])
        else:
            return False
        self.dataChanged.emit(index, index, [role])
        return True

    def set_all_received(self, received: bool = True) -> None:
        self.rows = [replace(r, received=received) for r in self.rows]
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.headers) - 1))


class CaseListModel(_Table):
    """The clerk's cases with working days left; overdue in red, due soon in orange."""

    headers = ("办件编号", "事项", "申请人", "状态", "办理方式", "承诺办结", "剩余工作日")

    def __init__(self, due_soon_days: int = 2) -> None:
        super().__init__()
        self.rows: list[CaseRow] = []
        self.due_soon_days = due_soon_days

    def _rows(self) -> Sequence[Any]:
        return self.rows

    def set_rows(self, rows: Sequence[CaseRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> CaseRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 6:
                if r.working_days_left is None:
                    return "—"
                return f"超期 {-r.working_days_left} 天" if r.overdue else str(r.working_days_left)
            return (
                r.case_number,
                r.matter_name,
                r.applicant,
                machine.label(r.status) + ("（待补材料）" if r.waiting_materials else ""),
                machine.PATH_LABELS.get(r.path, r.path),
                _date(r.promised_date),
            )[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            if r.overdue:
                return QBrush(RED)
            if r.working_days_left is not None and r.working_days_left <= self.due_soon_days:
                return QBrush(ORANGE)
            if r.status in machine.FINAL_STATUSES or r.status == "completed":
                return QBrush(GREY)
        if role == Qt.ItemDataRole.UserRole:
            return str(r.id)
        return None


def _date(d: dt.date | None) -> str:
    return d.isoformat() if d else "—"


class HistoryModel(_Table):
    headers = ("时间", "从", "到", "经办人", "说明")

    def __init__(self, tz: dt.tzinfo | None = None) -> None:
        super().__init__()
        self.rows: list[HistoryEntry] = []
        self.tz = tz

    def _rows(self) -> Sequence[Any]:
        return self.rows

    def set_rows(self, rows: Sequence[HistoryEntry]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        h = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            at = h.at.astimezone(self.tz) if self.tz else h.at
            return (
                f"{at:%Y-%m-%d %H:%M}",
                machine.label(h.from_status) if h.from_status else "—",
                machine.label(h.to_status),
                h.staff_name,
                h.note,
            )[index.column()]
        return None
