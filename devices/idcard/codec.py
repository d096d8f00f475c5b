"""Framing of the resident ID-card reader's SAM serial protocol (GA 467) — pure bytes, no I/O.

Frame: ``AA AA AA 96 69 | LEN_H LEN_L | body… | CHK``; LEN counts every byte after itself
(checksum included), CHK is the XOR of LEN and body. Replies carry ``SW1 SW2 SW3`` first and
the module's verdict is SW3. Receivers resync on the preamble because stray bytes occur.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import reduce

from devices.errors import DeviceError, FrameError

log = logging.getLogger("onewindow.device.idcard")

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_LEN = 7  # preamble + LEN
# Largest reply we accept (text + photo + 1024 bytes of fingerprint = 2321 bytes); anything
# claiming more is a false preamble inside noise, so we resync instead of waiting for it.
MAX_LEN = 4096

# (CMD, PARA) pairs
CMD_RESET = (0x10, 0xFF)
CMD_STATUS = (0x11, 0xFF)
CMD_MODULE_ID = (0x12, 0xFF)
CMD_FIND = (0x20, 0x01)
CMD_SELECT = (0x20, 0x02)
CMD_READ = (0x30, 0x01)
CMD_READ_ADDRESS = (0x30, 0x03)
CMD_READ_FINGERPRINT = (0x30, 0x10)
CMD_SET_RF_FRAME = (0x61, 0xFF)
CMD_SET_BAUD = (0x60, 0x00)

SW3_OK = 0x90
SW3_FIND_OK = 0x9F
SW3_NO_CONTENT = 0x91
SW3_NO_CARD = 0x80

# SW3 → Chinese message (shown to the clerk as is).
SW3_MESSAGES: dict[int, str] = {
    0x10: "读卡器报告校验和错误",
    0x11: "读卡器报告长度错误",
    0x21: "读卡器不支持该命令",
    0x23: "读卡器未授权执行该操作",
    0x24: "读卡器报告未知错误",
    0x31: "证件认证读卡器失败，请重新放卡",
    0x32: "读卡器认证证件失败，请重新放卡",
    0x33: "证件信息验证错误，请重新放卡",
    0x40: "无法识别的证件类型",
    0x41: "读卡失败，请重新放卡",
    0x47: "取随机数失败，请重新放卡",
    0x60: "读卡器模块自检失败，请检查设备",
    0x66: "读卡器模块未授权",
    0x80: "读卡器上没有证件",
    0x81: "选卡失败，请重新放卡",
    0x91: "证件无此项内容",
}


class IdCardError(DeviceError):
    """Any ID-card reader failure."""


class StatusError(IdCardError):
    """The module answered with an SW3 other than the expected success code."""

    def __init__(self, sw3: int) -> None:
        self.sw3 = sw3
        super().__init__(SW3_MESSAGES.get(sw3, "读卡器返回未知状态"), f"SW3={sw3:02X}")


class NoCardError(StatusError):
    """SW3 80: nothing on the reader."""


class NoContentError(StatusError):
    """SW3 91: the requested item (e.g. appended address) is empty."""


def status_error(sw3: int) -> StatusError:
    if sw3 == SW3_NO_CARD:
        return NoCardError(sw3)
    if sw3 == SW3_NO_CONTENT:
        return NoContentError(sw3)
    return StatusError(sw3)


def xor_checksum(data: bytes | bytearray | memoryview) -> int:
    return reduce(int.__xor__, bytes(data), 0)


def _frame(body: bytes) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([xor_checksum(length + body)])


def build_command(cmd: int, para: int, data: bytes = b"") -> bytes:
    """Command frame, e.g. build_command(0x11, 0xFF) == AA AA AA 96 69 00 03 11 FF ED."""
    return _frame(bytes([cmd, para]) + data)


def build_response(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    return _frame(bytes([sw1, sw2, sw3]) + data)


@dataclass(frozen=True, slots=True)
class Response:
    sw1: int
    sw2: int
    sw3: int
    data: bytes

    def raise_for_status(self, *expected: int) -> None:
        if self.sw3 not in (expected or (SW3_OK,)):
            raise status_error(self.sw3)


@dataclass(frozen=True, slots=True)
class Command:
    cmd: int
    para: int
    data: bytes


def check_frame(frame: bytes) -> bytes:
    """Validate one complete frame (preamble first) and return its body (without CHK)."""
    if not frame.startswith(PREAMBLE):
        raise FrameError("读卡器应答格式错误", "missing preamble")
    if len(frame) < HEADER_LEN + 1:
        raise FrameError("读卡器应答不完整", f"{len(frame)} bytes")
    length = int.from_bytes(frame[5:7], "big")
    if len(frame) != HEADER_LEN + length:
        raise FrameError("读卡器应答长度错误", f"LEN={length}, got {len(frame) - HEADER_LEN}")
    if xor_checksum(frame[5:-1]) != frame[-1]:
        raise FrameError("读卡器应答校验和错误", f"CHK={frame[-1]:02X}")
    return frame[HEADER_LEN:-1]


def decode_response(frame: bytes) -> Response:
    body = check_frame(frame)
    if len(body) < 3:
        raise FrameError("读卡器应答长度错误", f"body of {len(body)} bytes")
    return Response(body[0], body[1], body[2], bytes(body[3:]))


def decode_command(frame: bytes) -> Command:
    body = check_frame(frame)
    if len(body) < 2:
        raise FrameError("读卡器命令长度错误", f"body of {len(body)} bytes")
    return Command(body[0], body[1], bytes(body[2:]))


class FrameSplitter:
    """Cuts a byte stream into frames, resyncing on the preamble.

    ``feed`` appends bytes; ``pop`` returns the next complete candidate frame (checksum not yet
    verified) or None. Bytes that cannot start a frame are dropped and counted in
    ``discarded``. A header claiming an impossible length is a false preamble: skip a byte and
    search again. A candidate that then fails its checksum goes back through ``reject``.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.discarded = 0

    def clear(self) -> None:
        self._buf.clear()

    @property
    def pending(self) -> int:
        return len(self._buf)

    def needed(self) -> int:
        """How many more bytes at least complete the frame in progress (>= 1)."""
        buf = self._buf
        idx = buf.find(PREAMBLE)
        if idx < 0:
            return max(1, HEADER_LEN - len(buf))
        avail = len(buf) - idx
        if avail < HEADER_LEN:
            return HEADER_LEN - avail
        total = HEADER_LEN + int.from_bytes(buf[idx + 5 : idx + 7], "big")
        return max(1, total - avail)

    def feed(self, data: bytes) -> None:
        self._buf += data

    def pop(self) -> bytes | None:
        buf = self._buf
        while True:
            idx = buf.find(PREAMBLE)
            if idx < 0:
                # keep a tail that could be the start of a preamble split across reads
                keep = 0
                for k in range(min(len(PREAMBLE) - 1, len(buf)), 0, -1):
                    if PREAMBLE.startswith(bytes(buf[-k:])):
                        keep = k
                        break
                self._drop(len(buf) - keep)
                return None
            if idx:
                self._drop(idx)
            if len(buf) < HEADER_LEN:
                return None
            length = int.from_bytes(buf[5:7], "big")
            if length < 3 or length > MAX_LEN:
                self._drop(1)
                continue
            total = HEADER_LEN + length
            if len(buf) < total:
                return None
            frame = bytes(buf[:total])
            del buf[:total]
            return frame

    def frames(self, data: bytes = b"") -> list[bytes]:
        """Feed and pop every complete candidate (no rejects; for simple consumers and tests)."""
        self.feed(data)
        out = []
        while (frame := self.pop()) is not None:
            out.append(frame)
        return out

    def skip_false_start(self) -> bool:
        """The line went quiet with an incomplete frame pending: if another preamble follows
        the first, the first was noise claiming a long length — drop up to the next one."""
        nxt = self._buf.find(PREAMBLE, 1)
        if nxt < 0:
            return False
        self._drop(nxt)
        return True

    def reject(self, frame: bytes) -> None:
        """A candidate failed its checksum: its preamble may have been noise, so search again
        from the byte after it (the real frame can start inside the rejected candidate)."""
        self.discarded += 1
        self._buf[:0] = frame[1:]

    def _drop(self, n: int) -> None:
        if n > 0:
            self.discarded += n
            del self._buf[:n]
