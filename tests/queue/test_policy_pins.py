"""The ordering rules at their boundaries, with the expected order written out by hand.

Each scenario is a small queue at window 1 (it serves 'general' at rank 1 and 'business' at rank
2) and the order the rules give, worked out from the rules — never from the code under test. It
is checked in the pure `policy.choose()`, in the SQL `ordering.order_terms()` on SQLite and on
PostgreSQL (with values and with the bind parameters the cached call-next statement uses) and, on
PostgreSQL, in the call-next database function's first pick.

The rules pinned: after `priority_burst` priority calls the longest-waiting normal ticket comes
first, whatever its category rank (anti-starvation); a ticket waiting exactly `max_wait_minutes` is
aged (one microsecond less is not); an appointment is priority from the instant its slot starts
(`queue_at == now`), not one microsecond before.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.queue import pgfunc
from app.queue.ordering import eligible_sql, order_terms
from app.queue.policy import Candidate, QueuePolicy, choose, next_streak, prefers_normal
from app.queue.reference import WindowRef
from db.base import utcnow, uuid7
from db.models import Ticket, WindowStatus
from tests.conftest import scratch_pg_database
from tests.queue.conftest import T0, Hall, make_hall

T = Ticket.__table__
WS = WindowStatus.__table__
POLICY = QueuePolicy(priority_burst=2, max_wait_minutes=30)
LINKS = {1: {"general": 1, "business": 2}, 2: {"estate": 1}}
NOW = T0
US = dt.timedelta(microseconds=1)
MIN = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Tk:
    name: str
    category: str  # general | business | estate
    priority_class: str  # normal | green | appointment
    queue_at: dt.datetime


@dataclass(frozen=True)
class Scenario:
    label: str
    tickets: tuple[Tk, ...]
    streak: int
    expected: tuple[str, ...]  # window 1's full order, first called first


SCENARIOS = [
    # The burst used up (streak 2 = priority_burst): normal tickets by waiting time — the older
    # 'business' (rank 2) before the newer 'general' (rank 1) — and the green ticket last.
    Scenario(
        "burst: normal by waiting time, not rank",
        (
            Tk("green", "general", "green", NOW - 1 * MIN),
            Tk("old-business", "business", "normal", NOW - 20 * MIN),
            Tk("new-general", "general", "normal", NOW - 5 * MIN),
            Tk("mid-general", "general", "normal", NOW - 10 * MIN),
        ),
        2,
        ("old-business", "mid-general", "new-general", "green"),
    ),
    # One short of the burst: green first, then rank, then waiting time within a rank.
    Scenario(
        "before the burst: priority, then rank, then FIFO",
        (
            Tk("green", "general", "green", NOW - 1 * MIN),
            Tk("old-business", "business", "normal", NOW - 20 * MIN),
            Tk("new-general", "general", "normal", NOW - 5 * MIN),
            Tk("mid-general", "general", "normal", NOW - 10 * MIN),
        ),
        1,
        ("green", "mid-general", "new-general", "old-business"),
    ),
    # Burst with priority tickets of both kinds behind: after the normal ones they keep their own order.
    Scenario(
        "burst: priority tickets keep their order behind the normal ones",
        (
            Tk("green-new", "business", "green", NOW - 2 * MIN),
            Tk("green-old", "business", "green", NOW - 8 * MIN),
            Tk("appt-general", "general", "appointment", NOW - 3 * MIN),
            Tk("normal", "business", "normal", NOW - 1 * MIN),
        ),
        3,
        ("normal", "appt-general", "green-old", "green-new"),
    ),
    # Aging: exactly 30 minutes is aged and outranks rank 1; the rank-1 ticket next.
    Scenario(
        "aging: waiting exactly max_wait_minutes is aged",
        (
            Tk("general", "general", "normal", NOW - 5 * MIN),
            Tk("business-30m", "business", "normal", NOW - 30 * MIN),
        ),
        0,
        ("business-30m", "general"),
    ),
    # ... and 30 minutes less a microsecond is not: rank decides.
    Scenario(
        "aging: one microsecond short is not aged",
        (
            Tk("general", "general", "normal", NOW - 5 * MIN),
            Tk("business-30m-1us", "business", "normal", NOW - 30 * MIN + US),
        ),
        0,
        ("general", "business-30m-1us"),
    ),
    # Two aged tickets: FIFO between them whatever their rank.
    Scenario(
        "aging: aged tickets among themselves by waiting time",
        (
            Tk("general-31m", "general", "normal", NOW - 31 * MIN),
            Tk("business-40m", "business", "normal", NOW - 40 * MIN),
            Tk("general-new", "general", "normal", NOW - 1 * MIN),
        ),
        0,
        ("business-40m", "general-31m", "general-new"),
    ),
    # An appointment whose slot starts now is priority ...
    Scenario(
        "appointment: slot starting now is priority",
        (
            Tk("normal", "general", "normal", NOW - 10 * MIN),
            Tk("appt-now", "business", "appointment", NOW),
        ),
        0,
        ("appt-now", "normal"),
    ),
    # ... one starting a microsecond from now is a plain ticket: rank decides, the older 'general'
    # ticket (rank 1) first (were the appointment priority it would come first).
    Scenario(
        "appointment: slot starting in a microsecond is not yet priority",
        (
            Tk("normal-general", "general", "normal", NOW - 10 * MIN),
            Tk("appt-soon-business", "business", "appointment", NOW + US),
        ),
        0,
        ("normal-general", "appt-soon-business"),
    ),
    # Transfers: a ticket sent to window 1 ranks 0; one sent to window 2 is not window 1's at all;
    # 'estate' is not served by window 1.
    Scenario(
        "transfers and categories not served",
        (
            Tk("general", "general", "normal", NOW - 9 * MIN),
            Tk("to-1", "business", "normal", NOW - 2 * MIN),
            Tk("to-2", "general", "normal", NOW - 20 * MIN),
            Tk("estate", "estate", "normal", NOW - 25 * MIN),
        ),
        0,
        ("to-1", "general"),
    ),
]
# Sent to a window (by ticket name): window number.
TARGETS = {"to-1": 1, "to-2": 2}


def _ids(sc: Scenario) -> dict[str, uuid.UUID]:
    return {t.name: uuid.uuid5(uuid.NAMESPACE_URL, f"{sc.label}/{t.name}") for t in sc.tickets}


# --- the pure policy -----------------------------------------------------------------------------


@pytest.mark.parametrize("sc", SCENARIOS, ids=lambda sc: sc.label)
def test_choose_gives_the_written_order(sc: Scenario) -> None:
    w1, w2 = uuid.uuid4(), uuid.uuid4()
    cats = {uuid.UUID(int=1): 1, uuid.UUID(int=2): 2}
    cat_id = {"general": uuid.UUID(int=1), "business": uuid.UUID(int=2), "estate": uuid.UUID(int=3)}
    windows = {1: w1, 2: w2}
    ids = _ids(sc)
    pool = [
        Candidate(
            ids[t.name],
            cat_id[t.category],
            t.priority_class,
            t.queue_at,
            windows[TARGETS[t.name]] if t.name in TARGETS else None,
        )
        for t in sc.tickets
    ]
    names = {v: k for k, v in ids.items()}
    order = []
    while (c := choose(pool, w1, cats, sc.streak, NOW, POLICY)) is not None:
        order.append(names[c.id])
        pool.remove(c)
    assert tuple(order) == sc.expected


def test_streak_counts_priority_calls_only() -> None:
    a = uuid.uuid4()
    green = Candidate(uuid.uuid4(), a, "green", NOW)
    appt_now = Candidate(uuid.uuid4(), a, "appointment", NOW)
    appt_soon = Candidate(uuid.uuid4(), a, "appointment", NOW + US)
    normal = Candidate(uuid.uuid4(), a, "normal", NOW - MIN)
    assert [next_streak(1, c, NOW) for c in (green, appt_now, appt_soon, normal)] == [2, 2, 0, 0]
    # the burst is used up at exactly priority_burst consecutive priority calls
    assert [prefers_normal(s, POLICY) for s in (0, 1, 2, 3)] == [False, False, True, True]


def test_aged_before_is_exactly_max_wait_ago() -> None:
    assert POLICY.aged_before(NOW) == NOW - 30 * MIN
    assert QueuePolicy(max_wait_minutes=0).aged_before(NOW) is None  # 0 turns aging off
    off = QueuePolicy(max_wait_minutes=0, priority_burst=2)
    w, a, b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    ancient_b = Candidate(uuid.uuid4(), b, "normal", NOW - 600 * MIN)
    new_a = Candidate(uuid.uuid4(), a, "normal", NOW - MIN)
    assert choose([ancient_b, new_a], w, {a: 1, b: 2}, 0, NOW, off) == new_a  # no aging at all


# --- the SQL ordering, SQLite and PostgreSQL ------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hall]:
    path = Path(tmp_path_factory.mktemp("pins")) / "hall.db"
    hall = make_hall(f"sqlite:///{path}", links=LINKS)
    yield hall
    hall.engine.dispose()
    # tickets were written straight into the table (no outbox): the file goes, so the sync
    # tests' outbox guard (tests/sync/conftest.py) has nothing to report about it
    path.unlink()


@pytest.fixture(scope="module")
def pg_hall_module(pg_admin_url: str) -> Iterator[Hall]:
    with scratch_pg_database(pg_admin_url) as url:
        hall = make_hall(url, links=LINKS)
        hall.service(POLICY).open_window(1)
        yield hall
        hall.engine.dispose()


def _load(hall: Hall, sc: Scenario) -> dict[uuid.UUID, str]:
    seeded = hall.seeded
    ids = _ids(sc)
    rows: list[dict[str, Any]] = []
    for seq, t in enumerate(sc.tickets, start=1):
        rows.append(
            {
                "id": ids[t.name],
                "site_id": seeded.site_id,
                "row_version": 1,
                "updated_at": utcnow(),
                "business_date": NOW.date(),
                "category_id": seeded.category_ids[t.category],
                "prefix": "Z",
                "seq": seq,
                "number": f"Z{seq:03d}",
                "status": "waiting",
                "priority_class": t.priority_class,
                "issued_at": t.queue_at,
                "queue_at": t.queue_at,
                "target_window_id": seeded.window_ids[TARGETS[t.name]] if t.name in TARGETS else None,
                "recall_count": 0,
                "holder_name": "",
                "channel": "kiosk",
                "case_numbers": "",
            }
        )
    with hall.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE ticket, hall_event, sync_outbox CASCADE"))
        else:
            for table in ("hall_event", "sync_outbox", "ticket"):
                conn.execute(sa.text(f"DELETE FROM {table}"))
        conn.execute(sa.insert(T), rows)
    return {v: k for k, v in ids.items()}


def _sql_order(
    hall: Hall,
    sc: Scenario,
    *,
    bound: bool,
    policy: QueuePolicy = POLICY,
    site_id: uuid.UUID | None = None,
    ranks: dict[str, int] | None = None,
) -> tuple[str, ...]:
    """Window 1's order in SQL; `site_id` asks for another site's queue, `ranks` overrides the
    window's category ranks (category code → rank)."""
    names = _load(hall, sc)
    win = hall.service(policy, clock=lambda: NOW).reference().window(1)
    assert isinstance(win, WindowRef)
    if ranks is not None:
        win = replace(win, categories={hall.seeded.category_ids[c]: r for c, r in ranks.items()})
    prefer = prefers_normal(sc.streak, policy)
    params: dict[str, Any] = {}
    if bound:
        now: Any = sa.bindparam("now", type_=T.c.called_at.type)
        aged: Any = sa.bindparam("aged_before", type_=T.c.queue_at.type)
        params = {"now": NOW, "aged_before": policy.aged_before(NOW)}
    else:
        now, aged = NOW, policy.aged_before(NOW)
    stmt = (
        sa.select(T.c.id)
        .where(eligible_sql(site_id or hall.seeded.site_id, win))
        .order_by(*order_terms(win, now, prefer, aged))
    )
    with hall.engine.connect() as conn:
        return tuple(names[i] for i in conn.execute(stmt, params).scalars())


@pytest.mark.parametrize("bound", [False, True], ids=["values", "bind-params"])
@pytest.mark.parametrize("sc", SCENARIOS, ids=lambda sc: sc.label)
def test_sql_order_on_sqlite(sqlite_hall: Hall, sc: Scenario, bound: bool) -> None:
    assert _sql_order(sqlite_hall, sc, bound=bound) == sc.expected


@pytest.mark.parametrize("bound", [False, True], ids=["values", "bind-params"])
def test_sql_aging_with_the_shortest_wait_and_with_aging_off(sqlite_hall: Hall, bound: bool) -> None:
    sc = Scenario(
        "one-minute aging",
        (
            Tk("general", "general", "normal", NOW - MIN / 2),
            Tk("business-1m", "business", "normal", NOW - MIN),
        ),
        0,
        ("business-1m", "general"),
    )
    one = QueuePolicy(priority_burst=2, max_wait_minutes=1)
    assert _sql_order(sqlite_hall, sc, bound=bound, policy=one) == ("business-1m", "general")
    off = QueuePolicy(priority_burst=2, max_wait_minutes=0)
    assert _sql_order(sqlite_hall, sc, bound=False, policy=off) == ("general", "business-1m")


@pytest.mark.postgres
@pytest.mark.parametrize("bound", [False, True], ids=["values", "bind-params"])
@pytest.mark.parametrize("sc", SCENARIOS, ids=lambda sc: sc.label)
def test_sql_order_on_postgresql(pg_hall_module: Hall, sc: Scenario, bound: bool) -> None:
    assert _sql_order(pg_hall_module, sc, bound=bound) == sc.expected


@pytest.mark.postgres
@pytest.mark.parametrize("sc", SCENARIOS, ids=lambda sc: sc.label)
def test_call_next_function_first_pick(pg_hall_module: Hall, sc: Scenario) -> None:
    hall = pg_hall_module
    names = _load(hall, sc)
    win = hall.service(POLICY, clock=lambda: NOW).reference().window(1)
    with hall.engine.begin() as conn:
        conn.execute(
            sa.update(WS)
            .where(WS.c.window_id == hall.seeded.window_ids[1])
            .values(state="open", priority_streak=sc.streak, staff_id=None)
        )
    tr = pgfunc.Transition(hall.seeded.site_id, win.id, 1, None, NOW, NOW.date(), uuid7(), utcnow())
    got = pgfunc.call_next(
        hall.engine,
        tr,
        aged_before=POLICY.aged_before(NOW),
        categories=win.categories,
        priority_burst=POLICY.priority_burst,
        heads=16,
    )
    assert got is not None and names[got["id"]] == sc.expected[0]


def test_aged_tickets_lead_even_against_a_negative_category_rank() -> None:
    """Nothing stops a window from giving a category priority -1; aging still wins over it."""
    w, a, b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    aged_b = Candidate(uuid.uuid4(), b, "normal", NOW - 30 * MIN)
    new_a = Candidate(uuid.uuid4(), a, "normal", NOW - MIN)
    assert choose([new_a, aged_b], w, {a: -1, b: 2}, 0, NOW, POLICY) == aged_b
    fresh_b = Candidate(uuid.uuid4(), b, "normal", NOW - 29 * MIN)
    assert choose([new_a, fresh_b], w, {a: -1, b: 2}, 0, NOW, POLICY) == new_a


TWO_WAITING = Scenario(
    "two waiting",
    (Tk("general", "general", "normal", NOW - 5 * MIN), Tk("business", "business", "normal", NOW - 9 * MIN)),
    0,
    ("general", "business"),
)


@pytest.mark.parametrize("bound", [False, True], ids=["values", "bind-params"])
def test_sql_call_next_takes_only_its_own_sites_tickets(sqlite_hall: Hall, bound: bool) -> None:
    """The hall's two waiting tickets are window 1's to call — and nothing at all for another site."""
    assert _sql_order(sqlite_hall, TWO_WAITING, bound=bound) == ("general", "business")
    other_site = uuid.UUID("00000000-0000-4000-8000-000000000001")
    assert _sql_order(sqlite_hall, TWO_WAITING, bound=bound, site_id=other_site) == ()


@pytest.mark.parametrize("bound", [False, True], ids=["values", "bind-params"])
def test_sql_aged_tickets_lead_even_against_a_negative_category_rank(sqlite_hall: Hall, bound: bool) -> None:
    """The SQL twin of the test above: 'general' at rank -1, 'business' at 2; the business ticket
    waiting exactly 30 minutes is aged and comes first, one waiting 29 minutes comes after."""
    aged = Scenario(
        "negative rank, aged",
        (
            Tk("general", "general", "normal", NOW - MIN),
            Tk("business-30m", "business", "normal", NOW - 30 * MIN),
        ),
        0,
        ("business-30m", "general"),
    )
    ranks = {"general": -1, "business": 2}
    assert _sql_order(sqlite_hall, aged, bound=bound, ranks=ranks) == ("business-30m", "general")
    fresh = Scenario(
        "negative rank, not aged",
        (
            Tk("general", "general", "normal", NOW - MIN),
            Tk("business-29m", "business", "normal", NOW - 29 * MIN),
        ),
        0,
        ("general", "business-29m"),
    )
    assert _sql_order(sqlite_hall, fresh, bound=bound, ranks=ranks) == ("general", "business-29m")
