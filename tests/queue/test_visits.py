"""多窗联办: one visit, several windows, one number — through the queue service on SQLite and
PostgreSQL, with the ordering of a moved ticket pinned by hand-written examples."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from app.queue import errors
from app.queue.policy import Candidate, QueuePolicy, choose
from app.queue.service import QueueService
from app.queue.stats import queue_stats
from app.queue.visitplan import MatterRef, Stop, extend, join_cases, plan
from db.models import Matter, Scenario, ScenarioMatter, ServiceCategory, Ticket, Window, WindowCategory, Zone
from tests.queue.conftest import T0, Hall

MIN = dt.timedelta(minutes=1)


def furnish(h: Hall) -> None:
    """Window 1 serves 综合业务 (A) in 综合受理区, window 2 不动产登记 (C) in 不动产专区, window 3 企业开办
    (B); matters M-GEN (A), M-EST (C), M-BIZ (B), M-NONE (no queue); 一件事 S-HOME: M-EST then M-GEN."""
    ids = h.seeded.category_ids
    with h.sf.begin() as s:
        s.execute(sa.delete(WindowCategory))
        gen_zone = Zone(site_id=h.seeded.site_id, code="general", name="综合受理区")
        est_zone = Zone(site_id=h.seeded.site_id, code="estate", name="不动产专区")
        s.add_all([gen_zone, est_zone])
        s.flush()
        for number, code, zone in ((1, "general", gen_zone), (2, "estate", est_zone), (3, "business", None)):
            s.add(WindowCategory(window_id=h.seeded.window_ids[number], category_id=ids[code], priority=1))
            s.get_one(Window, h.seeded.window_ids[number]).zone_id = zone.id if zone else None
        s.get_one(ServiceCategory, ids["general"]).zone_id = gen_zone.id
        s.get_one(ServiceCategory, ids["estate"]).zone_id = est_zone.id
        matters = {
            code: Matter(
                code=code,
                name=name,
                department="区政务服务中心",
                kind="公共服务",
                category_code=cat,
                promised_days=1,
            )
            for code, name, cat in (
                ("M-GEN", "社保参保登记", "general"),
                ("M-EST", "不动产转移登记", "estate"),
                ("M-BIZ", "企业设立登记", "business"),
                ("M-NONE", "政策咨询", None),
            )
        }
        s.add_all(matters.values())
        sc = Scenario(code="S-HOME", name="二手房转移登记一件事")
        s.add(sc)
        s.flush()
        s.add_all(
            [
                ScenarioMatter(scenario_id=sc.id, matter_id=matters["M-GEN"].id, sort=2),
                ScenarioMatter(scenario_id=sc.id, matter_id=matters["M-EST"].id, sort=1),
            ]
        )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_hall(request: pytest.FixtureRequest) -> Hall:
    h: Hall = request.getfixturevalue("hall" if request.param == "sqlite" else "pg_hall")
    furnish(h)
    return h


def test_two_matter_visit_goes_from_window_to_window_with_one_number(any_hall: Hall) -> None:
    h = any_hall
    svc = h.service()
    h.clock.now = T0
    visit = svc.issue_visit(["M-GEN", "M-EST"], name="张小三")
    assert visit.number == "A001" and visit.category_code == "general" and visit.stop_index == 0
    assert [(st.category_code, st.area, st.matters) for st in visit.stops] == [
        ("general", "综合受理区", ("社保参保登记",)),
        ("estate", "不动产专区", ("不动产转移登记",)),
    ]
    assert visit.next_stop is not None and visit.next_stop.area == "不动产专区"
    h.clock.advance(minutes=10)
    first = svc.call_next(1)
    assert first is not None and first.announcement == "请 A001 号到 1 号窗口办理"  # the first stop: as ever
    svc.start(1)
    h.clock.advance(minutes=10)
    moved = svc.advance(1, ["CASE-1"])
    assert (moved.number, moved.status, moved.category_code, moved.stop_index) == (
        "A001",
        "waiting",
        "estate",
        1,
    )
    assert moved.issued_at == visit.issued_at and moved.queue_at == visit.queue_at
    assert moved.priority_class == visit.priority_class and moved.window_number is None
    assert moved.next_stop is None
    assert svc.call_next(1) is None  # window 1 does not serve the next stop
    h.clock.advance(minutes=15)
    second = svc.call_next(2)
    assert second is not None and second.ticket.id == visit.id
    assert second.announcement == "请 A001 号到 不动产专区 2 号窗口办理"
    with pytest.raises(errors.InvalidTransition, match="请直接办结"):
        svc.advance(2)
    h.clock.advance(minutes=10)
    done = svc.finish(2, case_numbers=["CASE-1", "CASE-2"])  # the counter passes every case of the ticket
    assert done.status == "done" and done.case_numbers == ("CASE-1", "CASE-2")
    with h.sf() as s:
        assert s.execute(sa.select(sa.func.count()).select_from(Ticket)).scalar_one() == 1
        kinds = [
            k
            for (k,) in s.execute(
                sa.text("SELECT kind FROM hall_event WHERE ticket_id IS NOT NULL ORDER BY id")
            )
        ]
        payload = s.execute(sa.text("SELECT payload FROM hall_event WHERE kind = 'advanced'")).scalar_one()
        called = (
            s.execute(sa.text("SELECT payload FROM hall_event WHERE kind = 'called' ORDER BY id"))
            .scalars()
            .all()
        )
    assert kinds == ["issued", "called", "started", "advanced", "called", "finished"]
    if isinstance(payload, str):
        import json

        payload = json.loads(payload)
        called = [json.loads(p) for p in called]
    assert (
        payload["next_area"] == "不动产专区" and payload["stage"] == 1 and payload["to_category"] == "estate"
    )
    assert [p["stage"] for p in called] == [0, 1]  # both paths (the PostgreSQL function too) record the stop

    # the figures: one visit (人次), two services (件次); stop waits 10 and 15, the visit's 25 minutes
    st = queue_stats(h.sf, h.seeded.site_id, visit.business_date)
    o = st.overall
    assert (o.issued, o.called, o.served, o.services) == (1, 1, 1, 2)
    assert (o.avg_wait_minutes, o.max_wait_minutes) == (12.5, 15.0)
    assert (o.avg_visit_wait_minutes, o.max_visit_wait_minutes) == (25.0, 25.0)
    assert o.avg_service_minutes == 10.0
    gen, est = st.by_category["general"], st.by_category["estate"]
    assert (gen.services, gen.served, gen.avg_wait_minutes) == (1, 0, 10.0)
    assert (est.services, est.served, est.avg_wait_minutes) == (1, 1, 15.0)
    assert st.by_window[1].services == 1 and st.by_window[2].services == 1


def test_bundle_routes_in_its_order_and_matters_are_added_at_the_first_window(hall: Hall) -> None:
    furnish(hall)
    svc = hall.service()
    bundle = svc.issue_visit(scenario="S-HOME")
    # the bundle's own order: 不动产 first, then 综合
    assert [st.category_code for st in bundle.stops] == ["estate", "general"] and bundle.number == "C001"
    single = svc.issue("general")
    assert single.stops == () and single.next_stop is None
    r = svc.call_next(1)
    assert r is not None and r.ticket.id == single.id
    with pytest.raises(errors.InvalidTransition):
        svc.advance(1)  # a one-stop ticket: 办结 only
    added = svc.add_matters(1, ["M-GEN", "M-NONE", "M-BIZ"])
    # M-GEN and the queue-less M-NONE stay at this stop; M-BIZ becomes the next
    assert [(st.category_code, st.matters) for st in added.stops] == [
        ("general", ("社保参保登记", "政策咨询")),
        ("business", ("企业设立登记",)),
    ]
    with pytest.raises(errors.InvalidTransition, match="已在本次来访中"):
        svc.add_matters(1, ["M-GEN"])
    moved = svc.advance(1)
    assert moved.category_code == "business" and moved.number == single.number
    r3 = svc.call_next(3)
    assert r3 is not None and r3.ticket.id == single.id
    assert r3.announcement == f"请 {single.number} 号到 3 号窗口办理"  # window 3 has no area: the number
    with pytest.raises(errors.QueueError, match="没有这个事项"):
        svc.issue_visit(["M-NOPE"])
    with pytest.raises(errors.QueueError, match="没有设置排队类别"):
        svc.issue_visit(["M-NONE"])


def test_advance_refuses_a_closed_next_queue_and_keeps_the_ticket(hall: Hall) -> None:
    furnish(hall)
    svc = hall.service()
    t = svc.issue_visit(["M-GEN", "M-EST"])
    svc.call_next(1)
    with hall.sf.begin() as s:
        s.get_one(ServiceCategory, hall.seeded.category_ids["estate"]).active = False
    svc.reference(refresh=True)
    with pytest.raises(errors.UnknownCategory, match="暂停服务"):
        svc.advance(1)
    assert svc.ticket(t.number).status == "called"  # nothing changed: still at window 1


# --- ordering of a moved ticket: hand-written boundary examples ---------------------------------


def _serve_order(svc: QueueService, window: int) -> list[str]:
    """Window `window` calls and finishes until nobody waits for it: the numbers in call order."""
    out = []
    while (r := svc.call_next(window)) is not None:
        out.append(r.ticket.number)
        svc.finish(window)
    return out


def _at(h: Hall, when: dt.datetime) -> None:
    """The service's next clock reading is exactly `when` (the fake clock steps 1 ms per reading)."""
    h.clock.now = when - h.clock.step


def test_moved_ticket_keeps_its_place_by_original_queue_time(any_hall: Hall) -> None:
    """不动产 queue (window 2): C001 queued 09:59, the visit A001 queued 10:00, C002 queued
    10:00:00.001 — one millisecond after the visit. A001 reaches the queue at 10:30 and is served
    after C001 and before C002: its place is its issue time, not the time it arrived."""
    h = any_hall
    svc = h.service()
    _at(h, T0 - MIN)
    c1 = svc.issue("estate")
    _at(h, T0)
    a1 = svc.issue_visit(["M-GEN", "M-EST"])
    c2 = svc.issue("estate")
    assert (c1.queue_at, a1.queue_at, c2.queue_at) == (T0 - MIN, T0, T0 + dt.timedelta(milliseconds=1))
    _at(h, T0 + 30 * MIN)
    svc.call_next(1)
    svc.advance(1)
    c3 = svc.issue("estate")  # issued after the move, and after A001 by far
    assert _serve_order(svc, 2) == ["C001", "A001", "C002", c3.number]


def test_moved_green_ticket_stays_in_the_priority_tier(hall: Hall) -> None:
    """A 绿色通道 visit keeps its class at the next stop: ahead of older normal tickets there."""
    furnish(hall)
    svc = hall.service()
    older = svc.issue("estate")
    green = svc.issue_visit(["M-GEN", "M-EST"], priority=True)
    svc.call_next(1)
    moved = svc.advance(1)
    assert moved.priority_class == "green"
    assert _serve_order(svc, 2) == [green.number, older.number]


@pytest.mark.parametrize(
    ("since_queue", "first"),
    [
        (45 * MIN - dt.timedelta(milliseconds=1), "B001"),  # not yet aged: window 2's rank decides
        (45 * MIN, "A001"),  # aged exactly at max_wait_minutes, counted from the original queue time
    ],
)
def test_moved_ticket_ages_from_its_original_queue_time(
    hall: Hall, since_queue: dt.timedelta, first: str
) -> None:
    """Window 2 serves 企业开办 (rank 1) before 不动产 (rank 2). The visit A001 queued at 10:00 reaches
    不动产 at 10:40; B001 (企业开办) queued at 10:20. At 10:44:59.999 B001 is first by rank; at
    10:45:00.000 A001 has waited 45 minutes since its issue and aging puts it first."""
    furnish(hall)
    with hall.sf.begin() as s:
        s.add(
            WindowCategory(
                window_id=hall.seeded.window_ids[2],
                category_id=hall.seeded.category_ids["business"],
                priority=1,
            )
        )
        s.execute(
            sa.update(WindowCategory)
            .where(
                WindowCategory.window_id == hall.seeded.window_ids[2],
                WindowCategory.category_id == hall.seeded.category_ids["estate"],
            )
            .values(priority=2)
        )
    svc = hall.service(QueuePolicy(max_wait_minutes=45))
    _at(hall, T0)
    svc.issue_visit(["M-GEN", "M-EST"])
    _at(hall, T0 + 20 * MIN)
    svc.issue("business")
    _at(hall, T0 + 40 * MIN)
    svc.call_next(1)
    svc.advance(1)
    _at(hall, T0 + since_queue)
    r = svc.call_next(2)
    assert r is not None and r.ticket.number == first
    # the pure policy agrees: the moved ticket is a candidate with its original queue time
    ids = hall.seeded.category_ids
    moved = Candidate(uuid.UUID(int=1), ids["estate"], "normal", T0)
    other = Candidate(uuid.UUID(int=2), ids["business"], "normal", T0 + 20 * MIN)
    pick = choose(
        [moved, other],
        hall.seeded.window_ids[2],
        {ids["business"]: 1, ids["estate"]: 2},
        0,
        T0 + since_queue,
        QueuePolicy(max_wait_minutes=45),
    )
    assert pick is (moved if first == "A001" else other)


# --- the route as pure functions --------------------------------------------------------------


def test_route_planning_by_hand(hall: Hall) -> None:
    furnish(hall)
    ref = hall.service().reference()
    ids = hall.seeded.category_ids
    gen, est, biz = ids["general"], ids["estate"], ids["business"]
    m = {
        "g1": MatterRef("g1", "甲", "general"),
        "g2": MatterRef("g2", "乙", "general"),
        "e1": MatterRef("e1", "丙", "estate"),
        "n1": MatterRef("n1", "丁", None),
        "b1": MatterRef("b1", "戊", "business"),
    }
    # consecutive matters of one queue: one stop; a queue-less matter joins the stop before it
    assert plan([m["g1"], m["g2"], m["e1"], m["n1"]], ref) == [
        Stop(gen, (("g1", "甲"), ("g2", "乙"))),
        Stop(est, (("e1", "丙"), ("n1", "丁"))),
    ]
    # first in the list, it joins the next stop; a queue seen again later is a new stop
    assert plan([m["n1"], m["e1"], m["g1"], m["e1"]], ref) == [
        Stop(est, (("n1", "丁"), ("e1", "丙"))),
        Stop(gen, (("g1", "甲"),)),
        Stop(est, (("e1", "丙"),)),
    ]
    route = [Stop(gen, (("g1", "甲"),)), Stop(est, (("e1", "丙"),))]
    # added at stop 0: a matter of a later stop's queue joins that stop, a new queue goes last
    assert extend(route, 0, [Stop(est, (("e2", "己"),)), Stop(biz, (("b1", "戊"),))]) == [
        Stop(gen, (("g1", "甲"),)),
        Stop(est, (("e1", "丙"), ("e2", "己"))),
        Stop(biz, (("b1", "戊"),)),
    ]
    # at stop 1 an earlier stop's queue is not gone back to: a new stop
    assert extend(route, 1, [Stop(gen, (("g2", "乙"),))])[-1] == Stop(gen, (("g2", "乙"),))
    assert join_cases("", ["C-1"]) == "C-1"
    assert join_cases("C-1", ["C-1", " C-2 ", ""]) == "C-1,C-2"
    assert join_cases("C-1,C-2", []) == "C-1,C-2"


def test_case_numbers_of_a_visit_fit_or_are_refused_on_both_finish_paths(any_hall: Hall) -> None:
    """The cases of every stop are kept on the ticket (varchar 400): a last stop whose cases would
    not fit is refused in plain Chinese — by the general path after the PostgreSQL function
    declined — and the ticket stays at its window."""
    h = any_hall
    svc = h.service()
    t = svc.issue_visit(["M-GEN", "M-EST"])
    svc.call_next(1)
    first = [f"CASE-{i:03d}" for i in range(40)]  # 40 × 8 + 39 commas = 359 characters
    svc.advance(1, first)
    svc.call_next(2)
    with pytest.raises(errors.QueueError, match="办件编号太多"):
        svc.finish(2, case_numbers=[*first, "CASE-040", "CASE-041", "CASE-042", "CASE-043", "CASE-044"])
    assert svc.ticket(t.number).status == "called"
    # exactly 400 characters: 359 + 4 × 9 (",CASE-04n") = 395, + ",X-12" = 400
    done = svc.finish(2, case_numbers=[*first, "CASE-040", "CASE-041", "CASE-042", "CASE-043", "X-12"])
    assert done.status == "done" and len(",".join(done.case_numbers)) == 400
    assert done.case_numbers[:40] == tuple(first) and done.case_numbers[-1] == "X-12"


def test_a_visit_of_too_many_matters_is_refused(hall: Hall) -> None:
    furnish(hall)
    svc = hall.service()
    with pytest.raises(errors.QueueError, match="最多办理 20 个事项"):
        svc.issue_visit(["M-GEN", "M-EST"] * 11)
    assert svc.waiting() == []
