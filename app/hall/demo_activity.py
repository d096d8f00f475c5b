"""A working morning in the demo hall, for screenshots: windows open, tickets issued and called,
a few evaluations — through the queue service, on a clock set to this morning so issue hours
allow it."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app import evaluations
from app.context import AppContext
from app.queue.errors import QueueError
from app.queue.service import QueueService
from db.models import Staff

log = logging.getLogger("onewindow.app.hall")


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
        for grade in (5, 5, 4, 5, 2):  # five rated visits, one 差评 with its reason
            evaluations.record(s, site_id=ctx.site_id, grade=grade, reason="efficiency" if grade <= 2 else "")
    return svc
