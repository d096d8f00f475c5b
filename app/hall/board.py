"""What the display board shows, as one snapshot: windows, the last calls, waiting per category.

Built from the queue service's status plus the day's call events. Names are masked here again
(tickets store masked names already; a board must never show a full name whatever the source).
Each window has one state a citizen reads (呼叫中 / 办理中 / 空闲 / 暂停服务); the board lists only
the windows that are staffed (open or paused), page by page when they do not fit (`page_of`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from app.assist.board_names import board_names
from app.queue.events import EVENT_KINDS
from app.queue.service import QueueService
from app.validators import mask_name
from app.vocab import TicketStatus, WindowServiceState
from db.models import HallEvent, Ticket

CALL_KINDS = ("called", "recalled")
#: 多窗联办: a visit sent on to its next stop; the board shows and says where to go
MOVE_KIND = "advanced"
#: the events the board's list of recent calls shows
SHOWN_KINDS = (*CALL_KINDS, MOVE_KIND)
#: events after which the board's figures change: every queue transition
BOARD_KINDS = frozenset(EVENT_KINDS)
#: what a citizen reads for a window, one word per window
SHOWN_LABELS = {
    "called": "呼叫中",
    "serving": "办理中",
    "idle": "空闲",
    "paused": "暂停服务",
    "closed": "未开放",
}


@dataclass(frozen=True)
class CallLine:
    event_id: int
    number: str
    window_number: int
    window_name: str
    at: dt.datetime
    recall: bool
    holder: str  # masked
    area: str = ""  # the hall area: of the window for a visit's later stop, of the next stop for a move
    moved: bool = False  # 多窗联办: the ticket goes on to `area` and waits there (no window yet)
    board_name: str = ""  # 张*女士 (silent boards): surname and title only, "" for anonymous tickets

    @property
    def announcement(self) -> str:
        """What the board says and shows for it: 请 A012 号到 5 号窗口办理 / 请 A012 号到 不动产专区 等候."""
        if self.moved:
            return f"请 {self.number} 号到 {self.area} 等候"
        where = f"{self.area} {self.window_number}" if self.area else f"{self.window_number}"
        return f"请 {self.number} 号到 {where} 号窗口办理"


@dataclass(frozen=True)
class WindowLine:
    number: int
    name: str
    state: str  # open | paused | closed
    reason: str
    current_number: str  # "" when idle
    current_status: str  # called | serving | ""
    holder: str  # masked
    board_name: str = ""  # 张*女士 of the current ticket (silent boards)

    @property
    def shown_state(self) -> str:
        """The one state the board shows: called | serving | idle | paused | closed."""
        if self.state == WindowServiceState.PAUSED:
            return "paused"
        if self.state != WindowServiceState.OPEN:
            return "closed"
        return self.current_status if self.current_status in (TicketStatus.CALLED, TicketStatus.SERVING) else "idle"

    @property
    def shown_label(self) -> str:
        return SHOWN_LABELS[self.shown_state]

    @property
    def staffed(self) -> bool:
        """Open or paused: a window a citizen may be sent to (closed ones are left off the board)."""
        return self.state in (WindowServiceState.OPEN, WindowServiceState.PAUSED)


@dataclass(frozen=True)
class CategoryLine:
    code: str
    name: str
    prefix: str
    waiting: int
    longest_wait_minutes: float
    warn_wait_minutes: int
    issued_today: int
    daily_cap: int | None


@dataclass(frozen=True)
class BoardState:
    at: dt.datetime
    business_date: dt.date
    windows: tuple[WindowLine, ...]
    categories: tuple[CategoryLine, ...]
    calls: tuple[CallLine, ...]  # newest first
    last_event_id: int
    areas: Mapping[int, str] = field(default_factory=dict)  # window number → hall area (专区)

    @property
    def newest_call(self) -> CallLine | None:
        return self.calls[0] if self.calls else None

    @property
    def shown_windows(self) -> tuple[WindowLine, ...]:
        """The windows the board lists: open or paused, by number."""
        return tuple(sorted((w for w in self.windows if w.staffed), key=lambda w: w.number))


@dataclass(frozen=True)
class Page:
    rows: tuple[WindowLine, ...]
    index: int  # 0-based
    count: int  # at least 1

    @property
    def label(self) -> str:
        return f"{self.index + 1}/{self.count}" if self.count > 1 else ""


def page_of(rows: Sequence[WindowLine], per_page: int, index: int) -> Page:
    """Page `index` (wrapping around) of `rows`, `per_page` to a page (at least one)."""
    per_page = max(1, per_page)
    count = max(1, math.ceil(len(rows) / per_page))
    index %= count
    return Page(tuple(rows[index * per_page : (index + 1) * per_page]), index, count)


def call_from_event(
    kind: str,
    payload: dict[str, Any],
    event_id: int,
    at: dt.datetime,
    areas: Mapping[int, str] | None = None,
) -> CallLine | None:
    """A call (or a visit's move to its next stop) straight from an event's payload, no database
    round trip: the board flashes at once. `areas`: window number → hall area, for a later stop's
    call (the PostgreSQL call-next function records the stop, not the area)."""
    number = str(payload.get("number") or "")
    if kind == MOVE_KIND:
        area = str(payload.get("next_area") or "")
        if not number or not area:
            return None
        return CallLine(event_id, number, 0, "", at, False, "", area, True)
    if kind not in CALL_KINDS:
        return None
    window = payload.get("window_number")
    if not number or not isinstance(window, int):
        return None
    return CallLine(
        event_id, number, window, f"{window}号窗口", at, kind == "recalled", "", _call_area(payload, window, areas)
    )


def _call_area(payload: Mapping[str, Any], window: int, areas: Mapping[int, str] | None) -> str:
    """The area a call names: only at a visit's later stop (the citizen comes from another area)."""
    stage = payload.get("stage")
    if not isinstance(stage, int) or stage <= 0:
        return ""
    return str(payload.get("area") or (areas or {}).get(window, ""))


def load_board(service: QueueService, *, recent: int = 8) -> BoardState:
    """One consistent-enough snapshot (the next event triggers the next snapshot anyway)."""
    ev = HallEvent.__table__
    t = Ticket.__table__
    with service.session_factory() as s:
        last_id = int(
            s.execute(
                sa.select(sa.func.coalesce(sa.func.max(ev.c.id), 0)).where(ev.c.site_id == service.site_id)
            ).scalar_one()
        )
    status = service.status()
    ref = service.reference()
    win_names = {w.id: (w.number, w.name) for w in ref.windows.values()}
    areas = {w.number: w.zone_name for w in ref.windows.values() if w.zone_name}
    with service.session_factory() as s:
        rows = s.execute(
            sa.select(
                ev.c.id, ev.c.kind, ev.c.at, ev.c.window_id, ev.c.payload, t.c.number, t.c.holder_name, t.c.id.label("tid")
            )
            .select_from(ev.outerjoin(t, t.c.id == ev.c.ticket_id))
            .where(
                ev.c.site_id == service.site_id,
                ev.c.business_date == status.business_date,
                ev.c.kind.in_(SHOWN_KINDS),
                ev.c.id <= last_id,
            )
            .order_by(ev.c.id.desc())
            .limit(recent)
        ).all()
        current_ids = [w.current.id for w in status.windows if w.current is not None]
        names = board_names(s, [*(r.tid for r in rows if r.tid is not None), *current_ids])
    calls = []
    for r in rows:
        payload = r.payload or {}
        ticket = str(r.number or payload.get("number", ""))
        if r.kind == MOVE_KIND:
            area = str(payload.get("next_area") or "")
            if ticket and area:
                calls.append(
                    CallLine(int(r.id), ticket, 0, "", _aware(r.at), False, mask_name(r.holder_name or ""), area, True)
                )
            continue
        number, name = win_names.get(r.window_id, (int(payload.get("window_number") or 0), ""))
        calls.append(
            CallLine(
                event_id=int(r.id),
                number=ticket,
                window_number=number,
                window_name=name or f"{number}号窗口",
                at=_aware(r.at),
                recall=r.kind == "recalled",
                holder=mask_name(r.holder_name or ""),
                area=_call_area(payload, number, areas),
                board_name=names.get(r.tid, "") if r.tid is not None else "",
            )
        )
    windows = tuple(
        WindowLine(
            number=w.number,
            name=w.name,
            state=w.state,
            reason=w.reason,
            current_number=w.current.number if w.current else "",
            current_status=w.current.status if w.current else "",
            holder=mask_name(w.current.holder_name) if w.current else "",
            board_name=names.get(w.current.id, "") if w.current else "",
        )
        for w in status.windows
    )
    cats = tuple(
        CategoryLine(
            c.code,
            c.name,
            c.prefix,
            c.waiting,
            c.longest_wait_minutes,
            c.warn_wait_minutes,
            c.issued_today,
            c.daily_cap,
        )
        for c in status.categories
    )
    return BoardState(status.at, status.business_date, windows, cats, tuple(calls), last_id, areas)


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value  # type: ignore[no-any-return]
