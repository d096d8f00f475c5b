"""ESC/POS encoder and the emulator's decoder, without any port."""

from __future__ import annotations

import dataclasses
import random

import pytest
from PIL import Image, ImageDraw

from printing import escpos, samples
from printing.emulator import EscPosDecoder
from printing.escpos import (
    PARTIAL_CUT,
    Align,
    PaperStatus,
    align,
    char_size,
    display_width,
    image_to_raster,
    qr_code,
    ticket_escpos,
    ticket_escpos_raster,
    ticket_raster_images,
    wrap_columns,
)


def test_command_bytes_match_the_protocol_sheet() -> None:
    assert bytes.fromhex("1B 40") == escpos.INIT
    assert bytes.fromhex("1C 26") == escpos.CHINESE_ON and bytes.fromhex("1C 2E") == escpos.CHINESE_OFF
    assert bytes.fromhex("1D 56 42 00") == PARTIAL_CUT
    assert bytes.fromhex("10 04 04") == escpos.PAPER_STATUS_QUERY
    assert align(Align.CENTRE) == bytes.fromhex("1B 61 01")
    assert escpos.bold(True) == bytes.fromhex("1B 45 01")
    assert char_size(2, 2) == bytes.fromhex("1D 21 11") and char_size(4, 3) == bytes.fromhex("1D 21 32")
    assert escpos.feed(4) == bytes.fromhex("1B 64 04")
    with pytest.raises(ValueError):
        char_size(9, 1)


def test_qr_code_bytes() -> None:
    assert qr_code("A012", module_size=6, error_level=49) == bytes.fromhex(
        "1D 28 6B 04 00 31 41 32 00"
        "1D 28 6B 03 00 31 43 06"
        "1D 28 6B 03 00 31 45 31"
        "1D 28 6B 07 00 31 50 30 41 30 31 32"
        "1D 28 6B 03 00 31 51 30"
    )
    long = qr_code("x" * 300)
    assert bytes.fromhex("1D 28 6B 2F 01 31 50 30") in long  # 303 = 0x012F, little-endian
    with pytest.raises(ValueError, match="过长"):
        qr_code("x" * 3000)
    with pytest.raises(ValueError, match="为空"):
        qr_code("")


@pytest.mark.parametrize(
    ("raw", "out", "near"), [(0x12, False, False), (0x1E, False, True), (0x72, True, False), (0x7E, True, True)]
)
def test_paper_status_bits(raw: int, out: bool, near: bool) -> None:
    status = PaperStatus(raw)
    assert (status.paper_out, status.near_end) == (out, near)


def test_wrap_by_display_width_never_splits_a_character() -> None:
    text = "请留意叫号屏幕和语音提示，过号请到综合导服台重新排队。Ticket A012"
    lines = wrap_columns(text, 32)
    assert "".join(lines) == text
    assert all(display_width(line) <= 32 for line in lines)
    assert display_width("受理A1") == 6


def test_text_ticket_is_gb18030_in_chinese_mode() -> None:
    data = ticket_escpos(samples.ticket(), 80)
    assert data.startswith(escpos.INIT + escpos.CHINESE_ON)
    assert "高新区政务服务大厅".encode("gb18030") in data
    assert data.endswith(escpos.CHINESE_OFF + escpos.feed(4) + PARTIAL_CUT)
    assert char_size(4, 4) + escpos.text("A012") in data


def _decode(data: bytes, chunks: list[int] | None = None) -> EscPosDecoder:
    decoder = EscPosDecoder()
    if chunks is None:
        decoder.feed(data)
        return decoder
    pos = 0
    for size in chunks:
        decoder.feed(data[pos : pos + size])
        pos += size
    decoder.feed(data[pos:])
    return decoder


def test_decoder_reads_the_text_ticket() -> None:
    ticket = samples.ticket()
    [printed] = _decode(ticket_escpos(ticket, 58)).tickets
    assert printed.cut == "partial"
    assert printed.qr_payloads == [ticket.qr_payload]
    number = next(line for line in printed.lines if line.text == "A012")
    assert (number.width, number.height, number.bold, number.align) == (3, 3, True, 1)
    assert "您前面还有 5 人等候" in printed.text and "预计等候约 18 分钟" in printed.text
    # The notice is left-aligned and wrapped at 32 columns on 58 mm paper.
    notice = [line for line in printed.lines if line.align == 0]
    assert "".join(line.text for line in notice) == ticket.notice
    assert all(display_width(line.text) <= 32 for line in notice)


def test_decoder_handles_bytes_split_anywhere() -> None:
    data = ticket_escpos(samples.ticket(), 80) + ticket_escpos_raster(samples.ticket(), 58)
    whole = _decode(data).tickets
    rng = random.Random(7)
    for _ in range(5):
        chunks = [rng.randint(1, 40) for _ in range(len(data) // 10)]
        split = _decode(data, chunks).tickets
        assert [(t.text, t.qr_payloads, t.images, t.cut, t.raw) for t in split] == [
            (t.text, t.qr_payloads, t.images, t.cut, t.raw) for t in whole
        ]
    assert len(whole) == 2 and whole[0].raw + whole[1].raw == data


def test_raster_round_trip_is_pixel_exact() -> None:
    image = Image.new("L", (100, 300), 255)  # not a multiple of 8 wide, taller than one band
    draw = ImageDraw.Draw(image)
    draw.rectangle((3, 5, 60, 290), fill=0)
    draw.line((0, 0, 99, 299), fill=0, width=3)
    data = image_to_raster(image)
    assert data.count(b"\x1d\x76\x30\x00") == 3  # bands of 128 rows
    [printed] = _decode(data + PARTIAL_CUT).tickets
    [decoded] = printed.images
    assert (decoded.width, decoded.height) == (104, 300)
    for y in range(0, 300, 7):
        for x in range(100):
            assert decoded.pixel(x, y) == (image.getpixel((x, y)) == 0), (x, y)


def test_raster_ticket_has_no_text_but_pictures_and_qr() -> None:
    ticket = samples.ticket()
    data = ticket_escpos_raster(ticket, 80)
    assert escpos.CHINESE_ON not in data
    [printed] = _decode(data).tickets
    assert printed.text.strip() == ""
    head, foot = ticket_raster_images(ticket, 80)
    assert [(i.width, i.height) for i in printed.images] == [(576, head.height), (576, foot.height)]
    assert printed.qr_payloads == [ticket.qr_payload]
    assert printed.images[0].black_dots() > 5000


def test_status_queries_are_answered_and_paper_out_spoils_the_ticket() -> None:
    decoder = EscPosDecoder()
    assert decoder.feed(escpos.PAPER_STATUS_QUERY) == bytes([0x12])
    decoder.paper = "near_end"
    assert decoder.feed(escpos.PAPER_STATUS_QUERY) == bytes([0x1E])
    decoder.paper = "out"
    assert decoder.feed(escpos.PAPER_STATUS_QUERY + b"\x10\x04\x02") == bytes([0x72, 0x32])
    decoder.feed(ticket_escpos(samples.ticket()))
    assert (decoder.tickets, decoder.spoiled) == ([], 1)


def test_long_site_name_scales_down_and_wraps() -> None:
    ticket = dataclasses.replace(samples.ticket(), site_name="某某省某某市高新技术产业开发区政务服务中心第二分中心")
    [printed] = _decode(ticket_escpos(ticket, 58)).tickets
    site = [line for line in printed.lines if line.bold and line.text != "A012"]
    assert "".join(line.text for line in site) == ticket.site_name
    assert all(line.width == 1 and display_width(line.text) <= 32 for line in site)
