"""Migrated databases for test fixtures: every migration runs once per test session, each test's
new database is a copy of that one.

Running the whole Alembic chain costs about 0.25 s per new SQLite file and 0.7 s per PostgreSQL
database, and most tests only need a hall at head. `migrate(engine)` stands in for
`db.migrate.upgrade(engine, backup=False)` on a database a fixture has just made: a SQLite file
that does not exist yet starts as a copy of the session's migrated file; an empty `ow_test_…`
PostgreSQL database (`pg_url`) is re-created from the session's migrated template database
(`CREATE DATABASE … TEMPLATE`). `db.migrate.upgrade` then runs on it as before and finds it at
head (its revision, newer-schema and file-mode checks still run). Anything else — an existing
file, a database with tables, another name — goes through the full upgrade.

The upgrade path itself is not shortened anywhere: tests/db/test_migrations.py (and the other
migration tests) upgrade from empty and from each older revision on databases they make
themselves, and the program's own start-up (`app.context.open_database`, `main.py db upgrade`)
migrates whatever database it is given.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.crypto import FieldCipher
from db.engine import make_engine, sqlite_path
from db.migrate import SITE_SCRIPTS, current_revision, head_revision, upgrade

PG_ENV = "ONEWINDOW_TEST_PG_URL"
SCRATCH_PREFIX = "ow_test_"  # tests/conftest.py scratch_pg_database

_dir: tempfile.TemporaryDirectory[str] | None = None
_sqlite_template: Path | None = None
_pg_template: str | None = None


def migrate(engine: Engine, *, backup: bool = False, field_cipher: FieldCipher | None = None) -> None:
    """`db.migrate.upgrade(engine, backup=…)` for a fixture's new database, from the session's
    migrated copy when the database is new (see the module's docstring)."""
    url = engine.url.render_as_string(hide_password=False)
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            shutil.copyfile(_sqlite(), path)
    elif engine.dialect.name == "postgresql":
        _pg_from_template(engine)
    upgrade(engine, backup=backup, field_cipher=field_cipher)


def _sqlite() -> Path:
    global _dir, _sqlite_template
    if _sqlite_template is None:
        _dir = tempfile.TemporaryDirectory(prefix="ow-migrated-")
        path = Path(_dir.name) / "hall.db"
        engine = make_engine(f"sqlite:///{path}")
        try:
            upgrade(engine, backup=False)
            assert current_revision(engine) == head_revision()
        finally:
            engine.dispose()
        # A connection the pool let go may still hold the WAL open (and its pages) until the
        # collector closes it: the template is a backup-API copy, complete without any -wal file.
        template = Path(_dir.name) / "template.db"
        source = sqlite3.connect(path)
        target = sqlite3.connect(template)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        path = template
        _sqlite_template = path
    return _sqlite_template


def _admin() -> Engine | None:
    admin_url = os.environ.get(PG_ENV, "")
    if not admin_url:
        return None
    return sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", hide_parameters=True)


def _pg_from_template(engine: Engine) -> None:
    """Re-create the empty scratch database `engine` points at from the migrated template."""
    name = engine.url.database or ""
    if not name.startswith(SCRATCH_PREFIX):
        return
    with engine.connect() as conn:
        tables = conn.execute(
            sa.text("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')")
        ).scalar_one()
    if tables:
        return  # not new: the full upgrade decides what to do
    admin = _admin()
    if admin is None:
        return
    engine.dispose()
    try:
        template = _pg(admin)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    finally:
        admin.dispose()


def _pg(admin: Engine) -> str:
    global _pg_template
    if _pg_template is None:
        name = f"{SCRATCH_PREFIX}template_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        _pg_template = name  # dropped by drop_templates() even if the upgrade fails
        engine = make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
        try:
            upgrade(engine, backup=False, scripts=SITE_SCRIPTS)
            assert current_revision(engine) == head_revision()
        finally:
            engine.dispose()
    return _pg_template


def drop_templates() -> None:
    """At the session's end: the PostgreSQL template database and the SQLite file go."""
    global _dir, _sqlite_template, _pg_template
    if _pg_template is not None:
        admin = _admin()
        if admin is not None:
            try:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{_pg_template}" WITH (FORCE)'))
            finally:
                admin.dispose()
        _pg_template = None
    if _dir is not None:
        _dir.cleanup()
        _dir = None
        _sqlite_template = None
