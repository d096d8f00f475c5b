"""A citizen's day at the kiosk through the real window and the emulated devices on pseudo-terminals:
a fever reading mid-flow, cards of every kind, appointment check-in by card, keypad and scanner,
every category in both modes at the sizes halls use, and only glyphs the font has."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QAbstractButton, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app.hall.policy import KioskPolicy
from app.queue.service import hash_id_number
from db.models import Appointment
from devices.emulators import demo_cards
from devices.idcard.card import CardType
from devices.idcard.samples import HKMOTW_PERMIT, RESIDENT_LONG_TERM
from devices.thermo.codec import make_protocol
from devices.thermo.emulator import ThermoEmulator
from tests.hall.conftest import TEST_ID_HASH_KEY, HallFixture, make_ctx
from tests.hall.devices import kiosk_devices
from ui.bus import HallBus
from ui.device_workers import ThermometerLoop, start_thermometer
from ui.kiosk.window import CHECKIN, FEVER, HOME, RESULT, SWIPE, KioskWindow

# The demo hall's categories (resources/catalogue/demo_hall.json): eight, the last three the ones
# older people need most.
DEMO_CATEGORIES = (
    ("zhsl", "综合业务", "A"),
    ("qykb", "企业开办", "B"),
    ("xmjs", "项目建设", "C"),
    ("bdc", "不动产登记", "D"),
    ("jyxk", "经营许可", "E"),
    ("rssb", "人社医保民政", "F"),
    ("hjzj", "户籍证件", "G"),
    ("bbdb", "帮办代办", "H"),
)


@pytest.fixture
def demo_hall(sqlite_url: str) -> Iterator[HallFixture]:
    h = make_ctx(sqlite_url, categories=DEMO_CATEGORIES)
    yield h
    h.ctx.close()


@contextmanager
def thermometer(bus: HallBus, value: float) -> Iterator[ThermoEmulator]:
    """A Modbus thermometer emulator on a pty, read by the real worker thread onto the bus."""
    emu = ThermoEmulator("modbus", value=value).start()
    handle: ThermometerLoop = start_thermometer(bus, emu.port, make_protocol("modbus"), None)
    try:
        yield emu
    finally:
        handle.stop()
        emu.stop()


def _button(kiosk: KioskWindow, code: str) -> QPushButton:
    shown = [b for b in kiosk.findChildren(QPushButton, f"cat_{code}") if not b.isHidden()]
    assert len(shown) == 1, code
    return shown[0]


def _fits_eventually(qtbot: QtBot, kiosk: KioskWindow, size: tuple[int, int]) -> None:
    """Layouts settle on the event loop: wait for a clean page, then show what is still wrong."""
    with suppress(Exception):  # re-checked below, with the list of problems
        qtbot.waitUntil(lambda: _problems(kiosk, size) == [], timeout=2000)
    assert _problems(kiosk, size) == []


def _visible_categories(kiosk: KioskWindow) -> list[str]:
    return [
        str(b.property("category"))
        for b in kiosk.grid_host.findChildren(QPushButton)
        if not b.isHidden() and b.property("category")
    ]


def _reading(value: float):
    return lambda r: abs(getattr(r, "value", 0.0) - value) < 0.05


def test_fever_reading_mid_flow_never_replaces_the_ticket(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus
) -> None:
    hall.service.open_window(1)
    with kiosk_devices(bus_pump) as dev, thermometer(bus_pump, 36.5) as thermo:
        kiosk = KioskWindow(
            hall.ctx,
            bus_pump,
            printer=dev.printer,
            screening=True,
            idle_return_s=3,
            policy=KioskPolicy(fever_action="refuse"),
        )
        kiosk.locked = False
        qtbot.addWidget(kiosk)
        kiosk.resize(1080, 1920)
        kiosk.show()
        # the screening step: a normal reading opens the categories
        qtbot.waitUntil(
            lambda: kiosk.screening is not None and kiosk.screening.action == "proceed", timeout=8000
        )
        assert "°C" in kiosk.temp_label.text() and "℃" not in kiosk.temp_label.text()
        qtbot.waitUntil(lambda: _button(kiosk, "general").isEnabled(), timeout=5000)
        _button(kiosk, "general").click()
        assert kiosk.pages.currentIndex() == SWIPE
        # somebody else steps in front of the scanner: 37.6 while this citizen swipes
        thermo.set_value(37.6)
        with qtbot.waitSignal(bus_pump.temperatureRead, timeout=5000, check_params_cb=_reading(37.6)):
            pass
        assert kiosk.pages.currentIndex() == SWIPE
        with qtbot.waitSignal(kiosk.printFinished, timeout=8000) as done:
            dev.card.place(RESIDENT_LONG_TERM)
        ticket, ok, error = done.args
        assert ok, error
        assert kiosk.pages.currentIndex() == RESULT and kiosk.result_number.text() == ticket.data.number
        # fever readings keep coming: the number stays on screen
        for _ in range(2):
            with qtbot.waitSignal(bus_pump.temperatureRead, timeout=5000, check_params_cb=_reading(37.6)):
                pass
            assert kiosk.pages.currentIndex() == RESULT
            assert kiosk.result_number.text() == ticket.data.number
        # …and they are not touches: the result page times out while they stream on
        dev.card.remove()
        qtbot.waitUntil(lambda: kiosk.pages.currentIndex() in (HOME, FEVER), timeout=10000)
        # back on the screening step, the next person's fever reading counts (in °C the font has)
        qtbot.waitUntil(lambda: kiosk.pages.currentIndex() == FEVER, timeout=5000)
        text = kiosk.fever_label.text()
        assert "37.6°C" in text and "37.3°C" in text and "℃" not in text
        assert kiosk.ticket is ticket  # nothing new issued
        assert [t.number for t in hall.service.waiting()] == [ticket.data.number]
        kiosk.shutdown()


def test_cards_one_rule_at_the_kiosk(qtbot: QtBot, hall: HallFixture, bus_pump: HallBus) -> None:
    """The 2017 foreigner card (15 characters) gets a real-name ticket; an expired HK/MO/TW permit
    is refused in plain Chinese; the demo's permit (valid relative to today) is accepted."""
    hall.service.open_window(1)
    kiosk = KioskWindow(hall.ctx, bus_pump, screening=False)
    kiosk.locked = False
    qtbot.addWidget(kiosk)
    qtbot.waitUntil(lambda: bool(kiosk.options), timeout=3000)
    general = next(o for o in kiosk.options if o.code == "general")
    kiosk.choose_category(general)
    with kiosk_devices(bus_pump) as dev:  # a reader per card: each is a new card in the field
        dev.card.place(HKMOTW_PERMIT)  # valid to 2024-05-20
        qtbot.waitUntil(lambda: "已过有效期" in kiosk.swipe_message.text(), timeout=8000)
    assert "2024年05月20日" in kiosk.swipe_message.text() and "服务台" in kiosk.swipe_message.text()
    assert kiosk.pages.currentIndex() == SWIPE and hall.service.waiting() == []
    numbers = []
    for card in (demo_cards()[3], demo_cards()[2]):  # the 2017 foreigner card, the permit
        assert card.card_type in (CardType.FOREIGN_PERMANENT, CardType.HKMOTW_PERMIT)
        kiosk.go_home()
        kiosk.choose_category(general)
        with kiosk_devices(bus_pump) as dev:
            kiosk.kiosk.printer = dev.printer
            with qtbot.waitSignal(kiosk.printFinished, timeout=8000) as done:
                dev.card.place(card)
            assert done.args[1], (done.args[2], kiosk.swipe_message.text())
        numbers.append(done.args[0].data.number)
    waiting = hall.service.waiting()
    assert [t.number for t in waiting] == numbers == ["A001", "A002"]
    assert [t.holder_name for t in waiting] == ["样*", "陈*范"]
    kiosk.shutdown()


def _book(h: HallFixture, code: str, category: str, id_number: str) -> None:
    now = dt.datetime.now(dt.UTC)
    with h.ctx.sessions.begin() as s:
        s.add(
            Appointment(
                site_id=h.ctx.site_id,
                code=code,
                category_id=h.seeded.category_ids[category],
                name="张演示",
                id_number_hash=hash_id_number(id_number, TEST_ID_HASH_KEY),
                slot_start=now,  # today in the hall's time zone, check-in open
                slot_end=now + dt.timedelta(minutes=30),
            )
        )


def test_card_on_the_home_page_checks_in_or_offers_the_categories(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus
) -> None:
    hall.service.open_window(1)
    _book(hall, "XB-20261207-01", "business", RESIDENT_LONG_TERM.id_number)
    kiosk = KioskWindow(hall.ctx, bus_pump, screening=False)
    kiosk.locked = False
    qtbot.addWidget(kiosk)
    qtbot.waitUntil(lambda: bool(kiosk.options), timeout=3000)
    # a booked citizen swipes on the home page: checked in at once
    with kiosk_devices(bus_pump) as dev:
        kiosk.kiosk.printer = dev.printer
        with qtbot.waitSignal(kiosk.printFinished, timeout=8000) as done:
            dev.card.place(RESIDENT_LONG_TERM)
    ticket = done.args[0]
    assert ticket.info.priority_class == "appointment" and ticket.data.number == "B001"
    assert kiosk.pages.currentIndex() == RESULT
    kiosk.go_home()
    # no booking today: the card is kept, one touch on a category gives the real-name ticket
    with kiosk_devices(bus_pump) as dev:
        kiosk.kiosk.printer = dev.printer
        dev.card.place(demo_cards()[0])
        qtbot.waitUntil(lambda: "没有今天的预约" in kiosk.home_message.text(), timeout=8000)
        assert kiosk.pages.currentIndex() == HOME
        with qtbot.waitSignal(kiosk.printFinished, timeout=8000) as done:
            _button(kiosk, "estate").click()
    assert done.args[0].data.number == "C001"
    assert [t.holder_name for t in hall.service.waiting() if t.number == "C001"] == ["测**例"]
    kiosk.shutdown()


def test_check_in_by_keypad_and_by_scanner(qtbot: QtBot, hall: HallFixture, bus_pump: HallBus) -> None:
    hall.service.open_window(1)
    _book(hall, "XB-20261207-01", "business", RESIDENT_LONG_TERM.id_number)
    _book(hall, "XB-20261207-02", "estate", demo_cards()[0].id_number)
    kiosk = KioskWindow(hall.ctx, bus_pump, screening=False)
    kiosk.locked = False
    qtbot.addWidget(kiosk)
    qtbot.waitUntil(lambda: bool(kiosk.options), timeout=3000)
    # the keypad has every character of a booking code
    kiosk.checkin_button.click()
    assert kiosk.pages.currentIndex() == CHECKIN
    keys = {str(b.property("key")): b for b in kiosk.keypad_buttons}
    for ch in "XB-20261207-01":
        keys[ch].click()
    assert kiosk.code_edit.text() == "XB-20261207-01"
    with qtbot.waitSignal(kiosk.printFinished, timeout=8000) as done:
        next(b for b in kiosk.findChildren(QPushButton) if b.text() == "签到取号").click()
    assert done.args[0].data.number == "B001"
    # a keyboard-wedge scanner on the home page: the booking QR's text, then Enter
    kiosk.go_home()
    with qtbot.waitSignal(kiosk.printFinished, timeout=8000) as done:
        qtbot.keyClicks(kiosk.scan_edit, "OW-APPT:xb-20261207-02")
        qtbot.keyClick(kiosk.scan_edit, Qt.Key.Key_Return)
    assert done.args[0].data.number == "C001" and done.args[0].info.priority_class == "appointment"
    # a wrong code is a plain-Chinese message on the check-in page
    kiosk.go_home()
    kiosk.open_checkin()
    qtbot.keyClicks(kiosk.code_edit, "XB-20261207-99")
    qtbot.keyClick(kiosk.code_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "没有找到" in kiosk.checkin_message.text(), timeout=5000)
    kiosk.shutdown()


# --- every size, both modes: nothing clipped, elided or off screen; every category reachable --------


def _fits(w: QWidget) -> str | None:
    """Why a visible label/button's text does not fit its contents rect (None when it fits)."""
    text = w.text() if isinstance(w, QLabel | QAbstractButton) else ""
    if not text or not w.isVisible():
        return None
    fm = QFontMetrics(w.font())
    rect: QRect = w.contentsRect()
    if isinstance(w, QAbstractButton):
        rect = rect.adjusted(14, 0, -14, 0)  # the style sheet's padding
    if isinstance(w, QLabel) and w.wordWrap():
        need = w.heightForWidth(rect.width())
        return None if need <= rect.height() + 1 else f"{text!r}: needs {need}px height, has {rect.height()}"
    lines = text.split("\n")
    width = max(fm.horizontalAdvance(line) for line in lines)
    height = fm.lineSpacing() * len(lines)
    if width > rect.width() + 1 or height > rect.height() + 1:
        return f"{text!r}: needs {width}×{height}, has {rect.width()}×{rect.height()}"
    return None


def _problems(kiosk: KioskWindow, size: tuple[int, int]) -> list[str]:
    """What does not fit a kiosk screen of `size`: a window the layout forced larger than the
    screen, text wider/taller than its widget, widgets off screen, characters without a glyph."""
    from ui.layout_check import problems

    out = list(problems(kiosk))  # the hall-wide check (elided, clipped, outside the window)
    if (kiosk.width(), kiosk.height()) != size:
        out.append(f"the window needs {kiosk.width()}×{kiosk.height()}, the screen is {size[0]}×{size[1]}")
    window = QRect(0, 0, *size)
    for w in kiosk.findChildren(QWidget):
        if not isinstance(w, QLabel | QAbstractButton) or not w.isVisible() or w is kiosk.exit_corner:
            continue
        why = _fits(w)
        if why:
            out.append(why)
        top_left = w.mapTo(kiosk, w.rect().topLeft())
        if not window.contains(QRect(top_left, w.size())):
            out.append(f"{w.text()!r} off screen at {top_left.x()},{top_left.y()} {w.width()}×{w.height()}")
        fm = QFontMetrics(w.font())
        missing = {c for c in w.text() if not c.isspace() and not fm.inFontUcs4(ord(c))}
        if missing:
            out.append(f"{w.text()!r}: no glyph for {sorted(missing)}")
    return out


@pytest.mark.parametrize("elderly", [False, True], ids=["standard", "elderly"])
@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
def test_every_category_on_every_page_fits(
    qtbot: QtBot, demo_hall: HallFixture, size: tuple[int, int], elderly: bool
) -> None:
    h = demo_hall
    h.service.open_window(1)
    for code in ("zhsl", "zhsl", "rssb"):
        h.service.issue(code)
    kiosk = KioskWindow(
        h.ctx, HallBus(), screening=True, policy=KioskPolicy(fever_action="refuse"), idle_return_s=600
    )
    kiosk.locked = False
    qtbot.addWidget(kiosk)
    kiosk.resize(*size)
    kiosk.show()
    qtbot.waitUntil(lambda: len(kiosk.options) == len(DEMO_CATEGORIES), timeout=3000)
    if elderly:
        kiosk.toggle_elderly()
    kiosk.on_temperature(36.6)
    qtbot.waitUntil(lambda: bool(_visible_categories(kiosk)), timeout=3000)
    # every category, page by page (none hidden in elderly mode)
    seen: list[str] = []
    for _ in range(len(DEMO_CATEGORIES)):
        qtbot.waitUntil(lambda: bool(_visible_categories(kiosk)), timeout=3000)
        seen += _visible_categories(kiosk)
        _fits_eventually(qtbot, kiosk, size)
        if not kiosk.next_page_button.isVisible() or not kiosk.next_page_button.isEnabled():
            break
        kiosk.next_page_button.click()
    assert seen == [c[0] for c in DEMO_CATEGORIES]
    # 2 ahead × 8 min ÷ ½ window (window 1 also serves 人社医保民政, where somebody waits)
    assert _wait_text(kiosk, "zhsl") == "等候 2 人，约 32 分钟"
    # the other pages of a visit
    kiosk.go_home()
    kiosk.on_temperature(36.6)
    kiosk.choose_category(kiosk.options[5])
    assert kiosk.pages.currentIndex() == SWIPE
    _fits_eventually(qtbot, kiosk, size)
    kiosk.open_checkin()
    _fits_eventually(qtbot, kiosk, size)
    with qtbot.waitSignal(kiosk.printFinished, timeout=8000):
        kiosk.go_home()
        kiosk.on_temperature(36.6)
        kiosk.choose_category(kiosk.options[7])
        kiosk._issue_anonymous()
    assert kiosk.pages.currentIndex() == RESULT
    _fits_eventually(qtbot, kiosk, size)
    kiosk.go_home()
    kiosk.on_temperature(38.2)
    assert kiosk.pages.currentIndex() == FEVER
    _fits_eventually(qtbot, kiosk, size)
    kiosk.shutdown()


def _wait_text(kiosk: KioskWindow, code: str) -> str:
    opt = next(o for o in kiosk.options if o.code == code)
    return kiosk._wait_text(opt)


def test_kiosk_messages_use_glyphs_the_font_has(qtbot: QtBot, hall: HallFixture) -> None:
    """Every message the kiosk service can put on screen, in the kiosk's fonts (fontconfig here:
    WenQuanYi): no character without a glyph, and no ℃ (a blank in some bundled fonts)."""
    kiosk = KioskWindow(
        hall.ctx, HallBus(), screening=True, policy=KioskPolicy(fever_action="desk", screening_category="C")
    )
    qtbot.addWidget(kiosk)
    service = kiosk.kiosk
    messages = [service.screen(v).message for v in (36.5, 37.3, 37.6, 30.0, 42.5)]
    refuse = dataclasses.replace(service.policy, fever_action="refuse")
    service.policy = refuse
    messages += [service.screen(37.6).message]
    messages += [o.wait_text for o in service.categories()]
    messages += [w.text() for w in kiosk.findChildren(QLabel) if w.text()]
    messages += [w.text() for w in kiosk.findChildren(QAbstractButton) if w.text()]
    assert any("°C" in m for m in messages)
    for elderly in (False, True):
        if kiosk.elderly != elderly:
            kiosk.toggle_elderly()
        for f in (
            kiosk.fever_label.font(),
            kiosk.temp_label.font(),
            kiosk.result_number.font(),
            kiosk.font(),
        ):
            fm = QFontMetrics(f)
            for m in messages:
                assert "℃" not in m, m
                missing = sorted({c for c in m if not c.isspace() and not fm.inFontUcs4(ord(c))})
                assert missing == [], (m, missing, f.family())
    kiosk.shutdown()


def test_booking_qr_read_by_a_scanner_checks_in(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus, tmp_path: Path
) -> None:
    """The booking's QR code (OW-APPT:<code>) drawn as an image, decoded by a real decoder (zbar),
    typed by the 'scanner' into the kiosk's home page with Enter: the appointment is checked in."""
    from PySide6.QtGui import QColor, QImage

    from app.hall.kiosk import booking_qr_payload
    from printing.qr import qr_matrix

    hall.service.open_window(1)
    _book(hall, "XB-20261207-07", "business", RESIDENT_LONG_TERM.id_number)
    matrix = qr_matrix(booking_qr_payload("XB-20261207-07"))
    scale, quiet = 8, 4
    side = (len(matrix) + 2 * quiet) * scale
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    for dx in range(scale):
                        image.setPixelColor(
                            (c + quiet) * scale + dx, (r + quiet) * scale + dy, QColor("black")
                        )
    png = tmp_path / "booking-qr.png"
    assert image.save(str(png))
    scanned = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True, check=True)
    text = scanned.stdout.strip()
    assert text == "OW-APPT:XB-20261207-07"
    kiosk = KioskWindow(hall.ctx, bus_pump, screening=False)
    kiosk.locked = False
    qtbot.addWidget(kiosk)
    qtbot.waitUntil(lambda: bool(kiosk.options), timeout=3000)
    with qtbot.waitSignal(kiosk.printFinished, timeout=8000) as done:
        qtbot.keyClicks(kiosk.scan_edit, text)
        qtbot.keyClick(kiosk.scan_edit, Qt.Key.Key_Return)
    assert done.args[0].data.number == "B001" and done.args[0].info.priority_class == "appointment"
    kiosk.shutdown()


def test_a_card_kept_on_the_home_page_is_forgotten_when_nobody_touches(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus
) -> None:
    kiosk = KioskWindow(hall.ctx, bus_pump, screening=False, idle_return_s=1)
    kiosk.locked = False
    qtbot.addWidget(kiosk)
    qtbot.waitUntil(lambda: bool(kiosk.options), timeout=3000)
    bus_pump.cardRead.emit(RESIDENT_LONG_TERM)  # no booking: the card is kept for one touch
    qtbot.waitUntil(lambda: kiosk.pending_card is not None, timeout=5000)
    qtbot.waitUntil(lambda: kiosk.pending_card is None, timeout=5000)  # walked away
    assert kiosk.pages.currentIndex() == HOME and kiosk.home_message.text() == ""
    _button(kiosk, "general").click()  # the next person: asked for their own card
    assert kiosk.pages.currentIndex() == SWIPE and hall.service.waiting() == []
    kiosk.shutdown()
