"""The case service: intake at the counter along every path of DOMAIN.md, and the later transitions.

Every write goes through `db.outbox.save` with a CaseHistory row in the same transaction (the
caller's: it commits or rolls back); every view or change of personal data writes an AuditLog.
Deadlines come from the working-day calendar in the unit the matter's limit is stated in.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app import matters, validators
from app.calendar import WorkCalendar
from app.cases import machine, personal
from app.cases.errors import (
    InvalidApplicant,
    InvalidTransition,
    InvalidWaybill,
    MatterNotEmpowered,
    MissingCoreMaterial,
    MissingMaterials,
    MissingReason,
    PathNotAllowed,
    UnknownCase,
    UnknownMatter,
)
from app.cases.types import (
    APPLICANT_KINDS,
    ApplicantData,
    CaseDetail,
    CaseInfo,
    CaseMaterialInfo,
    CaseRow,
    Clerk,
    HistoryEntry,
    IntakeRequest,
    IntakeResult,
    MaterialCheck,
    MaterialInfo,
    MatterInfo,
    ScenarioInfo,
    TaskInfo,
)
from app.vocab import CaseStatus, IntakePath
from db import outbox
from db.base import utcnow
from db.crypto import FieldCryptoError
from db.engine import SQLITE_IMMEDIATE
from db.models import (
    AuditLog,
    Case,
    CaseHistory,
    CaseMaterial,
    CaseTask,
    Matter,
    Site,
    Staff,
    Ticket,
    Window,
)

log = logging.getLogger("onewindow.case")

COMMITMENT_VERIFY_DAYS = 20  # working days until the post-approval verification of a commitment
TOLERANCE_DUE_DAYS = 5  # working days the applicant has to supply missing non-core materials
_FOREIGN_PERMIT_RE = re.compile(r"^[A-Z]{3}\d{12}$")
_WAYBILL_RE = re.compile(r"^(?:[A-Z]{2}\d{9}[A-Z]{2}|\d{13})$")
_LOCK_CLASS = 0x0CA5  # advisory lock class for case numbers (PostgreSQL)


# --- transactions ------------------------------------------------------------------------------


@contextmanager
def write_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose transaction takes the write lock first (SQLite BEGIN IMMEDIATE), committed at
    the end and rolled back on any error. Use it for every case write from the UI."""
    with sessions() as session:
        session.connection(execution_options=SQLITE_IMMEDIATE)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# --- validation --------------------------------------------------------------------------------


def validate_applicant(a: ApplicantData, *, today: dt.date | None = None) -> dict[str, str]:
    """Field → Chinese message for every problem (empty when the applicant is valid)."""
    errors: dict[str, str] = {}
    if a.kind not in APPLICANT_KINDS:
        errors["kind"] = "申请人类型只能是个人或企业"
    if not a.name.strip():
        errors["name"] = "请填写申请人姓名" if a.kind == "person" else "请填写经办人姓名"
    elif len(a.name.strip()) > 64:
        errors["name"] = "姓名过长（最多64个字）"
    idn = validators.normalise_id_number(a.id_number)
    if not idn:
        errors["id_number"] = "请填写证件号码"
    elif not _FOREIGN_PERMIT_RE.match(idn):
        check = validators.check_id_number(idn, today=today)
        if not check:
            errors["id_number"] = check.reason
    if a.phone.strip():
        check = validators.check_mobile(a.phone)
        if not check:
            errors["phone"] = check.reason
    if len(a.address) > 200:
        errors["address"] = "地址过长（最多200个字）"
    if a.kind == "company":
        if not a.company_name.strip():
            errors["company_name"] = "请填写企业名称"
        check = validators.check_uscc(a.uscc)
        if not check:
            errors["uscc"] = check.reason if a.uscc.strip() else "请填写统一社会信用代码"
        if not a.legal_representative.strip():
            errors["legal_representative"] = "请填写法定代表人"
    return errors


def normalised(a: ApplicantData) -> ApplicantData:
    return ApplicantData(
        kind=a.kind,
        name=a.name.strip(),
        id_number=validators.normalise_id_number(a.id_number),
        phone=validators.normalise_mobile(a.phone) if a.phone.strip() else "",
        address=a.address.strip(),
        company_name=a.company_name.strip() if a.kind == "company" else "",
        uscc=validators.normalise_uscc(a.uscc) if a.kind == "company" else "",
        legal_representative=a.legal_representative.strip() if a.kind == "company" else "",
    )


def applicant_label(a: ApplicantData) -> str:
    """Masked, for lists, logs and the audit trail."""
    return _label(a.kind, validators.mask_name(a.name), a.company_name)


def case_applicant_label(session: Session, case: Case) -> str:
    """A stored case's applicant as lists show it: the name decrypted and masked (not a reveal)."""
    return _label(case.applicant_kind, personal.masked_name(session, case), case.company_name)


def _label(kind: str, masked_name: str, company: str) -> str:
    return f"{company}（经办人 {masked_name}）" if kind == "company" and company else masked_name


# --- reference lookups ---------------------------------------------------------------------------


def get_matter(session: Session, matter_id: uuid.UUID, site_id: uuid.UUID | None = None) -> MatterInfo:
    """A matter with its current materials (the intake checklist); MatterNotEmpowered if `site_id`
    may not handle it (赋权)."""
    m = session.get(Matter, matter_id)
    if m is None or not m.active:
        raise UnknownMatter()
    if site_id is not None and not matters.is_empowered(session, site_id, matter_id):
        raise MatterNotEmpowered(f"本中心未获赋权办理“{m.name}”，请引导申请人到区政务服务中心办理")
    return matters.matter_infos(session, [m])[0]


def list_scenarios(session: Session, site_id: uuid.UUID) -> list[ScenarioInfo]:
    """Active 一件事 scenarios with at least one matter this site may handle; the rest of each
    bundle is named in `elsewhere` (handled at the district hall)."""
    return matters.list_scenarios(session, site_id)


def get_scenario(session: Session, scenario_id: uuid.UUID, site_id: uuid.UUID) -> ScenarioInfo:
    for s in matters.list_scenarios(session, site_id):
        if s.id == scenario_id:
            return s
    raise UnknownMatter("本中心不能办理这个“一件事”主题")


# --- helpers -------------------------------------------------------------------------------------


def _site(session: Session, site_id: uuid.UUID) -> Site:
    site = session.get(Site, site_id)
    if site is None:
        raise UnknownCase("本站点不在大厅数据库中")
    return site


def local_date(at: dt.datetime, tz: str) -> dt.date:
    return at.astimezone(ZoneInfo(tz)).date()


def audit(
    session: Session,
    site_id: uuid.UUID,
    staff_id: uuid.UUID | None,
    action: str,
    entity: str,
    entity_id: str,
    detail: str = "",
) -> None:
    """One audit row (synced). `detail` must never hold a full ID number."""
    outbox.save(
        session,
        AuditLog(
            site_id=site_id,
            staff_id=staff_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            detail=detail,
        ),
    )


def _history(
    session: Session,
    case: Case,
    from_status: str | None,
    to_status: str,
    staff_id: uuid.UUID | None,
    note: str,
    at: dt.datetime,
) -> None:
    outbox.save(
        session,
        CaseHistory(
            site_id=case.site_id,
            case_id=case.id,
            at=at,
            from_status=from_status,
            to_status=to_status,
            staff_id=staff_id,
            note=note,
        ),
    )


def _transition(
    session: Session, case: Case, to_status: str, staff_id: uuid.UUID | None, note: str, at: dt.datetime
) -> None:
    machine.check(case.status, to_status, case.path)
    before = case.status
    case.status = to_status
    outbox.save(session, case)
    _history(session, case, before, to_status, staff_id, note, at)
    log.info("case %s: %s → %s", case.case_number, before, to_status)


def next_case_number(session: Session, site: Site, day: dt.date) -> str:
    """SITE-YYYYMMDD-NNNN, gapless per site and day; serialised per site on PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(site.id.bytes[:4], "big", signed=True)
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:c, :k)"), {"c": _LOCK_CLASS, "k": key})
    prefix = f"{site.code}-{day:%Y%m%d}-"
    last = session.scalar(sa.select(sa.func.max(Case.case_number)).where(Case.case_number.like(prefix + "%")))
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:04d}"


def count_working_days(cal: WorkCalendar, start: dt.date, end: dt.date) -> int:
    """Working days from `start` (exclusive) to `end` (inclusive); negative when `end` is earlier."""
    n, day, hi = 0, min(start, end), max(start, end)
    while day < hi:
        day += dt.timedelta(days=1)
        if cal.is_working_day(day):
            n += 1
    if start <= end:
        return n
    # An overdue case is at least one working day late even if the due day itself was a rest day.
    return -max(n, 1)


# --- intake --------------------------------------------------------------------------------------

INTAKE_PATHS = ("accept", "one_time_notice", "commitment", "tolerance", "reject", "instant")


def submit(
    session: Session,
    request: IntakeRequest,
    clerk: Clerk,
    path: str,
    *,
    reasons: Sequence[str] = (),
    other_requirements: Sequence[str] = (),
    tolerance_days: int = TOLERANCE_DUE_DAYS,
    verify_days: int = COMMITMENT_VERIFY_DAYS,
    calendar: WorkCalendar | None = None,
    now: dt.datetime | None = None,
) -> IntakeResult:
    """Take in one application (one case per matter; a 一件事 links them by bundle_id) along `path`.

    Raises a CaseError (Chinese message) and writes nothing if the path does not fit the request.
    The caller commits.
    """
    if path not in INTAKE_PATHS:
        raise PathNotAllowed(f"未知的办理方式：{path}")
    now = now or utcnow()
    applicant = normalised(request.applicant)
    errors = validate_applicant(applicant)
    if errors:
        raise InvalidApplicant(errors)
    if not request.matter_ids:
        raise UnknownMatter("请先选择办理事项")
    if len(set(request.matter_ids)) != len(request.matter_ids):
        raise UnknownMatter("同一事项选择了两次")
    site = _site(session, clerk.site_id)
    matters = [get_matter(session, mid, site.id) for mid in request.matter_ids]
    checks = {c.material_id: c for c in request.materials}
    cal = calendar or WorkCalendar.load(session, site.timezone)
    today = local_date(now, site.timezone)
    reasons = [r.strip() for r in reasons if r.strip()]
    _check_path(path, matters, checks, reasons, other_requirements)

    ticket = session.get(Ticket, request.ticket_id) if request.ticket_id else None
    bundle_id = uuid.uuid4() if len(matters) > 1 else None
    infos: list[CaseInfo] = []
    warnings: list[str] = []
    for matter in matters:
        info = _create_case(
            session,
            site,
            matter,
            applicant,
            request,
            clerk,
            path,
            checks,
            bundle_id,
            ticket,
            reasons,
            list(other_requirements),
            tolerance_days,
            verify_days,
            cal,
            today,
            now,
        )
        infos.append(info)
        if info.warning and info.warning not in warnings:
            warnings.append(info.warning)
    if ticket is not None:
        numbers = [n for n in ticket.case_numbers.split(",") if n]
        numbers += [i.case_number for i in infos]
        ticket.case_numbers = ",".join(numbers)
        outbox.save(session, ticket)
    return IntakeResult(tuple(infos), tuple(warnings))


def _missing(matter: MatterInfo, checks: dict[uuid.UUID, MaterialCheck]) -> list[MaterialInfo]:
    return [m for m in matter.materials if m.required and not (checks.get(m.id) and checks[m.id].received)]


def _check_path(
    path: str,
    matters: list[MatterInfo],
    checks: dict[uuid.UUID, MaterialCheck],
    reasons: list[str],
    other_requirements: Sequence[str],
) -> None:
    missing = {m.id: _missing(m, checks) for m in matters}
    faulty = [c for c in checks.values() if c.received and c.problem.strip()]
    names = [m.name for m in matters]
    if path == IntakePath.ACCEPT:
        for m in matters:
            if missing[m.id]:
                lacking = "、".join(x.name for x in missing[m.id])
                hint = (
                    "；可容缺受理"
                    if m.tolerance and all(not x.core for x in missing[m.id])
                    else "；请出具一次性告知书"
                )
                raise MissingMaterials(f"“{m.name}”缺少材料：{lacking}{hint}")
    elif path == IntakePath.ONE_TIME_NOTICE:
        if not any(missing.values()) and not faulty and not any(r.strip() for r in other_requirements):
            raise MissingMaterials("材料齐全，无需一次性告知；请直接受理")
    elif path == IntakePath.COMMITMENT:
        for m in matters:
            if not m.commitment:
                raise PathNotAllowed(f"“{m.name}”不是告知承诺制事项")
    elif path == IntakePath.INSTANT:
        for m in matters:
            if not m.instant:
                raise PathNotAllowed(f"“{m.name}”不是秒批事项")
            if missing[m.id]:
                raise MissingMaterials(f"“{m.name}”缺少材料：{'、'.join(x.name for x in missing[m.id])}")
    elif path == IntakePath.TOLERANCE:
        if not any(missing.values()):
            raise MissingMaterials("材料齐全，无需容缺受理；请直接受理")
        for m in matters:
            if missing[m.id] and not m.tolerance:
                raise PathNotAllowed(f"“{m.name}”不适用容缺受理")
            core = [x.name for x in missing[m.id] if x.core]
            if core:
                raise MissingCoreMaterial(f"“{m.name}”缺少核心材料（{'、'.join(core)}），不能容缺受理")
    elif path == IntakePath.REJECT and not reasons:
        raise MissingReason("请填写不予受理的理由")
    log.debug("path %s fits %s", path, names)


def _create_case(
    session: Session,
    site: Site,
    matter: MatterInfo,
    a: ApplicantData,
    request: IntakeRequest,
    clerk: Clerk,
    path: str,
    checks: dict[uuid.UUID, MaterialCheck],
    bundle_id: uuid.UUID | None,
    ticket: Ticket | None,
    reasons: list[str],
    other_requirements: list[str],
    tolerance_days: int,
    verify_days: int,
    cal: WorkCalendar,
    today: dt.date,
    now: dt.datetime,
) -> CaseInfo:
    case = Case(
        site_id=site.id,
        case_number=next_case_number(session, site, today),
        matter_id=matter.id,
        scenario_id=request.scenario_id,
        bundle_id=bundle_id,
        ticket_id=ticket.id if ticket else None,
        window_id=clerk.window_id,
        staff_id=clerk.staff_id,
        status="draft",
        path={"commitment": "commitment", "tolerance": "tolerance", "instant": "instant"}.get(path, "normal"),
        channel="appointment" if ticket is not None and ticket.channel == "appointment" else "window",
        applicant_kind=a.kind,
        **personal.seal(session, a.id_number, a.phone, a.address, a.name),
        company_name=a.company_name,
        uscc=a.uscc,
        legal_representative=a.legal_representative,
        created_at=now,
        notes="\n".join(x.strip() for x in [request.notes, *other_requirements] if x.strip()),
    )
    warning = ""
    if path in (IntakePath.ACCEPT, IntakePath.TOLERANCE, IntakePath.COMMITMENT, IntakePath.INSTANT):
        case.accepted_at = now
        promised = cal.add_working_days(today, matter.promised_days)
        case.promised_date = promised.date
        warn = promised.warning
        if matter.legal_days is not None:
            legal = cal.deadline(today, matter.legal_days, matter.legal_unit)
            case.legal_date = legal.date
            warn = warn or legal.warning
        case.calendar_fallback = bool(warn)
        warning = warn
    if path == IntakePath.REJECT:
        case.reason = "\n".join(reasons)
    try:
        with session.begin_nested():
            outbox.save(session, case)
    except IntegrityError:
        # Another PC took the same number between our read and write (SQLite without IMMEDIATE).
        case.case_number = next_case_number(session, site, today)
        outbox.save(session, case)

    due = cal.add_working_days(today, tolerance_days).date if path == IntakePath.TOLERANCE else None
    for m in matter.materials:
        c = checks.get(m.id)
        received = bool(c and c.received) or path in (IntakePath.COMMITMENT,)
        problem = c.problem.strip() if c else ""
        if not received and not problem and m.required:
            problem = "未提交"
        outbox.save(
            session,
            CaseMaterial(
                site_id=site.id,
                case_id=case.id,
                material_id=m.id,
                name=m.name,
                form=m.form,
                copies=m.copies,
                core=m.core,
                received=received,
                problem=problem if (not received or problem) else "",
                due_date=due if (path == IntakePath.TOLERANCE and not received and m.required) else None,
            ),
        )

    staff = clerk.staff_id
    if path == IntakePath.ACCEPT:
        _transition(session, case, "accepted", staff, "材料齐全，予以受理", now)
    elif path == IntakePath.TOLERANCE:
        _transition(session, case, "accepted", staff, f"容缺受理，缺件须于{due}前补齐", now)
        assert due is not None
        outbox.save(
            session,
            CaseTask(
                site_id=site.id, case_id=case.id, kind="supply_materials", due_date=due, note="补齐容缺材料"
            ),
        )
    elif path == IntakePath.COMMITMENT:
        _transition(session, case, "accepted", staff, "告知承诺制受理，申请人已签署告知承诺书", now)
        case.decided_at = now
        _transition(session, case, "approved", staff, "告知承诺，当场作出准予许可决定", now)
        check_by = cal.add_working_days(today, verify_days).date
        outbox.save(
            session,
            CaseTask(
                site_id=site.id,
                case_id=case.id,
                kind="verify_commitment",
                due_date=check_by,
                note="核查申请人承诺内容",
            ),
        )
    elif path == IntakePath.INSTANT:
        _transition(session, case, "accepted", staff, "秒批事项，系统自动受理", now)
        case.decided_at = now
        _transition(session, case, "approved", staff, "秒批，即时准予", now)
    elif path == IntakePath.ONE_TIME_NOTICE:
        _transition(session, case, "one_time_notice", staff, "材料不齐，出具一次性告知书", now)
    elif path == IntakePath.REJECT:
        _transition(session, case, "rejected", staff, "不予受理：" + "；".join(reasons), now)

    audit(
        session,
        site.id,
        staff,
        "case_create",
        "case",
        str(case.id),
        f"{case.case_number} {matter.name} {machine.label(case.status)} applicant {applicant_label(a)} "
        f"{validators.mask_id_number(a.id_number)}",
    )
    return _case_info(case, matter.name, warning)


def _case_info(case: Case, matter_name: str, warning: str = "") -> CaseInfo:
    return CaseInfo(
        id=case.id,
        case_number=case.case_number or "",
        matter_id=case.matter_id,
        matter_name=matter_name,
        status=case.status,
        path=case.path,
        bundle_id=case.bundle_id,
        ticket_id=case.ticket_id,
        accepted_at=case.accepted_at,
        promised_date=case.promised_date,
        legal_date=case.legal_date,
        warning=warning,
    )


# --- later transitions ---------------------------------------------------------------------------


def _load(session: Session, case_id: uuid.UUID) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise UnknownCase()
    return case


def _audit_change(session: Session, case: Case, clerk: Clerk, action: str) -> None:
    """A change of a case that carries personal data: who did what, without the data itself."""
    audit(
        session,
        case.site_id,
        clerk.staff_id,
        action,
        "case",
        str(case.id),
        f"{case.case_number} → {case.status}",
    )


def _outstanding(session: Session, case_id: uuid.UUID) -> list[CaseMaterial]:
    return list(
        session.scalars(
            sa.select(CaseMaterial).where(
                CaseMaterial.case_id == case_id,
                CaseMaterial.received.is_(False),
                CaseMaterial.due_date.is_not(None),
                CaseMaterial.supplied_at.is_(None),
            )
        )
    )


def start_review(
    session: Session, case_id: uuid.UUID, clerk: Clerk, *, now: dt.datetime | None = None
) -> CaseInfo:
    case = _load(session, case_id)
    _transition(session, case, "in_review", clerk.staff_id, "进入审查", now or utcnow())
    _audit_change(session, case, clerk, "case_review")
    return _case_info(case, _matter_name(session, case))


def approve(
    session: Session, case_id: uuid.UUID, clerk: Clerk, note: str = "", *, now: dt.datetime | None = None
) -> CaseInfo:
    case = _load(session, case_id)
    missing = _outstanding(session, case_id)
    if missing and case.status == CaseStatus.IN_REVIEW:
        raise InvalidTransition(f"容缺材料尚未补齐（{'、'.join(m.name for m in missing)}），不能作出准予决定")
    now = now or utcnow()
    case.decided_at = now
    _transition(session, case, "approved", clerk.staff_id, note or "准予许可", now)
    _audit_change(session, case, clerk, "case_approve")
    return _case_info(case, _matter_name(session, case))


def deny(
    session: Session, case_id: uuid.UUID, clerk: Clerk, reason: str, *, now: dt.datetime | None = None
) -> CaseInfo:
    if not reason.strip():
        raise MissingReason("请填写不予许可的理由")
    case = _load(session, case_id)
    now = now or utcnow()
    machine.check(case.status, "denied", case.path)
    case.decided_at = now
    case.reason = reason.strip()
    _transition(session, case, "denied", clerk.staff_id, "不予许可：" + reason.strip(), now)
    _audit_change(session, case, clerk, "case_deny")
    return _case_info(case, _matter_name(session, case))


def complete(
    session: Session, case_id: uuid.UUID, clerk: Clerk, *, now: dt.datetime | None = None
) -> CaseInfo:
    case = _load(session, case_id)
    now = now or utcnow()
    machine.check(case.status, "completed", case.path)
    case.completed_at = now
    _transition(session, case, "completed", clerk.staff_id, "办结", now)
    _audit_change(session, case, clerk, "case_complete")
    return _case_info(case, _matter_name(session, case))


def check_waybill(waybill: str) -> str:
    w = waybill.strip().upper().replace(" ", "")
    if not _WAYBILL_RE.match(w):
        raise InvalidWaybill("EMS 运单号应为13位数字，或2个字母+9位数字+2个字母（如 EA123456789CN）")
    return w


def deliver(
    session: Session,
    case_id: uuid.UUID,
    clerk: Clerk,
    method: str,
    waybill: str = "",
    *,
    now: dt.datetime | None = None,
) -> CaseInfo:
    """送达: at the window, or by EMS with a waybill number."""
    if method not in ("window", "ems"):
        raise InvalidTransition("送达方式只能是窗口领取或 EMS 邮寄")
    case = _load(session, case_id)
    machine.check(case.status, "delivered", case.path)
    now = now or utcnow()
    case.delivery_method = method
    case.waybill = check_waybill(waybill) if method == "ems" else ""
    case.delivered_at = now
    note = f"EMS 邮寄送达，运单号 {case.waybill}" if method == "ems" else "窗口领取"
    _transition(session, case, "delivered", clerk.staff_id, note, now)
    _audit_change(session, case, clerk, "case_deliver")
    return _case_info(case, _matter_name(session, case))


def supply_materials(
    session: Session,
    case_id: uuid.UUID,
    clerk: Clerk,
    material_ids: Iterable[uuid.UUID] | None = None,
    *,
    now: dt.datetime | None = None,
) -> int:
    """Record supplied tolerance materials (all outstanding if `material_ids` is None); closes the
    supply task when nothing is outstanding any more. Returns how many were recorded."""
    case = _load(session, case_id)
    now = now or utcnow()
    wanted = None if material_ids is None else set(material_ids)
    n = 0
    for m in _outstanding(session, case_id):
        if wanted is None or m.id in wanted:
            m.received, m.supplied_at, m.problem = True, now, ""
            outbox.save(session, m)
            n += 1
    if n:
        outbox.save(session, case)  # the case row changes version so the centre sees the supply
        _audit_change(session, case, clerk, "case_supply")
        _history(session, case, case.status, case.status, clerk.staff_id, f"补齐容缺材料 {n} 件", now)
    if not _outstanding(session, case_id):
        for task in session.scalars(
            sa.select(CaseTask).where(
                CaseTask.case_id == case_id, CaseTask.kind == "supply_materials", CaseTask.done_at.is_(None)
            )
        ):
            task.done_at = now
            outbox.save(session, task)
    return n


def complete_task(
    session: Session, task_id: uuid.UUID, clerk: Clerk, note: str = "", *, now: dt.datetime | None = None
) -> TaskInfo:
    task = session.get(CaseTask, task_id)
    if task is None:
        raise UnknownCase("没有找到这项待办")
    if task.done_at is not None:
        raise InvalidTransition("这项待办已经完成")
    task.done_at = now or utcnow()
    if note.strip():
        task.note = (task.note + "\n" + note.strip()).strip()
    outbox.save(session, task)
    case = _load(session, task.case_id)
    _history(
        session,
        case,
        case.status,
        case.status,
        clerk.staff_id,
        f"完成待办：{task.kind} {note}".strip(),
        task.done_at,
    )
    return _task_info(task)


def _task_info(t: CaseTask) -> TaskInfo:
    return TaskInfo(t.id, t.case_id, t.kind, t.due_date, t.done_at, t.note)


def _matter_name(session: Session, case: Case) -> str:
    return session.scalar(sa.select(Matter.name).where(Matter.id == case.matter_id)) or ""


# --- queries -------------------------------------------------------------------------------------

CASE_VIEWS = ("mine", "due_soon", "overdue", "waiting", "all")
VIEW_LABELS = {
    "mine": "我的办件",
    "due_soon": "即将到期",
    "overdue": "已超期",
    "waiting": "待补材料",
    "all": "全部",
}


def list_cases(
    session: Session,
    site_id: uuid.UUID,
    view: str = "mine",
    *,
    staff_id: uuid.UUID | None = None,
    calendar: WorkCalendar | None = None,
    today: dt.date | None = None,
    due_soon_days: int = 2,
    limit: int = 500,
) -> list[CaseRow]:
    """The clerk's lists with working days left until the promised date (negative = overdue)."""
    if view not in CASE_VIEWS:
        raise ValueError(f"unknown case view {view!r}")
    site = _site(session, site_id)
    cal = calendar or WorkCalendar.load(session, site.timezone)
    today = today or local_date(utcnow(), site.timezone)
    waiting_ids = (
        sa.select(CaseMaterial.case_id)
        .where(
            CaseMaterial.received.is_(False),
            CaseMaterial.due_date.is_not(None),
            CaseMaterial.supplied_at.is_(None),
        )
        .distinct()
    )
    stmt = (
        sa.select(Case, Matter.name, Staff.name)
        .join(Matter, Matter.id == Case.matter_id)
        .outerjoin(Staff, Staff.id == Case.staff_id)
        .where(Case.site_id == site_id)
    )
    open_ = Case.status.in_(machine.OPEN_STATUSES)
    if view == "mine":
        stmt = stmt.where(Case.staff_id == staff_id)
    elif view == "overdue":
        stmt = stmt.where(open_, Case.promised_date < today)
    elif view == "due_soon":
        horizon = cal.add_working_days(today, due_soon_days).date
        stmt = stmt.where(open_, Case.promised_date >= today, Case.promised_date <= horizon)
    elif view == "waiting":
        stmt = stmt.where(Case.id.in_(waiting_ids))
    if staff_id is not None and view != "mine":
        stmt = stmt.where(Case.staff_id == staff_id)
    stmt = stmt.order_by(Case.promised_date.is_(None), Case.promised_date, Case.case_number).limit(limit)
    waiting = set(session.scalars(waiting_ids))
    rows = []
    for case, matter_name, staff_name in session.execute(stmt):
        left = (
            count_working_days(cal, today, case.promised_date)
            if case.promised_date is not None and case.status in machine.OPEN_STATUSES
            else None
        )
        rows.append(
            CaseRow(
                id=case.id,
                case_number=case.case_number or "",
                matter_name=matter_name,
                applicant=case_applicant_label(session, case),
                status=case.status,
                path=case.path,
                accepted_at=case.accepted_at,
                promised_date=case.promised_date,
                working_days_left=left,
                waiting_materials=case.id in waiting,
                staff_name=staff_name or "",
            )
        )
    return rows


def case_detail(session: Session, case_id: uuid.UUID, viewer: Clerk | None) -> CaseDetail:
    """Everything about one case (caller commits). A viewer's look is audited; the plain ID number,
    phone and address go only to the clerk handling the case or a manager (audited as a reveal),
    everyone else — and `viewer=None` — gets them masked."""
    case = _load(session, case_id)
    matter = session.get(Matter, case.matter_id)
    staff_names: dict[uuid.UUID, str] = {
        sid: n for sid, n in session.execute(sa.select(Staff.id, Staff.name))
    }
    window = session.get(Window, case.window_id) if case.window_id else None
    history = tuple(
        HistoryEntry(
            h.at, h.from_status, h.to_status, staff_names.get(h.staff_id, "") if h.staff_id else "", h.note
        )
        for h in session.scalars(
            sa.select(CaseHistory)
            .where(CaseHistory.case_id == case_id)
            .order_by(CaseHistory.at, CaseHistory.id)
        )
    )
    materials = tuple(
        CaseMaterialInfo(
            m.id, m.name, m.form, m.copies, m.core, m.received, m.problem, m.due_date, m.supplied_at
        )
        for m in session.scalars(
            sa.select(CaseMaterial).where(CaseMaterial.case_id == case_id).order_by(CaseMaterial.id)
        )
    )
    tasks = tuple(
        _task_info(t)
        for t in session.scalars(
            sa.select(CaseTask).where(CaseTask.case_id == case_id).order_by(CaseTask.due_date)
        )
    )
    bundle: tuple[str, ...] = ()
    if case.bundle_id is not None:
        bundle = tuple(
            n or ""
            for n in session.scalars(
                sa.select(Case.case_number).where(Case.bundle_id == case.bundle_id).order_by(Case.case_number)
            )
        )
    try:
        fields = personal.open_fields(session, case)
    except FieldCryptoError as exc:
        # A tampered value or a lost key: the case stays viewable, the fields say so, the log too.
        log.error("case %s: personal fields cannot be decrypted: %s", case.case_number, exc)
        fields = personal.UNREADABLE
    if viewer is not None:
        audit(
            session, case.site_id, viewer.staff_id, "case_view", "case", str(case.id), case.case_number or ""
        )
    if viewer is not None and personal.may_reveal(session, case, viewer.staff_id):
        # Decrypted personal data leaves the service only here, and each time it is audited.
        audit(
            session,
            case.site_id,
            viewer.staff_id,
            "reveal_personal_data",
            "case",
            str(case.id),
            f"{case.case_number or ''} name id_number phone address",
        )
    else:
        fields = personal.masked(fields)
    return CaseDetail(
        id=case.id,
        case_number=case.case_number or "",
        matter_id=case.matter_id,
        matter_code=matter.code if matter else "",
        matter_name=matter.name if matter else "",
        status=case.status,
        path=case.path,
        bundle_id=case.bundle_id,
        ticket_id=case.ticket_id,
        applicant=ApplicantData(
            kind=case.applicant_kind,
            name=fields.name,
            id_number=fields.id_number,
            phone=fields.phone,
            address=fields.address,
            company_name=case.company_name,
            uscc=case.uscc,
            legal_representative=case.legal_representative,
        ),
        accepted_at=case.accepted_at,
        promised_date=case.promised_date,
        legal_date=case.legal_date,
        decided_at=case.decided_at,
        completed_at=case.completed_at,
        delivered_at=case.delivered_at,
        delivery_method=case.delivery_method,
        waybill=case.waybill,
        reason=case.reason,
        notes=case.notes,
        staff_name=staff_names.get(case.staff_id, "") if case.staff_id else "",
        window_name=window.name if window else "",
        materials=materials,
        history=history,
        tasks=tasks,
        bundle_case_numbers=bundle,
    )


def cases_for_ticket(session: Session, ticket_id: uuid.UUID) -> list[CaseInfo]:
    rows = session.execute(
        sa.select(Case, Matter.name)
        .join(Matter, Matter.id == Case.matter_id)
        .where(Case.ticket_id == ticket_id)
        .order_by(Case.case_number)
    )
    return [_case_info(c, name) for c, name in rows]


def open_tasks(session: Session, site_id: uuid.UUID, kinds: Sequence[str] | None = None) -> list[TaskInfo]:
    stmt = sa.select(CaseTask).where(CaseTask.site_id == site_id, CaseTask.done_at.is_(None))
    if kinds:
        stmt = stmt.where(CaseTask.kind.in_(kinds))
    return [_task_info(t) for t in session.scalars(stmt.order_by(CaseTask.due_date))]
