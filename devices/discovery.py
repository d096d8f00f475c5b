"""Device discovery for the first-run wizard: which serial port holds which device.

Every port is probed on its own thread (so ten ports take as long as the slowest one), each with
the devices' real protocols, in an order that is harmless to the others:

1. ticket printer (ESC/POS real-time status `10 04 n`): a printer answers each query with exactly
   one byte whose fixed bits are set (bits 1 and 4 on, bits 0 and 7 off). The port must be quiet
   before we ask, and each answer must be one byte: a port that streams anything (noise, a
   thermometer's stream) is not a printer. DLE EOT is a real-time command a printer never prints,
   and it is no valid frame for the other devices, which ignore it.
2. ID-card reader (SAM `11 FF` module status, at 115200 then 9600 baud): needs a complete frame
   with its preamble and XOR checksum.
3. thermometer (Modbus FC03/FC04 with CRC, GY-MCU906xx query, then listening for the HTPA, GY and
   ASCII streams): a reading must decode with its checksum, or be a whole printable line.

Random bytes pass none of these checks, and every read has a deadline, so a port with noise
reports nothing and returns in bounded time. Pure Python: no Qt (the wizard runs it on a task
thread), nothing from `app`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from devices.errors import DeviceError
from devices.ports import PortInfo, list_ports, probe_idcard, probe_thermometer
from devices.serial_port import PORT_ERRORS, close_serial, open_serial

log = logging.getLogger("onewindow.device")

PRINTER_BAUDS = (9600, 19200, 38400, 115200)
KIND_NAMES = {"idcard": "身份证阅读器", "thermometer": "测温仪", "printer": "热敏票据打印机"}
_DLE_EOT = b"\x10\x04"
_PAPER_STATUS = 4


@dataclass(frozen=True, slots=True)
class Found:
    """A device that answered on a port."""

    port: str
    kind: str  # "idcard", "thermometer", "printer"
    protocol: str  # "sam", "modbus", "gy906", "htpa", "ascii", "escpos"
    baud: int
    detail: str = ""
    modbus_function: int = 0  # thermometers on Modbus: 3 (holding) or 4 (input register)

    def describe(self) -> str:
        return f"{KIND_NAMES[self.kind]}（{self.protocol}，{self.baud} 波特）{self.detail}"


@dataclass(frozen=True, slots=True)
class PortReport:
    """What one port gave: a device, nothing, or why it could not be opened."""

    port: str
    description: str = ""
    found: Found | None = None
    problem: str = ""  # the port could not be opened (busy, no permission, vanished)
    seconds: float = 0.0

    def describe(self) -> str:
        if self.found is not None:
            return self.found.describe()
        if self.problem:
            return f"无法打开：{self.problem}"
        return "没有已知设备应答"


def _status_byte_ok(b: int) -> bool:
    return b & 0x93 == 0x12


def _paper_text(b: int) -> str:
    if b & 0x60:
        return "缺纸"
    if b & 0x0C:
        return "纸将用完"
    return "纸张正常"


def probe_printer(port: str, bauds: Iterable[int] = PRINTER_BAUDS, timeout: float = 0.3) -> Found | None:
    """An ESC/POS printer answers DLE EOT 1, 2 and 4 with one status byte each, and is silent
    otherwise. DeviceError when the port cannot be opened."""
    for baud in bauds:
        try:
            ser = open_serial(port, baud)
        except DeviceError:
            raise
        try:
            ser.reset_input_buffer()
            # Quiet first: a device that talks on its own is not a printer waiting for commands.
            if _read_for(ser, 0.15):
                return None
            answers: list[int] = []
            for n in (1, 2, _PAPER_STATUS):
                ser.write(_DLE_EOT + bytes([n]))
                got = _read_for(ser, timeout, want=1)
                extra = _read_for(ser, 0.05)  # a printer sends one byte, then nothing
                if len(got) != 1 or extra or not _status_byte_ok(got[0]):
                    break
                answers.append(got[0])
            if len(answers) == 3:
                return Found(port, "printer", "escpos", baud, f"：{_paper_text(answers[-1])}")
        except PORT_ERRORS as exc:
            raise DeviceError("端口通信失败", str(exc)) from exc
        finally:
            close_serial(ser)
    return None


def _read_for(ser: object, seconds: float, want: int | None = None) -> bytes:
    """Whatever arrives within `seconds` (or as soon as `want` bytes did)."""
    got = bytearray()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        waiting = getattr(ser, "in_waiting", 0)
        chunk: bytes = ser.read(max(1, waiting))  # type: ignore[attr-defined]
        got += chunk
        if want is not None and len(got) >= want:
            break
    return bytes(got)


def _modbus_function(port: str, baud: int, timeout: float) -> int:
    """Which register a Modbus thermometer answered on: the probe tries FC03 before FC04."""
    from devices.thermo.codec import ModbusProtocol

    proto = ModbusProtocol(function=3)
    ser = open_serial(port, baud)
    try:
        ser.reset_input_buffer()
        ser.write(proto.query() or b"")
        got = _read_for(ser, timeout)
    except PORT_ERRORS as exc:
        raise DeviceError("端口通信失败", str(exc)) from exc
    finally:
        close_serial(ser)
    readings = [r for r in proto.feed(got) if not isinstance(r, DeviceError)]
    return 3 if readings else 4


def probe(port: str, *, timeout: float = 0.3, listen: float = 1.2, description: str = "") -> PortReport:
    """Probe one port for each known device, harmless ones first; never raises for a bad port."""
    start = time.monotonic()
    try:
        found: Found | None = probe_printer(port, timeout=timeout)
        if found is None:
            card = probe_idcard(port, timeout=timeout)
            if card is not None:
                found = Found(
                    port, "idcard", card.protocol, card.baud, f"：{card.detail}" if card.detail else ""
                )
        if found is None:
            thermo = probe_thermometer(port, timeout=timeout, listen=listen)
            if thermo is not None:
                function = _modbus_function(port, thermo.baud, timeout) if thermo.protocol == "modbus" else 0
                found = Found(
                    port, "thermometer", thermo.protocol, thermo.baud, f"：读数 {thermo.detail}", function
                )
        report = PortReport(port, description, found, seconds=time.monotonic() - start)
    except DeviceError as exc:
        detail = f"{exc}（{exc.__cause__}）" if exc.__cause__ else str(exc)
        report = PortReport(port, description, problem=detail, seconds=time.monotonic() - start)
    log.info("discovery: %s → %s", port, report.describe())
    return report


def discover(
    ports: Sequence[str | PortInfo] | None = None,
    *,
    timeout: float = 0.3,
    listen: float = 1.2,
    progress: Callable[[PortReport], None] | None = None,
) -> list[PortReport]:
    """Probe every port (default: every serial port the system lists) in parallel; the reports
    come back in the ports' order. `progress` is called from the probing threads as each ends."""
    infos = [
        p if isinstance(p, PortInfo) else PortInfo(p) for p in (list_ports() if ports is None else ports)
    ]
    if not infos:
        return []

    def one(info: PortInfo) -> PortReport:
        report = probe(info.device, timeout=timeout, listen=listen, description=info.description)
        if progress is not None:
            progress(report)
        return report

    with ThreadPoolExecutor(max_workers=min(16, len(infos)), thread_name_prefix="discover") as pool:
        return list(pool.map(one, infos))


def assignments(reports: Iterable[PortReport]) -> dict[str, Found]:
    """kind → the first port where that kind answered (what the wizard proposes)."""
    out: dict[str, Found] = {}
    for report in reports:
        if report.found is not None and report.found.kind not in out:
            out[report.found.kind] = report.found
    return out
