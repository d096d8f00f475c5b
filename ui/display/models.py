"""Table models of the hall screens: windows, last calls, waiting per category (and the manager's).

`RowsModel` holds a tuple of frozen dataclass rows and a column list; `set_rows` resets only
when the rows changed, so a board refreshed every event does not flicker or lose selection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.hall.board import CallLine, CategoryLine, WindowLine

R = TypeVar("R")
_Index = QModelIndex | QPersistentModelIndex

STATE_LABELS = {"open": "服务中", "paused": "暂停服务", "closed": "未开放"}
TICKET_STATUS_LABELS = {"called": "呼叫中", "serving": "办理中", "": ""}
TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Column(Generic[R]):
    header: str
    text: Callable[[R], str]
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter
    color: Callable[[R], str | None] | None = None  # foreground colour name, or None


class RowsModel(QAbstractTableModel, Generic[R]):
    def __init__(self, columns: Sequence[Column[R]], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: tuple[R, ...] = ()

    @property
    def rows(self) -> tuple[R, ...]:
        return self._rows

    def set_rows(self, rows: Sequence[R]) -> None:
        new = tuple(rows)
        if new == self._rows:
            return
        if len(new) == len(self._rows) and new:
            self._rows = new
            self.dataChanged.emit(self.index(0, 0), self.index(len(new) - 1, len(self._columns) - 1))
            return
        self.beginResetModel()
        self._rows = new
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            not index.isValid()
            or not (0 <= index.row() < len(self._rows))
            or not (0 <= index.column() < len(self._columns))
        ):
            return None
        row = self._rows[index.row()]
        col = self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(col.align | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col.color is not None:
            name = col.color(row)
            return QBrush(QColor(name)) if name else None
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return self._columns[section].header
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
            return str(section + 1)
        return None


def local_time(at: dt.datetime) -> str:
    return at.astimezone(TZ).strftime("%H:%M")


def _window_current(w: WindowLine) -> str:
    if w.state != "open":
        return STATE_LABELS.get(w.state, w.state)
    return w.current_number or "空闲"


class WindowsModel(RowsModel[WindowLine]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column("窗口", lambda w: f"{w.number}号"),
                Column(
                    "当前号码",
                    _window_current,
                    color=lambda w: "#ffd54f" if w.current_status == "called" else None,
                ),
                Column(
                    "状态",
                    lambda w: TICKET_STATUS_LABELS.get(w.current_status, "") or STATE_LABELS.get(w.state, ""),
                ),
            ],
            parent,
        )


class CallsModel(RowsModel[CallLine]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column("号码", lambda c: c.number),
                Column("窗口", lambda c: f"{c.window_number}号窗口"),
                Column("时间", lambda c: local_time(c.at) + (" 重呼" if c.recall else "")),
            ],
            parent,
        )


class WaitingModel(RowsModel[CategoryLine]):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column("业务", lambda c: f"{c.prefix} {c.name}", Qt.AlignmentFlag.AlignLeft),
                Column(
                    "等候人数",
                    lambda c: str(c.waiting),
                    color=lambda c: "#ff7043" if c.longest_wait_minutes > c.warn_wait_minutes else None,
                ),
            ],
            parent,
        )
