"""PostgreSQL call-next and finish as one short statement each, run in autocommit.

The statements call the functions of site migration 0002 (`onewindow_queue_call_next`,
`onewindow_queue_finish`), which do the whole transition the general path of
`app.queue.service` does: lock the window row, claim or finish the ticket, update the window row,
then take the outbox and per-site event locks, insert the event and the outbox snapshots, NOTIFY.
The statement's implicit transaction commits as it ends, so the serialised part is the inserts and
the commit. Inside a function every statement is planned once per connection; the client sends a
short statement that psycopg converts once and prepares on the server.

The ordering policy goes in as arguments (the window's categories and ranks, the aging instant,
the priority burst), so the SQL stays the twin of `service.order_terms`. A function returns no row
when it has nothing to do; the caller then runs the general transaction for the precise answer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, cast

import sqlalchemy as sa

from app.queue.events import _LOCK_CLASS, NOTIFY_CHANNEL, site_lock_key
from db import outbox
from db.base import UTCDateTime
from db.models import Ticket

# Typed result columns: SQLAlchemy converts them like the general path does and caches the result
# metadata with the compiled statement instead of rebuilding it from the cursor on every call.
_RESULT = (*cast(sa.Table, Ticket.__table__).c, sa.column("event_id", sa.BigInteger()))

_COMMON = (
    sa.bindparam("now", type_=UTCDateTime()),
    sa.bindparam("created", type_=UTCDateTime()),
    sa.bindparam("bdate", type_=sa.Date()),
    sa.bindparam("window", type_=sa.Uuid()),
    sa.bindparam("staff", type_=sa.Uuid()),
    sa.bindparam("ev_uid", type_=sa.Uuid()),
)

CALL_NEXT = (
    sa.text(
        "SELECT (r.ticket_row).*, r.event_id FROM onewindow_queue_call_next("
        ":site, :window, :window_number, :staff, :now, :aged_before, :bdate, "
        "CAST(:categories AS uuid[]), CAST(:ranks AS integer[]), :burst, :ev_uid, :created, "
        ":ob_key, :ev_class, :ev_key, :notify, :channel) AS r"
    )
    .bindparams(
        *_COMMON,
        sa.bindparam("site", type_=sa.Uuid()),
        sa.bindparam("aged_before", type_=UTCDateTime()),
    )
    .columns(*_RESULT)
)

FINISH = (
    sa.text(
        "SELECT (r.ticket_row).*, r.event_id FROM onewindow_queue_finish("
        ":window, :window_number, :staff, :outcome, :cases, :now, :bdate, :ev_uid, :created, "
        ":ob_key, :ev_class, :ev_key, :notify, :channel) AS r"
    )
    .bindparams(*_COMMON)
    .columns(*_RESULT)
)


def common_params(
    site_id: uuid.UUID,
    window_id: uuid.UUID,
    window_number: int,
    staff_id: uuid.UUID | None,
    now: dt.datetime,
    business_date: dt.date,
    event_uid: uuid.UUID,
    created: dt.datetime,
) -> dict[str, Any]:
    """Arguments both functions take: the transition's identity, clock and the lock keys."""
    return {
        "window": window_id,
        "window_number": window_number,
        "staff": staff_id,
        "now": now,
        "bdate": business_date,
        "ev_uid": event_uid,
        "created": created,
        "ob_key": outbox.OUTBOX_LOCK_KEY,
        "ev_class": _LOCK_CLASS,
        "ev_key": site_lock_key(site_id),
        "notify": NOTIFY_CHANNEL,
        "channel": outbox.CHANNELS["ticket"],
    }
