"""One background thread per screen for database work; results come back on the GUI thread.

`submit(fn, on_done, on_error)` runs `fn()` on the worker thread (jobs run one at a time, in
order) and calls `on_done(result)` or `on_error(exc)` on the thread that owns the Worker.
Shared by the display, the kiosk and the manager dashboard.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger("onewindow.ui")


class _Runner(QObject):
    done = Signal(int, object)
    failed = Signal(int, object)

    @Slot(int, object)
    def run(self, job_id: int, fn: Callable[[], Any]) -> None:
        try:
            result = fn()
        except Exception as exc:  # reported to the GUI, which decides what the user sees
            log.debug("background job failed", exc_info=True)
            self.failed.emit(job_id, exc)
            return
        self.done.emit(job_id, result)


class Worker(QObject):
    _submit = Signal(int, object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[Exception], None] | None]] = {}
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._runner = _Runner()
        self._runner.moveToThread(self._thread)
        self._submit.connect(self._runner.run)
        self._runner.done.connect(self._on_done)
        self._runner.failed.connect(self._on_failed)
        self._thread.finished.connect(self._runner.deleteLater)
        self._thread.start()
        self._stopped = False
        if parent is not None:
            # A screen destroyed without shutdown() must not leave its thread running.
            thread = self._thread

            def _join(*_: object) -> None:
                # After stop() (or at interpreter exit) the thread object may be gone already.
                with contextlib.suppress(RuntimeError):
                    if thread.isRunning():
                        thread.quit()
                        thread.wait(5000)

            parent.destroyed.connect(_join)

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    def submit(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> int:
        if self._stopped:
            raise RuntimeError("worker stopped")
        job = next(self._ids)
        self._callbacks[job] = (on_done, on_error)
        self._submit.emit(job, fn)
        return job

    def _on_done(self, job: int, result: object) -> None:
        cbs = self._callbacks.pop(job, None)
        if cbs is not None and not self._stopped:
            cbs[0](result)

    def _on_failed(self, job: int, exc: object) -> None:
        cbs = self._callbacks.pop(job, None)
        if cbs is None or self._stopped:
            return
        if cbs[1] is not None:
            cbs[1](exc if isinstance(exc, Exception) else RuntimeError(str(exc)))
        else:
            log.warning("background job failed: %s", exc)

    def stop(self) -> None:
        """Finish the running job, drop the rest, join the thread."""
        if self._stopped:
            return
        self._stopped = True
        self._callbacks.clear()
        self._thread.quit()
        self._thread.wait(10000)
