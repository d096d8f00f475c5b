"""The figures a hall is judged by, for a day or a month, as printing's DailyReport/MonthlyReport
(→ PDF through printing.reports) and as CSV.

Queue figures come from `app.queue.stats` (event-stream definitions); cases from the case table:
accepted / completed in the period, handling time in working days (app.calendar, office hours),
on time = completed on or before the promised date; satisfaction = share of 基本满意 or better.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.calendar import WorkCalendar
from app.evaluations import RatedVisit, rated_visits, rating_rows
from app.queue.stats import queue_stats
from db.base import utcnow
from db.models import Case, Evaluation, Matter, Site, Staff, Ticket, Window, Zone
from printing.models import (
    ChannelCounts,
    CountRow,
    DailyReport,
    DayFigures,
    HallFigures,
    HotlineMonth,
    MonthlyReport,
    Office,
)
from printing.reports import hotline_lines


def _aware(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value  # type: ignore[no-any-return]


def office_of(session: Session, site_id: uuid.UUID) -> tuple[Office, str]:
    site = session.get(Site, site_id)
    if site is None:
        raise ValueError(f"site {site_id} not in the hall database")
    office = Office(
        name=site.office_name or site.name, hall_name=site.name, address=site.address, phone=site.phone
    )
    return office, site.name


def hall_figures(
    sessions: sessionmaker[Session],
    site_id: uuid.UUID,
    first: dt.date,
    last: dt.date,
    calendar: WorkCalendar,
    *,
    wait_target_minutes: int = 30,
    clock: Callable[[], dt.datetime] = utcnow,
) -> HallFigures:
    tz = calendar.tz
    start = dt.datetime.combine(first, dt.time(0), tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tz)
    with sessions() as s:
        matters = {m.id: (m.name, m.zone_code or "") for m in s.scalars(sa.select(Matter))}
        zones = {z.code: z.name for z in s.scalars(sa.select(Zone).where(Zone.site_id == site_id))}
        windows = {
            w.id: f"{w.number}号窗口" for w in s.scalars(sa.select(Window).where(Window.site_id == site_id))
        }
        staff = {st.id: st.name for st in s.scalars(sa.select(Staff).where(Staff.site_id == site_id))}
        accepted = s.execute(
            sa.select(Case.matter_id, Case.window_id, Case.staff_id, Case.channel, Case.path).where(
                Case.site_id == site_id, Case.accepted_at >= start, Case.accepted_at < end
            )
        ).all()
        completed = s.execute(
            sa.select(
                Case.matter_id,
                Case.window_id,
                Case.staff_id,
                Case.accepted_at,
                Case.completed_at,
                Case.promised_date,
            ).where(Case.site_id == site_id, Case.completed_at >= start, Case.completed_at < end)
        ).all()
        ems = int(
            s.execute(
                sa.select(sa.func.count())
                .select_from(Case)
                .where(
                    Case.site_id == site_id,
                    Case.delivery_method == "ems",
                    Case.delivered_at >= start,
                    Case.delivered_at < end,
                )
            ).scalar_one()
        )
        # Every figure counts visits, once each (a visit rated at 受理 and 办结 too; voided ratings
        # and rows merged by migration 0008 left out): app.evaluations.rated_visits.
        evals: list[RatedVisit] = rated_visits(
            rating_rows(s, sa.and_(Evaluation.site_id == site_id, Evaluation.at >= start, Evaluation.at < end))
        )[0]
    handling: list[float] = []
    on_time = 0
    for r in completed:
        acc, done = _aware(r.accepted_at), _aware(r.completed_at)
        if acc is not None and done is not None:
            with contextlib.suppress(ValueError):  # a case open for years: left out of the average
                handling.append(calendar.working_days_between(acc, done))
        if r.promised_date is None or (done is not None and done.astimezone(tz).date() <= r.promised_date):
            on_time += 1

    def rows(key: Callable[[Any], str]) -> list[CountRow]:
        acc_c = Counter(key(r) for r in accepted)
        done_c = Counter(key(r) for r in completed)
        names = sorted(set(acc_c) | set(done_c), key=lambda n: (-acc_c[n], n))
        return [CountRow(n or "（未记录）", acc_c[n], done_c[n]) for n in names]

    q = queue_stats(sessions, site_id, first, last, clock=clock).overall
    n_eval = len(evals)
    channel_c = Counter(r.channel for r in accepted)
    path_c = Counter(r.path for r in accepted)
    return HallFigures(
        cases_accepted=len(accepted),
        cases_completed=len(completed),
        avg_handling_wd=round(sum(handling) / len(handling), 2) if handling else 0.0,
        within_half_wd=sum(1 for h in handling if h <= 0.5),
        on_time_rate=on_time / len(completed) if completed else 1.0,
        evaluations=n_eval,
        satisfaction_rate=sum(1 for v in evals if v.satisfied) / n_eval if n_eval else 1.0,
        bad_ratings=sum(1 for v in evals if v.bad),
        bad_ratings_followed_up=sum(1 for v in evals if v.followed_up),
        tickets_issued=q.issued,
        tickets_served=q.served,
        tickets_services=q.services,
        avg_wait_min=q.avg_wait_minutes or 0.0,
        max_wait_min=q.max_wait_minutes or 0.0,
        avg_service_min=q.avg_service_minutes or 0.0,
        no_show_rate=q.no_show_rate or 0.0,
        over_wait_target_share=q.above_target_share or 0.0,
        wait_target_min=wait_target_minutes,
        channels=ChannelCounts(
            window=channel_c["window"],
            appointment=channel_c["appointment"],
            no_face_to_face=channel_c["online"],
            ems=ems,
            instant=path_c["instant"],
            commitment=path_c["commitment"],
            tolerance=path_c["tolerance"],
        ),
        by_matter=rows(lambda r: matters.get(r.matter_id, ("", ""))[0]),
        by_zone=rows(lambda r: zones.get(matters.get(r.matter_id, ("", ""))[1], "")),
        by_window=rows(lambda r: windows.get(r.window_id, "")),
        by_clerk=rows(lambda r: staff.get(r.staff_id, "")),
    )


def daily_report(
    sessions: sessionmaker[Session],
    site_id: uuid.UUID,
    day: dt.date,
    calendar: WorkCalendar,
    *,
    wait_target_minutes: int = 30,
    clock: Callable[[], dt.datetime] = utcnow,
) -> DailyReport:
    figures = hall_figures(
        sessions, site_id, day, day, calendar, wait_target_minutes=wait_target_minutes, clock=clock
    )
    with sessions() as s:
        office, site_name = office_of(s, site_id)
        issued = s.scalars(
            sa.select(Ticket.issued_at).where(Ticket.site_id == site_id, Ticket.business_date == day)
        ).all()
    hours = Counter(a.astimezone(calendar.tz).hour for a in (_aware(x) for x in issued) if a is not None)
    return DailyReport(
        office, site_name, day, figures, sorted(hours.items()), clock().astimezone(calendar.tz)
    )


def monthly_report(
    sessions: sessionmaker[Session],
    site_id: uuid.UUID,
    year: int,
    month: int,
    calendar: WorkCalendar,
    *,
    wait_target_minutes: int = 30,
    clock: Callable[[], dt.datetime] = utcnow,
) -> MonthlyReport:
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1–12, got {month}")
    first = dt.date(year, month, 1)
    last = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
    figures = hall_figures(
        sessions, site_id, first, last, calendar, wait_target_minutes=wait_target_minutes, clock=clock
    )
    tz = calendar.tz
    start = dt.datetime.combine(first, dt.time(0), tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tz)
    with sessions() as s:
        office, site_name = office_of(s, site_id)
        acc = s.scalars(
            sa.select(Case.accepted_at).where(
                Case.site_id == site_id, Case.accepted_at >= start, Case.accepted_at < end
            )
        ).all()
        done = s.scalars(
            sa.select(Case.completed_at).where(
                Case.site_id == site_id, Case.completed_at >= start, Case.completed_at < end
            )
        ).all()
        tickets = s.execute(
            sa.select(Ticket.business_date, sa.func.count())
            .where(Ticket.site_id == site_id, Ticket.business_date >= first, Ticket.business_date <= last)
            .group_by(Ticket.business_date)
        ).all()

    def by_day(values: Any) -> Counter[dt.date]:
        return Counter(a.astimezone(tz).date() for a in (_aware(v) for v in values) if a is not None)

    acc_c, done_c = by_day(acc), by_day(done)
    tick_c = {d: int(n) for d, n in tickets}
    per_day = [
        DayFigures(first + dt.timedelta(days=i), acc_c[d], done_c[d], tick_c.get(d, 0))
        for i in range((last - first).days + 1)
        for d in [first + dt.timedelta(days=i)]
    ]
    return MonthlyReport(
        office, site_name, year, month, figures, per_day, clock().astimezone(tz),
        hotline=hotline_month(sessions, site_id, year, month, calendar),
        rating_lines=rating_lines(sessions, site_id, start, end, clock().astimezone(tz).date()),
    )  # fmt: skip


def hotline_month(
    sessions: sessionmaker[Session], site_id: uuid.UUID, year: int, month: int, calendar: WorkCalendar
) -> HotlineMonth:
    """The month's 12345 诉求 figures (app.hotline.figures: received, 按时办结率, 答复完整率, 满意率)."""
    from app.hotline.ledger import month_of

    with sessions() as s:
        f = month_of(s, site_id, str(calendar.tz), year, month)
    return HotlineMonth(
        f.received, f.closed, f.closed_on_time, f.due, f.replies_checked, f.replies_complete, f.rated,
        f.satisfied, f.on_time_rate, f.completeness_rate, f.satisfaction_rate,
    )  # fmt: skip


def rating_lines(
    sessions: sessionmaker[Session], site_id: uuid.UUID, start: dt.datetime, end: dt.datetime, today: dt.date
) -> list[tuple[str, str]]:
    """好差评 and 差评整改 of the visits rated in [start, end), as of the hall's `today`."""
    from app.rectification import figure_lines, load_figures

    with sessions() as s:
        return figure_lines(load_figures(s, site_id, start, end, today))


# --- CSV -------------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{x * 100:.2f}%"


def _figure_rows(f: HallFigures) -> list[list[str]]:
    ch = f.channels
    return [
        ["受理件数", str(f.cases_accepted)],
        ["办结件数", str(f.cases_completed)],
        ["平均办理时长（工作日）", f"{f.avg_handling_wd:.2f}"],
        ["0.5个工作日内办结", str(f.within_half_wd)],
        ["按时办结率", _pct(f.on_time_rate)],
        ["评价数（人次）", str(f.evaluations)],
        ["群众满意率", _pct(f.satisfaction_rate)],
        ["差评数", str(f.bad_ratings)],
        ["差评已回访", str(f.bad_ratings_followed_up)],
        ["取号数", str(f.tickets_issued)],
        ["已办理号数", str(f.tickets_served)],
        ["已办理件次（多窗联办按窗口计）", str(f.tickets_services)],
        ["平均等候（分钟）", f"{f.avg_wait_min:.1f}"],
        ["最长等候（分钟）", f"{f.max_wait_min:.1f}"],
        ["平均办理（分钟）", f"{f.avg_service_min:.1f}"],
        ["过号率", _pct(f.no_show_rate)],
        [f"等候超过{f.wait_target_min}分钟占比", _pct(f.over_wait_target_share)],
        ["窗口办件", str(ch.window)],
        ["预约办件", str(ch.appointment)],
        ["不见面审批", str(ch.no_face_to_face)],
        ["EMS寄递", str(ch.ems)],
        ["秒批", str(ch.instant)],
        ["告知承诺", str(ch.commitment)],
        ["容缺受理", str(ch.tolerance)],
    ]


def _breakdowns(w: Any, f: HallFigures) -> None:
    for title, rows in (
        ("按事项", f.by_matter),
        ("按专区", f.by_zone),
        ("按窗口", f.by_window),
        ("按人员", f.by_clerk),
    ):
        w.writerow([])
        w.writerow([title, "受理", "办结"])
        for r in rows:
            w.writerow([r.name, r.accepted, r.completed])


def _rating_csv(w: Any, report: MonthlyReport) -> None:
    if report.rating_lines:
        w.writerow([])
        w.writerow(["好差评与差评整改（按人次）", "数值"])
        w.writerows([list(line) for line in report.rating_lines])


def daily_csv(report: DailyReport) -> str:
    """UTF-8 text with a BOM so spreadsheet programs on Windows read the Chinese right."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([f"{report.site_name}运行日报", report.day.isoformat()])
    w.writerow(["指标", "数值"])
    w.writerows(_figure_rows(report.figures))
    w.writerow([])
    w.writerow(["时段", "取号数"])
    for hour, n in report.tickets_per_hour:
        w.writerow([f"{hour:02d}:00", n])
    _breakdowns(w, report.figures)
    return "\ufeff" + buf.getvalue()


def monthly_csv(report: MonthlyReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([f"{report.site_name}运行月报", f"{report.year}-{report.month:02d}"])
    w.writerow(["指标", "数值"])
    w.writerows(_figure_rows(report.figures))
    w.writerow([])
    w.writerow(["日期", "受理", "办结", "取号"])
    for d in report.per_day:
        w.writerow([d.day.isoformat(), d.accepted, d.completed, d.tickets])
    _breakdowns(w, report.figures)
    _hotline_csv(w, report.hotline)
    _rating_csv(w, report)
    return "\ufeff" + buf.getvalue()


def _hotline_csv(w: Any, h: HotlineMonth | None) -> None:
    if h is None:
        return
    w.writerow([])
    w.writerow(["12345诉求", "数值", "计算"])
    w.writerows(hotline_lines(h))
