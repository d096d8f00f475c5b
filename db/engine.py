"""Engines and sessions for the hall database (SQLite file or PostgreSQL)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger("onewindow.db")

# Execution option that makes a SQLite transaction take the write lock at BEGIN, so a
# choose-then-claim sequence cannot interleave with another writer.
SQLITE_IMMEDIATE = {"sqlite_begin": "IMMEDIATE"}

# WAL checkpoints run off the hot path: a background thread per file engine checkpoints
# (PASSIVE: never blocks a writer) shortly after writes; the auto-checkpoint that a committing
# writer would otherwise run inside its COMMIT every 1,000 pages is only a backstop at 20,000 pages
# (~80 MB of WAL), should the thread fall behind.
SQLITE_AUTOCHECKPOINT_PAGES = 20_000
SQLITE_CHECKPOINT_INTERVAL = 0.25

# A pooled PostgreSQL connection idle longer than this is pinged before use (a server restart or a
# dropped network leaves dead connections in the pool). One kept busy is not: a ping on every
# checkout is a round trip per transaction, which at a busy hall was a fifth of the queue's cost.
PG_PING_AFTER_IDLE = 1.0


def normalise_url(url: str) -> str:
    """Accept postgresql:// and postgres:// and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def sqlite_path(url: str) -> Path | None:
    u = sa.engine.make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def make_engine(url: str, **kwargs: Any) -> Engine:
    # Statement errors would otherwise quote their bound values ([parameters: …]) into exception
    # texts and so into logs: ID numbers, names, phones. Every engine of the program comes from here.
    kwargs.setdefault("hide_parameters", True)
    url = normalise_url(url)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        _start_checkpointer(engine, path)
        return engine
    if "pool_pre_ping" in kwargs:
        return sa.create_engine(url, **kwargs)
    engine = sa.create_engine(url, **kwargs)
    _ping_when_idle(engine, PG_PING_AFTER_IDLE)
    return engine


def _ping_when_idle(engine: Engine, idle: float) -> None:
    """Pessimistic disconnect handling, only for connections that sat idle in the pool."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("checked_in_at")
        if since is None or time.monotonic() - since < idle:
            return  # new, or just used
        try:
            dbapi_conn.execute("SELECT 1")
            dbapi_conn.rollback()
        except Exception as exc:  # any failure: the pool drops this connection and tries another
            log.info("pooled database connection was dead (%s); reconnecting", exc)
            raise sa.exc.DisconnectionError() from exc


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred and late).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT_PAGES}")
        # Freed pages are zeroed: an updated or deleted row's old personal data (a plain ID number
        # from before encryption, an expired draft) must not linger in the file.
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def _start_checkpointer(engine: Engine, path: Path) -> None:
    """Checkpoint the WAL from a daemon thread while the engine lives (until dispose() or GC)."""
    stop = threading.Event()
    ref = weakref.ref(engine)
    wal = Path(str(path) + "-wal")

    def run() -> None:
        last: tuple[int, int] | None = None
        while not stop.wait(SQLITE_CHECKPOINT_INTERVAL):
            if ref() is None:
                return
            try:
                st = wal.stat()
            except OSError:
                continue  # no WAL yet (or the file is gone): nothing to do
            mark = (st.st_mtime_ns, st.st_size)
            if mark == last:
                continue  # no commit since the last checkpoint
            last = mark
            try:
                # mode=rw: never create a database file that was deleted meanwhile.
                con = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=1.0)
                try:
                    con.execute("PRAGMA wal_checkpoint(PASSIVE)")
                finally:
                    con.close()
            except sqlite3.Error as exc:
                log.debug("background WAL checkpoint of %s skipped: %s", path, exc)

    threading.Thread(target=run, name=f"sqlite-checkpoint:{path.name}", daemon=True).start()

    @event.listens_for(engine, "engine_disposed")
    def _on_dispose(_engine: Engine) -> None:
        stop.set()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
