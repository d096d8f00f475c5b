"""Screenshots of the hall screens with demo data: kiosk (normal and elderly mode), display
(1920×1080 and 1280×720), the manager's charts tab, the manager and its 差评整改 tab.

`render(ctx, outdir)` is called by `main.py screenshots DIR` (ui/cli.py) on the offscreen platform.
It puts a little life into the demo hall first (three weeks of past days for the charts, then
windows open, tickets issued and called, one evaluation) through the queue service, on a clock
set to this morning so issue hours allow it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication

from app.context import AppContext
from app.hall.demo_activity import demo_activity
from ui import shots
from ui.bus import HallBus

log = logging.getLogger("onewindow.ui")


def _rate_pages(kiosk: Any, outdir: Path, mode: str, size: tuple[int, int]) -> list[Path]:
    """The 评价 page: the code keypad, then a finished demo visit's code looked up with a 差评
    chosen (the reasons shown). No grade is stored."""
    from app.rating_codes import qr_payload

    page = kiosk.rate_page
    kiosk.open_rating()
    out = [shots.save(kiosk, outdir / f"hall-kiosk{mode}-rate-{size[0]}x{size[1]}.png", size)]
    code = kiosk._worker.call(page.service.latest_finished_visit)
    if code:
        page.visit = None
        page.take_scan(qr_payload(code))
        if shots.settle(lambda: page.visit is not None, 10.0) and page.visit.stages:
            page.choose_grade(2)
        out.append(shots.save(kiosk, outdir / f"hall-kiosk{mode}-rate-visit-{size[0]}x{size[1]}.png", size))
    return out


def render(ctx: AppContext, outdir: Path) -> list[Path]:
    from ui.display.board import DisplayBoard
    from ui.kiosk.window import KioskWindow
    from ui.manager.charts import ChartsPanel
    from ui.manager.window import ManagerDashboard

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    svc = demo_activity(ctx)
    from app.hotline.demo import demo_items

    demo_items(ctx)
    bus = HallBus()
    out: list[Path] = []
    widgets: list[Any] = []
    try:
        kiosk = KioskWindow(ctx, bus, screening=False, service=svc)
        kiosk.locked = False
        widgets.append(kiosk)
        shots.settle(lambda: bool(kiosk.options), 10.0)
        # 1080×1920 portrait and 1920×1080 landscape, standard and elderly; home and check-in
        for elderly in (False, True):
            if kiosk.elderly != elderly:
                kiosk.toggle_elderly()
            mode = "-elderly" if elderly else ""
            for size in ((1080, 1920), (1920, 1080)):
                kiosk.go_home()
                out.append(shots.save(kiosk, outdir / f"hall-kiosk{mode}-{size[0]}x{size[1]}.png", size))
                kiosk.open_checkin()
                out.append(shots.save(kiosk, outdir / f"hall-kiosk{mode}-checkin-{size[0]}x{size[1]}.png", size))
                out += kiosk_service_pages(kiosk, outdir, f"{mode}-", size)
                out += _rate_pages(kiosk, outdir, mode, size)
        kiosk.go_home()

        board = DisplayBoard(ctx, bus, service=svc)
        widgets.append(board)
        shots.settle(lambda: board.state is not None, 10.0)
        out.append(shots.save(board, outdir / "hall-display.png", (1920, 1080)))
        out.append(shots.save(board, outdir / "hall-display-1280x720.png", (1280, 720)))

        charts = ChartsPanel(ctx, bus, service=svc)  # the manager's second tab, on its own
        widgets.append(charts)
        shots.settle(lambda: charts.snapshot is not None, 30.0)
        out.append(shots.save(charts, outdir / "hall-manager-charts.png", (1366, 768)))

        manager = ManagerDashboard(ctx, bus, service=svc)
        widgets.append(manager)
        shots.settle(lambda: manager.dashboard is not None, 10.0)
        out.append(shots.save(manager, outdir / "hall-manager.png", (1366, 768)))  # the hall manager PC
        manager.tabs.setCurrentWidget(manager.hotline)
        shots.settle(lambda: manager.hotline.model.rowCount() > 0, 10.0)
        out.append(shots.save(manager, outdir / "hall-manager-hotline.png", (1366, 768)))
        manager.tabs.setCurrentWidget(manager.rectification)  # the 差评整改 tab (the demo's 差评)
        shots.settle(lambda: manager.rectification.board is not None, 10.0)
        out.append(shots.save(manager, outdir / "hall-manager-rectification.png", (1366, 768)))
    finally:
        for w in widgets:
            w.shutdown()
            w.hide()
            w.deleteLater()
        QCoreApplication.processEvents()
    return out


def kiosk_service_pages(kiosk: Any, outdir: Path, mode: str, size: tuple[int, int]) -> list[Path]:
    """The kiosk's 政策查询 (results, then a document with its QR) and 我要反映 (phrases, phone)."""
    from ui.kiosk.window import POLICY, REPORT

    out: list[Path] = []
    tag = f"{mode}{size[0]}x{size[1]}"
    kiosk.go_home()
    kiosk._show(POLICY)
    page = kiosk.policy_page
    page.search("一件事")
    shots.settle(lambda: page.results.count() > 0, 10.0)
    out.append(shots.save(kiosk, outdir / f"hall-kiosk-policy{tag}.png", size))
    first = page.result.documents[0] if page.result and page.result.documents else None
    if first is not None:
        page.open_document(first.id)
        shots.settle(lambda: page.stack.currentIndex() == 1, 10.0)
        out.append(shots.save(kiosk, outdir / f"hall-kiosk-policy-doc{tag}.png", size))
    kiosk.go_home()
    kiosk._show(REPORT)
    report = kiosk.report_page
    from app.vocab import HotlineCategory

    report.choose(HotlineCategory.NOT_DONE)
    report.phrase_buttons[0].setChecked(True)
    out.append(shots.save(kiosk, outdir / f"hall-kiosk-report{tag}.png", size))
    report.to_contact()
    for key in "13812345678":
        report.press(key)
    out.append(shots.save(kiosk, outdir / f"hall-kiosk-report-phone{tag}.png", size))
    kiosk.go_home()
    return out
