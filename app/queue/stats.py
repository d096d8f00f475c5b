"""Queue figures computed from the hall event stream (plus the live queue from the ticket table).

Definitions (minutes):
- wait, per stop of a visit: first call − max(issue time, queue time) — an appointment checked in
  early waits from its slot; at a later stop of a visit (多窗联办) the stop's first call − the
  moment the earlier window sent it on ("advanced");
- visit wait: the sum of a visit's stop waits (the citizen's whole wait in the hall);
- counts: `called` and `served` count visits (人次: one ticket, however many windows), `services`
  counts the stops served (件次: a finish or an advance to the next window);
- walk: service start − the latest call (the applicant walking to the window);
- service: finish − start (or − call when finished straight from the call);
- idle (per window): time the window was open with nobody called or served, between the end of
  one ticket (or opening / resuming) and the next call; pauses and closing stop the clock;
- no-show rate: no-shows / tickets called; above target: share of first calls whose wait exceeded
  the category's warning threshold (`warn_wait_minutes`).
Grouped per business day, window, category and clerk.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.queue.events import HallEventInfo
from app.queue.policy import QueuePolicy
from db.base import utcnow
from db.models import HallEvent, ServiceCategory, Staff, Ticket, Window
from db.vocab import EventKind


@dataclass(frozen=True)
class Figures:
    issued: int
    called: int  # tickets called at least once
    served: int  # finished
    no_show: int
    avg_wait_minutes: float | None
    max_wait_minutes: float | None
    avg_walk_minutes: float | None
    avg_service_minutes: float | None
    idle_minutes: float
    no_show_rate: float | None
    above_target_share: float | None
    services: int = 0  # 件次: stops served (finished or sent on to the next window)
    avg_visit_wait_minutes: float | None = None  # per visit, all its stops' waits together
    max_visit_wait_minutes: float | None = None


@dataclass(frozen=True)
class CategoryLive:
    code: str
    name: str
    waiting: int
    longest_wait_minutes: float


@dataclass(frozen=True)
class QueueStats:
    date_from: dt.date
    date_to: dt.date
    overall: Figures
    by_day: dict[dt.date, Figures]
    by_window: dict[int, Figures]  # window number
    by_category: dict[str, Figures]  # category code
    by_staff: dict[str, Figures]  # staff username ('' = no clerk recorded)
    live: tuple[CategoryLive, ...]


@dataclass
class _Acc:
    issued: int = 0
    called: set[uuid.UUID] = field(default_factory=set)
    served: int = 0
    no_show: int = 0
    waits: list[float] = field(default_factory=list)
    walks: list[float] = field(default_factory=list)
    services_minutes: list[float] = field(default_factory=list)
    idle: float = 0.0
    above: int = 0
    services: int = 0
    visit_waits: list[float] = field(default_factory=list)

    def figures(self) -> Figures:
        def avg(xs: list[float]) -> float | None:
            return round(sum(xs) / len(xs), 2) if xs else None

        called = len(self.called)
        return Figures(
            issued=self.issued,
            called=called,
            served=self.served,
            no_show=self.no_show,
            avg_wait_minutes=avg(self.waits),
            max_wait_minutes=round(max(self.waits), 2) if self.waits else None,
            avg_walk_minutes=avg(self.walks),
            avg_service_minutes=avg(self.services_minutes),
            idle_minutes=round(self.idle, 2),
            no_show_rate=round(self.no_show / called, 4) if called else None,
            above_target_share=round(self.above / len(self.waits), 4) if self.waits else None,
            services=self.services,
            avg_visit_wait_minutes=avg(self.visit_waits),
            max_visit_wait_minutes=round(max(self.visit_waits), 2) if self.visit_waits else None,
        )


def _minutes(a: dt.datetime, b: dt.datetime) -> float:
    return (b - a).total_seconds() / 60


def _ts(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def compute(
    events: Iterable[HallEventInfo],
    *,
    window_numbers: dict[uuid.UUID, int],
    category_codes: dict[uuid.UUID, str],
    category_targets: dict[uuid.UUID, int],
    staff_names: dict[uuid.UUID, str],
    default_target: int,
) -> tuple[_Acc, dict[dt.date, _Acc], dict[int, _Acc], dict[str, _Acc], dict[str, _Acc]]:
    """Fold events (in id order) into accumulators: overall, per day, window, category, clerk."""
    overall = _Acc()
    by_day: dict[dt.date, _Acc] = {}
    by_window: dict[int, _Acc] = {}
    by_cat: dict[str, _Acc] = {}
    by_staff: dict[str, _Acc] = {}
    first_called: set[uuid.UUID] = set()
    last_call: dict[uuid.UUID, dt.datetime] = {}
    started: dict[uuid.UUID, dt.datetime] = {}
    idle_since: dict[int, dt.datetime] = {}
    ticket_staff: dict[uuid.UUID, uuid.UUID | None] = {}
    stage_since: dict[uuid.UUID, dt.datetime] = {}  # a visit sent on to its next stop, since when
    visit_wait: dict[uuid.UUID, tuple[dt.date, float]] = {}  # visit → (day of its first call, wait)

    def groups(ev: HallEventInfo, staff: uuid.UUID | None) -> list[_Acc]:
        out = [overall, by_day.setdefault(ev.business_date, _Acc())]
        if ev.window_id is not None and ev.window_id in window_numbers:
            out.append(by_window.setdefault(window_numbers[ev.window_id], _Acc()))
        if ev.category_id is not None:
            out.append(by_cat.setdefault(category_codes.get(ev.category_id, "?"), _Acc()))
        if ev.kind not in (EventKind.ISSUED, EventKind.CHECKED_IN):
            out.append(by_staff.setdefault(staff_names.get(staff, "") if staff else "", _Acc()))
        return out

    for ev in events:
        tid = ev.ticket_id
        wnum = window_numbers.get(ev.window_id) if ev.window_id else None
        staff = ev.staff_id if ev.staff_id is not None else (ticket_staff.get(tid) if tid else None)
        k = ev.kind
        if k in (EventKind.ISSUED, EventKind.CHECKED_IN):
            for g in groups(ev, None):
                g.issued += 1
        elif k == EventKind.CALLED and tid is not None:
            ticket_staff[tid] = ev.staff_id
            last_call[tid] = ev.at
            started.pop(tid, None)
            if wnum is not None and wnum in idle_since:
                by_window.setdefault(wnum, _Acc()).idle += _minutes(idle_since.pop(wnum), ev.at)
            gs = groups(ev, staff)
            for g in gs:
                g.called.add(tid)
            wait: float | None = None
            if tid not in first_called:
                first_called.add(tid)
                issued_at = _ts(ev.payload.get("issued_at")) or ev.at
                queue_at = _ts(ev.payload.get("queue_at")) or issued_at
                wait = max(0.0, _minutes(max(issued_at, queue_at), ev.at))
                visit_wait[tid] = (ev.business_date, wait)
            elif tid in stage_since:  # the first call at a visit's later stop
                wait = max(0.0, _minutes(stage_since.pop(tid), ev.at))
                day, total = visit_wait.get(tid, (ev.business_date, 0.0))
                visit_wait[tid] = (day, total + wait)
            if wait is not None:
                target = (
                    category_targets.get(ev.category_id, default_target) if ev.category_id else default_target
                )
                for g in gs:
                    g.waits.append(wait)
                    g.above += wait > target
        elif k == EventKind.STARTED and tid is not None:
            started[tid] = ev.at
            if tid in last_call:
                for g in groups(ev, staff):
                    g.walks.append(_minutes(last_call[tid], ev.at))
        elif k in (EventKind.FINISHED, EventKind.ADVANCED) and tid is not None:
            begin = started.pop(tid, None) or last_call.get(tid)
            for g in groups(ev, staff):
                g.served += k == EventKind.FINISHED  # the visit is over
                g.services += 1  # one stop of it served
                if begin is not None:
                    g.services_minutes.append(_minutes(begin, ev.at))
            if k == EventKind.ADVANCED:
                stage_since[tid] = ev.at
            if wnum is not None:
                idle_since[wnum] = ev.at
        elif k == EventKind.NO_SHOW and tid is not None:
            for g in groups(ev, staff):
                g.no_show += 1
            if wnum is not None:
                idle_since[wnum] = ev.at
        elif k in (EventKind.TRANSFERRED, EventKind.HELD) and wnum is not None:
            idle_since[wnum] = ev.at
        elif k in (EventKind.WINDOW_OPENED, EventKind.WINDOW_RESUMED) and wnum is not None:
            idle_since.setdefault(wnum, ev.at)
        elif k in (EventKind.WINDOW_PAUSED, EventKind.WINDOW_CLOSED) and wnum is not None:
            if wnum in idle_since:
                by_window.setdefault(wnum, _Acc()).idle += _minutes(idle_since.pop(wnum), ev.at)
        elif k == EventKind.DAY_CLOSED:
            for n, since in list(idle_since.items()):
                by_window.setdefault(n, _Acc()).idle += _minutes(since, ev.at)
            idle_since.clear()
    overall.idle = sum(a.idle for a in by_window.values())
    for day, total in visit_wait.values():
        overall.visit_waits.append(total)
        by_day.setdefault(day, _Acc()).visit_waits.append(total)
    return overall, by_day, by_window, by_cat, by_staff


def queue_stats(
    session_factory: sessionmaker[Session],
    site_id: uuid.UUID,
    date_from: dt.date,
    date_to: dt.date | None = None,
    *,
    policy: QueuePolicy | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
) -> QueueStats:
    """Figures for business days date_from … date_to (inclusive) and the live queue now."""
    date_to = date_to or date_from
    policy = policy or QueuePolicy()
    ev_t = HallEvent.__table__
    t = Ticket.__table__
    with session_factory() as s:
        windows = {w.id: w.number for w in s.scalars(sa.select(Window).where(Window.site_id == site_id))}
        cats = list(s.scalars(sa.select(ServiceCategory).where(ServiceCategory.site_id == site_id)))
        staff = {st.id: st.username for st in s.scalars(sa.select(Staff).where(Staff.site_id == site_id))}
        rows = s.execute(
            sa.select(ev_t)
            .where(
                ev_t.c.site_id == site_id, ev_t.c.business_date >= date_from, ev_t.c.business_date <= date_to
            )
            .order_by(ev_t.c.id)
        ).all()
        live_rows = {
            r.category_id: (int(r.n), r.oldest)
            for r in s.execute(
                sa.select(
                    t.c.category_id, sa.func.count().label("n"), sa.func.min(t.c.queue_at).label("oldest")
                )
                .where(t.c.site_id == site_id, t.c.status == sa.literal_column("'waiting'"))
                .group_by(t.c.category_id)
            )
        }
    overall, by_day, by_window, by_cat, by_staff = compute(
        (HallEventInfo.from_row(r) for r in rows),
        window_numbers=windows,
        category_codes={c.id: c.code for c in cats},
        category_targets={c.id: c.warn_wait_minutes for c in cats},
        staff_names=staff,
        default_target=policy.wait_target_minutes,
    )
    now = clock()
    live = []
    for c in sorted(cats, key=lambda c: (c.sort, c.code)):
        n, oldest = live_rows.get(c.id, (0, None))
        oldest_ts = _ts(oldest)
        longest = max(0.0, _minutes(oldest_ts, now)) if oldest_ts is not None else 0.0
        live.append(CategoryLive(c.code, c.name, n, round(longest, 1)))
    return QueueStats(
        date_from=date_from,
        date_to=date_to,
        overall=overall.figures(),
        by_day={k: v.figures() for k, v in sorted(by_day.items())},
        by_window={k: v.figures() for k, v in sorted(by_window.items())},
        by_category={k: v.figures() for k, v in sorted(by_cat.items())},
        by_staff={k: v.figures() for k, v in sorted(by_staff.items())},
        live=tuple(live),
    )
