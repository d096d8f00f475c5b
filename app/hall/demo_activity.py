"""Life in the demo hall, through the queue service (every write goes through its transactions
and the sync outbox, as a real day's would):

- `seed_demo_history`: a few weeks of past working days (the hall's calendar: holidays skipped,
  make-up workdays worked), each a simulated day — windows opened, tickets issued in the usual
  morning-peak pattern, called, served and the day closed — so the manager's charts and load
  forecast have history to show. Only into a hall with no past tickets.
- `seed_demo_hall`: what `main.py demo` adds to its own database: that history and the 12345
  demo items (app/hotline/demo.py).
- `demo_activity`: a working morning today, for screenshots: windows open, tickets issued and
  called, a few evaluations, on a clock set to this morning so issue hours allow it."""

from __future__ import annotations

import datetime as dt
import logging
import random
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app import evaluations
from app.context import AppContext
from app.queue.errors import QueueError
from app.queue.service import QueueService
from db.models import Staff, Ticket

log = logging.getLogger("onewindow.app.hall")


#: share of a day's tickets per hour (08:30 opening, morning peak, lunch dip, afternoon bump)
ARRIVAL_PROFILE = {8: 0.08, 9: 0.19, 10: 0.2, 11: 0.11, 12: 0.04, 13: 0.09, 14: 0.14, 15: 0.12, 16: 0.03}
#: tickets on a usual day per weekday (Monday busiest, Friday afternoon quiet)
DAY_TICKETS = {0: 46, 1: 38, 2: 34, 3: 36, 4: 30, 5: 30, 6: 30}


def seed_demo_hall(ctx: AppContext) -> None:
    """`main.py demo`'s sample activity, once, into the demo's own database: the past weeks (the
    manager's charts and forecast) and a few 12345 诉求 (app/hotline/demo.py, one overdue)."""
    from app.hotline.demo import demo_items

    seed_demo_history(ctx)
    demo_items(ctx)


def seed_demo_history(ctx: AppContext, *, weeks: int = 2, today: dt.date | None = None) -> int:
    """Simulate the working days of the last `weeks` weeks before `today` (the hall's date) through
    the queue service; returns the number of days written (0 when the hall has past tickets)."""
    tz = ZoneInfo(ctx.settings.site.timezone)
    today = today or dt.datetime.now(tz).date()
    with ctx.sessions() as s:
        past = s.scalar(
            sa.select(sa.func.count())
            .select_from(Ticket)
            .where(Ticket.site_id == ctx.site_id, Ticket.business_date < today)
        )
    if past:
        return 0
    calendar = ctx.calendar()
    days = [
        today - dt.timedelta(days=n)
        for n in range(7 * weeks, 0, -1)
        if calendar.is_working_day(today - dt.timedelta(days=n))
    ]
    for day in days:
        _simulate_day(ctx, day, tz)
    log.info("demo history: %d past working days simulated", len(days))
    return len(days)


def _simulate_day(ctx: AppContext, day: dt.date, tz: ZoneInfo) -> None:
    rng = random.Random(day.toordinal())  # the same history for the same dates
    now = [dt.datetime.combine(day, dt.time(8, 25), tz)]
    svc = QueueService(ctx.sessions, ctx.site_id, ctx.settings.queue, clock=lambda: now[0].astimezone(dt.UTC))
    status = svc.status()
    windows = [w for w in status.windows if w.category_codes][:6]
    served = {code for w in windows for code in w.category_codes}
    codes = [c.code for c in status.categories if c.code in served]
    if not windows or not codes:
        return
    weights = [3.0 if i == 0 else 1.0 for i in range(len(codes))]  # the comprehensive window's queue leads
    count = round(DAY_TICKETS[day.weekday()] * rng.uniform(0.85, 1.15))
    arrivals = sorted(
        dt.datetime.combine(day, dt.time(hour, 30 if hour == 8 else 0), tz)
        + dt.timedelta(minutes=rng.uniform(0, 29.5 if hour == 8 else 59.5))
        for hour in rng.choices(list(ARRIVAL_PROFILE), weights=list(ARRIVAL_PROFILE.values()), k=count)
    )
    for w in windows:
        svc.open_window(w.number)
    busy_until: dict[int, dt.datetime] = {}
    waiting = dict.fromkeys(codes, 0)  # per category, so a window only asks when it has someone
    minute = dt.datetime.combine(day, dt.time(8, 30), tz)
    end = dt.datetime.combine(day, dt.time(17, 30), tz)
    while minute < end and (arrivals or any(waiting.values()) or busy_until):
        while arrivals and arrivals[0] <= minute:
            now[0] = arrivals.pop(0)
            code = rng.choices(codes, weights=weights)[0]
            try:
                svc.issue(code, channel="kiosk")
                waiting[code] += 1
            except QueueError as exc:
                log.debug("demo history: issue skipped: %s", exc)
        for w in windows:
            n = w.number
            if n in busy_until and busy_until[n] <= minute:
                now[0] = busy_until.pop(n)
                svc.finish(n)  # straight from the call: the service time runs from the call
            if n not in busy_until and any(waiting.get(c, 0) for c in w.category_codes):
                now[0] = minute
                called = svc.call_next(n)
                if called is None:
                    continue
                waiting[called.ticket.category_code] -= 1
                busy_until[n] = minute + dt.timedelta(minutes=rng.uniform(4, 13))
        minute += dt.timedelta(minutes=1)
    now[0] = max(minute, dt.datetime.combine(day, dt.time(17, 0), tz))
    for w in windows:
        try:
            svc.close_window(w.number)
        except QueueError as exc:
            log.debug("demo history: close skipped: %s", exc)
    svc.close_day(business_date=day)


def demo_activity(ctx: AppContext) -> QueueService:
    """Open windows, issue and call tickets so the screens show a working morning (after the
    past weeks' history, when the hall has none)."""
    seed_demo_history(ctx)
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
