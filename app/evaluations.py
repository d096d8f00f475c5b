"""好差评 at the counter: the applicant rates the visit on the evaluator after the ticket is finished.

Five grades (GB/T 39734: 非常满意 … 非常不满意) and four optional dimensions taken from the offline
(线下) indicators of the national 好差评 content: 服务态度, 服务效率, 服务水平, 办事便捷.
One rating per visit (the ticket) and stage ("一次一评"), linked to every case of the visit; a
second rating of the same visit and stage is refused. Figures count visits (人次), once each even
when the visit was rated at both stages (一事多评) — the rule, `rated_visits`:
- a visit is the ticket (else the case, else the rating itself) — `visit_key`;
- its satisfaction is its latest stage's non-voided rating (办结 over 受理; the later time within
  a stage): a 受理 差评 followed by a 满意 办结 is a satisfied visit;
- a 差评 at any stage (not voided) makes it a 差评 visit all the same — each such rating keeps its
  own 整改单 — and it counts as followed up when every such 差评 has its 回访;
- a visit whose every rating was voided by 复核 leaves the figures (counted as voided);
- per stage (受理评价 / 办结评价) a visit counts once where it has a non-voided rating of that stage;
- a period takes the ratings made in it: a visit rated 受理 in one month and 办结 in the next
  counts in both months, once each. A rating of 2 or less
(差评) needs a reason category (BadRatingReason) and opens a follow-up (回访) for the hall
managers, recorded with `record_follow_up` (date, method, outcome, whether the applicant is now
satisfied).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.calendar import WorkCalendar
from app.vocab import BadRatingReason, FollowUpMethod, FollowUpState, RatingStage
from db import outbox
from db.base import utcnow
from db.models import AuditLog, Case, CaseHistory, CaseTask, Evaluation, Site, Staff, Window

log = logging.getLogger("onewindow.evaluation")

GRADES: dict[int, str] = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
DIMENSIONS: dict[str, str] = {
    "attitude": "服务态度",
    "efficiency": "服务效率",
    "competence": "服务水平",
    "convenience": "办事便捷",
}
# The reasons a 差评 asks for, in the order the evaluator shows them.
REASONS: dict[str, str] = {
    BadRatingReason.ATTITUDE: "服务态度",
    BadRatingReason.EFFICIENCY: "办事效率",
    BadRatingReason.POLICY: "政策落实/解释",
    BadRatingReason.PROCESS: "办事流程",
    BadRatingReason.ENVIRONMENT: "窗口环境",
    BadRatingReason.OTHER: "其他",
}
FOLLOW_UP_METHODS: dict[str, str] = {
    FollowUpMethod.PHONE: "电话",
    FollowUpMethod.SMS: "短信",
    FollowUpMethod.VISIT: "面谈",
    FollowUpMethod.OTHER: "其他",
}
BAD_GRADE = 2  # this grade or lower is a 差评
GOOD_GRADE = 3  # this grade or higher counts as satisfied (基本满意 or better)
FOLLOW_UP_DAYS = 1  # working days to contact the applicant after a 差评


STAGE_ORDER: dict[str, int] = {RatingStage.ACCEPT: 0, RatingStage.COMPLETE: 1}


def visit_key(ticket_id: object, case_id: object, evaluation_id: object) -> str:
    """The visit a rating belongs to: its ticket, else its case, else the rating alone."""
    if ticket_id is not None:
        return f"t:{ticket_id}"
    if case_id is not None:
        return f"c:{case_id}"
    return f"e:{evaluation_id}"


@dataclass(frozen=True, slots=True)
class RatingRow:
    """One stored rating as the figures see it (`visit` "" = a visit of its own)."""

    grade: int
    voided: bool = False
    visit: str = ""
    stage: str = RatingStage.ACCEPT
    at: dt.datetime | None = None
    followed_up: bool = False


@dataclass(frozen=True, slots=True)
class RatedVisit:
    """One visit in the figures (see the module's rule)."""

    grade: int  # its latest stage's non-voided rating
    bad: bool  # a non-voided 差评 at any stage
    followed_up: bool  # every such 差评 has its 回访
    stages: frozenset[str]  # stages with a non-voided rating

    @property
    def satisfied(self) -> bool:
        return self.grade >= GOOD_GRADE


def rated_visits(rows: Iterable[RatingRow]) -> tuple[list[RatedVisit], int]:
    """(the visits that count, the visits left out because every rating of theirs was voided)."""
    groups: dict[str, list[RatingRow]] = {}
    for n, r in enumerate(rows):
        groups.setdefault(r.visit or f"#{n}", []).append(r)
    visits: list[RatedVisit] = []
    voided = 0
    least = dt.datetime.min.replace(tzinfo=dt.UTC)
    for ratings in groups.values():
        live = [r for r in ratings if not r.voided]
        if not live:
            voided += 1
            continue
        latest = max(live, key=lambda r: (STAGE_ORDER.get(r.stage, 0), _utc(r.at) if r.at else least))
        bad = [r for r in live if r.grade <= BAD_GRADE]
        visits.append(
            RatedVisit(
                latest.grade,
                bool(bad),
                bool(bad) and all(r.followed_up for r in bad),
                frozenset(r.stage for r in live),
            )
        )
    return visits, voided


def rating_rows(session: Session, where: sa.ColumnElement[bool]) -> list[RatingRow]:
    """The counted ratings matching `where` (voided ones included, flagged) as RatingRow."""
    return [
        RatingRow(
            grade,
            voided_at is not None,
            visit_key(ticket_id, case_id, eid),
            stage,
            at,
            follow_up == FollowUpState.DONE,
        )
        for eid, ticket_id, case_id, grade, voided_at, stage, at, follow_up in session.execute(
            sa.select(
                Evaluation.id,
                Evaluation.ticket_id,
                Evaluation.case_id,
                Evaluation.grade,
                Evaluation.voided_at,
                Evaluation.stage,
                Evaluation.at,
                Evaluation.follow_up,
            ).where(where, counted())
        )
    ]


class EvaluationError(ValueError):
    """A rating that cannot be stored; the message is Chinese, for the screen."""


@dataclass(frozen=True, slots=True)
class EvaluationInfo:
    id: uuid.UUID
    ticket_id: uuid.UUID | None
    case_id: uuid.UUID | None
    grade: int
    grade_label: str
    dimensions: dict[str, int] = field(default_factory=dict)
    comment: str = ""
    follow_up: str = ""
    at: dt.datetime | None = None
    window_id: uuid.UUID | None = None
    staff_id: uuid.UUID | None = None
    case_ids: tuple[uuid.UUID, ...] = ()
    reason: str = ""
    reason_label: str = ""
    stage: str = RatingStage.ACCEPT
    follow_up_at: dt.datetime | None = None
    follow_up_by: uuid.UUID | None = None
    follow_up_method: str = ""
    follow_up_outcome: str = ""
    follow_up_satisfied: bool | None = None

    @property
    def bad(self) -> bool:
        return self.grade <= BAD_GRADE


def linked_cases(e: Evaluation) -> tuple[uuid.UUID, ...]:
    """Every case of the rated visit (rows from before revision 0008 hold only `case_id`)."""
    ids = tuple(uuid.UUID(str(c)) for c in (e.case_ids or ()))
    return ids or ((e.case_id,) if e.case_id is not None else ())


def _info(e: Evaluation) -> EvaluationInfo:
    return EvaluationInfo(
        e.id,
        e.ticket_id,
        e.case_id,
        e.grade,
        GRADES[e.grade],
        dict(e.dimensions),
        e.comment,
        e.follow_up,
        e.at,
        e.window_id,
        e.staff_id,
        linked_cases(e),
        e.reason,
        REASONS.get(e.reason, ""),
        e.stage,
        e.follow_up_at,
        e.follow_up_by,
        e.follow_up_method,
        e.follow_up_outcome,
        e.follow_up_satisfied,
    )


def info(e: Evaluation) -> EvaluationInfo:
    """The stored rating as the screens see it."""
    return _info(e)


def counted() -> sa.ColumnElement[bool]:
    """The rows that are visits: not the duplicates merged by migration 0008."""
    return Evaluation.merged_into.is_(None)


def in_figures() -> sa.ColumnElement[bool]:
    """The visits every satisfaction figure counts: `counted()` less the ratings a manager's 复核
    voided (app/rectification.py). A voided rating still blocks a second rating of the visit."""
    return sa.and_(counted(), Evaluation.voided_at.is_(None))


def check(grade: int, dimensions: Mapping[str, int], reason: str = "") -> None:
    if grade not in GRADES:
        raise EvaluationError("请选择评价等级（非常满意至非常不满意）")
    for key, value in dimensions.items():
        if key not in DIMENSIONS:
            raise EvaluationError(f"未知的评价项：{key}")
        if value not in GRADES:
            raise EvaluationError(f"“{DIMENSIONS[key]}”的评分应为1至5")
    if grade <= BAD_GRADE:
        if not reason:
            raise EvaluationError("请选择不满意的原因")
        if reason not in REASONS:
            raise EvaluationError(f"未知的不满意原因：{reason}")


def record(
    session: Session,
    *,
    site_id: uuid.UUID,
    grade: int,
    dimensions: Mapping[str, int] | None = None,
    comment: str = "",
    reason: str = "",
    ticket_id: uuid.UUID | None = None,
    case_ids: Sequence[uuid.UUID] = (),
    window_id: uuid.UUID | None = None,
    staff_id: uuid.UUID | None = None,
    stage: str = RatingStage.ACCEPT,
    calendar: WorkCalendar | None = None,
    now: dt.datetime | None = None,
    rectification_days: int = 5,
) -> EvaluationInfo:
    """Store the visit's one rating (for the ticket, linked to every case); the caller commits.
    A 差评 also opens its rectification item (app/rectification.py), 整改 due in
    `rectification_days` working days."""
    dims = {k: int(v) for k, v in (dimensions or {}).items()}
    check(grade, dims, reason)
    if len(comment) > 500:
        raise EvaluationError("评价意见最多500字")
    if stage not in tuple(RatingStage):
        raise EvaluationError(f"未知的评价环节：{stage}")
    bad = grade <= BAD_GRADE
    if ticket_id is not None and session.scalar(
        sa.select(Evaluation.id).where(
            Evaluation.ticket_id == ticket_id, Evaluation.stage == stage, counted()
        )
    ):
        raise EvaluationError("本次办理已经评价过了，感谢您的评价")
    now = (now or utcnow()).astimezone(dt.UTC)  # stored as UTC whatever zone the caller used
    cases: list[uuid.UUID] = list(dict.fromkeys(case_ids))
    ev = Evaluation(
        site_id=site_id,
        ticket_id=ticket_id,
        case_id=cases[0] if cases else None,
        case_ids=[str(c) for c in cases],
        stage=stage,
        window_id=window_id,
        staff_id=staff_id,
        at=now,
        grade=grade,
        dimensions=dims,
        comment=comment.strip(),
        reason=reason if bad else "",
        follow_up=FollowUpState.OPEN if bad else FollowUpState.NONE,
    )
    try:
        with session.begin_nested():
            outbox.save(session, ev)
    except IntegrityError as exc:  # another terminal stored this visit's rating meanwhile
        raise EvaluationError("本次办理已经评价过了，感谢您的评价") from exc
    if bad:
        from app import rectification  # it builds on this module

        calendar = calendar or WorkCalendar.load(session, _tz(session, site_id))
        rectification.open_item(session, ev, working_days=rectification_days, calendar=calendar, now=now)
        note = f"差评回访：{GRADES[grade]}，原因：{REASONS[reason]}" + (
            f"，意见：{comment.strip()}" if comment.strip() else ""
        )
        cal: WorkCalendar | None = calendar
        for case_id in cases:
            case = session.get(Case, case_id)
            if case is None:
                continue
            cal = cal or WorkCalendar.load(session, _tz(session, site_id))
            today = now.astimezone(cal.tz).date()
            outbox.save(
                session,
                CaseTask(
                    site_id=site_id,
                    case_id=case_id,
                    kind="bad_rating",
                    due_date=cal.add_working_days(today, FOLLOW_UP_DAYS).date,
                    note=note,
                ),
            )
            outbox.save(
                session,
                CaseHistory(
                    site_id=site_id,
                    case_id=case_id,
                    at=now,
                    from_status=case.status,
                    to_status=case.status,
                    staff_id=None,
                    note=f"申请人评价：{GRADES[grade]}（差评，已转大厅管理员回访）",
                ),
            )
        log.warning("bad rating %d at window %s: follow-up opened", grade, window_id)
    return _info(ev)


def _tz(session: Session, site_id: uuid.UUID) -> str:
    site = session.get(Site, site_id)
    return site.timezone if site else "Asia/Shanghai"


def open_follow_ups(session: Session, site_id: uuid.UUID) -> list[EvaluationInfo]:
    """差评 waiting for a manager's follow-up, oldest first (one per visit)."""
    rows = session.scalars(
        sa.select(Evaluation)
        .where(Evaluation.site_id == site_id, Evaluation.follow_up == FollowUpState.OPEN, in_figures())
        .order_by(Evaluation.at)
    )
    return [_info(e) for e in rows]


def record_follow_up(
    session: Session,
    evaluation_id: uuid.UUID,
    *,
    outcome: str,
    method: str = FollowUpMethod.PHONE,
    satisfied: bool | None = None,
    at: dt.datetime | None = None,
    staff_id: uuid.UUID | None = None,
    now: dt.datetime | None = None,
) -> EvaluationInfo:
    """The 回访 of a 差评: when, how, what came of it and whether the applicant is now satisfied.
    Closes the bad_rating tasks of every case of the visit and writes an audit row; the caller commits."""
    ev = session.get(Evaluation, evaluation_id)
    if ev is None or ev.merged_into is not None:
        raise EvaluationError("没有找到这条评价")
    if ev.follow_up != FollowUpState.OPEN:
        raise EvaluationError("这条评价没有待回访事项")
    outcome = outcome.strip()
    if not outcome:
        raise EvaluationError("请填写回访情况")
    if len(outcome) > 1000:
        raise EvaluationError("回访情况最多1000字")
    if method not in FOLLOW_UP_METHODS:
        raise EvaluationError("请选择回访方式")
    now = now or utcnow()
    at = at or now
    if at.tzinfo is None:
        raise EvaluationError("回访时间缺少时区")
    if at > now + dt.timedelta(minutes=5):
        raise EvaluationError("回访时间不能晚于现在")
    if ev.at is not None and at < _utc(ev.at) - dt.timedelta(minutes=1):
        raise EvaluationError("回访时间不能早于评价时间")
    ev.follow_up = FollowUpState.DONE
    ev.follow_up_at = at
    ev.follow_up_by = staff_id
    ev.follow_up_method = method
    ev.follow_up_outcome = outcome
    ev.follow_up_satisfied = satisfied
    outbox.save(session, ev)
    verdict = {True: "满意", False: "仍不满意", None: "未表态"}[satisfied]
    for case_id in linked_cases(ev):
        for task in session.scalars(
            sa.select(CaseTask).where(
                CaseTask.case_id == case_id, CaseTask.kind == "bad_rating", CaseTask.done_at.is_(None)
            )
        ):
            task.done_at = now
            task.note = (task.note + f"\n回访（{FOLLOW_UP_METHODS[method]}）：{outcome}（{verdict}）").strip()
            outbox.save(session, task)
    outbox.save(
        session,
        AuditLog(
            at=now,
            site_id=ev.site_id,
            staff_id=staff_id,
            action="rating_follow_up",
            entity="evaluation",
            entity_id=str(ev.id),
            detail=f"{FOLLOW_UP_METHODS[method]}回访，{verdict}",
        ),
    )
    return _info(ev)


def close_follow_up(
    session: Session, evaluation_id: uuid.UUID, note: str, *, now: dt.datetime | None = None
) -> EvaluationInfo:
    """A 回访 by phone with only an outcome text (kept for callers of the earlier API)."""
    return record_follow_up(session, evaluation_id, outcome=note, now=now)


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def window_label(session: Session, window_id: uuid.UUID | None) -> str:
    w = session.get(Window, window_id) if window_id else None
    return f"{w.number}号窗口" if w else ""


def staff_name(session: Session, staff_id: uuid.UUID | None) -> str:
    s = session.get(Staff, staff_id) if staff_id else None
    return s.name if s else ""


def submit_rating(
    sessions: sessionmaker[Session],
    *,
    site_id: uuid.UUID,
    grade: int,
    dimensions: Mapping[str, int],
    comment: str,
    ticket_id: uuid.UUID | None,
    case_ids: Sequence[uuid.UUID],
    window_id: uuid.UUID | None,
    staff_id: uuid.UUID | None,
    reason: str = "",
    rectification_days: int = 5,
) -> EvaluationInfo:
    """The evaluator's one request: `record` in its own transaction (write lock first). Raises
    EvaluationError for a refused rating and app.errors.StorageError when the database fails."""
    from app.errors import storage
    from db.engine import SQLITE_IMMEDIATE

    with storage("保存评价"), sessions() as s:
        s.connection(execution_options=SQLITE_IMMEDIATE)
        info = record(
            s,
            site_id=site_id,
            grade=grade,
            dimensions=dimensions,
            comment=comment,
            reason=reason,
            ticket_id=ticket_id,
            case_ids=case_ids,
            window_id=window_id,
            staff_id=staff_id,
            rectification_days=rectification_days,
        )
        s.commit()
        return info
