"""差评整改 (GB/T 39734-2020): every 差评 becomes a rectification item (整改单) carried to closure.

The loop, each step one transaction with its audit row and a Chinese error for a wrong order:
1. created with the 差评 (`open_item`, called by `app.evaluations.record`), with its reason
   category, assigned by default to the window of the visit, 整改 due N working days after the
   rating on the hall's calendar (`[thresholds] rectification_working_days`, default 5);
2. `assign` — the manager names the responsible window and/or department;
3. `record_callback` — 回访: when, who called, how, outcome (CallbackOutcome); a call that reached
   the applicant also records the evaluation's follow-up (`app.evaluations.record_follow_up`);
4. `rectify` — the window's 整改 text; on time when its hall date is on or before the due date;
5. `appeal` (申诉, by the window's clerk, with grounds) and `review` (复核, by another manager) that
   upholds the rating or voids it with a recorded reason — a voided rating stays stored and is
   left out of every satisfaction figure (`app.evaluations.in_figures`);
6. `close` — after 整改 and a 回访 that reached the applicant (a voided rating needs neither).

An item is overdue when its due date has passed (the hall's today is after it) and it has no 整改
(a voided rating is never overdue). `rating_figures` computes the 好差评 figures from plain rows
(pure; pinned by hand in tests/hall/test_rectification_figures.py and tests/hall/test_rating_visits.py):
by visits, a visit rated at both stages once (app/evaluations.py says the rule).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import auth, evaluations
from app.calendar import WorkCalendar
from app.context import AppContext
from app.errors import storage
from app.evaluations import RatingRow as RatingRow  # the figures' row, re-exported
from app.vocab import (
    AppealState,
    CallbackOutcome,
    FollowUpMethod,
    FollowUpState,
    RatingStage,
    RectificationState,
    StaffRole,
)
from db import outbox
from db.base import utcnow
from db.engine import SQLITE_IMMEDIATE
from db.models import CaseTask, Evaluation, Site, Staff, Ticket, Window
from db.models_rectification import RectificationCallback, RectificationItem

DEFAULT_WORKING_DAYS = 5
ENTITY = "rectification_item"

STATE_LABELS: dict[str, str] = {
    RectificationState.OPEN: "待整改",
    RectificationState.RECTIFIED: "已整改",
    RectificationState.CLOSED: "已办结",
}
APPEAL_LABELS: dict[str, str] = {
    AppealState.NONE: "",
    AppealState.PENDING: "申诉待复核",
    AppealState.UPHELD: "维持评价",
    AppealState.VOIDED: "评价已撤销",
}
OUTCOME_LABELS: dict[str, str] = {
    CallbackOutcome.NOT_REACHED: "未联系上",
    CallbackOutcome.REACHED: "已联系，未表态",
    CallbackOutcome.SATISFIED: "已联系，满意",
    CallbackOutcome.DISSATISFIED: "已联系，仍不满意",
}


class RectificationError(ValueError):
    """A refused step of the loop; the message is Chinese, for the screen."""


@dataclass(frozen=True, slots=True)
class CallbackInfo:
    at: dt.datetime
    caller: str
    method: str
    outcome: str
    note: str

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)


@dataclass(frozen=True, slots=True)
class ItemInfo:
    id: uuid.UUID
    evaluation_id: uuid.UUID
    rated_at: dt.datetime
    grade: int
    reason: str
    ticket_number: str
    rated_window: str  # the window of the visit
    window_id: uuid.UUID | None  # responsible window
    window: str
    department: str
    due_date: dt.date
    state: str
    rectification: str
    rectified_on: dt.date | None
    appeal: str
    appeal_grounds: str
    review_reason: str
    callbacks: tuple[CallbackInfo, ...]
    overdue: bool
    staff_id: uuid.UUID | None = None  # the clerk rated (who may appeal)

    @property
    def grade_label(self) -> str:
        return evaluations.GRADES.get(self.grade, str(self.grade))

    @property
    def reason_label(self) -> str:
        return evaluations.REASONS.get(self.reason, self.reason)

    @property
    def responsible(self) -> str:
        return "，".join(p for p in (self.window, self.department) if p) or "（未指派）"

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)

    @property
    def appeal_label(self) -> str:
        return APPEAL_LABELS.get(self.appeal, self.appeal)

    @property
    def reached(self) -> bool:
        return any(c.outcome != CallbackOutcome.NOT_REACHED for c in self.callbacks)

    @property
    def callback_label(self) -> str:
        if not self.callbacks:
            return "未回访"
        return f"{len(self.callbacks)}次，{self.callbacks[-1].outcome_label}"


# --- figures (pure) ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One rectification item as the figures see it."""

    due_date: dt.date
    rectified_on: dt.date | None
    appeal: str = AppealState.NONE


@dataclass(frozen=True, slots=True)
class RatingFigures:
    """好差评 figures of a period, by visits (人次: one per visit however many stages were rated,
    the rule of `app.evaluations.rated_visits`); the 整改 and 申诉 figures count 整改单 (one per
    差评 rating)."""

    ratings: int  # rated visits that count (voided left out)
    voided: int  # ratings voided by 复核
    satisfied: int  # of `ratings`, 基本满意 or better
    bad: int  # of `ratings`, 差评
    rectified_on_time: int  # 整改 on or before the due date
    rectified_late: int  # 整改 after the due date
    open_overdue: int  # no 整改 and the due date has passed
    open_in_time: int  # no 整改, still within the deadline
    appeals: int
    appeals_pending: int
    appeals_upheld: int
    appeals_voided: int
    accept_ratings: int = 0  # visits with a 受理 rating (not voided)
    complete_ratings: int = 0  # visits with a 办结 rating (not voided)

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None

    @property
    def overdue(self) -> int:
        """整改 overdue: done late or not done by a passed deadline."""
        return self.rectified_late + self.open_overdue


def overdue(due_date: dt.date, rectified_on: dt.date | None, appeal: str, today: dt.date) -> bool:
    """Still without 整改 after its due date (a voided rating is never overdue)."""
    return appeal != AppealState.VOIDED and rectified_on is None and today > due_date


def rating_figures(ratings: Iterable[RatingRow], items: Iterable[ItemRow], today: dt.date) -> RatingFigures:
    counted, voided = evaluations.rated_visits(ratings)
    rows = list(items)
    live = [i for i in rows if i.appeal != AppealState.VOIDED]
    done = [i for i in live if i.rectified_on is not None]
    waiting = [i for i in live if i.rectified_on is None]
    return RatingFigures(
        ratings=len(counted),
        voided=voided,
        satisfied=sum(1 for v in counted if v.satisfied),
        bad=sum(1 for v in counted if v.bad),
        rectified_on_time=sum(1 for i in done if i.rectified_on is not None and i.rectified_on <= i.due_date),
        rectified_late=sum(1 for i in done if i.rectified_on is not None and i.rectified_on > i.due_date),
        open_overdue=sum(1 for i in waiting if today > i.due_date),
        open_in_time=sum(1 for i in waiting if today <= i.due_date),
        appeals=sum(1 for i in rows if i.appeal != AppealState.NONE),
        appeals_pending=sum(1 for i in rows if i.appeal == AppealState.PENDING),
        appeals_upheld=sum(1 for i in rows if i.appeal == AppealState.UPHELD),
        appeals_voided=sum(1 for i in rows if i.appeal == AppealState.VOIDED),
        accept_ratings=sum(1 for v in counted if RatingStage.ACCEPT in v.stages),
        complete_ratings=sum(1 for v in counted if RatingStage.COMPLETE in v.stages),
    )


def load_figures(
    session: Session, site_id: uuid.UUID, start: dt.datetime, end: dt.datetime, today: dt.date
) -> RatingFigures:
    """The figures of the visits rated in [start, end) and of their items, as of the hall's `today`."""
    in_period = sa.and_(
        Evaluation.site_id == site_id, Evaluation.at >= start, Evaluation.at < end, evaluations.counted()
    )
    ratings = evaluations.rating_rows(session, in_period)
    items = [
        ItemRow(due, done, appeal)
        for due, done, appeal in session.execute(
            sa.select(RectificationItem.due_date, RectificationItem.rectified_on, RectificationItem.appeal)
            .join(Evaluation, Evaluation.id == RectificationItem.evaluation_id)
            .where(in_period)
        )
    ]
    return rating_figures(ratings, items, today)


FIGURE_LINES: tuple[tuple[str, str], ...] = (
    ("ratings", "评价人次（不含已撤销）"),
    ("satisfaction", "满意率（基本满意及以上）"),
    ("bad", "差评人次"),
    ("accept", "受理评价人次"),
    ("complete", "办结评价人次"),
    ("on_time", "按期整改"),
    ("overdue", "整改逾期"),
    ("appeals", "申诉（维持／撤销／待复核）"),
)


def figure_values(f: RatingFigures) -> dict[str, str]:
    """The figures as text by key (FIGURE_LINES): the dashboard, the PDF and the CSV say the same."""
    rate = f.satisfaction_rate
    return {
        "ratings": str(f.ratings),
        "satisfaction": "—" if rate is None else f"{rate * 100:.2f}%",
        "bad": str(f.bad),
        "accept": str(f.accept_ratings),
        "complete": str(f.complete_ratings),
        "on_time": str(f.rectified_on_time),
        "overdue": f"{f.overdue}（其中未整改 {f.open_overdue}）",
        "appeals": f"{f.appeals_upheld}／{f.appeals_voided}／{f.appeals_pending}",
    }


def figure_lines(f: RatingFigures) -> list[tuple[str, str]]:
    """(caption, value) lines for the report."""
    values = figure_values(f)
    return [(caption, values[key]) for key, caption in FIGURE_LINES]


# --- the loop, one session each (the caller commits) ----------------------------------------------


def _tz(session: Session, site_id: uuid.UUID) -> ZoneInfo:
    site = session.get(Site, site_id)
    return ZoneInfo(site.timezone if site else "Asia/Shanghai")


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _audit(
    session: Session,
    item: RectificationItem,
    staff_id: uuid.UUID | None,
    action: str,
    detail: str,
    now: dt.datetime,
) -> None:
    auth.audit(
        session, item.site_id, staff_id, action, detail[:500], entity=ENTITY, entity_id=str(item.id), now=now
    )


def open_item(
    session: Session,
    ev: Evaluation,
    *,
    working_days: int = DEFAULT_WORKING_DAYS,
    calendar: WorkCalendar | None = None,
    now: dt.datetime | None = None,
) -> RectificationItem:
    """The 差评's item: reason, the visit's window, 整改 due `working_days` after the rating."""
    now = (now or utcnow()).astimezone(dt.UTC)  # stored and snapshotted alike
    cal = calendar or WorkCalendar.load(session, str(_tz(session, ev.site_id)))
    rated_on = _aware(ev.at or now).astimezone(cal.tz).date()
    item = RectificationItem(
        site_id=ev.site_id,
        evaluation_id=ev.id,
        reason=ev.reason,
        created_at=now,
        window_id=ev.window_id,
        department="",
        due_date=cal.add_working_days(rated_on, working_days).date,
        state=RectificationState.OPEN,
        rectification="",
        appeal=AppealState.NONE,
        appeal_grounds="",
        review_reason="",
        closing_note="",
    )
    outbox.save(session, item)
    _audit(
        session, item, None, "rectification_open", f"差评整改单，整改期限 {item.due_date.isoformat()}", now
    )
    return item


def _item(session: Session, item_id: uuid.UUID) -> RectificationItem:
    item = session.get(RectificationItem, item_id)
    if item is None:
        raise RectificationError("没有找到这条整改单")
    return item


def _not_closed(item: RectificationItem) -> None:
    if item.state == RectificationState.CLOSED:
        raise RectificationError("这条整改单已办结，不能再修改")


def _text(value: str, what: str, limit: int = 1000) -> str:
    value = value.strip()
    if not value:
        raise RectificationError(f"请填写{what}")
    if len(value) > limit:
        raise RectificationError(f"{what}最多{limit}字")
    return value


def assign(
    session: Session,
    item_id: uuid.UUID,
    *,
    window_id: uuid.UUID | None,
    department: str = "",
    staff_id: uuid.UUID | None,
    now: dt.datetime | None = None,
) -> RectificationItem:
    item = _item(session, item_id)
    _not_closed(item)
    department = department.strip()
    if window_id is None and not department:
        raise RectificationError("请选择责任窗口或填写责任部门")
    if len(department) > 100:
        raise RectificationError("责任部门最多100字")
    window = session.get(Window, window_id) if window_id is not None else None
    if window_id is not None and (window is None or window.site_id != item.site_id):
        raise RectificationError("没有找到这个窗口")
    now = (now or utcnow()).astimezone(dt.UTC)  # stored and snapshotted alike
    item.window_id, item.department = window_id, department
    item.assigned_at, item.assigned_by = now, staff_id
    outbox.save(session, item)
    where = "，".join(p for p in (f"{window.number}号窗口" if window else "", department) if p)
    _audit(session, item, staff_id, "rectification_assign", f"指派整改：{where}", now)
    return item


def record_callback(
    session: Session,
    item_id: uuid.UUID,
    *,
    outcome: str,
    method: str = FollowUpMethod.PHONE,
    note: str = "",
    at: dt.datetime | None = None,
    staff_id: uuid.UUID | None,
    now: dt.datetime | None = None,
) -> RectificationCallback:
    item = _item(session, item_id)
    _not_closed(item)
    if outcome not in OUTCOME_LABELS:
        raise RectificationError("请选择回访结果")
    if method not in evaluations.FOLLOW_UP_METHODS:
        raise RectificationError("请选择回访方式")
    note = note.strip()
    if len(note) > 1000:
        raise RectificationError("回访情况最多1000字")
    now = (now or utcnow()).astimezone(dt.UTC)  # stored and snapshotted alike
    at = at or now
    if at.tzinfo is None:
        raise RectificationError("回访时间缺少时区")
    at = at.astimezone(dt.UTC)
    if at > now + dt.timedelta(minutes=5):
        raise RectificationError("回访时间不能晚于现在")
    ev = session.get(Evaluation, item.evaluation_id)
    if ev is not None and ev.at is not None and at < _aware(ev.at) - dt.timedelta(minutes=1):
        raise RectificationError("回访时间不能早于评价时间")
    call = RectificationCallback(
        site_id=item.site_id,
        item_id=item.id,
        at=at,
        staff_id=staff_id,
        method=method,
        outcome=outcome,
        note=note,
    )
    outbox.save(session, call)
    item.updated_at = now
    outbox.save(session, item)
    label = f"{evaluations.FOLLOW_UP_METHODS[method]}回访：{OUTCOME_LABELS[outcome]}"
    _audit(session, item, staff_id, "rectification_callback", label + (f"，{note}" if note else ""), now)
    if outcome != CallbackOutcome.NOT_REACHED and ev is not None and ev.follow_up == FollowUpState.OPEN:
        satisfied = {CallbackOutcome.SATISFIED: True, CallbackOutcome.DISSATISFIED: False}.get(
            CallbackOutcome(outcome)
        )
        evaluations.record_follow_up(
            session,
            ev.id,
            outcome=note or OUTCOME_LABELS[outcome],
            method=method,
            satisfied=satisfied,
            at=at,
            staff_id=staff_id,
            now=now,
        )
    return call


def rectify(
    session: Session,
    item_id: uuid.UUID,
    *,
    text: str,
    staff_id: uuid.UUID | None,
    now: dt.datetime | None = None,
) -> RectificationItem:
    item = _item(session, item_id)
    _not_closed(item)
    if item.appeal == AppealState.VOIDED:
        raise RectificationError("评价已经复核撤销，无需整改")
    if item.state == RectificationState.RECTIFIED:
        raise RectificationError("已经记录过整改情况")
    text = _text(text, "整改情况")
    now = (now or utcnow()).astimezone(dt.UTC)  # stored and snapshotted alike
    item.rectification = text
    item.rectified_at, item.rectified_by = now, staff_id
    item.rectified_on = now.astimezone(_tz(session, item.site_id)).date()
    item.state = RectificationState.RECTIFIED
    outbox.save(session, item)
    late = "（逾期）" if item.rectified_on > item.due_date else ""
    _audit(session, item, staff_id, "rectification_rectify", f"整改{late}：{text}", now)
    return item


def appeal(
    session: Session, item_id: uuid.UUID, *, grounds: str, staff_id: uuid.UUID, now: dt.datetime | None = None
) -> RectificationItem:
    """The clerk rated (when the rating names one) contests the 差评 (申诉) with grounds; once per item."""
    item = _item(session, item_id)
    _not_closed(item)
    if item.appeal != AppealState.NONE:
        raise RectificationError("这条差评已经申诉过，不能重复申诉")
    ev = session.get(Evaluation, item.evaluation_id)
    if ev is not None and ev.staff_id is not None and ev.staff_id != staff_id:
        raise RectificationError("只有被评价的窗口工作人员可以申诉")
    grounds = _text(grounds, "申诉理由")
    now = (now or utcnow()).astimezone(dt.UTC)  # stored and snapshotted alike
    item.appeal, item.appeal_grounds = AppealState.PENDING, grounds
    item.appeal_at, item.appeal_by = now, staff_id
    outbox.save(session, item)
    _audit(session, item, staff_id, "rectification_appeal", f"申诉：{grounds}", now)
    return item


def review(
    session: Session,
    item_id: uuid.UUID,
    *,
    void: bool,
    reason: str,
    staff_id: uuid.UUID,
    now: dt.datetime | None = None,
) -> RectificationItem:
    """The manager's 复核 of a pending appeal: uphold the rating, or void it (it stops counting)."""
    item = _item(session, item_id)
    _not_closed(item)
    if item.appeal != AppealState.PENDING:
        raise RectificationError("没有待复核的申诉，不能复核")
    if item.appeal_by == staff_id:
        raise RectificationError("申诉人不能复核自己的申诉")
    reason = _text(reason, "复核理由")
    now = (now or utcnow()).astimezone(dt.UTC)  # stored and snapshotted alike
    item.appeal = AppealState.VOIDED if void else AppealState.UPHELD
    item.review_reason, item.reviewed_at, item.reviewed_by = reason, now, staff_id
    outbox.save(session, item)
    if void:
        ev = session.get(Evaluation, item.evaluation_id)
        if ev is not None:
            ev.voided_at, ev.void_reason = now, reason
            outbox.save(session, ev)
            for case_id in evaluations.linked_cases(ev):  # its cases' 回访 tasks end here
                for task in session.scalars(
                    sa.select(CaseTask).where(
                        CaseTask.case_id == case_id, CaseTask.kind == "bad_rating", CaseTask.done_at.is_(None)
                    )
                ):
                    task.done_at = now
                    task.note = (task.note + f"\n评价经复核撤销：{reason}").strip()
                    outbox.save(session, task)
    verdict = "撤销评价" if void else "维持评价"
    _audit(session, item, staff_id, "rectification_review", f"复核{verdict}：{reason}", now)
    return item


def close(
    session: Session,
    item_id: uuid.UUID,
    *,
    note: str = "",
    staff_id: uuid.UUID | None,
    now: dt.datetime | None = None,
) -> RectificationItem:
    item = _item(session, item_id)
    _not_closed(item)
    if item.appeal == AppealState.PENDING:
        raise RectificationError("申诉还未复核，复核后才能办结")
    if item.appeal != AppealState.VOIDED:
        if item.state != RectificationState.RECTIFIED:
            raise RectificationError("尚未整改，不能办结")
        reached = session.scalar(
            sa.select(sa.func.count())
            .select_from(RectificationCallback)
            .where(
                RectificationCallback.item_id == item.id,
                RectificationCallback.outcome != CallbackOutcome.NOT_REACHED,
            )
        )
        ev = session.get(Evaluation, item.evaluation_id)
        if not reached and not (ev is not None and ev.follow_up == FollowUpState.DONE):
            raise RectificationError("尚未回访到申请人，不能办结")
    note = note.strip()
    if len(note) > 1000:
        raise RectificationError("办结说明最多1000字")
    now = (now or utcnow()).astimezone(dt.UTC)  # stored and snapshotted alike
    item.state = RectificationState.CLOSED
    item.closing_note, item.closed_at, item.closed_by = note, now, staff_id
    outbox.save(session, item)
    _audit(session, item, staff_id, "rectification_close", "办结" + (f"：{note}" if note else ""), now)
    return item


# --- reading ---------------------------------------------------------------------------------------


def list_items(
    session: Session,
    site_id: uuid.UUID,
    today: dt.date,
    *,
    include_closed: bool = False,
    only: uuid.UUID | None = None,
    rated_staff: uuid.UUID | None = None,
) -> list[ItemInfo]:
    """Items oldest first (open ones; closed too when asked), with their 回访 and overdue flag;
    `rated_staff`: only the 差评 that name this clerk (the counter's 申诉 list)."""
    windows = {w.id: w.number for w in session.scalars(sa.select(Window).where(Window.site_id == site_id))}
    staff = {s.id: s.name for s in session.scalars(sa.select(Staff).where(Staff.site_id == site_id))}
    q = (
        sa.select(RectificationItem, Evaluation, Ticket.number)
        .join(Evaluation, Evaluation.id == RectificationItem.evaluation_id)
        .outerjoin(Ticket, Ticket.id == Evaluation.ticket_id)
        .where(RectificationItem.site_id == site_id)
        .order_by(Evaluation.at, RectificationItem.id)
    )
    if not include_closed:
        q = q.where(RectificationItem.state != RectificationState.CLOSED)
    if only is not None:
        q = q.where(RectificationItem.id == only)
    if rated_staff is not None:
        q = q.where(Evaluation.staff_id == rated_staff)
    rows = session.execute(q).all()
    calls: dict[uuid.UUID, list[CallbackInfo]] = {}
    ids = [item.id for item, _ev, _n in rows]
    if ids:
        for c in session.scalars(
            sa.select(RectificationCallback)
            .where(RectificationCallback.item_id.in_(ids))
            .order_by(RectificationCallback.at)
        ):
            calls.setdefault(c.item_id, []).append(
                CallbackInfo(
                    _aware(c.at), staff.get(c.staff_id, "") if c.staff_id else "", c.method, c.outcome, c.note
                )
            )

    def win(wid: uuid.UUID | None) -> str:
        return f"{windows[wid]}号窗口" if wid in windows else ""

    return [
        ItemInfo(
            id=item.id,
            evaluation_id=ev.id,
            rated_at=_aware(ev.at),
            grade=ev.grade,
            reason=item.reason,
            ticket_number=number or "",
            rated_window=win(ev.window_id),
            window_id=item.window_id,
            window=win(item.window_id),
            department=item.department,
            due_date=item.due_date,
            state=item.state,
            rectification=item.rectification,
            rectified_on=item.rectified_on,
            appeal=item.appeal,
            appeal_grounds=item.appeal_grounds,
            review_reason=item.review_reason,
            callbacks=tuple(calls.get(item.id, ())),
            overdue=item.state != RectificationState.CLOSED
            and overdue(item.due_date, item.rectified_on, item.appeal, today),
            staff_id=ev.staff_id,
        )
        for item, ev, number in rows
    ]


def overdue_alerts(
    session: Session, site_id: uuid.UUID, today: dt.date
) -> list[tuple[uuid.UUID, str, dt.datetime]]:
    """(item id, text, rated at) of every open item past its deadline without 整改: the dashboard's alerts."""
    return [
        (
            i.id,
            f"{i.responsible} {i.ticket_number + ' 号' if i.ticket_number else ''}差评整改逾期"
            f"（期限 {i.due_date:%m-%d}，原因：{i.reason_label}）",
            i.rated_at,
        )
        for i in list_items(session, site_id, today)
        if i.overdue
    ]


# --- the manager screen's service ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WindowChoice:
    id: uuid.UUID
    number: int
    name: str


@dataclass(frozen=True, slots=True)
class RectificationBoard:
    today: dt.date
    items: tuple[ItemInfo, ...]
    month: RatingFigures  # visits rated this month

    @property
    def overdue(self) -> tuple[ItemInfo, ...]:
        return tuple(i for i in self.items if i.overdue)


def month_bounds(day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    first = day.replace(day=1)
    nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return dt.datetime.combine(first, dt.time(0), tz), dt.datetime.combine(nxt, dt.time(0), tz)


class RectificationDesk:
    """What the manager screen asks: each method one transaction with its audit rows; refusals
    are RectificationError (Chinese), database failures app.errors.StorageError."""

    def __init__(self, ctx: AppContext, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.ctx = ctx
        self._clock = clock or utcnow

    def now(self) -> dt.datetime:
        return self._clock()

    def today(self) -> dt.date:
        return self.now().astimezone(ZoneInfo(self.ctx.settings.site.timezone)).date()

    def load(self) -> RectificationBoard:
        today = self.today()
        start, end = month_bounds(today, ZoneInfo(self.ctx.settings.site.timezone))
        with storage("读取整改单"), self.ctx.sessions() as s:
            items = list_items(s, self.ctx.site_id, today)
            month = load_figures(s, self.ctx.site_id, start, end, today)
        return RectificationBoard(today, tuple(items), month)

    def windows(self) -> list[WindowChoice]:
        with storage("读取窗口"), self.ctx.sessions() as s:
            return [
                WindowChoice(w.id, w.number, w.name)
                for w in s.scalars(
                    sa.select(Window).where(Window.site_id == self.ctx.site_id).order_by(Window.number)
                )
            ]

    @staticmethod
    def _manager(staff: auth.StaffInfo | None) -> auth.StaffInfo:
        if staff is None:
            raise RectificationError("请先以大厅管理员身份登录")
        try:
            auth.require_role(staff, StaffRole.MANAGER, "差评整改管理")
        except auth.NotPermitted as exc:
            raise RectificationError(str(exc)) from exc
        return staff

    def _write(self, what: str, step: Callable[[Session], RectificationItem]) -> ItemInfo:
        """Run `step(session)` in one write transaction; the item as it now stands."""
        try:
            with storage(what), self.ctx.sessions() as s:
                s.connection(execution_options=SQLITE_IMMEDIATE)
                item = step(s)
                s.commit()
                today = self.today()
                (info,) = list_items(s, self.ctx.site_id, today, include_closed=True, only=item.id)
                return info
        except evaluations.EvaluationError as exc:
            raise RectificationError(str(exc)) from exc

    def assign(
        self, staff: auth.StaffInfo | None, item_id: uuid.UUID, window_id: uuid.UUID | None, department: str
    ) -> ItemInfo:
        who = self._manager(staff)
        return self._write(
            "指派整改",
            lambda s: assign(
                s, item_id, window_id=window_id, department=department, staff_id=who.id, now=self.now()
            ),
        )

    def callback(
        self,
        staff: auth.StaffInfo | None,
        item_id: uuid.UUID,
        *,
        method: str,
        outcome: str,
        note: str,
        at: dt.datetime | None = None,
    ) -> ItemInfo:
        who = self._manager(staff)

        def step(s: Session) -> RectificationItem:
            record_callback(
                s, item_id, outcome=outcome, method=method, note=note, at=at, staff_id=who.id, now=self.now()
            )
            return _item(s, item_id)

        return self._write("保存回访记录", step)

    def rectify(self, staff: auth.StaffInfo | None, item_id: uuid.UUID, text: str) -> ItemInfo:
        who = self._manager(staff)
        return self._write(
            "保存整改情况", lambda s: rectify(s, item_id, text=text, staff_id=who.id, now=self.now())
        )

    def appeal(self, username: str, password: str, item_id: uuid.UUID, grounds: str) -> ItemInfo:
        """The clerk signs the appeal with 工号 and password at the manager's PC."""
        if not grounds.strip():
            raise RectificationError("请填写申诉理由")
        with storage("申诉"):
            try:
                clerk = auth.authenticate_at_manager_pc(
                    self.ctx.sessions,
                    username,
                    password,
                    site_id=self.ctx.site_id,
                    demo=bool(getattr(self.ctx, "demo", False)),
                )
            except auth.AuthError as exc:
                raise RectificationError(str(exc)) from exc
        return self._write(
            "申诉", lambda s: appeal(s, item_id, grounds=grounds, staff_id=clerk.id, now=self.now())
        )

    def own_items(self, clerk: auth.StaffInfo) -> list[ItemInfo]:
        """The open 整改单 of the 差评 that name the logged-in clerk (the counter's 申诉 list)."""
        with storage("读取整改单"), self.ctx.sessions() as s:
            return list_items(s, self.ctx.site_id, self.today(), rated_staff=clerk.id)

    def appeal_own(self, clerk: auth.StaffInfo | None, item_id: uuid.UUID, grounds: str) -> ItemInfo:
        """The clerk's 申诉 from the counter, where the clerk is already logged in (no password
        again); `appeal` keeps the rules: only the clerk rated, once per item, grounds given."""
        if clerk is None:
            raise RectificationError("请先登录")
        return self._write(
            "申诉", lambda s: appeal(s, item_id, grounds=grounds, staff_id=clerk.id, now=self.now())
        )

    def review(
        self, staff: auth.StaffInfo | None, item_id: uuid.UUID, *, void: bool, reason: str
    ) -> ItemInfo:
        who = self._manager(staff)
        return self._write(
            "复核申诉",
            lambda s: review(s, item_id, void=void, reason=reason, staff_id=who.id, now=self.now()),
        )

    def close(self, staff: auth.StaffInfo | None, item_id: uuid.UUID, note: str) -> ItemInfo:
        who = self._manager(staff)
        return self._write(
            "办结整改单", lambda s: close(s, item_id, note=note, staff_id=who.id, now=self.now())
        )


def by_id(items: Sequence[ItemInfo], item_id: uuid.UUID) -> ItemInfo | None:
    return next((i for i in items if i.id == item_id), None)
