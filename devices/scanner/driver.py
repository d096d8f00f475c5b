"""Serial-mode barcode/QR scanners (USB-CDC "virtual COM" or RS-232): each read arrives as the
decoded text followed by a terminator (CR, LF or CR LF, as the scanner is programmed). Nothing
is sent to the scanner; a silent scanner is a normal scanner (nobody scanning), so silence never
counts as a fault — only a vanished port does.

    ScannerMonitor("/dev/ttyACM0", 9600, on_code=print).run(stop_event)
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import serial

from devices.errors import DeviceDisconnected
from devices.monitor import DeviceMonitor, ErrorCallback, StatusCallback, ignore
from devices.serial_port import PORT_ERRORS, close_serial, open_serial

log = logging.getLogger("onewindow.device.scanner")

DEFAULT_BAUD = 9600
MAX_CODE = 512  # longer than any code we print; a line this long without a terminator is noise


class LineDecoder:
    """Bytes in, whole codes out: CR, LF or CR LF end a code; empty lines are dropped; text is
    UTF-8 (scanners in serial mode send the QR's bytes as they are); NUL and other control bytes
    are dropped; a line longer than MAX_CODE is discarded up to its terminator."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._overflow = False

    def reset(self) -> None:
        self._buf.clear()
        self._overflow = False

    def feed(self, data: bytes) -> list[str]:
        out: list[str] = []
        for b in data:
            if b in (0x0D, 0x0A):
                if self._buf and not self._overflow:
                    text = self._buf.decode("utf-8", errors="replace").strip()
                    if text:
                        out.append(text)
                self.reset()
            elif b < 0x20 or b == 0x7F:
                continue
            elif len(self._buf) >= MAX_CODE:
                self._overflow = True
            else:
                self._buf.append(b)
        return out


class ScannerMonitor(DeviceMonitor):
    """Reads codes as they come and reports each through `on_code`; reconnects like every monitor."""

    kind = "扫码器"

    def __init__(
        self,
        port: str,
        baud: int = DEFAULT_BAUD,
        *,
        on_code: Callable[[str], None] = ignore,
        on_status: StatusCallback = ignore,
        on_error: ErrorCallback = ignore,
        retry_interval: float = 1.0,
    ) -> None:
        super().__init__(
            port, poll_interval=0.0, retry_interval=retry_interval, on_status=on_status, on_error=on_error
        )
        self.baud = baud
        self.on_code = on_code
        self.decoder = LineDecoder()
        self._ser: serial.SerialBase | None = None

    def _open(self) -> None:
        if self._ser is None:
            self._ser = open_serial(self.port, self.baud, what="扫码器")
            self.decoder.reset()

    def _close(self) -> None:
        ser, self._ser = self._ser, None
        if ser is not None:
            close_serial(ser)

    def _poll(self) -> None:
        ser = self._ser
        if ser is None:
            raise DeviceDisconnected("扫码器端口未打开", self.port)
        try:
            # Blocks at most one read slice (serial_port.READ_SLICE), so a stop is noticed quickly.
            chunk = ser.read(max(1, ser.in_waiting))
        except PORT_ERRORS as exc:
            raise DeviceDisconnected("扫码器连接已断开", str(exc)) from exc
        for code in self.decoder.feed(chunk):
            log.info("scanner %s: a code of %d characters", self.port, len(code))  # never the code
            self.on_code(code)
