"""The README's first command on a real X server: the demo hall on Xvfb with Qt's xcb platform.

The offscreen platform the widget tests use loads none of the X11 libraries a hall PC needs, so a
missing one (Qt then aborts the process) would go unnoticed. Here `main.py` starts as a user would
start it, on a 1920×1080 Xvfb screen; its three windows must appear, fit on the screen, and the
program must end cleanly when asked to.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.qt_platform import XCB_LIBRARIES, platform_problem, qt_platform

ROOT = Path(__file__).resolve().parents[2]
TITLES = ("大厅总览", "叫号显示屏", "自助取号")  # Qt appends " — 综合一窗" to each



def visible_windows(display: str) -> dict[str, tuple[int, int, int, int]]:
    """Title → (x, y, width, height) of every visible top-level window."""
    env = {**os.environ, "DISPLAY": display}
    ids = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", "."], env=env, capture_output=True, text=True
    ).stdout.split()
    found = {}
    for wid in ids:
        name = subprocess.run(
            ["xdotool", "getwindowname", wid], env=env, capture_output=True, text=True
        ).stdout
        geo = subprocess.run(
            ["xdotool", "getwindowgeometry", "--shell", wid], env=env, capture_output=True, text=True
        ).stdout
        v = dict(re.findall(r"(\w+)=(-?\d+)", geo))
        if name.strip() and {"X", "Y", "WIDTH", "HEIGHT"} <= v.keys():
            found[name.strip()] = (int(v["X"]), int(v["Y"]), int(v["WIDTH"]), int(v["HEIGHT"]))
    return found


def test_demo_hall_opens_on_a_real_x_server(xvfb: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DISPLAY": xvfb,
        "QT_QPA_PLATFORM": "xcb",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    for key in ("ONEWINDOW_SECRETS", "ONEWINDOW_DB", "ONEWINDOW_CONFIG", "WAYLAND_DISPLAY"):
        env.pop(key, None)
    demo = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        windows: dict[str, tuple[int, int, int, int]] = {}
        while time.monotonic() < deadline and demo.poll() is None:
            windows = visible_windows(xvfb)
            if all(any(t in name for name in windows) for t in TITLES):
                break
            time.sleep(0.5)
        assert demo.poll() is None, demo.communicate(timeout=10)[1].decode(errors="replace")[-2000:]
        assert all(any(t in name for name in windows) for t in TITLES), windows
        # the overview names the application once, as Qt appends it, never twice
        assert all(name.count("综合一窗") == 1 for name in windows if "大厅总览" in name), windows
        for name, (x, y, w, h) in windows.items():
            if any(t in name for t in TITLES):  # every window fits on the 1920×1080 screen
                assert x >= 0 and y >= 0 and x + w <= 1920 and y + h <= 1080, (name, x, y, w, h)
    finally:
        if demo.poll() is None:
            demo.send_signal(signal.SIGTERM)
        try:
            _, err = demo.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
            _, err = demo.communicate()
    text = err.decode(errors="replace")
    assert "Could not load the Qt platform plugin" not in text and "Traceback" not in text, text[-2000:]


def test_platform_check_names_missing_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    assert qt_platform({"DISPLAY": ":0"}, "linux") == "xcb"
    assert qt_platform({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, "linux") == ""
    assert qt_platform({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}, "linux") == "offscreen"
    assert platform_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    monkeypatch.setattr(
        "ctypes.util.find_library", lambda name: None if name == "xcb-cursor" else f"lib{name}.so"
    )
    problem = platform_problem({"DISPLAY": ":0"}, "linux")
    assert problem is not None and "sudo apt-get install libxcb-cursor0" in problem
    assert set(XCB_LIBRARIES.values()) >= {"libxcb-cursor0", "libxcb-icccm4", "libxcb-xkb1"}
