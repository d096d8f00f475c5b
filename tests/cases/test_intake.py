"""Intake along every path: case rows, history, outbox, audit, deadlines and the documents."""

from __future__ import annotations

import datetime as dt
import subprocess
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.cases import documents, service
from app.cases.errors import (
    InvalidApplicant,
    InvalidTransition,
    InvalidWaybill,
    MatterNotEmpowered,
    MissingCoreMaterial,
    MissingMaterials,
    MissingReason,
    PathNotAllowed,
)
from app.cases.personal import open_fields
from app.cases.types import ApplicantData, Clerk, IntakeRequest, IntakeResult, MaterialCheck
from db.models import AuditLog, Case, CaseHistory, CaseMaterial, CaseTask, Material, SyncOutbox, Ticket
from tests.cases.seeding import ID_NUMBER, Seeded, valid_uscc

# Friday 27 Nov 2026, 10:00 in Shanghai.
NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)
PERSON = ApplicantData(
    name="张演示", id_number=ID_NUMBER, phone="13812345678", address="上海市浦东新区演示路88弄8号"
)


def materials(
    sf: sessionmaker[Session], matter_id: uuid.UUID, *, missing: tuple[str, ...] = ()
) -> tuple[MaterialCheck, ...]:
    with sf() as s:
        rows = s.scalars(
            sa.select(Material).where(Material.matter_id == matter_id).order_by(Material.sort)
        ).all()
        return tuple(
            MaterialCheck(m.id, m.name not in missing, "缺原件" if m.name in missing else "") for m in rows
        )


def submit(
    sf: sessionmaker[Session], req: IntakeRequest, clerk: Clerk, path: str, **kw: object
) -> IntakeResult:
    with service.write_session(sf) as s:
        return service.submit(s, req, clerk, path, now=NOW, **kw)  # type: ignore[arg-type]


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_accept_writes_case_history_outbox_and_receipt(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk, tmp_path: Path
) -> None:
    mid = seeded.matters["normal"]
    req = IntakeRequest(PERSON, (mid,), materials(sf, mid))
    result = submit(sf, req, clerk, "accept")
    (info,) = result.cases
    assert info.case_number == "XT-20261127-0001"
    assert info.status == "accepted" and info.path == "normal"
    # 5 working days after Friday 27 Nov 2026: Fri 4 Dec.
    assert info.promised_date == dt.date(2026, 12, 4)
    with sf() as s:
        case = s.get(Case, info.id)
        assert case is not None and case.applicant_id_number.startswith("v1:")  # stored encrypted
        assert open_fields(s, case).id_number == ID_NUMBER
        hist = s.scalars(sa.select(CaseHistory).where(CaseHistory.case_id == info.id)).all()
        assert [(h.from_status, h.to_status) for h in hist] == [("draft", "accepted")]
        tables = set(s.scalars(sa.select(SyncOutbox.table_name).where(SyncOutbox.row_id == info.id)))
        assert tables == {"case"}
        assert (
            s.scalar(
                sa.select(sa.func.count())
                .select_from(SyncOutbox)
                .where(SyncOutbox.table_name == "case_history")
            )
            == 1
        )
        audit = s.scalars(sa.select(AuditLog).where(AuditLog.action == "case_create")).one()
        assert ID_NUMBER not in audit.detail and "3101" in audit.detail
        docs = documents.build_documents(s, info.id)
    assert [d.kind for d in docs] == ["acceptance_receipt"]
    text = pdf_text(docs[0].pdf, tmp_path)
    assert info.case_number in text and "受理通知书" in text
    assert "2026年12月4日" in text


def test_numbers_are_sequential_per_day(sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk) -> None:
    mid = seeded.matters["normal"]
    req = IntakeRequest(PERSON, (mid,), materials(sf, mid))
    numbers = [submit(sf, req, clerk, "accept").cases[0].case_number for _ in range(3)]
    assert numbers == ["XT-20261127-0001", "XT-20261127-0002", "XT-20261127-0003"]


def test_numbers_restart_each_day(sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk) -> None:
    mid = seeded.matters["normal"]
    req = IntakeRequest(PERSON, (mid,), materials(sf, mid))
    first = [submit(sf, req, clerk, "accept").cases[0].case_number for _ in range(2)]
    monday = NOW + dt.timedelta(days=3)  # Mon 30 Nov 2026, 10:00 in Shanghai
    with service.write_session(sf) as s:
        next_day = service.submit(s, req, clerk, "accept", now=monday).cases[0].case_number
    # 23:59 in Shanghai on the Monday is still the Monday (the day is the hall's, not UTC's)
    late = dt.datetime(2026, 11, 30, 15, 59, tzinfo=dt.UTC)
    with service.write_session(sf) as s:
        late_number = service.submit(s, req, clerk, "accept", now=late).cases[0].case_number
    assert first == ["XT-20261127-0001", "XT-20261127-0002"]
    assert (next_day, late_number) == ("XT-20261130-0001", "XT-20261130-0002")


def test_accept_refuses_missing_material_with_a_hint(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    mid = seeded.matters["normal"]
    req = IntakeRequest(PERSON, (mid,), materials(sf, mid, missing=("经营场所使用证明",)))
    with pytest.raises(MissingMaterials, match=r"经营场所使用证明.*可容缺受理"):
        submit(sf, req, clerk, "accept")
    with sf() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_one_time_notice(sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk, tmp_path: Path) -> None:
    mid = seeded.matters["normal"]
    req = IntakeRequest(PERSON, (mid,), materials(sf, mid, missing=("申请书",)))
    (info,) = submit(sf, req, clerk, "one_time_notice", other_requirements=["请法定代表人本人到场"]).cases
    assert info.status == "one_time_notice" and info.promised_date is None
    with sf() as s:
        (doc,) = documents.build_documents(s, info.id)
    text = pdf_text(doc.pdf, tmp_path)
    assert "一次性告知书" in text and info.case_number in text and "申请书" in text
    assert "请法定代表人本人到场" in text
    complete = IntakeRequest(PERSON, (mid,), materials(sf, mid))
    with pytest.raises(MissingMaterials, match="无需一次性告知"):
        submit(sf, complete, clerk, "one_time_notice")


def test_commitment_approves_on_the_spot_with_a_verification_task(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk, tmp_path: Path
) -> None:
    mid = seeded.matters["commit"]
    req = IntakeRequest(PERSON, (mid,), materials(sf, mid, missing=("卫生检测报告",)))
    (info,) = submit(sf, req, clerk, "commitment").cases
    assert info.status == "approved" and info.path == "commitment"
    with sf() as s:
        hist = s.scalars(
            sa.select(CaseHistory).where(CaseHistory.case_id == info.id).order_by(CaseHistory.id)
        ).all()
        assert {(h.from_status, h.to_status) for h in hist} == {
            ("draft", "accepted"),
            ("accepted", "approved"),
        }
        task = s.scalars(sa.select(CaseTask).where(CaseTask.case_id == info.id)).one()
        assert task.kind == "verify_commitment" and task.due_date == dt.date(2026, 12, 25)
        (doc,) = documents.build_documents(s, info.id)
    text = pdf_text(doc.pdf, tmp_path)
    assert "告知承诺书" in text and info.case_number in text
    # A matter that is not 告知承诺制 cannot take this path.
    other = seeded.matters["estate"]
    with pytest.raises(PathNotAllowed, match="不是告知承诺制事项"):
        submit(sf, IntakeRequest(PERSON, (other,), materials(sf, other)), clerk, "commitment")


def test_tolerance_needs_core_materials_and_sets_a_due_date(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk, tmp_path: Path
) -> None:
    mid = seeded.matters["normal"]
    core_missing = IntakeRequest(PERSON, (mid,), materials(sf, mid, missing=("申请书", "经营场所使用证明")))
    with pytest.raises(MissingCoreMaterial, match="申请书"):
        submit(sf, core_missing, clerk, "tolerance")
    req = IntakeRequest(PERSON, (mid,), materials(sf, mid, missing=("经营场所使用证明",)))
    (info,) = submit(sf, req, clerk, "tolerance").cases
    assert info.status == "accepted" and info.path == "tolerance"
    with sf() as s:
        missing = s.scalars(
            sa.select(CaseMaterial).where(CaseMaterial.case_id == info.id, CaseMaterial.received.is_(False))
        ).one()
        assert missing.name == "经营场所使用证明" and missing.due_date == dt.date(2026, 12, 4)
        assert (
            s.scalars(sa.select(CaseTask.kind).where(CaseTask.case_id == info.id)).one() == "supply_materials"
        )
        docs = documents.build_documents(s, info.id)
        rows = service.list_cases(s, seeded.site_id, "waiting", today=dt.date(2026, 11, 27))
    assert [r.case_number for r in rows] == [info.case_number]
    assert [d.kind for d in docs] == ["tolerance", "acceptance_receipt"]
    text = pdf_text(docs[0].pdf, tmp_path)
    assert "容缺受理承诺书" in text and info.case_number in text and "2026年12月4日" in text
    # Review may start, but no approval until the missing material is supplied.
    with service.write_session(sf) as s:
        service.start_review(s, info.id, clerk, now=NOW)
    with pytest.raises(InvalidTransition, match="容缺材料尚未补齐"), service.write_session(sf) as s:
        service.approve(s, info.id, clerk, now=NOW)
    with service.write_session(sf) as s:
        assert service.supply_materials(s, info.id, clerk, now=NOW) == 1
        service.approve(s, info.id, clerk, now=NOW)
    with sf() as s:
        assert s.scalars(sa.select(CaseTask.done_at).where(CaseTask.case_id == info.id)).one() is not None


def test_reject_needs_reasons(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk, tmp_path: Path
) -> None:
    mid = seeded.matters["estate"]
    req = IntakeRequest(PERSON, (mid,), materials(sf, mid))
    with pytest.raises(MissingReason):
        submit(sf, req, clerk, "reject", reasons=["  "])
    (info,) = submit(sf, req, clerk, "reject", reasons=["申请事项不属于本机关职权范围"]).cases
    assert info.status == "rejected"
    with sf() as s:
        (doc,) = documents.build_documents(s, info.id)
    text = pdf_text(doc.pdf, tmp_path)
    assert "不予受理通知书" in text and "不属于本机关职权范围" in text and "新北区人民政府" in text
    with pytest.raises(InvalidTransition, match="不予受理"), service.write_session(sf) as s:
        service.start_review(s, info.id, clerk)


def test_instant_is_approved_at_once(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk, tmp_path: Path
) -> None:
    mid = seeded.matters["instant"]
    (info,) = submit(sf, IntakeRequest(PERSON, (mid,), materials(sf, mid)), clerk, "instant").cases
    assert (
        info.status == "approved" and info.path == "instant" and info.promised_date == dt.date(2026, 11, 27)
    )
    with sf() as s:
        (doc,) = documents.build_documents(s, info.id)
    assert info.case_number in pdf_text(doc.pdf, tmp_path)
    normal = seeded.matters["normal"]
    with pytest.raises(PathNotAllowed, match="不是秒批事项"):
        submit(sf, IntakeRequest(PERSON, (normal,), materials(sf, normal)), clerk, "instant")


def test_scenario_creates_linked_cases_and_links_the_ticket(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    a, b = seeded.matters["normal"], seeded.matters["food"]
    with service.write_session(sf) as s:
        t = Ticket(
            site_id=seeded.site_id,
            business_date=dt.date(2026, 11, 27),
            category_id=s.scalars(sa.select(Ticket.category_id)).first() or _category(s),
            prefix="A",
            seq=1,
            number="A001",
            status="serving",
        )
        from db import outbox

        outbox.save(s, t)
        ticket_id = t.id
    req = IntakeRequest(
        ApplicantData(
            kind="company",
            name="张演示",
            id_number=ID_NUMBER,
            company_name="常州示例餐饮有限公司",
            uscc=valid_uscc(),
            legal_representative="王法人",
        ),
        (a, b),
        materials(sf, a) + materials(sf, b),
        scenario_id=seeded.scenario_id,
        ticket_id=ticket_id,
    )
    result = submit(sf, req, clerk, "accept")
    assert len(result.cases) == 2
    bundle = {c.bundle_id for c in result.cases}
    assert len(bundle) == 1 and None not in bundle
    with sf() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None and ticket.case_numbers.split(",") == list(result.case_numbers)
        assert ticket.row_version == 2
        cases = s.scalars(sa.select(Case).where(Case.ticket_id == ticket_id)).all()
        assert {c.company_name for c in cases} == {"常州示例餐饮有限公司"}
        detail = service.case_detail(s, result.cases[0].id, clerk)
        assert detail.bundle_case_numbers == result.case_numbers
        s.commit()
        assert (
            s.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "case_view"))
            == 1
        )


def _category(s: Session) -> uuid.UUID:
    from db.models import ServiceCategory

    return s.scalars(sa.select(ServiceCategory.id)).first()  # type: ignore[return-value]


def test_applicant_validation_in_chinese(sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk) -> None:
    bad = ApplicantData(name="", id_number="310115198506150031", phone="123")
    errors = service.validate_applicant(bad)
    assert set(errors) == {"name", "id_number", "phone"}
    assert "校验位" in errors["id_number"]
    company = ApplicantData(kind="company", name="张演示", id_number=ID_NUMBER, uscc="91320411MA1W8PQR1I")
    errors = service.validate_applicant(company)
    assert set(errors) == {"company_name", "uscc", "legal_representative"}
    mid = seeded.matters["normal"]
    with pytest.raises(InvalidApplicant) as exc:
        submit(sf, IntakeRequest(bad, (mid,), materials(sf, mid)), clerk, "accept")
    assert "申请人信息有误" in str(exc.value)


def test_matter_outside_empowerment_is_refused(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    mid = seeded.matters["outside"]
    with pytest.raises(MatterNotEmpowered, match="未获赋权"):
        submit(sf, IntakeRequest(PERSON, (mid,), materials(sf, mid)), clerk, "accept")


def test_full_lifecycle_and_refused_transitions(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk, tmp_path: Path
) -> None:
    mid = seeded.matters["estate"]
    (info,) = submit(sf, IntakeRequest(PERSON, (mid,), materials(sf, mid)), clerk, "accept").cases
    with pytest.raises(InvalidTransition, match="须先进入审查"), service.write_session(sf) as s:
        service.approve(s, info.id, clerk)
    with pytest.raises(InvalidTransition, match="不能改为「已送达」"), service.write_session(sf) as s:
        service.deliver(s, info.id, clerk, "window")
    with service.write_session(sf) as s:
        service.start_review(s, info.id, clerk)
        with pytest.raises(MissingReason):
            service.deny(s, info.id, clerk, " ")
        service.approve(s, info.id, clerk)
        service.complete(s, info.id, clerk)
    with pytest.raises(InvalidWaybill), service.write_session(sf) as s:
        service.deliver(s, info.id, clerk, "ems", "12345")
    with service.write_session(sf) as s:
        service.deliver(s, info.id, clerk, "ems", "ea123456789cn")
    with sf() as s:
        case = s.get(Case, info.id)
        assert case is not None and case.status == "delivered" and case.waybill == "EA123456789CN"
        steps = [
            h.to_status
            for h in s.scalars(
                sa.select(CaseHistory)
                .where(CaseHistory.case_id == info.id)
                .order_by(CaseHistory.at, CaseHistory.id)
            )
        ]
        assert steps == ["accepted", "in_review", "approved", "completed", "delivered"]
        assert case.row_version == 6
        actions = set(s.scalars(sa.select(AuditLog.action).where(AuditLog.entity_id == str(info.id))))
        assert {"case_create", "case_review", "case_approve", "case_complete", "case_deliver"} <= actions
        (doc,) = documents.build_documents(s, info.id, ["service_record"])
    assert "EA123456789CN" in pdf_text(doc.pdf, tmp_path)


def test_case_lists_by_deadline(sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk) -> None:
    mid = seeded.matters["normal"]  # 5 working days → Fri 4 Dec 2026
    (info,) = submit(sf, IntakeRequest(PERSON, (mid,), materials(sf, mid)), clerk, "accept").cases
    with sf() as s:
        mine = service.list_cases(
            s, seeded.site_id, "mine", staff_id=clerk.staff_id, today=dt.date(2026, 11, 27)
        )
        assert [r.working_days_left for r in mine] == [5]
        assert service.list_cases(s, seeded.site_id, "due_soon", today=dt.date(2026, 11, 27)) == []
        soon = service.list_cases(s, seeded.site_id, "due_soon", today=dt.date(2026, 12, 2))
        assert [r.working_days_left for r in soon] == [2]
        late = service.list_cases(s, seeded.site_id, "overdue", today=dt.date(2026, 12, 7))
        assert [(r.case_number, r.working_days_left, r.overdue) for r in late] == [
            (info.case_number, -1, True)
        ]
        assert late[0].applicant == "张*示"
        assert service.list_cases(s, seeded.site_id, "mine", staff_id=seeded.manager_id) == []


def test_scenarios_are_limited_to_this_sites_matters(sf: sessionmaker[Session], seeded: Seeded) -> None:
    with sf() as s:
        scenarios = {sc.code: sc for sc in service.list_scenarios(s, seeded.site_id)}
        assert scenarios["TEST-SC1"].matter_ids == (seeded.matters["normal"], seeded.matters["food"])
        assert scenarios["TEST-SC1"].elsewhere == ()
        part = scenarios["TEST-SC2"]
        assert part.matter_ids == (seeded.matters["normal"],)
        assert part.elsewhere_names == ("民办职业培训学校设立",)
        assert service.get_scenario(s, part.id, seeded.site_id) == part


def _add_optional(sf: sessionmaker[Session], matter_id: uuid.UUID, name: str) -> None:
    with sf.begin() as s:
        s.add(Material(matter_id=matter_id, name=name, required=False, core=False, sort=99))


def _section(text: str, heading: str, next_heading: str | None = None) -> str:
    start = text.index(heading) + len(heading)
    end = text.index(next_heading, start) if next_heading else len(text)
    return text[start:end]


def test_receipts_never_contradict_themselves(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk, tmp_path: Path
) -> None:
    """Received, 容缺 (with its date) and optional-not-given each in their own place; "齐全" only
    when every required material is received; an optional material is never "未收取"."""
    mid = seeded.matters["normal"]
    _add_optional(sf, mid, "授权委托书")
    checks = tuple(
        c for c in materials(sf, mid, missing=("授权委托书",))
    )  # every required one received, the optional one not
    (full,) = submit(sf, IntakeRequest(PERSON, (mid,), checks), clerk, "accept").cases
    with sf() as s:
        (receipt,) = documents.build_documents(s, full.id)
    text = pdf_text(receipt.pdf, tmp_path)
    assert "申请材料齐全、符合法定形式" in text
    assert "未收取" not in text and "容缺" not in text
    received = _section(text, "已收取的申请材料", "未提交的选交材料")
    assert "申请书" in received and "经营场所使用证明" in received and "授权委托书" not in received
    assert "授权委托书" in _section(text, "未提交的选交材料（不影响受理）")

    tol_checks = materials(sf, mid, missing=("授权委托书", "经营场所使用证明"))
    (tol,) = submit(sf, IntakeRequest(PERSON, (mid,), tol_checks), clerk, "tolerance").cases
    with sf() as s:
        kinds = {d.kind: d for d in documents.build_documents(s, tol.id)}
    text = pdf_text(kinds["acceptance_receipt"].pdf, tmp_path)
    assert "申请材料齐全" not in text
    assert "申请材料主要内容齐全" in text and "容缺受理" in text and "请于2026年12月4日前补齐" in text
    received = _section(text, "已收取的申请材料", "容缺后补的材料")
    assert "经营场所使用证明" not in received and "授权委托书" not in received and "申请书" in received
    tolerated = _section(text, "容缺后补的材料", "未提交的选交材料")
    assert "经营场所使用证明" in tolerated and "2026年12月4日" in tolerated
    assert "授权委托书" in _section(text, "未提交的选交材料（不影响受理）")
    # The 容缺受理承诺书 lists only the tolerated material, never the optional one.
    letter = pdf_text(kinds["tolerance"].pdf, tmp_path)
    assert "经营场所使用证明" in letter and "授权委托书" not in letter

    # The one-time notice asks for what is required or faulty, never an optional material left out.
    *required_checks, proxy = materials(sf, mid, missing=("申请书", "授权委托书"))  # proxy: sort 99, last
    notice_checks = (*required_checks, MaterialCheck(proxy.material_id, False))  # left out, no remark
    (notice,) = submit(sf, IntakeRequest(PERSON, (mid,), notice_checks), clerk, "one_time_notice").cases
    with sf() as s:
        (doc,) = documents.build_documents(s, notice.id)
    text = pdf_text(doc.pdf, tmp_path)
    assert "申请书" in text and "授权委托书" not in text
