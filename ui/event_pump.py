"""Follows the hall event stream on its own thread and re-emits every event on the bus."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot
from sqlalchemy.exc import SQLAlchemyError

from app.context import AppContext
from app.queue.events import EventStream, HallEventInfo
from ui.bus import HallBus

log = logging.getLogger("onewindow.ui")


class _Follower(QObject):
    arrived = Signal(object)
    trouble = Signal(str, bool)

    def __init__(self, ctx: AppContext, after_id: int | None, stop: threading.Event) -> None:
        super().__init__()
        self._ctx = ctx
        self._after_id = after_id
        self._stop = stop

    @Slot()
    def run(self) -> None:
        stream = EventStream(self._ctx.engine, self._ctx.site_id)
        last = self._after_id
        broken = False
        try:
            while not self._stop.is_set():
                try:
                    if last is None:
                        last = stream.last_id()
                    events = stream.wait(last, 0.25)
                except SQLAlchemyError as exc:
                    if not broken:
                        log.warning("hall event stream interrupted: %s", exc)
                        self.trouble.emit("与大厅数据库的连接中断，正在重连…", True)
                    broken = True
                    self._stop.wait(1.0)
                    continue
                if broken:
                    broken = False
                    self.trouble.emit("已重新连接大厅数据库", False)
                for ev in events:
                    last = ev.id
                    self.arrived.emit(ev)
        finally:
            stream.close()


class EventPump(QObject):
    """Start with `start()`; every event after the newest one at start (or `after_id`) reaches `bus`."""

    def __init__(self, ctx: AppContext, bus: HallBus, after_id: int | None = None) -> None:
        super().__init__()
        self._stop = threading.Event()
        self._thread = QThread()
        self._thread.setObjectName("hall-event-pump")
        self._worker = _Follower(ctx, after_id, self._stop)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.arrived.connect(bus.hallEvent)
        self._worker.trouble.connect(bus.notice)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.quit()
        self._thread.wait(5000)


__all__ = ["EventPump", "HallEventInfo"]
