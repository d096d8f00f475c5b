"""Before Qt starts: can it open windows here? One line naming the missing system packages.

Qt's xcb platform plugin aborts the whole process (exit 134, "Could not load the Qt platform plugin
xcb even though it was found") when one of the X11 libraries it loads at run time is missing, and
Debian-family systems (UOS, Kylin) do not install them with the basic desktop. This module imports
no Qt, so the check can run before PySide6 is touched (main.py before a GUI command; `doctor`).
"""

from __future__ import annotations

import ctypes.util
import sys
from collections.abc import Mapping

# Libraries the xcb plugin of Qt 6 loads (library name for find_library → Debian package).
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-image": "libxcb-image0",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-shape": "libxcb-shape0",
    "xcb-xkb": "libxcb-xkb1",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "EGL": "libegl1",
    "GL": "libgl1",
    "fontconfig": "libfontconfig1",
    "dbus-1": "libdbus-1-3",
}

# All of them, for an install line that does not depend on what this machine already has.
XCB_PACKAGES = " ".join(XCB_LIBRARIES.values())


def qt_platform(environ: Mapping[str, str], platform: str = sys.platform) -> str:
    """The platform plugin Qt will pick: QT_QPA_PLATFORM, else xcb on a Linux X11 session."""
    chosen = environ.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if chosen:
        return chosen
    if platform.startswith("linux") and environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        return "xcb"
    return ""


def platform_problem(environ: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """None when Qt can start here as far as we can tell; else what to install, in one line."""
    if qt_platform(environ, platform) != "xcb":
        return None
    missing = [pkg for lib, pkg in XCB_LIBRARIES.items() if ctypes.util.find_library(lib) is None]
    if not missing:
        return None
    return (
        "Qt cannot open windows on this X11 desktop: missing system libraries "
        f"({', '.join(missing)}); install them with: sudo apt-get install {' '.join(missing)}"
    )
