"""An ID-card reader on a pseudo-terminal: speaks the SAM protocol with a configurable card.

Tests and the demo hall drive it: place/remove a card, inject SW3 errors, split replies into
delayed fragments, prepend noise, corrupt or cut a reply (card pulled away mid-read), or stay
silent. Every reply is paced at the baud rate by the base class.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from dataclasses import dataclass

from devices.errors import FrameError
from devices.idcard import codec
from devices.idcard.card import IdCard, encode_module_id, encode_read_data
from devices.pty import SerialEmulator

log = logging.getLogger("onewindow.device.emulator")

DEFAULT_MODULE_ID = (5, 1, 20140702, 1234567, 987654321)


@dataclass
class _Fault:
    command: tuple[int, int] | None  # None = any command
    count: int
    sw3: int | None = None  # reply with this status instead
    corrupt: bool = False  # flip a bit of the reply (checksum error on the host)
    truncate: int | None = None  # send only this many bytes of the reply
    remove_card: bool = False  # the card leaves the field (with truncate: mid-read)
    silent: bool = False  # no reply at all


class IdCardEmulator(SerialEmulator):
    name = "idcard-emulator"

    def __init__(
        self,
        card: IdCard | None = None,
        *,
        baud: int = 115200,
        link: str | os.PathLike[str] | None = None,
        module_id: tuple[int, int, int, int, int] = DEFAULT_MODULE_ID,
        fragments: int = 1,
        fragment_gap: float = 0.0,
        noise: bytes = b"",
        reply_delay: float = 0.0,
        appended_address: str = "",
        transport: str = "auto",
        tcp_port: int = 0,
    ) -> None:
        super().__init__(baud=baud, link=link, transport=transport, tcp_port=tcp_port)
        self._lock = threading.Lock()
        self._card = card
        self._selected = False
        self.module_id = module_id
        self.fragments = fragments
        self.fragment_gap = fragment_gap
        self.noise = noise
        self.reply_delay = reply_delay
        self.appended_address = appended_address
        self.silent = False
        self._faults: list[_Fault] = []
        self._splitter = codec.FrameSplitter()
        self.commands: Counter[tuple[int, int]] = Counter()

    # --- control (any thread) ---------------------------------------------------------------

    @property
    def card(self) -> IdCard | None:
        with self._lock:
            return self._card

    def place(self, card: IdCard, *, appended_address: str | None = None) -> None:
        with self._lock:
            self._card = card
            self._selected = False
            if appended_address is not None:
                self.appended_address = appended_address

    def remove(self) -> None:
        with self._lock:
            self._card = None
            self._selected = False

    def inject_status(self, sw3: int, command: tuple[int, int] | None = None, count: int = 1) -> None:
        """The next `count` replies to `command` (any command if None) carry this SW3."""
        self._add(_Fault(command, count, sw3=sw3))

    def corrupt_next(self, command: tuple[int, int] | None = None, count: int = 1) -> None:
        self._add(_Fault(command, count, corrupt=True))

    def ignore_next(self, command: tuple[int, int] | None = None, count: int = 1) -> None:
        self._add(_Fault(command, count, silent=True))

    def remove_during_read(self, after_bytes: int = 600) -> None:
        """The next read reply stops after `after_bytes` bytes and the card is gone."""
        self._add(_Fault(codec.CMD_READ, 1, truncate=after_bytes, remove_card=True))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, command: tuple[int, int]) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.command is None or fault.command == command:
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # --- protocol (emulator thread) ---------------------------------------------------------

    def on_data(self, data: bytes) -> None:
        self._splitter.feed(data)
        while (frame := self._splitter.pop()) is not None:
            try:
                command = codec.decode_command(frame)
            except FrameError:
                self._reply(codec.build_response(0x10), None)
                continue
            key = (command.cmd, command.para)
            self.commands[key] += 1
            self._reply(self._answer(key, command.data), key)

    def _answer(self, key: tuple[int, int], data: bytes) -> bytes:
        with self._lock:
            card = self._card
            if key in (codec.CMD_RESET, codec.CMD_STATUS, codec.CMD_SET_RF_FRAME) or key[0] == 0x60:
                return codec.build_response(codec.SW3_OK)
            if key == codec.CMD_MODULE_ID:
                return codec.build_response(codec.SW3_OK, encode_module_id(*self.module_id))
            if key == codec.CMD_FIND:
                if card is None:
                    return codec.build_response(codec.SW3_NO_CARD)
                return codec.build_response(codec.SW3_FIND_OK, bytes(4))
            if key == codec.CMD_SELECT:
                if card is None:
                    return codec.build_response(0x81)
                self._selected = True
                return codec.build_response(codec.SW3_OK, bytes(8))
            if key in (codec.CMD_READ, codec.CMD_READ_FINGERPRINT):
                if card is None or not self._selected:
                    return codec.build_response(0x41)
                fp = b"" if key == codec.CMD_READ_FINGERPRINT else None
                return codec.build_response(codec.SW3_OK, encode_read_data(card, fingerprint=fp))
            if key == codec.CMD_READ_ADDRESS:
                if card is None or not self._selected:
                    return codec.build_response(0x41)
                if not self.appended_address:
                    return codec.build_response(codec.SW3_NO_CONTENT)
                return codec.build_response(codec.SW3_OK, self.appended_address.encode("utf-16-le"))
            return codec.build_response(0x21)

    def _reply(self, reply: bytes, key: tuple[int, int] | None) -> None:
        if self.silent:
            return
        fault = self._take_fault(key) if key is not None else None
        if fault is not None:
            if fault.silent:
                return
            if fault.sw3 is not None:
                reply = codec.build_response(fault.sw3)
            if fault.corrupt:
                flipped = bytearray(reply)
                flipped[len(flipped) // 2] ^= 0x04
                reply = bytes(flipped)
            if fault.truncate is not None:
                reply = reply[: fault.truncate]
            if fault.remove_card:
                self.remove()
        self.send(self.noise + reply, fragments=self.fragments, gap=self.fragment_gap, delay=self.reply_delay)
