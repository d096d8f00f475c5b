from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from pytestqt.qtbot import QtBot

from app.hall.kiosk import KioskError, KioskService, PdfDirectoryPrinter
from app.hall.policy import KioskPolicy
from app.queue.errors import AppointmentError, IdDailyLimitReached, InvalidIdNumber
from app.queue.service import QueueService, hash_id_number
from app.temperature import TempClass
from db.models import Appointment, TemperatureReading
from devices.idcard.samples import RESIDENT_LONG_TERM
from printing.printer import PrinterError
from tests.hall.conftest import TEST_ID_HASH_KEY, HallFixture
from ui.bus import HallBus


def _kiosk(hall: HallFixture, **policy: object) -> KioskService:
    return KioskService(hall.service, "演示中心", policy=KioskPolicy(**policy))  # type: ignore[arg-type]


def test_categories_estimate_and_caps(hall: HallFixture) -> None:
    k = _kiosk(hall, screening_category="estate", elderly_categories=2)
    opts = {o.code: o for o in k.categories()}
    assert opts["general"].waiting == 0 and opts["general"].est_wait_minutes == 0  # nobody ahead
    k.issue("general")
    closed = {o.code: o for o in k.categories()}["general"]
    assert closed.waiting == 1 and closed.est_wait_minutes is None  # no window open: no time
    assert closed.wait_text == "等候 1 人，窗口暂未开放"
    hall.service.open_window(1)
    for _ in range(2):
        k.issue("general")
    opts = {o.code: o for o in k.categories()}
    assert "estate" not in opts  # the screening desk is not offered to everybody
    assert opts["general"].waiting == 3 and opts["general"].available
    # 3 waiting, 8 min default service, 1 open window serving it (no other category waiting)
    assert opts["general"].est_wait_minutes == 24
    assert opts["general"].wait_text == "等候 3 人，约 24 分钟"
    assert len(k.categories(elderly=True)) == len(k.categories())  # elderly mode hides nothing


def test_issue_refusals_are_plain_chinese(hall: HallFixture) -> None:
    k = _kiosk(hall, require_id=True)
    with pytest.raises(KioskError, match="身份证"):
        k.issue("general")
    with pytest.raises(InvalidIdNumber):
        k.issue("general", id_number="110105194912310021")
    for _ in range(3):
        k.issue("general", id_number=RESIDENT_LONG_TERM.id_number, name=RESIDENT_LONG_TERM.name)
    with pytest.raises(IdDailyLimitReached, match="上限"):
        k.issue("general", id_number=RESIDENT_LONG_TERM.id_number)
    with pytest.raises(KioskError, match="预约码"):
        k.check_in("  ")
    with pytest.raises(AppointmentError):
        k.check_in("NOPE")


def test_check_in_by_code_and_card(hall: HallFixture) -> None:
    # A fixed mid-morning clock: a slot 5 minutes ahead must not cross midnight in Shanghai.
    now = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)
    hall.service = QueueService(
        hall.ctx.sessions, hall.seeded.site_id, clock=lambda: now, id_hash_key=TEST_ID_HASH_KEY
    )
    with hall.ctx.sessions.begin() as s:
        s.add(
            Appointment(
                site_id=hall.ctx.site_id,
                code="YY0001",
                category_id=hall.seeded.category_ids["business"],
                name="张演示",
                id_number_hash=hash_id_number(RESIDENT_LONG_TERM.id_number, TEST_ID_HASH_KEY),
                slot_start=now + dt.timedelta(minutes=5),
                slot_end=now + dt.timedelta(minutes=35),
            )
        )
    k = _kiosk(hall)
    t = k.check_in(id_number=RESIDENT_LONG_TERM.id_number)
    assert t.info.priority_class == "appointment" and t.data.number == "B001"
    assert t.data.qr_payload.endswith(t.data.number)
    with pytest.raises(AppointmentError, match="已签到"):
        k.check_in("YY0001")  # a second check-in never gets a second number


def test_screening_policies_and_reading_kept(hall: HallFixture) -> None:
    desk = _kiosk(hall, fever_action="desk", screening_category="C")
    assert desk.screen(36.6).action == "proceed"
    assert desk.screen(30.0).action == "remeasure"
    s = desk.screen(37.3)  # at the threshold counts
    assert s.result == TempClass.FEVER and s.action == "desk"
    ticket = desk.issue_screening()
    assert ticket.info.priority_class == "green" and ticket.data.number == "C001"
    desk.record_reading(s, ticket.info.id, raw="373")
    refuse = _kiosk(hall, fever_action="refuse", screening_category="C")
    assert refuse.screen(38.0).action == "refuse"
    with pytest.raises(KioskError):
        refuse.issue_screening()
    # desk policy without a usable desk category falls back to guidance only
    assert _kiosk(hall, fever_action="desk", screening_category="ZZ").screen(38.0).action == "refuse"
    with hall.ctx.sessions() as sess:
        readings = sess.scalars(sa.select(TemperatureReading)).all()
    assert [(r.value, r.result, r.ticket_id) for r in readings] == [(37.3, "fever", ticket.info.id)]
    with pytest.raises(ValueError):
        KioskPolicy(fever_action="maybe")


def test_pdf_printer_reprints_same_file(hall: HallFixture, tmp_path: Path) -> None:
    printer = PdfDirectoryPrinter(tmp_path / "spool")
    k = KioskService(hall.service, "演示中心", printer=printer)
    t = k.issue("general")
    first = k.print(t)
    again = k.print(t)
    assert first == again and len(list((tmp_path / "spool").iterdir())) == 1
    assert Path(str(first)).read_bytes().startswith(b"%PDF")
    with pytest.raises(KioskError, match="打印机"):
        KioskService(hall.service, "x").print(t)


def test_elderly_mode_every_category_bigger_and_spoken_prompts(qtbot: QtBot, hall: HallFixture) -> None:
    from ui.kiosk.window import KioskWindow
    from ui.voice.backends import RecordingBackend
    from ui.voice.player import VoicePlayer

    backend = RecordingBackend(duration_s=0.01)
    voice = VoicePlayer(backend, pause_ms=1)
    kiosk = KioskWindow(
        hall.ctx, HallBus(), voice=voice, policy=KioskPolicy(elderly_categories=2), screening=False
    )
    qtbot.addWidget(kiosk)
    qtbot.waitUntil(lambda: len(kiosk.options) == 3, timeout=3000)
    normal_size = kiosk.title.font().pointSize()
    assert backend.spoken == []  # no prompts in normal mode (voice_standard is off by default)
    kiosk.elderly_button.click()
    assert len(kiosk.options) == 3  # every category, on pages of at most 2
    assert kiosk.title.font().pointSize() > normal_size
    kiosk.choose_category(kiosk.options[0])
    qtbot.waitUntil(lambda: [s.key for s in backend.spoken][-1:] == ["prompt:p_swipe"], timeout=3000)
    assert "prompt:p_welcome" in [s.key for s in backend.spoken]
    # nobody touches it: back to the standard home page for the next person
    kiosk._idle.setInterval(50)
    kiosk._touch()
    qtbot.waitUntil(lambda: not kiosk.elderly and kiosk.pages.currentIndex() == 0, timeout=3000)
    qtbot.waitUntil(lambda: len(kiosk.options) == 3, timeout=3000)
    kiosk.shutdown()


def test_voice_prompts_follow_the_settings_flags(qtbot: QtBot, hall: HallFixture) -> None:
    from ui.kiosk.window import KioskWindow
    from ui.voice.backends import RecordingBackend
    from ui.voice.player import VoicePlayer

    backend = RecordingBackend(duration_s=0.01)
    kiosk = KioskWindow(
        hall.ctx,
        HallBus(),
        voice=VoicePlayer(backend, pause_ms=1),
        policy=KioskPolicy(voice_standard=True, voice_elderly=False),
        screening=False,
    )
    qtbot.addWidget(kiosk)
    qtbot.waitUntil(lambda: bool(kiosk.options), timeout=3000)
    kiosk.choose_category(kiosk.options[0])
    qtbot.waitUntil(lambda: "prompt:p_swipe" in [s.key for s in backend.spoken], timeout=3000)
    kiosk.go_home()  # welcome, swipe, welcome: all three in standard mode
    qtbot.waitUntil(lambda: len(backend.spoken) == 3, timeout=3000)
    kiosk.toggle_elderly()
    spoken = len(backend.spoken)
    kiosk.choose_category(kiosk.options[0])
    kiosk.open_checkin()
    qtbot.wait(50)  # the player is asynchronous: give a (wrong) prompt the chance to arrive
    assert len(backend.spoken) == spoken  # elderly voice switched off: nothing said
    kiosk.shutdown()


def test_backend_choice_without_chinese_voice(qtbot: QtBot) -> None:
    from ui.voice.backends import ClipBackend, choose_backend

    backend = choose_backend(engine="mock")  # Qt's mock engine has no Chinese voice
    assert isinstance(backend, ClipBackend)


def test_system_printer_prints_ticket_slip_on_a4(qtbot: QtBot, hall: HallFixture, tmp_path: Path) -> None:
    import subprocess

    from ui.kiosk.system_printer import SystemTicketPrinter

    out = tmp_path / "a4.pdf"
    k = KioskService(hall.service, "演示中心", printer=SystemTicketPrinter(output_file=str(out)))
    t = k.issue("general")
    k.print(t)
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    assert "595 x 842" in info  # A4
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(out), str(tmp_path / "page")], check=True
    )
    qr = subprocess.run(
        ["zbarimg", "-q", "--raw", str(tmp_path / "page.png")], capture_output=True, text=True
    )
    # the ticket's QR and the visit's rating QR (评价码)
    assert sorted(qr.stdout.split()) == sorted([t.data.qr_payload, t.data.rating_qr])
    assert t.data.rating_qr.startswith("OW-RATE:")
    with pytest.raises(PrinterError, match="找不到"):
        SystemTicketPrinter("没有这台打印机").print_ticket(t.data)


def test_voice_and_paging_settings_from_the_site_file(tmp_path: Path) -> None:
    from app.settings import load_settings

    path = tmp_path / "site.toml"
    path.write_text(
        "[kiosk]\nvoice_standard = true\nvoice_elderly = false\nelderly_categories = 4\n", encoding="utf-8"
    )
    kiosk = load_settings(path, environ={}).kiosk
    assert (kiosk.voice_standard, kiosk.voice_elderly, kiosk.elderly_categories) == (True, False, 4)
    defaults = KioskPolicy()
    assert (defaults.voice_standard, defaults.voice_elderly) == (False, True)
