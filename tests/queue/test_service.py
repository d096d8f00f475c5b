"""Issuing rules, window operations, statistics and the outbox, on a real SQLite file (and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from app.queue import errors
from app.queue.policy import QueuePolicy
from app.queue.service import hash_id_number
from app.queue.stats import queue_stats
from db import outbox
from db.models import Appointment, AuditLog, HallEvent, ServiceCategory, SyncOutbox, Ticket, WindowStatus
from tests.queue.conftest import T0, TEST_ID_HASH_KEY, FakeClock, Hall, make_hall

ID = "11010519491231002X"


def set_category(hall: Hall, code: str, **values: object) -> None:
    with hall.sf.begin() as s:
        s.execute(sa.update(ServiceCategory).where(ServiceCategory.code == code).values(**values))


def test_numbers_per_prefix_and_day_and_cap(hall: Hall) -> None:
    set_category(hall, "business", daily_cap=2)
    svc = hall.service()
    assert [svc.issue("A").number for _ in range(3)] == ["A001", "A002", "A003"]
    assert svc.issue("business").number == "B001"
    assert svc.issue("B").number == "B002"
    with pytest.raises(errors.DailyCapReached, match="号已取完"):
        svc.issue("B")
    # The refusal used no number: after raising the cap the next one is B003, no gap.
    set_category(hall, "business", daily_cap=3)
    svc.reference(refresh=True)
    assert svc.issue("B").number == "B003"
    # Next business day (Shanghai midnight = 16:00 UTC) starts again at 001.
    hall.clock.now = dt.datetime(2026, 11, 27, 16, 0, 1, tzinfo=dt.UTC)
    t = svc.issue("A")
    assert (t.number, t.business_date) == ("A001", dt.date(2026, 11, 28))
    with pytest.raises(errors.UnknownCategory):
        svc.issue("Z")


def test_issue_hours(hall: Hall) -> None:
    set_category(hall, "general", issue_start=dt.time(8, 30), issue_end=dt.time(17, 0))
    svc = hall.service()
    hall.clock.now = dt.datetime(2026, 11, 27, 0, 29, tzinfo=dt.UTC)  # 08:29 Shanghai
    with pytest.raises(errors.OutsideIssueHours, match="不在取号时间内"):
        svc.issue("A")
    hall.clock.now = dt.datetime(2026, 11, 27, 0, 30, tzinfo=dt.UTC)
    assert svc.issue("A").number == "A001"
    hall.clock.now = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)  # 17:00
    with pytest.raises(errors.OutsideIssueHours):
        svc.issue("A")


def test_real_name_limit_hash_and_mask(hall: Hall) -> None:
    set_category(hall, "general", per_id_daily_limit=2)
    svc = hall.service()
    t = svc.issue("A", id_number=ID.lower(), name="张三丰")
    assert t.holder_name == "张*丰"
    svc.issue("A", id_number=ID, name="张三丰")
    with pytest.raises(errors.IdDailyLimitReached, match="该证件今日取号已达上限"):
        svc.issue("A", id_number=ID)
    assert svc.issue("B", id_number=ID).number == "B001"  # the limit is per category
    with pytest.raises(errors.InvalidIdNumber, match="校验位"):
        svc.issue("A", id_number="110105194912310021")
    with hall.sf() as s:
        hashes = set(s.scalars(sa.select(Ticket.id_number_hash).where(Ticket.id_number_hash.is_not(None))))
        dump = " ".join(str(r.payload) for r in s.scalars(sa.select(SyncOutbox)))
    assert hashes == {hash_id_number(ID, TEST_ID_HASH_KEY)}
    assert ID not in dump and ID.lower() not in dump and "张三丰" not in dump


def test_people_ahead_and_estimate(hall: Hall) -> None:
    svc = hall.service(QueuePolicy(default_service_minutes=6))
    svc.issue("A")
    svc.issue("A")
    svc.issue("B")
    t = svc.issue("A")
    assert t.people_ahead == 2
    assert t.estimated_wait_minutes is None  # 2 ahead but no window open yet: no estimate
    g = svc.issue("A", priority=True)
    assert g.people_ahead == 0
    assert svc.ticket(t.number).people_ahead == 3  # the green ticket goes first
    svc.open_window(1)
    svc.open_window(2)
    r = svc.call_next(1)
    assert r is not None and r.ticket.number == g.number
    hall.clock.advance(minutes=4)
    svc.finish(1)
    later = svc.ticket(t.number)
    assert later.people_ahead == 2
    # recent service 4 min; 2 open windows, each serving the busy categories A and B (½ each for A)
    assert later.estimated_wait_minutes == pytest.approx(2 * 4 / (0.5 + 0.5), abs=0.1)
    # the ticket as issued carries its own estimate (what the kiosk prints): 3 ahead × 4 min / 1 window
    issued = svc.issue("A")
    assert issued.people_ahead == 3
    assert issued.estimated_wait_minutes == pytest.approx(12.0, abs=0.1)


def test_appointment_check_in(hall: Hall) -> None:
    svc = hall.service(QueuePolicy(appointment_early_minutes=30, appointment_late_minutes=10))
    slot = T0 + dt.timedelta(minutes=20)
    with hall.sf.begin() as s:
        for code, start in (
            ("AP1", slot),
            ("AP2", T0 - dt.timedelta(minutes=30)),
            ("AP3", T0 + dt.timedelta(hours=2)),
        ):
            s.add(
                Appointment(
                    site_id=hall.seeded.site_id,
                    code=code,
                    category_id=hall.seeded.category_ids["general"],
                    name="李四",
                    id_number_hash=hash_id_number(ID, TEST_ID_HASH_KEY),
                    slot_start=start,
                    slot_end=start + dt.timedelta(minutes=30),
                )
            )
    t = svc.check_in("AP1")
    assert (t.priority_class, t.queue_at, t.channel) == ("appointment", slot, "appointment")
    with pytest.raises(errors.AppointmentError, match="已签到"):
        svc.check_in("AP1")
    late = svc.check_in("AP2")  # 30 min late > 10: an ordinary ticket from now on
    assert late.priority_class == "normal" and late.queue_at > T0
    with pytest.raises(errors.AppointmentError, match="后签到"):
        svc.check_in("AP3")
    with pytest.raises(errors.AppointmentError, match="没有找到"):
        svc.check_in("NOPE")
    normal = svc.issue("A")
    r = svc.call_next(1)  # the appointment's slot has not started: FIFO among normal tickets
    assert r is not None and r.ticket.number == late.number
    svc.finish(1)
    hall.clock.advance(minutes=25)
    r = svc.call_next(1)  # slot started: appointment first
    assert r is not None and r.ticket.number == t.number
    svc.finish(1)
    r = svc.call_next(1)
    assert r is not None and r.ticket.number == normal.number


def test_window_operations(hall: Hall) -> None:
    svc = hall.service(QueuePolicy(max_recalls=1, requeue_after=1))
    a1, a2, a3 = (svc.issue("A") for _ in range(3))
    with pytest.raises(errors.NoActiveTicket):
        svc.finish(1)
    r = svc.call_next(1, staff_id=hall.seeded.clerk_id)
    assert r is not None and r.ticket.number == a1.number and r.announcement == "请 A001 号到 1 号窗口办理"
    with pytest.raises(errors.WindowBusy):
        svc.call_next(1)
    assert svc.recall(1).ticket.recall_count == 1
    with pytest.raises(errors.RecallLimitReached):
        svc.recall(1)
    assert svc.no_show(1).status == "no_show"
    # The late applicant comes back: behind one waiting ticket (A002), ahead of A003.
    rq = svc.requeue(a1.number)
    assert rq.status == "waiting" and a2.queue_at < rq.queue_at < a3.queue_at
    assert [t.number for t in svc.waiting()] == ["A002", "A001", "A003"]
    r = svc.call_next(1)
    assert r is not None and r.ticket.number == "A002"
    assert svc.start(1).status == "serving"
    # Transfer to another category keeps the original queue time.
    tr = svc.transfer(1, to_category="business")
    assert tr.category_code == "business" and tr.queue_at == a2.queue_at and tr.status == "waiting"
    # Transfer to a window: only that window may call it.
    svc.issue("B")
    r = svc.call_next(2)
    assert r is not None and r.ticket.number == "A002"  # oldest in B's queue
    tw = svc.transfer(2, to_window=3)
    assert tw.target_window_number == 3
    r = svc.call_next(3)
    assert r is not None and r.ticket.number == "A002"
    held = svc.hold(3, reason="回去取材料")
    assert held.status == "held"
    r = svc.call_next(3)
    assert r is not None and r.ticket.number == "A001"
    with pytest.raises(errors.WindowBusy):
        svc.resume(3, "A002")
    svc.finish(3, outcome="accepted", case_numbers=["DEMO-20261127-0001", "DEMO-20261127-0002"])
    res = svc.resume(3, "A002")
    assert res.status == "serving" and res.window_number == 3
    done = svc.finish(3)
    assert done.status == "done"
    with hall.sf() as s:
        t = s.scalars(sa.select(Ticket).where(Ticket.number == "A001")).one()
        assert t.case_numbers == "DEMO-20261127-0001,DEMO-20261127-0002" and t.outcome == "accepted"
    # Pause with a reason; a paused window cannot call.
    with pytest.raises(errors.QueueError, match="暂停原因"):
        svc.pause_window(1, " ")
    st = svc.pause_window(1, "系统维护")
    assert (st.state, st.reason) == ("paused", "系统维护")
    with pytest.raises(errors.WindowPaused, match="系统维护"):
        svc.call_next(1)
    assert svc.resume_window(1).state == "open"
    with pytest.raises(errors.UnknownWindow):
        svc.call_next(99)
    with pytest.raises(errors.UnknownTicket):
        svc.requeue("X999")
    with pytest.raises(errors.InvalidTransition):
        svc.requeue("A002")


def test_call_specific_needs_manager_and_is_audited(hall: Hall) -> None:
    svc = hall.service()
    svc.issue("A")
    b = svc.issue("B")
    with pytest.raises(errors.PermissionDenied):
        svc.call_ticket(1, b.number, manager_id=hall.seeded.clerk_id)
    r = svc.call_ticket(1, b.number, manager_id=hall.seeded.manager_id, staff_id=hall.seeded.clerk_id)
    assert r.ticket.number == "B001" and r.ticket.status == "called"
    with hall.sf() as s:
        audit = s.scalars(sa.select(AuditLog)).one()
    assert (
        audit.action == "queue.call_specific"
        and "B001" in audit.detail
        and audit.staff_id == hall.seeded.manager_id
    )


@pytest.mark.parametrize("mode", ["cancel", "carry_over"])
def test_close_day(hall: Hall, mode: str) -> None:
    svc = hall.service()
    for _ in range(4):
        svc.issue("A")
    svc.call_next(1)
    svc.call_next(2)
    svc.start(2)
    res = svc.close_day(mode)
    assert (res.no_show, res.finished) == (1, 1)
    assert (res.cancelled, res.carried_over) == ((2, 0) if mode == "cancel" else (0, 2))
    statuses = sorted(t.status for t in [svc.ticket(f"A00{i}") for i in range(1, 5)])
    assert statuses == (
        ["cancelled", "cancelled", "done", "no_show"]
        if mode == "cancel"
        else ["done", "no_show", "waiting", "waiting"]
    )
    assert all(w.state == "closed" for w in svc.status().windows)


def test_status_table(hall: Hall) -> None:
    svc = hall.service()
    svc.issue("A")
    hall.clock.advance(minutes=10)
    svc.issue("A")
    svc.call_next(2)
    st = svc.status()
    a = next(c for c in st.categories if c.code == "general")
    assert (a.waiting, a.issued_today) == (1, 2)
    assert a.longest_wait_minutes == pytest.approx(0.0, abs=0.1)
    w2 = next(w for w in st.windows if w.number == 2)
    assert w2.state == "open" and w2.current is not None and w2.current.number == "A001"


def test_statistics_from_events(sqlite_url: str) -> None:
    hall = make_hall(sqlite_url)
    hall.clock = FakeClock(step=dt.timedelta(0))
    svc = hall.service()
    clerk = hall.seeded.clerk_id
    svc.open_window(1, staff_id=clerk)  # 10:00:00, window idle from here
    svc.issue("A")  # A001
    hall.clock.advance(minutes=1)
    svc.issue("A")  # A002 at +1
    hall.clock.advance(minutes=4)
    svc.call_next(1, staff_id=clerk)  # +5: A001 waited 5, window idle 5
    hall.clock.advance(minutes=1)
    svc.start(1)  # walk 1
    hall.clock.advance(minutes=10)
    svc.finish(1)  # service 10, at +16
    hall.clock.advance(minutes=34)
    svc.call_next(1, staff_id=clerk)  # +50: A002 waited 49 (> 30 target), idle 34
    hall.clock.advance(minutes=2)
    svc.no_show(1)
    stats = queue_stats(hall.sf, hall.seeded.site_id, dt.date(2026, 11, 27), clock=hall.clock)
    f = stats.overall
    assert (f.issued, f.called, f.served, f.no_show) == (2, 2, 1, 1)
    assert f.avg_wait_minutes == 27.0 and f.max_wait_minutes == 49.0
    assert f.avg_walk_minutes == 1.0 and f.avg_service_minutes == 10.0
    assert f.no_show_rate == 0.5 and f.above_target_share == 0.5
    assert stats.by_window[1].idle_minutes == 39.0
    assert set(stats.by_category) == {"general"} and stats.by_category["general"].called == 2
    assert stats.by_staff["demo-clerk"].served == 1
    assert list(stats.by_day) == [dt.date(2026, 11, 27)]
    assert [(c.code, c.waiting) for c in stats.live] == [("general", 0), ("business", 0), ("estate", 0)]
    hall.engine.dispose()


def _outbox_covers_every_write(hall: Hall) -> None:
    """Every synced row written by the queue has an outbox snapshot of its current version."""
    with hall.sf() as s:
        snaps = {(o.table_name, o.row_id, o.row_version): o.payload for o in s.scalars(sa.select(SyncOutbox))}
        tables: tuple[tuple[Any, str], ...] = (
            (Ticket, "ticket"),
            (WindowStatus, "window_status"),
            (AuditLog, "audit_log"),
        )
        for model, table in tables:
            for obj in s.scalars(sa.select(model)):
                assert (table, obj.id, obj.row_version) in snaps, (table, obj.id)
                assert snaps[(table, obj.id, obj.row_version)] == outbox.snapshot(obj)
        for ev in s.scalars(sa.select(HallEvent)):
            assert snaps[("hall_event", ev.uid, 1)] == outbox.snapshot(ev)


def _exercise(hall: Hall) -> None:
    svc = hall.service()
    svc.issue("A", id_number=ID, name="王五")
    svc.issue("A", priority=True)
    svc.call_next(1)
    svc.start(1)
    svc.finish(1)
    svc.call_ticket(2, "A001", manager_id=hall.seeded.manager_id)
    svc.transfer(2, to_category="B")
    svc.pause_window(1, "午休")
    svc.close_day("cancel")


def test_outbox_rows_sqlite(hall: Hall) -> None:
    _exercise(hall)
    _outbox_covers_every_write(hall)


@pytest.mark.postgres
def test_outbox_rows_postgres(pg_hall: Hall) -> None:
    _exercise(pg_hall)
    _outbox_covers_every_write(pg_hall)


def test_policy_validation() -> None:
    with pytest.raises(ValueError, match="priority_burst"):
        QueuePolicy(priority_burst=0)
    with pytest.raises(ValueError, match="close_day"):
        QueuePolicy(close_day="later")
    with pytest.raises(ValueError, match="unknown"):
        QueuePolicy.from_mapping({"burst": 3})
    assert QueuePolicy.from_mapping({"priority_burst": 5}).priority_burst == 5


def test_unknown_site(hall: Hall) -> None:
    from app.queue.service import QueueService

    with pytest.raises(errors.QueueError, match="站点"):
        QueueService(hall.sf, uuid.uuid4()).issue("A")
