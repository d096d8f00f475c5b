"""Demo accounts never reach a real site: seed-demo and --demo write only the demo's own
database, and a real site's role screens refuse to start while an account keeps a demo password."""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import auth, staff
from app.context import HallUnavailable, open_hall
from app.demo_db import RealSiteError, demo_database_url, refuse_default_passwords
from db.models import Site, Staff
from main import main
from tests.accounts.conftest import CLERK, SITE_CODE, Hall

ROOT = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


@pytest.fixture
def real_site(hall: Hall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real site's configured hall database (settings file and $ONEWINDOW_DB), and an empty
    user data dir where the demo's own database belongs."""
    config = tmp_path / "site.toml"
    config.write_text(
        f'[site]\ncode = "{SITE_CODE}"\n[database]\nhall_url = "{hall.url}"\n', encoding="utf-8"
    )
    monkeypatch.setenv("ONEWINDOW_CONFIG", str(config))
    monkeypatch.setenv("ONEWINDOW_DB", hall.url)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return Path(hall.url.removeprefix("sqlite:///"))


def test_seed_demo_with_a_configured_real_database_leaves_it_untouched(
    real_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(real_site)
    sides = sorted(p.name for p in real_site.parent.glob("hall*"))  # no backup, WAL or journal either
    assert main(["seed-demo"]) == 0
    out = capsys.readouterr().out
    assert _digest(real_site) == before and sorted(p.name for p in real_site.parent.glob("hall*")) == sides
    demo = Path(demo_database_url().removeprefix("sqlite:///"))
    assert demo.is_file() and str(demo).startswith(os.environ["XDG_DATA_HOME"])
    assert f"demo database: {demo_database_url()}" in out
    # Naming the real database explicitly is refused too, and changes nothing.
    assert main(["seed-demo", "--db", f"sqlite:///{real_site}"]) == 2
    err = capsys.readouterr().err
    assert "holds site(s) XT" in err and "only into its own database" in err
    assert _digest(real_site) == before


def test_demo_settings_never_take_the_configured_database(real_site: Path) -> None:
    from app.cli.core import demo_settings_from_args

    assert demo_settings_from_args(argparse.Namespace()).hall_db_url == demo_database_url()
    scratch = f"sqlite:///{real_site.parent / 'scratch.db'}"
    assert demo_settings_from_args(argparse.Namespace(db=scratch)).hall_db_url == scratch


def test_counter_demo_refuses_a_real_sites_database(
    real_site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _digest(real_site)
    assert main(["counter", "--demo", "--db", f"sqlite:///{real_site}", "--user", "clerk01"]) == 2
    assert "only into its own database" in capsys.readouterr().err
    assert _digest(real_site) == before


def test_site_not_found_says_how_to_set_the_site_up(hall: Hall) -> None:
    settings = hall.settings()
    import dataclasses

    from app.settings import SiteSettings

    other = dataclasses.replace(settings, site=SiteSettings(code="NOPE", name="x"))
    with pytest.raises(HallUnavailable) as exc:
        open_hall(other)
    message = str(exc.value)
    assert "seed-demo" not in message and "[site] code" in message and "main.py sync" in message


def test_real_site_refuses_demo_and_default_passwords(hall: Hall) -> None:
    ctx = open_hall(hall.settings())
    try:
        refuse_default_passwords(ctx)  # the test hall's passwords are not demo ones
        with hall.sessions.begin() as s:
            clerk = s.scalar(sa.select(Staff).where(Staff.username == CLERK))
            assert clerk is not None and clerk.password_state == "unchecked"
            clerk.password_hash = auth.hash_password("123456")  # e.g. seeded by an old seed-demo
        with pytest.raises(RealSiteError) as exc:
            refuse_default_passwords(ctx)
        line = str(exc.value)
        assert "\n" not in line and CLERK in line and f"main.py staff passwd {CLERK}" in line
        ctx.demo = True  # the demo hall itself runs with them
        refuse_default_passwords(ctx)
        ctx.demo = False
        with hall.sessions.begin() as s:
            staff.issue_password(s, hall.site_id, CLERK, "Issued-2026-x")
        refuse_default_passwords(ctx)
        with hall.sessions.begin() as s:  # a release from a centre that still marks demo accounts
            s.execute(sa.update(Staff).where(Staff.username == CLERK).values(password_state="demo"))
        with pytest.raises(RealSiteError):
            refuse_default_passwords(ctx)
        with hall.sessions.begin() as s:  # a disabled account does not count
            staff.disable_staff(s, hall.site_id, CLERK)
        refuse_default_passwords(ctx)
    finally:
        ctx.close()


def test_kiosk_of_a_real_site_does_not_start_with_demo_passwords(hall: Hall, tmp_path: Path) -> None:
    with hall.sessions.begin() as s:
        s.execute(sa.update(Staff).values(password_hash=auth.hash_password("123456")))
        assert s.scalar(sa.select(Site.code).where(Site.id == hall.site_id)) == SITE_CODE
    config = tmp_path / "site.toml"
    config.write_text(
        f'[site]\ncode = "{SITE_CODE}"\n[logging]\ndirectory = "{(tmp_path / "logs").as_posix()}"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "ONEWINDOW_CONFIG": str(config), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("ONEWINDOW_DB", None)
    for role in ("kiosk", "manager"):
        out = subprocess.run(
            [sys.executable, str(ROOT / "main.py"), role, "--db", hall.url, "--quit-after", "100"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 2 and "Traceback" not in out.stderr
        lines = out.stderr.strip().splitlines()
        assert (
            len(lines) == 1 and "demo or default password" in lines[0] and "main.py staff passwd" in lines[0]
        )
