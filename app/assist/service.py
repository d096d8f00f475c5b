"""The 帮办 ledger and 代办 service (one transaction per method, its audit row included).

A 代办 line records both people — the applicant (委托人) and the agent (受托人), each read from their
ID card at the counter — the relation, the matters (from the case when there is one), the powers
and period of the 授权委托书, whether it is free (无偿代办), and the time spent at 办结. Names, ID
numbers and phones are `db.crypto` envelopes bound to `assist_record.<column>`, with keyed hashes
of the ID numbers; lists and logs show masked values only. A 帮办 line (the clerk helped the
applicant, no agent) is recorded the same way without the agent.

Documents (授权委托书, 代办受理单, 中止单, 办结单) are built from the committed row, so a reprint
is the same paper.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app import validators
from app.cases.errors import CaseError
from app.cases.service import write_session
from app.errors import guarded, storage
from app.vocab import AgentRelation, AssistKind, AssistState
from db.crypto import FieldCryptoError, session_cipher
from db.models import AssistRecord, AuditLog, Case, Matter, Site, Staff
from db.outbox import save as outbox_save

if TYPE_CHECKING:
    from printing.agency import AgencyData

log = logging.getLogger("onewindow.case")

RELATION_LABELS: dict[str, str] = {
    AgentRelation.RELATIVE: "亲属",
    AgentRelation.EMPLOYEE: "单位员工",
    AgentRelation.ASSISTANT: "代办员",
    AgentRelation.OTHER: "其他",
}
STATE_LABELS: dict[str, str] = {
    AssistState.ACCEPTED: "代办中",
    AssistState.SUSPENDED: "已中止",
    AssistState.COMPLETED: "已办结",
}
KIND_LABELS: dict[str, str] = {AssistKind.AGENCY: "代办", AssistKind.HELP: "帮办"}
_LOCK_CLASS = 0x0DB0  # advisory lock class for 帮办 ledger numbers (PostgreSQL)
DEFAULT_POWERS = ("代为提交、补正申请材料", "代为签收受理通知书等文书", "代为领取办理结果")
#: the 委托期限 when the clerk does not set one: 30 days
DEFAULT_VALID_DAYS = 30
DOCUMENT_TITLES = {
    "power_of_attorney": "授权委托书",
    "agency_acceptance": "代办受理单",
    "agency_suspension": "代办中止单",
    "agency_completion": "代办办结单",
}


class AssistError(CaseError):
    """Bad input for the 帮办 ledger; `str(exc)` is the plain-Chinese reason."""


@dataclass(frozen=True, slots=True, repr=False)  # no personal data in a repr, log or traceback
class Person:
    name: str
    id_number: str
    phone: str = ""


@dataclass(frozen=True, slots=True, repr=False)
class AgencyRequest:
    principal: Person  # 委托人 (the applicant); for a 帮办, the person helped
    agent: Person | None  # 受托人; None: a 帮办 (the applicant is there)
    relation: str = ""  # AgentRelation (required with an agent)
    matters: tuple[str, ...] = ()  # empty with a case: the case's matter
    case_number: str = ""
    ticket_id: uuid.UUID | None = None
    company: str = ""
    powers: tuple[str, ...] = DEFAULT_POWERS
    valid_until: dt.date | None = None
    free: bool = True
    note: str = ""


@dataclass(frozen=True, slots=True)
class AssistLine:
    """One ledger line as lists show it (masked)."""

    id: uuid.UUID
    number: str
    kind: str
    state: str
    principal: str  # 张*三 (3204**********1234)
    agent: str
    relation: str  # label
    matters: str
    free: bool
    clerk: str
    window_number: int | None
    case_number: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    minutes: float | None
    reason: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


@dataclass(frozen=True, slots=True)
class AssistDocument:
    kind: str
    title: str
    number: str
    pdf: bytes = field(repr=False)

    @property
    def filename(self) -> str:
        return f"{self.number}-{self.kind}.pdf"


def _check_person(p: Person, who: str, today: dt.date) -> Person:
    name = p.name.strip()
    if not name:
        raise AssistError(f"请填写{who}姓名（可刷身份证读取）")
    number = validators.normalise_id_number(p.id_number)
    check = validators.check_card_number(number, today=today)
    if not check:
        raise AssistError(f"{who}证件号码有误：{check.reason}")
    phone = validators.normalise_mobile(p.phone) if p.phone.strip() else ""
    if phone:
        pc = validators.check_mobile(phone)
        if not pc:
            raise AssistError(f"{who}联系电话有误：{pc.reason}")
    return Person(name, number, phone)


def _mask_person(name: str, id_number: str) -> str:
    if not name:
        return ""
    return f"{validators.mask_name(name)}（{validators.mask_id_number(id_number)}）"


class AssistService:
    """The ledger at one window (`staff_id`, `window_number`), or the manager's view (both None)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        site_id: uuid.UUID,
        *,
        staff_id: uuid.UUID | None = None,
        window_number: int | None = None,
        window_name: str = "",
        timezone: str = "Asia/Shanghai",
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.sessions = sessions
        self.site_id = site_id
        self.staff_id = staff_id
        self.window_number = window_number
        self.window_name = window_name or (f"{window_number}号窗口" if window_number else "帮办代办窗口")
        self.tz = ZoneInfo(timezone)
        self._clock = clock

    def now(self) -> dt.datetime:
        return self._clock() if self._clock is not None else dt.datetime.now(dt.UTC)

    # --- writing ------------------------------------------------------------------------------

    def _audit(self, s: Session, action: str, row: AssistRecord, detail: str) -> None:
        outbox_save(
            s,
            AuditLog(
                site_id=self.site_id,
                staff_id=self.staff_id,
                action=action,
                entity="assist_record",
                entity_id=str(row.id),
                detail=detail,
            ),
        )

    def _next_number(self, s: Session, site: Site, day: dt.date) -> str:
        """SITE-DB-YYYYMMDD-NNN per site and day; serialised per site on PostgreSQL."""
        if s.get_bind().dialect.name == "postgresql":
            key = int.from_bytes(site.id.bytes[:4], "big", signed=True)
            s.execute(sa.text("SELECT pg_advisory_xact_lock(:c, :k)"), {"c": _LOCK_CLASS, "k": key})
        prefix = f"{site.code}-DB-{day:%Y%m%d}-"
        last = s.scalar(
            sa.select(sa.func.max(AssistRecord.number)).where(
                AssistRecord.site_id == self.site_id, AssistRecord.number.startswith(prefix)
            )
        )
        seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        return f"{prefix}{seq:03d}"

    @guarded("登记帮办代办")
    def register(self, request: AgencyRequest) -> AssistLine:
        """A new ledger line (代办 with an agent, 帮办 without); AssistError with a plain reason."""
        now = self.now()
        today = now.astimezone(self.tz).date()
        principal = _check_person(request.principal, "委托人" if request.agent else "申请人", today)
        agent = _check_person(request.agent, "受托人", today) if request.agent is not None else None
        if agent is not None:
            if request.relation not in RELATION_LABELS:
                raise AssistError("请选择受托人与委托人的关系")
            if agent.id_number == principal.id_number:
                raise AssistError("受托人与委托人是同一人：本人办理无需委托")
        valid_until = request.valid_until or today + dt.timedelta(days=DEFAULT_VALID_DAYS)
        if valid_until < today:
            raise AssistError("委托期限不能早于今天")
        # Two windows registering at once may take the same daily number: the loser tries again.
        for attempt in range(3):
            try:
                return self._register_tx(request, principal, agent, valid_until, now, today)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _register_tx(
        self,
        request: AgencyRequest,
        principal: Person,
        agent: Person | None,
        valid_until: dt.date,
        now: dt.datetime,
        today: dt.date,
    ) -> AssistLine:
        with write_session(self.sessions) as s:  # SQLite: BEGIN IMMEDIATE
            site = s.get(Site, self.site_id)
            if site is None:
                raise AssistError("本机的站点资料缺失，请联系管理员")
            case_id: uuid.UUID | None = None
            matters = [m.strip() for m in request.matters if m.strip()]
            if request.case_number.strip():
                case = s.scalar(
                    sa.select(Case).where(
                        Case.site_id == self.site_id, Case.case_number == request.case_number.strip()
                    )
                )
                if case is None:
                    raise AssistError(f"没有找到办件 {request.case_number.strip()}")
                case_id = case.id
                name = s.scalar(sa.select(Matter.name).where(Matter.id == case.matter_id)) or ""
                if name and name not in matters:
                    matters.insert(0, name)
            if not matters:
                raise AssistError("请填写代办事项（或输入办件编号）")
            cipher = session_cipher(s)
            row = AssistRecord(
                site_id=self.site_id,
                number=self._next_number(s, site, today),
                kind=AssistKind.AGENCY if agent else AssistKind.HELP,
                state=AssistState.ACCEPTED,
                case_id=case_id,
                ticket_id=request.ticket_id,
                staff_id=self.staff_id,
                window_number=self.window_number,
                principal_name=cipher.encrypt(principal.name, "assist_record.principal_name"),
                principal_id_number=cipher.encrypt(principal.id_number, "assist_record.principal_id_number"),
                principal_id_hash=cipher.lookup_hash(principal.id_number),
                principal_phone=cipher.encrypt(principal.phone, "assist_record.principal_phone"),
                company=request.company.strip(),
                agent_name=cipher.encrypt(agent.name, "assist_record.agent_name") if agent else "",
                agent_id_number=cipher.encrypt(agent.id_number, "assist_record.agent_id_number")
                if agent
                else "",
                agent_id_hash=cipher.lookup_hash(agent.id_number) if agent else "",
                agent_phone=cipher.encrypt(agent.phone, "assist_record.agent_phone") if agent else "",
                relation=request.relation if agent else "",
                matters="、".join(dict.fromkeys(matters)),
                powers="；".join(p.strip() for p in request.powers if p.strip()),
                valid_until=valid_until,
                free=request.free,
                note=request.note.strip(),
                started_at=now,
            )
            s.add(row)
            s.flush()
            self._audit(
                s,
                "assist.register",
                row,
                f"{row.number} {KIND_LABELS[row.kind]} {validators.mask_name(principal.name)}"
                + (f" ← {validators.mask_name(agent.name)}" if agent else ""),
            )
            log.info("assist %s registered (%s)", row.number, row.kind)
            return self._line(s, row)

    def _load(self, s: Session, record_id: uuid.UUID) -> AssistRecord:
        row = s.get(AssistRecord, record_id)
        if row is None or row.site_id != self.site_id:
            raise AssistError("没有找到这条帮办代办记录")
        return row

    @guarded("中止代办")
    def suspend(self, record_id: uuid.UUID, reason: str) -> AssistLine:
        if not reason.strip():
            raise AssistError("请填写中止原因")
        with self.sessions.begin() as s:
            row = self._load(s, record_id)
            if row.state != AssistState.ACCEPTED:
                raise AssistError(f"这条记录{STATE_LABELS[row.state]}，不能中止")
            row.state = AssistState.SUSPENDED
            row.reason = reason.strip()
            row.suspended_at = self.now()
            self._audit(s, "assist.suspend", row, row.number)
            return self._line(s, row)

    @guarded("恢复代办")
    def resume(self, record_id: uuid.UUID) -> AssistLine:
        with self.sessions.begin() as s:
            row = self._load(s, record_id)
            if row.state != AssistState.SUSPENDED:
                raise AssistError("只有已中止的代办可以恢复")
            row.state = AssistState.ACCEPTED
            self._audit(s, "assist.resume", row, row.number)
            return self._line(s, row)

    @guarded("代办办结")
    def complete(self, record_id: uuid.UUID, minutes: float | None = None) -> AssistLine:
        """办结; `minutes` the time spent (None: from acceptance to now)."""
        if minutes is not None and not 0 <= minutes <= 60 * 24 * 365:
            raise AssistError("代办用时应为 0 以上的分钟数")
        now = self.now()
        with self.sessions.begin() as s:
            row = self._load(s, record_id)
            if row.state == AssistState.COMPLETED:
                raise AssistError("这条代办已办结")
            row.state = AssistState.COMPLETED
            row.finished_at = now
            started = row.started_at if row.started_at.tzinfo else row.started_at.replace(tzinfo=dt.UTC)
            row.minutes = round(minutes if minutes is not None else (now - started).total_seconds() / 60, 1)
            self._audit(s, "assist.complete", row, f"{row.number} {row.minutes} min")
            return self._line(s, row)

    # --- reading ------------------------------------------------------------------------------

    def _line(self, s: Session, row: AssistRecord) -> AssistLine:
        cipher = session_cipher(s)

        def opened(value: str, column: str) -> str:
            if not value:
                return ""
            try:
                return cipher.decrypt(value, f"assist_record.{column}")
            except FieldCryptoError:
                return "（无法解密）"

        principal = _mask_person(
            opened(row.principal_name, "principal_name"),
            opened(row.principal_id_number, "principal_id_number"),
        )
        agent = _mask_person(
            opened(row.agent_name, "agent_name"), opened(row.agent_id_number, "agent_id_number")
        )
        clerk = s.scalar(sa.select(Staff.name).where(Staff.id == row.staff_id)) if row.staff_id else ""
        case_number = (
            s.scalar(sa.select(Case.case_number).where(Case.id == row.case_id)) if row.case_id else ""
        )
        return AssistLine(
            id=row.id,
            number=row.number,
            kind=row.kind,
            state=row.state,
            principal=(f"{row.company} " if row.company else "") + principal,
            agent=agent,
            relation=RELATION_LABELS.get(row.relation, ""),
            matters=row.matters,
            free=row.free,
            clerk=clerk or "",
            window_number=row.window_number,
            case_number=case_number or "",
            started_at=_aware(row.started_at),
            finished_at=_aware(row.finished_at) if row.finished_at else None,
            minutes=row.minutes,
            reason=row.reason,
        )

    @guarded("读取帮办代办台账")
    def ledger(self, start: dt.date, end: dt.date) -> list[AssistLine]:
        """Lines started between `start` and `end` (local dates, inclusive), newest first."""
        lo = dt.datetime.combine(start, dt.time(), self.tz).astimezone(dt.UTC)
        hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), self.tz).astimezone(dt.UTC)
        with self.sessions() as s:
            rows = s.scalars(
                sa.select(AssistRecord)
                .where(
                    AssistRecord.site_id == self.site_id,
                    AssistRecord.started_at >= lo,
                    AssistRecord.started_at < hi,
                )
                .order_by(AssistRecord.started_at.desc())
            ).all()
            return [self._line(s, r) for r in rows]

    @guarded("读取帮办代办记录")
    def line(self, record_id: uuid.UUID) -> AssistLine:
        with self.sessions() as s:
            return self._line(s, self._load(s, record_id))

    # --- documents ----------------------------------------------------------------------------

    def documents(self, record_id: uuid.UUID, config: object = None) -> list[AssistDocument]:
        """The 授权委托书 (代办 only) and the slip of the line's state; audited (full identities on paper)."""
        from printing import agency as docs  # reportlab: loaded on first use
        from printing.layout import PrintConfig

        cfg = config if isinstance(config, PrintConfig) else None
        with storage("生成代办文书"), self.sessions.begin() as s:
            row = self._load(s, record_id)
            data = self._agency_data(s, row)
            self._audit(s, "assist.print", row, row.number)
        out: list[AssistDocument] = []
        if row.kind == AssistKind.AGENCY:
            out.append(self._doc("power_of_attorney", data.number, docs.build_power_of_attorney(data, cfg)))
        slips = {
            AssistState.ACCEPTED: ("agency_acceptance", docs.build_acceptance_slip),
            AssistState.SUSPENDED: ("agency_suspension", docs.build_suspension_slip),
            AssistState.COMPLETED: ("agency_completion", docs.build_completion_slip),
        }
        kind, build = slips[AssistState(row.state)]
        out.append(self._doc(kind, data.number, build(data, cfg)))
        return out

    @staticmethod
    def _doc(kind: str, number: str, pdf: bytes) -> AssistDocument:
        return AssistDocument(kind, DOCUMENT_TITLES[kind], number, pdf)

    def _agency_data(self, s: Session, row: AssistRecord) -> AgencyData:
        from app.cases.documents import office_for
        from printing.agency import AgencyData, Party

        cipher = session_cipher(s)

        def opened(column: str) -> str:
            value = getattr(row, column)
            return cipher.decrypt(value, f"assist_record.{column}") if value else ""

        site = s.get(Site, self.site_id)
        assert site is not None
        clerk = s.scalar(sa.select(Staff.name).where(Staff.id == row.staff_id)) if row.staff_id else ""
        case_number = (
            s.scalar(sa.select(Case.case_number).where(Case.id == row.case_id)) if row.case_id else ""
        )
        window = f"{row.window_number}号窗口" if row.window_number else self.window_name

        def local(value: dt.datetime | None) -> dt.datetime | None:
            return _aware(value).astimezone(self.tz) if value else None

        accepted = local(row.started_at)
        assert accepted is not None
        return AgencyData(
            office=office_for(site),
            number=row.number,
            principal=Party(
                opened("principal_name"),
                opened("principal_id_number"),
                opened("principal_phone"),
                row.company,
            ),
            agent=Party(opened("agent_name"), opened("agent_id_number"), opened("agent_phone")),
            relation=RELATION_LABELS.get(row.relation, ""),
            matters=row.matters.split("、") if row.matters else [],
            powers=row.powers.split("；") if row.powers else [],
            valid_until=row.valid_until or accepted.date(),
            accepted_at=accepted,
            clerk_name=clerk or "",
            window_name=window,
            free=row.free,
            case_number=case_number or "",
            reason=row.reason,
            suspended_at=local(row.suspended_at),
            finished_at=local(row.finished_at),
            minutes=row.minutes,
        )


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


LEDGER_HEADER = ("编号", "类型", "状态", "申请人/委托人", "受托人", "关系", "事项", "无偿代办", "代办员", "窗口",
                 "办件编号", "受理时间", "办结时间", "用时（分钟）", "中止原因")  # fmt: skip


def ledger_csv(lines: Sequence[AssistLine], tz: ZoneInfo) -> str:
    """The ledger as CSV (UTF-8 with BOM when written, so spreadsheet programs read the Chinese)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(LEDGER_HEADER)
    for ln in lines:
        w.writerow(
            [
                ln.number,
                ln.kind_label,
                ln.state_label,
                ln.principal,
                ln.agent,
                ln.relation,
                ln.matters,
                "是" if ln.free else "否",
                ln.clerk,
                ln.window_number or "",
                ln.case_number,
                f"{ln.started_at.astimezone(tz):%Y-%m-%d %H:%M}",
                f"{ln.finished_at.astimezone(tz):%Y-%m-%d %H:%M}" if ln.finished_at else "",
                f"{ln.minutes:g}" if ln.minutes is not None else "",
                ln.reason,
            ]
        )
    return buf.getvalue()
