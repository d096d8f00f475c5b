"""Plain frozen dataclasses the queue service returns (to the UI, the CLI and other services)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class VisitStop:
    """One stop of a visit (多窗联办): the queue it waits in and the matters done there."""

    category_code: str
    category_name: str
    area: str  # the hall area (专区) of the queue, else the queue's name: where the citizen goes
    matters: tuple[str, ...]  # matter names


@dataclass(frozen=True)
class VisitMatter:
    """A matter a visit may take in (多窗联办), with where it is done."""

    code: str
    name: str
    category_code: str
    area: str  # the hall area (专区) of its queue, else the queue's name


@dataclass(frozen=True)
class VisitBundle:
    """A 一件事 a visit may take (多窗联办): its matters are served queue by queue, in order."""

    code: str
    name: str
    areas: tuple[str, ...]  # the route: the area of each stop, in order


@dataclass(frozen=True)
class TicketInfo:
    id: uuid.UUID
    number: str  # printed: A001
    business_date: dt.date
    category_code: str
    category_name: str
    status: str
    priority_class: str  # green | appointment | normal
    issued_at: dt.datetime
    queue_at: dt.datetime
    window_number: int | None
    target_window_number: int | None
    called_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    recall_count: int
    holder_name: str  # masked (张*三)
    channel: str
    outcome: str | None
    case_numbers: tuple[str, ...]
    people_ahead: int | None = None  # filled when issuing / asking for a ticket's position
    estimated_wait_minutes: float | None = None
    stops: tuple[VisitStop, ...] = ()  # the visit's stops; () = a one-stop visit
    stop_index: int = 0  # the stop the ticket is at

    @property
    def next_stop(self) -> VisitStop | None:
        """The stop after the current one (转下一窗口), or None when this is the last."""
        i = self.stop_index + 1
        return self.stops[i] if i < len(self.stops) else None


@dataclass(frozen=True)
class CallResult:
    ticket: TicketInfo
    window_number: int
    window_name: str
    announcement: str  # 请 A012 号到 5 号窗口办理
    event_id: int


@dataclass(frozen=True)
class CategoryStatus:
    code: str
    name: str
    prefix: str
    waiting: int
    longest_wait_minutes: float
    issued_today: int
    daily_cap: int | None
    warn_wait_minutes: int


@dataclass(frozen=True)
class WindowState:
    number: int
    name: str
    state: str  # open | paused | closed
    reason: str
    current: TicketInfo | None
    priority_streak: int
    category_codes: tuple[str, ...]


@dataclass(frozen=True)
class QueueStatus:
    at: dt.datetime
    business_date: dt.date
    categories: tuple[CategoryStatus, ...]
    windows: tuple[WindowState, ...]


@dataclass(frozen=True)
class CloseDayResult:
    business_date: dt.date
    mode: str
    cancelled: int
    carried_over: int
    no_show: int
    finished: int
