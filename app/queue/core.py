"""The core every queue operation shares: one transaction each, the window lock, ticket and event writes.

Every read a decision depends on happens after the lock that protects it: the window's status row
is locked by one statement and its active ticket read by the next (a new snapshot on PostgreSQL).
Site migration 0003's triggers back the rule that a window with a called or serving ticket is
open; their refusals, like the one-active-ticket index's, reach callers as typed errors.

Every transition writes the ticket row and a hall_event row (and their outbox snapshots) in one
transaction; the event is the last write (see `app.queue.events`). Windows are locked through
their `window_status` row first, tickets after, the event-id lock last: one order everywhere, so
PostgreSQL transactions cannot deadlock on each other.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.queue import errors, pgfunc
from app.queue._rows import save_row
from app.queue.events import append_event
from app.queue.idhash import id_hash_key_from_env
from app.queue.ordering import ACTIVE_SQL, WS, T
from app.queue.policy import QueuePolicy
from app.queue.reference import Reference, WindowRef, load_reference
from app.queue.types import CallResult, TicketInfo
from app.queue.visitplan import visit_stops
from db import outbox
from db.base import utcnow, uuid7
from db.engine import SQLITE_IMMEDIATE
from db.models import ACTIVE_TICKET_STATUSES, WindowStatus
from db.vocab import EventKind, TicketStatus, WindowServiceState

log = logging.getLogger("onewindow.queue")

Clock = Callable[[], dt.datetime]
_R = TypeVar("_R")

ACTIVE = ACTIVE_TICKET_STATUSES
OPEN_STATUSES = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.HELD)
STATE_NAMES = {
    WindowServiceState.OPEN: "服务中",
    WindowServiceState.PAUSED: "暂停服务",
    WindowServiceState.CLOSED: "关闭",
}


def m_(row: Any) -> Mapping[str, Any]:
    """The column mapping of a Core result row."""
    return cast("Mapping[str, Any]", row._mapping)


def format_number(prefix: str, seq: int) -> str:
    return f"{prefix}{seq:03d}"


def announcement(number: str, window_number: int, area: str = "") -> str:
    """请 A012 号到 5 号窗口办理; with the hall area for a visit's later stop (请 A012 号到 不动产专区 5 号窗口办理)."""
    where = f"{area} {window_number}" if area else f"{window_number}"
    return f"请 {number} 号到 {where} 号窗口办理"


def call_result(info: TicketInfo, win: WindowRef, event_id: int) -> CallResult:
    """What a window's call (or recall) returns: the ticket, the window and the words to announce.
    A visit at a later stop (多窗联办) is told the window's area too: the citizen comes from elsewhere."""
    area = win.zone_name if info.stop_index > 0 else ""
    return CallResult(info, win.number, win.name, announcement(info.number, win.number, area), event_id)


# The database's guards of window state (migration 0003 and the one-active-ticket index), by the
# words their errors carry, and the refusal each means.
_GUARDS: tuple[tuple[str, type[errors.QueueError]], ...] = (
    ("uq_ticket_active_window", errors.WindowBusy),
    ("onewindow_window_busy", errors.WindowBusy),
    ("onewindow_window_paused", errors.WindowPaused),
    ("onewindow_window_closed", errors.WindowClosed),
)


def guard_refusal(exc: IntegrityError) -> errors.QueueError | None:
    """The queue's typed refusal for an IntegrityError raised by a window guard; None for others."""
    text = str(exc.orig)
    for words, refusal in _GUARDS:
        if words in text:
            return refusal()
    return None


class QueueCore:
    """State and helpers of a site's queue service; the operations are in the modules that subclass it."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        site_id: uuid.UUID,
        policy: QueuePolicy | None = None,
        *,
        clock: Clock = utcnow,
        id_hash_key: bytes | None = None,  # the site secret `id_hash_key`; None: ONEWINDOW_ID_HASH_KEY
        reference_ttl: float = 30.0,
    ) -> None:
        self.session_factory = session_factory
        self.site_id = site_id
        self.policy = policy or QueuePolicy()
        self.clock = clock
        self.id_hash_key = id_hash_key or id_hash_key_from_env()
        self.reference_ttl = reference_ttl
        self._ref: Reference | None = None
        self._ref_lock = threading.Lock()
        self._call_cache: dict[tuple[uuid.UUID, bool, bool, float], sa.Update] = {}
        self._lock_cache: dict[uuid.UUID, sa.Select[Any]] = {}
        with session_factory() as s:
            bind = s.get_bind()
            self.dialect = bind.dialect.name
        self._engine = bind if isinstance(bind, sa.Engine) else bind.engine
        self._pg = self.dialect == "postgresql"
        # call_next() and finish() first try the database functions (app.queue.pgfunc); False runs
        # only the general transactions (diagnostics, comparisons)
        self.pg_functions = self._pg

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE on SQLite); retried on PostgreSQL deadlocks."""
        with self.session_factory() as s, s.begin():
            if not self._pg:
                s.connection(execution_options=SQLITE_IMMEDIATE)
            yield s

    def _retrying(self, fn: Callable[[], _R]) -> _R:
        """Run one transaction; retry deadlocks, turn the database's window guards into typed refusals."""
        for attempt in range(5):
            try:
                return fn()
            except IntegrityError as exc:
                refusal = guard_refusal(exc)
                if refusal is None:
                    raise
                log.warning("queue operation refused by the database: %s", type(refusal).__name__)
                raise refusal from exc
            except OperationalError as exc:
                code = getattr(exc.orig, "sqlstate", None)
                if code not in ("40P01", "40001") or attempt == 4:
                    raise
                log.info("queue transaction retried after %s", code)
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    def reference(self, refresh: bool = False) -> Reference:
        """Categories and windows of the site (cached; centre-owned, they change by release only)."""
        ref = self._ref
        if ref is not None and not refresh and time.monotonic() - ref.loaded < self.reference_ttl:
            return ref
        with self._ref_lock, self.session_factory() as s:
            ref = load_reference(s, self.site_id, time.monotonic())
        self._ref = ref
        return ref

    def business_date(self, at: dt.datetime | None = None) -> dt.date:
        return (at or self.clock()).astimezone(self.reference().tz).date()

    def _info(self, m: Mapping[str, Any], ahead: int | None = None, wait: float | None = None) -> TicketInfo:
        ref = self.reference()
        cat = ref.categories.get(m["category_id"])
        win = ref.windows.get(m["window_id"]) if m["window_id"] else None
        target = ref.windows.get(m["target_window_id"]) if m["target_window_id"] else None
        return TicketInfo(
            id=m["id"],
            number=m["number"],
            business_date=m["business_date"],
            category_code=cat.code if cat else "",
            category_name=cat.name if cat else "",
            status=m["status"],
            priority_class=m["priority_class"],
            issued_at=m["issued_at"],
            queue_at=m["queue_at"],
            window_number=win.number if win else None,
            target_window_number=target.number if target else None,
            called_at=m["called_at"],
            started_at=m["started_at"],
            finished_at=m["finished_at"],
            recall_count=m["recall_count"],
            holder_name=m["holder_name"],
            channel=m["channel"],
            outcome=m["outcome"],
            case_numbers=tuple(x for x in (m["case_numbers"] or "").split(",") if x),
            people_ahead=ahead,
            estimated_wait_minutes=wait,
            stops=visit_stops(ref, m["stops"]),
            stop_index=int(m["stop_index"] or 0),
        )

    def _update_ticket(
        self, s: Session, ticket_id: uuid.UUID, now: dt.datetime, **values: Any
    ) -> Mapping[str, Any]:
        row = s.execute(
            sa.update(T)
            .where(T.c.id == ticket_id)
            .values(row_version=T.c.row_version + 1, updated_at=now, **values)
            .returning(*T.c)
        ).one()
        outbox.record(s, "ticket", m_(row))
        return m_(row)

    def _event(
        self,
        s: Session,
        kind: EventKind,
        now: dt.datetime,
        ticket: Mapping[str, Any] | None = None,
        window: WindowRef | None = None,
        staff_id: uuid.UUID | None = None,
        **payload: Any,
    ) -> int:
        if ticket is not None:
            payload.setdefault("number", ticket["number"])
            payload.setdefault("priority_class", ticket["priority_class"])
        if window is not None:
            payload.setdefault("window_number", window.number)
        return append_event(
            s,
            site_id=self.site_id,
            business_date=self.business_date(now),
            kind=kind,
            at=now,
            ticket_id=ticket["id"] if ticket is not None else None,
            window_id=window.id if window is not None else None,
            category_id=ticket["category_id"] if ticket is not None else None,
            staff_id=staff_id,
            payload={k: outbox.jsonable(v) for k, v in payload.items()},
        )

    def _lock_window(self, s: Session, window: WindowRef) -> Mapping[str, Any]:
        """Lock the window's status row (creating it closed if missing) and report its active ticket.

        The active ticket is read by a second statement, after the lock: under READ COMMITTED a
        statement's snapshot is taken before it waits for a lock, so a subquery of the locking
        statement would miss a ticket that another transaction put on this window and committed
        while this one waited. Every path that puts a ticket on a window holds this lock.
        """
        stmt = self._lock_cache.get(window.id)
        if stmt is None:
            stmt = sa.select(WS).where(WS.c.window_id == window.id)
            if self._pg:
                stmt = stmt.with_for_update()
            self._lock_cache[window.id] = stmt
        row = s.execute(stmt).first()
        if row is None:
            try:
                with s.begin_nested():
                    ws = WindowStatus(
                        site_id=self.site_id,
                        window_id=window.id,
                        state=WindowServiceState.CLOSED,
                        since=self.clock(),
                    )
                    save_row(s, ws)
            except IntegrityError:
                pass  # another PC created it meanwhile; lock theirs
            row = s.execute(stmt).one()
        active = s.execute(sa.select(T.c.id).where(T.c.window_id == window.id, ACTIVE_SQL).limit(1)).scalar()
        return {**m_(row), "active_ticket_id": active}

    def _open_for_call(
        self,
        s: Session,
        ws: Mapping[str, Any],
        now: dt.datetime,
        staff_id: uuid.UUID | None,
        take_over: bool,
        record: bool = True,
    ) -> Mapping[str, Any]:
        """Open the window before a ticket becomes active there (`take_over`: also for `staff_id`).

        The database refuses an active ticket at a window that is not open (migration 0003).
        `record=False` leaves the outbox snapshot to the caller (see `_set_window`).
        """
        if ws["state"] == WindowServiceState.PAUSED:
            raise errors.WindowPaused(f"本窗口已暂停服务（{ws['reason']}）" if ws["reason"] else None)
        if ws["state"] == WindowServiceState.OPEN and (not take_over or ws["staff_id"] == staff_id):
            return ws
        changed = self._set_window(
            s, ws, now, record=record, state=WindowServiceState.OPEN, reason="", staff_id=staff_id
        )
        return {**changed, "active_ticket_id": ws["active_ticket_id"]}

    def _set_window(
        self, s: Session, ws: Mapping[str, Any], now: dt.datetime, *, record: bool = True, **values: Any
    ) -> Mapping[str, Any]:
        """Update the (locked) window row; `record` queues its outbox snapshot now.

        On PostgreSQL the snapshot takes the global outbox lock, which every writer takes last (after
        its ticket locks): a caller that still has a ticket to claim passes `record=False` and
        records the final row after the claim, or it could deadlock with a writer holding that ticket.
        """
        if "state" in values and values["state"] != ws["state"]:
            values.setdefault("since", now)
        row = s.execute(
            sa.update(WS)
            .where(WS.c.id == ws["id"])
            .values(row_version=WS.c.row_version + 1, updated_at=now, **values)
            .returning(*WS.c)
        ).one()
        if record:
            outbox.record(s, "window_status", m_(row))
        return m_(row)

    def _active_ticket(self, s: Session, ws: Mapping[str, Any]) -> Mapping[str, Any]:
        tid = ws["active_ticket_id"]
        if tid is None:
            raise errors.NoActiveTicket()
        stmt = sa.select(T).where(T.c.id == tid)
        if self._pg:
            stmt = stmt.with_for_update()
        return m_(s.execute(stmt).one())

    def _find_ticket(
        self, s: Session, number: str, statuses: Sequence[str] | None = None, lock: bool = True
    ) -> Mapping[str, Any]:
        # Recent days only: numbers repeat every day and the history is long (carried-over tickets
        # are at most a few days old).
        since = self.business_date() - dt.timedelta(days=31)
        cond = [T.c.site_id == self.site_id, T.c.business_date >= since, T.c.number == number.strip().upper()]
        if statuses is not None:
            cond.append(T.c.status.in_(list(statuses)))
        stmt = sa.select(T).where(*cond).order_by(T.c.business_date.desc()).limit(1)
        if lock and self._pg:
            stmt = stmt.with_for_update()
        row = s.execute(stmt).first()
        if row is None:
            if statuses is not None and self._find_any(s, number):
                raise errors.InvalidTransition(f"{number.strip().upper()} 号当前状态不允许此操作")
            raise errors.UnknownTicket(f"没有找到 {number.strip().upper()} 号")
        return m_(row)

    def _find_any(self, s: Session, number: str) -> bool:
        return (
            s.execute(
                sa.select(T.c.id)
                .where(T.c.site_id == self.site_id, T.c.number == number.strip().upper())
                .limit(1)
            ).first()
            is not None
        )

    def _window(self, number: int) -> WindowRef:
        win = self.reference().window(number)
        if not win.active:
            raise errors.UnknownWindow(f"{number} 号窗口已停用")
        return win

    def _transition(self, win: WindowRef, staff_id: uuid.UUID | None) -> pgfunc.Transition:
        now = self.clock()
        return pgfunc.Transition(
            self.site_id, win.id, win.number, staff_id, now, self.business_date(now), uuid7(), utcnow()
        )
