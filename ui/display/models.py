"""Shared bits of the hall screens' tables: the hall's time zone, local times, and the dataclass rows
model (ui/rows_model.py) the manager's tables use.

`RowsModel` holds a tuple of frozen dataclass rows and a column list; `set_rows` resets only
when the rows changed, so a board refreshed every event does not flicker or lose selection.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ui.rows_model import Column, RowsModel

__all__ = ["TZ", "Column", "RowsModel", "local_time"]


TZ = ZoneInfo("Asia/Shanghai")


def local_time(at: dt.datetime) -> str:
    return at.astimezone(TZ).strftime("%H:%M")
