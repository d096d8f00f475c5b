"""The SQL side of the ordering policy: which waiting tickets a window may call, and in what order.

`order_terms` is the SQL twin of the pure `policy.sort_key` (keep the two in step; the stateful
tests and tests/queue/test_ordering_agreement.py check they choose alike), and `priority_sql` is
`policy.is_priority_now` as SQL: the one rule "green always, an appointment once its slot began".
"""

from __future__ import annotations

import uuid
from typing import Any, cast

import sqlalchemy as sa

from app.queue.policy import ALWAYS_PRIORITY, SLOT_PRIORITY, QueuePolicy
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
    policy: QueuePolicy,
    prefer_normal: bool,
    aged_before: Any = None,
) -> list[sa.ColumnElement[Any]]:
    """ORDER BY of call-next: the SQL form of `policy.sort_key` (keep the two in step).

    `now` / `aged_before` are values or bind parameters (the cached call-next statement binds them).
    """
    prio = priority_sql(now)
    if aged_before is None and not isinstance(now, sa.BindParameter):
        aged_before = policy.aged_before(now)
    aged: sa.ColumnElement[bool] = (
        T.c.queue_at <= aged_before if aged_before is not None and policy.max_wait_minutes > 0 else sa.false()
    )
    aged_k = sa.case((aged, 0), else_=1)
    whens: list[tuple[Any, Any]] = [(aged, 0), (T.c.target_window_id == window.id, 0)]
    whens += [(T.c.category_id == cid, p) for cid, p in window.categories.items()]
    rank = sa.case(*whens, else_=1_000_000)
    if prefer_normal:
        return [
            sa.case((prio, 1), else_=0),
            sa.case((prio, aged_k), else_=0),
            sa.case((prio, rank), else_=0),
            T.c.queue_at,
            T.c.id,
        ]
    return [sa.case((prio, 0), else_=1), aged_k, rank, T.c.queue_at, T.c.id]


def eligible_sql(site_id: uuid.UUID, window: WindowRef) -> sa.ColumnElement[bool]:
    served: sa.ColumnElement[bool] = (
        sa.and_(T.c.category_id.in_(list(window.categories)), T.c.target_window_id.is_(None))
        if window.categories
        else sa.false()
    )
    return sa.and_(
        T.c.site_id == site_id,
        WAITING,
        sa.or_(served, T.c.target_window_id == window.id),
    )
