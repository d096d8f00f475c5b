"""Backups of the hall database: write, verify, keep a few, restore — without stopping the hall.

SQLite halls are copied with SQLite's online backup API in one step: one read transaction gives a
consistent snapshot, and in WAL mode a reader never blocks the counters' writes (a stepped copy
would restart every time a counter writes, and might never finish on a busy day). A PostgreSQL
hall is dumped with `pg_dump` when the tool is installed.

A backup is written under a `.partial-PID-…` name and renamed only after it has been verified
(integrity check, schema revision, site code), so a power cut or a killed process never leaves a
half file that looks like a backup. Files are 0600 in a 0700 folder: they hold personal data.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.settings import Settings, user_data_dir
from db.engine import sqlite_path

log = logging.getLogger("onewindow.backup")

SQLITE_MAGIC = b"SQLite format 3\x00"
_NAME = re.compile(
    r"^hall-(?P<site>[A-Za-z0-9_-]+)-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?\.(?P<ext>db|dump)$"
)
_PARTIAL = re.compile(r"^\.partial-(?P<pid>\d+)-")
DAY = dt.timedelta(days=1)


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupFile:
    path: Path
    site_code: str
    taken_at: dt.datetime  # local time, from the file name
    kind: str  # "sqlite" | "pg_dump"

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@dataclass(frozen=True)
class HallFacts:
    """What a SQLite file says about itself, read without changing it."""

    revision: str | None
    site_codes: tuple[str, ...]  # every site the file lists (a hall holds the district's list)
    owners: tuple[str, ...]  # the sites with windows or tickets in it: whose hall it is
    integrity: str  # "ok" or SQLite's first complaint


@dataclass(frozen=True)
class BackupResult:
    file: BackupFile
    seconds: float
    revision: str
    removed: tuple[Path, ...] = ()


@dataclass(frozen=True)
class RestorePlan:
    source: Path
    target: Path
    revision: str
    site_code: str
    dry_run: bool
    safety_copy: Path | None = None


# --- where and which ------------------------------------------------------------------------------


def backup_dir(settings: Settings) -> Path:
    return Path(settings.backup.directory) if settings.backup.directory else user_data_dir() / "backups"


def private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    if os.name != "nt":
        os.chmod(path, 0o700)
    return path


def list_backups(directory: Path, site_code: str | None = None) -> list[BackupFile]:
    """Finished backups, newest first. Partial files (a backup in progress or killed) never count."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        m = _NAME.match(path.name)
        if not m or not path.is_file() or (site_code is not None and m["site"] != site_code):
            continue
        taken = dt.datetime.strptime(m["stamp"], "%Y%m%d-%H%M%S")
        found.append(BackupFile(path, m["site"], taken, "sqlite" if m["ext"] == "db" else "pg_dump"))
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def latest_backup(settings: Settings) -> BackupFile | None:
    backups = list_backups(backup_dir(settings), settings.site.code)
    return backups[0] if backups else None


def backup_due(settings: Settings, now: dt.datetime | None = None) -> bool:
    last = latest_backup(settings)
    return last is None or (now or dt.datetime.now()) - last.taken_at >= DAY


def _target_name(directory: Path, site: str, ext: str, now: dt.datetime) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    target = directory / f"hall-{site}-{stamp}.{ext}"
    n = 1
    while target.exists():  # two backups within a second keep both
        n += 1
        target = directory / f"hall-{site}-{stamp}-{n}.{ext}"
    return target


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":
        return False  # no cheap check: a partial file left on Windows goes at the next backup
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_partials(directory: Path) -> list[Path]:
    """Partial files of backups whose process is gone (killed, power cut)."""
    removed = []
    if directory.is_dir():
        for path in directory.iterdir():
            m = _PARTIAL.match(path.name)
            if m and int(m["pid"]) != os.getpid() and not _pid_alive(int(m["pid"])):
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(path)
    return removed


# --- reading a hall file ----------------------------------------------------------------------------


def is_sqlite_file(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            return f.read(16) == SQLITE_MAGIC
    except OSError:
        return False


def hall_facts(path: Path) -> HallFacts:
    """Read revision, sites and owners of a SQLite hall file (read-only; raises BackupError)."""
    if not is_sqlite_file(path):
        raise BackupError(f"{path} is not a SQLite database (and so not a OneWindow hall database)")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open {path}: {exc}") from None
    try:
        integrity = str(con.execute("PRAGMA integrity_check").fetchone()[0])
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"alembic_version", "site", "window", "ticket"} <= tables:
            raise BackupError(f"{path} is a SQLite file but not a OneWindow hall database")
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        sites = tuple(r[0] for r in con.execute("SELECT code FROM site ORDER BY code"))
        owners = tuple(
            r[0]
            for r in con.execute(
                "SELECT code FROM site WHERE id IN (SELECT site_id FROM window UNION SELECT site_id FROM ticket) "
                "ORDER BY code"
            )
        )
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as a hall database: {exc}") from None
    finally:
        con.close()
    return HallFacts(row[0] if row else None, sites, owners, integrity)


def check_site(facts: HallFacts, site_code: str, what: str) -> None:
    """Refuse a hall file of another site (the district's site list is in every hall: the owner
    is the site whose windows or tickets the file holds)."""
    if site_code not in facts.site_codes:
        raise BackupError(
            f"{what} does not know site {site_code!r} (sites there: {', '.join(facts.site_codes) or 'none'})"
        )
    if facts.owners and site_code not in facts.owners:
        raise BackupError(
            f"{what} is the hall database of site {', '.join(facts.owners)}, not of this site {site_code!r}"
        )


# --- writing a backup -----------------------------------------------------------------------------


def _partial(directory: Path, final: Path) -> Path:
    path = directory / f".partial-{os.getpid()}-{final.name}"
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    return path


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy a live SQLite hall into `target` in one read transaction (see the module note)."""
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        dest = sqlite3.connect(target)
        try:
            src.backup(dest)  # pages=-1: all in one step, a consistent snapshot
            dest.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        finally:
            dest.close()
    finally:
        src.close()


def verify_sqlite_backup(path: Path, site_code: str, head: str | None = None) -> str:
    facts = hall_facts(path)
    if facts.integrity != "ok":
        raise BackupError(f"the backup {path.name} failed its integrity check: {facts.integrity}")
    if facts.revision is None or (head is not None and facts.revision != head):
        raise BackupError(f"the backup {path.name} has schema revision {facts.revision}, expected {head}")
    check_site(facts, site_code, f"the backup {path.name}")
    return facts.revision


def _pg_env_and_url(url: str) -> tuple[dict[str, str], str]:
    """pg_dump wants a libpq URL; the password goes in the environment, never in argv."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return env, plain.render_as_string(hide_password=False)


def backup_postgres(url: str, target: Path, *, tool: str = "pg_dump") -> None:
    exe = shutil.which(tool)
    if exe is None:
        raise BackupError(
            "pg_dump is not installed: install the PostgreSQL client (apt-get install postgresql-client) "
            "or back up the hall server with the server's own tools"
        )
    env, plain = _pg_env_and_url(url)
    done = subprocess.run(
        [exe, "--format=custom", "--no-owner", f"--file={target}", "--dbname", plain],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {(done.stderr.strip().splitlines() or ['no message'])[-1]}")


def verify_pg_dump(path: Path, site_code: str) -> str:
    """A dump is checked by reading it back with pg_restore: the schema revision and the site list."""
    exe = shutil.which("pg_restore")
    if exe is None:
        raise BackupError(
            "pg_restore is not installed: cannot check the dump (apt-get install postgresql-client)"
        )
    done = subprocess.run(
        [exe, "--data-only", "--table=alembic_version", "--table=site", "--file=-", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"the dump {path.name} cannot be read back: {done.stderr.strip()[:200]}")
    revision = re.search(r"COPY public\.alembic_version .*?;\n(\S+)", done.stdout)
    if revision is None:
        raise BackupError(f"the dump {path.name} has no schema revision: not a hall database")
    if site_code not in _copied_column(done.stdout, "site", "code"):
        raise BackupError(f"the dump {path.name} does not list site {site_code!r}")
    return revision.group(1)


def _copied_column(dump: str, table: str, column: str) -> set[str]:
    """The values of one column in a table's COPY block of pg_restore's plain output."""
    m = re.search(
        rf"^COPY public\.{table} \((?P<cols>[^)]*)\) FROM stdin;\n(?P<rows>.*?)^\\\.$", dump, re.M | re.S
    )
    if m is None:
        return set()
    columns = [c.strip().strip('"') for c in m["cols"].split(",")]
    if column not in columns:
        return set()
    at = columns.index(column)
    return {row.split("\t")[at] for row in m["rows"].splitlines() if row.count("\t") >= at}


def run_backup(
    settings: Settings,
    *,
    now: dt.datetime | None = None,
    prune: bool = True,
    on_partial: Callable[[Path], None] | None = None,
) -> BackupResult:
    """Back up the hall database, verify the copy, then apply retention. Raises BackupError."""
    from db.migrate import head_revision

    directory = private_dir(backup_dir(settings))
    remove_stale_partials(directory)
    now = now or dt.datetime.now()
    site = settings.site.code
    url = settings.hall_db_url
    source = sqlite_path(url)
    started = time.perf_counter()
    kind = "sqlite" if source is not None else "pg_dump"
    final = _target_name(directory, site, "db" if source is not None else "dump", now)
    partial = _partial(directory, final)
    try:
        if on_partial is not None:
            on_partial(partial)  # tests: the moment a kill leaves a half file
        if source is not None:
            if not source.is_file():
                raise BackupError(f"the hall database {source} does not exist")
            backup_sqlite(source, partial)
            revision = verify_sqlite_backup(partial, site, head_revision())
        else:
            backup_postgres(url, partial)
            revision = verify_pg_dump(partial, site)
        if os.name != "nt":
            os.chmod(partial, 0o600)
        _fsync(partial)
        os.replace(partial, final)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    seconds = time.perf_counter() - started
    removed: tuple[Path, ...] = ()
    if prune:
        removed = tuple(
            apply_retention(directory, site, settings.backup.keep_daily, settings.backup.keep_weekly)
        )
    log.info("hall database backed up to %s in %.1f s (revision %s)", final, seconds, revision)
    return BackupResult(BackupFile(final, site, now.replace(microsecond=0), kind), seconds, revision, removed)


# --- retention -------------------------------------------------------------------------------------


def retained(backups: list[BackupFile], keep_daily: int, keep_weekly: int) -> set[Path]:
    """The newest backup of each of the last `keep_daily` days that have one, then the newest of
    each of the `keep_weekly` ISO weeks before those days."""
    keep: set[Path] = set()
    days: list[dt.date] = []
    for b in sorted(backups, key=lambda b: b.taken_at, reverse=True):
        day = b.taken_at.date()
        if day in days:
            continue
        if len(days) < keep_daily:
            days.append(day)
            keep.add(b.path)
    oldest_daily = min(days) if days else None
    weeks: list[tuple[int, int]] = []
    for b in sorted(backups, key=lambda b: b.taken_at, reverse=True):
        if oldest_daily is not None and b.taken_at.date() >= oldest_daily:
            continue
        week = tuple(b.taken_at.isocalendar())[:2]
        if week in weeks or len(weeks) >= keep_weekly:
            continue
        weeks.append((week[0], week[1]))
        keep.add(b.path)
    return keep


def apply_retention(directory: Path, site_code: str, keep_daily: int, keep_weekly: int) -> list[Path]:
    backups = list_backups(directory, site_code)
    keep = retained(backups, keep_daily, keep_weekly)
    removed = []
    for b in backups:
        if b.path not in keep:
            with contextlib.suppress(OSError):
                b.path.unlink()
                removed.append(b.path)
    return removed


# --- the hall's daily backup -------------------------------------------------------------------------


def start_daily_backup(settings: Settings, now: dt.datetime | None = None) -> threading.Thread | None:
    """At hall start-up: when the last backup is older than a day, take one on a background
    thread (returned, already started). It never blocks the caller; failures go to the log."""
    if not settings.backup.automatic:
        return None
    try:
        if not backup_due(settings, now):
            return None
    except OSError as exc:
        log.warning("cannot look at the backups folder: %s", exc)
        return None

    def run() -> None:
        try:
            run_backup(settings)
        except (BackupError, OSError, sqlite3.Error) as exc:
            log.error("the daily backup failed: %s (run `main.py doctor`)", exc)
        except Exception:  # a bug must not end silently either
            log.exception("the daily backup failed")

    thread = threading.Thread(target=run, name="daily-backup", daemon=True)
    thread.start()
    return thread


# --- restore -----------------------------------------------------------------------------------------


def plan_restore(settings: Settings, source: Path, *, dry_run: bool) -> RestorePlan:
    """Check that `source` is a sound hall database of this site that this program can run."""
    from db.migrate import SITE_SCRIPTS, alembic_config

    target = sqlite_path(settings.hall_db_url)
    if target is None:
        raise BackupError(
            "this site's hall database is on PostgreSQL: restore a dump with the server's pg_restore "
            "(pg_restore --clean --dbname URL FILE), then run `main.py doctor`"
        )
    if not source.is_file():
        raise BackupError(f"{source} does not exist or is not a file")
    facts = hall_facts(source)
    if facts.integrity != "ok":
        raise BackupError(f"{source} is damaged (integrity check: {facts.integrity}); choose another backup")
    from alembic.script import ScriptDirectory

    known = {
        r.revision
        for r in ScriptDirectory.from_config(alembic_config("sqlite://", SITE_SCRIPTS)).walk_revisions()
    }
    if facts.revision not in known:
        raise BackupError(
            f"{source} has schema revision {facts.revision}, unknown to this OneWindow (a newer version wrote it)"
        )
    check_site(facts, settings.site.code, str(source))
    return RestorePlan(source, target, str(facts.revision), settings.site.code, dry_run)


def restore(settings: Settings, source: Path, *, dry_run: bool = False) -> RestorePlan:
    """Replace the hall database's content with `source`, after a safety backup of the current one.

    The copy goes through SQLite's backup API into the hall file, so the WAL and locks stay
    consistent; the hall programs should be closed (their next query sees the restored data).
    """
    plan = plan_restore(settings, source, dry_run=dry_run)
    if dry_run:
        return plan
    safety = None
    if plan.target.is_file() and is_sqlite_file(plan.target):
        directory = private_dir(backup_dir(settings))
        safety = _target_name(directory, "pre-restore", "db", dt.datetime.now())
        os.close(os.open(safety, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        backup_sqlite(plan.target, safety)
    private_dir(plan.target.parent)
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(plan.target, timeout=30)
        try:
            src.backup(dest)
        finally:
            dest.close()
    finally:
        src.close()
    from db.migrate import protect_sqlite_files

    protect_sqlite_files(plan.target)
    log.info("hall database %s restored from %s (safety copy %s)", plan.target, source, safety)
    return dataclasses.replace(plan, safety_copy=safety)
