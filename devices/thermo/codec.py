"""Temperature scanner protocols — pure bytes ↔ readings, no I/O (PROTOCOLS.md §3).

Every protocol has the same shape: `query()` gives the bytes to send for one reading (None for
devices that only stream), `feed()` turns received bytes into readings, resyncing past noise
and corrupt frames (counted in `discarded`), and device-reported faults come back as
ThermoError values in the same list so a stream never stops on one bad frame.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from devices.errors import DeviceError

log = logging.getLogger("onewindow.device.thermo")


class ThermoError(DeviceError):
    """A thermometer fault (exception reply, impossible value)."""


@dataclass(frozen=True, slots=True)
class TempReading:
    value: float  # °C, the module's (compensated) body/object value
    raw: int | str  # as sent: register value, 0.01 °C count, tenths, or the text line
    ambient: float | None = None
    time: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    protocol: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "value": self.value,
            "raw": self.raw,
            "ambient": self.ambient,
            "time": self.time.isoformat(),
            "protocol": self.protocol,
        }


Decoded = TempReading | ThermoError


class ThermoProtocol:
    name = ""
    default_baud = 9600

    def __init__(self) -> None:
        self._buf = bytearray()
        self.discarded = 0

    def query(self) -> bytes | None:
        """Bytes asking for one reading; None when the device streams on its own."""
        return None

    def start_stream(self) -> bytes | None:
        """Bytes switching the device to continuous output, if it needs them."""
        return None

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[Decoded]:
        self._buf += data
        return self._decode()

    def _decode(self) -> list[Decoded]:
        raise NotImplementedError

    def _drop(self, n: int) -> None:
        self.discarded += n
        del self._buf[:n]


# --- Modbus RTU ---------------------------------------------------------------------------------


def modbus_crc16(data: bytes | bytearray) -> int:
    """CRC-16/Modbus: poly 0xA001 (reflected 0x8005), init 0xFFFF; sent low byte first."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def with_crc(frame: bytes) -> bytes:
    return frame + modbus_crc16(frame).to_bytes(2, "little")


MODBUS_EXCEPTIONS = {
    1: "测温仪不支持该功能码",
    2: "测温仪寄存器地址无效",
    3: "测温仪请求数据无效",
    4: "测温仪内部故障",
    6: "测温仪忙，请稍后",
}


class ModbusProtocol(ThermoProtocol):
    name = "modbus"

    def __init__(
        self,
        address: int = 1,
        register: int = 0,
        *,
        function: int = 3,
        scale: float = 0.1,
        signed: bool = True,
    ) -> None:
        super().__init__()
        if not 1 <= address <= 247:
            raise ValueError("Modbus address must be 1–247")
        if function not in (3, 4):
            raise ValueError("Modbus function must be 3 or 4")
        if not 0 <= register <= 0xFFFF:
            raise ValueError("Modbus register must be 0–65535")
        self.address = address
        self.register = register
        self.function = function
        self.scale = scale
        self.signed = signed

    def query(self) -> bytes:
        return with_crc(bytes([self.address, self.function]) + self.register.to_bytes(2, "big") + b"\x00\x01")

    def _decode(self) -> list[Decoded]:
        out: list[Decoded] = []
        buf = self._buf
        head = bytes([self.address, self.function])
        exc_head = bytes([self.address, self.function | 0x80])
        while True:
            i, j = buf.find(head), buf.find(exc_head)
            starts = [k for k in (i, j) if k >= 0]
            if not starts:
                self._drop(max(0, len(buf) - 1))  # keep a byte that may be the next address
                return out
            start = min(starts)
            if start:
                self._drop(start)
            is_exc = buf[1] & 0x80
            size = 5 if is_exc else 7  # addr fn (code | count=2 hi lo) crc crc
            if len(buf) < size:
                return out
            frame = bytes(buf[:size])
            if modbus_crc16(frame[:-2]) != int.from_bytes(frame[-2:], "little") or (
                not is_exc and frame[2] != 2
            ):
                self._drop(1)
                continue
            del buf[:size]
            if is_exc:
                code = frame[2]
                out.append(
                    ThermoError(MODBUS_EXCEPTIONS.get(code, "测温仪返回异常"), f"Modbus exception {code}")
                )
                continue
            raw = int.from_bytes(frame[3:5], "big", signed=self.signed)
            out.append(TempReading(round(raw * self.scale, 2), raw, protocol=self.name))


# --- GY-MCU90614 / 90615 ------------------------------------------------------------------------


class Gy906Protocol(ThermoProtocol):
    """`5A 5A 45 04 D1H D1L D2H D2L SUM`; which of D1/D2 is the object is a setting."""

    name = "gy906"
    QUERY = bytes.fromhex("A515BA")
    STREAM = bytes.fromhex("A545EA")
    HEADER = bytes.fromhex("5A5A4504")

    def __init__(self, *, object_first: bool = True, stream: bool = False) -> None:
        super().__init__()
        self.object_first = object_first
        self.stream = stream

    def query(self) -> bytes | None:
        return None if self.stream else self.QUERY

    def start_stream(self) -> bytes | None:
        return self.STREAM if self.stream else None

    def _decode(self) -> list[Decoded]:
        out: list[Decoded] = []
        buf = self._buf
        while True:
            start = buf.find(self.HEADER)
            if start < 0:
                self._drop(max(0, len(buf) - 3))
                return out
            if start:
                self._drop(start)
            if len(buf) < 9:
                return out
            frame = bytes(buf[:9])
            if sum(frame[:8]) & 0xFF != frame[8]:
                self._drop(1)
                continue
            del buf[:9]
            d1 = int.from_bytes(frame[4:6], "big", signed=True)
            d2 = int.from_bytes(frame[6:8], "big", signed=True)
            obj, amb = (d1, d2) if self.object_first else (d2, d1)
            out.append(TempReading(round(obj / 100, 2), obj, ambient=round(amb / 100, 2), protocol=self.name))


def gy906_frame(object_c: float, ambient_c: float, *, object_first: bool = True) -> bytes:
    a, b = round(object_c * 100), round(ambient_c * 100)
    d1, d2 = (a, b) if object_first else (b, a)
    body = Gy906Protocol.HEADER + d1.to_bytes(2, "big", signed=True) + d2.to_bytes(2, "big", signed=True)
    return body + bytes([sum(body) & 0xFF])


# --- HTPA thermal module ----------------------------------------------------------------------------


class HtpaProtocol(ThermoProtocol):
    """`AA 55 06 <int> <tenths> <SUM>`, streamed by the module."""

    name = "htpa"
    default_baud = 115200
    HEADER = bytes.fromhex("AA5506")

    def _decode(self) -> list[Decoded]:
        out: list[Decoded] = []
        buf = self._buf
        while True:
            start = buf.find(self.HEADER)
            if start < 0:
                self._drop(max(0, len(buf) - 2))
                return out
            if start:
                self._drop(start)
            if len(buf) < 6:
                return out
            frame = bytes(buf[:6])
            if sum(frame[:5]) & 0xFF != frame[5] or frame[4] > 9:
                self._drop(1)
                continue
            del buf[:6]
            tenths = frame[3] * 10 + frame[4]
            out.append(TempReading(tenths / 10, tenths, protocol=self.name))


def htpa_frame(value_c: float) -> bytes:
    tenths = round(value_c * 10)
    body = HtpaProtocol.HEADER + bytes([tenths // 10, tenths % 10])
    return body + bytes([sum(body) & 0xFF])


# --- ASCII lines ------------------------------------------------------------------------------------

DEFAULT_ASCII_PATTERN = r"(?P<t>[-+]?\d{2}(?:\.\d{1,2})?)\s*(?:°\s*C|℃|C)?"
# With the default pattern a line may start with a short label: "T=36.5C", "body 37.20 ℃", "体温：36.8".
_DEFAULT_LABEL = r"(?:[A-Za-z\u4e00-\u9fff][A-Za-z\u4e00-\u9fff ]{0,15}\s*[:=：]?\s*)?"
_LINE_END = re.compile(rb"\r\n|\n|\r|\}")
MAX_LINE = 512


class AsciiProtocol(ThermoProtocol):
    """One reading per line (`\\r\\n`, `\\n` or `}` terminated); the regex's group `t` (or its
    first group, or the whole match) is the temperature, an optional group `a` the ambient.

    Only whole lines count: a line must decode cleanly, be printable text, and match the pattern
    from its first character to its last (the default pattern after an optional short label), so a
    number that happens to sit inside line noise or a garbled line is never taken for a reading.
    A configured pattern describes the whole line."""

    name = "ascii"

    def __init__(
        self, pattern: str = DEFAULT_ASCII_PATTERN, *, query: bytes | None = None, encoding: str = "utf-8"
    ) -> None:
        super().__init__()
        try:
            self.regex = re.compile(_DEFAULT_LABEL + pattern if pattern == DEFAULT_ASCII_PATTERN else pattern)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from exc
        self._query = query
        self.encoding = encoding

    def query(self) -> bytes | None:
        return self._query

    def _decode(self) -> list[Decoded]:
        out: list[Decoded] = []
        buf = self._buf
        while True:
            m = _LINE_END.search(buf)
            if m is None:
                if len(buf) > MAX_LINE:  # a device spewing without line ends: drop, do not grow
                    self._drop(len(buf))
                return out
            line = bytes(buf[: m.start()])
            del buf[: m.end()]
            try:
                text = line.decode(self.encoding).strip(" \t").lstrip("{").strip(" \t")
            except UnicodeDecodeError:
                text = None
            if text == "":
                continue
            reading = self.parse_line(text) if text is not None and len(line) <= MAX_LINE else None
            if reading is None:
                self.discarded += len(line)
                log.debug("ascii line without a temperature: %r", line[:80])
            else:
                out.append(reading)

    def parse_line(self, text: str) -> TempReading | None:
        if not text.isprintable():  # control bytes: line noise, not the device's text
            return None
        m = self.regex.fullmatch(text)
        if m is None:
            return None
        groups = m.groupdict()
        value_text = groups.get("t") or (m.group(1) if m.re.groups else m.group(0))
        try:
            value = float(value_text)
            ambient = float(groups["a"]) if groups.get("a") else None
        except (TypeError, ValueError):
            return None
        return TempReading(round(value, 2), text, ambient=ambient, protocol=self.name)


PROTOCOLS = ("modbus", "gy906", "htpa", "ascii")


def make_protocol(name: str, **options: Any) -> ThermoProtocol:
    """Build a protocol from a configuration name and options (as in settings or the CLI)."""
    if name == "modbus":
        return ModbusProtocol(**options)
    if name == "gy906":
        return Gy906Protocol(**options)
    if name == "htpa":
        return HtpaProtocol()
    if name == "ascii":
        return AsciiProtocol(**options)
    raise ValueError(f"unknown thermometer protocol {name!r} (choose one of {', '.join(PROTOCOLS)})")
