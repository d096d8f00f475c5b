"""Waiting for PostgreSQL backends to be gone after `pg_terminate_backend`, with a deadline.

`pg_terminate_backend` only signals the backend; it exits a moment later. Tests that need the
connection dead wait for that condition (the backend no longer in `pg_stat_activity`) instead of
sleeping a fixed time, which is flaky on a slow machine.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

DEADLINE_S = 30.0


def wait_backends_gone(
    admin: sa.Connection, *, pid: int | None = None, database: str | None = None, deadline_s: float = DEADLINE_S
) -> None:
    """Until no backend with `pid` (or, with `database`, no other backend on it) is left."""
    if pid is not None:
        query = sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :p").bindparams(p=pid)
    else:
        query = sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"
        ).bindparams(d=database)
    end = time.monotonic() + deadline_s
    while admin.execute(query).scalar_one():
        if time.monotonic() > end:
            raise AssertionError(f"PostgreSQL backends still alive after {deadline_s:g} s")
        time.sleep(0.01)
