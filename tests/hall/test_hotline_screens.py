"""政策一键通 and 12345 on the hall's screens: a 诉求 from the kiosk's 我要反映 page to closure in
the manager's 12345 tab, with its figures in the monthly report (pdftotext); the kiosk's 政策查询
page by topic, by pinyin initials and by 文号 on its keypad, with a QR code that decodes to the
document's official page (zbarimg); no clipped text at the kiosk's sizes, standard and elderly."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from app.auth import staff_info
from app.calendar import WorkCalendar, seed_from_package
from app.hall.demo_activity import seed_demo_hall
from app.hall.reports import monthly_report
from app.hotline import hall_ledger
from app.hotline.demo import ITEMS as DEMO_ITEMS
from app.hotline.demo import demo_items
from app.hotline.ledger import HotlineLedger, ItemSpec
from app.policy import load_library
from app.queue.service import QueueService
from app.vocab import HotlineCategory, HotlineSatisfaction, HotlineStatus
from db.crypto import FieldCipher, install
from db.models import HotlineItem, Staff
from printing.reports import build_monthly_report
from tests.hall.conftest import HallFixture
from ui.bus import HallBus
from ui.kiosk.policy_page import DETAIL
from ui.kiosk.report_page import CONTACT, DONE
from ui.kiosk.report_page import DETAIL as REPORT_DETAIL
from ui.kiosk.window import HOME, POLICY, REPORT, KioskWindow
from ui.layout_check import problems
from ui.manager.hotline import AssignDialog, RateDialog, ReplyDialog
from ui.manager.window import ManagerDashboard

LEFT = Qt.MouseButton.LeftButton


def _button(buttons: list, prop: str, value: str):  # type: ignore[no-untyped-def,type-arg]
    (b,) = [b for b in buttons if b.property(prop) == value]
    return b


def test_a_report_from_the_kiosk_to_closure_and_into_the_monthly_report(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus, tmp_path: Path
) -> None:
    install(hall.ctx.sessions, FieldCipher({"1": bytes(range(32))}, "1"))
    with hall.ctx.sessions.begin() as s:
        seed_from_package(s)
    kiosk = KioskWindow(hall.ctx, bus_pump, screening=False)
    qtbot.addWidget(kiosk)
    kiosk.resize(1080, 1920)
    kiosk.show()
    page = kiosk.report_page
    qtbot.mouseClick(kiosk.report_button, LEFT)
    assert kiosk.pages.currentIndex() == REPORT
    qtbot.mouseClick(_button(page.category_buttons, "category", "办不成事"), LEFT)
    assert page.stack.currentIndex() == REPORT_DETAIL and page.category is HotlineCategory.NOT_DONE
    qtbot.mouseClick(page.findChild(QPushButton, "report_next"), LEFT)
    assert page.stack.currentIndex() == REPORT_DETAIL and "至少点选一项" in page.detail_message.text()
    qtbot.mouseClick(_button(page.phrase_buttons, "phrase", "系统或设备故障，办不了"), LEFT)
    qtbot.mouseClick(_button(page.phrase_buttons, "phrase", "几个部门互相推诿"), LEFT)
    page.free_text.setText("社保卡补办两次都没办成")  # what a keyboard's input method types
    assert problems(kiosk) == []
    qtbot.mouseClick(page.findChild(QPushButton, "report_next"), LEFT)
    assert page.stack.currentIndex() == CONTACT
    for key in "138123456789":  # one digit too many: the field takes 11
        qtbot.mouseClick(_button(page.digit_buttons, "key", key), LEFT)
    assert page.phone.text() == "13812345678"
    qtbot.mouseClick(page.submit_button, LEFT)  # a number without the consent: refused on the page
    assert "同意联系" in page.contact_message.text() and page.stack.currentIndex() == CONTACT
    page.consent.setChecked(True)
    assert problems(kiosk) == []
    with qtbot.waitSignal(page.recorded, timeout=10000):
        qtbot.mouseClick(page.submit_button, LEFT)
    item = page.item
    assert item is not None and page.stack.currentIndex() == DONE
    assert (item.channel, item.category, item.contact_phone_masked) == (
        "kiosk",
        HotlineCategory.NOT_DONE,
        "138****5678",
    )
    assert item.text == "系统或设备故障，办不了；几个部门互相推诿。社保卡补办两次都没办成"
    assert item.number in page.done_number.text() and "电话回复" in page.done_info.text()
    assert page.phone.text() == ""  # the number left the screen
    with hall.ctx.sessions() as s:
        stored = s.scalars(sa.select(HotlineItem.contact_phone)).one()
        assert "13812345678" not in stored  # encrypted at rest
    qtbot.mouseClick(page.done_button, LEFT)
    assert kiosk.pages.currentIndex() == HOME and page.category is None and page.free_text.text() == ""

    with hall.ctx.sessions() as s:
        st = s.get(Staff, hall.seeded.manager_id)
        assert st is not None
        manager = staff_info(st)
    board = ManagerDashboard(hall.ctx, bus_pump, staff=manager)
    qtbot.addWidget(board)
    board.resize(1366, 768)
    board.show()
    tab = board.hotline
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        board.tabs.setCurrentWidget(tab)
    assert tab.select_number(item.number)
    assert problems(board) == []
    assert not tab.close_button.isEnabled() and not tab.rate_button.isEnabled()

    def act(button, fill, name: str) -> None:  # type: ignore[no-untyped-def]
        qtbot.mouseClick(button, LEFT)
        dlg = tab.dialog
        fill(dlg)
        with qtbot.waitSignal(tab.loaded, timeout=10000), qtbot.waitSignal(tab.acted, timeout=10000) as acted:
            dlg._ok()  # done, then the ledger shown again
        assert acted.args == [name], tab.message.text()
        assert tab.select_number(item.number)

    act(
        tab.assign_button,
        lambda d: isinstance(d, AssignDialog) and d.unit.setText("区人社局社保卡窗口"),
        "assign",
    )
    assert tab.selected().status is HotlineStatus.ASSIGNED  # type: ignore[union-attr]

    def thin(d: ReplyDialog) -> None:
        d.text.setPlainText("已处理，已电话告知申请人。")

    act(tab.reply_button, thin, "reply")  # no 办理结果: stored, but not complete
    assert tab.selected().reply_complete is False  # type: ignore[union-attr]
    with qtbot.waitSignal(tab.acted, timeout=10000) as refused:
        qtbot.mouseClick(tab.close_button, LEFT)
    assert refused.args == [""] and "答复不完整" in tab.message.text() and "办理结果" in tab.message.text()

    def full(d: ReplyDialog) -> None:
        d.text.setPlainText("已核实系统故障并修复，申请人的社保卡已补办完成，电话告知领取时间。")
        d.result_box.setCurrentIndex(d.result_box.findData("已解决"))

    act(tab.reply_button, full, "reply")
    assert tab.selected().reply_complete is True  # type: ignore[union-attr]

    def satisfied(d: RateDialog) -> None:
        d.verdict.setCurrentIndex(d.verdict.findData("满意"))

    act(tab.rate_button, satisfied, "rate")
    with qtbot.waitSignal(tab.loaded, timeout=10000), qtbot.waitSignal(tab.acted, timeout=10000) as closed:
        qtbot.mouseClick(tab.close_button, LEFT)
    assert closed.args == ["close"]
    qtbot.waitUntil(
        lambda: tab.select_number(item.number) and tab.selected().status is HotlineStatus.CLOSED, timeout=5000
    )  # type: ignore[union-attr]
    row = [tab.model.columns[c].text(tab.selected()) for c in range(len(tab.columns))]  # type: ignore[arg-type]
    assert row[6] == "已办结" and row[7] == "完整" and row[8] == "满意"

    today = hall_ledger(hall.ctx).today()
    out = tmp_path / "12345.csv"
    with qtbot.waitSignal(tab.exported, timeout=10000) as exported:
        tab.export(out, today, today)
    assert exported.args == [str(out)]
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[1][0] == item.number and "13812345678" in rows[1] and "已办结" in rows[1]
    book = tmp_path / "12345.xlsx"
    with qtbot.waitSignal(tab.exported, timeout=10000):
        tab.export(book, today, today)
    from openpyxl import load_workbook

    sheet = load_workbook(book).active
    assert sheet is not None and [c.value for c in sheet[2]][:2] == [item.number, None]
    with qtbot.waitSignal(tab.exported, timeout=10000) as again:
        tab.export(book, today, today)  # never overwrites: refused in Chinese
    assert again.args == [""] and "已存在" in tab.message.text()

    with hall.ctx.sessions() as s:
        calendar = WorkCalendar.load(s, "Asia/Shanghai")
    report = monthly_report(hall.ctx.sessions, hall.ctx.site_id, today.year, today.month, calendar)
    pdf = tmp_path / "month.pdf"
    pdf.write_bytes(build_monthly_report(report))
    text = " ".join(
        subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    for line in (
        "受理诉求件 1 本月登记",
        "按时办结率 100.00% 按时办结 1 / 应办结 1",
        "答复完整率 100.00% 答复完整 1 / 已审核 1",
        "满意率 100.00% 满意、基本满意 1 / 已回访 1",
    ):
        assert line in text, line
    board.shutdown()
    kiosk.shutdown()


def test_policy_page_by_topic_initials_and_number_with_a_qr_of_the_original(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus, tmp_path: Path
) -> None:
    with hall.ctx.sessions.begin() as s:
        load_library(s)
    kiosk = KioskWindow(hall.ctx, bus_pump, screening=False)
    qtbot.addWidget(kiosk)
    kiosk.resize(1920, 1080)
    kiosk.show()
    page = kiosk.policy_page
    qtbot.mouseClick(kiosk.policy_button, LEFT)
    assert kiosk.pages.currentIndex() == POLICY

    def numbers() -> list[str]:
        return [d.doc_number for d in page.result.documents] if page.result else []

    with qtbot.waitSignal(page.searched, timeout=10000):
        qtbot.mouseClick(_button(page.topic_buttons, "topic", "跨省通办"), LEFT)
    assert numbers() == ["国办发〔2020〕35号"] and page.results.count() == 2  # and its common question
    page.query.clear()
    for key in "yjs":  # 一件事 by its pinyin initials on the keypad
        qtbot.mouseClick(_button(page.keys, "key", key), LEFT)
    with qtbot.waitSignal(page.searched, timeout=10000):
        qtbot.mouseClick(page.find_button, LEFT)
    assert "国发〔2024〕3号" in numbers()
    qtbot.mouseClick(_button(page.keys, "key", "clear"), LEFT)
    for key in "gf20243":  # 国发〔2024〕3号: the initials of 国发 and the digits
        qtbot.mouseClick(_button(page.keys, "key", key), LEFT)
    with qtbot.waitSignal(page.searched, timeout=10000):
        qtbot.mouseClick(page.find_button, LEFT)
    assert numbers() == ["国发〔2024〕3号"]
    for elderly in (False, True):
        if kiosk.elderly != elderly:
            kiosk.toggle_elderly()
        for size in ((1080, 1920), (1920, 1080)):
            kiosk.resize(*size)
            qtbot.waitUntil(lambda size=size: (kiosk.width(), kiosk.height()) == size, timeout=3000)
            assert problems(kiosk) == [], (elderly, size)
    first = page.results.item(0)
    with qtbot.waitSignal(page.opened, timeout=10000):
        page.results.itemClicked.emit(first)
    assert page.stack.currentIndex() == DETAIL and "国发〔2024〕3号" in page.doc_meta.text()
    url = "http://www.beijing.gov.cn/zhengce/gwywj/202401/t20240116_3537512.html"
    assert page.qr.payload == url and page.qr.isVisible() and "www.beijing.gov.cn" in page.qr_caption.text()
    assert problems(kiosk) == []
    png = tmp_path / "qr.png"
    assert page.qr.grab().save(str(png))
    scanned = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True, check=True)
    assert scanned.stdout.strip() == url
    # A query the search cannot take: the library's own sentence; nothing found: said so.
    page.stack.setCurrentIndex(0)
    with qtbot.waitSignal(page.searched, timeout=10000):
        page.search("量子计算")
    assert page.results.count() == 0 and "没有找到" in page.message.text()
    page.search("〔〕")
    qtbot.waitUntil(lambda: "请输入要查找的文字" in page.message.text(), timeout=10000)
    kiosk.go_home()  # the next person finds nothing of this search
    assert page.query.text() == "" and page.results.count() == 0
    kiosk.shutdown()


def test_an_overdue_12345_item_alerts_on_the_manager_dashboard_until_closed(
    qtbot: QtBot, hall: HallFixture, bus_pump: HallBus
) -> None:
    with hall.ctx.sessions.begin() as s:
        seed_from_package(s)
    late_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)  # past any category's working-day deadline
    site = hall.ctx.settings.site
    old = HotlineLedger(
        hall.ctx.sessions, hall.ctx.site_id, site.code, tz=site.timezone, clock=lambda: late_at
    )
    late = old.record(
        ItemSpec(HotlineCategory.COMPLAINT, "等候时间太长，取号后等了一个半小时。", department="综合窗口")
    )
    fresh = hall_ledger(hall.ctx).record(ItemSpec(HotlineCategory.CONSULT, "异地就医备案需要哪些材料？"))
    today = hall_ledger(hall.ctx).today()
    assert late.overdue(today) and not fresh.overdue(today)

    with hall.ctx.sessions() as s:
        st = s.get(Staff, hall.seeded.manager_id)
        assert st is not None
        manager = staff_info(st)
    board = ManagerDashboard(hall.ctx, bus_pump, staff=manager)
    qtbot.addWidget(board)
    board.resize(1366, 768)
    board.show()

    def hotline_alerts() -> list[str]:
        texts = [board.alerts.item(i).text() for i in range(board.alerts.count())]
        return [t for t in texts if t.startswith("【12345逾期】")]

    qtbot.waitUntil(lambda: hotline_alerts() != [], timeout=10000)
    (text,) = hotline_alerts()  # the fresh item is in time: no alert
    assert late.number in text and "投诉" in text and "综合窗口" in text and f"{late.due_date:%m-%d}" in text
    assert fresh.number not in " ".join(board.alerts.item(i).text() for i in range(board.alerts.count()))
    qtbot.waitUntil(lambda: problems(board) == [], timeout=5000)  # once laid out

    # handled and closed from the manager's 12345 tab: the alert goes at once
    ledger = hall_ledger(hall.ctx)
    ledger.assign(late.id, "综合窗口")
    ledger.reply(late.id, "已调配两个综合窗口在高峰时段加开，并电话向申请人致歉说明。", "综合窗口", "已解决")
    ledger.rate(late.id, HotlineSatisfaction.SATISFIED)
    tab = board.hotline
    with qtbot.waitSignal(tab.loaded, timeout=10000):
        board.tabs.setCurrentWidget(tab)
    assert tab.select_number(late.number) and tab.close_button.isEnabled()
    with qtbot.waitSignal(tab.acted, timeout=10000) as closed:
        qtbot.mouseClick(tab.close_button, LEFT)
    assert closed.args == ["close"], tab.message.text()
    qtbot.waitUntil(lambda: hotline_alerts() == [], timeout=10000)
    board.shutdown()


def test_the_demo_hall_has_its_12345_items_and_a_real_site_never_gets_them(hall: HallFixture) -> None:
    with hall.ctx.sessions.begin() as s:
        seed_from_package(s)
    assert not hall.ctx.demo and demo_items(hall.ctx) == 0  # a real site's hall: nothing written
    assert hall_ledger(hall.ctx).items() == []
    demo = dataclasses.replace(hall.ctx, demo=True)  # as `main.py demo` opens its own database
    # a hall with a past day already (the weeks of history are simulated only into one without)
    calendar, tz = demo.calendar(), ZoneInfo(demo.settings.site.timezone)
    day = hall_ledger(demo).today() - dt.timedelta(days=1)
    while not calendar.is_working_day(day):
        day -= dt.timedelta(days=1)
    at = dt.datetime.combine(day, dt.time(10), tz).astimezone(dt.UTC)
    QueueService(demo.sessions, demo.site_id, demo.settings.queue, clock=lambda: at).issue("general")
    seed_demo_hall(demo)  # what `main.py demo` adds at start
    items = hall_ledger(demo).items()
    today = hall_ledger(demo).today()
    assert len(items) == len(DEMO_ITEMS)
    assert [i for i in items if i.overdue(today)] and [i for i in items if i.status is HotlineStatus.CLOSED]
    seed_demo_hall(demo)  # started again: nothing added twice
    assert len(hall_ledger(demo).items()) == len(DEMO_ITEMS)
