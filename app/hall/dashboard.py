"""The manager dashboard's data: live windows, waiting per category, alerts and today's figures.

Live state comes from the queue service's status plus window_status (since when, which clerk);
today's queue figures from `app.queue.stats.queue_stats` (computed from the event stream, the
same definitions the reports use); satisfaction from today's evaluations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.queue.service import QueueService
from app.queue.stats import queue_stats
from db.models import Evaluation, HallEvent, Staff, WindowStatus

GRADE_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
LIVE_LABELS = {
    "serving": "办理中",
    "called": "呼叫中",
    "idle": "空闲",
    "paused": "暂停服务",
    "closed": "未开放",
}


@dataclass(frozen=True)
class WindowLive:
    number: int
    name: str
    state: str  # serving | called | idle | paused | closed
    since: dt.datetime | None
    clerk: str
    current_number: str
    reason: str  # pause reason

    @property
    def label(self) -> str:
        return LIVE_LABELS.get(self.state, self.state)


@dataclass(frozen=True)
class CategoryLive:
    code: str
    name: str
    prefix: str
    waiting: int
    longest_wait_minutes: float
    warn_wait_minutes: int

    @property
    def over(self) -> bool:
        return self.waiting > 0 and self.longest_wait_minutes > self.warn_wait_minutes


@dataclass(frozen=True)
class Alert:
    kind: str  # wait | idle | rating | login
    text: str
    at: dt.datetime


@dataclass(frozen=True)
class TodayFigures:
    tickets: int
    served: int
    no_show: int
    avg_wait_minutes: float | None
    avg_service_minutes: float | None
    evaluations: int
    satisfaction_rate: float | None  # share of 基本满意 or better (GB/T 39735 好评)
    bad_ratings: int


@dataclass(frozen=True)
class Dashboard:
    at: dt.datetime
    business_date: dt.date
    windows: tuple[WindowLive, ...]
    categories: tuple[CategoryLive, ...]
    alerts: tuple[Alert, ...]
    today: TodayFigures


def _aware(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value  # type: ignore[no-any-return]


def day_bounds(day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(0), tz)
    return start, start + dt.timedelta(days=1)


def load_dashboard(service: QueueService, *, idle_grace_minutes: float = 3.0) -> Dashboard:
    status = service.status()
    ref = service.reference()
    now = status.at
    bdate = status.business_date
    ev = HallEvent.__table__
    win_ids = {w.number: w.id for w in ref.windows.values()}
    with service.session_factory() as s:
        ws_rows = {
            r.window_id: r
            for r in s.execute(
                sa.select(WindowStatus.__table__).where(WindowStatus.site_id == service.site_id)
            )
        }
        staff_names = {
            r.id: r.name
            for r in s.execute(sa.select(Staff.id, Staff.name).where(Staff.site_id == service.site_id))
        }
        last_at = {
            r.window_id: _aware(r.at)
            for r in s.execute(
                sa.select(ev.c.window_id, sa.func.max(ev.c.at).label("at"))
                .where(
                    ev.c.site_id == service.site_id, ev.c.business_date == bdate, ev.c.window_id.is_not(None)
                )
                .group_by(ev.c.window_id)
            )
        }
        start, end = day_bounds(bdate, ref.tz)
        evals = s.execute(
            sa.select(Evaluation.grade, Evaluation.window_id, Evaluation.at, Evaluation.follow_up).where(
                Evaluation.site_id == service.site_id, Evaluation.at >= start, Evaluation.at < end
            )
        ).all()
        from app.auth import login_alerts  # repeated failed log-ins at one terminal (kiosk, counter PC)

        logins = login_alerts(s, service.site_id, start)
    windows: list[WindowLive] = []
    for w in status.windows:
        wid = win_ids.get(w.number)
        row = ws_rows.get(wid) if wid is not None else None
        clerk = staff_names.get(row.staff_id, "") if row is not None and row.staff_id else ""
        since = _aware(row.since) if row is not None else None
        current = w.current
        if w.state == "paused":
            state = "paused"
        elif w.state != "open":
            state = "closed"
        elif current is not None:
            state = "serving" if current.status == "serving" else "called"
            since = current.started_at if current.status == "serving" else current.called_at
        else:
            state = "idle"
            since = max((t for t in (since, last_at.get(wid)) if t is not None), default=None)
        windows.append(
            WindowLive(w.number, w.name, state, since, clerk, current.number if current else "", w.reason)
        )
    cats = tuple(
        CategoryLive(c.code, c.name, c.prefix, c.waiting, c.longest_wait_minutes, c.warn_wait_minutes)
        for c in status.categories
    )
    alerts: list[Alert] = []
    for c in cats:
        if c.over:
            alerts.append(
                Alert(
                    "wait",
                    f"{c.prefix} {c.name}：最长已等 {c.longest_wait_minutes:.0f} 分钟，超过预警 {c.warn_wait_minutes} 分钟（等候 {c.waiting} 人）",
                    now,
                )
            )
    waiting_by_code = {c.code: c.waiting for c in cats}
    codes_by_window = {w.number: w.category_codes for w in status.windows}
    for live in windows:
        if live.state != "idle":
            continue
        queued = sum(waiting_by_code.get(code, 0) for code in codes_by_window.get(live.number, ()))
        idle_min = (now - live.since).total_seconds() / 60 if live.since is not None else None
        if queued and (idle_min is None or idle_min >= idle_grace_minutes):
            shown = f"{idle_min:.0f} 分钟" if idle_min is not None else ""
            alerts.append(Alert("idle", f"{live.number}号窗口空闲{shown}，但其业务有 {queued} 人等候", now))
    win_numbers = {w.id: w.number for w in ref.windows.values()}
    for grade, window_id, at, follow_up in evals:
        if grade <= 2 and follow_up != "done":
            where = f"{win_numbers[window_id]}号窗口" if window_id in win_numbers else "大厅"
            alerts.append(
                Alert(
                    "rating",
                    f"{where}收到差评（{GRADE_LABELS.get(grade, grade)}），请回访",
                    _aware(at) or now,
                )
            )
    alerts += [Alert("login", text, _aware(at) or now) for at, text in logins]
    stats = queue_stats(
        service.session_factory, service.site_id, bdate, policy=service.policy, clock=service.clock
    )
    o = stats.overall
    n_eval = len(evals)
    good = sum(1 for e in evals if e.grade >= 3)
    today = TodayFigures(
        tickets=o.issued,
        served=o.served,
        no_show=o.no_show,
        avg_wait_minutes=o.avg_wait_minutes,
        avg_service_minutes=o.avg_service_minutes,
        evaluations=n_eval,
        satisfaction_rate=good / n_eval if n_eval else None,
        bad_ratings=sum(1 for e in evals if e.grade <= 2),
    )
    return Dashboard(now, bdate, tuple(windows), cats, tuple(alerts), today)
