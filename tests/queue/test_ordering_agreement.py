"""Site migration 0002's call-next function chooses as the pure policy does, on generated halls.

The function spells the ordering policy out in PL/pgSQL (the priority rule, aging, window ranks,
transfers, the priority burst); `app.queue.policy.choose` is the reference. Hypothesis builds
queues of every ticket class (appointments before and after their slot), categories the window
does or does not serve, tickets sent to this or another window, and window streaks; each is put
in a real PostgreSQL hall and the function's claim compared with `choose()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import hypothesis.strategies as st
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings

from app.queue import pgfunc
from app.queue.policy import Candidate, QueuePolicy, choose
from db.base import utcnow, uuid7
from db.models import Ticket, WindowStatus
from tests.conftest import scratch_pg_database
from tests.queue.conftest import T0, Hall, make_hall

T = Ticket.__table__
WS = WindowStatus.__table__
POLICY = QueuePolicy(priority_burst=2, max_wait_minutes=30)
# Window 1 serves A (rank 1) and B (rank 2); C is served only by window 2.
LINKS = {1: {"general": 1, "business": 2}, 2: {"estate": 1, "general": 3}}
CODES = ("general", "business", "estate")

ticket_st = st.tuples(
    st.sampled_from(CODES),
    st.sampled_from(("normal", "normal", "green", "appointment")),
    st.integers(min_value=-20, max_value=90),  # minutes before now (negative: a slot still to come)
    st.sampled_from((None, None, None, 1, 2)),  # sent to a window
)


@pytest.fixture(scope="module")
def pg_hall_module(pg_admin_url: str) -> Iterator[Hall]:
    with scratch_pg_database(pg_admin_url) as url:
        hall = make_hall(url, links=LINKS)
        hall.service(POLICY).open_window(1)  # its status row; each example sets its streak
        yield hall
        hall.engine.dispose()


def _reset(hall: Hall, tickets: list[tuple[str, str, int, int | None]], streak: int) -> list[Candidate]:
    seeded = hall.seeded
    cands = []
    rows: list[dict[str, Any]] = []
    for seq, (code, pclass, minutes, target) in enumerate(tickets, start=1):
        tid = uuid7()
        queue_at = T0 - dt.timedelta(minutes=minutes, microseconds=seq)  # distinct times
        target_id = seeded.window_ids[target] if target else None
        cands.append(Candidate(tid, seeded.category_ids[code], pclass, queue_at, target_id))
        rows.append(
            {
                "id": tid,
                "site_id": seeded.site_id,
                "row_version": 1,
                "updated_at": utcnow(),
                "business_date": T0.date(),
                "category_id": seeded.category_ids[code],
                "prefix": "Z",
                "seq": seq,
                "number": f"Z{seq:03d}",
                "status": "waiting",
                "priority_class": pclass,
                "issued_at": queue_at,
                "queue_at": queue_at,
                "target_window_id": target_id,
                "recall_count": 0,
                "holder_name": "",
                "channel": "kiosk",
                "case_numbers": "",
            }
        )
    with hall.engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE ticket, hall_event, sync_outbox CASCADE"))
        conn.execute(
            sa.update(WS)
            .where(WS.c.window_id == seeded.window_ids[1])
            .values(state="open", priority_streak=streak, staff_id=None)
        )
        if rows:
            conn.execute(sa.insert(T), rows)
    return cands


@pytest.mark.postgres
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tickets=st.lists(ticket_st, max_size=12), streak=st.integers(min_value=0, max_value=3))
# aging at its boundary: a B ticket waiting past max_wait_minutes outranks window 1's preferred A
@example(tickets=[("business", "normal", 31, None), ("general", "normal", 5, None)], streak=0)
@example(tickets=[("business", "normal", 29, None), ("general", "normal", 5, None)], streak=0)
# the burst used up: the longest-waiting normal ticket before a green one
@example(tickets=[("general", "green", 1, None), ("business", "normal", 3, None)], streak=2)
# an appointment whose slot has not begun is not priority; one sent to window 2 is not window 1's
@example(tickets=[("general", "appointment", -5, None), ("general", "normal", 2, 2)], streak=0)
def test_function_chooses_as_the_policy(
    pg_hall_module: Hall, tickets: list[tuple[str, str, int, int | None]], streak: int
) -> None:
    hall = pg_hall_module
    svc = hall.service(POLICY, clock=lambda: T0)
    win = svc.reference().window(1)
    cands = _reset(hall, tickets, streak)
    expected = choose(cands, win.id, win.categories, streak, T0, POLICY)
    tr = pgfunc.Transition(hall.seeded.site_id, win.id, 1, None, T0, T0.date(), uuid7(), utcnow())
    got = pgfunc.call_next(
        hall.engine,
        tr,
        aged_before=POLICY.aged_before(T0),
        categories=win.categories,
        priority_burst=POLICY.priority_burst,
        heads=16,
    )
    assert (got["id"] if got else None) == (expected.id if expected else None)
