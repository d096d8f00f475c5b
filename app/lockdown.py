"""Kiosk and display lock-down, the parts without Qt: keeping the screen awake, and starting a role
at log-in with a restart after a crash.

Keeping the screen awake while a kiosk or display is open (ui/lockdown.py runs these):
- X11: `xset s off s noblank -dpms` (package x11-xserver-utils), the previous screen-saver timeout
  and DPMS state put back when the window closes; and, where the desktop has one, the D-Bus
  `org.freedesktop.ScreenSaver.Inhibit` call (GNOME, KDE, Deepin/UOS, Kylin's UKUI), released with
  the window.
- Wayland: only the D-Bus inhibit; where the desktop has none, turn blanking off in its settings.
- Windows: `SetThreadExecutionState(ES_CONTINUOUS | ES_DISPLAY_REQUIRED | ES_SYSTEM_REQUIRED)`.

Start at log-in and restart after a crash (Linux): the .deb installs the systemd user unit
`onewindow@.service` (`Restart=on-failure`; a clean exit after a manager's password is not
restarted) and `enable_autostart(role)` writes an XDG autostart entry that hands the session's
display to the systemd user manager and starts `onewindow@ROLE.service` (or, on a desktop without a
systemd user session, the role directly). Windows: a Startup-folder shortcut (README).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

LOCKED_ROLES = ("kiosk", "display")
UNIT = "onewindow@.service"  # installed by the .deb in /usr/lib/systemd/user
SESSION_VARIABLES = (
    "DISPLAY",
    "XAUTHORITY",
    "WAYLAND_DISPLAY",
    "XDG_RUNTIME_DIR",
    "DBUS_SESSION_BUS_ADDRESS",
)

# Windows SetThreadExecutionState flags.
ES_CONTINUOUS = 0x80000000
ES_SYSTEM_REQUIRED = 0x00000001
ES_DISPLAY_REQUIRED = 0x00000002


@dataclass(frozen=True)
class ScreenSaverState:
    """What `xset q` says about blanking: timeout and cycle in seconds; DPMS on, off, or absent."""

    timeout: int
    cycle: int
    dpms: bool | None  # None: the X server has no DPMS extension


def parse_xset_q(text: str) -> ScreenSaverState:
    m = re.search(r"timeout:\s*(\d+)\s+cycle:\s*(\d+)", text)
    if m is None:
        raise ValueError("xset q printed no screen-saver timeout")
    if "DPMS is Enabled" in text:
        dpms: bool | None = True
    elif "DPMS is Disabled" in text:
        dpms = False
    else:
        dpms = None
    return ScreenSaverState(int(m.group(1)), int(m.group(2)), dpms)


def xset_off_command(state: ScreenSaverState | None = None) -> list[str]:
    """No screen saver, no blanking, no display power saving."""
    argv = ["xset", "s", "off", "s", "noblank"]
    if state is None or state.dpms is not None:
        argv.append("-dpms")
    return argv


def xset_restore_command(state: ScreenSaverState) -> list[str]:
    """Back to what `xset q` said before."""
    argv = ["xset", "s", str(state.timeout), str(state.cycle)]
    if state.timeout:
        argv += ["s", "blank"]
    if state.dpms is not None:
        argv.append("+dpms" if state.dpms else "-dpms")
    return argv


def keep_awake_method(platform_name: str, system: str = sys.platform) -> str:
    """'windows', 'x11' (xset + D-Bus), 'dbus' (Wayland and others: D-Bus only) or 'none'."""
    if system == "win32":
        return "windows"
    if platform_name == "xcb":
        return "x11"
    if platform_name.startswith("wayland"):
        return "dbus"
    return "none"  # offscreen, minimal, vnc…: no screen of a PC to keep awake


# --- start at log-in, restart after a crash ------------------------------------------------------


def program_command() -> list[str]:
    """How this program is started: the installed bundle, or `python main.py` from the source tree."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, str(Path(__file__).resolve().parent.parent / "main.py")]


def autostart_entry(role: str, program: list[str] | None = None, systemd: bool = True) -> str:
    """The XDG autostart .desktop text that opens `role` full screen at log-in."""
    if role not in LOCKED_ROLES:
        raise ValueError(f"autostart is for {', '.join(LOCKED_ROLES)}, not {role!r}")
    direct = shlex.join(
        [*(program or program_command()), role, *(["--fullscreen"] if role != "hall" else [])]
    )
    if systemd:
        # The user manager gets the session's display, then runs the unit that restarts on a crash;
        # without a systemd user session the role starts directly (no restart then).
        script = (
            f"systemctl --user import-environment {' '.join(SESSION_VARIABLES)} 2>/dev/null"
            f" && systemctl --user start onewindow@{role}.service || exec {direct}"
        )
        command = shlex.join(["sh", "-c", script])
    else:
        command = direct
    names = {"kiosk": "自助取号", "display": "叫号显示屏"}
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        f"Name=OneWindow {role}\n"
        f"Name[zh_CN]=综合一窗 {names[role]}\n"
        f"Exec={command}\n"
        "X-GNOME-Autostart-enabled=true\n"
        "NoDisplay=true\n"
        "Terminal=false\n"
    )


def autostart_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(base) / "autostart"


def enable_autostart(role: str, env: Mapping[str, str] | None = None, systemd: bool = True) -> Path:
    """Write `~/.config/autostart/onewindow-ROLE.desktop` (the wizard's last page, or by hand)."""
    path = autostart_dir(env) / f"onewindow-{role}.desktop"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(autostart_entry(role, systemd=systemd), encoding="utf-8")
    tmp.replace(path)
    return path


def disable_autostart(role: str, env: Mapping[str, str] | None = None) -> bool:
    path = autostart_dir(env) / f"onewindow-{role}.desktop"
    if path.exists():
        path.unlink()
        return True
    return False
