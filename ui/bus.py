"""The app-wide signal bus: one small QObject that carries hall events to every open screen.

Only the GUI thread connects to it. Background workers (event pump, devices, sync) emit into it
through queued connections, so widgets never touch a worker's objects directly.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class HallBus(QObject):
    #: one hall event (the queue's event dataclass) — every queue transition, any PC
    hallEvent = Signal(object)
    #: a resident ID card was read (devices' card dataclass)
    cardRead = Signal(object)
    #: a temperature reading (devices' reading dataclass)
    temperatureRead = Signal(object)
    #: a code read by a serial-mode barcode/QR scanner (its text, terminator removed)
    codeScanned = Signal(str)
    #: device status: (device name, status text, ok)
    deviceStatus = Signal(str, str, bool)
    #: sync status for managers (db.sync status dataclass)
    syncStatus = Signal(object)
    #: a message for the status bar: (text, is_error)
    notice = Signal(str, bool)
