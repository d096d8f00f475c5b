"""The 差评 loop below the screens: every step one transaction with its audit row, a Chinese
refusal for each wrong order, the deadline on the working-day calendar (2025 National Day), and
a voided rating leaving the dashboard's satisfaction figure."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app import evaluations, rectification
from app.calendar import WorkCalendar
from app.context import AppContext
from app.hall.dashboard import load_dashboard
from app.rectification import RectificationError
from db.models import AuditLog, CaseTask, Evaluation
from db.models_rectification import RectificationItem
from tests.cases.seeding import Seeded
from tests.counter.conftest import Staffed, counter_template, ctx, hall_path, seeded, staffed  # noqa: F401
from tests.hall.conftest import HallFixture

TZ = ZoneInfo("Asia/Shanghai")
RATED = dt.datetime(2025, 9, 30, 10, 0, tzinfo=TZ).astimezone(dt.UTC)  # Tuesday, the day before National Day


def _calendar() -> WorkCalendar:
    holidays = {dt.date(2025, 10, d): "国庆节、中秋节" for d in range(1, 9)}
    workdays = {dt.date(2025, 9, 28): "调休上班", dt.date(2025, 10, 11): "调休上班"}
    return WorkCalendar(holidays, workdays, frozenset({2025}), TZ)


def _rate(hall: HallFixture, grade: int, *, at: dt.datetime = RATED, window: int = 1) -> uuid.UUID:
    with hall.ctx.sessions.begin() as s:
        info = evaluations.record(
            s,
            site_id=hall.ctx.site_id,
            grade=grade,
            reason="efficiency" if grade <= 2 else "",
            ticket_id=None,
            window_id=hall.seeded.window_ids[window],
            staff_id=hall.seeded.clerk_id,
            calendar=_calendar(),
            now=at,
        )
    return info.id


def _item(hall: HallFixture, eid: uuid.UUID) -> RectificationItem:
    with hall.ctx.sessions() as s:
        item = s.scalar(sa.select(RectificationItem).where(RectificationItem.evaluation_id == eid))
        assert item is not None
        return item


def _step(hall: HallFixture, fn: object) -> None:
    assert callable(fn)
    with hall.ctx.sessions.begin() as s:
        fn(s)


def _refused(hall: HallFixture, fn: object, message: str) -> None:
    with pytest.raises(RectificationError, match=message):
        _step(hall, fn)


def _actions(hall: HallFixture, item_id: uuid.UUID) -> list[str]:
    with hall.ctx.sessions() as s:
        return list(
            s.scalars(
                sa.select(AuditLog.action).where(AuditLog.entity_id == str(item_id)).order_by(AuditLog.at)
            )
        )


def test_a_bad_rating_is_carried_to_closure_in_order(hall: HallFixture) -> None:
    good = _rate(hall, 4)
    eid = _rate(hall, 1)
    with hall.ctx.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(RectificationItem)) == 1  # only the 差评
        assert (
            s.scalar(sa.select(RectificationItem.id).where(RectificationItem.evaluation_id == good)) is None
        )
    item = _item(hall, eid)
    # reason kept; the visit's window is responsible; due 5 working days after 30 September 2025:
    # Oct 9, 10, 11 (Saturday, 调休上班), 13, 14
    assert item.reason == "efficiency" and item.window_id == hall.seeded.window_ids[1]
    assert item.due_date == dt.date(2025, 10, 14) and item.state == "open"
    mgr, iid = hall.seeded.manager_id, item.id
    at = RATED + dt.timedelta(days=1)
    _refused(hall, lambda s: rectification.close(s, iid, staff_id=mgr, now=at), "尚未整改，不能办结")
    _refused(
        hall,
        lambda s: rectification.review(s, iid, void=True, reason="x", staff_id=mgr, now=at),
        "没有待复核的申诉",
    )
    _refused(
        hall,
        lambda s: rectification.assign(s, iid, window_id=None, department=" ", staff_id=mgr, now=at),
        "请选择责任窗口或填写责任部门",
    )
    _step(
        hall,
        lambda s: rectification.assign(
            s, iid, window_id=hall.seeded.window_ids[2], department="不动产登记中心", staff_id=mgr, now=at
        ),
    )
    _refused(hall, lambda s: rectification.rectify(s, iid, text="  ", staff_id=mgr, now=at), "请填写整改情况")
    # 整改 on the due day itself (local date 14 October): on time
    done_at = dt.datetime(2025, 10, 14, 17, 30, tzinfo=TZ)
    _step(
        hall,
        lambda s: rectification.rectify(s, iid, text="增设导办人员，压缩等候时间", staff_id=mgr, now=done_at),
    )
    _refused(
        hall, lambda s: rectification.rectify(s, iid, text="again", staff_id=mgr, now=done_at), "已经记录过"
    )
    _refused(hall, lambda s: rectification.close(s, iid, staff_id=mgr, now=done_at), "尚未回访到申请人")
    _step(
        hall,
        lambda s: rectification.record_callback(
            s, iid, outcome="not_reached", method="phone", staff_id=mgr, at=done_at, now=done_at
        ),
    )
    _refused(hall, lambda s: rectification.close(s, iid, staff_id=mgr, now=done_at), "尚未回访到申请人")
    _refused(
        hall,
        lambda s: rectification.record_callback(
            s, iid, outcome="satisfied", staff_id=mgr, at=RATED - dt.timedelta(hours=1), now=done_at
        ),
        "回访时间不能早于评价时间",
    )
    _step(
        hall,
        lambda s: rectification.record_callback(
            s,
            iid,
            outcome="satisfied",
            method="phone",
            note="申请人认可整改",
            staff_id=mgr,
            at=done_at,
            now=done_at,
        ),
    )
    with hall.ctx.sessions() as s:
        ev = s.get(Evaluation, eid)
        assert ev is not None and ev.follow_up == "done" and ev.follow_up_satisfied is True
        (info,) = rectification.list_items(s, hall.ctx.site_id, dt.date(2025, 10, 15))
        assert info.responsible == "2号窗口，不动产登记中心" and not info.overdue
        assert [c.outcome for c in info.callbacks] == ["not_reached", "satisfied"] and info.reached
    _step(hall, lambda s: rectification.close(s, iid, note="整改到位", staff_id=mgr, now=done_at))
    _refused(
        hall,
        lambda s: rectification.appeal(s, iid, grounds="x", staff_id=hall.seeded.clerk_id, now=done_at),
        "已办结",
    )
    assert _item(hall, eid).state == "closed"
    assert _actions(hall, iid) == [
        "rectification_open",
        "rectification_assign",
        "rectification_rectify",
        "rectification_callback",
        "rectification_callback",
        "rectification_close",
    ]
    with hall.ctx.sessions() as s:
        f = rectification.load_figures(
            s,
            hall.ctx.site_id,
            dt.datetime(2025, 9, 1, tzinfo=TZ),
            dt.datetime(2025, 10, 1, tzinfo=TZ),
            dt.date(2025, 10, 20),
        )
    assert (f.ratings, f.bad, f.rectified_on_time, f.overdue) == (2, 1, 1, 0)


def test_an_appeal_voids_the_rating_and_the_dashboard_figure_changes(hall: HallFixture) -> None:
    now = dt.datetime.now(dt.UTC)
    _rate(hall, 5, at=now)
    eid = _rate(hall, 1, at=now)
    before = load_dashboard(hall.service).today
    assert (before.evaluations, before.satisfaction_rate, before.bad_ratings) == (2, 0.5, 1)
    iid, clerk, mgr = _item(hall, eid).id, hall.seeded.clerk_id, hall.seeded.manager_id
    _refused(
        hall, lambda s: rectification.appeal(s, iid, grounds=" ", staff_id=clerk, now=now), "请填写申诉理由"
    )
    _refused(
        hall,
        lambda s: rectification.appeal(s, iid, grounds="不是本人", staff_id=mgr, now=now),
        "只有被评价的窗口工作人员可以申诉",
    )
    _step(
        hall,
        lambda s: rectification.appeal(
            s, iid, grounds="申请人材料不全，已一次性告知", staff_id=clerk, now=now
        ),
    )
    _refused(
        hall, lambda s: rectification.appeal(s, iid, grounds="again", staff_id=clerk, now=now), "已经申诉过"
    )
    _refused(hall, lambda s: rectification.close(s, iid, staff_id=mgr, now=now), "申诉还未复核")
    _refused(
        hall,
        lambda s: rectification.review(s, iid, void=True, reason="x", staff_id=clerk, now=now),
        "申诉人不能复核自己的申诉",
    )
    _refused(
        hall, lambda s: rectification.review(s, iid, void=True, reason="", staff_id=mgr, now=now), "复核理由"
    )
    _step(
        hall,
        lambda s: rectification.review(
            s, iid, void=True, reason="核实为恶意差评（录像为证）", staff_id=mgr, now=now
        ),
    )
    with hall.ctx.sessions() as s:
        ev = s.get(Evaluation, eid)
        assert ev is not None and ev.voided_at is not None and "恶意差评" in ev.void_reason
    after = load_dashboard(hall.service)
    assert (after.today.evaluations, after.today.satisfaction_rate, after.today.bad_ratings) == (1, 1.0, 0)
    assert not [a for a in after.alerts if a.kind == "rating"]  # a voided 差评 asks no 回访
    _refused(hall, lambda s: rectification.rectify(s, iid, text="x", staff_id=mgr, now=now), "无需整改")
    _step(hall, lambda s: rectification.close(s, iid, staff_id=mgr, now=now))  # no 整改 or 回访 needed
    assert _item(hall, eid).state == "closed"
    # the voided rating still blocks a second rating of the same visit: nothing else changes
    with hall.ctx.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Evaluation).where(evaluations.counted())) == 2


def test_an_overdue_item_alerts_on_the_dashboard(hall: HallFixture) -> None:
    eid = _rate(hall, 2, at=dt.datetime.now(dt.UTC) - dt.timedelta(days=30))
    d = load_dashboard(hall.service)
    (alert,) = [a for a in d.alerts if a.kind == "rectification"]
    item = _item(hall, eid)
    assert alert.key == f"rectification:{item.id}" and "1号窗口" in alert.text and "逾期" in alert.text
    assert f"{item.due_date:%m-%d}" in alert.text


def test_the_monthly_pdf_and_csv_carry_the_rating_figures(hall: HallFixture) -> None:
    import subprocess

    from app.hall import reports
    from printing.reports import build_monthly_report

    _rate(hall, 5)
    _rate(hall, 3)
    late = _item(hall, _rate(hall, 1)).id  # due 14 October, rectified on the 15th: late
    open_one = _rate(hall, 2)  # never rectified: overdue by 20 October
    voided = _item(hall, _rate(hall, 1)).id
    mgr, clerk = hall.seeded.manager_id, hall.seeded.clerk_id
    day15 = dt.datetime(2025, 10, 15, 9, 0, tzinfo=TZ)
    _step(hall, lambda s: rectification.rectify(s, late, text="整改", staff_id=mgr, now=day15))
    _step(hall, lambda s: rectification.appeal(s, voided, grounds="误评", staff_id=clerk, now=day15))
    _step(
        hall, lambda s: rectification.review(s, voided, void=True, reason="核实误评", staff_id=mgr, now=day15)
    )
    assert _item(hall, open_one).due_date == dt.date(2025, 10, 14)
    m = reports.monthly_report(
        hall.ctx.sessions,
        hall.ctx.site_id,
        2025,
        9,
        _calendar(),
        clock=lambda: dt.datetime(2025, 10, 20, 12, 0, tzinfo=TZ),
    )
    # by hand: 4 counted visits (5, 3, 1, 2; the voided 1 left out), 2 satisfied = 50 %, 2 差评,
    # none on time, 2 overdue (one late, one never done), appeals: 0 upheld, 1 voided, 0 pending
    assert m.rating_lines == [
        ("评价人次（不含已撤销）", "4"),
        ("满意率（基本满意及以上）", "50.00%"),
        ("差评人次", "2"),
        ("受理评价人次", "4"),
        ("办结评价人次", "0"),
        ("按期整改", "0"),
        ("整改逾期", "2（其中未整改 1）"),
        ("申诉（维持／撤销／待复核）", "0／1／0"),
    ]
    assert m.figures.evaluations == 4 and m.figures.satisfaction_rate == 0.5  # the main figures agree
    text = reports.monthly_csv(m)
    assert "评价人次（不含已撤销）,4" in text and "整改逾期,2（其中未整改 1）" in text
    pdf = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=build_monthly_report(m), capture_output=True, check=True
    ).stdout.decode()
    assert "好差评与差评整改（按人次）" in pdf and "50.00%" in pdf and "0／1／0" in pdf
    assert "受理评价人次" in pdf and "办结评价人次" in pdf


def test_bad_ratings_stored_before_revision_0013_get_their_items(sqlite_url: str) -> None:
    """The upgrade gives every earlier 差评 its item through the outbox: open when its 回访 is
    still due (deadline 5 working days after the rating), closed when it was already called back."""
    from alembic import command

    from app.queue.seed import seed_hall
    from db import outbox
    from db.engine import make_engine, make_session_factory
    from db.migrate import alembic_config, upgrade
    from db.models import SyncOutbox

    command.upgrade(alembic_config(sqlite_url), "0012")
    engine = make_engine(sqlite_url)
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        seeded = seed_hall(s)
    ev = sa.table(
        "evaluation",
        *(sa.column(c, sa.Uuid()) for c in ("id", "site_id", "window_id")),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("grade", sa.Integer()),
        sa.column("reason", sa.String()),
        sa.column("follow_up", sa.String()),
        sa.column("row_version", sa.Integer()),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("dimensions", sa.JSON()),
        sa.column("comment", sa.Text()),
    )
    friday = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)  # Friday 27 November, 10:00 in the hall
    ids = {name: uuid.uuid4() for name in ("open", "done", "good")}
    with sessions.begin() as s:  # as revision 0012 stored them, each with its outbox snapshot
        for name, grade, follow_up in (("open", 1, "open"), ("done", 2, "done"), ("good", 5, "")):
            values = dict(
                id=ids[name],
                site_id=seeded.site_id,
                window_id=seeded.window_ids[2],
                at=friday,
                grade=grade,
                reason="efficiency" if grade <= 2 else "",
                follow_up=follow_up,
                row_version=1,
                updated_at=friday,
                dimensions={},
                comment="",
            )
            s.execute(sa.insert(ev).values(**values))
            outbox.record(s, "evaluation", values)
    upgrade(engine, backup=False)
    with sessions() as s:
        items = {i.evaluation_id: i for i in s.scalars(sa.select(RectificationItem))}
        assert set(items) == {ids["open"], ids["done"]}
        still_open, closed = items[ids["open"]], items[ids["done"]]
        assert (still_open.state, closed.state) == ("open", "closed")
        assert still_open.due_date == dt.date(2026, 12, 4)  # Mon 30 Nov … Fri 4 Dec
        assert still_open.window_id == seeded.window_ids[2] and still_open.reason == "efficiency"
        queued = s.scalars(
            sa.select(SyncOutbox.row_id).where(SyncOutbox.table_name == "rectification_item")
        ).all()
        assert sorted(queued) == sorted(i.id for i in items.values())
        (info,) = rectification.list_items(s, seeded.site_id, dt.date(2026, 12, 7))
        assert info.id == still_open.id and info.overdue
    engine.dispose()


@pytest.mark.postgres
def test_the_desk_on_a_postgresql_hall(pg_url: str) -> None:
    """The manager screen's service on a hall server: the loop, an appeal that voids, the figures."""
    from app.auth import hash_password, staff_info
    from db.models import Staff
    from tests.hall.conftest import make_ctx

    hall = make_ctx(pg_url)
    try:
        with hall.ctx.sessions.begin() as s:
            clerk = s.get(Staff, hall.seeded.clerk_id)
            manager = s.get(Staff, hall.seeded.manager_id)
            assert clerk is not None and manager is not None
            clerk.password_hash, clerk.password_state = hash_password("Chuangkou-2026!"), "own"
            boss, username = staff_info(manager), clerk.username
        desk = rectification.RectificationDesk(hall.ctx)
        now = dt.datetime.now(dt.UTC)
        first, second = _rate(hall, 1, at=now), _rate(hall, 2, at=now)
        _rate(hall, 5, at=now)
        board = desk.load()
        assert len(board.items) == 2 and board.month.ratings == 3 and board.month.bad == 2
        a, b = (rectification.by_id(board.items, _item(hall, e).id) for e in (first, second))
        assert a is not None and b is not None
        with pytest.raises(RectificationError, match="大厅管理员"):
            desk.rectify(None, a.id, "x")
        w2 = next(w for w in desk.windows() if w.number == 2)
        assert desk.assign(boss, a.id, w2.id, "").window == "2号窗口"
        assert desk.callback(boss, a.id, method="phone", outcome="reached", note="已致歉").reached
        assert desk.rectify(boss, a.id, "优化叫号").state == "rectified"
        assert desk.close(boss, a.id, "").state == "closed"
        with pytest.raises(RectificationError, match="密码"):
            desk.appeal(username, "wrong", b.id, "理由")
        assert desk.appeal(username, "Chuangkou-2026!", b.id, "申请人材料不全").appeal == "pending"
        assert desk.review(boss, b.id, void=True, reason="核实不成立").appeal == "voided"
        month = desk.load().month
        assert (month.ratings, month.voided, month.bad, month.rectified_on_time, month.appeals_voided) == (
            2,
            1,
            1,
            1,
            1,
        )
        assert month.satisfaction_rate == 0.5
    finally:
        hall.ctx.close()


def test_voiding_a_rating_ends_its_cases_follow_up_tasks(
    ctx: AppContext,  # noqa: F811
    seeded: Seeded,  # noqa: F811
    staffed: Staffed,  # noqa: F811
) -> None:
    from tests.hall.test_evaluator import _case

    case = _case(ctx, seeded, staffed, "normal", "accept")
    info = evaluations.submit_rating(
        ctx.sessions,
        site_id=ctx.site_id,
        grade=1,
        dimensions={},
        comment="",
        reason="attitude",
        ticket_id=None,
        case_ids=(case.id,),
        window_id=staffed.window1.id,
        staff_id=staffed.clerk.id,
    )
    with ctx.sessions() as s:
        assert [e.id for e in evaluations.open_follow_ups(s, ctx.site_id)] == [info.id]
        iid = s.scalars(sa.select(RectificationItem.id)).one()
    with ctx.sessions.begin() as s:
        rectification.appeal(s, iid, grounds="申请人误评", staff_id=staffed.clerk.id)
    with ctx.sessions.begin() as s:
        rectification.review(s, iid, void=True, reason="复核：误评", staff_id=staffed.manager.id)
    with ctx.sessions() as s:
        (task,) = s.scalars(
            sa.select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.kind == "bad_rating")
        )
        assert task.done_at is not None and "评价经复核撤销：复核：误评" in task.note
        assert evaluations.open_follow_ups(s, ctx.site_id) == []  # nobody is asked to call back
