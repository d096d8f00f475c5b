"""Card monitor: polls a reader, reports each placed card once, survives unplugging."""

from __future__ import annotations

from collections.abc import Callable

from devices.errors import DeviceDisconnected, DeviceError, DeviceTimeout
from devices.idcard.card import IdCard
from devices.idcard.driver import DEFAULT_BAUD, IdCardReader
from devices.monitor import MAX_READ_ATTEMPTS, DeviceMonitor, ErrorCallback, StatusCallback, ignore


class IdCardMonitor(DeviceMonitor):
    """Polls a reader for cards; each placed card is reported once (80 → 9F edge)."""

    kind = "读卡器"

    def __init__(
        self,
        port: str,
        baud: int = DEFAULT_BAUD,
        *,
        on_card: Callable[[IdCard], None] = ignore,
        on_status: StatusCallback = ignore,
        on_error: ErrorCallback = ignore,
        poll_interval: float = 0.5,
        retry_interval: float = 1.0,
        read_timeout: float = 2.0,
        command_timeout: float = 0.8,
        with_address: bool = True,
    ) -> None:
        super().__init__(
            port,
            poll_interval=poll_interval,
            retry_interval=retry_interval,
            on_status=on_status,
            on_error=on_error,
        )
        self.on_card = on_card
        self.with_address = with_address
        self.reader = IdCardReader(port, baud, command_timeout=command_timeout, read_timeout=read_timeout)
        self._card_done = False  # the card in the field has been read (or given up on)
        self._attempts = 0

    def _open(self) -> None:
        self.reader.open()
        self.reader.status()
        self._card_done = False
        self._attempts = 0

    def _close(self) -> None:
        self.reader.close()

    def _poll(self) -> None:
        if not self.reader.find():
            self._card_done = False
            self._attempts = 0
            return
        if self._card_done:
            return
        self._attempts += 1
        try:
            self.reader.select()
            card = self.reader.read_selected(with_address=self.with_address)
        except DeviceDisconnected:
            raise
        except DeviceError as exc:
            if self._attempts >= MAX_READ_ATTEMPTS:
                self._card_done = True  # wait for the card to be taken away and placed again
            if isinstance(exc, DeviceTimeout):
                self.on_error(exc)  # a read timeout is the card, not a silent reader
                return
            raise
        self._card_done = True
        self.on_card(card)
