"""Backups and restore on real SQLite hall files (and pg_dump against the real PostgreSQL), including
a backup process killed with SIGKILL half-way and a restore of another site's file."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import backup
from app.backup import BackupError, BackupFile
from tests.deploy.conftest import SiteHall, make_site_hall, replace_section, site_settings

ROOT = Path(__file__).resolve().parents[2]


def ticket_count(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return int(con.execute("SELECT count(*) FROM window").fetchone()[0])
    finally:
        con.close()


def test_a_backup_is_verified_private_and_listed(site_hall: SiteHall) -> None:
    result = backup.run_backup(site_hall.settings)
    path = result.file.path
    assert path.parent == Path(site_hall.settings.backup.directory)
    assert path.name.startswith("hall-XB-") and path.suffix == ".db"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    facts = backup.hall_facts(path)
    assert facts.integrity == "ok" and facts.revision == result.revision and "XB" in facts.owners
    assert backup.list_backups(path.parent, "XB")[0].path == path
    assert not (path.parent / f"{path.name}-wal").exists()  # one self-contained file


def test_backup_while_a_counter_writes(site_hall: SiteHall) -> None:
    """WAL lets the counter write during the copy; the copy is a consistent snapshot."""
    assert site_hall.path is not None
    stop = threading.Event()
    written = []

    def counter() -> None:
        con = sqlite3.connect(site_hall.path, timeout=30)
        con.execute("PRAGMA journal_mode=WAL")
        n = 0
        while not stop.is_set() or n < 5:
            con.execute("UPDATE site SET phone = ? WHERE code = 'XB'", (str(n),))
            con.commit()
            n += 1
        written.append(n)
        con.close()

    writer = threading.Thread(target=counter)
    writer.start()
    try:
        result = backup.run_backup(site_hall.settings)
    finally:
        stop.set()
        writer.join()
    assert backup.hall_facts(result.file.path).integrity == "ok" and written[0] >= 5


def test_retention_keeps_7_daily_and_4_weekly(tmp_path: Path) -> None:
    start = dt.datetime(2026, 12, 7, 3, 0)
    files = [
        BackupFile(
            tmp_path / f"hall-XB-{(start - dt.timedelta(hours=12 * i)):%Y%m%d-%H%M%S}.db",
            "XB",
            start - dt.timedelta(hours=12 * i),
            "sqlite",
        )
        for i in range(120)  # two a day for 60 days
    ]
    keep = backup.retained(files, 7, 4)
    kept = sorted((f for f in files if f.path in keep), key=lambda f: f.taken_at, reverse=True)
    assert len(kept) == 11
    assert [f.taken_at.date() for f in kept[:7]] == [(start - dt.timedelta(days=d)).date() for d in range(7)]
    assert all(f.taken_at.hour == 15 or f.taken_at == start for f in kept[:7])  # the newest of each day
    weeks = [tuple(f.taken_at.isocalendar())[:2] for f in kept[7:]]
    assert len(set(weeks)) == 4 and all(f.taken_at < kept[6].taken_at for f in kept[7:])


def test_retention_removes_files_of_this_site_only(tmp_path: Path) -> None:
    for day in range(1, 21):
        (tmp_path / f"hall-XB-202611{day:02d}-020000.db").write_bytes(b"x")
    (tmp_path / "hall-NB-20261101-020000.db").write_bytes(b"x")
    (tmp_path / "notes.txt").write_text("keep me")
    removed = backup.apply_retention(tmp_path, "XB", 7, 1)
    assert len(removed) == 12
    assert len(backup.list_backups(tmp_path, "XB")) == 8
    assert (tmp_path / "hall-NB-20261101-020000.db").exists() and (tmp_path / "notes.txt").exists()


KILLED_BACKUP = textwrap.dedent(
    """
    import os, shutil, sys, time
    from pathlib import Path
    from app import backup
    from tests.deploy.conftest import site_settings

    settings = site_settings(sys.argv[1], Path(sys.argv[2]))
    source = Path(sys.argv[3])

    def half_written(partial):
        # what a copy interrupted half-way leaves: the first half of the database's pages
        data = source.read_bytes()
        partial.write_bytes(data[: len(data) // 2])
        print("PARTIAL", partial, flush=True)
        time.sleep(600)  # killed here

    backup.run_backup(settings, on_partial=half_written)
    """
)


def test_a_backup_killed_half_way_leaves_no_backup(site_hall: SiteHall) -> None:
    assert site_hall.path is not None
    backups = Path(site_hall.settings.backup.directory)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_BACKUP, site_hall.url, str(backups), str(site_hall.path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("PARTIAL"), line
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
        if proc.stdout is not None:
            proc.stdout.close()
    partial = Path(line.split(" ", 1)[1].strip())
    assert partial.exists() and partial.stat().st_size > 0  # the half file is there…
    assert backup.list_backups(backups) == []  # …but it is not a backup
    assert backup.latest_backup(site_hall.settings) is None
    result = backup.run_backup(site_hall.settings)  # the next backup clears it away
    assert not partial.exists()
    assert [b.path for b in backup.list_backups(backups)] == [result.file.path]


def test_a_failed_verification_leaves_nothing(site_hall: SiteHall) -> None:
    settings = replace_section(site_hall.settings, "site", code="NB")  # the hall has no such site
    with pytest.raises(BackupError, match="does not know site 'NB'"):
        backup.run_backup(settings)
    assert list(Path(settings.backup.directory).iterdir()) == []


def test_restore_refuses_another_sites_backup(tmp_path: Path, site_hall: SiteHall) -> None:
    # Both halls list both sites (the district's site list); each owns its windows and tickets.
    other = make_site_hall(f"sqlite:///{tmp_path / 'other.db'}", tmp_path / "other-backups", code="NB")
    engine = sa.create_engine(other.url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO site (id, code, name, kind, office_name, address, phone, timezone) "
                "VALUES (:id, 'XB', 'x', 'township', '', '', '', 'Asia/Shanghai')"
            ),
            {"id": "0" * 32},
        )
    engine.dispose()
    theirs = backup.run_backup(other.settings).file.path
    with pytest.raises(BackupError, match="hall database of site NB, not of this site 'XB'"):
        backup.restore(site_hall.settings, theirs, dry_run=True)
    with pytest.raises(BackupError, match="not of this site"):
        backup.restore(site_hall.settings, theirs)


def test_restore_refuses_files_that_are_no_hall(tmp_path: Path, site_hall: SiteHall) -> None:
    text = tmp_path / "notes.db"
    text.write_text("hello")
    with pytest.raises(BackupError, match="not a SQLite database"):
        backup.restore(site_hall.settings, text)
    other = tmp_path / "other.sqlite"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.close()
    with pytest.raises(BackupError, match="not a OneWindow hall database"):
        backup.restore(site_hall.settings, other)
    with pytest.raises(BackupError, match="does not exist"):
        backup.restore(site_hall.settings, tmp_path / "nothing.db")


def test_dry_run_then_restore(site_hall: SiteHall) -> None:
    assert site_hall.path is not None
    saved = backup.run_backup(site_hall.settings).file.path
    before = ticket_count(site_hall.path)
    con = sqlite3.connect(site_hall.path)
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("DELETE FROM window_category")
    con.execute("DELETE FROM window")
    con.commit()
    con.close()
    plan = backup.restore(site_hall.settings, saved, dry_run=True)
    assert plan.dry_run and ticket_count(site_hall.path) == 0
    done = backup.restore(site_hall.settings, saved)
    assert ticket_count(site_hall.path) == before > 0
    assert done.safety_copy is not None and done.safety_copy.exists()
    assert stat.S_IMODE(done.safety_copy.stat().st_mode) == 0o600
    assert backup.list_backups(Path(site_hall.settings.backup.directory), "XB")[0].path == saved


def test_daily_backup_at_start_up(site_hall: SiteHall) -> None:
    thread = backup.start_daily_backup(site_hall.settings)
    assert thread is not None
    thread.join(timeout=120)
    assert backup.latest_backup(site_hall.settings) is not None
    assert backup.start_daily_backup(site_hall.settings) is None  # taken today already
    tomorrow = dt.datetime.now() + dt.timedelta(days=1, minutes=1)
    assert backup.backup_due(site_hall.settings, tomorrow)
    off = replace_section(site_hall.settings, "backup", automatic=False)
    assert backup.start_daily_backup(off, tomorrow) is None


def test_a_failing_daily_backup_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = site_settings(f"sqlite:///{tmp_path / 'missing.db'}", tmp_path / "b")
    thread = backup.start_daily_backup(settings)
    assert thread is not None
    thread.join(timeout=60)
    assert "the daily backup failed" in caplog.text and "does not exist" in caplog.text


@pytest.mark.postgres
def test_pg_dump_of_a_postgresql_hall(pg_site_hall: SiteHall) -> None:
    if os.environ.get("CI") != "true" and not (
        backup.shutil.which("pg_dump") and backup.shutil.which("pg_restore")
    ):
        pytest.skip("pg_dump/pg_restore not installed")
    result = backup.run_backup(pg_site_hall.settings)
    assert result.file.kind == "pg_dump" and result.file.path.suffix == ".dump"
    assert stat.S_IMODE(result.file.path.stat().st_mode) == 0o600
    assert result.revision == backup.verify_pg_dump(result.file.path, "XB")
    with pytest.raises(BackupError, match="PostgreSQL"):
        backup.restore(pg_site_hall.settings, result.file.path)


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "main.py", *argv], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_cli_backup_and_restore(site_hall: SiteHall, tmp_path: Path, isolated_user_dirs: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text(
        f'[site]\ncode = "XB"\n[database]\nhall_url = "{site_hall.url}"\n'
        f'[backup]\ndirectory = "{site_hall.settings.backup.directory}"\n',
        encoding="utf-8",
    )
    done = _cli("db", "backup", "--config", str(config))
    assert done.returncode == 0, done.stderr
    assert "written and verified" in done.stdout
    saved = backup.latest_backup(site_hall.settings)
    assert saved is not None
    done = _cli("db", "restore", str(saved.path), "--dry-run", "--config", str(config))
    assert done.returncode == 0 and "Nothing was changed" in done.stdout, done.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"\0" * 100)
    done = _cli("db", "restore", str(junk), "--config", str(config))
    assert (
        done.returncode == 1
        and done.stderr.startswith("error: restore refused")
        and "Traceback" not in done.stderr
    )
