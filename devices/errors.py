"""Error types shared by every device: each carries a plain Chinese message for the UI."""

from __future__ import annotations


class DeviceError(Exception):
    """Base of every device failure; `message` is Chinese and may be shown as is."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message if not detail else f"{message}（{detail}）")
        self.message = message
        self.detail = detail


class DeviceTimeout(DeviceError):
    """The device did not answer (completely) within the allowed time."""


class DeviceDisconnected(DeviceError):
    """The port cannot be opened or vanished (unplugged, emulator stopped)."""


class FrameError(DeviceError):
    """A reply was malformed: wrong checksum, impossible length, bad structure."""
