"""好差评 at the counter: the applicant rates the service on the evaluator after the ticket is finished.

Five grades (GB/T 39734: 非常满意 … 非常不满意) and four dimensions taken from the offline
(线下) indicators of the national 好差评 content: 服务态度, 服务效率, 服务水平, 办事便捷.
One rating is stored per case of the visit ("一事一评"), or one for the ticket if no case was
opened. A rating of 2 or less (差评) opens a follow-up for the hall managers.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.calendar import WorkCalendar
from db import outbox
from db.base import utcnow
from db.models import Case, CaseHistory, CaseTask, Evaluation, Site, Window

log = logging.getLogger("onewindow.evaluation")

GRADES: dict[int, str] = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
DIMENSIONS: dict[str, str] = {
    "attitude": "服务态度",
    "efficiency": "服务效率",
    "competence": "服务水平",
    "convenience": "办事便捷",
}
BAD_GRADE = 2  # this grade or lower is a 差评
FOLLOW_UP_DAYS = 1  # working days to contact the applicant after a 差评


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
    )


def check(grade: int, dimensions: Mapping[str, int]) -> None:
    if grade not in GRADES:
        raise EvaluationError("请选择评价等级（非常满意至非常不满意）")
    for key, value in dimensions.items():
        if key not in DIMENSIONS:
            raise EvaluationError(f"未知的评价项：{key}")
        if value not in GRADES:
            raise EvaluationError(f"“{DIMENSIONS[key]}”的评分应为1至5")


def record(
    session: Session,
    *,
    site_id: uuid.UUID,
    grade: int,
    dimensions: Mapping[str, int] | None = None,
    comment: str = "",
    ticket_id: uuid.UUID | None = None,
    case_ids: Sequence[uuid.UUID] = (),
    window_id: uuid.UUID | None = None,
    staff_id: uuid.UUID | None = None,
    calendar: WorkCalendar | None = None,
    now: dt.datetime | None = None,
) -> list[EvaluationInfo]:
    """Store the rating (one row per case, or one for the ticket); the caller commits."""
    dims = {k: int(v) for k, v in (dimensions or {}).items()}
    check(grade, dims)
    if len(comment) > 500:
        raise EvaluationError("评价意见最多500字")
    now = now or utcnow()
    bad = grade <= BAD_GRADE
    out = []
    targets: list[uuid.UUID | None] = [*case_ids] or [None]
    for case_id in targets:
        ev = Evaluation(
            site_id=site_id,
            ticket_id=ticket_id,
            case_id=case_id,
            window_id=window_id,
            staff_id=staff_id,
            at=now,
            grade=grade,
            dimensions=dims,
            comment=comment.strip(),
            follow_up="open" if bad else "",
        )
        outbox.save(session, ev)
        if bad and case_id is not None:
            case = session.get(Case, case_id)
            if case is not None:
                cal = calendar or WorkCalendar.load(session, _tz(session, site_id))
                today = now.astimezone(cal.tz).date()
                outbox.save(
                    session,
                    CaseTask(
                        site_id=site_id,
                        case_id=case_id,
                        kind="bad_rating",
                        due_date=cal.add_working_days(today, FOLLOW_UP_DAYS).date,
                        note=f"差评回访：{GRADES[grade]}"
                        + (f"，意见：{comment.strip()}" if comment.strip() else ""),
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
        out.append(_info(ev))
    if bad:
        log.warning("bad rating %d at window %s: follow-up opened", grade, window_id)
    return out


def _tz(session: Session, site_id: uuid.UUID) -> str:
    site = session.get(Site, site_id)
    return site.timezone if site else "Asia/Shanghai"


def open_follow_ups(session: Session, site_id: uuid.UUID) -> list[EvaluationInfo]:
    """差评 waiting for a manager's follow-up, oldest first."""
    rows = session.scalars(
        sa.select(Evaluation)
        .where(Evaluation.site_id == site_id, Evaluation.follow_up == "open")
        .order_by(Evaluation.at)
    )
    return [_info(e) for e in rows]


def close_follow_up(
    session: Session, evaluation_id: uuid.UUID, note: str, *, now: dt.datetime | None = None
) -> EvaluationInfo:
    ev = session.get(Evaluation, evaluation_id)
    if ev is None:
        raise EvaluationError("没有找到这条评价")
    if ev.follow_up != "open":
        raise EvaluationError("这条评价没有待回访事项")
    if not note.strip():
        raise EvaluationError("请填写回访情况")
    now = now or utcnow()
    ev.follow_up = "done"
    ev.comment = (ev.comment + f"\n[回访] {note.strip()}").strip()
    outbox.save(session, ev)
    if ev.case_id is not None:
        for task in session.scalars(
            sa.select(CaseTask).where(
                CaseTask.case_id == ev.case_id, CaseTask.kind == "bad_rating", CaseTask.done_at.is_(None)
            )
        ):
            task.done_at = now
            task.note = (task.note + f"\n回访：{note.strip()}").strip()
            outbox.save(session, task)
    return _info(ev)


def window_label(session: Session, window_id: uuid.UUID | None) -> str:
    w = session.get(Window, window_id) if window_id else None
    return f"{w.number}号窗口" if w else ""


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
) -> list[EvaluationInfo]:
    """The evaluator's one request: `record` in its own transaction (write lock first). Raises
    EvaluationError for a refused rating and app.errors.StorageError when the database fails."""
    from app.errors import storage
    from db.engine import SQLITE_IMMEDIATE

    with storage("保存评价"), sessions() as s:
        s.connection(execution_options=SQLITE_IMMEDIATE)
        infos = record(
            s,
            site_id=site_id,
            grade=grade,
            dimensions=dimensions,
            comment=comment,
            ticket_id=ticket_id,
            case_ids=case_ids,
            window_id=window_id,
            staff_id=staff_id,
        )
        s.commit()
        return infos
