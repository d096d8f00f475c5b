"""Screenshots of the hall screens with demo data: kiosk (normal and elderly mode), display, manager.

`render(ctx, outdir)` is called by `main.py screenshots DIR` (ui/cli.py) on the offscreen platform.
It puts a little life into the demo hall first (windows open, tickets issued and called, one
evaluation) through the queue service, on a clock set to this morning so issue hours allow it.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget

from app.context import AppContext
from app.queue.errors import QueueError
from app.queue.service import QueueService
from ui.bus import HallBus

log = logging.getLogger("onewindow.ui")


def _wait(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QCoreApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def demo_activity(ctx: AppContext) -> QueueService:
    """Open windows, issue and call tickets so the screens show a working morning."""
    tz = ZoneInfo(ctx.settings.site.timezone)
    start = dt.datetime.combine(dt.datetime.now(tz).date(), dt.time(9, 30), tz).astimezone(dt.UTC)
    ticks = [0]

    def clock() -> dt.datetime:
        ticks[0] += 1
        return start + dt.timedelta(seconds=50 * ticks[0])

    svc = QueueService(ctx.sessions, ctx.site_id, clock=clock)
    status = svc.status()
    if sum(c.issued_today for c in status.categories) >= 12:
        return svc  # a busy morning already (rendered twice): leave it
    windows = [w.number for w in status.windows][:6]
    codes = [c.code for c in status.categories][:5]
    names = ["王小明", "李华", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴芳", "孙丽", "马超"]
    for i, name in enumerate(names * 2):
        try:
            svc.issue(codes[i % len(codes)], name=name, priority=(i == 5))
        except QueueError as exc:
            log.info("screenshots: issue skipped: %s", exc)
    import sqlalchemy as sa

    from db import outbox
    from db.models import Evaluation, Staff

    with ctx.sessions() as s:
        clerks = list(
            s.scalars(sa.select(Staff.id).where(Staff.site_id == ctx.site_id).order_by(Staff.username))
        )
    for i, n in enumerate(windows):
        try:
            svc.open_window(n, clerks[i % len(clerks)] if clerks else None)
        except QueueError as exc:
            log.info("screenshots: window %s not opened: %s", n, exc)
    for i, n in enumerate(windows[:-1]):
        clerk = clerks[i % len(clerks)] if clerks else None
        try:
            if svc.call_next(n, clerk) is not None and n % 2 == 0:
                svc.start(n, clerk)
        except QueueError as exc:
            log.info("screenshots: call at window %s skipped: %s", n, exc)
    if windows:
        try:
            svc.pause_window(windows[-1], "临时外出")
        except QueueError as exc:
            log.info("screenshots: pause skipped: %s", exc)
    with ctx.sessions.begin() as s:
        for grade in (5, 5, 4, 5, 2):
            outbox.save(s, Evaluation(site_id=ctx.site_id, grade=grade, dimensions={}))
    return svc


def _grab(widget: QWidget, path: Path, size: tuple[int, int]) -> Path:
    widget.resize(*size)
    widget.show()
    _wait(lambda: False, 0.3)
    widget.grab().save(str(path))
    return path


def render(ctx: AppContext, outdir: Path) -> list[Path]:
    from ui.display.board import DisplayBoard
    from ui.kiosk.window import KioskWindow
    from ui.manager.window import ManagerDashboard

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    svc = demo_activity(ctx)
    bus = HallBus()
    out: list[Path] = []
    widgets: list[Any] = []
    try:
        kiosk = KioskWindow(ctx, bus, screening=False, service=svc)
        kiosk.locked = False
        widgets.append(kiosk)
        _wait(lambda: bool(kiosk.options))
        out.append(_grab(kiosk, outdir / "hall-kiosk.png", (1080, 1280)))
        kiosk.toggle_elderly()
        _wait(lambda: len(kiosk.options) <= kiosk.kiosk.policy.elderly_categories)
        out.append(_grab(kiosk, outdir / "hall-kiosk-elderly.png", (1080, 1280)))

        board = DisplayBoard(ctx, bus, service=svc)
        widgets.append(board)
        _wait(lambda: board.state is not None)
        out.append(_grab(board, outdir / "hall-display.png", (1920, 1080)))

        manager = ManagerDashboard(ctx, bus, service=svc)
        widgets.append(manager)
        _wait(lambda: manager.dashboard is not None)
        out.append(_grab(manager, outdir / "hall-manager.png", (1440, 900)))
    finally:
        for w in widgets:
            w.shutdown()
            w.hide()
            w.deleteLater()
        QCoreApplication.processEvents()
    return out
