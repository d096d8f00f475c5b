"""Temperature scanner emulators on a pseudo-terminal, for every supported protocol.

Query protocols (Modbus, GY query) answer each request; streaming ones (HTPA, ASCII, GY after
`A5 45 EA`) send a frame every `interval` seconds when `streaming` is on, and `emit()` pushes
one reading on demand. Values come from `value` or cycle through `values`.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterable

from devices.pty import SerialEmulator
from devices.thermo.codec import (
    Gy906Protocol,
    gy906_frame,
    htpa_frame,
    modbus_crc16,
    with_crc,
)


class ThermoEmulator(SerialEmulator):
    name = "thermo-emulator"

    def __init__(
        self,
        protocol: str,
        *,
        value: float = 36.5,
        values: Iterable[float] | None = None,
        ambient: float = 25.1,
        baud: int | None = None,
        link: str | os.PathLike[str] | None = None,
        interval: float = 0.5,
        streaming: bool | None = None,
        address: int = 1,
        register: int = 0,
        scale: float = 0.1,
        object_first: bool = True,
        ascii_format: str = "T={value:.1f}C\r\n",
        noise: bytes = b"",
        transport: str = "auto",
        tcp_port: int = 0,
    ) -> None:
        if protocol not in ("modbus", "gy906", "htpa", "ascii"):
            raise ValueError(f"unknown thermometer protocol {protocol!r}")
        default_baud = 115200 if protocol == "htpa" else 9600
        super().__init__(baud=baud or default_baud, link=link, transport=transport, tcp_port=tcp_port)
        self.protocol = protocol
        self._lock = threading.Lock()
        self.value = value
        self._values = itertools.cycle(list(values)) if values is not None else None
        self.ambient = ambient
        self.address = address
        self.register = register
        self.scale = scale
        self.object_first = object_first
        self.ascii_format = ascii_format
        self.noise = noise
        self.silent = False
        self.exception_code: int | None = None  # Modbus: answer with this exception
        self.streaming = streaming if streaming is not None else protocol in ("htpa", "ascii")
        self.tick_interval = interval
        self._rx = bytearray()
        self.queries = 0

    def next_value(self) -> float:
        with self._lock:
            if self._values is not None:
                self.value = next(self._values)
            return self.value

    def set_value(self, value: float) -> None:
        with self._lock:
            self._values = None
            self.value = value

    # --- output -------------------------------------------------------------------------------

    def frame(self, value: float) -> bytes:
        if self.protocol == "modbus":
            raw = round(value / self.scale)
            return with_crc(bytes([self.address, 3, 2]) + raw.to_bytes(2, "big", signed=True))
        if self.protocol == "gy906":
            return gy906_frame(value, self.ambient, object_first=self.object_first)
        if self.protocol == "htpa":
            return htpa_frame(value)
        return self.ascii_format.format(value=value, ambient=self.ambient).encode()

    def emit(self, value: float | None = None) -> None:
        """Send one reading now (thread-safe)."""
        v = self.next_value() if value is None else value
        self.call_soon(lambda: self._send(self.frame(v)))

    def _send(self, data: bytes) -> None:
        if not self.silent:
            self.send(self.noise + data)

    def on_tick(self) -> None:
        if self.streaming:
            self._send(self.frame(self.next_value()))

    # --- queries ------------------------------------------------------------------------------

    def on_data(self, data: bytes) -> None:
        self._rx += data
        if self.protocol == "modbus":
            self._modbus()
        elif self.protocol == "gy906":
            self._gy906()
        else:
            self._rx.clear()  # streaming-only devices ignore the host

    def _modbus(self) -> None:
        buf = self._rx
        while len(buf) >= 8:
            frame = bytes(buf[:8])
            if modbus_crc16(frame[:6]) != int.from_bytes(frame[6:8], "little"):
                del buf[:1]
                continue
            del buf[:8]
            if frame[0] != self.address:
                continue  # another slave on the bus: stay quiet
            self.queries += 1
            function = frame[1]
            if self.exception_code is not None or function not in (3, 4):
                code = self.exception_code if self.exception_code is not None else 1
                self._send(with_crc(bytes([self.address, function | 0x80, code])))
                continue
            register = int.from_bytes(frame[2:4], "big")
            if register != self.register or int.from_bytes(frame[4:6], "big") != 1:
                self._send(with_crc(bytes([self.address, function | 0x80, 2])))
                continue
            raw = round(self.next_value() / self.scale)
            self._send(with_crc(bytes([self.address, function, 2]) + raw.to_bytes(2, "big", signed=True)))

    def _gy906(self) -> None:
        buf = self._rx
        while len(buf) >= 3:
            cmd = bytes(buf[:3])
            if cmd == Gy906Protocol.QUERY:
                del buf[:3]
                self.queries += 1
                self._send(self.frame(self.next_value()))
            elif cmd == Gy906Protocol.STREAM:
                del buf[:3]
                self.streaming = True
            else:
                del buf[:1]
