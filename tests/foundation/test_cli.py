"""The command line as a field engineer uses it: real processes, real SQLite files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def upgraded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`main.py db upgrade` on a new file, once per module (test_db_upgrade_twice runs it per test)."""
    path = tmp_path_factory.mktemp("cli-db") / "hall.db"
    created = run("db", "upgrade", "--db", f"sqlite:///{path}")
    assert created.returncode == 0, created.stderr
    return path


@pytest.fixture
def db(upgraded_db: Path, tmp_path: Path) -> str:
    """An upgraded, empty hall database (commands refuse a --db file that does not exist): each
    test its own copy of the one `db upgrade` made."""
    for made in upgraded_db.parent.glob("hall.db*"):  # with a WAL, should one be left
        shutil.copy(made, tmp_path / made.name)
    return f"sqlite:///{tmp_path / 'hall.db'}"


@pytest.fixture
def new_db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'new' / 'hall.db'}"


def test_deadline_official_answer_and_2027_warning(db: str) -> None:
    out = run("calendar", "deadline", "2026-09-28", "5", "--db", db)
    assert out.returncode == 0, out.stderr
    assert "2026-10-10" in out.stdout
    out = run("calendar", "deadline", "2026-12-28", "5", "--json", "--db", db)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["deadline"] == "2027-01-04" and data["fallback_years"] == [2027] and data["warning"]


def test_calendar_check_and_import(db: str, tmp_path: Path) -> None:
    out = run("calendar", "check", "2026", "--db", db)
    assert out.returncode == 0 and "schedule entered" in out.stdout
    out = run("calendar", "check", "2027", "--db", db)
    assert out.returncode == 1 and "no holiday schedule" in out.stdout
    notice = tmp_path / "2027.csv"
    notice.write_text("2027-01-01,holiday,元旦\n2027-02-20,workday,春节调休\n", encoding="utf-8")
    out = run("calendar", "import", str(notice), "--db", db)
    assert out.returncode == 0, out.stderr
    out = run("calendar", "check", "2027", env={"ONEWINDOW_DB": db})
    assert out.returncode == 0 and "1 weekday holidays" in out.stdout


def test_validate_vectors() -> None:
    assert run("validate", "id", "11010519491231002X").returncode == 0
    bad = run("validate", "id", "110105194912310021")
    assert bad.returncode == 1 and "校验位" in bad.stdout
    assert run("validate", "uscc", "91110000802100433B").returncode == 0
    assert run("validate", "uscc", "91110000802100433C").returncode == 1
    assert run("validate", "phone", "13912345678").returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["calendar", "deadline", "2026-13-01", "5"], "is not a date"),
        (["calendar", "deadline", "2026-01-01", "99999"], "DAYS must be"),
        (["calendar", "import", "/nonexistent/2027.csv"], "does not exist"),
        (["--config", "/nonexistent/site.toml", "validate", "id", "1"], "settings file not found"),
        (["calendar", "check", "2026", "--db", "nosuchdriver://x"], "must be SQLite or PostgreSQL"),
    ],
)
def test_user_mistakes_are_one_line_without_traceback(args: list[str], message: str, db: str) -> None:
    extra = [] if "--db" in args else ["--db", db]
    if args[0] == "--config":
        out = run("calendar", "check", "2026", "--config", "/nonexistent/site.toml", "--db", db)
    else:
        out = run(*args, *extra)
    assert out.returncode != 0
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_help_everywhere() -> None:
    for args in (
        ["--help"],
        ["calendar", "--help"],
        ["calendar", "deadline", "--help"],
        ["validate", "--help"],
    ):
        out = run(*args)
        assert out.returncode == 0 and "usage:" in out.stdout


def test_db_upgrade_twice(new_db: str) -> None:
    first = run("db", "upgrade", "--db", new_db)
    assert first.returncode == 0 and "upgraded" in first.stdout
    second = run("db", "upgrade", "--db", new_db)
    assert second.returncode == 0 and "already at" in second.stdout


def test_a_missing_database_is_refused_not_created(new_db: str, tmp_path: Path) -> None:
    out = run("calendar", "check", "2026", "--db", new_db)
    assert out.returncode == 2 and "does not exist" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "new").exists()


def test_seed_catalogue_and_empowerment_import(new_db: str, tmp_path: Path) -> None:
    db = new_db
    seeded = run("seed-demo", "--db", db)
    assert seeded.returncode == 0, seeded.stderr
    reload = run("load-catalogue", "--db", db)
    assert reload.returncode == 0 and "0 inserted, 0 updated" in reload.stdout
    good = tmp_path / "town.csv"
    good.write_text("SCJG-001\n", encoding="utf-8")
    out = run("import-empowerment", "TOWN-X", "测试清单", str(good), "--db", db)
    assert out.returncode == 0, out.stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("SCJG-001\n不存在的事项\n", encoding="utf-8")
    out = run("import-empowerment", "TOWN-Y", "测试清单", str(bad), "--db", db)
    assert out.returncode == 2 and "line 2" in out.stderr and "Traceback" not in out.stderr
