from __future__ import annotations

import sqlalchemy as sa
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from app.hall.policy import KioskPolicy
from db.models import Ticket, TicketCounter
from devices.idcard.samples import RESIDENT_LONG_TERM
from tests.hall.conftest import HallFixture
from tests.hall.devices import kiosk_devices
from ui.bus import HallBus
from ui.kiosk.window import HOME, RESULT, SWIPE, KioskWindow


def _issued_numbers(hall: HallFixture) -> list[str]:
    with hall.ctx.sessions() as s:
        return list(s.scalars(sa.select(Ticket.number).order_by(Ticket.number)))


def _last_seq(hall: HallFixture, prefix: str) -> int:
    with hall.ctx.sessions() as s:
        return int(s.scalar(sa.select(TicketCounter.last_seq).where(TicketCounter.prefix == prefix)) or 0)


def _category_button(kiosk: KioskWindow, code: str) -> QPushButton:
    button = kiosk.findChild(QPushButton, f"cat_{code}")
    assert button is not None
    return button


def test_real_name_ticket_printed_with_qr(qtbot: QtBot, hall: HallFixture, bus_pump: HallBus) -> None:
    hall.service.open_window(1)
    with kiosk_devices(bus_pump) as dev:
        kiosk = KioskWindow(hall.ctx, bus_pump, printer=dev.printer, screening=False)
        kiosk.locked = False
        qtbot.addWidget(kiosk)
        qtbot.waitUntil(lambda: kiosk.findChild(QPushButton, "cat_general") is not None, timeout=3000)
        assert "无需等候" in _category_button(kiosk, "general").text()
        _category_button(kiosk, "general").click()
        assert kiosk.pages.currentIndex() == SWIPE
        with qtbot.waitSignal(kiosk.printFinished, timeout=8000) as done:
            dev.card.place(RESIDENT_LONG_TERM)
        ticket, ok, error = done.args
        assert ok, error
        assert kiosk.pages.currentIndex() == RESULT
        assert kiosk.result_number.text() == ticket.data.number == "A001"
        printed = dev.printer_emu.wait_for_tickets(1)
        assert len(printed) == 1 and "A001" in printed[0].text
        # the ticket's QR, then the visit's rating QR (评价码) under it
        assert printed[0].qr_payloads == [ticket.data.qr_payload, f"OW-RATE:{ticket.data.rating_code}"]
        assert "A001" in ticket.data.qr_payload
        # the ticket is in the queue, real-name and masked
        waiting = hall.service.waiting()
        assert [t.number for t in waiting] == ["A001"]
        assert waiting[0].holder_name == "张*示"
        kiosk.go_home()
        assert kiosk.pages.currentIndex() == HOME
        qtbot.waitUntil(lambda: "等候 1 人" in _category_button(kiosk, "general").text(), timeout=3000)
        kiosk.shutdown()


def test_paper_out_then_retry_prints_same_ticket(qtbot: QtBot, hall: HallFixture, bus_pump: HallBus) -> None:
    with kiosk_devices(bus_pump) as dev:
        kiosk = KioskWindow(hall.ctx, bus_pump, printer=dev.printer, screening=False)
        kiosk.locked = False
        qtbot.addWidget(kiosk)
        qtbot.waitUntil(lambda: kiosk.findChild(QPushButton, "cat_business") is not None, timeout=3000)
        dev.printer_emu.set_paper("out")
        _category_button(kiosk, "business").click()
        with qtbot.waitSignal(kiosk.printFinished, timeout=8000) as done:
            kiosk.anonymous_button.click()
        ticket, ok, error = done.args
        assert not ok and "缺纸" in error
        assert "缺纸" in kiosk.print_status.text() and ticket.data.number in kiosk.print_status.text()
        assert kiosk.retry_button.isVisibleTo(kiosk)
        assert dev.printer_emu.tickets == []
        dev.printer_emu.set_paper("ok")
        with qtbot.waitSignal(kiosk.printFinished, timeout=8000) as again:
            kiosk.retry_button.click()
        ticket2, ok2, _ = again.args
        assert ok2 and ticket2 is ticket
        printed = dev.printer_emu.wait_for_tickets(1)
        assert len(printed) == 1 and ticket.data.number in printed[0].text
        # nothing burnt, nothing duplicated
        assert _issued_numbers(hall) == ["B001"]
        assert _last_seq(hall, "B") == 1
        kiosk.shutdown()


def test_per_id_limit_and_screening_desk(qtbot: QtBot, hall: HallFixture, bus_pump: HallBus) -> None:
    kiosk = KioskWindow(
        hall.ctx,
        bus_pump,
        printer=None,
        screening=True,
        policy=KioskPolicy(fever_action="desk", screening_category="C"),
    )
    kiosk.locked = False
    qtbot.addWidget(kiosk)
    card = RESIDENT_LONG_TERM
    # fever: guidance and a ticket to the screening desk (category C here), no printer → message
    with qtbot.waitSignal(kiosk.printFinished, timeout=5000) as printed:
        bus_pump.temperatureRead.emit(37.8)
    assert printed.args[0].data.number == "C001"
    assert printed.args[0].info.priority_class == "green"
    assert "37.8" in kiosk.result_info.text() and "防疫" in kiosk.result_info.text()
    assert not printed.args[1] and "打印机" in kiosk.print_status.text()
    # a reading while the ticket is on screen changes nothing (not the screening step)
    bus_pump.temperatureRead.emit(36.5)
    assert kiosk.pages.currentIndex() == RESULT and kiosk.result_number.text() == "C001"
    # back home the next person is screened; normal reading: categories open
    kiosk.go_home()
    assert kiosk.screening is None
    bus_pump.temperatureRead.emit(36.5)
    # per-ID limit of 3 per category enforced by the queue
    qtbot.waitUntil(lambda: kiosk.findChild(QPushButton, "cat_general") is not None, timeout=3000)
    qtbot.waitUntil(lambda: _category_button(kiosk, "general").isEnabled(), timeout=3000)
    for _ in range(3):
        kiosk.go_home()
        kiosk.choose_category(next(o for o in kiosk.options if o.code == "general"))
        with qtbot.waitSignal(kiosk.printFinished, timeout=5000):
            bus_pump.cardRead.emit(card)
    kiosk.go_home()
    kiosk.choose_category(next(o for o in kiosk.options if o.code == "general"))
    bus_pump.cardRead.emit(card)
    qtbot.waitUntil(lambda: "上限" in kiosk.swipe_message.text(), timeout=5000)
    assert _issued_numbers(hall) == ["A001", "A002", "A003", "C001"]
    kiosk.shutdown()


def test_idle_return_and_exit_needs_manager(qtbot: QtBot, hall: HallFixture, bus_pump: HallBus) -> None:
    from app.auth import hash_password
    from db.models import Staff

    with hall.ctx.sessions.begin() as s:
        for staff in s.scalars(sa.select(Staff)):
            staff.password_hash = hash_password("pw-123456")
    kiosk = KioskWindow(hall.ctx, bus_pump, screening=False, idle_return_s=1)
    qtbot.addWidget(kiosk)
    qtbot.waitUntil(lambda: bool(kiosk.options), timeout=3000)
    kiosk.open_checkin()
    qtbot.waitUntil(lambda: kiosk.pages.currentIndex() == HOME, timeout=3000)
    kiosk.show()
    kiosk.close()
    assert kiosk.isVisible()  # locked: closing is refused
    assert kiosk.check_exit_credentials("demo-clerk", "pw-123456") is not None  # a clerk may not
    assert "不正确" in (kiosk.check_exit_credentials("demo-manager", "wrong") or "")
    assert kiosk.locked
    assert kiosk.check_exit_credentials("demo-manager", "pw-123456") is None
    assert not kiosk.locked
    kiosk.close()
    assert not kiosk.isVisible()
