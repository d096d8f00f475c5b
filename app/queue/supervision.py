"""What the hall manager may do to the queue: pause or reopen a window, move a waiting ticket to
another category. Each is one transaction with the queue's own rows (window_status / ticket and
a hall_event, so every screen follows) and an audit row naming the manager."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.auth import audit
from app.queue import errors
from app.queue.ordering import T
from app.queue.service import QueueService
from app.queue.types import TicketInfo, WindowState
from app.vocab import EventKind, TicketStatus, WindowServiceState

STATE_NAMES = {
    WindowServiceState.OPEN: "服务中",
    WindowServiceState.PAUSED: "暂停服务",
    WindowServiceState.CLOSED: "未开放",
}


def _audit(
    s: Session, svc: QueueService, staff_id: uuid.UUID, action: str, entity: str, key: str, detail: str
) -> None:
    audit(s, svc.site_id, staff_id, action, detail, entity=entity, entity_id=key, now=svc.clock())


def pause_window(svc: QueueService, number: int, reason: str, staff_id: uuid.UUID) -> WindowState:
    """暂停 a window from the manager's desk (its current ticket must be finished or passed first)."""
    reason = reason.strip()
    if not reason:
        raise errors.QueueError("请填写暂停原因")
    win = svc._window(number)

    def tx() -> None:
        now = svc.clock()
        with svc._tx() as s:
            ws = svc._lock_window(s, win)
            if ws["active_ticket_id"] is not None:
                raise errors.WindowBusy("该窗口正在办理，请待其办结或过号后再暂停")
            if ws["state"] == WindowServiceState.PAUSED:
                raise errors.InvalidTransition("该窗口已暂停服务")
            svc._set_window(s, ws, now, state=WindowServiceState.PAUSED, reason=reason[:200])
            svc._event(s, EventKind.WINDOW_PAUSED, now, None, win, staff_id, reason=reason[:200], by="manager")
            _audit(
                s, svc, staff_id, "window_pause", "window", str(win.id), f"{number}号窗口暂停：{reason[:200]}"
            )

    svc._retrying(tx)
    return svc.window_state(number)


def reopen_window(svc: QueueService, number: int, staff_id: uuid.UUID) -> WindowState:
    """Reopen a paused window (a closed one opens when a clerk logs in there)."""
    win = svc._window(number)

    def tx() -> None:
        now = svc.clock()
        with svc._tx() as s:
            ws = svc._lock_window(s, win)
            if ws["state"] != WindowServiceState.PAUSED:
                state = STATE_NAMES.get(ws["state"], ws["state"])
                raise errors.InvalidTransition(f"窗口当前状态为“{state}”，只有暂停的窗口可以恢复")
            svc._set_window(s, ws, now, state=WindowServiceState.OPEN, reason="")
            svc._event(s, EventKind.WINDOW_RESUMED, now, None, win, staff_id, by="manager")
            _audit(s, svc, staff_id, "window_reopen", "window", str(win.id), f"{number}号窗口恢复服务")

    svc._retrying(tx)
    return svc.window_state(number)


def move_waiting(svc: QueueService, number: str, to_category: str, staff_id: uuid.UUID) -> TicketInfo:
    """Move a waiting ticket to another category's queue; it keeps its queue time (its place)."""
    target = svc.reference().category(to_category)

    def tx() -> TicketInfo:
        now = svc.clock()
        with svc._tx() as s:
            t = svc._find_ticket(s, number, (TicketStatus.WAITING,))
            if t["category_id"] == target.id:
                raise errors.QueueError(f"{t['number']} 号已在“{target.name}”队列中")
            m = svc._update_ticket(s, t["id"], now, category_id=target.id, target_window_id=None)
            svc._event(
                s,
                EventKind.TRANSFERRED,
                now,
                m,
                None,
                staff_id,
                from_category_id=str(t["category_id"]),
                to_category=target.code,
                by="manager",
            )
            _audit(
                s,
                svc,
                staff_id,
                "ticket_move",
                "ticket",
                str(t["id"]),
                f"{t['number']} 号转到“{target.name}”队列",
            )
        return svc._info(m)

    return svc._retrying(tx)


__all__ = ["T", "move_waiting", "pause_window", "reopen_window"]
