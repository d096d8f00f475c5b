"""Installation on a fresh Debian 12 (issues 15 and 16), marker `fresh_debian` (CI runs it).

Each test unpacks its own copy of a `debootstrap --variant=minbase bookworm` root (built once a
day, tests/deploy/debroot.py) and works inside it with chroot, as a field engineer would on a bare PC:

- from source: exactly the README's system packages (without their Recommends, so nothing comes
  in by luck), `pipx install uv`, then `uv run main.py` from a copy of the source tree — the demo
  hall must open its three windows on Xvfb with Qt's xcb platform (the X server runs outside; its
  socket is bound into the root, so every X11 library Qt needs must come from the README's list);
- from the .deb: `apt-get install ./onewindow_….deb` (only its Depends), then the installed
  program's `--version`, `db backup`, `doctor`, `screenshots` and the demo on Xvfb/xcb with no uv,
  no Python and no source tree in the root; `apt-get purge` removes the program and keeps the
  site's settings, secrets, hall database and backups.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from app.version import VERSION
from tests.deploy.conftest import ROOT, make_site_hall
from tests.deploy.debroot import Root, fresh_root, require_tools, stop_group
from tests.ui.test_demo_xcb import TITLES, visible_windows

pytestmark = [pytest.mark.fresh_debian, pytest.mark.timeout(1500)]


def readme_packages() -> list[str]:
    """The package names of the README's `sudo apt-get install` block (System packages)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### System packages", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    command = block.split("sudo apt-get install", 1)[1]
    lines = [line.split("#", 1)[0] for line in command.splitlines()]
    names = " ".join(lines).replace("\\", " ").split()
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9.+-]+", n) for n in names), names
    return names


def test_the_readme_names_pipx_for_uv() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "sudo apt-get install pipx && pipx install uv" in text
    assert {"libxcb-cursor0", "libxcb-xkb1", "fonts-wqy-microhei"} <= set(readme_packages())


def wait_for_windows(
    display: str, proc: subprocess.Popen[bytes], limit: float = 180
) -> dict[str, tuple[int, int, int, int]]:
    """The program's visible windows once all three roles show (or what there is when it ends)."""
    deadline = time.monotonic() + limit
    windows: dict[str, tuple[int, int, int, int]] = {}
    while time.monotonic() < deadline and proc.poll() is None:
        windows = visible_windows(display)
        if all(any(t in name for name in windows) for t in TITLES):
            break
        time.sleep(0.5)
    return windows


def run_demo_on_xvfb(root: Root, xvfb: str, argv: list[str], env: dict[str, str]) -> None:
    root.bind(Path("/tmp/.X11-unix"), "tmp/.X11-unix")
    proc = root.popen(argv, {**env, "DISPLAY": xvfb, "QT_QPA_PLATFORM": "xcb"})
    try:
        windows = wait_for_windows(xvfb, proc)
        alive = proc.poll() is None
    finally:
        out, err = stop_group(proc)
    assert alive, f"the demo ended: {out[-2000:]}\n{err[-3000:]}"
    assert all(any(t in name for name in windows) for t in TITLES), (windows, err[-3000:])
    assert "Could not load the Qt platform plugin" not in err and "Traceback" not in err, err[-3000:]


def test_readme_steps_on_a_fresh_debian(tmp_path: Path, pytestconfig: pytest.Config) -> None:
    """The scenario starts at collection in the background (tests/conftest.py: it needs only the
    Debian root, and its minute of apt, uv and Xvfb runs beside the suite); here it is awaited and
    its failure, if any, raised. Run alone (or without a head start) it runs here."""
    require_tools()
    from tests.conftest import early_readme, xvfb_server

    early = early_readme(pytestconfig)
    if early is not None:
        early.result(timeout=1500)
        return
    with xvfb_server() as display:
        readme_scenario(tmp_path, display)


def readme_scenario(tmp_path: Path, xvfb: str) -> None:
    """Exactly the README's steps in a fresh minbase root, then the demo hall on Xvfb/xcb."""
    require_tools()
    with fresh_root(tmp_path) as root:
        assert not (root.path / "usr" / "bin" / "python3").exists()  # nothing but minbase
        packages = readme_packages()
        root.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages, "pipx"])
        # what `pipx ensurepath` adds, and this network's CA for PyPI
        env = {"PATH": "/root/.local/bin:/usr/local/bin:/usr/bin:/bin", **root.trust_host_certificates()}
        root.run(["pipx", "install", "uv"], env, timeout=300)
        # A copy of the source tree as git has it (no .venv, no dist).
        files = (
            subprocess.run(
                ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                cwd=ROOT,
                capture_output=True,
                check=True,
            )
            .stdout.decode()
            .split("\0")
        )
        src = root.path / "root" / "onewindow"
        for name in filter(None, files):
            if (ROOT / name).is_file():
                (src / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, src / name)
        # The host's uv download cache, so the wheels are not fetched again (a copy, not links).
        cache = Path(
            subprocess.run(["uv", "cache", "dir"], capture_output=True, text=True, check=True).stdout.strip()
        )
        cache.mkdir(parents=True, exist_ok=True)
        root.bind(cache, "root/.cache/uv")
        env["UV_LINK_MODE"] = "copy"
        done = root.run(["sh", "-c", "cd /root/onewindow && uv run main.py --version"], env, timeout=900)
        assert done.stdout.strip() == f"OneWindow {VERSION}", done.stderr[-2000:]
        run_demo_on_xvfb(root, xvfb, ["sh", "-c", "cd /root/onewindow && exec uv run main.py"], env)


def test_installed_deb_on_a_fresh_debian(
    tmp_path: Path, xvfb: str, built: tuple[Path, Path], site_secrets: Path
) -> None:
    require_tools()
    _exe, deb = built
    with fresh_root(tmp_path) as root:
        shutil.copy(deb, root.path / "tmp" / deb.name)
        root.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", f"/tmp/{deb.name}"])
        for tool in ("python3", "uv", "pip"):
            assert not (root.path / "usr" / "bin" / tool).exists(), f"{tool} came with the .deb"
        assert (root.path / "usr/lib/systemd/user/onewindow@.service").is_file()
        done = root.run(["onewindow", "--version"])
        assert done.stdout.strip() == f"OneWindow {VERSION}"

        # A site's hall (site XB, made outside), its keys and settings, where the program keeps them.
        home = root.path / "root"
        data = home / ".local" / "share" / "OneWindow"
        config = home / ".config" / "OneWindow"
        data.mkdir(parents=True)
        config.mkdir(parents=True)
        make_site_hall(f"sqlite:///{data / 'hall.db'}", data / "backups").url  # noqa: B018
        shutil.copy(site_secrets, config / "onewindow.secrets")
        (config / "onewindow.toml").write_text('[site]\ncode = "XB"\n', encoding="utf-8")
        offscreen = {"QT_QPA_PLATFORM": "offscreen"}
        root.run(["onewindow", "db", "backup"], offscreen)
        done = root.run(["onewindow", "doctor", "--no-devices"], offscreen, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "ok      qt: platform plugin 'offscreen' loads" in done.stdout
        assert "ok      fonts: Chinese fonts" in done.stdout  # the bundled font: no fonts package here

        # The counter's screens (and the overview) are enough to show the bundle renders Chinese
        # screens offscreen; every screen is rendered from source by tests/ui/test_screenshots_command.py.
        done = root.run(["onewindow", "screenshots", "--only", "counter", "/root/shots"], offscreen, timeout=900)
        shots = sorted((home / "shots").glob("*.png"))
        assert len(shots) >= 5, (done.stdout[-1000:], done.stderr[-2000:])

        run_demo_on_xvfb(root, xvfb, ["onewindow", "demo"], {})

        root.run(["apt-get", "purge", "-y", "-q", "onewindow"])
        assert not (root.path / "opt" / "onewindow").exists()
        assert not (root.path / "usr" / "bin" / "onewindow").exists()
        kept = {p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file()}
        assert {
            ".config/OneWindow/onewindow.toml",
            ".config/OneWindow/onewindow.secrets",
            ".local/share/OneWindow/hall.db",
        } <= kept
        assert any(k.startswith(".local/share/OneWindow/backups/") for k in kept), kept
