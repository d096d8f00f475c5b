"""Port discovery for field engineers: list serial ports and find out what answers on each."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from devices.errors import DeviceError
from devices.idcard import codec as idcodec
from devices.serial_port import PORT_ERRORS, close_serial, open_serial
from devices.thermo.codec import AsciiProtocol, Gy906Protocol, HtpaProtocol, ModbusProtocol, ThermoProtocol

log = logging.getLogger("onewindow.device")


@dataclass(frozen=True, slots=True)
class PortInfo:
    device: str
    description: str = ""
    hwid: str = ""


@dataclass(frozen=True, slots=True)
class ProbeResult:
    port: str
    kind: str  # "idcard", "thermometer", "none", "unavailable"
    protocol: str = ""  # "sam", "modbus", "gy906", "htpa", "ascii"
    baud: int = 0
    detail: str = ""

    def describe(self) -> str:
        if self.kind == "idcard":
            return f"ID-card reader (SAM) at {self.baud} baud{': ' + self.detail if self.detail else ''}"
        if self.kind == "thermometer":
            return f"thermometer ({self.protocol}) at {self.baud} baud: {self.detail}"
        if self.kind == "unavailable":
            return f"cannot open: {self.detail}"
        return "no known device answered"


def list_ports() -> list[PortInfo]:
    from serial.tools import list_ports as lp

    return [PortInfo(p.device, p.description or "", p.hwid or "") for p in sorted(lp.comports())]


def _exchange(port: str, baud: int, request: bytes, timeout: float) -> bytes:
    """Send `request` (may be empty: just listen) and collect what comes back within `timeout`."""
    ser = open_serial(port, baud)
    try:
        ser.reset_input_buffer()
        if request:
            ser.write(request)
        got = bytearray()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got += ser.read(max(1, ser.in_waiting))
        return bytes(got)
    except PORT_ERRORS as exc:
        raise DeviceError("端口通信失败", str(exc)) from exc
    finally:
        close_serial(ser)


def _module_id(port: str, baud: int, timeout: float) -> str:
    from devices.idcard.card import format_module_id

    reply = _exchange(port, baud, idcodec.build_command(*idcodec.CMD_MODULE_ID), timeout)
    for frame in idcodec.FrameSplitter().frames(reply):
        try:
            resp = idcodec.decode_response(frame)
            resp.raise_for_status()
            return format_module_id(resp.data)
        except DeviceError:
            continue
    return "id unknown"


def probe_idcard(
    port: str, bauds: Iterable[int] = (115200, 9600), timeout: float = 0.3
) -> ProbeResult | None:
    for baud in bauds:
        reply = _exchange(port, baud, idcodec.build_command(*idcodec.CMD_STATUS), timeout)
        sp = idcodec.FrameSplitter()
        for frame in sp.frames(reply):
            try:
                resp = idcodec.decode_response(frame)
            except DeviceError:
                continue
            detail = (
                f"SAM {_module_id(port, baud, timeout)}"
                if resp.sw3 == idcodec.SW3_OK
                else f"status SW3={resp.sw3:02X}"
            )
            return ProbeResult(port, "idcard", "sam", baud, detail)
    return None


def probe_thermometer(
    port: str, bauds: Iterable[int] = (9600, 115200), timeout: float = 0.3, listen: float = 1.2
) -> ProbeResult | None:
    candidates: list[ThermoProtocol] = [ModbusProtocol(), ModbusProtocol(function=4), Gy906Protocol()]
    for baud in bauds:
        for proto in candidates:
            proto.reset()
            reply = _exchange(port, baud, proto.query() or b"", timeout)
            readings = [r for r in proto.feed(reply) if not isinstance(r, DeviceError)]
            if readings:
                return ProbeResult(port, "thermometer", proto.name, baud, f"{readings[0].value} °C")
        # streaming devices: listen, then try to decode what they send on their own
        heard = _exchange(port, baud, b"", listen)
        for stream in (HtpaProtocol(), Gy906Protocol()):
            readings = [r for r in stream.feed(heard) if not isinstance(r, DeviceError)]
            if readings:
                return ProbeResult(port, "thermometer", stream.name, baud, f"{readings[0].value} °C")
        if heard:
            ascii_readings = [r for r in AsciiProtocol().feed(heard) if not isinstance(r, DeviceError)]
            if ascii_readings:
                return ProbeResult(port, "thermometer", "ascii", baud, f"{ascii_readings[0].value} °C")
    return None


def probe_port(port: str, *, timeout: float = 0.3, listen: float = 1.2) -> ProbeResult:
    """What answers on `port`: an ID-card reader (11 FF → 90) or a thermometer (Modbus, GY, streams)."""
    try:
        return (
            probe_idcard(port, timeout=timeout)
            or probe_thermometer(port, timeout=timeout, listen=listen)
            or ProbeResult(port, "none")
        )
    except DeviceError as exc:
        return ProbeResult(port, "unavailable", detail=str(exc))
