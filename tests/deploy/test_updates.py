"""Updates: version comparison, the minimum the district announced as doctor and the dashboard
see it, and an older program refusing a hall database a newer one has upgraded."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.context import open_hall
from app.doctor import check_program_version, report, run_checks
from app.updates import UpdateStatus, is_older, parse_version, update_status
from app.version import VERSION
from db.engine import make_engine
from db.models import ReferenceRelease
from tests.deploy.conftest import ROOT, SiteHall


@pytest.mark.parametrize(
    ("running", "required", "older"),
    [
        ("0.1.0", "0.2.0", True),
        ("0.1.9", "0.2", True),
        ("0.9.0", "0.10.0", True),  # numbers, not text: 9 < 10
        ("0.2", "0.2.0", False),
        ("0.2.0", "0.2", False),
        ("0.2.1", "0.2.0", False),
        ("1.0", "0.99.99", False),
        ("0.2.0", "0.2.0.1", True),
    ],
)
def test_is_older(running: str, required: str, older: bool) -> None:
    assert is_older(running, required) is older


def test_parse_version_refuses_words() -> None:
    assert parse_version("0.10.2") == (0, 10, 2)
    for bad in ("", "v1", "1..2", "1.2-beta", "latest"):
        with pytest.raises(ValueError, match="not a program version"):
            parse_version(bad)


def _announce(url: str, version: int, minimum: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.insert(ReferenceRelease).values(
                version=version, checksum="0" * 64, min_program_version=minimum
            )
        )
    engine.dispose()


def test_doctor_exits_non_zero_when_this_program_is_older_than_the_districts_minimum(
    site_hall: SiteHall,
) -> None:
    _announce(site_hall.url, 1, "")
    _announce(site_hall.url, 2, "99.0")  # the newest release counts
    checks = check_program_version(site_hall.settings)
    assert [c.status for c in checks] == ["problem"]
    assert checks[0].line().startswith(f"PROBLEM version: OneWindow {VERSION} is older than 99.0")
    text, code = report(run_checks(site_hall.settings, qt=False, devices=False, centre=False))
    assert code == 1 and "PROBLEM version:" in text
    # The dashboard's call (through the task runner, off the GUI thread):
    ctx = open_hall(site_hall.settings)
    try:
        status = update_status(ctx)
    finally:
        ctx.engine.dispose()
    assert status == UpdateStatus(VERSION, "99.0", 2) and status.update_needed
    assert "99.0" in status.notice()


def test_doctor_cli_prints_the_version_line(site_hall: SiteHall, tmp_path: Path) -> None:
    _announce(site_hall.url, 1, "0.0.1")
    config = tmp_path / "site.toml"
    config.write_text(f'[site]\ncode = "XB"\n[database]\nhall_url = "{site_hall.url}"\n', encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "doctor",
            "--no-qt",
            "--no-devices",
            "--no-centre",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert f"ok      version: OneWindow {VERSION} (the district requires 0.0.1 or newer)" in done.stdout, (
        done.stdout + done.stderr
    )


def _dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as raw:
        return list(raw.iterdump())


def test_an_older_program_refuses_a_newer_schema_and_leaves_it_untouched(
    site_hall: SiteHall, tmp_path: Path
) -> None:
    assert site_hall.path is not None
    with sqlite3.connect(site_hall.path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = 'f999_written_by_a_newer_onewindow'")
    before = _dump(site_hall.path)
    config = tmp_path / "site.toml"
    config.write_text(f'[site]\ncode = "XB"\n[database]\nhall_url = "{site_hall.url}"\n', encoding="utf-8")
    for argv in (["queue", "status"], ["db", "upgrade"]):
        done = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), *argv, "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=tmp_path,
        )
        assert done.returncode != 0, (argv, done.stdout)
        assert "newer than this OneWindow" in done.stderr + done.stdout, (argv, done.stderr)
        assert "Traceback" not in done.stderr
    assert _dump(site_hall.path) == before  # same schema mark, same rows
    assert not list(site_hall.path.parent.glob("*.bak"))
