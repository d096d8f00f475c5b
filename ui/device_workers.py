"""Device loops: one ID-card reader or thermometer per port, each on its own thread.

Each is a `ui.tasks.LoopThread`, so the shutdown registry stops and joins it with every other
loop. The port is opened inside the loop's thread (by the device monitor's run loop); the loop
object lives in the thread that created it (the GUI thread), so its signals, emitted from the
loop's thread, reach slots and callables there queued. Unplugging and replugging are handled by
the monitor (status signals, retry every second).

    reader = IdCardLoop("/dev/ttyUSB0")
    reader.cardRead.connect(form.fill_from_card)   # runs in the GUI thread
    reader.start()
    ...
    reader.stop()                                  # asks and joins
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal

from devices.errors import DeviceError
from devices.idcard.card import IdCard
from devices.idcard.driver import DEFAULT_BAUD
from devices.idcard.monitor import IdCardMonitor
from devices.monitor import DeviceMonitor, DeviceStatus
from devices.scanner.driver import DEFAULT_BAUD as SCANNER_BAUD
from devices.scanner.driver import ScannerMonitor
from devices.thermo.codec import TempReading, ThermoProtocol
from devices.thermo.driver import ThermoMonitor
from ui.bus import HallBus
from ui.tasks import LoopThread, running_loops

if TYPE_CHECKING:
    from app.settings import IdCardSettings

log = logging.getLogger("onewindow.device")


class DeviceLoop(LoopThread):
    """Base: subclasses build their monitor (inside the thread) in `_make_monitor`."""

    cardRead = Signal(object)  # IdCard
    reading = Signal(object)  # TempReading
    codeRead = Signal(str)  # a scanned code's text
    statusChanged = Signal(str, str)  # LinkState value, Chinese message
    error = Signal(str)  # Chinese message
    finished = Signal()

    def __init__(self, port: str) -> None:
        super().__init__(f"device:{port}")
        self.port = port
        self.last_status: DeviceStatus | None = None

    def _make_monitor(self) -> DeviceMonitor:
        raise NotImplementedError

    def _on_status(self, status: DeviceStatus) -> None:
        self.last_status = status
        self.statusChanged.emit(status.state.value, status.message)

    def _on_error(self, exc: DeviceError) -> None:
        self.error.emit(exc.message)

    def loop(self, stopping: threading.Event) -> None:
        try:
            self._make_monitor().run(stopping)
        except Exception:  # never leave a device silent with nobody noticing
            log.exception("device loop for %s failed", self.port)
            self.error.emit(f"设备工作线程异常退出（{self.port}）")
        finally:
            self.finished.emit()


class IdCardLoop(DeviceLoop):
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


class ThermometerLoop(DeviceLoop):
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


class ScannerLoop(DeviceLoop):
    """A barcode/QR scanner in serial mode: each code it sends (ended by CR/LF) as `codeRead`."""

    def __init__(self, port: str, baud: int = SCANNER_BAUD, *, retry_interval: float = 1.0) -> None:
        super().__init__(port)
        self.baud = baud
        self.retry_interval = retry_interval

    def _emit_code(self, code: str) -> None:
        self.codeRead.emit(code)

    def _make_monitor(self) -> DeviceMonitor:
        return ScannerMonitor(
            self.port,
            self.baud,
            on_code=self._emit_code,
            on_status=self._on_status,
            on_error=self._on_error,
            retry_interval=self.retry_interval,
        )


def running_devices() -> list[DeviceLoop]:
    return [loop for loop in running_loops() if isinstance(loop, DeviceLoop)]


def stop_devices(timeout_ms: int = 10000) -> bool:
    """Stop and join every running device loop (before the emulators they talk to); True if all ended."""
    loops = running_devices()
    for loop in loops:
        loop.request_stop()  # all first, so they wind down in parallel
    return all([loop.stop(timeout_ms) for loop in loops])


# --- wired onto a bus ------------------------------------------------------------------------------


def _report_status(bus: HallBus, loop: DeviceLoop, name: str) -> None:
    loop.statusChanged.connect(lambda state, text: bus.deviceStatus.emit(name, text, state == "connected"))


def start_reader(bus: HallBus, port: str, reader: IdCardSettings, name: str = "读卡器") -> IdCardLoop:
    loop = IdCardLoop(port, reader.baud, poll_interval=reader.poll_interval_s)
    loop.cardRead.connect(bus.cardRead)
    _report_status(bus, loop, name)
    loop.start()
    return loop


def start_scanner(bus: HallBus, port: str, baud: int = SCANNER_BAUD, name: str = "扫码器") -> ScannerLoop:
    loop = ScannerLoop(port, baud)
    loop.codeRead.connect(bus.codeScanned)
    _report_status(bus, loop, name)
    loop.start()
    return loop


def start_thermometer(
    bus: HallBus, port: str, protocol: ThermoProtocol, baud: int | None, name: str = "测温仪"
) -> ThermometerLoop:
    loop = ThermometerLoop(port, protocol, baud)
    loop.reading.connect(bus.temperatureRead)
    _report_status(bus, loop, name)
    loop.start()
    return loop
