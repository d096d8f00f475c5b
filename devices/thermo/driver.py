"""pyserial driver and reconnecting monitor for temperature scanners (any ThermoProtocol)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

import serial

from devices.errors import DeviceDisconnected, DeviceTimeout
from devices.monitor import DeviceMonitor, ErrorCallback, StatusCallback, ignore
from devices.serial_port import PORT_ERRORS, close_serial, open_serial
from devices.thermo.codec import TempReading, ThermoError, ThermoProtocol

log = logging.getLogger("onewindow.device.thermo")

QUERY_TIMEOUT = 1.0  # a queried module answers within milliseconds
STREAM_TIMEOUT = 3.0  # the longest gap we accept between streamed frames


class Thermometer:
    def __init__(
        self, port: str, protocol: ThermoProtocol, baud: int | None = None, *, timeout: float = 1.0
    ) -> None:
        self.port = port
        self.protocol = protocol
        self.baud = baud or protocol.default_baud
        self.timeout = timeout
        self._ser: serial.SerialBase | None = None
        self._pending: list[TempReading] = []

    def open(self) -> Self:
        if self._ser is None:
            self._ser = open_serial(self.port, self.baud, what="测温仪")
            self.protocol.reset()
            self._pending.clear()
            start = self.protocol.start_stream()
            if start:
                self._write(start)
        return self

    def close(self) -> None:
        ser, self._ser = self._ser, None
        if ser is not None:
            close_serial(ser)

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _port(self) -> serial.SerialBase:
        if self._ser is None:
            raise DeviceDisconnected("测温仪端口未打开", self.port)
        return self._ser

    def _write(self, data: bytes) -> None:
        try:
            self._port().write(data)
        except PORT_ERRORS as exc:
            raise DeviceDisconnected("测温仪连接已断开", str(exc)) from exc

    def read(self, timeout: float | None = None) -> TempReading:
        """One reading: ask for it if the protocol has a query, else take the next streamed one."""
        query = self.protocol.query()
        ser = self._port()
        try:
            if query is not None:
                ser.reset_input_buffer()  # a stale reply must not answer this query
                self.protocol.reset()
                self._pending.clear()
                ser.write(query)
            deadline = time.monotonic() + (timeout or self.timeout)
            while not self._pending:
                if time.monotonic() >= deadline:
                    raise DeviceTimeout("测温仪无响应", self.port)
                chunk = ser.read(max(1, ser.in_waiting))
                if chunk:
                    for item in self.protocol.feed(chunk):
                        if isinstance(item, ThermoError):
                            raise item
                        self._pending.append(item)
        except PORT_ERRORS as exc:
            raise DeviceDisconnected("测温仪连接已断开", str(exc)) from exc
        return self._pending.pop(0)


class ThermoMonitor(DeviceMonitor):
    """Reads continuously (query protocols every `poll_interval`, streams as they come)."""

    kind = "测温仪"

    def __init__(
        self,
        port: str,
        protocol: ThermoProtocol,
        baud: int | None = None,
        *,
        on_reading: Callable[[TempReading], None] = ignore,
        on_status: StatusCallback = ignore,
        on_error: ErrorCallback = ignore,
        poll_interval: float = 0.5,
        retry_interval: float = 1.0,
        timeout: float | None = None,
    ) -> None:
        # A streaming module sends on its own schedule (often once a second): waiting only a
        # second for the next frame would call a healthy device silent, so streams get longer.
        streaming = protocol.query() is None
        if timeout is None:
            timeout = STREAM_TIMEOUT if streaming else QUERY_TIMEOUT
        # Streams are read back-to-back: the wait happens inside read() for the next frame.
        super().__init__(
            port,
            poll_interval=0.0 if streaming else poll_interval,
            retry_interval=retry_interval,
            on_status=on_status,
            on_error=on_error,
        )
        self.on_reading = on_reading
        self.thermometer = Thermometer(port, protocol, baud, timeout=timeout)

    def _open(self) -> None:
        self.thermometer.open()
        # Prove something answers before reporting "connected".
        self.on_reading(self.thermometer.read())

    def _close(self) -> None:
        self.thermometer.close()

    def _poll(self) -> None:
        self.on_reading(self.thermometer.read())
