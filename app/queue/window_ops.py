"""Window operations: what a clerk does with the window's current ticket and with the window itself.

Recall, no-show, start, finish, hold, resume, transfer; requeue and cancel by number; open, pause,
resume and close the window; and the end of the business day.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.queue import errors, pgfunc
from app.queue.core import ACTIVE, OPEN_STATUSES, STATE_NAMES, call_result, m_
from app.queue.ordering import WAITING, WS, T
from app.queue.reads import Reads
from app.queue.types import CallResult, CloseDayResult, TicketInfo, WindowState
from app.queue.visitplan import join_cases
from db.vocab import EventKind, PriorityClass, TicketStatus, WindowServiceState


class WindowOps(Reads):
    def _on_current(
        self,
        window: int,
        kind: EventKind,
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

        info = self._on_current(window, EventKind.RECALLED, change, staff_id, statuses=(TicketStatus.CALLED,))
        return call_result(info, self._window(window), 0)

    def no_show(self, window: int, staff_id: uuid.UUID | None = None) -> TicketInfo:
        """过号: the called applicant did not come."""
        return self._on_current(
            window,
            EventKind.NO_SHOW,
            lambda s, ws, t, now: {"status": TicketStatus.NO_SHOW, "finished_at": now},
            staff_id,
            statuses=(TicketStatus.CALLED,),
        )

    def start(self, window: int, staff_id: uuid.UUID | None = None) -> TicketInfo:
        """The applicant sat down: service starts."""
        return self._on_current(
            window,
            EventKind.STARTED,
            lambda s, ws, t, now: {"status": TicketStatus.SERVING, "started_at": now},
            staff_id,
            statuses=(TicketStatus.CALLED,),
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
            # a visit's earlier stops (多窗联办) recorded their cases already: keep them
            joined = join_cases(t["case_numbers"] or "", cases.split(","))
            if len(joined) > 400:
                raise errors.QueueError("办件编号太多，无法记录在一个号上")
            values: dict[str, Any] = {
                "status": TicketStatus.DONE,
                "finished_at": now,
                "outcome": outcome[:32],
                "case_numbers": joined,
            }
            if t["started_at"] is None:
                values["started_at"] = t["called_at"]  # finished straight from the call
            return values

        return self._on_current(
            window, EventKind.FINISHED, change, staff_id, outcome=outcome[:32], case_numbers=cases
        )

    def hold(self, window: int, staff_id: uuid.UUID | None = None, reason: str = "") -> TicketInfo:
        """挂起: park the current ticket (e.g. the applicant fetches a document); the window is free."""
        return self._on_current(
            window, EventKind.HELD, lambda s, ws, t, now: {"status": TicketStatus.HELD}, staff_id, reason=reason
        )

    def resume(self, window: int, number: str, staff_id: uuid.UUID | None = None) -> TicketInfo:
        """Take a held ticket back into service at this window."""
        win = self._window(window)

        def tx() -> TicketInfo:
            now = self.clock()
            with self._tx() as s:
                ws = self._lock_window(s, win)
                if ws["state"] == WindowServiceState.PAUSED:
                    raise errors.WindowPaused()
                if ws["active_ticket_id"] is not None:
                    raise errors.WindowBusy()
                t = self._find_ticket(s, number, (TicketStatus.HELD,))
                self._open_for_call(s, ws, now, staff_id, take_over=False)
                m = self._update_ticket(
                    s,
                    t["id"],
                    now,
                    status=TicketStatus.SERVING,
                    window_id=win.id,
                    staff_id=staff_id or t["staff_id"],
                    started_at=t["started_at"] or now,
                )
                self._event(s, EventKind.RESUMED, now, m, win, staff_id)
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
                "status": TicketStatus.WAITING,
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

        return self._on_current(window, EventKind.TRANSFERRED, change, staff_id)

    def requeue(self, number: str, staff_id: uuid.UUID | None = None) -> TicketInfo:
        """A late applicant whose ticket went no-show queues again, behind `requeue_after` tickets."""

        def tx() -> TicketInfo:
            now = self.clock()
            with self._tx() as s:
                t = self._find_ticket(s, number, (TicketStatus.NO_SHOW,))
                ahead = s.execute(
                    sa.select(T.c.queue_at)
                    .where(
                        T.c.site_id == self.site_id,
                        T.c.category_id == t["category_id"],
                        WAITING,
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
                            T.c.site_id == self.site_id, T.c.category_id == t["category_id"], WAITING
                        )
                    ).scalar()
                    queue_at = max(now, last + tick) if last is not None else now
                m = self._update_ticket(
                    s,
                    t["id"],
                    now,
                    status=TicketStatus.WAITING,
                    window_id=None,
                    staff_id=None,
                    called_at=None,
                    started_at=None,
                    finished_at=None,
                    recall_count=0,
                    queue_at=queue_at,
                    priority_class=PriorityClass.NORMAL
                    if t["priority_class"] == PriorityClass.APPOINTMENT
                    else t["priority_class"],
                )
                self._event(s, EventKind.REQUEUED, now, m, None, staff_id)
            return self._info(m)

        return self._retrying(tx)

    def cancel(self, number: str, staff_id: uuid.UUID | None = None, reason: str = "") -> TicketInfo:
        """Cancel a waiting or held ticket (the applicant left)."""

        def tx() -> TicketInfo:
            now = self.clock()
            with self._tx() as s:
                t = self._find_ticket(s, number, (TicketStatus.WAITING, TicketStatus.HELD))
                m = self._update_ticket(s, t["id"], now, status=TicketStatus.CANCELLED, finished_at=now)
                self._event(s, EventKind.CANCELLED, now, m, None, staff_id, reason=reason)
            return self._info(m)

        return self._retrying(tx)

    def _window_state_change(
        self,
        window: int,
        kind: EventKind,
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
                        f"窗口当前状态为“{STATE_NAMES.get(ws['state'], ws['state'])}”"
                    )
                self._set_window(s, ws, now, state=state, reason=reason, staff_id=staff_id or ws["staff_id"])
                self._event(s, kind, now, None, win, staff_id, reason=reason)

        self._retrying(tx)
        return self.window_state(window)

    def open_window(self, window: int, staff_id: uuid.UUID | None = None) -> WindowState:
        return self._window_state_change(window, EventKind.WINDOW_OPENED, WindowServiceState.OPEN, staff_id, "", False)

    def pause_window(self, window: int, reason: str, staff_id: uuid.UUID | None = None) -> WindowState:
        """暂停服务 with a reason; the current ticket must be finished, passed or held first."""
        if not reason.strip():
            raise errors.QueueError("请填写暂停原因")
        return self._window_state_change(
            window, EventKind.WINDOW_PAUSED, WindowServiceState.PAUSED, staff_id, reason.strip()[:200], True, (WindowServiceState.OPEN, WindowServiceState.CLOSED)
        )

    def resume_window(self, window: int, staff_id: uuid.UUID | None = None) -> WindowState:
        return self._window_state_change(window, EventKind.WINDOW_RESUMED, WindowServiceState.OPEN, staff_id, "", False, (WindowServiceState.PAUSED,))

    def close_window(self, window: int, staff_id: uuid.UUID | None = None) -> WindowState:
        return self._window_state_change(window, EventKind.WINDOW_CLOSED, WindowServiceState.CLOSED, staff_id, "", True)

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
                changed: list[tuple[EventKind, Mapping[str, Any]]] = []
                for r in rows:
                    t = m_(r)
                    if t["status"] == TicketStatus.CALLED:
                        changed.append(
                            (
                                EventKind.NO_SHOW,
                                self._update_ticket(s, t["id"], now, status=TicketStatus.NO_SHOW, finished_at=now),
                            )
                        )
                        counts["no_show"] += 1
                    elif t["status"] == TicketStatus.SERVING:
                        changed.append(
                            (
                                EventKind.FINISHED,
                                self._update_ticket(
                                    s,
                                    t["id"],
                                    now,
                                    status=TicketStatus.DONE,
                                    finished_at=now,
                                    outcome="day_closed",
                                ),
                            )
                        )
                        counts["finished"] += 1
                    elif mode == "cancel":
                        changed.append(
                            (
                                EventKind.CANCELLED,
                                self._update_ticket(s, t["id"], now, status=TicketStatus.CANCELLED, finished_at=now),
                            )
                        )
                        counts["cancelled"] += 1
                    else:
                        counts["carried_over"] += 1
                for w in statuses:
                    if m_(w)["state"] != WindowServiceState.CLOSED or m_(w)["priority_streak"]:
                        self._set_window(
                            s, m_(w), now, state=WindowServiceState.CLOSED, reason="", priority_streak=0
                        )
                # The event lock is taken once, by the first event; the rest follow under it.
                for kind, m in changed:
                    win = ref.windows.get(m["window_id"]) if m["window_id"] else None
                    self._event(s, kind, now, m, win, None, reason="day_closed")
                self._event(s, EventKind.DAY_CLOSED, now, None, None, None, mode=mode, business_date=bdate, **counts)
            return CloseDayResult(
                bdate,
                mode,
                counts["cancelled"],
                counts["carried_over"],
                counts["no_show"],
                counts["finished"],
            )

        return self._retrying(tx)
