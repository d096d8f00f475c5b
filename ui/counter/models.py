"""Qt item models of the counter: waiting counts, the waiting list, matter search hits, the
materials checklist, the clerk's case list and a case's history. Each is a `RowsModel` (the one
table-model base of every screen) over the services' frozen dataclasses and a column list."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt

from app.cases import machine
from app.cases.types import CaseRow, HistoryEntry
from app.counter.desk import WaitingTicket
from app.queue.types import CategoryStatus
from app.vocab import CaseStatus
from ui.rows_model import Column, RowsModel

RED = "#c0392b"
ORANGE = "#d35400"
GREY = "#7f8c8d"
GREEN = "#1e8449"
LEFT = Qt.AlignmentFlag.AlignLeft
RIGHT = Qt.AlignmentFlag.AlignRight


class CategoryWaitModel(RowsModel[CategoryStatus]):
    """Waiting tickets per category this window serves."""

    def __init__(self) -> None:
        super().__init__(
            [
                Column("业务类别", lambda r: r.name, LEFT),
                Column("号段", lambda r: r.prefix),
                Column("等候", lambda r: str(r.waiting), RIGHT),
                Column(
                    "最长等候",
                    lambda r: f"{r.longest_wait_minutes:.0f} 分钟",
                    RIGHT,
                    color=lambda r: RED if r.waiting and r.longest_wait_minutes >= r.warn_wait_minutes else None,
                ),
            ]
        )

    @property
    def total_waiting(self) -> int:
        return sum(r.waiting for r in self.rows)


PRIORITY_MARKS = {"green": "绿色通道", "appointment": "预约"}


def _marks(t: WaitingTicket) -> str:
    marks = [PRIORITY_MARKS[t.priority_class]] if t.priority_class in PRIORITY_MARKS else []
    if t.transferred_here:
        marks.append("转入本窗口")
    if t.stop > 0:  # 多窗联办: sent on by another window, same number
        marks.append(f"联办第{t.stop + 1}站")
    return "、".join(marks) or "—"


class WaitingListModel(RowsModel[WaitingTicket]):
    """Who is waiting for this window, in queue order: number, category, minutes waited, marks, and
    for a real-name ticket only the masked name (张*三)."""

    def __init__(self) -> None:
        super().__init__(
            [
                Column("号码", lambda t: t.number),
                Column("业务类别", lambda t: t.category_name, LEFT),
                Column("已等候", lambda t: f"{t.waited_minutes:.0f} 分钟", RIGHT),
                Column(
                    "标记",
                    _marks,
                    color=lambda t: GREEN if t.priority_class in PRIORITY_MARKS else None,
                ),
                Column("实名", lambda t: t.holder_name or "—"),
            ]
        )


@dataclass(frozen=True, slots=True)
class SearchHit:
    id: uuid.UUID
    code: str
    name: str
    flags: str  # 承诺 / 秒批 / 容缺
    is_scenario: bool = False


def _hit_text(h: SearchHit) -> str:
    if h.is_scenario:
        return f"【一件事】{h.name}"
    return f"{h.name}  ·  {h.code}" + (f"  〔{h.flags}〕" if h.flags else "")


class MatterSearchModel(RowsModel[SearchHit]):
    """Search hits, one column (shown in a list view)."""

    def __init__(self) -> None:
        super().__init__([Column("事项", _hit_text, LEFT, tooltip=lambda h: h.code)])

    @property
    def hits(self) -> tuple[SearchHit, ...]:
        return self.rows

    def set_hits(self, hits: Sequence[SearchHit]) -> None:
        self.set_rows(hits)


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
    tolerable: bool = False  # its matter allows 容缺受理 and it is a required non-core material


def _kind(r: MaterialRow) -> str:
    if not r.required:
        return "选交"
    if r.core:
        return "核心"
    return "可容缺" if r.tolerable else "非核心"


class MaterialsModel(RowsModel[MaterialRow]):
    """The materials checklist: tick what was received, note what is missing or faulty."""

    COL_RECEIVED, COL_PROBLEM = 0, 6

    def __init__(self) -> None:
        super().__init__(
            [
                Column(
                    "收到",
                    lambda r: "",
                    checked=lambda r: r.received,
                    set_checked=lambda r, on: replace(r, received=on),
                ),
                Column("材料名称", lambda r: r.name + ("" if r.required else "（选交）"), LEFT),
                Column("所属事项", lambda r: r.matter_name, LEFT),
                Column("形式", lambda r: r.form),
                Column("份数", lambda r: str(r.copies)),
                Column(
                    "类别",
                    _kind,
                    color=lambda r: RED if r.required and r.core else (GREEN if r.tolerable else None),
                    tooltip=lambda r: "非核心材料，本事项可容缺受理（承诺期限内补齐）" if r.tolerable else "",
                ),
                Column(
                    "问题说明",
                    lambda r: r.problem,
                    LEFT,
                    edit=lambda r, text: replace(r, problem=text.strip()[:300]),
                ),
            ]
        )

    def set_received(self, row: int, received: bool) -> None:
        r = self.row_at(row)
        if r is not None and r.received != received:
            self.replace_row(row, replace(r, received=received))

    def set_all_received(self, received: bool = True) -> None:
        self.set_rows([replace(r, received=received) for r in self.rows])

    def missing(self) -> list[MaterialRow]:
        """Required materials not (yet) ticked."""
        return [r for r in self.rows if r.required and not r.received]


def _date(d: dt.date | None) -> str:
    return d.isoformat() if d else "—"


class CaseListModel(RowsModel[CaseRow]):
    """The clerk's cases with working days left; overdue in red, due soon in orange."""

    def __init__(self, due_soon_days: int = 2) -> None:
        self.due_soon_days = due_soon_days
        super().__init__(
            [
                Column("办件编号", lambda r: r.case_number, color=self._color),
                Column("事项", lambda r: r.matter_name, LEFT, color=self._color),
                Column("申请人", lambda r: r.applicant, color=self._color),
                Column(
                    "状态",
                    lambda r: machine.label(r.status) + ("（待补材料）" if r.waiting_materials else ""),
                    color=self._color,
                ),
                Column("办理方式", lambda r: machine.PATH_LABELS.get(r.path, "其他"), color=self._color),
                Column("承诺办结", lambda r: _date(r.promised_date), color=self._color),
                Column("剩余工作日", _left, color=self._color),
            ]
        )

    def _color(self, r: CaseRow) -> str | None:
        if r.overdue:
            return RED
        if r.working_days_left is not None and r.working_days_left <= self.due_soon_days:
            return ORANGE
        if r.status in machine.FINAL_STATUSES or r.status == CaseStatus.COMPLETED:
            return GREY
        return None


def _left(r: CaseRow) -> str:
    if r.working_days_left is None:
        return "—"
    return f"超期 {-r.working_days_left} 天" if r.overdue else str(r.working_days_left)


class HistoryModel(RowsModel[HistoryEntry]):
    def __init__(self, tz: dt.tzinfo | None = None) -> None:
        self.tz = tz
        super().__init__(
            [
                Column("时间", self._at),
                Column("从", lambda h: machine.label(h.from_status) if h.from_status else "—"),
                Column("到", lambda h: machine.label(h.to_status)),
                Column("经办人", lambda h: h.staff_name),
                Column("说明", lambda h: h.note, LEFT),
            ]
        )

    def _at(self, h: HistoryEntry) -> str:
        at = h.at.astimezone(self.tz) if self.tz else h.at
        return f"{at:%Y-%m-%d %H:%M}"
