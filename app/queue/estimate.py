"""The one waiting-time estimator of the hall: kiosk, printed ticket, counter, display and manager.

Formula, for a ticket of category C (a new one at the kiosk, or one already waiting)::

    wait = people_ahead × minutes_per_ticket ÷ windows

- ``people_ahead``: tickets of C's eligible queue that are called before it — for a new ticket every
  waiting ticket of C not transferred to a named window and already queued (green channel and
  appointments whose slot has begun included: they go first; an early check-in waits for its slot);
  for a waiting ticket the queue service counts the ones ahead of it by the ordering policy.
- ``minutes_per_ticket``: the mean time a window spends per ticket of C today, from the call to the
  finish (finished_at − called_at: the walk to the window is window time too), over the last
  ``service_sample`` tickets of C served today; with none served yet, the configured average of the
  category (`configured`, category code → minutes) if there is one, else the hall's configured
  ``queue.default_service_minutes``, else ``DEFAULT_SERVICE_MINUTES``.
- ``windows``: the open windows serving C, each counted by its share of work for C: a window that
  also serves other categories with people waiting gives each of its k busy categories 1/k of its
  time (k counts C itself). Two open windows serving only C → 2.0; one window serving C and one
  other busy category → 0.5.

Boundaries: nobody ahead → 0 minutes (whether or not a window is open); people ahead but no open
window serving C → ``None`` ("no estimate": the screens say how many people wait, not a time).

Why this is consistent with the measured average wait (app/queue/stats.py: first call − queue time):
in a steady queue a window finishes one ticket of C every ``minutes_per_ticket ÷ share`` minutes, so
the n-th person in line is called after about ``n × minutes_per_ticket ÷ windows`` — exactly the
waits the manager's figures measure afterwards (tests/queue/test_estimate.py simulates it).

How to call it:
- from a screen, on the worker thread: ``ctx.queue().wait_estimates()`` → ``{category code:
  WaitEstimate}`` (``.ahead``, ``.minutes`` or None, ``.minutes_per_ticket``, ``.windows``,
  ``.source``); ``WaitEstimate.text()`` gives the Chinese phrase the kiosk shows;
- inside a transaction: ``category_estimates(session, site_id, reference, policy, business_date, now)``;
- pure arithmetic: ``estimate_minutes(ahead, minutes_per_ticket, windows)``.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.queue.ordering import priority_sql
from app.queue.policy import QueuePolicy
from app.queue.reference import Reference
from db.models import Ticket, WindowStatus
from db.vocab import TicketStatus, WindowServiceState

DEFAULT_SERVICE_MINUTES = 8.0  # when nothing is measured or configured

T = cast(sa.Table, Ticket.__table__)
WS = cast(sa.Table, WindowStatus.__table__)


@dataclass(frozen=True)
class WaitEstimate:
    category_code: str
    ahead: int  # people ahead of a new ticket (or of the ticket asked about)
    minutes_per_ticket: float
    source: str  # today | configured | default: where minutes_per_ticket comes from
    windows: float  # open windows serving the category, by their share of work
    minutes: float | None  # None: people ahead but no open window serving the category

    def text(self) -> str:
        """The Chinese phrase for a screen: 无需等候 / 等候 4 人，约 32 分钟 / 等候 4 人，窗口暂未开放."""
        if self.ahead <= 0:
            return "无需等候"
        if self.minutes is None:
            return f"等候 {self.ahead} 人，窗口暂未开放"
        return f"等候 {self.ahead} 人，约 {display_minutes(self.minutes)} 分钟"


def display_minutes(minutes: float) -> int:
    """Whole minutes for a screen or a ticket: rounded up (never "约 0 分钟" when someone is ahead)."""
    return max(1, math.ceil(minutes - 1e-9)) if minutes > 0 else 0


def estimate_minutes(ahead: int, minutes_per_ticket: float, windows: float) -> float | None:
    """ahead × minutes_per_ticket ÷ windows, to 0.1 minute; 0 with nobody ahead; None with no window."""
    if ahead <= 0:
        return 0.0
    if windows <= 0:
        return None
    return round(ahead * minutes_per_ticket / windows, 1)


def minutes_per_ticket(
    served: Sequence[float], configured: float | None, hall_default: float | None
) -> tuple[float, str]:
    """Mean of today's measured minutes per ticket; else the configured average; else the default."""
    spans = [m for m in served if m >= 0]
    if spans:
        return round(sum(spans) / len(spans), 2), "today"
    if configured is not None and configured > 0:
        return configured, "configured"
    if hall_default is not None and hall_default > 0:
        return hall_default, "default"
    return DEFAULT_SERVICE_MINUTES, "default"


def window_share(
    category_id: uuid.UUID,
    windows: Iterable[tuple[uuid.UUID, Iterable[uuid.UUID]]],
    open_windows: set[uuid.UUID],
    busy_categories: set[uuid.UUID],
) -> float:
    """Σ over open windows serving the category of 1/k, k = the window's categories with people
    waiting (the category itself always counts)."""
    total = 0.0
    for window_id, categories in windows:
        cats = set(categories)
        if window_id not in open_windows or category_id not in cats:
            continue
        k = len((cats & busy_categories) | {category_id})
        total += 1.0 / k
    return round(total, 4)


# --- from the database -------------------------------------------------------------------------


def served_minutes(
    s: Session, site_id: uuid.UUID, category_id: uuid.UUID, business_date: dt.date, sample: int
) -> list[float]:
    """Call-to-finish minutes of the last `sample` tickets of the category served that day."""
    rows = s.execute(
        sa.select(T.c.called_at, T.c.finished_at)
        .where(
            T.c.site_id == site_id,
            T.c.business_date == business_date,
            T.c.category_id == category_id,
            T.c.status == TicketStatus.DONE,
            T.c.called_at.is_not(None),
            T.c.finished_at.is_not(None),
        )
        .order_by(T.c.finished_at.desc())
        .limit(sample)
    ).all()
    return [(r.finished_at - r.called_at).total_seconds() / 60 for r in rows]


def _open_windows(s: Session, site_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        s.scalars(
            sa.select(WS.c.window_id).where(WS.c.site_id == site_id, WS.c.state == WindowServiceState.OPEN)
        )
    )


def _waiting_counts(s: Session, site_id: uuid.UUID, now: dt.datetime) -> dict[uuid.UUID, int]:
    """Per category, the waiting tickets of its own queue (not transferred to a window) that a
    ticket taken `now` finds ahead of it: green channel, appointments whose slot has begun, and
    every ticket queued before now (an early check-in for a later slot waits for its slot)."""
    return {
        r.category_id: int(r.n)
        for r in s.execute(
            sa.select(T.c.category_id, sa.func.count().label("n"))
            .where(
                T.c.site_id == site_id,
                T.c.status == sa.literal_column("'waiting'"),
                T.c.target_window_id.is_(None),
                sa.or_(priority_sql(now), T.c.queue_at <= now),
            )
            .group_by(T.c.category_id)
        )
    }


def _window_links(ref: Reference) -> list[tuple[uuid.UUID, list[uuid.UUID]]]:
    return [(w.id, list(w.categories)) for w in ref.windows.values() if w.active]


def estimate_for(
    s: Session,
    site_id: uuid.UUID,
    ref: Reference,
    policy: QueuePolicy,
    business_date: dt.date,
    category_id: uuid.UUID,
    ahead: int,
    now: dt.datetime,
    *,
    configured: Mapping[str, float] | None = None,
) -> WaitEstimate:
    """The estimate for `ahead` people in front of a ticket of one category (a waiting ticket)."""
    waiting = _waiting_counts(s, site_id, now)
    return _estimate(
        s,
        site_id,
        ref,
        policy,
        business_date,
        category_id,
        ahead,
        waiting,
        _open_windows(s, site_id),
        configured,
    )


def category_estimates(
    s: Session,
    site_id: uuid.UUID,
    ref: Reference,
    policy: QueuePolicy,
    business_date: dt.date,
    now: dt.datetime,
    *,
    configured: Mapping[str, float] | None = None,
) -> dict[str, WaitEstimate]:
    """Category code → the estimate for a ticket taken `now` (every active category)."""
    waiting = _waiting_counts(s, site_id, now)
    open_ids = _open_windows(s, site_id)
    return {
        c.code: _estimate(
            s, site_id, ref, policy, business_date, c.id, waiting.get(c.id, 0), waiting, open_ids, configured
        )
        for c in ref.categories.values()
        if c.active
    }


def _estimate(
    s: Session,
    site_id: uuid.UUID,
    ref: Reference,
    policy: QueuePolicy,
    business_date: dt.date,
    category_id: uuid.UUID,
    ahead: int,
    waiting: Mapping[uuid.UUID, int],
    open_ids: set[uuid.UUID],
    configured: Mapping[str, float] | None,
) -> WaitEstimate:
    cat = ref.categories[category_id]
    served = served_minutes(s, site_id, category_id, business_date, policy.service_sample)
    per, source = minutes_per_ticket(served, (configured or {}).get(cat.code), policy.default_service_minutes)
    busy = {c for c, n in waiting.items() if n > 0}
    windows = window_share(category_id, _window_links(ref), open_ids, busy)
    return WaitEstimate(cat.code, ahead, per, source, windows, estimate_minutes(ahead, per, windows))


def as_dict(e: WaitEstimate) -> dict[str, Any]:
    """JSON-ready form (CLI, logs)."""
    return {
        "category": e.category_code,
        "ahead": e.ahead,
        "minutes": e.minutes,
        "minutes_per_ticket": e.minutes_per_ticket,
        "source": e.source,
        "windows": e.windows,
    }
