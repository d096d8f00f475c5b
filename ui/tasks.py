"""The one way screens run work off the GUI thread.

`TaskRunner` owns one worker thread for one resource (a screen's hall database, the document
builder): jobs run one at a time, in the order submitted, and each job's result or error comes
back on the GUI thread. A job may name a `kind`: a newer job of the same kind supersedes an older
one still queued (it is skipped) or running (its result is dropped), so only the latest refresh
or search is shown. The `buttons` given with a job are disabled while it is in flight and then
put back as they were.

`LoopThread` is the base for long-running loops (the hall event pump, the sync loop): start, stop,
join, and every started loop is in `running_loops()`.

Every runner and loop is in one shutdown registry: `shutdown()` (connected to the application's
aboutToQuit, and run at interpreter exit) stops and joins them all, so no thread outlives the app.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

log = logging.getLogger("onewindow.ui")

T = TypeVar("T")


class _Runner(QObject):
    """Lives on the worker thread; runs what it is handed and reports back."""

    done = Signal(int, object)
    failed = Signal(int, object)
    skipped = Signal(int)

    def __init__(self, is_stale: Callable[[int], bool]) -> None:
        super().__init__()
        self._is_stale = is_stale

    @Slot(int, object)
    def run(self, job_id: int, fn: Callable[[], Any]) -> None:
        if self._is_stale(job_id):  # superseded while it waited: no point asking the database
            self.skipped.emit(job_id)
            return
        try:
            result = fn()
        except Exception as exc:  # handed to the GUI, which decides what the user sees
            log.debug("background job failed", exc_info=True)
            self.failed.emit(job_id, exc)
            return
        self.done.emit(job_id, result)


class _Job:
    __slots__ = ("buttons", "kind", "on_done", "on_error")

    def __init__(
        self,
        kind: str | None,
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None,
        buttons: tuple[QWidget, ...],
    ) -> None:
        self.kind = kind
        self.on_done = on_done
        self.on_error = on_error
        self.buttons = buttons


class TaskRunner(QObject):
    """One worker thread; `submit` from the GUI thread, callbacks arrive on the GUI thread.

    `idle` is emitted whenever the last job in flight has been delivered (tests wait for it).
    """

    idle = Signal()
    _submit = Signal(int, object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self._ids = itertools.count(1)
        self._jobs: dict[int, _Job] = {}
        self._latest: dict[str, int] = {}
        self._stale: set[int] = set()
        self._lock = threading.Lock()  # _stale is read on the worker thread
        self._held: dict[QWidget, tuple[int, bool]] = {}  # button -> (jobs holding it, enabled before)
        self._stopped = False
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._runner = _Runner(self._check_stale)
        self._runner.moveToThread(self._thread)
        self._submit.connect(self._runner.run)
        self._runner.done.connect(self._on_done)
        self._runner.failed.connect(self._on_failed)
        self._runner.skipped.connect(self._on_skipped)
        self._thread.finished.connect(self._runner.deleteLater)
        self._thread.start()
        _register(self)
        if parent is not None:
            # A screen destroyed without stop() must not leave its thread running.
            thread = self._thread

            def _join(*_: object) -> None:
                with contextlib.suppress(RuntimeError):  # the thread object may be gone already
                    if thread.isRunning():
                        thread.quit()
                        thread.wait(10000)

            parent.destroyed.connect(_join)

    # --- submitting ---------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Jobs submitted and not yet delivered."""
        return len(self._jobs)

    def busy(self, kind: str | None = None) -> bool:
        """Is any job (of `kind`) in flight?"""
        if kind is None:
            return bool(self._jobs)
        return any(j.kind == kind for j in self._jobs.values())

    def submit(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None] | None = None,
        *,
        kind: str | None = None,
        buttons: Iterable[QWidget] = (),
    ) -> int:
        """Run `fn()` on the worker thread; `on_done(result)` or `on_error(exc)` on this thread.
        Returns the job's id (0: the runner is stopped and the job dropped)."""
        if self._stopped:
            # A screen closing: a late timer or hall event may still ask; nobody would see the answer.
            log.warning("task runner %s stopped: job dropped", self.name)
            return 0
        job = next(self._ids)
        if kind is not None:
            older = self._latest.get(kind)
            if older is not None and older in self._jobs:
                with self._lock:
                    self._stale.add(older)
            self._latest[kind] = job
        held = tuple(buttons)
        for b in held:
            count, before = self._held.get(b, (0, b.isEnabled()))
            self._held[b] = (count + 1, before)
            b.setEnabled(False)
        self._jobs[job] = _Job(kind, on_done, on_error, held)
        self._submit.emit(job, fn)
        return job

    def call(self, fn: Callable[[], T], timeout_ms: int = 60000) -> T:
        """Run `fn()` on the worker thread (after the jobs before it) and return its result or
        raise its error, running a local event loop meanwhile: for a modal dialog's one request,
        so the GUI keeps painting and the resource's work stays on its one thread."""
        box: dict[str, Any] = {}
        loop = QEventLoop()

        def done(result: T) -> None:
            box["result"] = result
            loop.quit()

        def failed(exc: Exception) -> None:
            box["error"] = exc
            loop.quit()

        self.submit(fn, done, failed)
        if not box:
            QTimer.singleShot(timeout_ms, loop.quit)
            loop.exec()
        if "error" in box:
            raise box["error"]
        if "result" not in box:
            raise TimeoutError(f"{self.name}: no answer within {timeout_ms} ms")
        return box["result"]  # type: ignore[no-any-return]

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Run the event loop until every job is delivered (scripts and screenshots only: a
        screen never waits for its own jobs)."""
        deadline = time.monotonic() + timeout_ms / 1000
        app = QCoreApplication.instance()
        while self._jobs and time.monotonic() < deadline:
            if app is None:
                return False
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            self._thread.wait(1)  # give the worker the core instead of spinning
        return not self._jobs

    # --- delivery -----------------------------------------------------------------------------

    def _check_stale(self, job: int) -> bool:
        with self._lock:
            return job in self._stale

    def _finish(self, job_id: int) -> _Job | None:
        job = self._jobs.pop(job_id, None)
        with self._lock:
            stale = job_id in self._stale
            self._stale.discard(job_id)
        if job is None:
            return None
        for b in job.buttons:
            count, before = self._held.get(b, (1, True))
            if count <= 1:
                self._held.pop(b, None)
                with contextlib.suppress(RuntimeError):  # the widget may be deleted already
                    b.setEnabled(before)
            else:
                self._held[b] = (count - 1, before)
        if job.kind is not None and self._latest.get(job.kind) == job_id:
            del self._latest[job.kind]
        return None if stale or self._stopped else job

    def _after(self) -> None:
        if not self._jobs and not self._stopped:
            self.idle.emit()

    def _on_done(self, job_id: int, result: object) -> None:
        job = self._finish(job_id)
        try:
            if job is not None:
                job.on_done(result)
        finally:
            self._after()

    def _on_failed(self, job_id: int, exc: object) -> None:
        job = self._finish(job_id)
        try:
            if job is None:
                return
            error = exc if isinstance(exc, Exception) else RuntimeError(str(exc))
            if job.on_error is not None:
                job.on_error(error)
            else:
                log.warning("background job on %s failed: %s", self.name, error)
        finally:
            self._after()

    def _on_skipped(self, job_id: int) -> None:
        self._finish(job_id)
        self._after()

    def stop(self, timeout_ms: int = 10000) -> bool:
        """Finish the running job, drop the rest, join the thread; True if joined."""
        if self._stopped:
            return True
        self._stopped = True
        with self._lock:
            self._stale.update(self._jobs)
        for job_id in list(self._jobs):
            self._finish(job_id)
        self._thread.quit()
        joined = bool(self._thread.wait(timeout_ms))
        _runners.discard(self)
        return joined


# --- long-running loops --------------------------------------------------------------------------


class _CallThread(QThread):
    def __init__(self, target: Callable[[], None]) -> None:
        super().__init__()
        self._target = target

    def run(self) -> None:
        self._target()


_loops: set[LoopThread] = set()
_loops_lock = threading.Lock()


class LoopThread(QObject):
    """A loop on its own QThread: subclasses implement `loop(stopping)` and return when
    `stopping` is set. `start()`, `stop()` (asks and joins), `running()`; every started loop is
    registered until joined, so the app can stop them all at exit (`stop_all_loops`)."""

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stopping = threading.Event()
        self._thread = _CallThread(self._run)
        self._thread.setObjectName(name)

    def _run(self) -> None:
        try:
            self.loop(self.stopping)
        except Exception:  # a bug must not end the thread silently
            log.exception("loop %s crashed", self._thread.objectName())

    def loop(self, stopping: threading.Event) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self.stopping.clear()
        with _loops_lock:
            _loops.add(self)
        _hook_shutdown()
        self._thread.start()

    def running(self) -> bool:
        return bool(self._thread.isRunning())

    def request_stop(self) -> None:
        """Ask the loop to end; subclasses also wake whatever it waits on."""
        self.stopping.set()

    def stop(self, timeout_ms: int = 10000) -> bool:
        """Ask and join; True once the thread has ended."""
        self.request_stop()
        joined = bool(self._thread.wait(timeout_ms))
        if joined:
            with _loops_lock:
                _loops.discard(self)
        else:
            log.warning("loop %s did not stop within %s ms", self._thread.objectName(), timeout_ms)
        return joined


def running_loops() -> list[LoopThread]:
    with _loops_lock:
        return [loop for loop in _loops if loop.running()]


def stop_all_loops(timeout_ms: int = 10000) -> bool:
    """Stop every loop still registered (at application exit); True if all joined."""
    with _loops_lock:
        loops = list(_loops)
    for loop in loops:
        loop.request_stop()
    return all([loop.stop(timeout_ms) for loop in loops])


# --- the shutdown registry -------------------------------------------------------------------------

_runners: weakref.WeakSet[TaskRunner] = weakref.WeakSet()
_hooked: list[bool] = []


def _register(runner: TaskRunner) -> None:
    _runners.add(runner)
    _hook_shutdown()


def _hook_shutdown() -> None:
    """Once per process: stop everything when the application quits, and at interpreter exit
    (a QThread destroyed while running aborts the process)."""
    if _hooked:
        return
    _hooked.append(True)
    atexit.register(shutdown)
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(shutdown)


def shutdown(timeout_ms: int = 10000) -> bool:
    """Stop every task runner (the running job finishes, the queued ones are dropped) and every
    loop; True if every thread was joined."""
    ok = True
    for runner in list(_runners):
        with contextlib.suppress(RuntimeError):  # its Qt object is gone already
            ok = runner.stop(timeout_ms) and ok
    return stop_all_loops(timeout_ms) and ok
