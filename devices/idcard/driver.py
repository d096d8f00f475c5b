"""pyserial driver for SAM ID-card readers: one command/response transaction at a time.

Hot path (a full read is ~1.3 kB at 115200 baud): after the 7-byte header we ask pyserial for
exactly the remaining bytes, which returns the moment they are in — no sleeps, no polling.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from types import TracebackType
from typing import Self

import serial

from devices.errors import DeviceDisconnected, DeviceTimeout, FrameError
from devices.idcard import codec
from devices.idcard.card import IdCard, format_module_id, parse_appended_address, parse_read_data
from devices.serial_port import PORT_ERRORS, close_serial, open_serial

log = logging.getLogger("onewindow.device.idcard")

DEFAULT_BAUD = 115200


class IdCardReader:
    def __init__(
        self,
        port: str,
        baud: int = DEFAULT_BAUD,
        *,
        command_timeout: float = 0.8,
        read_timeout: float = 2.0,
    ) -> None:
        self.port = port
        self.baud = baud
        self.command_timeout = command_timeout
        self.read_timeout = read_timeout
        self._ser: serial.SerialBase | None = None
        self._splitter = codec.FrameSplitter()

    # --- port -------------------------------------------------------------------------------

    def open(self) -> Self:
        if self._ser is None:
            self._ser = open_serial(self.port, self.baud, what="读卡器")
            self._splitter.clear()
        return self

    def close(self) -> None:
        ser, self._ser = self._ser, None
        if ser is not None:
            close_serial(ser)

    @property
    def is_open(self) -> bool:
        return self._ser is not None

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- transactions -----------------------------------------------------------------------

    def transact(
        self, cmd: int, para: int, data: bytes = b"", *, timeout: float | None = None
    ) -> codec.Response:
        """Send one command and return the module's reply (status not yet checked)."""
        ser = self._ser
        if ser is None:
            raise DeviceDisconnected("读卡器端口未打开", self.port)
        frame = codec.build_command(cmd, para, data)
        try:
            # Drop leftovers of an earlier, timed-out reply so they cannot answer this command.
            ser.reset_input_buffer()
            self._splitter.clear()
            ser.write(frame)
            return self._read_response(ser, time.monotonic() + (timeout or self.command_timeout))
        except serial.SerialTimeoutException as exc:
            raise DeviceTimeout("读卡器不接收数据", str(exc)) from exc
        except PORT_ERRORS as exc:
            raise DeviceDisconnected("读卡器连接已断开", str(exc)) from exc

    def _read_response(self, ser: serial.SerialBase, deadline: float) -> codec.Response:
        splitter = self._splitter
        bad_frame: FrameError | None = None
        while True:
            while (frame := splitter.pop()) is not None:
                try:
                    return codec.decode_response(frame)
                except FrameError as exc:
                    log.warning("discarding bad frame from %s: %s", self.port, exc)
                    bad_frame = exc
                    splitter.reject(frame)
            if time.monotonic() >= deadline:
                if bad_frame is not None:
                    raise bad_frame
                if splitter.pending:
                    raise DeviceTimeout("读卡器应答不完整", f"{splitter.pending} bytes then silence")
                raise DeviceTimeout("读卡器无响应", self.port)
            # Exactly what completes the frame in progress, plus anything already buffered.
            want = max(splitter.needed(), ser.in_waiting)
            chunk = ser.read(want)
            if chunk:
                splitter.feed(chunk)
            elif bad_frame is not None and not splitter.pending:
                raise bad_frame  # a corrupt reply and then a quiet line: nothing better is coming
            elif splitter.pending and splitter.skip_false_start():
                log.warning("resynced past a false frame header from %s", self.port)

    def command(self, key: tuple[int, int], *expected: int, timeout: float | None = None) -> codec.Response:
        resp = self.transact(*key, timeout=timeout)
        resp.raise_for_status(*expected)
        return resp

    def reset(self) -> None:
        self.command(codec.CMD_RESET)

    def status(self) -> None:
        """Module liveness (11 FF); raises StatusError unless the module answers 90."""
        self.command(codec.CMD_STATUS)

    def set_rf_frame_size(self, size: int = 0x50) -> None:
        """Largest RF frame the module uses with the card (61 FF nn); 80 is the common value."""
        if not 1 <= size <= 0xFF:
            raise ValueError("RF frame size must be 1–255")
        self.transact(*codec.CMD_SET_RF_FRAME, bytes([size])).raise_for_status()

    def module_id(self) -> str:
        return format_module_id(self.command(codec.CMD_MODULE_ID).data)

    def find(self) -> bool:
        """True when a card is in the field (9F), False on 80; other codes raise."""
        resp = self.transact(*codec.CMD_FIND)
        if resp.sw3 == codec.SW3_NO_CARD:
            return False
        resp.raise_for_status(codec.SW3_FIND_OK)
        return True

    def select(self) -> None:
        self.command(codec.CMD_SELECT)

    def read_selected(self, *, with_address: bool = True) -> IdCard:
        """Read text and photo (30 01) and, if asked, the appended address (30 03)."""
        try:
            resp = self.command(codec.CMD_READ, timeout=self.read_timeout)
        except DeviceTimeout as exc:
            raise DeviceTimeout("读卡超时，请重新放卡", exc.detail) from exc
        card = parse_read_data(resp.data)
        if with_address:
            resp = self.transact(*codec.CMD_READ_ADDRESS)
            if resp.sw3 == codec.SW3_OK and resp.data:
                card = dataclasses.replace(card, appended_address=parse_appended_address(resp.data))
            elif resp.sw3 not in (codec.SW3_OK, codec.SW3_NO_CONTENT):
                log.info("appended address not read: SW3=%02X", resp.sw3)
        return card

    def read_card(self, *, with_address: bool = True) -> IdCard:
        """find → select → read, for a card already on the reader; NoCardError if none."""
        if not self.find():
            raise codec.NoCardError(codec.SW3_NO_CARD)
        self.select()
        return self.read_selected(with_address=with_address)

    def wait_for_card(
        self, timeout: float, *, poll_interval: float = 0.2, with_address: bool = True
    ) -> IdCard:
        """Poll for a card for up to `timeout` seconds and read it (the CLI's one-shot read)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.find():
                self.select()
                return self.read_selected(with_address=with_address)
            left = deadline - time.monotonic()
            if left <= 0:
                raise codec.NoCardError(codec.SW3_NO_CARD)
            time.sleep(min(poll_interval, left))
