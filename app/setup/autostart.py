"""Starting the PC's role at log-in: an XDG autostart entry on Linux (UOS, Kylin, Debian desktops
all honour ~/.config/autostart), a Startup-folder script on Windows.

The entry runs the same program and settings file the wizard was run with, so a bundle, a .deb
or a source tree each start themselves. Restart-on-crash and lock-down belong to the kiosk and
display lock-down work (packaging/); this file only makes the role open when the PC starts.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from app.setup.state import Role

ENTRY_NAME = "onewindow"
ROLE_KEY = "X-OneWindow-Role"


@dataclass(frozen=True)
class AutostartEntry:
    path: Path
    text: str


def program_argv() -> list[str]:
    """How to start this program again: the bundle itself, or this Python with main.py."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    main = Path(__file__).resolve().parents[2] / "main.py"
    return [sys.executable, str(main)]


def _config_home() -> Path:
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")


def entry_path() -> Path:
    if sys.platform == "win32":
        appdata = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
        return appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / f"{ENTRY_NAME}.cmd"
    return _config_home() / "autostart" / f"{ENTRY_NAME}.desktop"


def _desktop_quote(arg: str) -> str:
    """Desktop Entry Exec quoting: double quotes around anything unusual; \\ " ` $ escaped."""
    if arg and all(c.isalnum() or c in "/._-+=:," for c in arg):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def entry_for(role: Role, config_path: Path) -> AutostartEntry:
    argv = [*program_argv(), role.command, "--config", str(config_path)]
    path = entry_path()
    if sys.platform == "win32":
        line = " ".join(f'"{a}"' for a in argv)
        return AutostartEntry(
            path,
            f'@echo off\r\nrem OneWindow ({role.label}), written by the set-up wizard\r\nstart "" {line}\r\n',
        )
    text = "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            f"Name=OneWindow 综合一窗（{role.label}）",
            "Comment=Written by the OneWindow set-up wizard (main.py setup)",
            "Exec=" + " ".join(_desktop_quote(a) for a in argv),
            "Terminal=false",
            "X-GNOME-Autostart-enabled=true",
            f"{ROLE_KEY}={role.value}",
            "",
        ]
    )
    return AutostartEntry(path, text)


def install(entry: AutostartEntry) -> None:
    entry.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = entry.path.with_name(entry.path.name + ".tmp")
    tmp.write_text(entry.text, encoding="utf-8")
    os.replace(tmp, entry.path)


def remove() -> bool:
    path = entry_path()
    if path.exists():
        path.unlink()
        return True
    return False


def installed_role() -> Role | None:
    """The role the autostart entry starts (what a re-run of the wizard proposes)."""
    path = entry_path()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        if line.startswith(ROLE_KEY + "="):
            try:
                return Role(line.split("=", 1)[1].strip())
            except ValueError:
                return None
    return None


__all__ = ["AutostartEntry", "entry_for", "install", "installed_role", "remove"]
