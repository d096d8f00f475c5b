"""The settings the devices consume, as plain dataclasses; `app.settings` composes them into the
site's settings tree under [devices] and checks every value's range and choices at load."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IdCardSettings:
    port: str = ""  # COM3, /dev/ttyUSB0, socket://host:port; empty: emulator in the demo, else none
    baud: int = 115200
    poll_interval_s: float = 0.5
    photo_decoder: str = ""  # path of a licensed vendor WLT decoder library; empty: photos kept raw


@dataclass(frozen=True)
class ThermometerSettings:
    port: str = ""
    protocol: str = "modbus"
    baud: int = 9600
    address: int = 1  # Modbus slave addresses
    register: int = 0
    function: int = 3
    scale: float = 0.1
    signed: bool = True
    object_first: bool = True  # GY-MCU906xx: is the first value the object (body) temperature
    # ascii protocol: the pattern of a whole line (the default also takes a short label before it)
    regex: str = r"(?P<t>[-+]?\d{2}(?:\.\d{1,2})?)\s*(?:°\s*C|℃|C)?"


@dataclass(frozen=True)
class ScannerSettings:
    """A barcode/QR scanner in serial mode (the rating code on tickets and receipts). A scanner
    in keyboard-wedge mode needs no settings: it types into the kiosk like a keyboard."""

    port: str = ""  # COM5, /dev/ttyACM0; empty: no serial scanner (wedge mode or none)
    baud: int = 9600


@dataclass(frozen=True)
class DeviceSettings:
    idcard: IdCardSettings = field(default_factory=IdCardSettings)
    thermometer: ThermometerSettings = field(default_factory=ThermometerSettings)
    scanner: ScannerSettings = field(default_factory=ScannerSettings)
    emulate_missing: bool = False  # start emulators for devices with no port (the demo hall always does)
