"""The manager's charts and load forecast: one service call that reads the hall events and hands
them to the pure computations (app/hall/charts_data.py, app/hall/forecast.py).

Today's events are read on every snapshot; the history (tickets issued and served per hour on
the past `weeks` weeks' business days, and the average service time) is read once per business
day and kept, so a refresh after each hall event costs one day's events, not eight weeks'.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.calendar import WorkCalendar
from app.errors import guarded
from app.hall.charts_data import (
    DEFAULT_HOURS,
    CategoryRef,
    DayByHour,
    EventFact,
    WaitBands,
    WindowUse,
    count_by_hour,
    hourly,
    wait_bands,
    window_use,
)
from app.hall.forecast import DayForecast, forecast
from app.queue.service import QueueService
from app.vocab import EventKind, WindowServiceState
from db.models import HallEvent, ServiceCategory, Window

FACT_KINDS = (
    "issued",
    "checked_in",
    "called",
    "finished",
    "advanced",
    "no_show",
    "transferred",
    "held",
    "cancelled",
    "requeued",
    "started",
    "window_opened",
    "window_resumed",
    "window_paused",
    "window_closed",
    "day_closed",
)


@dataclass(frozen=True)
class ChartsSnapshot:
    at: dt.datetime
    business_date: dt.date
    today: DayByHour
    waits: tuple[WaitBands, ...]
    windows: tuple[WindowUse, ...]
    forecast: tuple[DayForecast, ...]
    service_minutes: float | None  # average over the history (start or call to finish), for the forecast
    history_days: int  # business days with tickets in the history


@dataclass(frozen=True)
class _History:
    issued: dict[dt.date, dict[int, int]]
    served: dict[dt.date, dict[int, int]]
    service_minutes: float | None


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value  # type: ignore[no-any-return]


class HallCharts:
    """`snapshot()` (thread-safe; one call is one read of the hall database)."""

    def __init__(
        self,
        queue: QueueService,
        calendar: Callable[[], WorkCalendar],
        *,
        weeks: int = 8,
        days: int = 3,
        hours: tuple[int, ...] = DEFAULT_HOURS,
    ) -> None:
        self.queue = queue
        self._calendar = calendar
        self.weeks = weeks
        self.days = days
        self.hours = hours
        self._lock = threading.Lock()
        self._history: tuple[dt.date, _History, WorkCalendar] | None = None

    @guarded("读取图表数据")
    def snapshot(self) -> ChartsSnapshot:
        q = self.queue
        status = q.status()
        ref = q.reference()
        tz = ref.tz
        day = status.business_date
        with q.session_factory() as s:
            windows = {
                w.id: w.number for w in s.scalars(sa.select(Window).where(Window.site_id == q.site_id))
            }
            cats = list(
                s.scalars(
                    sa.select(ServiceCategory)
                    .where(ServiceCategory.site_id == q.site_id, ServiceCategory.active)
                    .order_by(ServiceCategory.sort, ServiceCategory.code)
                )
            )
            codes = {c.id: c.code for c in cats}
            facts = self._facts(s, day, day, tz, windows, codes)
        with self._lock:
            cached = self._history
            if cached is None or cached[0] != day:
                calendar = self._calendar()
                cached = (day, self._read_history(day, tz, calendar), calendar)
                self._history = cached
        _, history, calendar = cached
        today = hourly(
            day, facts, history.issued, history.served, calendar, weeks=self.weeks, hours=self.hours
        )
        bands = wait_bands(facts, [CategoryRef(c.code, c.prefix, c.name, c.warn_wait_minutes) for c in cats])
        open_windows = sorted(
            {w.number for w in status.windows if w.state != WindowServiceState.CLOSED}
            | {f.window for f in facts if f.window is not None and f.kind in (EventKind.WINDOW_OPENED, EventKind.CALLED)}
        )
        use = window_use(facts, status.at.astimezone(tz), open_windows)
        ahead = forecast(
            history.issued,
            calendar,
            day,
            days=self.days,
            weeks=self.weeks,
            hours=self.hours,
            service_minutes=history.service_minutes,
        )
        return ChartsSnapshot(
            status.at, day, today, bands, use, ahead, history.service_minutes, len(history.issued)
        )

    def _facts(
        self,
        s: Any,
        first: dt.date,
        last: dt.date,
        tz: dt.tzinfo,
        windows: dict[uuid.UUID, int],
        codes: dict[uuid.UUID, str],
        kinds: tuple[str, ...] = FACT_KINDS,
    ) -> list[EventFact]:
        ev = HallEvent.__table__
        rows = s.execute(
            sa.select(ev.c.at, ev.c.kind, ev.c.ticket_id, ev.c.window_id, ev.c.category_id, ev.c.payload)
            .where(
                ev.c.site_id == self.queue.site_id,
                ev.c.business_date >= first,
                ev.c.business_date <= last,
                ev.c.kind.in_(kinds),
            )
            .order_by(ev.c.id)
        ).all()
        out = []
        for r in rows:
            payload = r.payload or {}
            wait_from = None
            if r.kind == EventKind.CALLED:
                stamps = [_aware(payload[k]) for k in ("issued_at", "queue_at") if payload.get(k)]
                wait_from = max(stamps).astimezone(tz) if stamps else None
            out.append(
                EventFact(
                    at=_aware(r.at).astimezone(tz),
                    kind=r.kind,
                    ticket=str(r.ticket_id) if r.ticket_id else None,
                    window=windows.get(r.window_id) if r.window_id else None,
                    category=codes.get(r.category_id) if r.category_id else None,
                    wait_from=wait_from,
                )
            )
        return out

    def _read_history(self, day: dt.date, tz: dt.tzinfo, calendar: WorkCalendar) -> _History:
        first = day - dt.timedelta(days=7 * self.weeks + 7 * 2)  # the forecast looks from later days
        ev = HallEvent.__table__
        issued: dict[dt.date, dict[int, int]] = {}
        served: dict[dt.date, dict[int, int]] = {}
        per_day: dict[dt.date, list[EventFact]] = {}
        starts: dict[str, dt.datetime] = {}
        started: set[str] = set()
        services: list[float] = []
        with self.queue.session_factory() as s:
            rows = s.execute(
                sa.select(ev.c.business_date, ev.c.at, ev.c.kind, ev.c.ticket_id)
                .where(
                    ev.c.site_id == self.queue.site_id,
                    ev.c.business_date >= first,
                    ev.c.business_date < day,
                    ev.c.kind.in_(("issued", "checked_in", "called", "started", "finished")),
                )
                .order_by(ev.c.id)
            ).all()
        for r in rows:
            at = _aware(r.at).astimezone(tz)
            ticket = str(r.ticket_id) if r.ticket_id else None
            if r.kind in (EventKind.CALLED, EventKind.STARTED) and ticket is not None:
                # service runs from the start, or from the (last) call when finished straight from it
                if r.kind == "started" or ticket not in started:
                    starts[ticket] = at
                if r.kind == "started":
                    started.add(ticket)
                continue
            if r.kind == "finished" and ticket is not None and ticket in starts:
                services.append((at - starts.pop(ticket)).total_seconds() / 60)
            per_day.setdefault(r.business_date, []).append(EventFact(at, r.kind, ticket))
        for d, facts in per_day.items():
            i, sv = count_by_hour(facts, self.hours)
            if sum(i.values()):
                issued[d], served[d] = i, sv
        avg_service = round(sum(services) / len(services), 1) if services else None
        return _History(issued, served, avg_service)


__all__ = ["ChartsSnapshot", "HallCharts"]
