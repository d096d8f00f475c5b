"""Optional ID-card photo decoding through a vendor library the site has licensed.

The card photo is 1024 bytes of WLT, a patented format with no open decoder, so OneWindow
keeps the raw bytes and never ships a decoder. A site that has a vendor library configures its
path; we load it with ctypes and call the common entry point

    int unpack(const unsigned char *wlt, unsigned char *bmp, int flag)   /* 1 = success */

which writes a 102×126 24-bit BMP (38,862 bytes). Name, flag, success code and output size
are options because vendors differ.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from pathlib import Path
from typing import Protocol

from devices.idcard.codec import IdCardError

log = logging.getLogger("onewindow.device.idcard")

BMP_SIZE = 38862  # 54-byte header + 126 rows × 308 bytes (102 px × 3, padded to 4)


class PhotoDecodeError(IdCardError):
    """The photo could not be decoded (library missing, refused the data, bad output)."""


class PhotoDecoder(Protocol):
    def decode(self, wlt: bytes) -> bytes:
        """WLT bytes → image file bytes (BMP)."""
        ...


class CtypesWltDecoder:
    def __init__(
        self,
        library: str | Path,
        *,
        function: str = "unpack",
        flag: int = 1,
        success: int = 1,
        out_size: int = BMP_SIZE,
    ) -> None:
        try:
            self._lib = ctypes.CDLL(str(library))
            self._fn = getattr(self._lib, function)
        except (OSError, AttributeError) as exc:
            raise PhotoDecodeError("无法加载照片解码库", f"{library}: {exc}") from exc
        self._fn.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
        self._fn.restype = ctypes.c_int
        self.flag = flag
        self.success = success
        self.out_size = out_size
        self._lock = threading.Lock()  # vendor decoders are rarely re-entrant

    def decode(self, wlt: bytes) -> bytes:
        if len(wlt) != 1024:
            raise PhotoDecodeError("证件照片数据长度错误", f"{len(wlt)} bytes")
        out = ctypes.create_string_buffer(self.out_size)
        with self._lock:
            rc = self._fn(wlt, out, self.flag)
        if rc != self.success:
            raise PhotoDecodeError("证件照片解码失败", f"decoder returned {rc}")
        data = out.raw
        if not data.startswith(b"BM"):
            raise PhotoDecodeError("照片解码库输出格式错误", data[:2].hex())
        size = int.from_bytes(data[2:6], "little")
        return data[:size] if 0 < size <= len(data) else data


def load_photo_decoder(library: str | Path | None, **options: int | str) -> PhotoDecoder | None:
    """None when no library is configured (the usual case); raises PhotoDecodeError if the
    configured one cannot be loaded, so a wrong path is reported at start-up, not per card."""
    if not library:
        return None
    decoder = CtypesWltDecoder(
        library,
        function=str(options.get("function", "unpack")),
        flag=int(options.get("flag", 1)),
        success=int(options.get("success", 1)),
        out_size=int(options.get("out_size", BMP_SIZE)),
    )
    log.info("ID-card photo decoder loaded from %s", library)
    return decoder
