"""Schema upgrades of the hall database: back up, upgrade, refuse a newer schema."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from db.crypto import FieldCipher
from db.engine import sqlite_path

log = logging.getLogger("onewindow.db")

SITE_SCRIPTS = Path(__file__).parent / "migrations" / "site"


class SchemaTooNew(Exception):
    """The database was upgraded by a newer OneWindow; this one must not touch it."""


class UpgradeRefused(RuntimeError):
    """A migration that cannot run as things are (e.g. plain personal data and no keys given);
    the message says what to do. Nothing was changed: the upgrade is one transaction."""


def alembic_config(url: str, scripts: Path = SITE_SCRIPTS) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(scripts))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision(scripts: Path = SITE_SCRIPTS) -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://", scripts)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def private_file(path: Path) -> None:
    """Owner-only access (0600) to a file holding hall data; Windows relies on the profile's ACLs."""
    if os.name != "nt" and path.exists():
        os.chmod(path, 0o600)


def protect_sqlite_files(path: Path) -> None:
    """The hall file and its WAL/shm companions 0600 (SQLite gives new companions the file's mode)."""
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        private_file(p)


@contextlib.contextmanager
def sqlite_foreign_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite batch migrations copy, drop and rename tables; with foreign keys enforced, dropping a
    table that other rows reference fails. SQLite's own recipe: keys off (outside any transaction),
    migrate, `foreign_key_check` before commit, keys on again. Other engines: nothing to do."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw: Any = conn.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def check_foreign_keys(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            tables = ", ".join(sorted({str(r[0]) for r in broken}))
            raise UpgradeRefused(f"the upgrade would leave rows pointing nowhere in: {tables}")


def upgrade(
    engine: Engine,
    *,
    backup: bool = True,
    scripts: Path = SITE_SCRIPTS,
    field_cipher: FieldCipher | None = None,
) -> str | None:
    """Bring the database to the head revision. Returns the backup path written, if any.

    `field_cipher` lets migration 0004 encrypt personal fields stored in plain text.

    Raises SchemaTooNew when the database carries a revision this program does not know.
    """
    script = ScriptDirectory.from_config(alembic_config("sqlite://", scripts))
    head = script.get_current_head()
    current = current_revision(engine)
    db_file = sqlite_path(engine.url.render_as_string(hide_password=False))
    if db_file is not None:
        protect_sqlite_files(db_file)  # also for files an older version created 0644
    if current == head:
        return None
    if current is not None:
        known = {rev.revision for rev in script.walk_revisions()}
        if current not in known:
            raise SchemaTooNew(
                f"the hall database has schema revision {current}, newer than this OneWindow "
                f"(knows up to {head}); install the newer OneWindow version instead"
            )
    backup_path: str | None = None
    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if backup and path is not None and path.exists() and current is not None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        target = path.with_name(f"{path.name}.{current}.{stamp}.bak")
        n = 1
        while target.exists():  # a second attempt within the same second keeps the first copy
            n += 1
            target = path.with_name(f"{path.name}.{current}.{stamp}-{n}.bak")
        # The online backup API copies a consistent snapshot even with WAL pages outstanding.
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            import sqlite3

            # The copy holds everything the hall does: created 0600 before SQLite opens it.
            os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            dest = sqlite3.connect(target)
            try:
                raw.backup(dest)  # type: ignore[union-attr]
            finally:
                dest.close()
            private_file(target)
        backup_path = str(target)
        log.info("backed up %s to %s before upgrading from %s", path, target, current)
    cfg = alembic_config(engine.url.render_as_string(hide_password=False), scripts)
    with engine.connect() as conn, sqlite_foreign_keys_off(conn), conn.begin():
        cfg.attributes["connection"] = conn
        cfg.attributes["field_cipher"] = field_cipher
        command.upgrade(cfg, "head")
        check_foreign_keys(conn)
    log.info("hall database upgraded %s → %s", current, head)
    return backup_path
