"""Screenshots of 帮办代办 and 无声叫号 for `main.py screenshots DIR`: the counter's 代办 dialog
filled from two demo cards, the 提醒电话 dialog, the kiosk's swipe page with its 帮办 button
(portrait and landscape, standard and elderly), the silent board with 张*女士-style names
(1920×1080 and 1280×720) and the manager's 帮办代办台账 tab (1366×768)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication

from app.context import AppContext
from app.queue.errors import QueueError
from app.queue.service import QueueService
from ui import shots
from ui.bus import HallBus

log = logging.getLogger("onewindow.ui")

DEMO_NAMES = (
    ("欧阳娜娜", "11010519491231002X"),
    ("张伟", "310115198506150030"),
    ("李", "110105194912310021"),
)


def _queue(ctx: AppContext) -> QueueService:
    tz = ZoneInfo(ctx.settings.site.timezone)
    start = dt.datetime.combine(dt.datetime.now(tz).date(), dt.time(11, 0), tz).astimezone(dt.UTC)
    ticks = [0]

    def clock() -> dt.datetime:
        ticks[0] += 1
        return start + dt.timedelta(seconds=30 * ticks[0])

    return QueueService(ctx.sessions, ctx.site_id, ctx.settings.queue, clock=clock)


def _named_calls(ctx: AppContext, svc: QueueService) -> None:
    """Three real-name tickets called at open windows, with their board names."""
    from app.assist.board_names import record_board_name

    status = svc.status()
    open_windows = [w.number for w in status.windows if w.state == "open"]
    codes = [c.code for c in status.categories]
    for (name, id_number), window in zip(DEMO_NAMES, open_windows, strict=False):
        try:
            state = svc.window_state(window)
            if state.current is not None:  # the demo's applicant there is served first
                if state.current.status == "called":
                    svc.start(window)
                svc.finish(window)
            window_codes = state.category_codes or codes
            t = svc.issue(window_codes[0], name=name, priority=True)
            record_board_name(ctx.sessions, ctx.site_id, t.id, name, id_number)
            svc.call_next(window)
        except QueueError as exc:
            log.info("screenshots: named call skipped: %s", exc)


def render(ctx: AppContext, outdir: Path) -> list[Path]:
    from app.assist.service import AssistService
    from devices.idcard.samples import PROTOCOL_SAMPLE, RESIDENT_LONG_TERM
    from ui.counter.agency import AgencyDialog
    from ui.counter.contact import ContactDialog
    from ui.display.board import DisplayBoard
    from ui.kiosk.window import KioskWindow
    from ui.manager.window import ManagerDashboard
    from ui.tasks import TaskRunner

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    bus = HallBus()
    svc = _queue(ctx)
    out: list[Path] = []
    widgets: list[Any] = []
    runner = TaskRunner("assist-shots")
    try:
        # The counter's 代办 dialog, both cards read, one line registered for the ledger.
        assist = AssistService(
            ctx.sessions, ctx.site_id, window_number=20, timezone=ctx.settings.site.timezone
        )
        dlg = AgencyDialog(
            ctx,
            bus,
            assist,
            runner=runner,
            documents_dir=outdir / "documents",
            matters="城乡居民基本养老保险待遇申领",
        )
        widgets.append(dlg)
        bus.cardRead.emit(PROTOCOL_SAMPLE)
        bus.cardRead.emit(RESIDENT_LONG_TERM)
        dlg.principal.phone.setText("13800138000")
        dlg.agent.phone.setText("13912345678")
        dlg.adjustSize()
        out.append(shots.save(dlg, outdir / "counter-agency.png", (dlg.width(), dlg.height())))
        dlg.register()
        out.append(shots.save(dlg, outdir / "counter-agency-registered-1366x768.png", (1366, 768)))
        dlg.done(0)

        ticket = svc.status().windows[0].current if svc.status().windows else None
        if ticket is not None:
            contact = ContactDialog(ctx, ticket.id, ticket.number, runner=runner)
            widgets.append(contact)
            contact.phone.setText("1380013")
            contact.save()  # refused: the reason shows in the reserved lines
            contact.adjustSize()
            out.append(
                shots.save(contact, outdir / "counter-contact.png", (contact.width(), contact.height()))
            )

        # The kiosk's swipe page with the 帮办 button.
        kiosk = KioskWindow(ctx, bus, screening=False, service=svc)
        kiosk.locked = False
        widgets.append(kiosk)
        shots.settle(lambda: bool(kiosk.options), 10.0)
        for elderly in (False, True):
            if kiosk.elderly != elderly:
                kiosk.toggle_elderly(speak=False)
            mode = "-elderly" if elderly else ""
            for size in ((1080, 1920), (1920, 1080)):
                kiosk.resize(*size)  # the category grid follows the size before the swipe page
                shots.settle()
                kiosk.go_home()
                shots.settle()
                if kiosk.options:
                    kiosk.choose_category(kiosk.options[0])
                out.append(
                    shots.save(kiosk, outdir / f"hall-kiosk{mode}-swipe-{size[0]}x{size[1]}.png", size)
                )
                kiosk.pages.setCurrentWidget(kiosk.contact_page)  # 留家人手机 (after an elderly ticket)
                kiosk.contact_page.start(uuid.uuid4())
                for key in "13800138000":
                    kiosk.contact_page.press(key)
                name = f"hall-kiosk{mode}-relative-phone-{size[0]}x{size[1]}.png"
                out.append(shots.save(kiosk, outdir / name, size))
        kiosk.go_home()

        # The silent board with names.
        _named_calls(ctx, svc)
        board = DisplayBoard(ctx, bus, service=svc, speak=False, names="surname")
        widgets.append(board)
        shots.settle(lambda: board.state is not None and board.newest_name.text() != "", 10.0)
        out.append(shots.save(board, outdir / "hall-display-silent.png", (1920, 1080)))
        out.append(shots.save(board, outdir / "hall-display-silent-1280x720.png", (1280, 720)))

        manager = ManagerDashboard(ctx, bus, service=svc)
        widgets.append(manager)
        shots.settle(lambda: manager.dashboard is not None, 10.0)
        manager.tabs.setCurrentWidget(manager.assist_ledger)
        shots.settle(lambda: bool(manager.assist_ledger.lines), 10.0)
        out.append(shots.save(manager, outdir / "hall-manager-assist-ledger.png", (1366, 768)))
    finally:
        for w in widgets:
            if hasattr(w, "shutdown"):
                w.shutdown()
            w.hide()
            w.deleteLater()
        runner.stop()
        QCoreApplication.processEvents()
    return out
