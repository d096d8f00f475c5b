"""Fixtures of the deployment tests: a real hall database of site XB and settings pointing at it,
with the backups folder inside the test's temporary directory."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.settings import BackupSettings, Settings, SiteSettings, with_db_url
from app.version import VERSION

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"


@dataclass
class SiteHall:
    url: str
    path: Path | None
    settings: Settings


def site_settings(url: str, backups: Path, code: str = "XB") -> Settings:
    return with_db_url(
        Settings(site=SiteSettings(code=code), backup=BackupSettings(directory=str(backups))),
        url,
    )


def make_site_hall(url: str, backups: Path, code: str = "XB") -> SiteHall:
    from tests.queue.conftest import make_hall

    make_hall(url, site_code=code).engine.dispose()
    from db.engine import sqlite_path

    return SiteHall(url, sqlite_path(url), site_settings(url, backups, code))


@pytest.fixture
def site_hall(tmp_path: Path) -> SiteHall:
    return make_site_hall(f"sqlite:///{tmp_path / 'hall.db'}", tmp_path / "backups")


@pytest.fixture
def pg_site_hall(pg_url: str, tmp_path: Path) -> Iterator[SiteHall]:
    yield make_site_hall(pg_url, tmp_path / "backups")


@pytest.fixture
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No settings file of the machine's user leaks into a CLI run."""
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.delenv("ONEWINDOW_CONFIG", raising=False)
    return tmp_path


def replace_section(settings: Settings, section: str, **changes: object) -> Settings:
    return dataclasses.replace(
        settings, **{section: dataclasses.replace(getattr(settings, section), **changes)}
    )


@pytest.fixture(scope="session")
def bundle_build(pytestconfig: pytest.Config) -> Iterator[subprocess.Popen[str]]:
    """`packaging/build.py all` in the background, once per session: started at collection when the
    session has packaging tests (tests/conftest.py), else here."""
    from tests.conftest import started_build

    proc = started_build(pytestconfig) or subprocess.Popen(
        [sys.executable, "packaging/build.py", "all"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield proc
    if proc.poll() is None:
        proc.kill()
        proc.communicate()


@pytest.fixture(scope="session")
def built(bundle_build: subprocess.Popen[str]) -> tuple[Path, Path]:
    """The PyInstaller bundle's program and the .deb, built once per test session."""
    out, _ = bundle_build.communicate(timeout=1500)
    assert bundle_build.returncode == 0, f"packaging/build.py all failed:\n{out[-3000:]}"
    debs = sorted(DIST.glob(f"onewindow_{VERSION}_*.deb"))
    assert debs, "no .deb built"
    return DIST / "onewindow" / "onewindow", debs[-1]

