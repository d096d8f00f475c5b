"""Base of every device emulator: a protocol loop on a pseudo-terminal pair, in its own thread.

The emulator holds the master side; `.port` is the slave path a pyserial driver opens (or a
symlink to it that the emulator keeps pointing at its current pty, so a test or the demo can
make the port vanish and come back under the same name). Replies are paced at the configured
baud rate — 10 bits a byte, delivered in ~1 ms chunks as a UART/USB bridge would — so timings
over the pty match a real line.

Where there are no ptys (Windows) or when asked (`transport="tcp"`), the emulator listens on
127.0.0.1 instead and `.port` is a pyserial `socket://` URL, so the demo hall runs anywhere.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import queue
import select
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

log = logging.getLogger("onewindow.device.emulator")

WRITE_STALL_LIMIT = 2.0  # seconds a reader may leave the pty full before we drop the reply


HAVE_PTY = hasattr(os, "openpty")


class SerialEmulator:
    """Subclasses implement `on_data` (bytes from the host) and optionally `on_tick` (streams)."""

    name = "emulator"

    def __init__(
        self,
        *,
        baud: int,
        link: str | os.PathLike[str] | None = None,
        transport: str = "auto",
        tcp_port: int = 0,
    ) -> None:
        if baud <= 0:
            raise ValueError("baud must be positive")
        if transport == "auto":
            transport = "pty" if HAVE_PTY else "tcp"
        if transport not in ("pty", "tcp"):
            raise ValueError("transport must be 'pty', 'tcp' or 'auto'")
        if transport == "tcp" and link is not None:
            raise ValueError("a symlink needs the pty transport")
        self.transport = transport
        self.tcp_port = tcp_port
        self.baud = baud
        self.link = Path(link) if link is not None else None
        if self.link is not None and self.link.name in ("", ".", ".."):
            raise ValueError(f"symlink path {str(link)!r} names no file")
        self._server: socket.socket | None = None
        self._client: socket.socket | None = None
        self.tick_interval: float | None = None  # seconds between on_tick calls, None = never
        self._master = -1
        self._slave = -1
        self._slave_name = ""
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._line_free_at = 0.0  # monotonic time when our transmitter is idle again
        self._rx_until = 0.0  # monotonic time when the host's last bytes finished arriving
        self.bytes_sent = 0
        self.bytes_received = 0

    # --- lifecycle --------------------------------------------------------------------------

    @property
    def byte_time(self) -> float:
        return 10.0 / self.baud

    @property
    def port(self) -> str:
        """For pyserial: the symlink if one was asked for, else the pty slave (or socket:// URL)."""
        if not self._slave_name:
            raise RuntimeError("emulator not started")
        return str(self.link) if self.link is not None else self._slave_name

    @property
    def slave_name(self) -> str:
        return self._slave_name

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError("emulator already started")
        # Only ever replace our own kind of thing, a symlink: a regular file (or a folder) at that
        # path is someone's data.
        if self.link is not None and os.path.lexists(self.link) and not self.link.is_symlink():
            raise FileExistsError(f"{self.link} exists and is not a symlink; choose another link path")
        self._wake_r, self._wake_w = socket.socketpair()  # selectable on every platform
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        if self.transport == "tcp":
            self._server = socket.create_server(("127.0.0.1", self.tcp_port))
            self._server.setblocking(False)
            self.tcp_port = self._server.getsockname()[1]
            self._slave_name = f"socket://127.0.0.1:{self.tcp_port}"
        else:
            import tty

            self._master, self._slave = os.openpty()
            # Raw from the start: no echo or line editing before the driver configures the port.
            tty.setraw(self._slave)
            os.set_blocking(self._master, False)
            self._slave_name = os.ttyname(self._slave)
        if self.link is not None:
            tmp = self.link.with_name(f".{self.link.name}.{os.getpid()}.tmp")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self._slave_name)
            os.replace(tmp, self.link)
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"{self.name}-{self._slave_name}", daemon=True)
        self._thread.start()
        log.info("%s started on %s", self.name, self.port)
        return self

    def stop(self) -> None:
        """Stop the thread and close the pty: the port vanishes for any driver using it."""
        if self._thread is None:
            return
        self._stopping.set()
        self._wake()
        self._thread.join()
        self._thread = None
        if self.link is not None:
            with contextlib.suppress(OSError):
                if os.readlink(self.link) == self._slave_name:
                    self.link.unlink()
        for fd in (self._master, self._slave):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        for sock in (self._client, self._server, self._wake_r, self._wake_w):
            if sock is not None:
                sock.close()
        self._master = self._slave = -1
        self._client = self._server = self._wake_r = self._wake_w = None
        log.info("%s stopped (%s)", self.name, self._slave_name)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def call_soon(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the emulator thread (thread-safe; used for on-demand output)."""
        self._calls.put(fn)
        self._wake()

    def _wake(self) -> None:
        if self._wake_w is not None:
            with contextlib.suppress(OSError):
                self._wake_w.send(b"\x00")

    # --- hooks for subclasses ---------------------------------------------------------------

    def on_data(self, data: bytes) -> None:
        """Bytes written by the host (called on the emulator thread)."""

    def on_tick(self) -> None:
        """Periodic hook every `tick_interval` seconds (streams)."""

    # --- output -----------------------------------------------------------------------------

    def send(self, data: bytes, *, fragments: int = 1, gap: float = 0.0, delay: float = 0.0) -> bool:
        """Transmit `data` paced at the baud rate, optionally split into `fragments` pieces
        with `gap` seconds of silence between them, after `delay` seconds of "thinking".
        Runs on the emulator thread; returns False if stopped or the host stopped reading."""
        if not data:
            return True
        now = time.monotonic()
        t0 = max(now, self._line_free_at, self._rx_until) + delay
        bt = self.byte_time
        chunk = max(1, round(0.001 / bt))
        fragments = max(1, min(fragments, len(data)))
        cuts = [len(data) * i // fragments for i in range(fragments + 1)]
        sent = 0
        for piece_no in range(fragments):
            piece_end = cuts[piece_no + 1]
            while sent < piece_end:
                end = min(sent + chunk, piece_end)
                # a byte is visible to the receiver once its 10 bits are on the wire
                due = t0 + end * bt
                if not self._sleep_until(due) or not self._write_all(data[sent:end]):
                    return False
                sent = end
            t0 += gap
        self._line_free_at = t0 + len(data) * bt
        self.bytes_sent += len(data)
        return True

    def _sleep_until(self, due: float) -> bool:
        while True:
            if self._stopping.is_set():
                return False
            left = due - time.monotonic()
            if left <= 0:
                return True
            time.sleep(min(left, 0.05))

    def _write_some(self, view: memoryview) -> int:
        if self.transport == "pty":
            return os.write(self._master, view)
        if self._client is None:
            return len(view)  # no host connected: the bytes go nowhere, as on an unplugged cable
        return self._client.send(view)

    def _write_all(self, data: bytes) -> bool:
        view = memoryview(data)
        stalled_since: float | None = None
        while view:
            try:
                n = self._write_some(view)
                view = view[n:]
                stalled_since = None
            except BlockingIOError:
                now = time.monotonic()
                stalled_since = stalled_since or now
                if now - stalled_since > WRITE_STALL_LIMIT or self._stopping.is_set():
                    log.warning("%s: host is not reading, %d bytes dropped", self.name, len(view))
                    return False
                select.select([], [self._client if self._client is not None else self._master], [], 0.05)
            except OSError as exc:
                log.warning("%s: write failed: %s", self.name, exc)
                return False
        return True

    # --- thread -----------------------------------------------------------------------------

    def _run(self) -> None:
        next_tick = time.monotonic() + (self.tick_interval or 0.0)
        assert self._wake_r is not None
        while not self._stopping.is_set():
            timeout = 0.2
            if self.tick_interval is not None:
                timeout = max(0.0, min(timeout, next_tick - time.monotonic()))
            rlist: list[int | socket.socket] = [self._wake_r]
            if self.transport == "pty":
                rlist.append(self._master)
            else:
                assert self._server is not None
                rlist.append(self._server)
                if self._client is not None:
                    rlist.append(self._client)
            try:
                ready, _, _ = select.select(rlist, [], [], timeout)
            except OSError as exc:  # pragma: no cover - fds closed under us
                log.error("%s: select failed: %s", self.name, exc)
                return
            if self._wake_r in ready:
                with contextlib.suppress(BlockingIOError):
                    self._wake_r.recv(512)
                while not self._calls.empty() and not self._stopping.is_set():
                    self._guarded(self._calls.get_nowait())
            if self._server is not None and self._server in ready:
                self._accept()
            data = self._read_host(ready)
            if data:
                now = time.monotonic()
                self._rx_until = max(now, self._rx_until) + len(data) * self.byte_time
                self.bytes_received += len(data)
                self._guarded(functools.partial(self.on_data, data))
            if self.tick_interval is not None and time.monotonic() >= next_tick:
                next_tick = time.monotonic() + self.tick_interval
                self._guarded(self.on_tick)

    def _accept(self) -> None:
        assert self._server is not None
        try:
            client, _ = self._server.accept()
        except BlockingIOError:
            return
        if self._client is not None:  # the port was reopened: the newest host wins
            self._client.close()
        client.setblocking(False)
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._client = client

    def _read_host(self, ready: list[int | socket.socket]) -> bytes:
        try:
            if self.transport == "pty":
                return os.read(self._master, 4096) if self._master in ready else b""
            if self._client is None or self._client not in ready:
                return b""
            data = self._client.recv(4096)
            if not data:  # host closed the port
                self._client.close()
                self._client = None
            return data
        except BlockingIOError:
            return b""
        except OSError as exc:
            if exc.errno != errno.EIO:
                log.error("%s: read failed: %s", self.name, exc)
            if self._client is not None:
                self._client.close()
                self._client = None
            return b""

    def _guarded(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:  # an emulator bug must not kill the thread silently mid-test
            log.exception("%s: handler failed", self.name)
