"""Sync fixtures, and the suite-wide outbox guard.

The guard records every SQLite database file any test of the run opens (and which tests opened
it) and, when the run ends, checks each one that has a sync_outbox table with db.sync.guard: a
synced row written without db/outbox.py (by any module or test, however written) fails the run
with the tests and rows named. It is active whenever tests/sync is collected, i.e. in CI.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

from db.sync.central import drop_site_role, init_central
from tests.sync.helpers import SiteHandle, new_site

_SQLITE_FILES: dict[str, set[str]] = {}  # file → the tests that opened it


def _remember_sqlite(dbapi_conn: Any, _record: Any) -> None:
    current = os.environ.get("PYTEST_CURRENT_TEST")
    if current and isinstance(dbapi_conn, sqlite3.Connection):
        for _seq, name, file in dbapi_conn.execute("PRAGMA database_list").fetchall():
            if name == "main" and file:
                _SQLITE_FILES.setdefault(file, set()).add(current.rsplit(" (", 1)[0])


event.listen(Pool, "connect", _remember_sqlite)


def forget_sqlite_file(path: Path) -> None:
    """For a test that breaks the invariant on purpose."""
    _SQLITE_FILES.pop(str(path), None)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    import sqlalchemy as sa

    from db.sync.guard import find_unrecorded_writes

    failures: list[str] = []
    skipped: list[str] = []
    if os.environ.get("ONEWINDOW_OUTBOX_GUARD") == "off":  # emergency switch; never set in CI
        return
    for file, tests in sorted(_SQLITE_FILES.items()):
        if not Path(file).exists():
            continue
        try:
            with closing(sqlite3.connect(file)) as raw:
                has = raw.execute("SELECT 1 FROM sqlite_master WHERE name = 'sync_outbox'").fetchone()
        except sqlite3.Error as exc:  # e.g. a deliberately corrupt file from a bad-input test
            skipped.append(f"{file}: {exc}")
            continue
        if not has:
            continue
        engine = sa.create_engine(f"sqlite:///{file}")
        try:
            with engine.connect() as conn:
                failures += [f"{', '.join(sorted(tests))}: {p}" for p in find_unrecorded_writes(conn)]
        except sa.exc.SQLAlchemyError as exc:
            # A file another test left half-built or at an older schema on purpose: not a bypass.
            skipped.append(f"{file}: {str(exc).splitlines()[0]}")
        finally:
            engine.dispose()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if skipped and reporter is not None:
        reporter.write_line(f"outbox guard: {len(skipped)} file(s) could not be read and were skipped")
    if failures:
        text = "synced tables written without db/outbox.py:\n  " + "\n  ".join(failures[:50])
        if reporter is not None:
            reporter.write_sep("=", "outbox guard FAILED", red=True)
            reporter.write_line(text)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def central_url(pg_url: str) -> str:
    """Admin URL of a fresh central database with the central schema."""
    init_central(pg_url)
    return pg_url


@pytest.fixture
def make_site(central_url: str, tmp_path: Path) -> Iterator[Callable[[str], SiteHandle]]:
    """Create sites (SQLite hall + a real login role); roles are dropped on teardown."""
    sites: list[SiteHandle] = []

    def factory(code: str) -> SiteHandle:
        site = new_site(central_url, tmp_path, code)
        sites.append(site)
        return site

    yield factory
    for site in sites:
        site.close()
        drop_site_role(central_url, site.account.role)
