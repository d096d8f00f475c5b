"""Table models of the hall screens: windows, last calls, waiting per category (and the manager's).

`RowsModel` holds a tuple of frozen dataclass rows and a column list; `set_rows` resets only
when the rows changed, so a board refreshed every event does not flicker or lose selection.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt

from app.hall.board import CallLine, CategoryLine, WindowLine
from ui.rows_model import Column, RowsModel

__all__ = ["TZ", "CallsModel", "Column", "RowsModel", "WaitingModel", "WindowsModel"]


STATE_LABELS = {"open": "服务中", "paused": "暂停服务", "closed": "未开放"}
TICKET_STATUS_LABELS = {"called": "呼叫中", "serving": "办理中", "": ""}
TZ = ZoneInfo("Asia/Shanghai")


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
