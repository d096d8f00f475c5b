"""The SQL side of the ordering policy: which waiting tickets a window may call, and in what order.

`order_terms` is the SQL twin of the pure `policy.sort_key` (keep the two in step; the stateful
tests and tests/queue/test_ordering_agreement.py check they choose alike), and `priority_sql` is
`policy.is_priority_now` as SQL: the one rule "green always, an appointment once its slot began".
"""

from __future__ import annotations

import uuid
from typing import Any, cast

import sqlalchemy as sa

from app.queue.policy import ALWAYS_PRIORITY, SLOT_PRIORITY
from app.queue.reference import WindowRef
from db.models import Ticket, TicketCounter, WindowStatus

T = cast(sa.Table, Ticket.__table__)
WS = cast(sa.Table, WindowStatus.__table__)
TC = cast(sa.Table, TicketCounter.__table__)

# Status tests are rendered as SQL literals, never bound: only then can SQLite (and PostgreSQL's
# generic plans for prepared statements) prove the partial indexes' WHERE clauses and use them.
WAITING = T.c.status == sa.literal_column("'waiting'")
ACTIVE_SQL = T.c.status.in_([sa.literal_column("'called'"), sa.literal_column("'serving'")])


def priority_sql(now: Any) -> sa.ColumnElement[bool]:
    """`policy.is_priority_now` for the ticket table's rows at `now` (a value or a bind parameter)."""
    return sa.or_(
        T.c.priority_class == ALWAYS_PRIORITY,
        sa.and_(T.c.priority_class == SLOT_PRIORITY, T.c.queue_at <= now),
    )


def order_terms(
    window: WindowRef,
    now: Any,
    prefer_normal: bool,
    aged_before: Any,
) -> list[sa.ColumnElement[Any]]:
    """ORDER BY of call-next: the SQL form of `policy.sort_key` (keep the two in step).

    `now` and `aged_before` (`QueuePolicy.aged_before(now)`, None when aging is off) are values or
    bind parameters (the cached call-next statement binds them; a bound None compares as NULL).
    The yes/no keys are the booleans themselves (`DESC`: true first), not 0/1 constants, and a rank
    is given only where it orders: aged tickets are ordered among themselves by waiting time alone
    (their rank is NULL, the same for all of them), and `eligible_sql` admits only tickets that
    match a rank's `WHEN` (so the `CASE` needs no `ELSE`).
    """
    prio = priority_sql(now)
    aged: sa.ColumnElement[Any] = T.c.queue_at <= aged_before if aged_before is not None else sa.null()
    rank = sa.case(
        (aged, sa.null()),
        (T.c.target_window_id == window.id, 0),
        *((T.c.category_id == cid, p) for cid, p in window.categories.items()),
    )
    if prefer_normal:
        # Normal tickets first, longest-waiting first; priority tickets keep their own order behind them.
        return [prio, sa.case((prio, aged)).desc(), sa.case((prio, rank)), T.c.queue_at, T.c.id]
    return [prio.desc(), aged.desc(), rank, T.c.queue_at, T.c.id]


def eligible_sql(site_id: uuid.UUID, window: WindowRef) -> sa.ColumnElement[bool]:
    # `IN` of no categories (a window serving only transfers) is false.
    served = sa.and_(T.c.category_id.in_(list(window.categories)), T.c.target_window_id.is_(None))
    return sa.and_(
        T.c.site_id == site_id,
        WAITING,
        sa.or_(served, T.c.target_window_id == window.id),
    )
