"""Kiosk and display lock-down (ui/lockdown.py, app/lockdown.py): full screen without decorations,
no exit without a manager's password, the screen kept awake on a real X server and put back, and
the autostart entry that starts a role at log-in through the restarting systemd user unit."""

from __future__ import annotations

import configparser
import os
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from app import lockdown as rules
from app.settings import ScreenSettings, Settings
from tests.deploy.conftest import ROOT
from tests.hall.conftest import HallFixture, make_ctx
from ui import lockdown


@pytest.fixture
def hall(sqlite_url: str) -> Iterator[HallFixture]:
    from app.auth import hash_password
    from db.models import Staff

    h = make_ctx(sqlite_url)
    with h.ctx.sessions.begin() as s:
        for staff in s.scalars(sa.select(Staff)):
            staff.password_hash = hash_password("pw-123456")
    yield h
    h.ctx.close()


def _board(qtbot: QtBot) -> QWidget:
    w = QWidget()
    w.setWindowTitle("叫号显示屏")
    QLabel("A001 请到 1 号窗口", w)
    qtbot.addWidget(w)
    return w


def test_a_windowed_run_is_left_alone(qtbot: QtBot) -> None:
    w = _board(qtbot)
    assert lockdown.apply(w, Settings()) is None  # the demo: windows, not full screen
    assert not w.windowFlags() & Qt.WindowType.FramelessWindowHint


def test_full_screen_frameless_and_no_exit_without_a_manager(qtbot: QtBot, hall: HallFixture) -> None:
    w = _board(qtbot)
    settings = Settings(screens=ScreenSettings(fullscreen=True))
    lock = lockdown.apply(w, settings, hall.ctx, platform="offscreen")
    assert lock is not None and lock.method == "none"
    w.show()
    qtbot.waitUntil(w.isFullScreen)
    assert w.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert not w.close()  # Alt+F4 / the window manager's close: refused
    assert w.isVisible()
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    qtbot.keyClick(w, Qt.Key.Key_F11)
    assert w.isVisible() and w.isFullScreen()
    assert "不正确" in (lock.check_credentials("demo-manager", "wrong") or "")
    from db.models import Staff

    with hall.ctx.sessions() as s:
        clerk = s.scalars(sa.select(Staff.username).where(Staff.role == "clerk")).first()
    assert clerk is not None
    assert lock.check_credentials(clerk, "pw-123456") == "需要大厅管理员或系统管理员账号"
    assert lock.locked and not w.close()
    with qtbot.waitSignal(lock.unlocked) as unlocked:
        assert lock.check_credentials("demo-manager", "pw-123456") is None
    assert unlocked.args == ["demo-manager"]
    assert w.close()  # now it may go


@pytest.fixture
def xvfb_screen() -> Iterator[str]:
    if not all(map(_which, ("Xvfb", "xset"))):
        if os.environ.get("CI"):
            pytest.fail("Xvfb and xset are needed under CI (.ci/run installs xvfb, x11-xserver-utils)")
        pytest.skip("apt-get install xvfb x11-xserver-utils")
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-nolisten", "tcp", "-noreset"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _which(name: str) -> bool:
    import shutil

    return shutil.which(name) is not None


def _xset_q(display: str) -> rules.ScreenSaverState:
    out = subprocess.run(
        ["xset", "q"], env={**os.environ, "DISPLAY": display}, capture_output=True, text=True, check=True
    ).stdout
    return rules.parse_xset_q(out)


def test_the_screen_is_kept_awake_on_x11_and_put_back(qtbot: QtBot, xvfb_screen: str) -> None:
    env = {**os.environ, "DISPLAY": xvfb_screen}
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    subprocess.run(["xset", "s", "300", "300"], env=env, check=True)
    before = _xset_q(xvfb_screen)
    assert before == rules.ScreenSaverState(300, 300, None)  # Xvfb has no DPMS: xset_commands covers it
    w = _board(qtbot)
    lock = lockdown.Lockdown(w, None, platform="xcb", env=env)
    with qtbot.waitSignal(lock.awake, timeout=10000) as awake:
        pass
    assert awake.args == ["x11"]
    assert _xset_q(xvfb_screen).timeout == 0  # no screen saver, no blanking
    lock.release()
    assert _xset_q(xvfb_screen) == before


def test_xset_commands() -> None:
    text = "Screen Saver:\n  prefer blanking:  yes    allow exposures:  yes\n  timeout:  600    cycle:  600\n"
    state = rules.parse_xset_q(text)
    assert state == rules.ScreenSaverState(600, 600, None)  # no DPMS extension: never -dpms/+dpms
    assert rules.xset_off_command(state) == ["xset", "s", "off", "s", "noblank"]
    assert rules.xset_restore_command(state) == ["xset", "s", "600", "600", "s", "blank"]
    dpms = rules.parse_xset_q(text.replace("600", "0") + "DPMS (Energy Star):\n  DPMS is Disabled\n")
    assert rules.xset_restore_command(dpms) == ["xset", "s", "0", "0", "-dpms"]
    with pytest.raises(ValueError):
        rules.parse_xset_q("xset:  unable to open display")
    assert rules.keep_awake_method("xcb", "linux") == "x11"
    assert rules.keep_awake_method("wayland-egl", "linux") == "dbus"
    assert rules.keep_awake_method("offscreen", "linux") == "none"
    assert rules.keep_awake_method("windows", "win32") == "windows"


def test_autostart_entry_starts_the_restarting_unit(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)}
    path = rules.enable_autostart("kiosk", env)
    assert path == tmp_path / "config" / "autostart" / "onewindow-kiosk.desktop"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(path, encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    argv = shlex.split(desktop["Exec"])
    assert argv[:2] == ["sh", "-c"]
    assert "systemctl --user start onewindow@kiosk.service" in argv[2]
    assert argv[2].endswith("kiosk --fullscreen")  # no systemd user session: the role itself
    assert rules.disable_autostart("kiosk", env) and not path.exists()
    with pytest.raises(ValueError):
        rules.autostart_entry("counter")


def test_the_packaged_unit_restarts_only_on_failure() -> None:
    unit = configparser.ConfigParser(interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "packaging" / "linux" / rules.UNIT, encoding="utf-8")
    service = unit["Service"]
    assert service["Restart"] == "on-failure"  # a manager's clean exit is not restarted
    assert shlex.split(service["ExecStart"])[:2] == ["/usr/bin/onewindow", "%i"]
    assert unit["Unit"]["StartLimitBurst"]


def test_display_command_runs_locked_down_full_screen(tmp_path: Path) -> None:
    import sys

    from app.context import open_hall
    from app.settings import with_db_url

    config = tmp_path / "site.toml"
    config.write_text(f'[logging]\ndirectory = "{(tmp_path / "logs").as_posix()}"\n', encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ONEWINDOW_CONFIG": str(config)}
    env.pop("ONEWINDOW_DB", None)
    db = f"sqlite:///{tmp_path / 'hall.db'}"
    open_hall(with_db_url(Settings(), db), seed_demo=True).close()
    done = subprocess.run(
        [
            sys.executable,
            "main.py",
            "display",
            "--db",
            db,
            "--fullscreen",
            "--quit-after",
            "1500",
            "--no-voice",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
