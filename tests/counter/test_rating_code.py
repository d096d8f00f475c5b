"""Rating by code (评价码, issue #17 item 1) through the real screens: a ticket printed on the
emulated ESC/POS printer, its code read back from the printed bytes and from the 受理回执's PDF,
rated at the kiosk through a serial scanner on a pseudo-terminal (the real driver and LoopThread),
through keyboard-wedge typing and on the keypad; 受理 then 办结 once the case is finished; a second
rating of a stage refused; nothing said to the counter."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from app import rating_codes
from app.cases import service
from app.cases.types import ApplicantData, Clerk, IntakeRequest, MaterialCheck
from app.context import AppContext
from app.counter.desk import CounterDesk
from app.rating_codes import RatingCodeError, RatingVisit, VisitMatter
from app.vocab import BadRatingReason, RatingStage
from db.models import Evaluation, Material
from devices.scanner.emulator import ScannerEmulator
from printing.emulator import EscPosEmulator
from printing.printer import EscPosPrinter
from tests.cases.seeding import ID_NUMBER, Seeded
from tests.counter.conftest import Staffed
from ui.bus import HallBus
from ui.device_workers import ScannerLoop
from ui.kiosk.rate_page import RATING
from ui.kiosk.window import HOME, RATE, SWIPE, KioskWindow

# --- the code itself (no database) ---------------------------------------------------------------


def test_every_single_wrong_character_is_caught() -> None:
    code = rating_codes.new_code()
    assert len(code) == 8 and rating_codes.parse(code) == code
    for i in range(8):
        for c in rating_codes.ALPHABET:
            if c != code[i]:
                with pytest.raises(RatingCodeError, match="校验位"):
                    rating_codes.parse(code[:i] + c + code[i + 1 :])
    # as printed, as scanned, lower case, look-alikes typed for 0 and 1
    assert rating_codes.parse(rating_codes.display(code).lower()) == code
    assert rating_codes.parse(rating_codes.qr_payload(code)) == code
    body = "0" * 6 + "1"
    typed = "O" * 6 + "L" + rating_codes.check_char(body)
    assert rating_codes.parse(typed) == body + rating_codes.check_char(body)
    for text, words in (
        ("", "请输入评价码"),
        ("ABC", "应为 8 位"),
        ("OW-APPT:XB-20261207-01", "预约二维码"),
        ("OW-TICKET:2026-12-07:A001", "叫号二维码"),
        ("ABCDEFGU", "没有字符 U"),
    ):
        with pytest.raises(RatingCodeError, match=words):
            rating_codes.parse(text)


@pytest.mark.parametrize("width", [80, 58])
def test_the_code_on_every_kind_of_ticket(width: int) -> None:
    """Text-mode and raster ESC/POS, and the PDF slip: the code as text and as its own QR code."""
    import dataclasses

    from printing import samples
    from printing.emulator import EscPosDecoder
    from printing.escpos import ticket_escpos, ticket_escpos_raster
    from printing.ticket_pdf import build_ticket_pdf

    code = rating_codes.new_code()
    ticket = dataclasses.replace(samples.ticket(), rating_code=code, rating_qr=rating_codes.qr_payload(code))
    for build in (ticket_escpos, ticket_escpos_raster):
        decoder = EscPosDecoder()
        decoder.feed(build(ticket, width))
        [printed] = decoder.tickets
        assert printed.qr_payloads == [ticket.qr_payload, f"OW-RATE:{code}"]
        if build is ticket_escpos:
            assert f"评价码：{code[:4]}-{code[4:]}" in printed.text
        else:
            assert printed.images  # the text is drawn (its glyphs are checked by the raster tests)
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=build_ticket_pdf(ticket, width), capture_output=True, check=True
    ).stdout.decode()
    assert f"{code[:4]}-{code[4:]}" in text


# --- through the screens -------------------------------------------------------------------------


@pytest.fixture
def scanner(qtbot: QtBot) -> Iterator[tuple[ScannerEmulator, HallBus, ScannerLoop]]:
    """A serial-mode scanner emulator on a pty, read by the real LoopThread onto a kiosk bus."""
    emu = ScannerEmulator(terminator="crlf").start()
    bus = HallBus()
    loop = ScannerLoop(emu.port)
    loop.codeRead.connect(bus.codeScanned)
    with qtbot.waitSignal(loop.statusChanged, check_params_cb=lambda s, _m: s == "connected", timeout=5000):
        loop.start()
    yield emu, bus, loop
    loop.stop()
    emu.stop()


def _clerk(ctx: AppContext, staffed: Staffed) -> Clerk:
    return Clerk(ctx.site_id, staffed.clerk.id, staffed.clerk.name, staffed.window1.id, staffed.window1.label)


def _accept_for_ticket(
    ctx: AppContext, seeded: Seeded, clerk: Clerk, ticket_id: object
) -> tuple[object, str]:
    mid = seeded.matters["estate"]
    with ctx.sessions() as s:
        checks = tuple(
            MaterialCheck(m, True) for m in s.scalars(sa.select(Material.id).where(Material.matter_id == mid))
        )
    with service.write_session(ctx.sessions) as s:
        req = IntakeRequest(
            ApplicantData(name="张演示", id_number=ID_NUMBER), (mid,), checks, ticket_id=ticket_id
        )  # type: ignore[arg-type]
        case = service.submit(s, req, clerk, "accept").cases[0]
    return case.id, case.case_number


def _grade(kiosk: KioskWindow, grade: int) -> QPushButton:
    b = kiosk.rate_page.findChild(QPushButton, f"rate_grade_{grade}")
    assert b is not None and b.isVisible()
    return b


def test_rating_by_code_at_the_kiosk(
    qtbot: QtBot,
    ctx: AppContext,
    seeded: Seeded,
    staffed: Staffed,
    scanner: tuple[ScannerEmulator, HallBus, ScannerLoop],
    tmp_path: Path,
) -> None:
    emu, bus, _loop = scanner
    notices: list[str] = []
    bus.notice.connect(lambda text, _err: notices.append(text))
    queue = ctx.queue()
    queue.open_window(staffed.window1.number)
    printer_emu = EscPosEmulator(transport="pty").start()
    printer = EscPosPrinter(printer_emu.port, timeout=0.5)
    kiosk = KioskWindow(ctx, bus, printer=printer, screening=False, idle_return_s=600)
    kiosk.locked = False
    qtbot.addWidget(kiosk)
    kiosk.resize(1080, 1920)
    kiosk.show()
    try:
        # --- a ticket, printed; its code read back from the printed bytes -----------------------
        qtbot.waitUntil(lambda: kiosk.findChild(QPushButton, "cat_general") is not None, timeout=5000)
        general = kiosk.findChild(QPushButton, "cat_general")
        assert general is not None
        general.click()
        assert kiosk.pages.currentIndex() == SWIPE
        with qtbot.waitSignal(kiosk.printFinished, timeout=8000) as printed_signal:
            kiosk.anonymous_button.click()
        ticket, ok, error = printed_signal.args
        assert ok, error
        printed = printer_emu.wait_for_tickets(1)[0]
        scanned = [p for p in printed.qr_payloads if p.startswith("OW-RATE:")]
        assert len(scanned) == 1
        code = scanned[0].removeprefix("OW-RATE:")
        assert code == ticket.data.rating_code and rating_codes.parse(code) == code
        assert f"评价码：{code[:4]}-{code[4:]}" in printed.text
        kiosk.go_home()

        # --- too early: the ticket is still waiting (serial scanner on the home page) -----------
        with qtbot.waitSignal(kiosk.rate_page.visitShown, timeout=5000) as shown:
            emu.scan(scanned[0], fragments=3)
        visit = shown.args[0]
        assert kiosk.pages.currentIndex() == RATE and visit.stages == ()
        assert "尚未结束" in kiosk.rate_page.stage_prompt.text()
        assert not kiosk.rate_page.submit_button.isVisible()
        assert not any(b.isVisible() for b in kiosk.rate_page.grade_buttons.values())

        # --- served: a case accepted for the ticket, the ticket finished ------------------------
        clerk = _clerk(ctx, staffed)
        queue.call_next(staffed.window1.number)
        queue.start(staffed.window1.number)
        case_id, case_number = _accept_for_ticket(ctx, seeded, clerk, ticket.info.id)
        queue.finish(staffed.window1.number, case_numbers=[case_number])
        # the 受理回执 carries the same code (text and QR)
        desk = CounterDesk(ctx, staffed.clerk, staffed.window1)
        _docs, paths = desk.build_documents([case_id], tmp_path / "docs")  # type: ignore[list-item]
        receipt = next(p for p in paths if "受理" in p.name or "receipt" in p.name)
        text = subprocess.run(
            ["pdftotext", "-layout", str(receipt), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert f"{code[:4]}-{code[4:]}" in text and "评价码" in text
        info = subprocess.run(["pdfinfo", str(receipt)], capture_output=True, text=True, check=True).stdout
        assert "Pages:           1" in info  # the receipt stays one page
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(receipt), str(tmp_path / "receipt")],
            check=True,
        )
        png = next(tmp_path.glob("receipt*.png"))
        decoded = subprocess.run(
            ["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True
        ).stdout.split()
        assert scanned[0] in decoded  # the receipt's rating QR, read by a real decoder

        # --- 受理, through the serial scanner on the 评价 page ------------------------------------
        with qtbot.waitSignal(kiosk.rate_page.visitShown, timeout=5000) as shown:
            emu.scan(scanned[0])
        visit = shown.args[0]
        assert visit.stages == (RatingStage.ACCEPT,) and visit.ticket_number == ticket.data.number
        page_text = kiosk.rate_page.visit_label.text()
        assert (
            ticket.data.number in page_text and "张" not in page_text and staffed.clerk.name not in page_text
        )
        assert kiosk.rate_page.steps.currentIndex() == RATING
        # no grade preselected; a 差评 needs its reason first
        assert not any(b.isChecked() for b in kiosk.rate_page.grade_buttons.values())
        assert not kiosk.rate_page.submit_button.isEnabled()
        _grade(kiosk, 2).click()
        assert kiosk.rate_page.reason_box.isVisible() and not kiosk.rate_page.submit_button.isEnabled()
        reason = kiosk.rate_page.findChild(QPushButton, "rate_reason_efficiency")
        assert reason is not None
        reason.click()
        assert kiosk.rate_page.submit_button.isEnabled()
        with qtbot.waitSignal(kiosk.rate_page.rated, timeout=5000) as rated:
            kiosk.rate_page.submit_button.click()
        assert rated.args[0].stage == RatingStage.ACCEPT and rated.args[0].bad
        assert "受理" in kiosk.rate_page.thanks_label.text()

        # --- the same stage again, typed by a keyboard-wedge scanner on the home page: refused ---
        kiosk.go_home()
        assert kiosk.pages.currentIndex() == HOME
        with qtbot.waitSignal(kiosk.rate_page.visitShown, timeout=5000) as shown:
            qtbot.keyClicks(kiosk.scan_edit, f"ow-rate:{code.lower()}")
            qtbot.keyClick(kiosk.scan_edit, Qt.Key.Key_Return)
        assert kiosk.pages.currentIndex() == RATE and shown.args[0].stages == ()
        assert "受理环节已经评价过了" in kiosk.rate_page.stage_prompt.text()
        with pytest.raises(RatingCodeError, match="已经评价过了"):
            kiosk.rate_page.service.rate(code, RatingStage.ACCEPT, 5)

        # --- 办结 once the case is finished, code typed on the keypad -----------------------------
        with service.write_session(ctx.sessions) as s:
            service.start_review(s, case_id, clerk)  # type: ignore[arg-type]
            service.approve(s, case_id, clerk)  # type: ignore[arg-type]
            service.complete(s, case_id, clerk)  # type: ignore[arg-type]
        kiosk.go_home()
        kiosk.rate_button.click()
        assert kiosk.pages.currentIndex() == RATE
        for ch in f"{code[:4]}-{code[4:]}":
            key = next(b for b in kiosk.rate_page.keypad_buttons if b.property("key") == ch)
            key.click()
        with qtbot.waitSignal(kiosk.rate_page.visitShown, timeout=5000) as shown:
            kiosk.rate_page.look_up_button.click()
        assert shown.args[0].stages == (RatingStage.COMPLETE,)
        assert "已办结" in kiosk.rate_page.visit_label.text()
        _grade(kiosk, 5).click()
        assert not kiosk.rate_page.reason_box.isVisible()
        with qtbot.waitSignal(kiosk.rate_page.rated, timeout=5000) as rated:
            kiosk.rate_page.submit_button.click()
        assert rated.args[0].stage == RatingStage.COMPLETE and not rated.args[0].bad

        # every stage rated now; an unknown code; the code expires after the configured days
        visit_now = kiosk.rate_page.service.look_up(code)
        assert visit_now.stages == () and "都已经评价过了" in visit_now.notice
        other = queue.issue("general")  # a ticket given up before its turn
        other_code = kiosk.rate_page.service.code_for_ticket(other.id)
        queue.cancel(other.number)
        assert "已过号或已取消" in kiosk.rate_page.service.look_up(other_code).notice
        unknown = rating_codes.new_code()
        with pytest.raises(RatingCodeError, match="没有找到"):
            kiosk.rate_page.service.look_up(unknown)
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=ctx.settings.kiosk.rating_valid_days + 1)
        assert "已过期" in kiosk.rate_page.service.look_up(code, now=later).notice

        # --- stored: one row per visit and stage, linked to the case; the counter told nothing ---
        with ctx.sessions() as s:
            rows = list(s.scalars(sa.select(Evaluation).order_by(Evaluation.at)))
        assert [(r.stage, r.grade, r.reason) for r in rows] == [
            (RatingStage.ACCEPT, 2, "efficiency"),
            (RatingStage.COMPLETE, 5, ""),
        ]
        assert all(r.ticket_id == ticket.info.id and r.case_ids == [str(case_id)] for r in rows)
        assert rows[0].window_id == staffed.window1.id
        assert notices == []  # nothing reaches the counter's status line (let alone the grade)
    finally:
        kiosk.shutdown()
        printer.close()
        printer_emu.stop()


# --- sizes and modes -------------------------------------------------------------------------------


NOTICE = "受理环节已经评价过了，感谢您的评价。事项办结后，可以用同一评价码评价办结服务"


@pytest.mark.parametrize("elderly", [False, True], ids=["standard", "elderly"])
@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
def test_the_rate_page_fits_every_kiosk_screen(
    qtbot: QtBot, ctx: AppContext, size: tuple[int, int], elderly: bool
) -> None:
    import dataclasses

    from ui.layout_check import problems

    kiosk = KioskWindow(ctx, HallBus(), screening=False, idle_return_s=600)
    kiosk.locked = False
    qtbot.addWidget(kiosk)
    kiosk.resize(*size)
    kiosk.show()
    if elderly:
        kiosk.toggle_elderly()
    try:
        kiosk.open_rating()
        # the letter C is a letter (the clear key is another key), on this keypad and on check-in's
        keys = {b.text(): b for b in kiosk.rate_page.keypad_buttons}
        for text in ("C", "C", "-", "1", "←"):
            keys[text].click()
        assert kiosk.rate_page.code_edit.text() == "CC-"
        keys["清空"].click()
        assert kiosk.rate_page.code_edit.text() == ""
        checkin_keys = {b.text(): b for b in kiosk.keypad_buttons}
        checkin_keys["C"].click()
        assert kiosk.code_edit.text() == "C"
        checkin_keys["清空"].click()
        assert kiosk.code_edit.text() == ""
        kiosk.rate_page.code_edit.setText("ABCD-EFGH")
        kiosk.rate_page.entry_message.setText("评价码有误（校验位不符），请逐位核对号票或回执上的评价码")
        qtbot.waitUntil(lambda: list(problems(kiosk)) == [], timeout=2000)
        visit = RatingVisit(
            code="ABCDEFGH",
            ticket_number="A012",
            visit_date=dt.date(2026, 12, 7),
            window_label="12号窗口",
            matters=(
                VisitMatter("不动产转移登记（存量房买卖）", "已办结"),
                VisitMatter("城乡居民基本养老保险参保登记", "已办结，已送达"),
            ),
            stages=(RatingStage.ACCEPT, RatingStage.COMPLETE),
            rated=(),
            notice="",
        )
        kiosk.rate_page._shown(
            dataclasses.replace(visit, stages=(), rated=(RatingStage.ACCEPT,), notice=NOTICE)
        )
        assert kiosk.rate_page.stage_prompt.text() == NOTICE
        qtbot.waitUntil(lambda: list(problems(kiosk)) == [], timeout=2000)
        kiosk.rate_page._shown(visit)
        kiosk.rate_page.choose_stage(RatingStage.COMPLETE)
        kiosk.rate_page.choose_grade(1)  # the reasons show
        assert kiosk.rate_page.reason_box.isVisible()
        qtbot.waitUntil(lambda: list(problems(kiosk)) == [], timeout=2000)
        assert (kiosk.width(), kiosk.height()) == size
        kiosk.rate_page._stored(rating_codes.RatedByCode(RatingStage.COMPLETE, "办结", True))
        qtbot.waitUntil(lambda: list(problems(kiosk)) == [], timeout=2000)
        # nobody touches: home, and the next person finds an empty 评价 page
        kiosk._idle_timeout()
        assert kiosk.pages.currentIndex() == HOME and not kiosk.elderly
        assert kiosk.rate_page.visit is None and kiosk.rate_page.code_edit.text() == ""
    finally:
        kiosk.shutdown()


# --- existing rows, and a visit without a ticket ---------------------------------------------------


def test_the_migration_gives_existing_visits_codes_and_a_receipt_carries_its_own(
    ctx: AppContext, seeded: Seeded, staffed: Staffed, tmp_path: Path
) -> None:
    """Rows from before revision 0014 (a ticket; a case accepted without a ticket) get their codes
    when the hall database is upgraded; the ticketless case's receipt prints the case's own code."""
    from alembic import command

    from db.migrate import alembic_config
    from db.models import Ticket
    from db.models_rating import RatingCode

    ticket = ctx.queue().issue("general")
    case_id, _number = _accept_for_ticket(ctx, seeded, _clerk(ctx, staffed), None)
    url = ctx.settings.hall_db_url
    ctx.engine.dispose()
    command.downgrade(alembic_config(url), "0013")  # as the database was before this change
    command.upgrade(alembic_config(url), "head")
    with ctx.sessions() as s:
        rows = {(r.ticket_id, r.case_id): r.code for r in s.scalars(sa.select(RatingCode))}
        tickets = set(s.scalars(sa.select(Ticket.id)))
    assert {t for t, _c in rows if t is not None} == tickets and ticket.id in tickets
    assert (None, case_id) in rows
    assert all(rating_codes.parse(code) == code for code in rows.values())
    desk = CounterDesk(ctx, staffed.clerk, staffed.window1)
    _docs, paths = desk.build_documents([case_id], tmp_path / "docs")  # type: ignore[list-item]
    text = "".join(
        subprocess.run(
            ["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True, check=True
        ).stdout
        for p in paths
    )
    own = rows[(None, case_id)]
    assert f"{own[:4]}-{own[4:]}" in text


@pytest.mark.postgres
def test_a_visit_without_ticket_is_rated_once_per_stage_on_postgres(pg_url: str) -> None:
    """No ticket, so no unique index to lean on: four kiosks rating the same code at once store
    one rating (the code's row is locked), the other three are told it was rated."""
    import dataclasses
    import threading

    from app.context import open_database
    from app.evaluations import EvaluationError
    from app.rating_codes import RatingCodeService
    from app.settings import DatabaseSettings
    from db.models import Case
    from tests.cases.seeding import keys_for_tests, seed, settings_for

    settings = dataclasses.replace(
        settings_for(Path("unused.db")), database=DatabaseSettings(hall_url=pg_url)
    )
    engine, sf = open_database(settings, keys=keys_for_tests())
    try:
        with sf.begin() as s:
            seeded = seed(s)
        clerk = Clerk(seeded.site_id, seeded.clerk_id, "李窗口", seeded.window_ids[1], "1号窗口")
        mid = seeded.matters["normal"]
        with sf() as s:
            checks = tuple(
                MaterialCheck(m, True)
                for m in s.scalars(sa.select(Material.id).where(Material.matter_id == mid))
            )
        with service.write_session(sf) as s:
            req = IntakeRequest(ApplicantData(name="张演示", id_number=ID_NUMBER), (mid,), checks)
            case_id = service.submit(s, req, clerk, "accept").cases[0].id
        with sf() as s:
            case = s.get(Case, case_id)
            assert case is not None
            code = rating_codes.code_for_case(s, case)
            s.commit()
        svc = RatingCodeService(sf, seeded.site_id)
        assert svc.look_up(code).stages == (RatingStage.ACCEPT,)
        barrier = threading.Barrier(4)
        results: list[str] = []

        def attempt() -> None:
            barrier.wait()
            try:
                svc.rate(code, RatingStage.ACCEPT, 4)
                results.append("stored")
            except (RatingCodeError, EvaluationError) as exc:
                results.append(str(exc))

        threads = [threading.Thread(target=attempt) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(results) == 4 and results.count("stored") == 1
        assert all("已经评价过了" in r for r in results if r != "stored")
        with sf() as s:
            rows = list(s.scalars(sa.select(Evaluation).where(Evaluation.case_id == case_id)))
        assert [(r.stage, r.ticket_id, r.case_ids) for r in rows] == [
            (RatingStage.ACCEPT, None, [str(case_id)])
        ]
    finally:
        engine.dispose()


def test_a_bad_rating_by_code_gets_the_halls_rectification_deadline(ctx: AppContext, seeded: Seeded) -> None:
    """A 差评 given at the kiosk opens its 整改 item with the hall's `rectification_working_days`,
    not the default 5: rated Tuesday 8 December 2026, 10 working days → Tuesday 22 December."""
    from app.rating_codes import RatingCodeService
    from db.models import Case, RectificationItem

    clerk = Clerk(seeded.site_id, seeded.clerk_id, "李窗口", seeded.window_ids[1], "1号窗口")
    mid = seeded.matters["normal"]
    sf = ctx.sessions
    with sf() as s:
        checks = tuple(
            MaterialCheck(m, True) for m in s.scalars(sa.select(Material.id).where(Material.matter_id == mid))
        )
    with service.write_session(sf) as s:
        req = IntakeRequest(ApplicantData(name="张演示", id_number=ID_NUMBER), (mid,), checks)
        case_id = service.submit(s, req, clerk, "accept").cases[0].id
    with sf() as s:
        case = s.get(Case, case_id)
        assert case is not None
        code = rating_codes.code_for_case(s, case)
        s.commit()
    rated_at = dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.UTC)  # 10:00 in Beijing, a Tuesday
    svc = RatingCodeService(sf, seeded.site_id, rectification_days=10)
    assert svc.rate(code, RatingStage.ACCEPT, 1, BadRatingReason.EFFICIENCY, now=rated_at).bad
    with sf() as s:
        item = s.scalars(sa.select(RectificationItem)).one()
    assert item.due_date == dt.date(2026, 12, 22)
