"""Emulated kiosk devices for the hall tests: the ID-card reader and the ticket printer on ptys."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from devices.idcard.emulator import IdCardEmulator
from devices.idcard.monitor import IdCardMonitor
from printing.emulator import EscPosEmulator
from printing.printer import EscPosPrinter
from ui.bus import HallBus


@dataclass
class KioskDevices:
    card: IdCardEmulator
    printer_emu: EscPosEmulator
    printer: EscPosPrinter


@contextmanager
def kiosk_devices(bus: HallBus) -> Iterator[KioskDevices]:
    """Card reader emulator + a monitor thread emitting bus.cardRead; printer emulator + driver."""
    card = IdCardEmulator().start()
    emu = EscPosEmulator(transport="pty").start()
    printer = EscPosPrinter(emu.port, timeout=0.5)
    stop = threading.Event()
    monitor = IdCardMonitor(card.port, on_card=bus.cardRead.emit, poll_interval=0.05, retry_interval=0.2)
    thread = threading.Thread(target=monitor.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield KioskDevices(card, emu, printer)
    finally:
        stop.set()
        thread.join(5)
        printer.close()
        emu.stop()
        card.stop()
