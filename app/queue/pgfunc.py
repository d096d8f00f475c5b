"""PostgreSQL call-next and finish as one short statement each, run in autocommit.

The statements call the functions of site migration 0002 (`onewindow_queue_call_next`,
`onewindow_queue_finish`), which do the whole transition the general path of
`app.queue.service` does: lock the window row, claim or finish the ticket, update the window row,
then take the outbox and per-site event locks, insert the event and the outbox snapshots, NOTIFY.
The statement's implicit transaction commits as it ends, so the serialised part is the inserts and
the commit. Inside a function every statement is planned once per connection.

Since site migration 0003 the call-next function reads the window's active ticket after taking the
window lock (its own statement, a new snapshot) and leaves a window that is not open to the
general path, which opens it before claiming.

The ordering policy goes in as arguments (the window's categories and ranks, the aging instant,
the priority burst), so the SQL stays the twin of `ordering.order_terms`. A function returns no row
when it has nothing to do; the caller then runs the general transaction for the precise answer.

These two statements are the hottest of a busy hall, so they go to psycopg directly on a pooled
connection: SQLAlchemy's per-execution work (connection wrapper, isolation-level switch, compiled
parameters, result object) cost more client CPU than the call itself. psycopg converts the short
query once and prepares it on the server after a few calls; errors come back as SQLAlchemy's
exception classes, like everywhere else.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import psycopg
import sqlalchemy as sa

from app.queue.events import _LOCK_CLASS, NOTIFY_CHANNEL, site_lock_key
from db import outbox
from db.base import UTCDateTime
from db.models import Ticket

T = cast(sa.Table, Ticket.__table__)

_TAIL = "%(ev_uid)s, %(created)s, %(ob_key)s, %(ev_class)s, %(ev_key)s, %(notify)s, %(channel)s"

CALL_NEXT = (
    "SELECT ticket_json, event_id FROM onewindow_queue_call_next("
    "%(site)s, %(window)s, %(window_number)s, %(staff)s, %(now)s, %(aged_before)s, %(bdate)s, "
    "%(categories)s::uuid[], %(ranks)s::integer[], %(burst)s, %(heads)s, " + _TAIL + ")"
)

FINISH = (
    "SELECT ticket_json, event_id FROM onewindow_queue_finish("
    "%(window)s, %(window_number)s, %(staff)s, %(outcome)s, %(cases)s, %(now)s, %(bdate)s, " + _TAIL + ")"
)

# The function's one outbox channel argument serves the ticket, window and event snapshots.
assert outbox.CHANNELS["ticket"] == outbox.CHANNELS["window_status"] == outbox.CHANNELS["hall_event"]


@dataclass(frozen=True)
class Transition:
    """What both functions need to know about one window operation."""

    site_id: uuid.UUID
    window_id: uuid.UUID
    window_number: int
    staff_id: uuid.UUID | None
    now: dt.datetime
    business_date: dt.date
    event_uid: uuid.UUID
    created: dt.datetime

    def params(self) -> dict[str, Any]:
        return {
            "window": self.window_id,
            "window_number": self.window_number,
            "staff": self.staff_id,
            "now": self.now,
            "bdate": self.business_date,
            "ev_uid": self.event_uid,
            "created": self.created,
            "ob_key": outbox.OUTBOX_LOCK_KEY,
            "ev_class": _LOCK_CLASS,
            "ev_key": site_lock_key(self.site_id),
            "notify": NOTIFY_CHANNEL,
            "channel": outbox.CHANNELS["ticket"],
        }


def call_next(
    engine: sa.Engine,
    tr: Transition,
    *,
    aged_before: dt.datetime | None,
    categories: Mapping[uuid.UUID, int],
    priority_burst: int,
    heads: int,
) -> dict[str, Any] | None:
    """Claim the window's next ticket by the policy; the ticket row + event_id, or None."""
    params = tr.params() | {
        "site": tr.site_id,
        "aged_before": aged_before,
        "categories": list(categories),
        "ranks": list(categories.values()),
        "burst": priority_burst,
        "heads": heads,
    }
    return _run(engine, CALL_NEXT, params)


def finish(engine: sa.Engine, tr: Transition, *, outcome: str, case_numbers: str) -> dict[str, Any] | None:
    """Finish the window's active ticket; the ticket row + event_id, or None when it has none."""
    return _run(engine, FINISH, tr.params() | {"outcome": outcome, "cases": case_numbers})


def _run(engine: sa.Engine, sql: str, params: dict[str, Any]) -> dict[str, Any] | None:
    raw = engine.raw_connection()
    conn = cast(psycopg.Connection[Any], raw.driver_connection)
    try:
        conn.autocommit = True
        try:
            row = conn.execute(sql, params).fetchone()
        finally:
            if not conn.closed:
                conn.autocommit = False
    except psycopg.Error as exc:
        # a window guard's refusal comes back as IntegrityError; the service makes it typed
        if conn.broken or conn.closed:
            raw.invalidate(exc)
        raise sa.exc.DBAPIError.instance(sql, params, exc, psycopg.Error) from exc
    finally:
        raw.close()
    if row is None:
        return None
    return {**ticket_from_snapshot(row[0]), "event_id": row[1]}


def _converter(col: sa.Column[Any]) -> Callable[[Any], Any] | None:
    if isinstance(col.type, sa.Uuid):
        return uuid.UUID
    if isinstance(col.type, UTCDateTime):
        return dt.datetime.fromisoformat
    if isinstance(col.type, sa.Date):
        return dt.date.fromisoformat
    return None


_FROM_JSON = [(c.name, f) for c in T.c if (f := _converter(c)) is not None]


def ticket_from_snapshot(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """The ticket row (as the general path reads it) from its outbox snapshot: `outbox.jsonable` reversed."""
    row = dict(snapshot)
    for name, convert in _FROM_JSON:
        value = row[name]
        if value is not None:
            row[name] = convert(value)
    return row
