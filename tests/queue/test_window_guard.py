"""Two connections racing on one window, made deterministic; the database's window guards.

Connection 1 (a hall PC in the middle of its own transaction) locks window 1 and puts A002 on it;
meanwhile the service, on another connection, starts an operation on window 1 that must see that
ticket once connection 1 commits. On PostgreSQL the test waits until the service's statement is
really blocked on a lock before committing (that is the race: a snapshot taken before the wait);
on SQLite the service waits for the write lock. Either way the outcome must be the typed refusal.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.queue import errors
from app.queue.service import QueueService, guard_refusal
from db import outbox
from db.engine import SQLITE_IMMEDIATE, make_engine
from db.models import Ticket, WindowStatus
from tests.queue.conftest import Hall, make_hall

T = Ticket.__table__
WS = WindowStatus.__table__


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_hall(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Hall]:
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else sqlite_url
    h = make_hall(url)
    yield h
    h.engine.dispose()


class Holder:
    """Connection 1: its own engine and one open transaction."""

    def __init__(self, hall: Hall) -> None:
        self.engine = make_engine(hall.engine.url.render_as_string(hide_password=False))
        self.pg = self.engine.dialect.name == "postgresql"
        self.session = Session(self.engine)
        if not self.pg:
            self.session.connection(execution_options=SQLITE_IMMEDIATE)
        self.hall = hall

    def pid(self) -> int:
        return int(self.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())

    def lock_window(self, number: int) -> None:
        stmt = sa.select(WS.c.id).where(WS.c.window_id == self.hall.seeded.window_ids[number])
        self.session.execute(stmt.with_for_update() if self.pg else stmt).one()

    def call_at(self, number: str, window: int) -> None:
        """What another PC's call does to the ticket (with its outbox snapshot)."""
        row = self.session.execute(
            sa.update(T)
            .where(T.c.number == number)
            .values(
                status="called",
                window_id=self.hall.seeded.window_ids[window],
                called_at=self.hall.clock(),
                row_version=T.c.row_version + 1,
            )
            .returning(*T.c)
        ).one()
        outbox.record(self.session, "ticket", row._mapping)

    def end(self, commit: bool = True) -> None:
        if commit:
            self.session.commit()
        else:
            self.session.rollback()
        self.session.close()
        self.engine.dispose()


def wait_until_blocked(hall: Hall, holder_pid: int, timeout: float = 20.0) -> bool:
    """PostgreSQL: True once some other backend waits for a lock the holder has."""
    deadline = time.monotonic() + timeout
    with hall.engine.connect() as conn:
        while time.monotonic() < deadline:
            n = conn.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY (pg_blocking_pids(pid))"),
                {"pid": holder_pid},
            ).scalar_one()
            if n:
                return True
            conn.rollback()
            time.sleep(0.01)
    return False


def race(hall: Hall, op: Callable[[QueueService], Any], holder_action: Callable[[Holder], None]) -> Any:
    """Run `op` on the service while connection 1 holds window 1; the result or the exception."""
    svc = hall.service()
    holder = Holder(hall)
    pid = holder.pid() if holder.pg else 0
    holder.lock_window(1)
    holder_action(holder)
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(op(svc))
        except Exception as exc:
            outcome.append(exc)

    t = threading.Thread(target=run)
    t.start()
    if holder.pg:
        # If the machine is too slow for the operation to reach the lock, the commit comes first
        # and the outcome must be the same; the race is only less sharp.
        wait_until_blocked(hall, pid)
    else:
        time.sleep(0.2)  # the service waits for SQLite's write lock (busy timeout)
    holder.end()
    t.join(timeout=60)
    assert not t.is_alive()
    return outcome[0]


def setup_day(hall: Hall) -> QueueService:
    """A001 held (taken at window 2), A002 and A003 waiting, window 1 open and free."""
    svc = hall.service()
    for _ in range(3):
        svc.issue("A")
    assert svc.call_next(2) is not None
    svc.hold(2)
    svc.open_window(1)
    return svc


OPERATIONS: dict[str, Callable[[Hall], Callable[[QueueService], Any]]] = {
    "call_ticket": lambda h: lambda s: s.call_ticket(1, "A003", manager_id=h.seeded.manager_id),
    "resume": lambda h: lambda s: s.resume(1, "A001"),
    "pause": lambda h: lambda s: s.pause_window(1, "午休"),
    "close": lambda h: lambda s: s.close_window(1),
    "call_next": lambda h: lambda s: s.call_next(1),
}


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_operation_sees_ticket_put_on_window_while_it_waited(any_hall: Hall, name: str) -> None:
    svc = setup_day(any_hall)
    result = race(any_hall, OPERATIONS[name](any_hall), lambda h: h.call_at("A002", 1))
    assert isinstance(result, errors.WindowBusy), result
    # refused by the service's own check, read after the lock; not by a database guard (backstop)
    assert result.__cause__ is None, result.__cause__
    state = svc.window_state(1)
    assert state.state == "open"
    assert state.current is not None and state.current.number == "A002"
    assert svc.ticket("A001").status == "held"
    assert svc.ticket("A003").status == "waiting"


def test_call_next_waits_for_a_ticket_another_window_released(any_hall: Hall) -> None:
    """The only waiting ticket is locked by a transaction that then rolls back: not "nobody waiting"."""
    svc = any_hall.service()
    svc.issue("A")
    holder = Holder(any_hall)
    pid = holder.pid() if holder.pg else 0
    lock = sa.select(T.c.id).where(T.c.number == "A001")
    holder.session.execute(lock.with_for_update() if holder.pg else lock).one()
    outcome: list[Any] = []
    t = threading.Thread(target=lambda: outcome.append(svc.call_next(3)))
    t.start()
    if holder.pg:
        assert wait_until_blocked(any_hall, pid, timeout=60)
    else:
        time.sleep(0.2)
    holder.end(commit=False)
    t.join(timeout=60)
    assert outcome and outcome[0] is not None and outcome[0].ticket.number == "A001"


def test_call_next_none_means_nobody_waiting(any_hall: Hall) -> None:
    svc = any_hall.service()
    assert svc.call_next(1) is None
    # the empty call did not open the window either
    assert svc.window_state(1).state == "closed"
    svc.issue("B")
    r = svc.call_next(1)
    assert r is not None and r.ticket.number == "B001"
    assert svc.window_state(1).state == "open"


def _guarded(hall: Hall, stmt: sa.Executable) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught, hall.engine.begin() as conn:
        conn.execute(stmt)
    return caught.value


def test_database_refuses_pausing_or_closing_a_serving_window(any_hall: Hall) -> None:
    svc = any_hall.service()
    svc.issue("A")
    svc.call_next(1)
    w1 = any_hall.seeded.window_ids[1]
    for state in ("paused", "closed"):
        exc = _guarded(any_hall, sa.update(WS).where(WS.c.window_id == w1).values(state=state))
        assert isinstance(guard_refusal(exc), errors.WindowBusy)
    svc.start(1)  # serving, not only called
    exc = _guarded(any_hall, sa.update(WS).where(WS.c.window_id == w1).values(state="paused"))
    assert isinstance(guard_refusal(exc), errors.WindowBusy)
    # a status row created closed for a window that is serving
    with any_hall.engine.begin() as conn:
        conn.execute(sa.delete(WS).where(WS.c.window_id == w1))
    exc = _guarded(
        any_hall,
        sa.insert(WS).values(
            id=uuid.uuid4(),
            site_id=any_hall.seeded.site_id,
            window_id=w1,
            state="closed",
            reason="",
            since=any_hall.clock(),
            priority_streak=0,
            row_version=1,
            updated_at=any_hall.clock(),
        ),
    )
    assert isinstance(guard_refusal(exc), errors.WindowBusy)
    assert svc.window_state(1).current is not None


def test_database_refuses_a_ticket_active_at_a_window_not_open(any_hall: Hall) -> None:
    svc = any_hall.service()
    svc.issue("A")
    svc.issue("A")
    svc.open_window(2)
    svc.pause_window(2, "培训")
    svc.open_window(3)
    svc.close_window(3)
    for window, refusal in ((2, errors.WindowPaused), (3, errors.WindowClosed)):
        for status in ("called", "serving"):
            exc = _guarded(
                any_hall,
                sa.update(T)
                .where(T.c.number == "A001")
                .values(status=status, window_id=any_hall.seeded.window_ids[window]),
            )
            assert isinstance(guard_refusal(exc), refusal)
    # the service's own refusals for the same requests are typed, and nothing changed
    with pytest.raises(errors.WindowPaused):
        svc.call_ticket(2, "A001", manager_id=any_hall.seeded.manager_id)
    with pytest.raises(errors.WindowPaused):
        svc.call_next(2)
    assert [t.number for t in svc.waiting()] == ["A001", "A002"]


def test_resume_on_paused_window_is_refused_and_on_closed_window_opens_it(any_hall: Hall) -> None:
    svc = any_hall.service()
    svc.issue("A")
    svc.call_next(1)
    svc.hold(1)
    svc.pause_window(1, "午休")
    with pytest.raises(errors.WindowPaused):
        svc.resume(1, "A001")
    svc.resume_window(1)
    svc.close_window(1)
    info = svc.resume(1, "A001")
    assert info.status == "serving"
    assert svc.window_state(1).state == "open"


def test_guard_refusal_ignores_other_integrity_errors() -> None:
    exc = IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed: ticket.number"))
    assert guard_refusal(exc) is None
