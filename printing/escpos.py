"""ESC/POS bytes for thermal ticket printers — pure functions, no I/O.

Commands as in shared/PROTOCOLS.md §4. Chinese printers take GB18030 text in Chinese mode
(FS & … FS .); printers without a Chinese font ROM get the text as a raster image (GS v 0)
rendered with Pillow in the same CJK font as the PDFs.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING

from printing.models import TicketData
from printing.ticket_pdf import RATING_HINT, check_width, rating_text, ticket_lines

if TYPE_CHECKING:
    from PIL import Image

INIT = b"\x1b\x40"
CHINESE_ON = b"\x1c\x26"
CHINESE_OFF = b"\x1c\x2e"
PARTIAL_CUT = b"\x1d\x56\x42\x00"
PAPER_STATUS_QUERY = b"\x10\x04\x04"
LF = b"\n"

QR_MAX_BYTES = 2953  # version 40, level L; the printer refuses anything longer
RASTER_BAND_ROWS = 128  # many printers' receive buffers choke on one huge GS v 0 block

# Dots across the printable width at 203 dpi, and Font A (12 dots) columns.
DOTS = {80: 576, 58: 384}
COLUMNS = {80: 48, 58: 32}


class Align(IntEnum):
    LEFT = 0
    CENTRE = 1
    RIGHT = 2


def align(value: Align) -> bytes:
    return b"\x1b\x61" + bytes([value])


def bold(on: bool) -> bytes:
    return b"\x1b\x45" + bytes([1 if on else 0])


def char_size(width: int = 1, height: int = 1) -> bytes:
    """GS ! n: width and height multipliers 1–8."""
    if not (1 <= width <= 8 and 1 <= height <= 8):
        raise ValueError(f"character size must be 1–8, got {width}×{height}")
    return b"\x1d\x21" + bytes([(width - 1) << 4 | (height - 1)])


def feed(lines: int) -> bytes:
    return b"\x1b\x64" + bytes([max(0, min(lines, 255))])


def text(value: str) -> bytes:
    return value.encode("gb18030")


def qr_code(payload: str, module_size: int = 6, error_level: int = 49) -> bytes:
    """Native QR (GS ( k): model 2, module size, error level 48–51 (L/M/Q/H), store, print."""
    data = payload.encode("utf-8")
    if not data:
        raise ValueError("二维码内容为空")
    if len(data) > QR_MAX_BYTES:
        raise ValueError(f"二维码内容过长（{len(data)} 字节，最多 {QR_MAX_BYTES}）")
    if not (1 <= module_size <= 16) or error_level not in (48, 49, 50, 51):
        raise ValueError("QR module size must be 1–16 and error level 48–51")
    store = len(data) + 3
    return b"".join(
        (
            b"\x1d\x28\x6b\x04\x00\x31\x41\x32\x00",
            b"\x1d\x28\x6b\x03\x00\x31\x43" + bytes([module_size]),
            b"\x1d\x28\x6b\x03\x00\x31\x45" + bytes([error_level]),
            b"\x1d\x28\x6b" + bytes([store & 0xFF, store >> 8]) + b"\x31\x50\x30" + data,
            b"\x1d\x28\x6b\x03\x00\x31\x51\x30",
        )
    )


def raster(bits: bytes, width_bytes: int, height: int) -> bytes:
    """GS v 0, normal density; bits are packed rows, MSB first, 1 = black."""
    if len(bits) != width_bytes * height:
        raise ValueError("raster data does not match width × height")
    header = b"\x1d\x76\x30\x00" + bytes([width_bytes & 0xFF, width_bytes >> 8, height & 0xFF, height >> 8])
    return header + bits


def image_to_raster(image: Image.Image) -> bytes:
    """A Pillow image → GS v 0 bands (dark pixels print)."""
    from PIL import Image, ImageOps

    mono = ImageOps.invert(image.convert("L")).convert("1", dither=Image.Dither.NONE)  # mode "1": bit 1 = white → invert first
    width_bytes = (mono.width + 7) // 8
    out = bytearray()
    for top in range(0, mono.height, RASTER_BAND_ROWS):
        band = mono.crop((0, top, width_bytes * 8, min(top + RASTER_BAND_ROWS, mono.height)))
        out += raster(band.tobytes(), width_bytes, band.height)
    return bytes(out)


@dataclass(frozen=True, slots=True)
class PaperStatus:
    """Answer to DLE EOT 4 (paper sensor)."""

    raw: int

    @property
    def paper_out(self) -> bool:
        return bool(self.raw & 0x60)

    @property
    def near_end(self) -> bool:
        return bool(self.raw & 0x0C)


def display_width(value: str) -> int:
    """Columns on the printer: full-width (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in value)


def wrap_columns(value: str, columns: int) -> list[str]:
    """Break text into printer lines by display width, so a CJK character is never split."""
    lines: list[str] = []
    for paragraph in value.splitlines() or [""]:
        line, width = "", 0
        for c in paragraph:
            w = display_width(c)
            if width + w > columns and line:
                lines.append(line)
                line, width = "", 0
            line += c
            width += w
        lines.append(line)
    return lines


def _text_block(value: str, columns: int, scale: int) -> bytes:
    """Wrapped lines at a size that fits: scale down rather than let the printer break a word."""
    while scale > 1 and display_width(value) * scale > columns:
        scale -= 1
    body = b"".join(text(line) + LF for line in wrap_columns(value, columns // scale))
    return char_size(scale, scale) + body + char_size(1, 1)


def ticket_escpos(ticket: TicketData, width_mm: int = 80) -> bytes:
    """The ticket in Chinese text mode (printer's own GB18030 font)."""
    check_width(width_mm)
    cols = COLUMNS[width_mm]
    out = bytearray(INIT + CHINESE_ON + align(Align.CENTRE))
    out += bold(True) + _text_block(ticket.site_name, cols, 2) + bold(False)
    out += _text_block(ticket.category_name, cols, 1)
    out += bold(True) + _text_block(ticket.number, cols, 4 if width_mm == 80 else 3) + bold(False)
    for line in ticket_lines(ticket):
        out += _text_block(line, cols, 1)
    if ticket.qr_payload:
        out += qr_code(ticket.qr_payload, module_size=6 if width_mm == 80 else 4) + LF
    out += _text_block(f"取号时间：{ticket.issued_at:%Y-%m-%d %H:%M}", cols, 1)
    if ticket.notice:
        out += align(Align.LEFT) + _text_block(ticket.notice, cols, 1)
    if ticket.rating_code:
        out += align(Align.CENTRE) + LF + _text_block(RATING_HINT, cols, 1)
        if ticket.rating_qr:
            out += qr_code(ticket.rating_qr, module_size=4 if width_mm == 80 else 3) + LF
        out += bold(True) + _text_block(rating_text(ticket.rating_code), cols, 1) + bold(False)
    out += CHINESE_OFF + feed(4) + PARTIAL_CUT
    return bytes(out)


def _render_lines(lines: list[tuple[str, int]], width_px: int, font_spec: str | None) -> Image.Image:
    """Centred lines (text, pixel size) on a white strip as wide as the paper."""
    from PIL import Image, ImageDraw

    from printing.fonts import pil_font

    rows: list[tuple[str, int]] = []
    for value, size in lines:
        font = pil_font(size, font_spec)
        for paragraph in value.splitlines() or [""]:
            line = ""
            for c in paragraph:  # wrap by measured width: the font is proportional
                if line and font.getlength(line + c) > width_px - 8:
                    rows.append((line, size))
                    line = ""
                line += c
            rows.append((line, size))
    height = sum(int(size * 1.3) for _, size in rows) + 8
    image = Image.new("L", (width_px, height), 255)
    draw = ImageDraw.Draw(image)
    y = 4
    for line, size in rows:
        font = pil_font(size, font_spec)
        draw.text(((width_px - font.getlength(line)) / 2, y), line, font=font, fill=0)
        y += int(size * 1.3)
    return image


def ticket_raster_images(
    ticket: TicketData, width_mm: int = 80, font_spec: str | None = None
) -> tuple[Image.Image, Image.Image]:
    """The two text parts of a raster ticket (above and below the QR code)."""
    check_width(width_mm)
    dots = DOTS[width_mm]
    narrow = width_mm == 58
    head = _render_lines(
        [
            (ticket.site_name, 28 if narrow else 36),
            (ticket.category_name, 24 if narrow else 28),
            (ticket.number, 80 if narrow else 110),
            *[(line, 24 if narrow else 28) for line in ticket_lines(ticket)],
        ],
        dots,
        font_spec,
    )
    lines = [(f"取号时间：{ticket.issued_at:%Y-%m-%d %H:%M}", 22 if narrow else 24)]
    if ticket.notice:
        lines.append((ticket.notice, 20 if narrow else 22))
    if ticket.rating_code:
        lines.append((RATING_HINT, 20 if narrow else 22))
    return head, _render_lines(lines, dots, font_spec)


def rating_raster_image(ticket: TicketData, width_mm: int = 80, font_spec: str | None = None) -> Image.Image:
    """The rating code's text under its QR code on a raster ticket."""
    return _render_lines([(rating_text(ticket.rating_code), 24 if width_mm == 58 else 28)], DOTS[width_mm], font_spec)


def ticket_escpos_raster(ticket: TicketData, width_mm: int = 80, font_spec: str | None = None) -> bytes:
    """The ticket for printers without a Chinese font: text as raster images, QR still native."""
    head, foot = ticket_raster_images(ticket, width_mm, font_spec)
    out = bytearray(INIT + align(Align.CENTRE) + image_to_raster(head))
    if ticket.qr_payload:
        out += qr_code(ticket.qr_payload, module_size=6 if width_mm == 80 else 4) + LF
    out += image_to_raster(foot)
    if ticket.rating_code:
        if ticket.rating_qr:
            out += qr_code(ticket.rating_qr, module_size=4 if width_mm == 80 else 3) + LF
        out += image_to_raster(rating_raster_image(ticket, width_mm, font_spec))
    out += feed(4) + PARTIAL_CUT
    return bytes(out)
