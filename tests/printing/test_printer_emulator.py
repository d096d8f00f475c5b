"""The serial ticket-printer driver against the ESC/POS emulator on a real pseudo-terminal."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import serial

from printing import samples
from printing.emulator import EscPosEmulator
from printing.escpos import ticket_raster_images
from printing.printer import EscPosPrinter, PaperOutError, PrinterNoResponseError, print_ticket


@pytest.fixture
def emulator() -> Iterator[EscPosEmulator]:
    with EscPosEmulator(transport="pty") as emu:
        yield emu


def test_text_ticket_arrives_decoded(emulator: EscPosEmulator) -> None:
    ticket = samples.ticket()
    result = print_ticket(emulator.port, ticket, width_mm=80)
    assert not result.near_end and result.bytes_sent > 100
    [printed] = emulator.wait_for_tickets(1)
    lines = [line.text for line in printed.lines]
    assert lines[:5] == ["高新区政务服务大厅", "企业开办（含一件事）", "A012", "您前面还有 5 人等候", "预计等候约 18 分钟"]
    assert printed.qr_payloads == [ticket.qr_payload]
    assert printed.cut == "partial"
    assert emulator.status_queries == 2  # paper checked before and after


def test_raster_ticket_arrives_as_the_rendered_pictures(emulator: EscPosEmulator) -> None:
    ticket = samples.ticket()
    print_ticket(emulator.port, ticket, width_mm=58, raster=True)
    [printed] = emulator.wait_for_tickets(1)
    head, foot = ticket_raster_images(ticket, 58)
    assert [(i.width, i.height) for i in printed.images] == [(384, head.height), (384, foot.height)]
    picture = printed.images[0]
    mono = head.convert("L")
    mismatches = sum(
        picture.pixel(x, y) != (mono.getpixel((x, y)) < 128)  # type: ignore[operator]
        for y in range(0, head.height, 3)
        for x in range(0, head.width, 3)
    )
    assert mismatches == 0
    assert printed.qr_payloads == [ticket.qr_payload]
    assert printed.cut == "partial"


def test_paper_out_raises_and_the_reprint_is_the_same_ticket(emulator: EscPosEmulator) -> None:
    ticket = samples.ticket()
    emulator.set_paper("out")
    with pytest.raises(PaperOutError, match="打印机缺纸"):
        print_ticket(emulator.port, ticket)
    assert emulator.tickets == [] and emulator.spoiled == 0  # nothing was even sent
    emulator.set_paper("ok")
    print_ticket(emulator.port, ticket)
    [printed] = emulator.wait_for_tickets(1)
    with EscPosEmulator() as fresh:
        print_ticket(fresh.port, ticket)
        [reference] = fresh.wait_for_tickets(1)
    assert printed.raw == reference.raw and printed.text == reference.text


def test_paper_running_out_mid_ticket_is_reported(emulator: EscPosEmulator) -> None:
    ticket = samples.ticket()
    emulator.run_out_during_next_ticket()
    with pytest.raises(PaperOutError, match="未打印完整"):
        print_ticket(emulator.port, ticket)
    assert emulator.spoiled == 1 and emulator.tickets == []
    emulator.set_paper("ok")
    print_ticket(emulator.port, ticket)
    [printed] = emulator.wait_for_tickets(1)
    assert "A012" in printed.text


def test_near_end_prints_and_warns(emulator: EscPosEmulator, caplog: pytest.LogCaptureFixture) -> None:
    emulator.set_paper("near_end")
    result = print_ticket(emulator.port, samples.ticket())
    assert result.near_end
    assert len(emulator.wait_for_tickets(1)) == 1
    assert "paper near end" in caplog.text


def test_silent_printer_raises_no_response_then_recovers(emulator: EscPosEmulator) -> None:
    emulator.responding = False
    with EscPosPrinter(emulator.port, timeout=0.2) as printer:
        with pytest.raises(PrinterNoResponseError, match="打印机无响应"):
            printer.print_ticket(samples.ticket())
        assert emulator.tickets == []
        emulator.responding = True
        printer.print_ticket(samples.ticket())  # same printer object, same ticket data: reprint works
    assert len(emulator.wait_for_tickets(1)) == 1


def test_printer_from_settings(emulator: EscPosEmulator) -> None:
    from app.settings import TicketPrinterSettings

    printer = EscPosPrinter.from_settings(TicketPrinterSettings(port=emulator.port, width_mm=58, raster=True))
    with printer:
        printer.print_ticket(samples.ticket())
    [printed] = emulator.wait_for_tickets(1)
    assert printed.images[0].width == 384
    with pytest.raises(ValueError, match="未配置票据打印机端口"):
        EscPosPrinter.from_settings(TicketPrinterSettings())


def test_missing_port_is_no_response() -> None:
    with pytest.raises(PrinterNoResponseError, match="无法打开端口"):
        print_ticket("/dev/onewindow-no-such-printer", samples.ticket())


def test_several_tickets_split_at_cuts(emulator: EscPosEmulator) -> None:
    with EscPosPrinter(emulator.port) as printer:
        for n in range(1, 4):
            printer.print_ticket(dataclasses.replace(samples.ticket(), number=f"B00{n}"))
    printed = emulator.wait_for_tickets(3)
    assert [t.lines[2].text for t in printed] == ["B001", "B002", "B003"]


def test_tcp_transport_for_platforms_without_pty() -> None:
    with EscPosEmulator(transport="tcp") as emu:
        assert emu.port.startswith("socket://127.0.0.1:")
        print_ticket(emu.port, samples.ticket())
        [printed] = emu.wait_for_tickets(1)
        assert "A012" in printed.text


def test_emulator_answers_a_plain_pyserial_client(emulator: EscPosEmulator) -> None:
    with serial.Serial(emulator.port, 9600, timeout=1) as port:
        port.write(b"\x10\x04\x04")
        assert port.read(1) == b"\x12"
        emulator.set_paper("out")
        port.write(b"\x10\x04\x04")
        assert port.read(1) == b"\x72"


def test_emulator_stop_is_idempotent() -> None:
    emu = EscPosEmulator().start()
    emu.stop()
    emu.stop()
    with pytest.raises(ValueError):
        EscPosEmulator(transport="carrier-pigeon")
