"""The hall's one wait estimator (app/queue/estimate.py): hand-written values at its boundaries,
the same figure on the kiosk and the printed ticket, and agreement with the waits a steady queue
really has (the manager's average wait, app/queue/stats.py)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from app.queue.estimate import (
    DEFAULT_SERVICE_MINUTES,
    WaitEstimate,
    display_minutes,
    estimate_minutes,
    minutes_per_ticket,
    window_share,
)
from app.queue.policy import QueuePolicy
from app.queue.stats import queue_stats
from tests.queue.conftest import Hall, make_hall

A, B, C = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
W1, W2, W3 = uuid.UUID(int=11), uuid.UUID(int=12), uuid.UUID(int=13)


def test_estimate_minutes_boundaries() -> None:
    assert estimate_minutes(0, 8.0, 0) == 0.0  # nobody ahead: no wait, even with no window open
    assert estimate_minutes(0, 8.0, 2) == 0.0
    assert estimate_minutes(3, 8.0, 0) is None  # people ahead, no window: no time to promise
    assert estimate_minutes(1, 8.0, 1) == 8.0
    assert estimate_minutes(3, 8.0, 1) == 24.0
    assert estimate_minutes(4, 5.5, 2) == 11.0
    assert estimate_minutes(1, 8.0, 0.5) == 16.0  # a window shared with another busy category
    assert estimate_minutes(1, 1 / 3, 1) == 0.3


def test_minutes_per_ticket_fallbacks() -> None:
    assert minutes_per_ticket([4.0, 6.0], 12.0, 8.0) == (5.0, "today")  # measured today wins
    assert minutes_per_ticket([], 12.0, 8.0) == (12.0, "configured")  # no history: configured
    assert minutes_per_ticket([], None, 6.0) == (6.0, "default")  # the hall's default
    assert minutes_per_ticket([], None, None) == (DEFAULT_SERVICE_MINUTES, "default") == (8.0, "default")
    assert minutes_per_ticket([], 0.0, 0.0) == (8.0, "default")  # nonsense settings: the sane default


def test_window_share() -> None:
    only_a = [(W1, [A]), (W2, [A])]
    assert window_share(A, only_a, {W1, W2}, {A}) == 2.0
    assert window_share(A, only_a, {W1}, {A}) == 1.0
    assert window_share(A, only_a, set(), {A}) == 0.0  # nothing open
    shared = [(W1, [A, B, C])]
    assert window_share(A, shared, {W1}, {A, B}) == 0.5  # B waits too: half the window
    assert window_share(A, shared, {W1}, {A, B, C}) == pytest.approx(1 / 3, abs=1e-4)
    assert window_share(A, shared, {W1}, {B}) == 0.5  # A itself always counts
    assert window_share(A, shared, {W1}, set()) == 1.0
    assert window_share(A, [(W3, [B])], {W3}, {A, B}) == 0.0  # a window not serving A


def test_display_minutes_and_text() -> None:
    assert [display_minutes(m) for m in (0.0, 0.2, 1.0, 24.0, 24.1)] == [0, 1, 1, 24, 25]
    e = WaitEstimate("A", 4, 8.0, "default", 1.0, 32.0)
    assert e.text() == "等候 4 人，约 32 分钟"
    assert WaitEstimate("A", 0, 8.0, "default", 0.0, 0.0).text() == "无需等候"
    assert WaitEstimate("A", 2, 8.0, "default", 0.0, None).text() == "等候 2 人，窗口暂未开放"


def test_hall_estimates_from_the_database(hall: Hall) -> None:
    svc = hall.service(QueuePolicy(default_service_minutes=6))
    est = svc.wait_estimates()
    assert est["general"].ahead == 0 and est["general"].minutes == 0.0 and est["general"].source == "default"
    for _ in range(3):
        svc.issue("general")
    assert svc.wait_estimates()["general"].minutes is None  # no window open
    svc.open_window(1)
    e = svc.wait_estimates()["general"]
    assert (e.ahead, e.windows, e.minutes_per_ticket, e.minutes) == (3, 1.0, 6.0, 18.0)
    svc.issue("business")  # window 1 serves every category: now shared with business
    e = svc.wait_estimates()["general"]
    assert (e.windows, e.minutes) == (0.5, 36.0)
    # a ticket served today: 10 minutes from call to finish replaces the default
    r = svc.call_next(1)
    assert r is not None and r.ticket.category_code == "general"
    hall.clock.advance(minutes=10)
    svc.finish(1)
    e = svc.wait_estimates()["general"]
    assert e.source == "today" and e.minutes_per_ticket == pytest.approx(10.0, abs=0.01)
    assert (e.ahead, e.windows, e.minutes) == (2, 0.5, 40.0)
    # the ticket's own estimate (issue, printed ticket) is the one the kiosk showed a moment before
    t = svc.issue("general")
    assert t.people_ahead == 2 and t.estimated_wait_minutes == 40.0


def test_steady_queue_estimate_matches_the_measured_wait(sqlite_url: str) -> None:
    """Two windows, 10 minutes per ticket, one arrival every 5 minutes after a morning crowd of 6:
    the estimate given at issue is of the order of the wait each ticket then really had, and of
    the manager's average wait."""
    hall = make_hall(sqlite_url, windows=2, categories=(("general", "综合业务", "A"),))
    try:
        svc = hall.service(QueuePolicy(default_service_minutes=10))
        svc.open_window(1)
        svc.open_window(2)
        promised: dict[str, float] = {}
        issued_at: dict[str, dt.datetime] = {}
        waited: dict[str, float] = {}
        busy_until: dict[int, dt.datetime | None] = {1: None, 2: None}

        def issue() -> None:
            t = svc.issue("general")
            assert t.estimated_wait_minutes is not None
            promised[t.number] = t.estimated_wait_minutes
            issued_at[t.number] = hall.clock.now

        for _ in range(6):
            issue()
        for minute in range(180):
            if minute % 5 == 0 and minute < 150:
                issue()
            for w in (1, 2):
                until = busy_until[w]
                if until is not None and hall.clock.now >= until:
                    svc.finish(w)
                    busy_until[w] = None
                if busy_until[w] is None:
                    r = svc.call_next(w)
                    if r is not None:
                        waited[r.ticket.number] = (
                            hall.clock.now - issued_at[r.ticket.number]
                        ).total_seconds() / 60
                        busy_until[w] = hall.clock.now + dt.timedelta(minutes=10)
            hall.clock.advance(minutes=1)
        steady = [n for n in promised if n in waited and n > "A010"]  # after the first tickets set the pace
        assert len(steady) >= 20
        mean_promised = sum(promised[n] for n in steady) / len(steady)
        mean_waited = sum(waited[n] for n in steady) / len(steady)
        print(f"steady queue: promised {mean_promised:.1f} min, waited {mean_waited:.1f} min")
        assert 0.7 <= mean_promised / mean_waited <= 1.3, (mean_promised, mean_waited)
        for n in steady:  # and ticket by ticket within one service time
            assert abs(promised[n] - waited[n]) <= 10.0, (n, promised[n], waited[n])
        day = hall.clock.now.astimezone(dt.timezone(dt.timedelta(hours=8))).date()
        figures = queue_stats(hall.sf, hall.seeded.site_id, day, clock=hall.clock).overall
        assert figures.avg_wait_minutes is not None
        print(f"manager's average wait {figures.avg_wait_minutes:.1f} min")
        assert 0.5 <= mean_promised / figures.avg_wait_minutes <= 2.0, (
            mean_promised,
            figures.avg_wait_minutes,
        )
    finally:
        hall.engine.dispose()


def test_kiosk_figure_is_the_new_tickets_figure_with_an_early_check_in(hall: Hall) -> None:
    """An appointment checked in 20 minutes before its slot waits for the slot: it is not ahead of
    a ticket taken now, neither in the category's estimate nor in the issued ticket's."""
    from app.queue.service import hash_id_number
    from db.models import Appointment
    from tests.queue.conftest import T0, TEST_ID_HASH_KEY

    svc = hall.service(QueuePolicy(default_service_minutes=5))
    svc.open_window(1)
    slot = T0 + dt.timedelta(minutes=20)
    with hall.sf.begin() as s:
        s.add(
            Appointment(
                site_id=hall.seeded.site_id,
                code="XB-20261127-01",
                category_id=hall.seeded.category_ids["general"],
                name="李四",
                id_number_hash=hash_id_number("11010519491231002X", TEST_ID_HASH_KEY),
                slot_start=slot,
                slot_end=slot + dt.timedelta(minutes=30),
            )
        )
    early = svc.check_in("XB-20261127-01")
    assert early.queue_at == slot
    svc.issue("general")  # one ordinary ticket before ours
    shown = svc.wait_estimates()["general"]
    assert (shown.ahead, shown.minutes) == (1, 5.0)
    t = svc.issue("general")
    assert (t.people_ahead, t.estimated_wait_minutes) == (shown.ahead, shown.minutes) == (1, 5.0)
