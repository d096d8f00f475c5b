"""The queue service: issuing, calling and every window operation, one transaction each.

Every read a decision depends on happens after the lock that protects it: the window's status row
is locked by one statement and its active ticket read by the next (a new snapshot on PostgreSQL).
Site migration 0003's triggers back the rule that a window with a called or serving ticket is
open; their refusals, like the one-active-ticket index's, reach callers as typed errors.

Every transition writes the ticket row and a hall_event row (and their outbox snapshots) in one
transaction; the event is the last write (see `app.queue.events`). Windows are locked through
their `window_status` row first, tickets after, the event-id lock last: one order everywhere, so
PostgreSQL transactions cannot deadlock on each other.

Call-next chooses and claims in one statement: `UPDATE ticket … WHERE id = (SELECT … ORDER BY
<policy key> LIMIT 1 [FOR UPDATE SKIP LOCKED]) RETURNING …`; on SQLite the transaction begins
with BEGIN IMMEDIATE, so there is one writer at a time. The ORDER BY is `policy.order_terms`, the
SQL twin of the pure `policy.choose()`.

On PostgreSQL, `call_next()` and `finish()` first call a database function that does the whole
transition in one autocommit statement (`app.queue.pgfunc`, site migration 0002: one round trip,
plans kept per connection); when it changes nothing they run the general transaction below,
which returns the precise answer or error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.queue import errors, pgfunc
from app.queue._rows import save_row
from app.queue.events import append_event
from app.queue.policy import QueuePolicy, prefers_normal
from app.queue.types import (
    CallResult,
    CategoryStatus,
    CloseDayResult,
    QueueStatus,
    TicketInfo,
    WindowState,
)
from app.validators import check_id_number, mask_name, normalise_id_number
from db import outbox
from db.base import utcnow, uuid7
from db.engine import SQLITE_IMMEDIATE
from db.models import (
    ACTIVE_TICKET_STATUSES,
    Appointment,
    AuditLog,
    ServiceCategory,
    Site,
    Staff,
    Ticket,
    TicketCounter,
    Window,
    WindowCategory,
    WindowStatus,
)

log = logging.getLogger("onewindow.queue")

Clock = Callable[[], dt.datetime]
_R = TypeVar("_R")

T = cast(sa.Table, Ticket.__table__)
WS = cast(sa.Table, WindowStatus.__table__)
TC = cast(sa.Table, TicketCounter.__table__)


# Status tests are rendered as SQL literals, never bound: only then can SQLite (and PostgreSQL's
# generic plans for prepared statements) prove the partial indexes' WHERE clauses and use them.
_WAITING = T.c.status == sa.literal_column("'waiting'")
_ACTIVE = T.c.status.in_([sa.literal_column("'called'"), sa.literal_column("'serving'")])


def _m(row: Any) -> Mapping[str, Any]:
    """The column mapping of a Core result row."""
    return cast("Mapping[str, Any]", row._mapping)


ACTIVE = ACTIVE_TICKET_STATUSES
OPEN_STATUSES = ("waiting", "called", "serving", "held")


class MissingIdHashKey(errors.QueueError):
    """No per-site ID-hash key: with a public built-in key the hashes could be reversed (the ID
    space is small), so there is none; the site's secrets file holds `id_hash_key`."""

    default_message = "本机未配置证件号哈希密钥，无法按证件取号（请管理员运行 main.py secrets init）"


def hash_id_number(id_number: str, key: bytes | None) -> str:
    """Keyed hash (HMAC-SHA256, hex) of a normalised ID number; the ticket never stores the number."""
    if not key:
        raise MissingIdHashKey()
    return hmac.new(key, normalise_id_number(id_number).encode("ascii"), hashlib.sha256).hexdigest()


def id_hash_key_from_env() -> bytes | None:
    """ONEWINDOW_ID_HASH_KEY (tools and tests); None when unset — there is no built-in key."""
    value = os.environ.get("ONEWINDOW_ID_HASH_KEY", "")
    return value.encode("utf-8") if value else None


def format_number(prefix: str, seq: int) -> str:
    return f"{prefix}{seq:03d}"


def announcement(number: str, window_number: int) -> str:
    return f"请 {number} 号到 {window_number} 号窗口办理"


# --- reference data ------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryRef:
    id: uuid.UUID
    code: str
    name: str
    prefix: str
    daily_cap: int | None
    issue_start: dt.time
    issue_end: dt.time
    warn_wait_minutes: int
    per_id_daily_limit: int
    active: bool
    sort: int


@dataclass(frozen=True)
class WindowRef:
    id: uuid.UUID
    number: int
    name: str
    active: bool
    categories: Mapping[uuid.UUID, int]  # category id → priority (lower first)


@dataclass(frozen=True)
class Reference:
    tz: ZoneInfo
    categories: Mapping[uuid.UUID, CategoryRef]
    windows: Mapping[uuid.UUID, WindowRef]
    loaded: float

    def category(self, key: str) -> CategoryRef:
        k = key.strip()
        for c in self.categories.values():
            if k in (c.code, c.prefix) or k.upper() == c.prefix.upper():
                return c
        raise errors.UnknownCategory(f"没有这个业务类别：{key}")

    def window(self, number: int) -> WindowRef:
        for w in self.windows.values():
            if w.number == number:
                return w
        raise errors.UnknownWindow(f"没有 {number} 号窗口")


def _priority_sql(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        T.c.priority_class == "green",
        sa.and_(T.c.priority_class == "appointment", T.c.queue_at <= now),
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
    prio = _priority_sql(now)
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


def _call_result(info: TicketInfo, win: WindowRef, event_id: int) -> CallResult:
    """What a window's call (or recall) returns: the ticket, the window and the words to announce."""
    return CallResult(info, win.number, win.name, announcement(info.number, win.number), event_id)


class _NobodyWaiting(Exception):
    """Raised inside call-next's transaction to roll back the window's opening."""


# Rounds of "look again, claim waiting for locks" before call-next reports the hall too busy.
_CLAIM_ROUNDS = 50

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


def eligible_sql(site_id: uuid.UUID, window: WindowRef) -> sa.ColumnElement[bool]:
    served: sa.ColumnElement[bool] = (
        sa.and_(T.c.category_id.in_(list(window.categories)), T.c.target_window_id.is_(None))
        if window.categories
        else sa.false()
    )
    return sa.and_(
        T.c.site_id == site_id,
        _WAITING,
        sa.or_(served, T.c.target_window_id == window.id),
    )


class QueueService:
    """All queue operations of one site. Thread-safe: each call uses its own session."""

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

    # --- infrastructure --------------------------------------------------------------------

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
            site = s.get(Site, self.site_id)
            if site is None:
                raise errors.QueueError(f"本库中没有站点 {self.site_id}")
            cats = {
                c.id: CategoryRef(
                    id=c.id,
                    code=c.code,
                    name=c.name,
                    prefix=c.prefix,
                    daily_cap=c.daily_cap,
                    issue_start=c.issue_start,
                    issue_end=c.issue_end,
                    warn_wait_minutes=c.warn_wait_minutes,
                    per_id_daily_limit=c.per_id_daily_limit,
                    active=c.active,
                    sort=c.sort,
                )
                for c in s.scalars(sa.select(ServiceCategory).where(ServiceCategory.site_id == self.site_id))
            }
            links: dict[uuid.UUID, dict[uuid.UUID, int]] = {}
            for wc in s.scalars(
                sa.select(WindowCategory)
                .join(Window, Window.id == WindowCategory.window_id)
                .where(Window.site_id == self.site_id)
            ):
                if wc.category_id in cats and cats[wc.category_id].active:
                    links.setdefault(wc.window_id, {})[wc.category_id] = wc.priority
            wins = {
                w.id: WindowRef(
                    id=w.id, number=w.number, name=w.name, active=w.active, categories=links.get(w.id, {})
                )
                for w in s.scalars(sa.select(Window).where(Window.site_id == self.site_id))
            }
            ref = Reference(
                tz=ZoneInfo(site.timezone), categories=cats, windows=wins, loaded=time.monotonic()
            )
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
        outbox.record(s, "ticket", _m(row))
        return _m(row)

    def _event(
        self,
        s: Session,
        kind: str,
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
                        site_id=self.site_id, window_id=window.id, state="closed", since=self.clock()
                    )
                    save_row(s, ws)
            except IntegrityError:
                pass  # another PC created it meanwhile; lock theirs
            row = s.execute(stmt).one()
        active = s.execute(sa.select(T.c.id).where(T.c.window_id == window.id, _ACTIVE).limit(1)).scalar()
        return {**_m(row), "active_ticket_id": active}

    def _open_for_call(
        self,
        s: Session,
        ws: Mapping[str, Any],
        now: dt.datetime,
        staff_id: uuid.UUID | None,
        take_over: bool,
    ) -> Mapping[str, Any]:
        """Open the window before a ticket becomes active there (`take_over`: also for `staff_id`).

        The database refuses an active ticket at a window that is not open (migration 0003).
        """
        if ws["state"] == "paused":
            raise errors.WindowPaused(f"本窗口已暂停服务（{ws['reason']}）" if ws["reason"] else None)
        if ws["state"] == "open" and (not take_over or ws["staff_id"] == staff_id):
            return ws
        changed = self._set_window(s, ws, now, state="open", reason="", staff_id=staff_id)
        return {**changed, "active_ticket_id": ws["active_ticket_id"]}

    def _set_window(
        self, s: Session, ws: Mapping[str, Any], now: dt.datetime, **values: Any
    ) -> Mapping[str, Any]:
        if "state" in values and values["state"] != ws["state"]:
            values.setdefault("since", now)
        row = s.execute(
            sa.update(WS)
            .where(WS.c.id == ws["id"])
            .values(row_version=WS.c.row_version + 1, updated_at=now, **values)
            .returning(*WS.c)
        ).one()
        outbox.record(s, "window_status", _m(row))
        return _m(row)

    def _active_ticket(self, s: Session, ws: Mapping[str, Any]) -> Mapping[str, Any]:
        tid = ws["active_ticket_id"]
        if tid is None:
            raise errors.NoActiveTicket()
        stmt = sa.select(T).where(T.c.id == tid)
        if self._pg:
            stmt = stmt.with_for_update()
        return _m(s.execute(stmt).one())

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
        return _m(row)

    def _find_any(self, s: Session, number: str) -> bool:
        return (
            s.execute(
                sa.select(T.c.id)
                .where(T.c.site_id == self.site_id, T.c.number == number.strip().upper())
                .limit(1)
            ).first()
            is not None
        )

    # --- issuing ---------------------------------------------------------------------------

    def issue(
        self,
        category: str,
        *,
        id_number: str | None = None,
        name: str = "",
        priority: bool = False,
        channel: str = "kiosk",
    ) -> TicketInfo:
        """Take a ticket (取号). `priority` = green channel (绿色通道). Raises a QueueError subclass."""
        ref = self.reference()
        cat = ref.category(category)
        if not cat.active:
            raise errors.UnknownCategory(f"{cat.name} 暂停取号")
        now = self.clock()
        local = now.astimezone(ref.tz)
        if not (cat.issue_start <= local.time() < cat.issue_end):
            raise errors.OutsideIssueHours(
                f"不在取号时间内（{cat.name}：{cat.issue_start:%H:%M}–{cat.issue_end:%H:%M}）"
            )
        id_hash = self._hash_checked(id_number) if id_number else None
        return self._retrying(
            lambda: self._issue_tx(
                cat,
                now,
                local.date(),
                priority_class="green" if priority else "normal",
                queue_at=now,
                id_hash=id_hash,
                name=name,
                channel=channel,
                cap=True,
            )
        )

    def _hash_checked(self, id_number: str) -> str:
        check = check_id_number(id_number, today=self.clock().astimezone(self.reference().tz).date())
        if not check:
            raise errors.InvalidIdNumber(check.reason)
        return hash_id_number(id_number, self.id_hash_key)

    def _next_seq(self, s: Session, bdate: dt.date, prefix: str) -> int:
        ins = (pg_dialect.insert(TC) if self._pg else sqlite_dialect.insert(TC)).values(
            site_id=self.site_id, business_date=bdate, prefix=prefix, last_seq=1
        )
        stmt = ins.on_conflict_do_update(
            index_elements=[TC.c.site_id, TC.c.business_date, TC.c.prefix],
            set_={"last_seq": TC.c.last_seq + 1},
        ).returning(TC.c.last_seq)
        return int(s.execute(stmt).scalar_one())

    def _issue_tx(
        self,
        cat: CategoryRef,
        now: dt.datetime,
        bdate: dt.date,
        *,
        priority_class: str,
        queue_at: dt.datetime,
        id_hash: str | None,
        name: str,
        channel: str,
        cap: bool,
        appointment: Appointment | None = None,
    ) -> TicketInfo:
        with self._tx() as s:
            # The counter row lock serialises issuing per prefix, so the checks below cannot race.
            seq = self._next_seq(s, bdate, cat.prefix)
            if cap and cat.daily_cap is not None and seq > cat.daily_cap:
                raise errors.DailyCapReached(f"今日{cat.name}号已取完")
            if id_hash is not None and appointment is None and cat.per_id_daily_limit > 0:
                taken = s.execute(
                    sa.select(sa.func.count())
                    .select_from(T)
                    .where(
                        T.c.site_id == self.site_id,
                        T.c.business_date == bdate,
                        T.c.category_id == cat.id,
                        T.c.id_number_hash == id_hash,
                    )
                ).scalar_one()
                if taken >= cat.per_id_daily_limit:
                    raise errors.IdDailyLimitReached(
                        f"该证件今日取号已达上限（{cat.name}每日 {cat.per_id_daily_limit} 次）"
                    )
            if appointment is not None:
                done = s.execute(
                    sa.select(T.c.number).where(T.c.appointment_id == appointment.id).limit(1)
                ).scalar()
                if done is not None:
                    raise errors.AppointmentError(f"该预约已签到（号码 {done}）")
            ticket = Ticket(
                id=uuid7(),
                site_id=self.site_id,
                business_date=bdate,
                category_id=cat.id,
                prefix=cat.prefix,
                seq=seq,
                number=format_number(cat.prefix, seq),
                status="waiting",
                priority_class=priority_class,
                issued_at=now,
                queue_at=queue_at,
                holder_name=mask_name(name) if name else "",
                id_number_hash=id_hash,
                appointment_id=appointment.id if appointment is not None else None,
                channel=channel,
                case_numbers="",
                recall_count=0,
                updated_at=now,
            )
            save_row(s, ticket)
            row = {c.key: getattr(ticket, c.key) for c in T.c}
            ahead, wait = self._estimate(s, cat, row, now)
            self._event(
                s,
                "checked_in" if appointment is not None else "issued",
                now,
                row,
                channel=channel,
                people_ahead=ahead,
            )
        return self._info(row, ahead, wait)

    def _estimate(
        self, s: Session, cat: CategoryRef, row: Mapping[str, Any], now: dt.datetime
    ) -> tuple[int, float]:
        """People ahead in the ticket's category and an estimated wait from recent service times."""
        prio = _priority_sql(now)
        mine_prio = row["priority_class"] == "green" or (
            row["priority_class"] == "appointment" and row["queue_at"] <= now
        )
        before = (
            sa.and_(prio, T.c.queue_at < row["queue_at"])
            if mine_prio
            else sa.or_(prio, T.c.queue_at < row["queue_at"])
        )
        ahead = int(
            s.execute(
                sa.select(sa.func.count())
                .select_from(T)
                .where(
                    T.c.site_id == self.site_id,
                    T.c.category_id == cat.id,
                    _WAITING,
                    T.c.target_window_id.is_(None),
                    T.c.id != row["id"],
                    before,
                )
            ).scalar_one()
        )
        recent = s.execute(
            sa.select(T.c.called_at, T.c.started_at, T.c.finished_at)
            .where(
                T.c.site_id == self.site_id,
                T.c.business_date == row["business_date"],
                T.c.category_id == cat.id,
                T.c.status == "done",
            )
            .order_by(T.c.finished_at.desc())
            .limit(self.policy.service_sample)
        ).all()
        spans = [
            (r.finished_at - (r.started_at or r.called_at)).total_seconds() / 60
            for r in recent
            if r.finished_at is not None and (r.started_at or r.called_at) is not None
        ]
        per_ticket = sum(spans) / len(spans) if spans else self.policy.default_service_minutes
        serving_windows = [w.id for w in self.reference().windows.values() if cat.id in w.categories]
        open_count = 0
        if serving_windows:
            open_count = int(
                s.execute(
                    sa.select(sa.func.count())
                    .select_from(WS)
                    .where(WS.c.window_id.in_(serving_windows), WS.c.state == "open")
                ).scalar_one()
            )
        return ahead, round(ahead * per_ticket / max(1, open_count), 1)

    def check_in(self, code: str | None = None, *, id_number: str | None = None) -> TicketInfo:
        """Appointment check-in (预约签到) by booking code or ID number; placed by its slot."""
        ref = self.reference()
        now = self.clock()
        local = now.astimezone(ref.tz)
        with self.session_factory() as s:
            q = sa.select(Appointment).where(
                Appointment.site_id == self.site_id, Appointment.cancelled.is_(False)
            )
            if code:
                q = q.where(Appointment.code == code.strip())
            elif id_number:
                day0 = dt.datetime.combine(local.date(), dt.time(0), ref.tz)
                q = q.where(
                    Appointment.id_number_hash == self._hash_checked(id_number),
                    Appointment.slot_start >= day0,
                    Appointment.slot_start < day0 + dt.timedelta(days=1),
                ).order_by(Appointment.slot_start)
            else:
                raise errors.AppointmentError("请输入预约号或刷身份证")
            appt = s.scalars(q.limit(1)).first()
        if appt is None:
            raise errors.AppointmentError("没有找到今天的有效预约")
        cat = ref.categories.get(appt.category_id)
        if cat is None:
            raise errors.AppointmentError("预约的业务类别不存在")
        p = self.policy
        start_local = appt.slot_start.astimezone(ref.tz)
        if start_local.date() != local.date():
            raise errors.AppointmentError(f"预约日期为 {start_local:%Y-%m-%d}，不是今天")
        earliest = appt.slot_start - dt.timedelta(minutes=p.appointment_early_minutes)
        latest = appt.slot_start + dt.timedelta(minutes=p.appointment_late_minutes)
        slot = f"{start_local:%H:%M}–{appt.slot_end.astimezone(ref.tz):%H:%M}"
        if now < earliest:
            raise errors.AppointmentError(
                f"预约时段为 {slot}，请于 {earliest.astimezone(ref.tz):%H:%M} 后签到"
            )
        if now > latest:
            if p.late_appointment == "refuse":
                raise errors.AppointmentError(f"已超过预约签到时间（预约时段 {slot}），请重新取号")
            pclass, queue_at = "normal", now  # late: an ordinary ticket from now on
        else:
            pclass, queue_at = "appointment", appt.slot_start
        return self._retrying(
            lambda: self._issue_tx(
                cat,
                now,
                local.date(),
                priority_class=pclass,
                queue_at=queue_at,
                id_hash=appt.id_number_hash,
                name=appt.name,
                channel="appointment",
                cap=False,
                appointment=appt,
            )
        )

    # --- calling ---------------------------------------------------------------------------

    def call_next(self, window: int, staff_id: uuid.UUID | None = None) -> CallResult | None:
        """Call the next ticket for a window by the policy.

        Guarantee: None only if, at some instant during the call, no ticket eligible for this window
        was waiting (a read taken after the window lock found none); tickets other windows hold
        locked are waited for, not reported as missing. Refusals are typed: WindowPaused,
        WindowBusy (a ticket is still active here), QueueBusy (claims lost 50 times in a row).
        """
        win = self._window(window)
        if self.pg_functions:
            fast = self._retrying(lambda: self._pg_call_next(win, staff_id))
            if fast is not None:
                return fast
        return self._retrying(lambda: self._call_next_tx(win, staff_id))

    # --- PostgreSQL: one short statement, one round trip (see app.queue.pgfunc) -------------

    def _transition(self, win: WindowRef, staff_id: uuid.UUID | None) -> pgfunc.Transition:
        now = self.clock()
        return pgfunc.Transition(
            self.site_id, win.id, win.number, staff_id, now, self.business_date(now), uuid7(), utcnow()
        )

    def _pg_call_next(self, win: WindowRef, staff_id: uuid.UUID | None) -> CallResult | None:
        tr = self._transition(win, staff_id)
        m = pgfunc.call_next(
            self._engine,
            tr,
            aged_before=self.policy.aged_before(tr.now),
            categories=win.categories,
            priority_burst=self.policy.priority_burst,
            # queue heads per category the function considers (and locked ones it may skip)
            heads=max(16, len(self.reference().windows)),
        )
        if m is None:
            return None
        return _call_result(self._info(m), win, int(m["event_id"]))

    def _window(self, number: int) -> WindowRef:
        win = self.reference().window(number)
        if not win.active:
            raise errors.UnknownWindow(f"{number} 号窗口已停用")
        return win

    def _call_statement(self, win: WindowRef, prefer_normal: bool, wait: bool = False) -> sa.Update:
        """The choose-and-claim UPDATE for a window, built once (statement building costs more than running it).

        On PostgreSQL the pick skips tickets locked by other windows, or with `wait` waits for them
        (a ticket whose holder claimed it no longer matches and the next one is taken).
        """
        key = (win.id, prefer_normal, wait, self.reference().loaded)
        stmt = self._call_cache.get(key)
        if stmt is None:
            now = sa.bindparam("now", type_=T.c.called_at.type)
            aged_before = sa.bindparam("aged_before", type_=T.c.queue_at.type)
            pick = (
                sa.select(T.c.id)
                .where(eligible_sql(self.site_id, win))
                .order_by(*order_terms(win, now, self.policy, prefer_normal, aged_before))
                .limit(1)
            )
            if self._pg:
                pick = pick.with_for_update(skip_locked=not wait)
            stmt = (
                sa.update(T)
                .where(T.c.id == pick.scalar_subquery(), _WAITING)
                .values(
                    status="called",
                    window_id=win.id,
                    staff_id=sa.bindparam("staff_id", type_=T.c.staff_id.type),
                    called_at=now,
                    started_at=None,
                    finished_at=None,
                    recall_count=0,
                    target_window_id=None,
                    row_version=T.c.row_version + 1,
                    updated_at=now,
                )
                .returning(*T.c)
            )
            if len(self._call_cache) > 256:
                self._call_cache.clear()
            self._call_cache[key] = stmt
        return stmt

    def _call_next_tx(self, win: WindowRef, staff_id: uuid.UUID | None) -> CallResult | None:
        now = self.clock()
        try:
            with self._tx() as s:
                ws = self._lock_window(s, win)
                if ws["state"] == "paused":
                    raise errors.WindowPaused(f"本窗口已暂停服务（{ws['reason']}）" if ws["reason"] else None)
                if ws["active_ticket_id"] is not None:
                    raise errors.WindowBusy()
                streak = int(ws["priority_streak"])
                ws = self._open_for_call(s, ws, now, staff_id, take_over=True)
                m = self._claim(s, win, streak, now, staff_id)
                if m is None:
                    raise _NobodyWaiting()  # rolls the window's opening back
                outbox.record(s, "ticket", m)
                prio = m["priority_class"] == "green" or (
                    m["priority_class"] == "appointment" and m["queue_at"] <= now
                )
                new_streak = streak + 1 if prio else 0
                if new_streak != streak:
                    self._set_window(s, ws, now, priority_streak=new_streak)
                event_id = self._event(
                    s,
                    "called",
                    now,
                    m,
                    win,
                    staff_id,
                    issued_at=m["issued_at"],
                    queue_at=m["queue_at"],
                    priority=prio,
                )
        except _NobodyWaiting:
            return None
        return _call_result(self._info(m), win, event_id)

    def _claim(
        self, s: Session, win: WindowRef, streak: int, now: dt.datetime, staff_id: uuid.UUID | None
    ) -> Mapping[str, Any] | None:
        """Claim the window's next ticket by the policy, or None if at some instant none was waiting.

        The first claim skips tickets other windows hold locked (the fast, usual case). On
        PostgreSQL an empty answer from it is not final: a skipped ticket may be released again (its
        holder rolled back) and a ticket may have come in after the statement's snapshot. So the
        eligible tickets are looked for again by a new statement (a new snapshot); while there are
        any, the claim is repeated waiting for locks instead of skipping them. None is returned only
        when such a look found nothing. On SQLite the transaction is the only writer and its claim
        saw every ticket.
        """
        prefer = prefers_normal(streak, self.policy)
        params = {"now": now, "aged_before": self.policy.aged_before(now) or now, "staff_id": staff_id}
        row = s.execute(self._call_statement(win, prefer), params).first()
        if row is not None:
            return _m(row)
        if not self._pg:
            return None
        exists = sa.select(sa.exists().where(eligible_sql(self.site_id, win)))
        for _ in range(_CLAIM_ROUNDS):
            if not s.execute(exists).scalar():
                return None
            row = s.execute(self._call_statement(win, prefer, wait=True), params).first()
            if row is not None:
                return _m(row)
        log.warning("call-next gave up after %d rounds of claims lost to other windows", _CLAIM_ROUNDS)
        raise errors.QueueBusy()

    def call_ticket(
        self, window: int, number: str, *, manager_id: uuid.UUID, staff_id: uuid.UUID | None = None
    ) -> CallResult:
        """Call one given waiting ticket out of order (manager permission; audited)."""
        win = self._window(window)
        now = self.clock()

        def tx() -> CallResult:
            with self._tx() as s:
                mgr = s.get(Staff, manager_id)
                if mgr is None or not mgr.active or mgr.role not in ("manager", "admin"):
                    raise errors.PermissionDenied("指定叫号需要大厅管理员权限")
                ws = self._lock_window(s, win)
                if ws["state"] == "paused":
                    raise errors.WindowPaused()
                if ws["active_ticket_id"] is not None:
                    raise errors.WindowBusy()
                t = self._find_ticket(s, number, ("waiting",))
                self._open_for_call(s, ws, now, staff_id, take_over=False)
                m = self._update_ticket(
                    s,
                    t["id"],
                    now,
                    status="called",
                    window_id=win.id,
                    staff_id=staff_id,
                    called_at=now,
                    recall_count=0,
                    target_window_id=None,
                )
                audit = AuditLog(
                    site_id=self.site_id,
                    staff_id=manager_id,
                    at=now,
                    action="queue.call_specific",
                    entity="ticket",
                    entity_id=str(m["id"]),
                    detail=f"{m['number']} 指定到 {win.number} 号窗口（{mgr.name}）",
                )
                save_row(s, audit)
                event_id = self._event(
                    s,
                    "called",
                    now,
                    m,
                    win,
                    staff_id,
                    issued_at=m["issued_at"],
                    queue_at=m["queue_at"],
                    specific=True,
                    manager_id=manager_id,
                )
            return _call_result(self._info(m), win, event_id)

        return self._retrying(tx)

    # --- operations on the window's current ticket ----------------------------------------

    def _on_current(
        self,
        window: int,
        kind: str,
        change: Callable[[Session, Mapping[str, Any], Mapping[str, Any], dt.datetime], dict[str, Any]],
        staff_id: uuid.UUID | None = None,
        statuses: Sequence[str] = ACTIVE,
        **payload: Any,
    ) -> TicketInfo:
        win = self._window(window)

        def tx() -> TicketInfo:
            now = self.clock()
            with self._tx() as s:
                ws = self._lock_window(s, win)
                t = self._active_ticket(s, ws)
                if t["status"] not in statuses:
                    raise errors.InvalidTransition(f"{t['number']} 号当前状态不允许此操作")
                values = change(s, ws, t, now)
                extra = values.pop("_payload", {})
                m = self._update_ticket(s, t["id"], now, **values)
                self._event(s, kind, now, m, win, staff_id or t["staff_id"], **payload, **extra)
            return self._info(m)

        return self._retrying(tx)

    def recall(self, window: int, staff_id: uuid.UUID | None = None) -> CallResult:
        """重呼: announce the called ticket again (counted)."""

        def change(
            s: Session, ws: Mapping[str, Any], t: Mapping[str, Any], now: dt.datetime
        ) -> dict[str, Any]:
            if t["recall_count"] >= self.policy.max_recalls:
                raise errors.RecallLimitReached()
            return {
                "recall_count": t["recall_count"] + 1,
                "_payload": {"recall_count": t["recall_count"] + 1},
            }

        info = self._on_current(window, "recalled", change, staff_id, statuses=("called",))
        return _call_result(info, self._window(window), 0)

    def no_show(self, window: int, staff_id: uuid.UUID | None = None) -> TicketInfo:
        """过号: the called applicant did not come."""
        return self._on_current(
            window,
            "no_show",
            lambda s, ws, t, now: {"status": "no_show", "finished_at": now},
            staff_id,
            statuses=("called",),
        )

    def start(self, window: int, staff_id: uuid.UUID | None = None) -> TicketInfo:
        """The applicant sat down: service starts."""
        return self._on_current(
            window,
            "started",
            lambda s, ws, t, now: {"status": "serving", "started_at": now},
            staff_id,
            statuses=("called",),
        )

    def finish(
        self,
        window: int,
        outcome: str = "done",
        case_numbers: Sequence[str] = (),
        staff_id: uuid.UUID | None = None,
    ) -> TicketInfo:
        """办结 the current ticket with an outcome and the case numbers handled."""
        cases = ",".join(c.strip() for c in case_numbers if c.strip())
        if len(cases) > 400:
            raise errors.QueueError("办件编号太多，无法记录在一个号上")
        if self.pg_functions:
            win = self._window(window)
            m = self._retrying(
                lambda: pgfunc.finish(
                    self._engine,
                    self._transition(win, staff_id),
                    outcome=outcome[:32],
                    case_numbers=cases,
                )
            )
            if m is not None:
                return self._info(m)

        def change(
            s: Session, ws: Mapping[str, Any], t: Mapping[str, Any], now: dt.datetime
        ) -> dict[str, Any]:
            values: dict[str, Any] = {
                "status": "done",
                "finished_at": now,
                "outcome": outcome[:32],
                "case_numbers": cases,
            }
            if t["started_at"] is None:
                values["started_at"] = t["called_at"]  # finished straight from the call
            return values

        return self._on_current(
            window, "finished", change, staff_id, outcome=outcome[:32], case_numbers=cases
        )

    def hold(self, window: int, staff_id: uuid.UUID | None = None, reason: str = "") -> TicketInfo:
        """挂起: park the current ticket (e.g. the applicant fetches a document); the window is free."""
        return self._on_current(
            window, "held", lambda s, ws, t, now: {"status": "held"}, staff_id, reason=reason
        )

    def resume(self, window: int, number: str, staff_id: uuid.UUID | None = None) -> TicketInfo:
        """Take a held ticket back into service at this window."""
        win = self._window(window)

        def tx() -> TicketInfo:
            now = self.clock()
            with self._tx() as s:
                ws = self._lock_window(s, win)
                if ws["state"] == "paused":
                    raise errors.WindowPaused()
                if ws["active_ticket_id"] is not None:
                    raise errors.WindowBusy()
                t = self._find_ticket(s, number, ("held",))
                self._open_for_call(s, ws, now, staff_id, take_over=False)
                m = self._update_ticket(
                    s,
                    t["id"],
                    now,
                    status="serving",
                    window_id=win.id,
                    staff_id=staff_id or t["staff_id"],
                    started_at=t["started_at"] or now,
                )
                self._event(s, "resumed", now, m, win, staff_id)
            return self._info(m)

        return self._retrying(tx)

    def transfer(
        self,
        window: int,
        *,
        to_category: str | None = None,
        to_window: int | None = None,
        staff_id: uuid.UUID | None = None,
    ) -> TicketInfo:
        """转移 the current ticket to another category or window; it keeps its original queue time."""
        if (to_category is None) == (to_window is None):
            raise errors.QueueError("请选择转到的业务类别或窗口（二选一）")
        ref = self.reference()
        target_cat = ref.category(to_category) if to_category is not None else None
        target_win = self._window(to_window) if to_window is not None else None

        def change(
            s: Session, ws: Mapping[str, Any], t: Mapping[str, Any], now: dt.datetime
        ) -> dict[str, Any]:
            values: dict[str, Any] = {
                "status": "waiting",
                "window_id": None,
                "staff_id": None,
                "called_at": None,
                "started_at": None,
                "recall_count": 0,
                "target_window_id": target_win.id if target_win else None,
            }
            payload: dict[str, Any] = {"from_category_id": str(t["category_id"])}
            if target_cat is not None:
                values["category_id"] = target_cat.id
                payload["to_category"] = target_cat.code
            if target_win is not None:
                payload["to_window"] = target_win.number
            values["_payload"] = payload
            return values

        return self._on_current(window, "transferred", change, staff_id)

    def requeue(self, number: str, staff_id: uuid.UUID | None = None) -> TicketInfo:
        """A late applicant whose ticket went no-show queues again, behind `requeue_after` tickets."""

        def tx() -> TicketInfo:
            now = self.clock()
            with self._tx() as s:
                t = self._find_ticket(s, number, ("no_show",))
                ahead = s.execute(
                    sa.select(T.c.queue_at)
                    .where(
                        T.c.site_id == self.site_id,
                        T.c.category_id == t["category_id"],
                        _WAITING,
                    )
                    .order_by(T.c.queue_at, T.c.id)
                    .offset(max(0, self.policy.requeue_after - 1))
                    .limit(1)
                ).scalar()
                tick = dt.timedelta(microseconds=1)
                if self.policy.requeue_after == 0:
                    queue_at = t["queue_at"]  # straight back to its old place
                elif ahead is not None:
                    queue_at = ahead + tick
                else:  # fewer tickets waiting than requeue_after: behind all of them
                    last = s.execute(
                        sa.select(sa.func.max(T.c.queue_at)).where(
                            T.c.site_id == self.site_id, T.c.category_id == t["category_id"], _WAITING
                        )
                    ).scalar()
                    queue_at = max(now, last + tick) if last is not None else now
                m = self._update_ticket(
                    s,
                    t["id"],
                    now,
                    status="waiting",
                    window_id=None,
                    staff_id=None,
                    called_at=None,
                    started_at=None,
                    finished_at=None,
                    recall_count=0,
                    queue_at=queue_at,
                    priority_class="normal" if t["priority_class"] == "appointment" else t["priority_class"],
                )
                self._event(s, "requeued", now, m, None, staff_id)
            return self._info(m)

        return self._retrying(tx)

    def cancel(self, number: str, staff_id: uuid.UUID | None = None, reason: str = "") -> TicketInfo:
        """Cancel a waiting or held ticket (the applicant left)."""

        def tx() -> TicketInfo:
            now = self.clock()
            with self._tx() as s:
                t = self._find_ticket(s, number, ("waiting", "held"))
                m = self._update_ticket(s, t["id"], now, status="cancelled", finished_at=now)
                self._event(s, "cancelled", now, m, None, staff_id, reason=reason)
            return self._info(m)

        return self._retrying(tx)

    # --- the window itself -------------------------------------------------------------------

    def _window_state_change(
        self,
        window: int,
        kind: str,
        state: str,
        staff_id: uuid.UUID | None,
        reason: str,
        need_free: bool,
        allowed_from: Sequence[str] | None = None,
    ) -> WindowState:
        win = self._window(window)

        def tx() -> None:
            now = self.clock()
            with self._tx() as s:
                ws = self._lock_window(s, win)
                if need_free and ws["active_ticket_id"] is not None:
                    raise errors.WindowBusy()
                if allowed_from is not None and ws["state"] not in allowed_from:
                    raise errors.InvalidTransition(
                        f"窗口当前状态为“{_STATE_NAMES.get(ws['state'], ws['state'])}”"
                    )
                self._set_window(s, ws, now, state=state, reason=reason, staff_id=staff_id or ws["staff_id"])
                self._event(s, kind, now, None, win, staff_id, reason=reason)

        self._retrying(tx)
        return self.window_state(window)

    def open_window(self, window: int, staff_id: uuid.UUID | None = None) -> WindowState:
        return self._window_state_change(window, "window_opened", "open", staff_id, "", False)

    def pause_window(self, window: int, reason: str, staff_id: uuid.UUID | None = None) -> WindowState:
        """暂停服务 with a reason; the current ticket must be finished, passed or held first."""
        if not reason.strip():
            raise errors.QueueError("请填写暂停原因")
        return self._window_state_change(
            window, "window_paused", "paused", staff_id, reason.strip()[:200], True, ("open", "closed")
        )

    def resume_window(self, window: int, staff_id: uuid.UUID | None = None) -> WindowState:
        return self._window_state_change(window, "window_resumed", "open", staff_id, "", False, ("paused",))

    def close_window(self, window: int, staff_id: uuid.UUID | None = None) -> WindowState:
        return self._window_state_change(window, "window_closed", "closed", staff_id, "", True)

    def close_day(self, mode: str | None = None, business_date: dt.date | None = None) -> CloseDayResult:
        """End of the day: called → no-show, serving → done, waiting/held → cancelled or carried over."""
        mode = mode or self.policy.close_day
        if mode not in ("cancel", "carry_over"):
            raise errors.QueueError("结束方式只能是 cancel（作废）或 carry_over（顺延）")
        bdate = business_date or self.business_date()
        ref = self.reference()

        def tx() -> CloseDayResult:
            now = self.clock()
            counts = {"cancelled": 0, "no_show": 0, "finished": 0, "carried_over": 0}
            with self._tx() as s:
                # Windows first, tickets after: the same lock order as every window operation.
                lock = sa.select(WS).where(WS.c.site_id == self.site_id).order_by(WS.c.id)
                if self._pg:
                    lock = lock.with_for_update()
                statuses = s.execute(lock).all()
                rows = s.execute(
                    sa.select(T)
                    .where(
                        T.c.site_id == self.site_id, T.c.business_date <= bdate, T.c.status.in_(OPEN_STATUSES)
                    )
                    .order_by(T.c.queue_at, T.c.id)
                ).all()
                changed: list[tuple[str, Mapping[str, Any]]] = []
                for r in rows:
                    t = _m(r)
                    if t["status"] == "called":
                        changed.append(
                            (
                                "no_show",
                                self._update_ticket(s, t["id"], now, status="no_show", finished_at=now),
                            )
                        )
                        counts["no_show"] += 1
                    elif t["status"] == "serving":
                        changed.append(
                            (
                                "finished",
                                self._update_ticket(
                                    s, t["id"], now, status="done", finished_at=now, outcome="day_closed"
                                ),
                            )
                        )
                        counts["finished"] += 1
                    elif mode == "cancel":
                        changed.append(
                            (
                                "cancelled",
                                self._update_ticket(s, t["id"], now, status="cancelled", finished_at=now),
                            )
                        )
                        counts["cancelled"] += 1
                    else:
                        counts["carried_over"] += 1
                for w in statuses:
                    if _m(w)["state"] != "closed" or _m(w)["priority_streak"]:
                        self._set_window(s, _m(w), now, state="closed", reason="", priority_streak=0)
                # The event lock is taken once, by the first event; the rest follow under it.
                for kind, m in changed:
                    win = ref.windows.get(m["window_id"]) if m["window_id"] else None
                    self._event(s, kind, now, m, win, None, reason="day_closed")
                self._event(s, "day_closed", now, None, None, None, mode=mode, business_date=bdate, **counts)
            return CloseDayResult(
                bdate,
                mode,
                counts["cancelled"],
                counts["carried_over"],
                counts["no_show"],
                counts["finished"],
            )

        return self._retrying(tx)

    # --- reading ---------------------------------------------------------------------------

    def ticket(self, number: str) -> TicketInfo:
        """A ticket with its current position and estimated wait (kiosk / display look-up)."""
        with self.session_factory() as s:
            t = self._find_ticket(s, number, lock=False)
            cat = self.reference().categories[t["category_id"]]
            if t["status"] == "waiting":
                ahead, wait = self._estimate(s, cat, t, self.clock())
                return self._info(t, ahead, wait)
            return self._info(t)

    def window_state(self, window: int) -> WindowState:
        win = self._window(window)
        with self.session_factory() as s:
            ws = s.execute(sa.select(WS).where(WS.c.window_id == win.id)).first()
            cur = s.execute(sa.select(T).where(T.c.window_id == win.id, _ACTIVE)).first()
        return self._window_state(win, _m(ws) if ws else None, _m(cur) if cur else None)

    def _window_state(
        self, win: WindowRef, ws: Mapping[str, Any] | None, cur: Mapping[str, Any] | None
    ) -> WindowState:
        ref = self.reference()
        codes = tuple(
            ref.categories[c].code
            for c, _ in sorted(win.categories.items(), key=lambda kv: kv[1])
            if c in ref.categories
        )
        return WindowState(
            number=win.number,
            name=win.name,
            state=ws["state"] if ws else "closed",
            reason=ws["reason"] if ws else "",
            current=self._info(cur) if cur else None,
            priority_streak=int(ws["priority_streak"]) if ws else 0,
            category_codes=codes,
        )

    def status(self) -> QueueStatus:
        """Every category (waiting, longest wait, issued today) and every window, now."""
        ref = self.reference()
        now = self.clock()
        bdate = self.business_date(now)
        with self.session_factory() as s:
            waiting = {
                r.category_id: (int(r.n), r.oldest)
                for r in s.execute(
                    sa.select(
                        T.c.category_id, sa.func.count().label("n"), sa.func.min(T.c.queue_at).label("oldest")
                    )
                    .where(T.c.site_id == self.site_id, _WAITING)
                    .group_by(T.c.category_id)
                )
            }
            issued = {
                r.prefix: int(r.last_seq)
                for r in s.execute(
                    sa.select(TC.c.prefix, TC.c.last_seq).where(
                        TC.c.site_id == self.site_id, TC.c.business_date == bdate
                    )
                )
            }
            states = {
                r.window_id: _m(r) for r in s.execute(sa.select(WS).where(WS.c.site_id == self.site_id))
            }
            current = {
                r.window_id: _m(r)
                for r in s.execute(sa.select(T).where(_ACTIVE, T.c.window_id.in_(list(ref.windows))))
            }
        cats = []
        for c in sorted(ref.categories.values(), key=lambda c: (c.sort, c.code)):
            n, oldest = waiting.get(c.id, (0, None))
            # The oldest queue time is a SQL aggregate: on SQLite it comes back as text.
            if isinstance(oldest, str):
                oldest = dt.datetime.fromisoformat(oldest).replace(tzinfo=dt.UTC)
            longest = max(0.0, (now - oldest).total_seconds() / 60) if oldest is not None else 0.0
            cats.append(
                CategoryStatus(
                    c.code,
                    c.name,
                    c.prefix,
                    n,
                    round(longest, 1),
                    issued.get(c.prefix, 0),
                    c.daily_cap,
                    c.warn_wait_minutes,
                )
            )
        wins = tuple(
            self._window_state(w, states.get(w.id), current.get(w.id))
            for w in sorted(ref.windows.values(), key=lambda w: w.number)
            if w.active
        )
        return QueueStatus(now, bdate, tuple(cats), wins)

    def waiting(self) -> list[TicketInfo]:
        """Every waiting ticket in queue-time order."""
        with self.session_factory() as s:
            rows = s.execute(
                sa.select(T).where(T.c.site_id == self.site_id, _WAITING).order_by(T.c.queue_at, T.c.id)
            ).all()
        return [self._info(_m(r)) for r in rows]


_STATE_NAMES = {"open": "服务中", "paused": "暂停服务", "closed": "关闭"}
