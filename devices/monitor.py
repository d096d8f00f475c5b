"""Long-running device loops with reconnect, shared by the Qt worker, the CLI and the demo.

A monitor opens its port, polls, and reports through plain callbacks. When the port vanishes
(unplugged, emulator stopped) or the device stops answering it reports DISCONNECTED, closes,
and retries every `retry_interval` seconds until the port comes back — it never raises out of
`run`, so a worker thread cannot die from a device fault.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from devices.errors import DeviceDisconnected, DeviceError, DeviceTimeout

log = logging.getLogger("onewindow.device")

MAX_SILENT_POLLS = 3  # consecutive timeouts before a port is treated as disconnected
MAX_READ_ATTEMPTS = 3  # per placed card


class LinkState(enum.StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    STOPPED = "stopped"

    @property
    def label(self) -> str:
        return {
            "connecting": "正在连接",
            "connected": "已连接",
            "disconnected": "未连接",
            "stopped": "已停止",
        }[self.value]


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    state: LinkState
    port: str
    message: str  # Chinese, for the status bar


StatusCallback = Callable[[DeviceStatus], None]
ErrorCallback = Callable[[DeviceError], None]


def ignore(_: object) -> None:
    pass


class DeviceMonitor:
    """Template: subclasses implement _open, _close, _poll (which may raise DeviceError)."""

    kind = "设备"

    def __init__(
        self,
        port: str,
        *,
        poll_interval: float = 0.5,
        retry_interval: float = 1.0,
        on_status: StatusCallback = ignore,
        on_error: ErrorCallback = ignore,
    ) -> None:
        self.port = port
        self.poll_interval = poll_interval
        self.retry_interval = retry_interval
        self.on_status = on_status
        self.on_error = on_error
        self._last_status: DeviceStatus | None = None
        self.reconnects = 0
        self.open_attempts = 0

    def _open(self) -> None:
        raise NotImplementedError

    def _close(self) -> None:
        raise NotImplementedError

    def _poll(self) -> None:
        raise NotImplementedError

    def _report(self, state: LinkState, message: str) -> None:
        status = DeviceStatus(state, self.port, message)
        if status != self._last_status:  # the retry loop must not flood the UI every second
            self._last_status = status
            log.info("%s %s: %s", self.kind, self.port, message)
            self.on_status(status)

    def run(self, stop: threading.Event) -> None:
        """Blocks until `stop` is set; safe to run on any thread."""
        self._report(LinkState.CONNECTING, f"正在连接{self.kind}（{self.port}）")
        connected_once = False
        while not stop.is_set():
            self.open_attempts += 1
            try:
                self._open()
            except Exception as exc:
                self._close()
                message = exc.message if isinstance(exc, DeviceError) else str(exc)
                if not isinstance(exc, DeviceError):
                    log.exception("%s %s: unexpected failure while opening", self.kind, self.port)
                self._report(LinkState.DISCONNECTED, f"{self.kind}未连接：{message}，每秒自动重试")
                stop.wait(self.retry_interval)
                continue
            if connected_once:
                self.reconnects += 1
            connected_once = True
            self._report(LinkState.CONNECTED, f"{self.kind}已连接（{self.port}）")
            silent = 0
            while not stop.is_set():
                try:
                    self._poll()
                    silent = 0
                except DeviceDisconnected as exc:
                    self._report(
                        LinkState.DISCONNECTED, f"{self.kind}连接已断开：{exc.message}，每秒自动重试"
                    )
                    break
                except DeviceTimeout as exc:
                    silent += 1
                    if silent >= MAX_SILENT_POLLS:
                        self._report(LinkState.DISCONNECTED, f"{self.kind}无响应，每秒自动重试")
                        break
                    self.on_error(exc)
                except DeviceError as exc:
                    self.on_error(exc)
                except Exception as exc:  # a driver bug must not kill the worker thread
                    log.exception("%s %s: unexpected failure", self.kind, self.port)
                    self._report(LinkState.DISCONNECTED, f"{self.kind}发生内部错误：{exc}，每秒自动重试")
                    break
                stop.wait(self.poll_interval)
            self._close()
            stop.wait(self.retry_interval)
        self._close()
        self._report(LinkState.STOPPED, f"{self.kind}已停止（{self.port}）")
