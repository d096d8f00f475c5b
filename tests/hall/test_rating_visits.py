"""一事多评: a visit rated at 受理 and 办结 counts once in every figure (app/evaluations.py's rule).

The pure rule pinned at its boundaries by hand-written rows, then the monthly report (and its CSV)
and the dashboard's figures recomputed by hand from ratings stored through `evaluations.record`.
Every expected value is written out here, never computed by the code under test."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app import evaluations, rectification
from app.evaluations import RatingRow, rated_visits
from app.rectification import ItemRow, figure_values, rating_figures
from app.vocab import AppealState, CallbackOutcome, RatingStage
from db.models_rectification import RectificationItem
from tests.hall.conftest import HallFixture

TZ = ZoneInfo("Asia/Shanghai")
A, C = RatingStage.ACCEPT, RatingStage.COMPLETE
DAY = dt.date(2025, 9, 30)


def test_a_visit_rated_at_both_stages_counts_once() -> None:
    # 受理 差评, then 办结 非常满意: one visit, satisfied (its latest stage), and still a 差评 visit
    rows = [RatingRow(2, visit="t:1", stage=A), RatingRow(5, visit="t:1", stage=C)]
    f = rating_figures(rows, [], DAY)
    assert (f.ratings, f.satisfied, f.bad, f.accept_ratings, f.complete_ratings, f.voided) == (
        1,
        1,
        1,
        1,
        1,
        0,
    )
    assert f.satisfaction_rate == 1.0
    # the order the rows come in does not matter: 办结 is the later stage
    assert rating_figures(rows[::-1], [], DAY) == f
    # 受理 满意, 办结 差评: not satisfied
    g = rating_figures([RatingRow(4, visit="t:2", stage=A), RatingRow(2, visit="t:2", stage=C)], [], DAY)
    assert (g.ratings, g.satisfied, g.bad) == (1, 0, 1)
    # two visits, one rated twice: 2 人次, not 3
    h = rating_figures([*rows, RatingRow(1, visit="t:3", stage=A)], [], DAY)
    assert (h.ratings, h.satisfied, h.bad, h.accept_ratings, h.complete_ratings) == (2, 1, 2, 2, 1)
    assert h.satisfaction_rate == 0.5


def test_a_voided_rating_leaves_its_stage_and_the_other_stage_decides() -> None:
    # 办结 差评 voided by 复核: the visit's satisfaction comes from its 受理 rating
    rows = [RatingRow(4, visit="t:1", stage=A), RatingRow(1, True, visit="t:1", stage=C)]
    f = rating_figures(rows, [ItemRow(DAY, None, AppealState.VOIDED)], DAY)
    assert (f.ratings, f.satisfied, f.bad, f.accept_ratings, f.complete_ratings, f.voided) == (
        1,
        1,
        0,
        1,
        0,
        0,
    )
    assert f.appeals_voided == 1 and f.open_in_time == 0  # the voided item is out of the 整改 figures
    # both ratings voided: the visit leaves the figures, counted once as voided
    g = rating_figures(
        [RatingRow(2, True, visit="t:1", stage=A), RatingRow(1, True, visit="t:1", stage=C)], [], DAY
    )
    assert (g.ratings, g.voided, g.satisfaction_rate) == (0, 1, None)


def test_a_visit_rated_only_at_completion() -> None:
    f = rating_figures([RatingRow(3, visit="c:9", stage=C)], [], DAY)
    assert (f.ratings, f.satisfied, f.accept_ratings, f.complete_ratings) == (1, 1, 0, 1)
    values = figure_values(f)
    assert (values["ratings"], values["accept"], values["complete"], values["satisfaction"]) == (
        "1",
        "0",
        "1",
        "100.00%",
    )


def test_a_bad_visit_is_followed_up_when_each_of_its_bad_ratings_is() -> None:
    both_bad = [
        RatingRow(2, visit="t:1", stage=A, followed_up=True),
        RatingRow(1, visit="t:1", stage=C, followed_up=False),
    ]
    (v,), voided = rated_visits(both_bad)
    assert (v.bad, v.followed_up, v.grade, voided) == (True, False, 1, 0)
    (w,), _ = rated_visits([both_bad[0], RatingRow(5, visit="t:1", stage=C)])
    assert (w.bad, w.followed_up, w.satisfied) == (True, True, True)
    # rows without a visit are visits of their own (ratings stored without ticket or case)
    assert len(rated_visits([RatingRow(5), RatingRow(5)])[0]) == 2


def _rate(hall: HallFixture, ticket: uuid.UUID | None, stage: str, grade: int, at: dt.datetime) -> uuid.UUID:
    with hall.ctx.sessions.begin() as s:
        return evaluations.record(
            s,
            site_id=hall.ctx.site_id,
            grade=grade,
            reason="attitude" if grade <= 2 else "",
            ticket_id=ticket,
            window_id=hall.seeded.window_ids[1],
            staff_id=hall.seeded.clerk_id,
            stage=stage,
            now=at,
        ).id


def _item_id(hall: HallFixture, eid: uuid.UUID) -> uuid.UUID:
    with hall.ctx.sessions() as s:
        found = s.scalar(sa.select(RectificationItem.id).where(RectificationItem.evaluation_id == eid))
    assert found is not None
    return found


def _void(hall: HallFixture, eid: uuid.UUID, at: dt.datetime) -> None:
    iid = _item_id(hall, eid)
    with hall.ctx.sessions.begin() as s:
        rectification.appeal(s, iid, grounds="申请人认错窗口", staff_id=hall.seeded.clerk_id, now=at)
    with hall.ctx.sessions.begin() as s:
        rectification.review(s, iid, void=True, reason="核实误评", staff_id=hall.seeded.manager_id, now=at)


def test_the_monthly_report_counts_each_visit_once_recomputed_by_hand(hall: HallFixture) -> None:
    from app.calendar import WorkCalendar
    from app.hall import reports

    t1, t2, t3, t4, t5 = (hall.service.issue("general").id for _ in range(5))
    at = dt.datetime(2025, 9, 29, 10, 0, tzinfo=TZ)
    later = at + dt.timedelta(hours=3)
    bad1 = _rate(hall, t1, A, 1, at)  # T1: 受理 差评, 办结 非常满意
    _rate(hall, t1, C, 5, later)
    _rate(hall, t2, A, 4, at)  # T2: 受理 满意, 办结 差评
    _rate(hall, t2, C, 2, later)
    _rate(hall, t3, C, 3, later)  # T3: 办结 only, 基本满意
    v4 = _rate(hall, t4, A, 1, at)  # T4: 受理 差评 voided, 办结 满意
    _rate(hall, t4, C, 4, later)
    v5 = _rate(hall, t5, A, 2, at)  # T5: its only rating voided
    _rate(hall, None, A, 5, at)  # a rating without a ticket: a visit of its own
    review_at = dt.datetime(2025, 10, 9, 9, 0, tzinfo=TZ)
    _void(hall, v4, review_at)
    _void(hall, v5, review_at)
    with hall.ctx.sessions.begin() as s:  # T1's 差评 called back; T2's is not
        rectification.record_callback(
            s,
            _item_id(hall, bad1),
            outcome=CallbackOutcome.SATISFIED,
            staff_id=hall.seeded.manager_id,
            at=review_at,
            now=review_at,
        )
    m = reports.monthly_report(
        hall.ctx.sessions,
        hall.ctx.site_id,
        2025,
        9,
        WorkCalendar({}, {}, frozenset({2025}), TZ),
        clock=lambda: dt.datetime(2025, 10, 20, 12, 0, tzinfo=TZ),
    )
    # By hand, from the ten rows above: visits T1, T2, T3, T4 and the ticketless one = 5 (T5 voided
    # whole); satisfied by the latest stage: T1 (5), T3 (3), T4 (4), ticketless (5) = 4 of 5 = 80 %
    # (counting ratings would say 5 of 8); 差评 visits T1, T2 = 2, of which T1 followed up;
    # 受理 rated: T1, T2, ticketless = 3; 办结 rated: T1, T2, T3, T4 = 4; items of T1 and T2 due
    # 5 working days after 29 September (by 14 October), none rectified by the 20th: 2 overdue;
    # appeals: 0 upheld, 2 voided, 0 pending.
    assert m.rating_lines == [
        ("评价人次（不含已撤销）", "5"),
        ("满意率（基本满意及以上）", "80.00%"),
        ("差评人次", "2"),
        ("受理评价人次", "3"),
        ("办结评价人次", "4"),
        ("按期整改", "0"),
        ("整改逾期", "2（其中未整改 2）"),
        ("申诉（维持／撤销／待复核）", "0／2／0"),
    ]
    f = m.figures  # the report's key figures say the same
    assert (f.evaluations, f.satisfaction_rate, f.bad_ratings, f.bad_ratings_followed_up) == (5, 0.8, 2, 1)
    text = reports.monthly_csv(m)
    for line in ("评价数（人次）,5", "群众满意率,80.00%", "差评数,2", "受理评价人次,3", "办结评价人次,4"):
        assert line in text


def test_the_dashboard_counts_a_visit_rated_twice_once(hall: HallFixture) -> None:
    from app.hall.dashboard import load_dashboard

    now = dt.datetime.now(dt.UTC)
    ticket = hall.service.issue("general").id
    _rate(hall, ticket, A, 2, now - dt.timedelta(minutes=2))
    _rate(hall, ticket, C, 5, now - dt.timedelta(minutes=1))
    t = load_dashboard(hall.service).today
    assert (t.evaluations, t.satisfaction_rate, t.bad_ratings) == (1, 1.0, 1)
    assert (t.accept_evaluations, t.complete_evaluations, t.follow_ups_open) == (1, 1, 1)
