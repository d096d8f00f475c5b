"""Builds the PyInstaller bundle and the .deb (marker `packaging`, run by CI with every other
marker), then runs the bundled program with no source tree on its path: --version, and doctor
against a real hall on the offscreen Qt platform (Qt, fonts and Alembic revisions from the bundle).
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

import pytest

from app.backup import run_backup
from app.version import VERSION
from tests.deploy.conftest import ROOT, SiteHall


def test_the_version_is_the_projects() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == VERSION


def _bare_env(tmp: Path) -> dict[str, str]:
    """No virtualenv, no source tree, no user settings: what an installed PC has."""
    keep = ("HOME", "LANG", "TMPDIR", "ONEWINDOW_SECRETS")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(
        PATH="/usr/bin:/bin",
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_STATE_HOME=str(tmp / "state"),
    )
    return env


@pytest.mark.packaging
@pytest.mark.timeout(1800)
def test_bundle_runs_version_and_doctor(
    built: tuple[Path, Path], site_hall: SiteHall, tmp_path: Path
) -> None:
    exe, _deb = built
    done = subprocess.run(
        [str(exe), "--version"],
        cwd=tmp_path,
        env=_bare_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == f"OneWindow {VERSION}", done.stderr
    run_backup(site_hall.settings)
    config = tmp_path / "site.toml"
    config.write_text(
        f'[site]\ncode = "XB"\n[database]\nhall_url = "{site_hall.url}"\n'
        f'[backup]\ndirectory = "{site_hall.settings.backup.directory}"\n',
        encoding="utf-8",
    )
    done = subprocess.run(
        [str(exe), "doctor", "--no-devices", "--config", str(config)],
        cwd=tmp_path,
        env=_bare_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok      qt: platform plugin 'offscreen' loads" in done.stdout
    assert "ok      fonts: Chinese fonts" in done.stdout
    assert "all checks passed" in done.stdout


@pytest.mark.packaging
@pytest.mark.timeout(1800)
def test_the_deb_installs_under_opt_and_keeps_site_data(built: tuple[Path, Path]) -> None:
    _exe, deb = built
    listing = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert "./opt/onewindow/onewindow\n" in listing
    assert "./usr/bin/onewindow -> /opt/onewindow/onewindow" in listing
    assert "./usr/share/applications/onewindow.desktop" in listing
    assert "./opt/onewindow/_internal/resources/voice/" in listing
    assert "./opt/onewindow/_internal/db/migrations/site/versions/0001_initial_hall_schema.py" in listing
    control = subprocess.run(
        ["dpkg-deb", "--field", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    assert f"Version: {VERSION}" in control and "libxcb-cursor0" in control
    scripts = Path(
        subprocess.run(["mktemp", "-d"], capture_output=True, text=True, check=True).stdout.strip()
    )
    subprocess.run(["dpkg-deb", "--control", str(deb), str(scripts)], check=True)
    assert "dialout" in (scripts / "postinst").read_text()
    for name in ("prerm", "postrm"):
        text = (scripts / name).read_text()
        assert "rm " not in text and ".local/share" not in text.split("echo", 1)[0]  # site data untouched
