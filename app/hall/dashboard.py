"""The manager dashboard's data: live windows, waiting per category, alerts and today's figures.

Live state comes from the queue service's status plus window_status (since when, which clerk);
today's queue figures from `app.queue.stats.queue_stats` (computed from the event stream, the
same definitions the reports use); satisfaction from today's rated visits (a visit rated at
受理 and 办结 counts once: `app.evaluations.rated_visits`). Alerts carry a stable key; a manager's acknowledgement (an audit row,
`app.hall.manager`) is shown on the alert — a live condition (wait, idle, log-in) acknowledged
stays quiet for ACK_HOLD, a 差评 stays listed until its 回访 is recorded.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.evaluations import BAD_GRADE, GRADES, REASONS, in_figures, rated_visits, rating_rows, visit_key
from app.queue.service import QueueService
from app.queue.stats import queue_stats
from app.vocab import FollowUpState, RatingStage, TicketStatus, WindowServiceState
from db.models import AuditLog, Evaluation, HallEvent, Staff, Ticket, WindowStatus

GRADE_LABELS = GRADES
ACK_ACTION = "alert_ack"
ACK_HOLD = dt.timedelta(minutes=30)  # an acknowledged live alert stays quiet this long
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
    estimate: str = ""  # what a ticket taken now would wait: the kiosk's own words (app/queue/estimate.py)

    @property
    def over(self) -> bool:
        return self.waiting > 0 and self.longest_wait_minutes > self.warn_wait_minutes


@dataclass(frozen=True)
class Alert:
    kind: str  # wait | idle | rating | rectification | hotline | login
    text: str
    at: dt.datetime
    key: str = ""  # stable identity for acknowledging: "rating:<evaluation id>", "wait:<code>" …
    ref: uuid.UUID | None = None  # the evaluation of a rating alert
    acknowledged_by: str = ""
    acknowledged_at: dt.datetime | None = None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


@dataclass(frozen=True)
class TodayFigures:
    tickets: int
    served: int
    no_show: int
    avg_wait_minutes: float | None
    avg_service_minutes: float | None
    evaluations: int  # rated visits, once each however many stages (app.evaluations.rated_visits)
    satisfaction_rate: float | None  # share of rated visits 基本满意 or better (GB/T 39735 好评)
    bad_ratings: int  # visits with a 差评 at any stage
    follow_ups_open: int = 0  # visits (of any day) with a 差评 still waiting for its 回访
    accept_evaluations: int = 0  # visits rated at 受理 today
    complete_evaluations: int = 0  # visits rated at 办结 today
    services: int = 0  # 件次: stops served (多窗联办: a visit through two windows is 2; `served` is 人次)


@dataclass(frozen=True)
class Dashboard:
    at: dt.datetime
    business_date: dt.date
    windows: tuple[WindowLive, ...]
    categories: tuple[CategoryLive, ...]
    alerts: tuple[Alert, ...]
    today: TodayFigures
    update_notice: str = ""  # the district requires a newer program (app/updates.py); "" when not


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
        evals, _voided = rated_visits(
            rating_rows(
                s, sa.and_(Evaluation.site_id == service.site_id, Evaluation.at >= start, Evaluation.at < end)
            )
        )
        open_bad = s.execute(
            sa.select(
                Evaluation.id,
                Evaluation.grade,
                Evaluation.window_id,
                Evaluation.at,
                Evaluation.reason,
                Ticket.number,
                Evaluation.ticket_id,
                Evaluation.case_id,
            )
            .outerjoin(Ticket, Ticket.id == Evaluation.ticket_id)
            .where(
                Evaluation.site_id == service.site_id,
                Evaluation.follow_up != FollowUpState.DONE,
                Evaluation.grade <= BAD_GRADE,
                in_figures(),
            )
            .order_by(Evaluation.at)
        ).all()
        acks: dict[str, tuple[str, dt.datetime]] = {}
        for key, at, staff_id in s.execute(
            sa.select(AuditLog.entity_id, AuditLog.at, AuditLog.staff_id)
            .where(
                AuditLog.site_id == service.site_id,
                AuditLog.action == ACK_ACTION,
                sa.or_(AuditLog.at >= now - ACK_HOLD, AuditLog.entity_id.startswith("rating:")),
            )
            .order_by(AuditLog.at)
        ):
            when = _aware(at)
            if when is not None:
                acks[key] = (staff_names.get(staff_id, "") if staff_id else "", when)
        from app.auth import login_alerts  # repeated failed log-ins at one terminal (kiosk, counter PC)

        logins = login_alerts(s, service.site_id, start)
        from app.rectification import overdue_alerts  # 差评整改 past its deadline

        overdue = overdue_alerts(s, service.site_id, bdate)
        from app.hotline.ledger import overdue_alerts as hotline_overdue  # 12345 诉求 past its due date

        hotline_late = hotline_overdue(s, service.site_id, bdate)
    windows: list[WindowLive] = []
    for w in status.windows:
        wid = win_ids.get(w.number)
        row = ws_rows.get(wid) if wid is not None else None
        clerk = staff_names.get(row.staff_id, "") if row is not None and row.staff_id else ""
        since = _aware(row.since) if row is not None else None
        current = w.current
        if w.state == WindowServiceState.PAUSED:
            state = "paused"
        elif w.state != WindowServiceState.OPEN:
            state = "closed"
        elif current is not None:
            serving = current.status == TicketStatus.SERVING
            state = "serving" if serving else "called"
            since = current.started_at if serving else current.called_at
        else:
            state = "idle"
            since = max((t for t in (since, last_at.get(wid)) if t is not None), default=None)
        windows.append(
            WindowLive(w.number, w.name, state, since, clerk, current.number if current else "", w.reason)
        )
    estimates = service.wait_estimates()  # the same figure the kiosk and the ticket show
    cats = tuple(
        CategoryLive(
            c.code,
            c.name,
            c.prefix,
            c.waiting,
            c.longest_wait_minutes,
            c.warn_wait_minutes,
            estimates[c.code].text() if c.code in estimates else "",
        )
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
                    key=f"wait:{c.code}",
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
            alerts.append(
                Alert(
                    "idle",
                    f"{live.number}号窗口空闲{shown}，但其业务有 {queued} 人等候",
                    now,
                    key=f"idle:{live.number}",
                )
            )
    win_numbers = {w.id: w.number for w in ref.windows.values()}
    for eid, grade, window_id, at, reason, number, _t, _c in open_bad:
        where = f"{win_numbers[window_id]}号窗口" if window_id in win_numbers else "大厅"
        when = _aware(at) or now
        day = "" if when.astimezone(ref.tz).date() == bdate else when.astimezone(ref.tz).strftime("%m-%d ")
        why = f"，原因：{REASONS[reason]}" if reason in REASONS else ""
        ticket = f" {number} 号" if number else ""
        alerts.append(
            Alert(
                "rating",
                f"{day}{where}{ticket}差评（{GRADE_LABELS.get(grade, grade)}{why}），请回访",
                when,
                key=f"rating:{eid}",
                ref=eid,
            )
        )
    alerts += [Alert("rectification", text, at, key=f"rectification:{iid}") for iid, text, at in overdue]
    alerts += [Alert("hotline", text, at, key=f"hotline:{iid}") for iid, text, at in hotline_late]
    alerts += [Alert("login", text, _aware(at) or now, key=f"login:{text}"[:64]) for at, text in logins]
    alerts = [
        a if a.key not in acks else Alert(a.kind, a.text, a.at, a.key, a.ref, acks[a.key][0], acks[a.key][1])
        for a in alerts
    ]
    stats = queue_stats(
        service.session_factory, service.site_id, bdate, policy=service.policy, clock=service.clock
    )
    o = stats.overall
    n_eval = len(evals)
    good = sum(1 for v in evals if v.satisfied)
    today = TodayFigures(
        tickets=o.issued,
        served=o.served,
        no_show=o.no_show,
        avg_wait_minutes=o.avg_wait_minutes,
        avg_service_minutes=o.avg_service_minutes,
        evaluations=n_eval,
        satisfaction_rate=good / n_eval if n_eval else None,
        bad_ratings=sum(1 for v in evals if v.bad),
        follow_ups_open=len({visit_key(t, c, eid) for eid, *_rest, t, c in open_bad}),
        accept_evaluations=sum(1 for v in evals if RatingStage.ACCEPT in v.stages),
        complete_evaluations=sum(1 for v in evals if RatingStage.COMPLETE in v.stages),
        services=o.services,
    )
    return Dashboard(now, bdate, tuple(windows), cats, tuple(alerts), today)
