"""The ordering policy of the hall, as data and as one pure function.

`choose()` is the reference: the SQL call-next in `app.queue.service` builds its ORDER BY from
`order_terms()` below, which encodes the same key, and the stateful tests check that both pick the
same ticket for thousands of random histories.

The key, for window W at time `now` (smaller is served first):
1. tier: priority tickets first — green channel (绿色通道) always, appointments once their slot has
   started (`queue_at` is the slot start for appointment tickets);
2. aging: a ticket waiting at least `max_wait_minutes` outranks window–category priorities;
3. rank: tickets transferred to W itself (0), then W's category priority (lower first);
4. FIFO: `queue_at` (issue time, kept on transfer), then the ticket id as a stable tie-break.
Anti-starvation: once W has made `priority_burst` priority calls in a row, the longest-waiting
normal ticket (smallest `queue_at`) is served next if there is one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from db.vocab import PriorityClass

CLOSE_DAY_MODES = ("cancel", "carry_over")
LATE_APPOINTMENT_MODES = ("normal", "refuse")


@dataclass(frozen=True)
class QueuePolicy:
    """Queue settings; the site settings embed this under `[queue]`."""

    # After this many consecutive priority calls at one window, the longest-waiting normal ticket is next.
    priority_burst: int = 3
    # A ticket waiting this long outranks window–category priorities (0 turns aging off).
    max_wait_minutes: int = 45
    # Appointment check-in: allowed from slot start − early until slot start + late.
    appointment_early_minutes: int = 30
    appointment_late_minutes: int = 15
    # A check-in after the late limit: "normal" issues a normal ticket, "refuse" refuses.
    late_appointment: str = "normal"
    # A late applicant re-queued after a no-show re-enters behind this many waiting tickets.
    requeue_after: int = 3
    # Recalls allowed per call before the clerk must mark a no-show.
    max_recalls: int = 3
    # At the end of the day waiting tickets are cancelled or carried over to the next day.
    close_day: str = "cancel"
    # Estimated wait: mean service time of the last `service_sample` tickets of the category today,
    # or this default when there are none yet.
    default_service_minutes: float = 8.0
    service_sample: int = 20
    # Wait target for statistics when a category has none (minutes).
    wait_target_minutes: int = 30

    def __post_init__(self) -> None:
        if self.priority_burst < 1:
            raise ValueError("queue.priority_burst must be at least 1")
        if self.max_wait_minutes < 0:
            raise ValueError("queue.max_wait_minutes must not be negative")
        if self.appointment_early_minutes < 0 or self.appointment_late_minutes < 0:
            raise ValueError(
                "queue.appointment_early_minutes / appointment_late_minutes must not be negative"
            )
        if self.late_appointment not in LATE_APPOINTMENT_MODES:
            raise ValueError(f"queue.late_appointment must be one of {', '.join(LATE_APPOINTMENT_MODES)}")
        if self.requeue_after < 0:
            raise ValueError("queue.requeue_after must not be negative")
        if self.max_recalls < 0:
            raise ValueError("queue.max_recalls must not be negative")
        if self.close_day not in CLOSE_DAY_MODES:
            raise ValueError(f"queue.close_day must be one of {', '.join(CLOSE_DAY_MODES)}")
        if self.default_service_minutes <= 0 or self.service_sample < 1:
            raise ValueError("queue.default_service_minutes and queue.service_sample must be positive")

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> QueuePolicy:
        """Build from a TOML table, refusing unknown keys with a clear message."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown [queue] setting(s): {', '.join(unknown)}")
        return cls(**data)  # type: ignore[arg-type]

    def aged_before(self, now: dt.datetime) -> dt.datetime | None:
        """Tickets queued at or before this instant are aged; None when aging is off."""
        if self.max_wait_minutes <= 0:
            return None
        return now - dt.timedelta(minutes=self.max_wait_minutes)


@dataclass(frozen=True)
class Candidate:
    """What the policy needs to know about one waiting ticket."""

    id: uuid.UUID
    category_id: uuid.UUID
    priority_class: str  # green | appointment | normal
    queue_at: dt.datetime
    target_window_id: uuid.UUID | None = None


NO_RANK = 1_000_000  # rank of a category the window does not serve (never eligible; keeps keys total)


# The one priority rule (its SQL form is `app.queue.ordering.priority_sql`; site migration 0002's
# call-next function spells it out too, checked by tests/queue/test_ordering_agreement.py).
ALWAYS_PRIORITY = PriorityClass.GREEN  # 绿色通道
SLOT_PRIORITY = (
    PriorityClass.APPOINTMENT
)  # an appointment, once its slot has begun (`queue_at` is the slot start)


def is_priority_now(priority_class: str, queue_at: dt.datetime, now: dt.datetime) -> bool:
    """Is a ticket of this class, queued at `queue_at`, in the priority tier at `now`?"""
    return priority_class == ALWAYS_PRIORITY or (priority_class == SLOT_PRIORITY and queue_at <= now)


def is_priority(c: Candidate, now: dt.datetime) -> bool:
    return is_priority_now(c.priority_class, c.queue_at, now)


def eligible(c: Candidate, window_id: uuid.UUID, categories: Mapping[uuid.UUID, int]) -> bool:
    """A ticket transferred to a window is that window's alone; others go to windows serving the category."""
    if c.target_window_id is not None:
        return c.target_window_id == window_id
    return c.category_id in categories


def sort_key(
    c: Candidate,
    window_id: uuid.UUID,
    categories: Mapping[uuid.UUID, int],
    now: dt.datetime,
    policy: QueuePolicy,
    prefer_normal: bool,
) -> tuple[int, int, int, dt.datetime, uuid.UUID]:
    prio = is_priority(c, now)
    aged_before = policy.aged_before(now)
    aged = aged_before is not None and c.queue_at <= aged_before
    rank = 0 if aged or c.target_window_id == window_id else categories.get(c.category_id, NO_RANK)
    aged_k = 0 if aged else 1
    if prefer_normal:
        # Normal tickets first, longest-waiting first; priority tickets keep their own order behind them.
        if prio:
            return (1, aged_k, rank, c.queue_at, c.id)
        return (0, 0, 0, c.queue_at, c.id)
    return (0 if prio else 1, aged_k, rank, c.queue_at, c.id)


def prefers_normal(streak: int, policy: QueuePolicy) -> bool:
    return streak >= policy.priority_burst


def choose(
    candidates: Iterable[Candidate],
    window_id: uuid.UUID,
    categories: Mapping[uuid.UUID, int],
    streak: int,
    now: dt.datetime,
    policy: QueuePolicy,
) -> Candidate | None:
    """The ticket window `window_id` calls next, or None when nothing is waiting for it.

    `categories` maps the categories the window serves to their priority (lower first);
    `streak` is the window's count of consecutive priority calls.
    """
    pool = [c for c in candidates if eligible(c, window_id, categories)]
    if not pool:
        return None
    prefer_normal = prefers_normal(streak, policy)
    return min(pool, key=lambda c: sort_key(c, window_id, categories, now, policy, prefer_normal))


def next_streak(streak: int, called: Candidate, now: dt.datetime) -> int:
    """The window's streak after calling `called` (call-next only; specific calls leave it alone)."""
    return streak + 1 if is_priority(called, now) else 0
