"""An ESC/POS thermal printer on a pseudo-terminal (or a local TCP socket), for tests and the demo.

It decodes what it receives — GB18030 text with its style, native QR payloads, raster images,
cuts — into "printed tickets" (split at each cut) and answers real-time status queries. Paper can
be set to ok / near end / out, and the printer can be made to stop answering, so the drivers'
error paths are tested against the same bytes a real printer would get.

A printer that is out of paper prints nothing: a ticket whose bytes arrive while the paper is out
is counted in `spoiled`, never in `tickets`.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal

log = logging.getLogger("onewindow.device")

PaperState = Literal["ok", "near_end", "out"]

_STATUS_BASE = 0x12  # bits 1 and 4 are fixed to 1 in every DLE EOT answer


@dataclass(frozen=True, slots=True)
class PrintedLine:
    text: str
    align: int  # 0 left, 1 centre, 2 right
    bold: bool
    width: int  # character size multipliers
    height: int


@dataclass(frozen=True, slots=True)
class RasterImage:
    width_bytes: int
    height: int
    data: bytes  # packed rows, MSB first, 1 = black

    @property
    def width(self) -> int:
        return self.width_bytes * 8

    def pixel(self, x: int, y: int) -> bool:
        return bool(self.data[y * self.width_bytes + x // 8] & (0x80 >> (x % 8)))

    def black_dots(self) -> int:
        return sum(bin(b).count("1") for b in self.data)


@dataclass(slots=True)
class PrintedTicket:
    lines: list[PrintedLine] = field(default_factory=list)
    qr_payloads: list[str] = field(default_factory=list)
    images: list[RasterImage] = field(default_factory=list)
    cut: str = ""  # "partial" or "full"
    raw: bytes = b""

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class EscPosDecoder:
    """Stateful byte-stream decoder; `feed` returns the bytes the printer answers."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.tickets: list[PrintedTicket] = []
        self.spoiled = 0
        self.paper: PaperState = "ok"
        self.status_queries = 0
        self.unknown: list[bytes] = []
        self._run_out_on_next = False
        self._reset_style()
        self._current = PrintedTicket()
        self._current_raw = bytearray()
        self._finished: PrintedTicket | None = None
        self._spoiled_current = False
        self._pending_text = bytearray()
        self._qr_data = b""
        self._last_was_image = False

    def _reset_style(self) -> None:
        self._align = 0
        self._bold = False
        self._width = 1
        self._height = 1

    def run_out_during_next_ticket(self) -> None:
        """Paper ends while the next ticket is printing (it comes out torn, i.e. spoiled)."""
        self._run_out_on_next = True

    def status_byte(self, n: int) -> int:
        if n == 4:
            return _STATUS_BASE | (0x0C if self.paper == "near_end" else 0) | (0x60 if self.paper == "out" else 0)
        if n == 2:  # offline cause: paper end stops printing
            return _STATUS_BASE | (0x20 if self.paper == "out" else 0)
        return _STATUS_BASE

    # ---- decoding -----------------------------------------------------------------------------

    def feed(self, data: bytes) -> bytes:
        self.buffer += data
        answer = bytearray()
        while self.buffer:
            realtime = self.buffer[0] == 0x10
            used = self._step(answer)
            if used == 0:
                break  # incomplete command: wait for more bytes
            if not realtime:  # status queries are talk with the driver, not part of the ticket
                self._current_raw += self.buffer[:used]
            del self.buffer[:used]
            if self._finished is not None:  # a cut ended the ticket: its raw bytes include the cut
                self._finished.raw = bytes(self._current_raw)
                self._finished = None
                self._current_raw = bytearray()
        return bytes(answer)

    def _printing(self) -> None:
        """Something visible is about to be printed: decide whether paper is there for it."""
        if self._run_out_on_next:
            self._run_out_on_next = False
            self.paper = "out"
        if self.paper == "out":
            self._spoiled_current = True

    def _flush_line(self) -> None:
        self._printing()
        decoded = bytes(self._pending_text).decode("gb18030", errors="replace")
        self._pending_text.clear()
        self._current.lines.append(PrintedLine(decoded, self._align, self._bold, self._width, self._height))
        self._last_was_image = False

    def _cut(self, kind: str) -> None:
        if self._pending_text:
            self._flush_line()
        self._current.cut = kind
        self._finished = self._current
        if self._spoiled_current:
            self.spoiled += 1
        else:
            self.tickets.append(self._current)
        self._current = PrintedTicket()
        self._spoiled_current = False
        self._last_was_image = False

    def _image(self, image: RasterImage) -> None:
        self._printing()
        prev = self._current.images[-1] if self._current.images else None
        if self._last_was_image and prev is not None and prev.width_bytes == image.width_bytes:
            # Consecutive bands of one picture: join them back together.
            self._current.images[-1] = RasterImage(image.width_bytes, prev.height + image.height, prev.data + image.data)
        else:
            self._current.images.append(image)
        self._last_was_image = True

    def _step(self, answer: bytearray) -> int:
        buf = self.buffer
        b = buf[0]
        if b >= 0x20:
            end = 1
            while end < len(buf) and buf[end] >= 0x20:
                end += 1
            self._pending_text += buf[:end]
            return end
        if b == 0x0A:
            self._flush_line()
            return 1
        if b in (0x0D, 0x00):
            return 1
        if b == 0x10:  # DLE EOT n: real-time status
            if len(buf) < 3:
                return 0
            if buf[1] == 0x04:
                self.status_queries += 1
                answer.append(self.status_byte(buf[2]))
            return 3
        if b == 0x1B:
            return self._esc(buf)
        if b == 0x1D:
            return self._gs(buf)
        if b == 0x1C:
            if len(buf) < 2:
                return 0
            if buf[1] in (0x26, 0x2E):  # Chinese mode on/off: text is decoded as GB18030 either way
                return 2
            if len(buf) < 3:
                return 0
            return 3  # FS ! n, FS W n and friends: one parameter byte
        self.unknown.append(bytes([b]))
        return 1

    def _esc(self, buf: bytearray) -> int:
        if len(buf) < 2:
            return 0
        cmd = buf[1]
        if cmd == 0x40:  # ESC @
            if self._pending_text:
                self._flush_line()
            self._reset_style()
            return 2
        if cmd in (0x32,):
            return 2
        if len(buf) < 3:
            return 0
        n = buf[2]
        if cmd == 0x61:
            self._align = n if n < 3 else n - 48
        elif cmd == 0x45:
            self._bold = bool(n & 1)
        elif cmd == 0x64:
            if self._pending_text:
                self._flush_line()
        elif cmd not in (0x21, 0x2D, 0x33, 0x4A, 0x4D, 0x74, 0x47):
            self.unknown.append(bytes(buf[:3]))
        return 3

    def _gs(self, buf: bytearray) -> int:
        if len(buf) < 3:
            return 0
        cmd = buf[1]
        if cmd == 0x21:
            self._width = (buf[2] >> 4) + 1
            self._height = (buf[2] & 0x0F) + 1
            return 3
        if cmd == 0x56:
            m = buf[2]
            if m in (0x41, 0x42):
                if len(buf) < 4:
                    return 0
                self._cut("full" if m == 0x41 else "partial")
                return 4
            self._cut("full" if m in (0, 48) else "partial")
            return 3
        if cmd == 0x28 and buf[2] == 0x6B:
            if len(buf) < 5:
                return 0
            size = buf[3] | buf[4] << 8
            if len(buf) < 5 + size:
                return 0
            body = bytes(buf[5 : 5 + size])
            if body[:3] == b"\x31\x50\x30":
                self._qr_data = body[3:]
            elif body[:3] == b"\x31\x51\x30":
                self._printing()
                self._current.qr_payloads.append(self._qr_data.decode("utf-8", errors="replace"))
                self._last_was_image = False
            return 5 + size
        if cmd == 0x76 and buf[2] == 0x30:
            if len(buf) < 8:
                return 0
            width_bytes = buf[4] | buf[5] << 8
            height = buf[6] | buf[7] << 8
            total = 8 + width_bytes * height
            if len(buf) < total:
                return 0
            self._image(RasterImage(width_bytes, height, bytes(buf[8:total])))
            return total
        if cmd in (0x4C, 0x57):  # left margin / print area width: two parameter bytes
            return 4 if len(buf) >= 4 else 0
        self.unknown.append(bytes(buf[:3]))
        return 3


class EscPosEmulator:
    """The decoder behind a pseudo-terminal (`transport="pty"`) or a TCP socket (`"tcp"`).

    `.port` is what a driver opens: the slave device path, or a `socket://127.0.0.1:N` URL
    (pyserial's URL handler; works on Windows where there are no pseudo-terminals).
    """

    def __init__(self, *, paper: PaperState = "ok", responding: bool = True, transport: str | None = None) -> None:
        self.transport = transport or ("pty" if hasattr(os, "openpty") else "tcp")
        if self.transport not in ("pty", "tcp"):
            raise ValueError(f"unknown emulator transport {self.transport!r}")
        self._decoder = EscPosDecoder()
        self._decoder.paper = paper
        self.responding = responding
        self._lock = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master = -1
        self._slave = -1
        self._server: socket.socket | None = None
        self._client: socket.socket | None = None
        self.port = ""

    # ---- life cycle -----------------------------------------------------------------------------

    def start(self) -> EscPosEmulator:
        if self._thread is not None:
            return self
        if self.transport == "pty":
            import tty

            self._master, self._slave = os.openpty()
            tty.setraw(self._slave)  # no newline translation: every byte arrives as sent
            self.port = os.ttyname(self._slave)
        else:
            self._server = socket.create_server(("127.0.0.1", 0))
            self.port = f"socket://127.0.0.1:{self._server.getsockname()[1]}"
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="escpos-emulator", daemon=True)
        self._thread.start()
        log.info("ESC/POS emulator listening on %s", self.port)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1
        for sock in (self._client, self._server):
            if sock is not None:
                sock.close()
        self._client = self._server = None

    def __enter__(self) -> EscPosEmulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ---- control and inspection ------------------------------------------------------------------

    def set_paper(self, state: PaperState) -> None:
        with self._lock:
            self._decoder.paper = state

    def run_out_during_next_ticket(self) -> None:
        with self._lock:
            self._decoder.run_out_during_next_ticket()

    @property
    def paper(self) -> PaperState:
        with self._lock:
            return self._decoder.paper

    @property
    def tickets(self) -> list[PrintedTicket]:
        with self._lock:
            return list(self._decoder.tickets)

    @property
    def spoiled(self) -> int:
        with self._lock:
            return self._decoder.spoiled

    @property
    def status_queries(self) -> int:
        with self._lock:
            return self._decoder.status_queries

    def clear(self) -> None:
        with self._lock:
            self._decoder.tickets.clear()
            self._decoder.spoiled = 0

    def wait_for_tickets(self, count: int, timeout: float = 5.0) -> list[PrintedTicket]:
        """Block until `count` tickets are printed (or the timeout passes); returns what there is."""
        with self._lock:
            self._lock.wait_for(lambda: len(self._decoder.tickets) >= count, timeout=timeout)
            return list(self._decoder.tickets)

    # ---- I/O thread ----------------------------------------------------------------------------------

    def _handle(self, data: bytes) -> bytes:
        with self._lock:
            if not self.responding:
                return b""  # switched off: nothing is printed, nothing answered
            answer = self._decoder.feed(data)
            self._lock.notify_all()
            return answer

    def _run(self) -> None:
        try:
            if self.transport == "pty":
                self._run_pty()
            else:
                self._run_tcp()
        except OSError as exc:  # closed under us by stop(): nothing left to serve
            if not self._stop.is_set():
                log.warning("ESC/POS emulator stopped: %s", exc)

    def _run_pty(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self._master, 65536)
            except OSError:  # EIO while no client has the slave open
                self._stop.wait(0.05)
                continue
            answer = self._handle(data)
            if answer:
                os.write(self._master, answer)

    def _run_tcp(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            if self._client is None:
                ready, _, _ = select.select([self._server], [], [], 0.05)
                if ready:
                    self._client, _ = self._server.accept()
                continue
            ready, _, _ = select.select([self._client], [], [], 0.05)
            if not ready:
                continue
            data = self._client.recv(65536)
            if not data:  # the driver closed its port; wait for the next one
                self._client.close()
                self._client = None
                continue
            answer = self._handle(data)
            if answer:
                self._client.sendall(answer)
