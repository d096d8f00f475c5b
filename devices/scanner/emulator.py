"""A serial-mode barcode/QR scanner on a pseudo-terminal: `scan(text)` sends the text and the
terminator the real scanner is programmed with (CR by default), paced at the baud rate."""

from __future__ import annotations

import os

from devices.pty import SerialEmulator
from devices.scanner.driver import DEFAULT_BAUD

TERMINATORS = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n"}


class ScannerEmulator(SerialEmulator):
    name = "scanner-emulator"

    def __init__(
        self,
        *,
        baud: int = DEFAULT_BAUD,
        terminator: str = "cr",
        link: str | os.PathLike[str] | None = None,
        transport: str = "auto",
        tcp_port: int = 0,
    ) -> None:
        if terminator not in TERMINATORS:
            raise ValueError(f"terminator must be one of {', '.join(TERMINATORS)}")
        super().__init__(baud=baud, link=link, transport=transport, tcp_port=tcp_port)
        self.terminator = TERMINATORS[terminator]
        self.scans = 0

    def scan(self, text: str, *, fragments: int = 1) -> None:
        """One read of a code (thread-safe); `fragments` > 1 splits it as a USB bridge may."""
        data = text.encode("utf-8") + self.terminator
        self.scans += 1

        def transmit() -> None:
            self.send(data, fragments=fragments)

        self.call_soon(transmit)

    def on_data(self, data: bytes) -> None:
        pass  # a scanner in serial mode ignores the host
