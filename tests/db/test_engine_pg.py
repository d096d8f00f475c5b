"""Hall engines on PostgreSQL: dead pooled connections are replaced; busy ones are not pinged."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from db import engine as db_engine
from tests.pg_wait import wait_backends_gone


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(admin_url: str, pid: int) -> None:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            assert c.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar_one()
            wait_backends_gone(c, pid=pid)  # the backend exits a moment after the signal
    finally:
        admin.dispose()


def _engine(url: str, monkeypatch: pytest.MonkeyPatch, ping_after_idle: float) -> sa.Engine:
    monkeypatch.setattr(db_engine, "PG_PING_AFTER_IDLE", ping_after_idle)
    return db_engine.make_engine(url, pool_size=1, max_overflow=0)


@pytest.mark.postgres
def test_idle_connection_killed_by_the_server_is_replaced_before_use(
    pg_url: str, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(pg_url, monkeypatch, 0.2)
    try:
        first = _backend_pid(engine)
        _terminate(pg_admin_url, first)  # e.g. the server restarted while the hall was quiet
        time.sleep(0.3)
        assert _backend_pid(engine) != first  # pinged, found dead, replaced: no error reaches the caller
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_connection_in_steady_use_is_not_pinged(
    pg_url: str, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = _engine(pg_url, monkeypatch, 60.0)
    try:
        first = _backend_pid(engine)
        _terminate(pg_admin_url, first)
        # used again at once: no ping round trip, so this one statement meets the dead connection...
        with pytest.raises(sa.exc.OperationalError), engine.connect() as c:
            c.execute(sa.text("SELECT 1"))
        # ...and the pool has dropped it: the next use gets a new one
        assert _backend_pid(engine) != first
    finally:
        engine.dispose()
