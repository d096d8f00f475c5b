"""Opening serial ports uniformly: device paths (COM3, /dev/ttyUSB0, pty slaves) and pyserial
URLs (socket://host:port, rfc2217://…), with failures turned into DeviceDisconnected."""

from __future__ import annotations

import os

import serial

from devices.errors import DeviceDisconnected

try:  # tcflush/tcsetattr on a vanished tty raise termios.error, which is not an OSError
    import termios

    PORT_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, termios.error)
except ImportError:  # pragma: no cover - Windows
    PORT_ERRORS = (serial.SerialException, OSError)

OPEN_ERRORS: tuple[type[BaseException], ...] = (*PORT_ERRORS, ValueError)  # ValueError: bad URL/baud

# Per-read poll slice: reads return as soon as the requested bytes arrive, so this only bounds
# how late a deadline is noticed; it never adds latency to a complete reply.
READ_SLICE = 0.05


def open_serial(port: str, baud: int, *, what: str = "设备") -> serial.SerialBase:
    kwargs: dict[str, object] = {"baudrate": baud, "timeout": READ_SLICE, "write_timeout": 1.0}
    if "://" not in port and os.name == "posix":
        kwargs["exclusive"] = True  # two programs on one reader would steal each other's replies
    try:
        return serial.serial_for_url(port, **kwargs)
    except OPEN_ERRORS as exc:
        raise DeviceDisconnected(f"无法打开{what}端口 {port}", str(exc)) from exc


def close_serial(ser: serial.SerialBase) -> None:
    """Close quietly. pyserial's socket:// close skips socket.close() when shutdown() fails on
    an already-dropped connection, leaking the socket; close it ourselves as well."""
    sock = getattr(ser, "_socket", None)
    try:
        ser.close()
    except PORT_ERRORS:
        pass
    finally:
        if sock is not None:
            sock.close()
