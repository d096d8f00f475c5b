"""Calling (叫号): the next ticket by the policy, or a given ticket on a manager's authority.

Call-next chooses and claims in one statement: `UPDATE ticket … WHERE id = (SELECT … ORDER BY
<policy key> LIMIT 1 [FOR UPDATE SKIP LOCKED]) RETURNING …`; on SQLite the transaction begins
with BEGIN IMMEDIATE, so there is one writer at a time. The ORDER BY is `ordering.order_terms`,
the SQL twin of the pure `policy.choose()`.

On PostgreSQL, `call_next()` first calls a database function that does the whole transition in
one autocommit statement (`app.queue.pgfunc`, site migrations 0002/0003: one round trip, plans
kept per connection); when it changes nothing the general transaction runs, which returns the
precise answer or error.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.queue import errors, pgfunc
from app.queue._rows import save_row
from app.queue.core import QueueCore, call_result, m_
from app.queue.ordering import WAITING, T, eligible_sql, order_terms
from app.queue.policy import is_priority_now, prefers_normal
from app.queue.reference import WindowRef
from app.queue.types import CallResult
from db import outbox
from db.models import AuditLog, Staff
from db.vocab import EventKind, StaffRole, TicketStatus, WindowServiceState

log = logging.getLogger("onewindow.queue")


class _NobodyWaiting(Exception):
    """Raised inside call-next's transaction to roll back the window's opening."""


# Rounds of "look again, claim waiting for locks" before call-next reports the hall too busy.
_CLAIM_ROUNDS = 50


class Calling(QueueCore):
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
        return call_result(self._info(m), win, int(m["event_id"]))

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
                .order_by(*order_terms(win, now, prefer_normal, aged_before))
                .limit(1)
            )
            if self._pg:
                pick = pick.with_for_update(skip_locked=not wait)
            stmt = (
                sa.update(T)
                .where(T.c.id == pick.scalar_subquery(), WAITING)
                .values(
                    status=TicketStatus.CALLED,
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
                if ws["state"] == WindowServiceState.PAUSED:
                    raise errors.WindowPaused(f"本窗口已暂停服务（{ws['reason']}）" if ws["reason"] else None)
                if ws["active_ticket_id"] is not None:
                    raise errors.WindowBusy()
                streak = int(ws["priority_streak"])
                opened = self._open_for_call(s, ws, now, staff_id, take_over=True, record=False)
                m = self._claim(s, win, streak, now, staff_id)
                if m is None:
                    raise _NobodyWaiting()  # rolls the window's opening back
                outbox.record(s, "ticket", m)
                prio = is_priority_now(m["priority_class"], m["queue_at"], now)
                new_streak = streak + 1 if prio else 0
                row: Mapping[str, Any] | None = None if opened is ws else opened
                if new_streak != streak:
                    row = self._set_window(s, opened, now, record=False, priority_streak=new_streak)
                if row is not None:  # the window's final row, recorded after the claim (lock order)
                    outbox.record(
                        s, "window_status", {k: v for k, v in row.items() if k != "active_ticket_id"}
                    )
                event_id = self._called_event(s, now, m, win, staff_id, priority=prio)
        except _NobodyWaiting:
            return None
        return call_result(self._info(m), win, event_id)

    def _called_event(
        self,
        s: Session,
        now: dt.datetime,
        m: Mapping[str, Any],
        win: WindowRef,
        staff_id: uuid.UUID | None,
        **payload: Any,
    ) -> int:
        """The "called" hall event (the board announces from it; waiting-time figures start from it).

        `stage`: the visit's stop (多窗联办; the PostgreSQL function records it too); a later stop's
        call names the window's area as well."""
        stage = int(m["stop_index"] or 0)
        if stage > 0 and win.zone_name:
            payload.setdefault("area", win.zone_name)
        return self._event(
            s,
            EventKind.CALLED,
            now,
            m,
            win,
            staff_id,
            issued_at=m["issued_at"],
            queue_at=m["queue_at"],
            stage=stage,
            **payload,
        )

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
            return m_(row)
        if not self._pg:
            return None
        exists = sa.select(sa.exists().where(eligible_sql(self.site_id, win)))
        for _ in range(_CLAIM_ROUNDS):
            if not s.execute(exists).scalar():
                return None
            row = s.execute(self._call_statement(win, prefer, wait=True), params).first()
            if row is not None:
                return m_(row)
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
                if mgr is None or not mgr.active or mgr.role not in (StaffRole.MANAGER, StaffRole.ADMIN):
                    raise errors.PermissionDenied("指定叫号需要大厅管理员权限")
                ws = self._lock_window(s, win)
                if ws["state"] == WindowServiceState.PAUSED:
                    raise errors.WindowPaused()
                if ws["active_ticket_id"] is not None:
                    raise errors.WindowBusy()
                t = self._find_ticket(s, number, (TicketStatus.WAITING,))
                self._open_for_call(s, ws, now, staff_id, take_over=False)
                m = self._update_ticket(
                    s,
                    t["id"],
                    now,
                    status=TicketStatus.CALLED,
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
                event_id = self._called_event(s, now, m, win, staff_id, specific=True, manager_id=manager_id)
            return call_result(self._info(m), win, event_id)

        return self._retrying(tx)
