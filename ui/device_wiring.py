"""Device workers wired onto a bus: one reader or thermometer worker per port, on its own thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from devices.qt_worker import IdCardWorker, ThermometerWorker, WorkerHandle, start_worker
from devices.thermo.codec import ThermoProtocol
from ui.bus import HallBus

if TYPE_CHECKING:
    from app.settings import IdCardSettings


def start_reader(bus: HallBus, port: str, reader: IdCardSettings, name: str = "读卡器") -> WorkerHandle:
    handle = start_worker(IdCardWorker(port, reader.baud, poll_interval=reader.poll_interval_s))
    handle.signals.cardRead.connect(bus.cardRead)
    handle.signals.statusChanged.connect(
        lambda state, text: bus.deviceStatus.emit(name, text, state == "connected")
    )
    return handle


def start_thermometer(
    bus: HallBus, port: str, protocol: ThermoProtocol, baud: int | None, name: str = "测温仪"
) -> WorkerHandle:
    handle = start_worker(ThermometerWorker(port, protocol, baud))
    handle.signals.reading.connect(bus.temperatureRead)
    handle.signals.statusChanged.connect(
        lambda state, text: bus.deviceStatus.emit(name, text, state == "connected")
    )
    return handle
