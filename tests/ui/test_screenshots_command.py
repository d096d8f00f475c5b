"""`main.py screenshots DIR`, the command itself: every screen at the sizes halls use, and not one
text on them elided or clipped (ui/shots.py checks each grab with ui/layout_check.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]

# (file-name prefix, width, height): the screens and sizes of issue #15.
REQUIRED = (
    ("counter", 1366, 768),
    ("counter", 1920, 1080),
    ("hall-kiosk-", 1080, 1920),
    ("hall-kiosk-", 1920, 1080),
    ("hall-kiosk-elderly", 1080, 1920),
    ("hall-kiosk-elderly", 1920, 1080),
    ("hall-display", 1920, 1080),
    ("hall-display", 1280, 720),
    ("hall-manager", 1366, 768),
    ("overview", 1366, 768),
    ("wizard-", 960, 720),
)


def test_every_screen_at_every_size_shows_its_text_whole(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    env.pop("ONEWINDOW_DB", None)
    out = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "screenshots", str(tmp_path / "shots")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
    )
    assert "Traceback" not in out.stderr, out.stderr
    assert out.returncode == 0, out.stderr[-4000:]
    assert not (tmp_path / "shots" / "clipped.txt").exists()
    sizes = {}
    for path in sorted((tmp_path / "shots").glob("*.png")):
        image = QImage(str(path))
        assert not image.isNull(), path
        sizes[path.name] = (image.width(), image.height())
    missing = [
        (prefix, w, h)
        for prefix, w, h in REQUIRED
        if not any(name.startswith(prefix) and size == (w, h) for name, size in sizes.items())
    ]
    assert missing == [], sorted(sizes.items())
