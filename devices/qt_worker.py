"""Qt adapter for devices — the only module in devices/ that imports PySide6.

One worker object per port, moved to its own QThread. The port is opened inside that thread
(by the monitor's run loop) and the worker talks to the GUI only through signals, which Qt
queues across threads. Unplugging and replugging are handled by the monitor (status signals,
retry every second); `WorkerHandle.stop()` ends the loop and joins the thread.

    handle = start_worker(IdCardWorker("/dev/ttyUSB0"))
    handle.signals.cardRead.connect(form.fill_from_card)   # runs in the GUI thread
    ...
    handle.stop()
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from devices.errors import DeviceError
from devices.idcard.card import IdCard
from devices.idcard.driver import DEFAULT_BAUD
from devices.idcard.monitor import IdCardMonitor
from devices.monitor import DeviceMonitor, DeviceStatus
from devices.thermo.codec import TempReading, ThermoProtocol
from devices.thermo.driver import ThermoMonitor

log = logging.getLogger("onewindow.device")


class DeviceWorker(QObject):
    """Base worker: subclasses build their monitor (inside the thread) in `_make_monitor`."""

    cardRead = Signal(object)  # IdCard
    reading = Signal(object)  # TempReading
    statusChanged = Signal(str, str)  # LinkState value, Chinese message
    error = Signal(str)  # Chinese message
    finished = Signal()

    def __init__(self, port: str) -> None:
        super().__init__()
        self.port = port
        self._stop = threading.Event()
        self.last_status: DeviceStatus | None = None

    def _make_monitor(self) -> DeviceMonitor:
        raise NotImplementedError

    def _on_status(self, status: DeviceStatus) -> None:
        self.last_status = status
        self.statusChanged.emit(status.state.value, status.message)

    def _on_error(self, exc: DeviceError) -> None:
        self.error.emit(exc.message)

    @Slot()
    def run(self) -> None:
        try:
            self._make_monitor().run(self._stop)
        except Exception:  # never leave a thread running with nobody noticing
            log.exception("device worker for %s failed", self.port)
            self.error.emit(f"设备工作线程异常退出（{self.port}）")
        finally:
            self.finished.emit()

    def request_stop(self) -> None:
        """Thread-safe: the loop ends at its next wait (within one poll/read timeout)."""
        self._stop.set()


class IdCardWorker(DeviceWorker):
    def __init__(
        self,
        port: str,
        baud: int = DEFAULT_BAUD,
        *,
        poll_interval: float = 0.5,
        retry_interval: float = 1.0,
        read_timeout: float = 2.0,
        command_timeout: float = 0.8,
    ) -> None:
        super().__init__(port)
        self.baud = baud
        self.poll_interval = poll_interval
        self.retry_interval = retry_interval
        self.read_timeout = read_timeout
        self.command_timeout = command_timeout

    def _emit_card(self, card: IdCard) -> None:
        self.cardRead.emit(card)

    def _make_monitor(self) -> DeviceMonitor:
        return IdCardMonitor(
            self.port,
            self.baud,
            on_card=self._emit_card,
            on_status=self._on_status,
            on_error=self._on_error,
            poll_interval=self.poll_interval,
            retry_interval=self.retry_interval,
            read_timeout=self.read_timeout,
            command_timeout=self.command_timeout,
        )


class ThermometerWorker(DeviceWorker):
    def __init__(
        self,
        port: str,
        protocol: ThermoProtocol,
        baud: int | None = None,
        *,
        poll_interval: float = 0.5,
        retry_interval: float = 1.0,
        timeout: float | None = None,  # None: 1 s for queried devices, 3 s between streamed frames
    ) -> None:
        super().__init__(port)
        self.protocol = protocol
        self.baud = baud
        self.poll_interval = poll_interval
        self.retry_interval = retry_interval
        self.timeout = timeout

    def _emit_reading(self, reading: TempReading) -> None:
        self.reading.emit(reading)

    def _make_monitor(self) -> DeviceMonitor:
        return ThermoMonitor(
            self.port,
            self.protocol,
            self.baud,
            on_reading=self._emit_reading,
            on_status=self._on_status,
            on_error=self._on_error,
            poll_interval=self.poll_interval,
            retry_interval=self.retry_interval,
            timeout=self.timeout,
        )


class DeviceSignals(QObject):
    """The worker's signals re-emitted by an object living in the thread that created the
    handle (the GUI thread). Connect here: a plain Python callable connected to a worker
    signal would run in the worker thread; connected here it runs in the GUI thread."""

    cardRead = Signal(object)
    reading = Signal(object)
    statusChanged = Signal(str, str)
    error = Signal(str)
    finished = Signal()


class WorkerHandle:
    """Owns the QThread of one worker; `stop()` ends the loop and joins the thread."""

    def __init__(self, worker: DeviceWorker) -> None:
        self.worker = worker
        self.signals = DeviceSignals()
        for name in ("cardRead", "reading", "statusChanged", "error", "finished"):
            getattr(worker, name).connect(getattr(self.signals, name))  # queued: receiver in this thread
        self.thread = QThread()
        self.thread.setObjectName(f"device:{worker.port}")
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.run)
        # QThread.quit is thread-safe: call it directly from the worker thread when run ends.
        worker.finished.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)

    def start(self) -> WorkerHandle:
        # Keep running handles referenced: a QThread garbage-collected while running aborts
        # the whole process ("QThread: Destroyed while thread is still running").
        _RUNNING.add(self)
        self.thread.start()
        return self

    @property
    def running(self) -> bool:
        return self.thread.isRunning()

    def stop(self, timeout_ms: int = 10000) -> bool:
        """Stop and join; True when the thread has ended."""
        self.worker.request_stop()
        self.thread.quit()
        ended = bool(self.thread.wait(timeout_ms))
        if ended:
            _RUNNING.discard(self)
        else:
            log.error("device thread %s did not stop within %d ms", self.worker.port, timeout_ms)
        return ended


_RUNNING: set[WorkerHandle] = set()


def running_workers() -> list[WorkerHandle]:
    return list(_RUNNING)


def stop_all_workers(timeout_ms: int = 10000) -> bool:
    """Stop and join every started worker (call on application exit); True if all ended."""
    handles = list(_RUNNING)
    for handle in handles:
        handle.worker.request_stop()  # signal all first so they wind down in parallel
    return all([handle.stop(timeout_ms) for handle in handles])


def start_worker(worker: DeviceWorker) -> WorkerHandle:
    return WorkerHandle(worker).start()
