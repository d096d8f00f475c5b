"""One account at one window at a time, clerks only at their assigned window; stale sessions of a
crashed PC expire — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from app import auth
from db.models import StaffSession
from tests.accounts.conftest import CLERK, MANAGER, PASSWORD, Hall

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


def _login(hall: Hall, user: str) -> auth.StaffInfo:
    with hall.sessions() as s:
        return auth.authenticate(s, user, PASSWORD, site_id=hall.site_id, terminal="t", now=NOW)


def _window(hall: Hall, number: int) -> auth.WindowInfo:
    with hall.sessions() as s:
        return next(w for w in auth.windows(s, hall.site_id) if w.number == number)


def _claim(hall: Hall, staff: auth.StaffInfo, number: int, terminal: str, at: dt.datetime = NOW) -> str:
    try:
        with hall.sessions() as s:
            auth.claim_window(s, staff, _window(hall, number), terminal=terminal, now=at)
    except auth.AuthError as exc:
        return str(exc)
    return "ok"


def test_clerk_only_at_the_assigned_window_managers_anywhere(any_hall: Hall) -> None:
    clerk, manager = _login(any_hall, CLERK), _login(any_hall, MANAGER)
    assert "只能登录分配给您的窗口" in _claim(any_hall, clerk, 2, "pc-1")
    with any_hall.sessions() as s:
        windows = auth.windows(s, any_hall.site_id)
    assert [w.number for w in auth.allowed_windows(clerk, windows)] == [1]
    assert len(auth.allowed_windows(manager, windows)) == len(windows)
    assert _claim(any_hall, clerk, 1, "pc-1") == "ok"
    assert _claim(any_hall, manager, 3, "pc-3") == "ok"


def test_second_log_in_elsewhere_says_where_the_first_is(any_hall: Hall) -> None:
    manager = _login(any_hall, MANAGER)
    assert _claim(any_hall, manager, 2, "counter@PC-A") == "ok"
    refused = _claim(any_hall, manager, 3, "counter@PC-B", NOW + dt.timedelta(minutes=1))
    assert "2号窗口" in refused and "counter@PC-A" in refused
    # The same PC at another window is a second window too.
    assert "counter@PC-A" in _claim(any_hall, manager, 3, "counter@PC-A", NOW + dt.timedelta(minutes=1))
    # The same PC at the same window takes its own session over (a restart after a crash).
    assert _claim(any_hall, manager, 2, "counter@PC-A", NOW + dt.timedelta(minutes=1)) == "ok"
    # A heartbeat keeps it alive; without one the session goes stale and another PC may take over.
    with any_hall.sessions() as s:
        assert auth.heartbeat(s, manager.id, "counter@PC-A", NOW + dt.timedelta(minutes=2))
    later = NOW + dt.timedelta(minutes=2) + auth.SESSION_TTL - dt.timedelta(seconds=1)
    assert "counter@PC-A" in _claim(any_hall, manager, 3, "counter@PC-B", later)
    stale = NOW + dt.timedelta(minutes=2) + auth.SESSION_TTL + dt.timedelta(seconds=1)
    assert _claim(any_hall, manager, 3, "counter@PC-B", stale) == "ok"
    with any_hall.sessions() as s:
        assert not auth.heartbeat(s, manager.id, "counter@PC-A")  # the old PC learns it was taken over
        auth.release_window(s, manager.id, "counter@PC-A")  # and cannot end the new one
        assert s.scalar(sa.select(StaffSession.terminal)) == "counter@PC-B"
        auth.release_window(s, manager.id, "counter@PC-B")
        assert s.scalar(sa.select(sa.func.count()).select_from(StaffSession)) == 0


@pytest.mark.postgres
def test_two_pcs_claiming_at_once_one_wins(pg_hall: Hall) -> None:
    """Row lock on PostgreSQL: with the first claim's transaction open, the second waits and then
    sees the first PC's session."""
    import threading

    manager = _login(pg_hall, MANAGER)
    results: dict[str, str] = {}

    def claim(terminal: str, number: int) -> None:
        results[terminal] = _claim(pg_hall, manager, number, terminal)

    threads = [threading.Thread(target=claim, args=(f"pc-{n}", n)) for n in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(r == "ok" for r in results.values()) == [False, False, True]
    with pg_hall.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(StaffSession)) == 1
