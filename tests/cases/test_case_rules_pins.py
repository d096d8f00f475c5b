"""Case numbering, deadlines and the intake paths' records, with the expected values written out.

Pinned here (found unpinned by the mutation run of app/cases/service.py): working days between
two dates in both directions (an overdue case is at least one working day late); case numbers
continue from the day's highest and are padded to four digits; the promised and statutory
deadlines of an intake, in working and in calendar days, and the fallback warning when a year's
holidays are not entered; each path's history notes, material rows and case fields; the audit
row of an intake; the notes of the later transitions.

Intake is on Friday 27 Nov 2026, 10:00 in Shanghai (tests/cases/test_intake.NOW). The hall's
calendar holds the official schedules up to 2026 (none for 2027).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.calendar import WorkCalendar
from app.cases import service
from app.cases.errors import InvalidTransition, MissingReason
from app.cases.types import ApplicantData, Clerk, IntakeRequest
from db import outbox
from db.models import AuditLog, Case, CaseHistory, CaseMaterial, CaseTask, Material, Matter
from tests.cases.seeding import ID_NUMBER, Seeded
from tests.cases.test_intake import NOW, PERSON, materials, submit

D = dt.date


# --- counting working days -----------------------------------------------------------------------

# Tuesday 1 Dec 2026 made a holiday, to see it skipped.
CAL = WorkCalendar(holidays={D(2026, 12, 1): "测试假日"}, years=frozenset({2026}))


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 11, 27), D(2026, 11, 27), 0),  # the same day
        (D(2026, 11, 27), D(2026, 11, 28), 0),  # Fri → Sat: no working day in between
        (D(2026, 11, 27), D(2026, 11, 30), 1),  # Fri → Mon
        (D(2026, 11, 27), D(2026, 12, 4), 4),  # Mon, Wed, Thu, Fri (Tue 1 Dec is a holiday)
        (D(2026, 11, 30), D(2026, 11, 27), -1),  # due Fri, today Mon: one day late
        (D(2026, 12, 2), D(2026, 11, 28), -2),  # due Sat, today Wed: Mon and Wed (Tue is off)
        (D(2026, 11, 29), D(2026, 11, 28), -1),  # due Sat, today Sun: still at least one day late
    ],
)
def test_count_working_days(start: dt.date, end: dt.date, expected: int) -> None:
    assert service.count_working_days(CAL, start, end) == expected


# --- case numbers ---------------------------------------------------------------------------------


def test_numbers_continue_from_the_days_highest(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    mid = seeded.matters["normal"]
    req = IntakeRequest(PERSON, (mid,), materials(sf, mid))
    (first,) = submit(sf, req, clerk, "accept").cases
    with service.write_session(sf) as s:  # as if nine cases had been taken today
        case = s.get(Case, first.id)
        assert case is not None
        case.case_number = "XT-20261127-0009"
        outbox.save(s, case)
    later = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
    with service.write_session(sf) as s:  # another day's higher number does not count
        assert service.submit(s, req, clerk, "accept", now=later).cases[0].case_number == "XT-20261130-0001"
    assert submit(sf, req, clerk, "accept").cases[0].case_number == "XT-20261127-0010"


# --- deadlines ------------------------------------------------------------------------------------


def test_deadlines_in_working_days_with_the_2027_fallback(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    """Estate: promised 10 working days → Fri 11 Dec 2026; statutory 30 working days reaches 2027,
    whose holidays are not entered: counted Mon–Fri (1 Jan 2027 counts) → Fri 8 Jan 2027."""
    mid = seeded.matters["estate"]
    result = submit(sf, IntakeRequest(PERSON, (mid,), materials(sf, mid)), clerk, "accept")
    (info,) = result.cases
    assert (info.promised_date, info.legal_date) == (D(2026, 12, 11), D(2027, 1, 8))
    warning = "2027年的节假日安排尚未录入，期限按周一至周五计算，请在录入后复核"
    assert info.warning == warning and result.warnings == (warning,)
    with sf() as s:
        case = s.get(Case, info.id)
        assert case is not None and case.calendar_fallback is True and case.accepted_at is not None
    # normal: promised 5 → Fri 4 Dec, statutory 20 → Fri 25 Dec, both within 2026: no warning
    normal = seeded.matters["normal"]
    result = submit(sf, IntakeRequest(PERSON, (normal,), materials(sf, normal)), clerk, "accept")
    (info,) = result.cases
    assert (info.promised_date, info.legal_date, info.warning, result.warnings) == (
        D(2026, 12, 4),
        D(2026, 12, 25),
        "",
        (),
    )
    with sf() as s:
        case = s.get(Case, info.id)
        assert case is not None and case.calendar_fallback is False


def test_statutory_deadline_in_calendar_days_and_none(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    """30 calendar days (日) after Fri 27 Nov is Sun 27 Dec, a rest day: Mon 28 Dec."""
    mid = seeded.matters["estate"]
    with sf.begin() as s:
        s.execute(sa.update(Matter).where(Matter.id == mid).values(legal_unit="calendar"))
    (info,) = submit(sf, IntakeRequest(PERSON, (mid,), materials(sf, mid)), clerk, "accept").cases
    assert (info.promised_date, info.legal_date, info.warning) == (D(2026, 12, 11), D(2026, 12, 28), "")
    with sf.begin() as s:
        s.execute(sa.update(Matter).where(Matter.id == mid).values(legal_days=None))
    (info,) = submit(sf, IntakeRequest(PERSON, (mid,), materials(sf, mid)), clerk, "accept").cases
    assert (info.promised_date, info.legal_date) == (D(2026, 12, 11), None)


# --- what each path records -----------------------------------------------------------------------


def _history(s: Session, case_id: uuid.UUID) -> list[tuple[str | None, str, str]]:
    rows = s.scalars(sa.select(CaseHistory).where(CaseHistory.case_id == case_id).order_by(CaseHistory.id))
    return [(h.from_status, h.to_status, h.note) for h in rows]


def _materials(s: Session, case_id: uuid.UUID) -> list[tuple[str, bool, str, dt.date | None]]:
    rows = s.scalars(sa.select(CaseMaterial).where(CaseMaterial.case_id == case_id).order_by(CaseMaterial.id))
    return sorted((m.name, m.received, m.problem, m.due_date) for m in rows)


def test_accept_records(sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk) -> None:
    mid = seeded.matters["normal"]
    req = IntakeRequest(PERSON, (mid,), materials(sf, mid), notes=" 窗口备注 ")
    (info,) = submit(sf, req, clerk, "accept", other_requirements=["  ", "需补盖公章"]).cases
    with sf() as s:
        case = s.get(Case, info.id)
        assert case is not None
        assert (case.status, case.path, case.channel, case.window_id, case.staff_id) == (
            "accepted",
            "normal",
            "window",
            seeded.window_ids[1],
            seeded.clerk_id,
        )
        assert (case.notes, case.reason, case.decided_at) == ("窗口备注\n需补盖公章", "", None)
        assert _history(s, info.id) == [("draft", "accepted", "材料齐全，予以受理")]
        staff = set(s.scalars(sa.select(CaseHistory.staff_id).where(CaseHistory.case_id == info.id)))
        assert staff == {seeded.clerk_id}
        assert _materials(s, info.id) == [
            ("申请书", True, "", None),
            ("经营场所使用证明", True, "", None),
            ("经营者身份证明", True, "", None),
        ]
        audit = s.scalars(sa.select(AuditLog).where(AuditLog.action == "case_create")).one()
    assert (audit.entity, audit.entity_id, audit.staff_id) == ("case", str(info.id), seeded.clerk_id)
    assert audit.detail == "XT-20261127-0001 个体工商户设立登记 已受理 applicant 张*示 3101**********0030"


def test_tolerance_records(sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk) -> None:
    mid = seeded.matters["normal"]
    req = IntakeRequest(PERSON, (mid,), materials(sf, mid, missing=("经营场所使用证明",)))
    (info,) = submit(sf, req, clerk, "tolerance").cases
    with sf() as s:
        assert _history(s, info.id) == [("draft", "accepted", "容缺受理，缺件须于2026-12-04前补齐")]
        assert _materials(s, info.id) == [
            ("申请书", True, "", None),
            ("经营场所使用证明", False, "缺原件", D(2026, 12, 4)),
            ("经营者身份证明", True, "", None),
        ]
        task = s.scalars(sa.select(CaseTask).where(CaseTask.case_id == info.id)).one()
        assert (task.kind, task.due_date, task.note, task.done_at) == (
            "supply_materials",
            D(2026, 12, 4),
            "补齐容缺材料",
            None,
        )
        case = s.get(Case, info.id)
        assert case is not None and (case.path, case.decided_at) == ("tolerance", None)


def test_commitment_records(sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk) -> None:
    mid = seeded.matters["commit"]
    req = IntakeRequest(PERSON, (mid,), materials(sf, mid, missing=("卫生检测报告",)))
    (info,) = submit(sf, req, clerk, "commitment").cases
    with sf() as s:
        assert _history(s, info.id) == [
            ("draft", "accepted", "告知承诺制受理，申请人已签署告知承诺书"),
            ("accepted", "approved", "告知承诺，当场作出准予许可决定"),
        ]
        # under a commitment every material counts as received; the missing one keeps its note
        assert _materials(s, info.id) == [
            ("卫生检测报告", True, "缺原件", None),
            ("卫生许可申请表", True, "", None),
        ]
        task = s.scalars(sa.select(CaseTask).where(CaseTask.case_id == info.id)).one()
        assert (task.kind, task.due_date, task.note) == (
            "verify_commitment",
            D(2026, 12, 25),
            "核查申请人承诺内容",
        )
        case = s.get(Case, info.id)
        assert case is not None and case.decided_at is not None
        assert case.decided_at.replace(tzinfo=dt.UTC) == NOW


def test_instant_one_time_notice_and_reject_records(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    instant = seeded.matters["instant"]
    (i,) = submit(sf, IntakeRequest(PERSON, (instant,), materials(sf, instant)), clerk, "instant").cases
    normal = seeded.matters["normal"]
    short = IntakeRequest(PERSON, (normal,), materials(sf, normal, missing=("经营场所使用证明",)))
    (n,) = submit(sf, short, clerk, "one_time_notice").cases
    estate = seeded.matters["estate"]
    full = IntakeRequest(PERSON, (estate,), materials(sf, estate))
    (r,) = submit(sf, full, clerk, "reject", reasons=[" 不属于本机关职权范围 ", "", "申请人不具备资格"]).cases
    assert (n.promised_date, n.legal_date, n.accepted_at) == (None, None, None)
    assert (r.promised_date, r.legal_date, r.accepted_at) == (None, None, None)
    assert (i.promised_date, i.legal_date) == (D(2026, 11, 27), D(2026, 12, 25))
    with sf() as s:
        assert _history(s, i.id) == [
            ("draft", "accepted", "秒批事项，系统自动受理"),
            ("accepted", "approved", "秒批，即时准予"),
        ]
        assert _history(s, n.id) == [("draft", "one_time_notice", "材料不齐，出具一次性告知书")]
        assert _history(s, r.id) == [
            ("draft", "rejected", "不予受理：不属于本机关职权范围；申请人不具备资格")
        ]
        assert _materials(s, n.id) == [
            ("申请书", True, "", None),
            ("经营场所使用证明", False, "缺原件", None),
            ("经营者身份证明", True, "", None),
        ]
        cases = {c.id: c for c in s.scalars(sa.select(Case))}
        assert (cases[i.id].path, cases[n.id].path, cases[r.id].path) == ("instant", "normal", "normal")
        assert cases[r.id].reason == "不属于本机关职权范围\n申请人不具备资格"
        assert (cases[n.id].reason, cases[n.id].calendar_fallback) == ("", False)
        assert cases[i.id].decided_at is not None and cases[n.id].decided_at is None


def test_unchecked_required_material_is_marked_not_submitted(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    """A one-time notice where the clerk ticked nothing for a required material: '未提交'."""
    mid = seeded.matters["normal"]
    checks = materials(sf, mid)[:2]  # the third (经营场所使用证明) not in the request at all
    (n,) = submit(sf, IntakeRequest(PERSON, (mid,), checks), clerk, "one_time_notice").cases
    with sf() as s:
        assert _materials(s, n.id) == [
            ("申请书", True, "", None),
            ("经营场所使用证明", False, "未提交", None),
            ("经营者身份证明", True, "", None),
        ]


def test_company_applicant_in_the_audit_row(sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk) -> None:
    from tests.cases.seeding import valid_uscc

    mid = seeded.matters["estate"]
    company = ApplicantData(
        kind="company",
        name="张演示",
        id_number=ID_NUMBER,
        company_name="常州示例餐饮有限公司",
        uscc=valid_uscc(),
        legal_representative="王法人",
    )
    (info,) = submit(sf, IntakeRequest(company, (mid,), materials(sf, mid)), clerk, "accept").cases
    with sf() as s:
        audit = s.scalars(sa.select(AuditLog).where(AuditLog.action == "case_create")).one()
    assert audit.detail == (
        "XT-20261127-0001 不动产登记 已受理 applicant 常州示例餐饮有限公司（经办人 张*示） 3101**********0030"
    )
    assert info.status == "accepted"


# --- later transitions ----------------------------------------------------------------------------


def test_later_transitions_record_who_when_and_why(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    mid = seeded.matters["estate"]
    (a,) = submit(sf, IntakeRequest(PERSON, (mid,), materials(sf, mid)), clerk, "accept").cases
    (b,) = submit(sf, IntakeRequest(PERSON, (mid,), materials(sf, mid)), clerk, "accept").cases
    t1, t2, t3, t4 = (NOW + dt.timedelta(hours=h) for h in (1, 2, 3, 4))
    with service.write_session(sf) as s:
        assert service.start_review(s, a.id, clerk, now=t1).status == "in_review"
        assert service.approve(s, a.id, clerk, now=t2).status == "approved"
        assert service.complete(s, a.id, clerk, now=t3).status == "completed"
        assert service.deliver(s, a.id, clerk, "window", now=t4).status == "delivered"
        service.start_review(s, b.id, clerk, now=t1)
        assert service.deny(s, b.id, clerk, " 材料虚假 ", now=t2).status == "denied"
    with sf() as s:
        assert _history(s, a.id) == [
            ("draft", "accepted", "材料齐全，予以受理"),
            ("accepted", "in_review", "进入审查"),
            ("in_review", "approved", "准予许可"),
            ("approved", "completed", "办结"),
            ("completed", "delivered", "窗口领取"),
        ]
        assert _history(s, b.id) == [
            ("draft", "accepted", "材料齐全，予以受理"),
            ("accepted", "in_review", "进入审查"),
            ("in_review", "denied", "不予许可：材料虚假"),
        ]
        at = [
            h.at.replace(tzinfo=dt.UTC)
            for h in s.scalars(
                sa.select(CaseHistory).where(CaseHistory.case_id == a.id).order_by(CaseHistory.id)
            )
        ]
        assert at == [NOW, t1, t2, t3, t4]
        ca, cb = s.get(Case, a.id), s.get(Case, b.id)
        assert ca is not None and cb is not None
        stamps = (ca.decided_at, ca.completed_at, ca.delivered_at)
        assert [x and x.replace(tzinfo=dt.UTC) for x in stamps] == [t2, t3, t4]  # stored as UTC
        assert (ca.delivery_method, ca.waybill) == ("window", "")
        assert (cb.reason, cb.status) == ("材料虚假", "denied")
        details = [
            (x.action, x.detail)
            for x in s.scalars(
                sa.select(AuditLog).where(AuditLog.entity_id == str(a.id)).order_by(AuditLog.id)
            )
        ]
    assert details[1:] == [
        ("case_review", "XT-20261127-0001 → in_review"),
        ("case_approve", "XT-20261127-0001 → approved"),
        ("case_complete", "XT-20261127-0001 → completed"),
        ("case_deliver", "XT-20261127-0001 → delivered"),
    ]


def test_approve_note_and_ems_delivery(sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk) -> None:
    mid = seeded.matters["estate"]
    (a,) = submit(sf, IntakeRequest(PERSON, (mid,), materials(sf, mid)), clerk, "accept").cases
    with service.write_session(sf) as s:
        service.start_review(s, a.id, clerk, now=NOW)
        service.approve(s, a.id, clerk, "准予登记", now=NOW)
        service.complete(s, a.id, clerk, now=NOW)
        service.deliver(s, a.id, clerk, "ems", " ea 123456789 cn ", now=NOW)
    with sf() as s:
        notes = [n for _, _, n in _history(s, a.id)]
        case = s.get(Case, a.id)
        assert case is not None and (case.delivery_method, case.waybill) == ("ems", "EA123456789CN")
    assert notes[2] == "准予登记" and notes[4] == "EMS 邮寄送达，运单号 EA123456789CN"


def test_deny_needs_a_reason_and_records_the_decision(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    mid = seeded.matters["estate"]
    (a,) = submit(sf, IntakeRequest(PERSON, (mid,), materials(sf, mid)), clerk, "accept").cases
    (b,) = submit(sf, IntakeRequest(PERSON, (mid,), materials(sf, mid)), clerk, "accept").cases
    t2 = NOW + dt.timedelta(hours=2)
    with service.write_session(sf) as s:
        service.start_review(s, a.id, clerk, now=NOW)
        service.start_review(s, b.id, clerk, now=NOW)
        with pytest.raises(MissingReason, match=r"^请填写不予许可的理由$"):
            service.deny(s, a.id, clerk, " \n ")
        denied = service.deny(s, a.id, clerk, "材料虚假", now=t2)
        assert (denied.status, denied.matter_name, denied.case_number) == (
            "denied",
            "不动产登记",
            a.case_number,
        )
        service.deny(s, b.id, clerk, "材料虚假")  # no time given: the clock's
    with sf() as s:
        ca, cb = s.get(Case, a.id), s.get(Case, b.id)
        assert ca is not None and cb is not None
        assert ca.decided_at is not None and ca.decided_at.replace(tzinfo=dt.UTC) == t2
        last = s.scalars(
            sa.select(CaseHistory).where(CaseHistory.case_id == a.id).order_by(CaseHistory.id.desc())
        ).first()
        assert last is not None and last.at.replace(tzinfo=dt.UTC) == t2 and last.staff_id == seeded.clerk_id
        audit = s.scalars(
            sa.select(AuditLog).where(AuditLog.entity_id == str(a.id)).order_by(AuditLog.id.desc())
        ).first()
        assert audit is not None and (audit.action, audit.staff_id) == ("case_deny", seeded.clerk_id)
        assert cb.decided_at is not None and cb.status == "denied"


def test_approve_without_a_time_uses_the_clock(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    mid = seeded.matters["estate"]
    (a,) = submit(sf, IntakeRequest(PERSON, (mid,), materials(sf, mid)), clerk, "accept").cases
    with service.write_session(sf) as s:
        service.start_review(s, a.id, clerk)
        approved = service.approve(s, a.id, clerk)
    assert (approved.status, approved.matter_name) == ("approved", "不动产登记")
    with sf() as s:
        case = s.get(Case, a.id)
        assert case is not None and case.decided_at is not None and case.status == "approved"
        assert all(
            h.at is not None for h in s.scalars(sa.select(CaseHistory).where(CaseHistory.case_id == a.id))
        )


def test_transitions_are_logged_by_case_number(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk, caplog: pytest.LogCaptureFixture
) -> None:
    mid = seeded.matters["estate"]
    with caplog.at_level("INFO", logger="onewindow.case"):
        (a,) = submit(sf, IntakeRequest(PERSON, (mid,), materials(sf, mid)), clerk, "accept").cases
    records = [r for r in caplog.records if r.name == "onewindow.case" and r.msg == "case %s: %s → %s"]
    assert [r.args for r in records] == [("XT-20261127-0001", "draft", "accepted")]
    assert a.status == "accepted"


def test_approve_waits_for_every_tolerated_material(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    mid = seeded.matters["normal"]
    with sf.begin() as s:  # a second non-core material, last in the list
        s.add(Material(matter_id=mid, name="消防安全承诺书", required=True, core=False, sort=9, form="原件"))
    req = IntakeRequest(PERSON, (mid,), materials(sf, mid, missing=("经营场所使用证明", "消防安全承诺书")))
    (info,) = submit(sf, req, clerk, "tolerance").cases
    with service.write_session(sf) as s:
        service.start_review(s, info.id, clerk, now=NOW)
    with pytest.raises(InvalidTransition) as refused, service.write_session(sf) as s:
        service.approve(s, info.id, clerk, now=NOW)
    assert str(refused.value) == "容缺材料尚未补齐（经营场所使用证明、消防安全承诺书），不能作出准予决定"
    with service.write_session(sf) as s:
        service.supply_materials(s, info.id, clerk, now=NOW)
        service.approve(s, info.id, clerk, now=NOW)
    with sf() as s:
        last = s.scalars(
            sa.select(CaseHistory).where(CaseHistory.case_id == info.id).order_by(CaseHistory.id.desc())
        ).first()
    assert last is not None and (last.to_status, last.note, last.staff_id) == (
        "approved",
        "准予许可",
        seeded.clerk_id,
    )


def test_the_case_number_day_is_the_halls_not_the_machines(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20:00 on Friday 27th in Shanghai is already Saturday on a machine set to UTC+14."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    try:
        mid = seeded.matters["normal"]
        evening = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
        with service.write_session(sf) as s:
            req = IntakeRequest(PERSON, (mid,), materials(sf, mid))
            (info,) = service.submit(s, req, clerk, "accept", now=evening).cases
        assert (info.case_number, info.promised_date) == ("XT-20261127-0001", D(2026, 12, 4))
    finally:
        monkeypatch.undo()
        time.tzset()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "site_id",
    [
        uuid.UUID("ff00a5c3-0000-7000-8000-000000000001"),  # first byte ≥ 0x80: a negative signed key
        uuid.UUID("7fffffff-0000-7000-8000-000000000002"),  # the largest positive key
        uuid.UUID("00000000-0000-7000-8000-000000000003"),
    ],
)
def test_case_numbers_take_the_sites_lock_whatever_its_id(pg_url: str, site_id: uuid.UUID) -> None:
    """PostgreSQL's advisory lock takes signed 32-bit keys: the site id's first four bytes are read
    signed, so every site id gives a key in range (read unsigned, half the sites could not number)."""
    from db.engine import make_engine, make_session_factory
    from db.migrate import upgrade
    from db.models import Site

    engine = make_engine(pg_url)
    try:
        upgrade(engine, backup=False)
        sessions = make_session_factory(engine)
        with sessions.begin() as s:
            site = Site(id=site_id, code="PIN", name="锁键测试")
            s.add(site)
            s.flush()
            assert service.next_case_number(s, site, dt.date(2026, 12, 7)) == "PIN-20261207-0001"
            held = (
                s.execute(
                    sa.text(
                        "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                    )
                )
                .scalars()
                .all()
            )
            key = int.from_bytes(site_id.bytes[:4], "big", signed=True)
            assert [int(k) & 0xFFFFFFFF for k in held] == [key & 0xFFFFFFFF]
            s.rollback()
    finally:
        engine.dispose()
