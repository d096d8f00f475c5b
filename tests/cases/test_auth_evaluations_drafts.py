"""Log-in with terminal throttling, the evaluator's storage and follow-ups, the intake draft store, the machine."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app import auth, drafts, evaluations
from app.cases import machine, service
from app.cases.errors import InvalidTransition
from app.cases.types import ApplicantData, CaseInfo, Clerk, IntakeRequest, MaterialCheck
from db.models import AuditLog, CaseTask, Evaluation, IntakeDraft, Material, SyncOutbox
from tests.cases.seeding import ID_NUMBER, PASSWORD, SITE_CODE, Seeded

NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)


def test_login_success_and_roles(sf: sessionmaker[Session], seeded: Seeded) -> None:
    with sf() as s:
        info = auth.authenticate(s, f"{SITE_CODE.lower()}-clerk", PASSWORD)
    assert info.role == "clerk" and info.window_id == seeded.window_ids[1]
    assert info.has_role("clerk") and not info.has_role("manager")
    with pytest.raises(auth.NotPermitted, match="大厅管理员"):
        auth.require_role(info, "manager", "指定叫号")
    with sf() as s:
        assert (
            s.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "login")) == 1
        )
        assert (
            s.scalar(
                sa.select(sa.func.count()).select_from(SyncOutbox).where(SyncOutbox.table_name == "audit_log")
            )
            == 1
        )


def test_login_refusals_and_terminal_throttle(sf: sessionmaker[Session]) -> None:
    """Failures slow the terminal down (the account is never locked; tests/accounts has the rest)."""
    user = f"{SITE_CODE.lower()}-clerk"
    with sf() as s, pytest.raises(auth.BadCredentials, match="用户名或密码不正确"):
        auth.authenticate(s, "nobody", "x")
    with sf() as s, pytest.raises(auth.BadCredentials, match="请输入"):
        auth.authenticate(s, user, "")
    for _ in range(auth.FREE_FAILURES):
        with sf() as s, pytest.raises(auth.BadCredentials, match=r"^用户名或密码不正确$"):
            auth.authenticate(s, user, "wrong", terminal="t1", now=NOW)
    with sf() as s, pytest.raises(auth.LoginThrottled):
        auth.authenticate(s, user, PASSWORD, terminal="t1", now=NOW + dt.timedelta(seconds=1))
    with sf() as s:  # another terminal, and the same one after the delay, log in
        assert auth.authenticate(s, user, PASSWORD, terminal="t2", now=NOW).username == user
        assert (
            auth.authenticate(s, user, PASSWORD, terminal="t1", now=NOW + dt.timedelta(seconds=3)).username
            == user
        )


def _accepted_case(sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk) -> CaseInfo:
    mid = seeded.matters["instant"]
    with sf() as s:
        checks = tuple(
            MaterialCheck(m, True) for m in s.scalars(sa.select(Material.id).where(Material.matter_id == mid))
        )
    with service.write_session(sf) as s:
        return service.submit(
            s,
            IntakeRequest(ApplicantData(name="张演示", id_number=ID_NUMBER), (mid,), checks),
            clerk,
            "instant",
            now=NOW,
        ).cases[0]


def test_good_rating_stored_without_follow_up(
    sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk
) -> None:
    case = _accepted_case(sf, seeded, clerk)
    with service.write_session(sf) as s:
        ev = evaluations.record(
            s,
            site_id=seeded.site_id,
            grade=5,
            dimensions={"attitude": 5, "efficiency": 4},
            case_ids=[case.id],
            window_id=clerk.window_id,
            staff_id=clerk.staff_id,
            now=NOW,
        )
    assert ev.grade_label == "非常满意" and ev.follow_up == ""
    with sf() as s:
        assert evaluations.open_follow_ups(s, seeded.site_id) == []
        assert (
            s.scalar(
                sa.select(sa.func.count())
                .select_from(SyncOutbox)
                .where(SyncOutbox.table_name == "evaluation")
            )
            == 1
        )


def test_bad_rating_opens_a_follow_up(sf: sessionmaker[Session], seeded: Seeded, clerk: Clerk) -> None:
    case = _accepted_case(sf, seeded, clerk)
    with service.write_session(sf) as s:
        ev = evaluations.record(
            s, site_id=seeded.site_id, grade=2, comment="等太久", reason="efficiency", case_ids=[case.id], now=NOW
        )
    with sf() as s:
        assert [e.id for e in evaluations.open_follow_ups(s, seeded.site_id)] == [ev.id]
        task = s.scalars(sa.select(CaseTask).where(CaseTask.kind == "bad_rating")).one()
        assert task.due_date == dt.date(2026, 11, 30) and "等太久" in task.note
    with service.write_session(sf) as s:
        with pytest.raises(evaluations.EvaluationError, match="回访情况"):
            evaluations.close_follow_up(s, ev.id, "")
        evaluations.close_follow_up(s, ev.id, "已电话回访，申请人表示理解", now=NOW)
    with sf() as s:
        assert evaluations.open_follow_ups(s, seeded.site_id) == []
        assert s.scalars(sa.select(CaseTask.done_at).where(CaseTask.kind == "bad_rating")).one() is not None
    # Without a case the rating is stored against the ticket only, still flagged.
    with service.write_session(sf) as s:
        ev2 = evaluations.record(s, site_id=seeded.site_id, grade=1, reason="attitude", now=NOW)
    assert ev2.case_id is None and ev2.follow_up == "open"


def test_rating_validation(sf: sessionmaker[Session], seeded: Seeded) -> None:
    with sf() as s:
        with pytest.raises(evaluations.EvaluationError, match="评价等级"):
            evaluations.record(s, site_id=seeded.site_id, grade=0)
        with pytest.raises(evaluations.EvaluationError, match="1至5"):
            evaluations.record(s, site_id=seeded.site_id, grade=3, dimensions={"attitude": 9})
        assert s.scalar(sa.select(sa.func.count()).select_from(Evaluation)) == 0


def test_draft_round_trip(sf: sessionmaker[Session], seeded: Seeded) -> None:
    w = seeded.window_ids[1]
    with sf.begin() as s:
        drafts.save_draft(
            s,
            site_id=seeded.site_id,
            staff_id=seeded.clerk_id,
            window_id=w,
            ticket_id=None,
            data={"name": "张"},
        )
    with sf.begin() as s:
        drafts.save_draft(
            s,
            site_id=seeded.site_id,
            staff_id=seeded.clerk_id,
            window_id=w,
            ticket_id=None,
            data={"name": "张演示"},
        )
    with sf.begin() as s:
        drafts.save_draft(
            s, site_id=seeded.site_id, staff_id=seeded.clerk_id, window_id=None, ticket_id=None, data={"x": 1}
        )
        drafts.save_draft(
            s, site_id=seeded.site_id, staff_id=seeded.clerk_id, window_id=None, ticket_id=None, data={"x": 2}
        )
    with sf() as s:
        d = drafts.load_draft(s, seeded.clerk_id, w)
        assert d is not None and d.data == {"name": "张演示"}
        nowin = drafts.load_draft(s, seeded.clerk_id, None)
        assert nowin is not None and nowin.data == {"x": 2}
        assert s.scalar(sa.select(sa.func.count()).select_from(IntakeDraft)) == 2
        # Never synced: no outbox row.
        assert (
            s.scalar(
                sa.select(sa.func.count())
                .select_from(SyncOutbox)
                .where(SyncOutbox.table_name == "intake_draft")
            )
            == 0
        )
    with sf.begin() as s:
        drafts.clear_draft(s, seeded.clerk_id, w)
    with sf() as s:
        assert drafts.load_draft(s, seeded.clerk_id, w) is None
    with sf() as s, pytest.raises(ValueError, match="too large"):
        drafts.save_draft(
            s,
            site_id=seeded.site_id,
            staff_id=seeded.clerk_id,
            window_id=w,
            ticket_id=None,
            data={"x": "字" * 200_000},
        )


REVIEW_FIRST = "普通受理的办件须先进入审查，才能作出准予许可决定"


@pytest.mark.parametrize(
    ("src", "dst", "path", "message"),
    [
        ("draft", "accepted", "normal", None),
        ("draft", "one_time_notice", "normal", None),
        ("draft", "rejected", "normal", None),
        ("accepted", "in_review", "normal", None),
        ("accepted", "approved", "normal", REVIEW_FIRST),
        ("accepted", "approved", "tolerance", REVIEW_FIRST),
        ("accepted", "approved", "instant", None),
        ("accepted", "approved", "commitment", None),
        ("in_review", "approved", "normal", None),
        ("in_review", "denied", "normal", None),
        ("approved", "completed", "normal", None),
        ("denied", "completed", "normal", None),
        ("completed", "delivered", "normal", None),
        ("delivered", "completed", "normal", "办件已是「已送达」，不能再改为「已办结」"),
        ("one_time_notice", "accepted", "normal", "办件已是「一次性告知」，不能再改为「已受理」"),
        ("rejected", "accepted", "instant", "办件已是「不予受理」，不能再改为「已受理」"),
        (
            "draft",
            "in_review",
            "normal",
            "办件当前为「草稿」，不能改为「审查中」（下一步可为「已受理」、「一次性告知」、「不予受理」）",
        ),
        ("approved", "delivered", "commitment", "办件当前为「准予许可」，不能改为「已送达」（下一步可为「已办结」）"),
        ("in_review", "in_review", "normal", "办件当前为「审查中」，不能改为「审查中」（下一步可为「准予许可」、「不予许可」）"),
        ("completed", "approved", "instant", "办件当前为「已办结」，不能改为「准予许可」（下一步可为「已送达」）"),
    ],
)
def test_state_machine(src: str, dst: str, path: str, message: str | None) -> None:
    assert machine.allowed(src, dst, path) is (message is None)
    if message is None:
        machine.check(src, dst, path)
    else:
        with pytest.raises(InvalidTransition) as exc:
            machine.check(src, dst, path)
        assert str(exc.value) == message  # the whole reason, written out


def test_status_sets_and_labels() -> None:
    assert machine.OPEN_STATUSES == ("accepted", "in_review", "approved", "denied")
    assert machine.FINAL_STATUSES == ("one_time_notice", "rejected", "delivered")
    assert machine.label("in_review") == "审查中" and machine.label("unknown") == "unknown"
    assert machine.allowed("accepted", "in_review") and not machine.allowed("accepted", "approved")
    assert not machine.allowed("nonsense", "accepted")
    with pytest.raises(InvalidTransition) as exc:  # a status the machine does not know: no "next" hint
        machine.check("nonsense", "accepted")
    assert str(exc.value) == "办件当前为「nonsense」，不能改为「已受理」"


def test_durable_draft_save_restores_the_sync_level(sf: sessionmaker[Session], seeded: Seeded) -> None:
    engine = sf.kw["bind"]
    drafts.save_draft_durably(
        engine,
        site_id=seeded.site_id,
        staff_id=seeded.clerk_id,
        window_id=seeded.window_ids[2],
        ticket_id=None,
        data={"applicant": {"name": "王小明"}},
        info=sf.kw.get("info"),  # carries the field cipher the sealed draft needs
    )
    with sf() as s:
        d = drafts.load_draft(s, seeded.clerk_id, seeded.window_ids[2])
        assert d is not None and d.data["applicant"]["name"] == "王小明"
        # Every pooled connection is back at the engine's NORMAL (1) level.
        assert s.execute(sa.text("PRAGMA synchronous")).scalar() == 1
