"""Follows the hall event stream on its own thread and re-emits every event on the bus."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import Signal

from app.context import AppContext
from app.errors import StorageError
from app.hall.feed import HallEventInfo, HallFeed
from ui.bus import HallBus
from ui.tasks import LoopThread

log = logging.getLogger("onewindow.ui")


class EventPump(LoopThread):
    """Start with `start()`; every event after the newest one at start (or `after_id`) reaches `bus`.
    `stop()` ends and joins the loop (it wakes within a quarter second)."""

    arrived = Signal(object)
    trouble = Signal(str, bool)
    following = Signal()  # the starting point is read: every later event will arrive

    def __init__(self, ctx: AppContext, bus: HallBus, after_id: int | None = None) -> None:
        super().__init__("hall-event-pump")
        self._ctx = ctx
        self._after_id = after_id
        self.arrived.connect(bus.hallEvent)  # queued: emitted on the loop's thread
        self.trouble.connect(bus.notice)

    def loop(self, stopping: threading.Event) -> None:
        feed = HallFeed(self._ctx)
        last = self._after_id
        if last is not None:
            self.following.emit()
        broken = False
        try:
            while not stopping.is_set():
                try:
                    if last is None:
                        last = feed.last_id()
                        self.following.emit()
                    events = feed.wait(last, 0.25)
                except StorageError as exc:
                    if not broken:
                        log.warning("hall event stream interrupted: %s", exc.__cause__ or exc)
                        self.trouble.emit("与大厅数据库的连接中断，正在重连…", True)
                    broken = True
                    stopping.wait(1.0)
                    continue
                if broken:
                    broken = False
                    self.trouble.emit("已重新连接大厅数据库", False)
                for ev in events:
                    last = ev.id
                    self.arrived.emit(ev)
        finally:
            feed.close()


__all__ = ["EventPump", "HallEventInfo"]
