"""A table model of frozen dataclass rows and a column list, shared by every screen's tables.

`set_rows` resets only when the rows changed, so a screen refreshed on every hall event does not
flicker or lose its selection. A column may carry a check box (`checked`; user-checkable with
`set_checked`), be editable as text (`edit`), have a tooltip and a foreground colour; an edit
replaces the frozen row with the one the column's function returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

R = TypeVar("R")
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column(Generic[R]):
    header: str
    text: Callable[[R], str]
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter
    color: Callable[[R], str | None] | None = None  # foreground colour name, or None
    checked: Callable[[R], bool] | None = None  # a check box in this column
    set_checked: Callable[[R, bool], R] | None = None  # the clerk may tick it: the row after a tick
    edit: Callable[[R, str], R] | None = None  # editable text: the row after an edit
    tooltip: Callable[[R], str] | None = None


class RowsModel(QAbstractTableModel, Generic[R]):
    def __init__(self, columns: Sequence[Column[R]], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: tuple[R, ...] = ()

    @property
    def rows(self) -> tuple[R, ...]:
        return self._rows

    @property
    def columns(self) -> tuple[Column[R], ...]:
        return self._columns

    def row_at(self, row: int) -> R | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

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

    def replace_row(self, row: int, new: R) -> None:
        """One row changed (a tick, an edit): only its cells are repainted."""
        rows = list(self._rows)
        rows[row] = new
        self._rows = tuple(rows)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self._columns) - 1))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def _cell(self, index: _Index) -> tuple[R, Column[R]] | None:
        if (
            not index.isValid()
            or not (0 <= index.row() < len(self._rows))
            or not (0 <= index.column() < len(self._columns))
        ):
            return None
        return self._rows[index.row()], self._columns[index.column()]

    def flags(self, index: _Index) -> Qt.ItemFlag:
        cell = self._cell(index)
        if cell is None:
            return Qt.ItemFlag.NoItemFlags
        col = cell[1]
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if col.set_checked is not None:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        if col.edit is not None:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        cell = self._cell(index)
        if cell is None:
            return None
        row, col = cell
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return col.text(row)
        if role == Qt.ItemDataRole.CheckStateRole and col.checked is not None:
            return Qt.CheckState.Checked if col.checked(row) else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(col.align | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col.color is not None:
            name = col.color(row)
            return QBrush(QColor(name)) if name else None
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip is not None:
            return col.tooltip(row) or None
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    def setData(self, index: _Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        cell = self._cell(index)
        if cell is None:
            return False
        row, col = cell
        if role == Qt.ItemDataRole.CheckStateRole and col.set_checked is not None:
            checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
            new = col.set_checked(row, checked)
        elif role == Qt.ItemDataRole.EditRole and col.edit is not None:
            new = col.edit(row, "" if value is None else str(value))
        else:
            return False
        self.replace_row(index.row(), new)
        return True

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
