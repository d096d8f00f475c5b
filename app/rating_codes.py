"""Rating by code (评价码): the channel that lets a citizen rate a visit later, at the kiosk.

Every ticket and every 受理回执 carries the visit's code — 8 characters of the Crockford base-32
alphabet (no I, L, O, U: nothing to confuse with 1 and 0), the last a Luhn mod 32 check character,
so every single mistyped character and almost every swap of neighbours is caught before the
database is asked. 7 random characters give 32**7 ≈ 3.4e10 codes: guessing one of a hall's
tickets is hopeless. Printed as `ABCD-EFGH` and as a QR code holding `OW-RATE:ABCDEFGH`.

A visit is a ticket (with every case of it) or, for a case accepted without a ticket, that case.
一事多评 per GB/T 39734-2020: the visit can be rated once at 受理 (RatingStage.ACCEPT, once the
ticket is finished) and once at 办结 (RatingStage.COMPLETE, once every accepted case of it is
finished: 办结, 已送达 or 不予许可). The evaluator at the window rates ACCEPT too; whichever comes
first holds the stage. A code works until `rating_valid_days` after the visit's last event (its
办结, or the end of the visit when it has no case still open).

The rating is stored by app.evaluations.record (five grades, a reason for a 差评, the visit's
cases linked, the 差评 follow-up opened) — never with a clerk's name on the kiosk's screen.
"""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app import evaluations
from app.errors import storage
from app.vocab import CaseStatus, RatingStage, TicketStatus
from db.base import utcnow
from db.check_char import luhn_check_char
from db.engine import SQLITE_IMMEDIATE
from db.models import Case, Evaluation, Matter, Ticket
from db.models_rating import RatingCode

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32
RANDOM_CHARS = 7
CODE_LENGTH = RANDOM_CHARS + 1
QR_PREFIX = "OW-RATE:"
DEFAULT_VALID_DAYS = 30
# Typed look-alikes, read as Crockford does.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# A case whose handling is over: 办结 (completed), 已送达 (delivered), 不予许可 (denied).
FINISHED_CASE = (CaseStatus.COMPLETED, CaseStatus.DELIVERED, CaseStatus.DENIED)
# Cases that never reached 受理 are not rated at 办结 (一次性告知, 不予受理, drafts).
NOT_ACCEPTED = (CaseStatus.DRAFT, CaseStatus.ONE_TIME_NOTICE, CaseStatus.REJECTED)
STAGE_LABELS: dict[str, str] = {RatingStage.ACCEPT: "受理", RatingStage.COMPLETE: "办结"}
_STATUS_WORDS: dict[str, str] = {
    CaseStatus.DRAFT: "未受理",
    CaseStatus.ONE_TIME_NOTICE: "一次性告知",
    CaseStatus.REJECTED: "不予受理",
    CaseStatus.ACCEPTED: "已受理，办理中",
    CaseStatus.IN_REVIEW: "审查中",
    CaseStatus.APPROVED: "已准予，待办结",
    CaseStatus.DENIED: "已办结（不予许可）",
    CaseStatus.COMPLETED: "已办结",
    CaseStatus.DELIVERED: "已办结，已送达",
}


class RatingCodeError(ValueError):
    """A code or a rating refused; the message is plain Chinese, for the kiosk's screen."""


# --- the code itself ----------------------------------------------------------------------------


def check_char(body: str) -> str:
    """Luhn mod 32 over ALPHABET (the enrolment code's rule)."""
    return luhn_check_char(body, ALPHABET)


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return body + check_char(body)


def display(code: str) -> str:
    """ABCD-EFGH: how the code is printed and shown."""
    return f"{code[:4]}-{code[4:]}" if len(code) == CODE_LENGTH else code


def qr_payload(code: str) -> str:
    """What the QR code holds (ASCII, so every scanner reads it the same)."""
    return QR_PREFIX + code


def looks_like_rating(text: str) -> bool:
    """A scanned text meant for this channel (the QR's prefix), whatever else it holds."""
    return unicodedata.normalize("NFKC", text).strip().upper().startswith(QR_PREFIX)


def parse(text: str) -> str:
    """The code as typed on the keypad or read by a scanner (wedge or serial): NFKC, any case,
    spaces and dashes ignored, the QR's prefix removed, O/I/L read as 0/1. RatingCodeError with a
    plain message when it cannot be a code (nothing asked of the database)."""
    v = unicodedata.normalize("NFKC", text).strip().upper()
    if v.startswith(QR_PREFIX):
        v = v[len(QR_PREFIX) :]
    elif v.startswith(("OW-APPT:", "APPT:")):
        raise RatingCodeError("这是预约二维码，不是评价码。请扫描号票或受理回执上的评价二维码")
    elif v.startswith("OW-TICKET:"):
        raise RatingCodeError("这是号票的叫号二维码，请扫描号票下方标有“评价码”的二维码")
    raw = "".join(ch for ch in v if ch not in " -\t").translate(_LOOKALIKES)
    if not raw:
        raise RatingCodeError("请输入评价码")
    if len(raw) != CODE_LENGTH:
        raise RatingCodeError(
            f"评价码应为 {CODE_LENGTH} 位（不计横线），现为 {len(raw)} 位，请核对号票或回执"
        )
    bad = sorted({ch for ch in raw if ch not in ALPHABET})
    if bad:
        raise RatingCodeError(f"评价码中没有字符 {'、'.join(bad)}，请核对号票或回执")
    if check_char(raw[:-1]) != raw[-1]:
        raise RatingCodeError("评价码有误（校验位不符），请逐位核对号票或回执上的评价码")
    return raw


# --- codes of visits ------------------------------------------------------------------------------


def _insert_code(session: Session, site_id: uuid.UUID, **visit: uuid.UUID) -> str:
    """Give the visit a fresh code; a concurrent writer that gave it one first wins."""
    for _ in range(5):
        code = new_code()
        try:
            with session.begin_nested():
                session.add(RatingCode(code=code, site_id=site_id, created_at=utcnow(), **visit))
                session.flush()
            return code
        except IntegrityError:  # this visit got a code meanwhile, or (never seen) the code is taken
            column = RatingCode.ticket_id if "ticket_id" in visit else RatingCode.case_id
            existing = session.scalar(sa.select(RatingCode.code).where(column == next(iter(visit.values()))))
            if existing:
                return existing
    raise RatingCodeError("无法生成评价码，请稍后再试")  # pragma: no cover - 5 collisions in 3.4e10


def code_for_ticket(session: Session, site_id: uuid.UUID, ticket_id: uuid.UUID) -> str:
    """The ticket's code, created on first use; the caller commits."""
    found = session.scalar(sa.select(RatingCode.code).where(RatingCode.ticket_id == ticket_id))
    return found or _insert_code(session, site_id, ticket_id=ticket_id)


def code_for_case(session: Session, case: Case) -> str:
    """The code a case's receipt carries: its ticket's, or the case's own without a ticket."""
    if case.ticket_id is not None:
        return code_for_ticket(session, case.site_id, case.ticket_id)
    found = session.scalar(sa.select(RatingCode.code).where(RatingCode.case_id == case.id))
    return found or _insert_code(session, case.site_id, case_id=case.id)


# --- what a code can rate ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VisitMatter:
    name: str  # the matter's name
    status: str  # in words: 已受理，办理中 / 已办结 …


@dataclass(frozen=True, slots=True)
class RatingVisit:
    """What the kiosk shows for a code: no personal data (ticket number, date, window, matters)."""

    code: str
    ticket_number: str  # "" for a case without a ticket
    visit_date: dt.date | None
    window_label: str  # 2号窗口, "" when unknown
    matters: tuple[VisitMatter, ...]
    stages: tuple[str, ...]  # the stages that can be rated now (RatingStage), in order
    rated: tuple[str, ...]  # the stages already rated
    notice: str  # why nothing can be rated now ("" when a stage can)

    @property
    def stage_labels(self) -> tuple[str, ...]:
        return tuple(STAGE_LABELS[s] for s in self.stages)


@dataclass(frozen=True, slots=True)
class _Visit:
    row: RatingCode
    ticket: Ticket | None
    cases: list[Case]


def _load(session: Session, code: str, *, lock: bool = False) -> _Visit:
    query = sa.select(RatingCode).where(RatingCode.code == code)
    if lock:
        query = query.with_for_update()  # PostgreSQL: one rating of a code at a time
    row = session.scalar(query)
    if row is None:
        raise RatingCodeError("没有找到这个评价码，请核对号票或回执上的评价码")
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
    if row.ticket_id is not None:
        cases = list(
            session.scalars(sa.select(Case).where(Case.ticket_id == row.ticket_id).order_by(Case.created_at))
        )
    else:
        case = session.get(Case, row.case_id)
        cases = [case] if case is not None else []
    return _Visit(row, ticket, cases)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _accepted(cases: Sequence[Case]) -> list[Case]:
    return [c for c in cases if c.status not in NOT_ACCEPTED]


def _rated(session: Session, visit: _Visit) -> set[str]:
    if visit.ticket is not None:
        cond = Evaluation.ticket_id == visit.ticket.id
    else:
        case_id = visit.row.case_id
        cond = sa.and_(Evaluation.ticket_id.is_(None), Evaluation.case_id == case_id)
    return set(session.scalars(sa.select(Evaluation.stage).where(cond, evaluations.counted())))


def _window_label(session: Session, visit: _Visit) -> str:
    window_id = visit.ticket.window_id if visit.ticket is not None else None
    if window_id is None and visit.cases:
        window_id = visit.cases[0].window_id
    return evaluations.window_label(session, window_id)


def _examine(session: Session, visit: _Visit, now: dt.datetime, valid_days: int) -> RatingVisit:
    ticket, cases = visit.ticket, visit.cases
    accepted = _accepted(cases)
    rated = _rated(session, visit)
    ticket_over = ticket is None or ticket.status == TicketStatus.DONE
    accept_ready = bool(accepted) or (ticket is not None and ticket.status == TicketStatus.DONE)
    complete_ready = bool(accepted) and all(c.status in FINISHED_CASE for c in accepted)
    open_cases = [c for c in accepted if c.status not in FINISHED_CASE]
    # The visit's last event: when the code's validity starts to run out (none while a case is open).
    ends: list[dt.datetime] = []
    if ticket is not None:
        ends += [t for t in (_utc(ticket.finished_at), _utc(ticket.issued_at)) if t is not None]
    for c in cases:
        ends += [
            t
            for t in (_utc(c.completed_at), _utc(c.decided_at), _utc(c.delivered_at), _utc(c.accepted_at))
            if t
        ]
    last = max(ends) if ends else None
    expired = (
        not open_cases and ticket_over and last is not None and now > last + dt.timedelta(days=valid_days)
    )
    stages: list[str] = []
    if not expired:
        if accept_ready and RatingStage.ACCEPT not in rated:
            stages.append(RatingStage.ACCEPT)
        if complete_ready and RatingStage.COMPLETE not in rated:
            stages.append(RatingStage.COMPLETE)
    notice = ""
    if expired:
        notice = f"该评价码已过期（办结后 {valid_days} 天内有效）。如有意见，请联系大厅工作人员或拨打 12345"
    elif not stages:
        gone = ticket is not None and ticket.status in (TicketStatus.NO_SHOW, TicketStatus.CANCELLED)
        if gone and not accepted:
            notice = "这张号票没有办理业务（已过号或已取消），没有可以评价的环节"
        elif not accept_ready:
            notice = "本次办理尚未结束，暂时没有可以评价的环节。办理结束后再来评价"
        elif RatingStage.ACCEPT in rated and accepted and not complete_ready:
            notice = "受理环节已经评价过了，感谢您的评价。事项办结后，可以用同一评价码评价办结服务"
        else:
            notice = "本次办理的各个环节都已经评价过了，感谢您的评价"
    names = {
        m.id: m.name
        for m in session.scalars(sa.select(Matter).where(Matter.id.in_([c.matter_id for c in cases])))
    }
    matters = tuple(VisitMatter(names.get(c.matter_id, ""), _STATUS_WORDS.get(c.status, "")) for c in cases)
    return RatingVisit(
        code=visit.row.code,
        ticket_number=ticket.number if ticket is not None else "",
        visit_date=ticket.business_date if ticket is not None else None,
        window_label=_window_label(session, visit),
        matters=matters,
        stages=tuple(stages),
        rated=tuple(s for s in RatingStage if s in rated),
        notice=notice,
    )


def look_up(
    session: Session, text: str, *, now: dt.datetime | None = None, valid_days: int = DEFAULT_VALID_DAYS
) -> RatingVisit:
    """The visit of a typed or scanned code and what it can rate now."""
    code = parse(text)
    return _examine(session, _load(session, code), now or utcnow(), valid_days)


def rate(
    session: Session,
    code: str,
    *,
    stage: str,
    grade: int,
    reason: str = "",
    comment: str = "",
    now: dt.datetime | None = None,
    valid_days: int = DEFAULT_VALID_DAYS,
    rectification_days: int = 5,
) -> evaluations.EvaluationInfo:
    """Store the visit's rating of `stage` (one per visit and stage, linked to every case it
    concerns); the caller commits. RatingCodeError / EvaluationError when refused."""
    now = now or utcnow()
    visit = _load(session, parse(code), lock=True)
    seen = _examine(session, visit, now, valid_days)
    if stage not in tuple(RatingStage):
        raise RatingCodeError(f"未知的评价环节：{stage}")
    if stage not in seen.stages:
        if stage in seen.rated:
            raise RatingCodeError(f"“{STAGE_LABELS[stage]}”环节已经评价过了，感谢您的评价")
        raise RatingCodeError(seen.notice or f"现在还不能评价“{STAGE_LABELS[stage]}”环节")
    cases = visit.cases if stage == RatingStage.ACCEPT else _accepted(visit.cases)
    ticket = visit.ticket
    window_id = ticket.window_id if ticket is not None else (cases[0].window_id if cases else None)
    staff_id = ticket.staff_id if ticket is not None else (cases[0].staff_id if cases else None)
    if stage == RatingStage.COMPLETE and cases:  # 办结 is the handling department's: its last clerk
        staff_id = cases[-1].staff_id or staff_id
    return evaluations.record(
        session,
        site_id=visit.row.site_id,
        grade=grade,
        reason=reason,
        comment=comment,
        ticket_id=ticket.id if ticket is not None else None,
        case_ids=[c.id for c in cases],
        window_id=window_id,
        staff_id=staff_id,
        stage=stage,
        now=now,
        rectification_days=rectification_days,
    )


# --- the kiosk's service --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RatedByCode:
    """What the kiosk learns after storing: the stage, nothing of the grade's consequences."""

    stage: str
    stage_label: str
    bad: bool  # a 差评: the kiosk says the hall will call back


class RatingCodeService:
    """The kiosk's rating-by-code requests, each one transaction (app.errors.StorageError when
    the database fails)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        site_id: uuid.UUID,
        valid_days: int = DEFAULT_VALID_DAYS,
        rectification_days: int = 5,
    ) -> None:
        self.sessions = sessions
        self.site_id = site_id
        self.valid_days = valid_days
        self.rectification_days = rectification_days  # a 差评's 整改 deadline, in working days

    def look_up(self, text: str, *, now: dt.datetime | None = None) -> RatingVisit:
        code = parse(text)  # a typo is answered without the database
        with storage("查询评价码"), self.sessions() as s:
            visit = look_up(s, code, now=now, valid_days=self.valid_days)
        return visit

    def rate(
        self, code: str, stage: str, grade: int, reason: str = "", *, now: dt.datetime | None = None
    ) -> RatedByCode:
        with storage("保存评价"), self.sessions() as s:
            s.connection(execution_options=SQLITE_IMMEDIATE)
            info = rate(
                s,
                code,
                stage=stage,
                grade=grade,
                reason=reason,
                now=now,
                valid_days=self.valid_days,
                rectification_days=self.rectification_days,
            )
            s.commit()
        return RatedByCode(info.stage, STAGE_LABELS[info.stage], info.bad)

    def latest_finished_visit(self) -> str | None:
        """The code of the site's latest finished ticket not yet rated at 受理 (demo screenshots)."""
        with storage("查询评价码"), self.sessions() as s:
            rated = sa.select(Evaluation.ticket_id).where(
                Evaluation.ticket_id.is_not(None), evaluations.counted()
            )
            ticket_id = s.scalar(
                sa.select(Ticket.id)
                .where(
                    Ticket.site_id == self.site_id,
                    Ticket.status == TicketStatus.DONE,
                    Ticket.id.not_in(rated),
                )
                .order_by(Ticket.finished_at.desc())
                .limit(1)
            )
            if ticket_id is None:
                return None
            code = code_for_ticket(s, self.site_id, ticket_id)
            s.commit()
        return code

    def code_for_ticket(self, ticket_id: uuid.UUID) -> str:
        with storage("生成评价码"), self.sessions() as s:
            code = code_for_ticket(s, self.site_id, ticket_id)
            s.commit()
        return code
