"""多窗联办 at the kiosk screen: tick several matters, swipe the card, one ticket for all of them
(it waits at the first matter's queue and names the route); the page fits the kiosk's screens."""

from __future__ import annotations

from contextlib import suppress

import sqlalchemy as sa
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from db.models import Matter, Scenario, ScenarioMatter, ServiceCategory, Zone
from devices.idcard.samples import RESIDENT_LONG_TERM
from tests.hall.conftest import HallFixture
from tests.hall.devices import kiosk_devices
from ui.bus import HallBus
from ui.kiosk.window import HOME, RESULT, SWIPE, VISIT, KioskWindow
from ui.layout_check import problems

MATTERS = (
    ("M-GEN", "社会保险参保登记（城乡居民基本养老保险）", "general"),
    ("M-EST", "不动产转移登记", "estate"),
    ("M-BIZ", "企业设立登记", "business"),
)


def furnish(hall: HallFixture) -> None:
    with hall.ctx.sessions.begin() as s:
        zone = Zone(site_id=hall.seeded.site_id, code="estate", name="不动产专区")
        s.add(zone)
        s.flush()
        s.get_one(ServiceCategory, hall.seeded.category_ids["estate"]).zone_id = zone.id
        for code, name, cat in MATTERS:
            s.add(
                Matter(
                    code=code, name=name, department="-", kind="公共服务", category_code=cat, promised_days=1
                )
            )
        s.flush()
        home = Scenario(code="S-HOME", name="二手房交易一件事")
        other = Scenario(code="S-OTHER", name="企业开办一件事")
        s.add_all([home, other])
        s.flush()
        ids = {r.code: r.id for r in s.execute(sa.select(Matter.code, Matter.id))}
        s.add_all(
            [
                ScenarioMatter(scenario_id=home.id, matter_id=ids["M-EST"], sort=1),
                ScenarioMatter(scenario_id=home.id, matter_id=ids["M-GEN"], sort=2),
                ScenarioMatter(scenario_id=other.id, matter_id=ids["M-BIZ"], sort=1),
            ]
        )


def tick(qtbot: QtBot, kiosk: KioskWindow, name: str) -> None:
    lst = kiosk.visit_page.list
    item = next(lst.item(i) for i in range(lst.count()) if lst.item(i).text().startswith(name))
    rect = lst.visualItemRect(item)
    qtbot.mouseClick(
        lst.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rect.right() - 10, rect.center().y())
    )


def test_several_matters_one_ticket(qtbot: QtBot, hall: HallFixture, bus_pump: HallBus) -> None:
    furnish(hall)
    with kiosk_devices(bus_pump) as dev:
        kiosk = KioskWindow(hall.ctx, bus_pump, printer=dev.printer, screening=False)
        kiosk.locked = False
        qtbot.addWidget(kiosk)
        kiosk.resize(1080, 1920)
        kiosk.show()
        kiosk.visit_button.click()
        assert kiosk.pages.currentIndex() == VISIT
        qtbot.waitUntil(lambda: kiosk.visit_page.list.count() == 5, timeout=5000)
        texts = [kiosk.visit_page.list.item(i).text() for i in range(5)]
        assert texts == [
            "一件事：二手房交易一件事（不动产专区 → 综合业务）",  # a bundle shows its route
            "一件事：企业开办一件事（企业开办）",
            "企业设立登记（企业开办）",
            "不动产转移登记（不动产专区）",
            "社会保险参保登记（城乡居民基本养老保险）（综合业务）",
        ]
        kiosk.visit_page.take_button.click()  # nothing ticked
        assert kiosk.visit_page.message.text() == "请至少勾选一个事项" and kiosk.pages.currentIndex() == VISIT
        tick(qtbot, kiosk, "社会保险参保登记")
        tick(qtbot, kiosk, "不动产转移登记")
        tick(qtbot, kiosk, "企业设立登记")
        tick(qtbot, kiosk, "企业设立登记")  # a second touch unticks
        assert kiosk.visit_page.selected() == ["M-EST", "M-GEN"]  # in the list's order
        for size, elderly in (((1080, 1920), False), ((1920, 1080), True)):
            if elderly != kiosk.elderly:
                kiosk.toggle_elderly(speak=False)
            kiosk.resize(*size)
            with suppress(Exception):
                qtbot.waitUntil(lambda: problems(kiosk) == [], timeout=2000)
            assert problems(kiosk) == []
        kiosk.visit_page.take_button.click()
        assert kiosk.pages.currentIndex() == SWIPE and "已选 2 个事项" in kiosk.swipe_label.text()
        with qtbot.waitSignal(kiosk.printFinished, timeout=8000) as done:
            dev.card.place(RESIDENT_LONG_TERM)
        ticket, ok, error = done.args
        assert ok, error
        assert kiosk.pages.currentIndex() == RESULT
        # the list's order is the route: 不动产 first (C001), then 综合业务
        assert ticket.info.number == "C001" and [st.category_code for st in ticket.info.stops] == [
            "estate",
            "general",
        ]
        assert [t.number for t in hall.service.waiting()] == ["C001"]
        assert "依次到：不动产专区 → 综合业务" in kiosk.result_info.text()
        kiosk.go_home()
        assert kiosk.pages.currentIndex() == HOME and kiosk.pending_visit is None
        # a 一件事 bundle (one per ticket) plus a matter, without an ID card
        kiosk.visit_button.click()
        qtbot.waitUntil(lambda: kiosk.visit_page.list.count() == 5, timeout=5000)
        assert kiosk.visit_page.selected() == [] and kiosk.visit_page.selected_bundle() is None
        tick(qtbot, kiosk, "一件事：企业开办一件事")
        tick(qtbot, kiosk, "一件事：二手房交易一件事")
        assert kiosk.visit_page.selected_bundle() == "S-HOME"
        assert kiosk.visit_page.message.text().startswith("一张号票办理一个“一件事”")
        tick(qtbot, kiosk, "企业设立登记")
        kiosk.visit_page.take_button.click()
        assert kiosk.pages.currentIndex() == SWIPE and "已选 2 个事项" in kiosk.swipe_label.text()
        with qtbot.waitSignal(kiosk.printFinished, timeout=8000) as done:
            kiosk.anonymous_button.click()
        bundle_ticket = done.args[0]
        # the bundle's matters in its order, then the matter
        assert [st.category_code for st in bundle_ticket.info.stops] == ["estate", "general", "business"]
        assert bundle_ticket.info.number == "C002"
        assert "依次到：不动产专区 → 综合业务 → 企业开办" in kiosk.result_info.text()
        kiosk.shutdown()
    # a kiosk that screens temperature first: no ticket of several matters before the reading
    gated = KioskWindow(hall.ctx, bus_pump, screening=True)
    gated.locked = False
    qtbot.addWidget(gated)
    qtbot.waitUntil(lambda: not gated.checkin_button.isEnabled(), timeout=5000)
    assert not gated.visit_button.isEnabled()
    gated.shutdown()
