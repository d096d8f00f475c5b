"""The one refresh mechanism of the live hall screens (display board, manager dashboard, charts,
overview): a coalescing refresher fed by hall events.

A screen hands it the service call that reads its snapshot. Hall events of this site (of the
kinds the screen cares about), a resync timer and explicit `request()`s all ask for a refresh;
the call runs on the screen's `ui.tasks.TaskRunner`, at most one at a time. Requests that arrive
while a load is in flight collapse into one more load after it, so a burst of 200 events costs
two loads, never 200, and the last event is always reflected. A failed load is retried after
`retry_ms` (the resync timer heals a missed event or a database hiccup as well).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Collection
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.queue.events import HallEventInfo
from ui.bus import HallBus
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui")


class Refresher(QObject):
    """Loads `load()` on `runner` when asked; results arrive through `loaded`, errors `failed`.

    `site_id`: only events of this site count. `kinds`: only these event kinds (None: all).
    `delay_ms`: wait this long after the first request before loading (gathers a burst even when
    idle). `min_interval_ms`: at least this long between two loads (heavy snapshots, e.g. charts).
    """

    #: a snapshot (whatever `load` returned), on the GUI thread
    loaded = Signal(object)
    #: the load raised (the exception), on the GUI thread
    failed = Signal(object)
    #: a load was handed to the runner (the manager reads the sync status alongside)
    submitted = Signal()

    def __init__(
        self,
        name: str,
        load: Callable[[], Any],
        *,
        bus: HallBus | None = None,
        site_id: object = None,
        kinds: Collection[str] | None = None,
        runner: TaskRunner | None = None,
        resync_ms: int = 30000,
        delay_ms: int = 0,
        min_interval_ms: int = 0,
        retry_ms: int = 1000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name
        self._load = load
        self._bus = bus
        self._site_id = site_id
        self._kinds = frozenset(kinds) if kinds is not None else None
        self._own_runner = runner is None
        self.runner = runner if runner is not None else TaskRunner(name, self)
        self._loading = False
        self._dirty = False
        self._stopped = False
        #: loads handed to the runner so far (tests and the bench count coalescing with it)
        self.loads = 0
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.timeout.connect(self._start)
        self._delay_ms = delay_ms
        self._min_interval_ms = min_interval_ms
        self._retry_ms = retry_ms
        self._cooling = False
        self._cool = QTimer(self)
        self._cool.setSingleShot(True)
        self._cool.timeout.connect(self._cooled)
        self._resync = QTimer(self)
        self._resync.setInterval(resync_ms)
        self._resync.timeout.connect(self.request)
        if resync_ms > 0:
            self._resync.start()
        if bus is not None:
            bus.hallEvent.connect(self.on_event)

    # --- asking ------------------------------------------------------------------------------

    def on_event(self, event: object) -> None:
        """A hall event from the bus: refresh if it is this site's and of a kind that counts."""
        if not isinstance(event, HallEventInfo):
            return
        if self._site_id is not None and event.site_id != self._site_id:
            return
        if self._kinds is not None and event.kind not in self._kinds:
            return
        self.request()

    def request(self) -> None:
        """Ask for a fresh snapshot; cheap to call as often as you like."""
        if self._stopped:
            return
        if self._loading or self._cooling or self._pending.isActive():
            self._dirty = self._dirty or self._loading or self._cooling
            return
        if self._delay_ms > 0:
            self._pending.start(self._delay_ms)
        else:
            self._start()

    @property
    def loading(self) -> bool:
        return self._loading

    # --- running -----------------------------------------------------------------------------

    def _start(self) -> None:
        if self._stopped:
            return
        self._loading = True
        self._dirty = False
        self.loads += 1
        job = self.runner.submit(self._load, self._done, self._error)
        if job == 0:  # the runner is stopped (the screen is closing)
            self._loading = False
            return
        self.submitted.emit()

    def _done(self, result: object) -> None:
        self._loading = False
        self.loaded.emit(result)
        self._next()

    def _error(self, exc: Exception) -> None:
        self._loading = False
        log.warning("%s: refresh failed: %s", self.name, exc)
        self.failed.emit(exc)
        if not self._stopped:
            self._dirty = True
            self._cooling = True
            self._cool.start(self._retry_ms)

    def _next(self) -> None:
        if self._stopped:
            return
        if self._min_interval_ms > 0:
            self._cooling = True
            self._cool.start(self._min_interval_ms)
        elif self._dirty:
            self._start()

    def _cooled(self) -> None:
        self._cooling = False
        if self._dirty:
            self._start()

    # --- lifecycle ---------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop the timers, leave the bus and stop the runner if it is the refresher's own."""
        if self._stopped:
            return
        self._stopped = True
        for timer in (self._pending, self._cool, self._resync):
            timer.stop()
        if self._bus is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self._bus.hallEvent.disconnect(self.on_event)
        if self._own_runner:
            self.runner.stop()


__all__ = ["Refresher"]
