"""PostgreSQL call-next / finish as database functions (app.queue.pgfunc) against the general path on SQLite."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import sqlalchemy as sa

from app.queue import pgfunc
from app.queue.policy import QueuePolicy
from app.queue.types import TicketInfo
from db.models import HallEvent
from db.sync.guard import find_unrecorded_writes
from tests.pg_wait import wait_backends_gone
from tests.queue.conftest import Hall, make_hall

# Window 1 prefers A then B, window 2 serves only B and C, window 3 serves C first then A.
LINKS = {1: {"general": 1, "business": 2}, 2: {"business": 1, "estate": 1}, 3: {"estate": 1, "general": 2}}
POLICY = QueuePolicy(priority_burst=2, max_wait_minutes=20)


def _as_stored(info: TicketInfo) -> TicketInfo:
    """What the function returned must equal the row as read back (positions aside)."""
    return dataclasses.replace(info, people_ahead=None, estimated_wait_minutes=None)


def _run(hall: Hall, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], dict[str, int]]:
    svc = hall.service(POLICY)
    used = {"call_next": 0, "finish": 0}
    for name in used:
        real = getattr(pgfunc, name)

        def counting(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            m = _real(*args, **kwargs)
            used[_name] += m is not None
            return m

        monkeypatch.setattr(pgfunc, name, counting)
    for i in range(18):
        svc.issue("ABC"[i % 3], priority=i % 5 == 0)
        hall.clock.advance(minutes=1)
    svc.open_window(2, staff_id=None)
    seen: list[Any] = []
    for rnd in range(9):
        for w in (1, 2, 3):
            r = svc.call_next(w)
            seen.append((w, r.ticket.number if r else None, r.ticket.status if r else None))
            if r is not None:
                assert _as_stored(r.ticket) == _as_stored(svc.ticket(r.ticket.number))
            if r is not None and w == 1 and rnd % 3 == 1:  # sent to window 3, which calls it first
                seen.append((w, svc.transfer(w, to_window=3).target_window_number))
            elif r is not None and (rnd + w) % 4:
                done = svc.finish(w, outcome="done", case_numbers=[f"C{rnd}{w}"])
                assert _as_stored(done) == _as_stored(svc.ticket(done.number))
                seen.append((w, done.number, done.status, done.case_numbers, done.started_at is not None))
            elif r is not None:
                seen.append((w, svc.no_show(w).status))
        hall.clock.advance(minutes=7)  # tickets age past max_wait_minutes as the rounds go on
        if rnd % 3 == 0:
            svc.issue("B", priority=True)
    seen.append([(w.number, w.state, w.priority_streak) for w in svc.status().windows])
    return seen, used


@pytest.mark.postgres
def test_postgres_one_statement_path_calls_as_the_general_path(
    sqlite_url: str, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lite, pg = make_hall(sqlite_url, links=LINKS), make_hall(pg_url, links=LINKS)
    try:
        expected, _ = _run(lite, monkeypatch)
        got, used = _run(pg, monkeypatch)
        assert got == expected
        assert used["call_next"] >= 15 and used["finish"] >= 10  # the functions really ran
        with pg.engine.connect() as c:
            assert find_unrecorded_writes(c) == []
            ids = c.execute(sa.select(HallEvent.id).order_by(HallEvent.id)).scalars().all()
            kinds = c.execute(sa.select(HallEvent.kind).order_by(HallEvent.id)).scalars().all()
        assert len(ids) == len(set(ids)) and kinds.count("called") == sum(
            1 for s in got[:-1] if len(s) == 3 and s[1] is not None
        )
    finally:
        lite.engine.dispose()
        pg.engine.dispose()


@pytest.mark.postgres
def test_tickets_locked_by_other_windows_are_skipped_and_too_many_fall_back(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The function skips queue heads other windows are claiming; past its limit the general path decides."""
    hall = make_hall(pg_url)
    fast: list[Any] = []
    real = pgfunc.call_next
    monkeypatch.setattr(pgfunc, "call_next", lambda *a, **k: fast.append(real(*a, **k)) or fast[-1])
    try:
        svc = hall.service(QueuePolicy())
        issued = [svc.issue("A") for _ in range(24)]
        svc.open_window(1)  # the function leaves a window without its status row to the general path
        # 4 windows: the function looks at 16 heads a category and gives up after 16 locked ones
        for locked, expected in ((5, 5), (17, 17)):
            with hall.engine.connect() as other:  # windows claiming the oldest tickets right now
                other.execute(
                    sa.text("SELECT id FROM ticket WHERE id = ANY(:ids) FOR UPDATE"),
                    {"ids": [t.id for t in issued[:locked]]},
                )
                r = svc.call_next(1)
                assert r is not None and r.ticket.number == issued[expected].number
                other.rollback()
            svc.finish(1)
        assert fast[0] is not None  # 5 skipped: the function claimed the sixth itself
        assert fast[1] is None  # 17 locked: the function stopped; the general path claimed the 18th
    finally:
        hall.engine.dispose()


@pytest.mark.postgres
def test_a_connection_lost_mid_use_is_an_sqlalchemy_error_and_is_not_reused(
    pg_url: str, pg_admin_url: str
) -> None:
    hall = make_hall(pg_url)
    try:
        svc = hall.service(QueuePolicy())
        for _ in range(3):
            svc.issue("A")
        svc.open_window(1)
        svc.call_next(1)  # the pooled connection is now in steady use: no ping before the next call
        admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:  # the server drops the hall's connections (restart, network)
            c.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
                {"d": sa.engine.make_url(pg_url).database},
            )
            wait_backends_gone(c, database=sa.engine.make_url(pg_url).database)
        admin.dispose()
        with pytest.raises(sa.exc.OperationalError):
            svc.finish(1)
        done = svc.finish(1)  # a fresh connection: the ticket was not finished twice, nor lost
        assert done.status == "done" and done.number == "A001"
    finally:
        hall.engine.dispose()
