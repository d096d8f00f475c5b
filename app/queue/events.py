"""The hall event stream: written inside queue transactions, followed by displays, kiosks and counters.

Ordering guarantee on PostgreSQL: sequence values are handed out at INSERT time but become visible
at COMMIT, so two concurrent transactions can commit ids 11 and 10 in that order and a reader that
saw 11 first would never look at 10 again. `append_event()` therefore takes a per-site transaction
advisory lock right before inserting the event, as the last write of its transaction: the next
writer of the same site cannot draw an event id until this transaction is committed and visible
(PostgreSQL marks a transaction visible before it releases its locks). Ids thus become visible in
increasing order per site and `id > last_seen` never skips one. SQLite has one writer at a time, so
the rowid order is the commit order there.

`EventStream` delivers the events of one site to any process or PC: it polls `hall_event.id` and,
on PostgreSQL, is woken early by LISTEN/NOTIFY (psycopg 3). A lost notification or a reconnect only
delays delivery until the next poll; nothing is skipped because the position is the event id.
It is plain Python (no Qt); the UI wraps it in a signal bus.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db import outbox
from db.base import utcnow, uuid7
from db.models import HallEvent
from db.vocab import EventKind

log = logging.getLogger("onewindow.queue")

NOTIFY_CHANNEL = "onewindow_hall"
_LOCK_CLASS = 0x0E1E  # first key of the two-int advisory lock: "hall events"

EVENT_KINDS = tuple(EventKind)

_EV = cast(sa.Table, HallEvent.__table__)
_EV_INSERT = sa.insert(_EV).returning(_EV.c.id)


def site_lock_key(site_id: uuid.UUID) -> int:
    """Second key of the advisory lock: a stable signed 32-bit hash of the site id."""
    value = zlib.crc32(site_id.bytes)
    return value - (1 << 32) if value >= (1 << 31) else value


def append_event(
    session: Session,
    *,
    site_id: uuid.UUID,
    business_date: dt.date,
    kind: str,
    at: dt.datetime,
    ticket_id: uuid.UUID | None = None,
    window_id: uuid.UUID | None = None,
    category_id: uuid.UUID | None = None,
    staff_id: uuid.UUID | None = None,
    payload: dict[str, Any] | None = None,
) -> int:
    """Insert one hall event and its outbox row; returns the event id. Call it as the LAST write.

    On PostgreSQL the per-site lock, the NOTIFY, the event row and its outbox snapshot go in ONE
    statement, so the serialised part of a transaction is that statement and the COMMIT. The
    snapshot is exactly what `outbox.record` writes: every column, JSON-converted by
    `outbox.jsonable`, plus the id the sequence assigned under the lock.
    """
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown hall event kind {kind!r}")
    values: dict[str, Any] = {
        "uid": uuid7(),
        "site_id": site_id,
        "row_version": 1,
        "business_date": business_date,
        "at": at,
        "kind": kind,
        "ticket_id": ticket_id,
        "window_id": window_id,
        "category_id": category_id,
        "staff_id": staff_id,
        "payload": payload or {},
    }
    if session.get_bind().dialect.name != "postgresql":
        # Core insert (the ORM unit of work costs more than the statement); SQLite has one writer,
        # so the rowid order is the commit order.
        event_id = int(session.execute(_EV_INSERT, values).scalar_one())
        outbox.record(session, "hall_event", {"id": event_id, **values})
        return event_id
    snap = {k: outbox.jsonable(v) for k, v in values.items()}
    session.flush()  # earlier writes go before the lock: keep the serialised part short
    event_id = session.execute(
        _PG_APPEND,
        {
            "ob": outbox.OUTBOX_LOCK_KEY,
            "c": _LOCK_CLASS,
            "k": site_lock_key(site_id),
            "ch": NOTIFY_CHANNEL,
            "site_s": str(site_id),
            "uid": values["uid"],
            "site_id": site_id,
            "bdate": business_date,
            "at": at,
            "kind": kind,
            "ticket_id": ticket_id,
            "window_id": window_id,
            "category_id": category_id,
            "staff_id": staff_id,
            "payload": json.dumps(values["payload"], ensure_ascii=False),
            "snap": json.dumps(snap, ensure_ascii=False),
            "created": utcnow(),
        },
    ).scalar_one()
    return int(event_id)


# Locks first (the INSERT draws its id only once the lock row exists), then the event, then its
# outbox snapshot; NOTIFY is delivered at commit. The outbox lock is the one `outbox.record` takes
# for every outbox writer (re-entrant within the transaction); it comes before the event lock, the
# same order as in every queue transaction.
_PG_APPEND = sa.text(
    """
WITH l AS (
    SELECT pg_advisory_xact_lock(:ob) AS outbox_locked, pg_advisory_xact_lock(:c, :k) AS locked,
           pg_notify(:ch, :site_s) AS notified
),
ev AS (
    INSERT INTO hall_event (uid, site_id, row_version, business_date, at, kind, ticket_id, window_id,
                            category_id, staff_id, payload)
    SELECT :uid, :site_id, 1, :bdate, :at, :kind, :ticket_id, :window_id, :category_id, :staff_id,
           CAST(:payload AS json)
    FROM l
    RETURNING id
)
INSERT INTO sync_outbox (site_id, channel, table_name, row_id, row_version, payload, created_at)
SELECT :site_id, 'queue', 'hall_event', :uid, 1,
       CAST(CAST(:snap AS jsonb) || jsonb_build_object('id', ev.id) AS json), :created
FROM ev
RETURNING (SELECT id FROM ev)
"""
).bindparams(
    sa.bindparam("uid", type_=sa.Uuid()),
    sa.bindparam("site_id", type_=sa.Uuid()),
    sa.bindparam("ticket_id", type_=sa.Uuid()),
    sa.bindparam("window_id", type_=sa.Uuid()),
    sa.bindparam("category_id", type_=sa.Uuid()),
    sa.bindparam("staff_id", type_=sa.Uuid()),
    sa.bindparam("at", type_=sa.DateTime(timezone=True)),
    sa.bindparam("created", type_=sa.DateTime(timezone=True)),
    sa.bindparam("bdate", type_=sa.Date()),
)


@dataclass(frozen=True)
class HallEventInfo:
    id: int
    uid: uuid.UUID
    site_id: uuid.UUID
    business_date: dt.date
    at: dt.datetime
    kind: str
    ticket_id: uuid.UUID | None
    window_id: uuid.UUID | None
    category_id: uuid.UUID | None
    staff_id: uuid.UUID | None
    payload: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Any) -> HallEventInfo:
        m = row._mapping
        return cls(
            id=int(m["id"]),
            uid=m["uid"],
            site_id=m["site_id"],
            business_date=m["business_date"],
            at=m["at"],
            kind=m["kind"],
            ticket_id=m["ticket_id"],
            window_id=m["window_id"],
            category_id=m["category_id"],
            staff_id=m["staff_id"],
            payload=dict(m["payload"] or {}),
        )


class EventStream:
    """Follow the hall events of one site: `poll(after_id)`, `wait(after_id, timeout)`, `follow()`.

    Thread use: one stream per consuming thread (the LISTEN connection is not shared).
    """

    def __init__(
        self,
        engine: Engine,
        site_id: uuid.UUID,
        *,
        poll_interval: float | None = None,
        batch: int = 500,
    ) -> None:
        self.engine = engine
        self.site_id = site_id
        self.batch = batch
        self._pg = engine.dialect.name == "postgresql"
        # With NOTIFY the poll is only a safety net; SQLite relies on it alone.
        self.poll_interval = poll_interval if poll_interval is not None else (2.0 if self._pg else 0.03)
        self._listener: Any = None
        self._listen_failed_at = 0.0

    # --- reading ---------------------------------------------------------------------------

    def poll(self, after_id: int = 0, limit: int | None = None) -> list[HallEventInfo]:
        """Events of this site with id > after_id, oldest first (at most `limit`)."""
        stmt = (
            sa.select(_EV)
            .where(_EV.c.site_id == self.site_id, _EV.c.id > after_id)
            .order_by(_EV.c.id)
            .limit(limit or self.batch)
        )
        with self.engine.connect() as conn:
            return [HallEventInfo.from_row(r) for r in conn.execute(stmt)]

    def last_id(self) -> int:
        """The newest event id of this site (start here to see only what happens from now on)."""
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(sa.func.max(_EV.c.id)).where(_EV.c.site_id == self.site_id)
            ).scalar()
        return int(value or 0)

    def wait(self, after_id: int, timeout: float) -> list[HallEventInfo]:
        """Events after `after_id`, blocking up to `timeout` seconds until there is at least one."""
        deadline = time.monotonic() + timeout
        if self._pg:
            self._ensure_listener()
        while True:
            events = self.poll(after_id)
            if events:
                return events
            left = deadline - time.monotonic()
            if left <= 0:
                return []
            self._sleep(min(left, self.poll_interval))

    def follow(self, after_id: int = 0, stop: threading.Event | None = None) -> Iterator[HallEventInfo]:
        """Every event after `after_id`, forever (or until `stop` is set)."""
        last = after_id
        while stop is None or not stop.is_set():
            for ev in self.wait(last, 0.5):
                last = ev.id
                yield ev

    def close(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            except Exception:  # closing a broken connection may fail; nothing to keep
                log.debug("closing the LISTEN connection failed", exc_info=True)
            self._listener = None

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- waking ----------------------------------------------------------------------------

    def _ensure_listener(self) -> None:
        if self._listener is not None or time.monotonic() - self._listen_failed_at < 5.0:
            return
        import psycopg

        url = self.engine.url.set(drivername="postgresql")
        try:
            conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except psycopg.Error as exc:
            self._listen_failed_at = time.monotonic()
            log.warning("hall event LISTEN unavailable, polling only: %s", exc)
            return
        self._listener = conn

    def _sleep(self, seconds: float) -> None:
        if self._listener is None:
            if self._pg:
                self._ensure_listener()
            if self._listener is None:
                time.sleep(seconds)
                return
        import psycopg

        try:
            # Any notification wakes us; the poll that follows decides what is new for this site.
            for _ in self._listener.notifies(timeout=seconds, stop_after=1):
                break
        except psycopg.Error as exc:
            log.warning("hall event LISTEN connection lost, reconnecting: %s", exc)
            self.close()
