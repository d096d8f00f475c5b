"""`main.py screenshots DIR`, the command itself: every screen at the sizes halls use, and not one
text on them elided or clipped (ui/shots.py checks each grab with ui/layout_check.py)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage

# (file-name prefix, width, height): the screens and sizes of issue #15.
REQUIRED = (
    ("counter", 1366, 768),
    ("counter", 1920, 1080),
    ("hall-kiosk-", 1080, 1920),
    ("hall-kiosk-", 1920, 1080),
    ("hall-kiosk-elderly", 1080, 1920),
    ("hall-kiosk-elderly", 1920, 1080),
    ("hall-kiosk-rate-visit", 1080, 1920),  # the 评价 page with a demo visit looked up by its code
    ("hall-kiosk-rate-visit", 1920, 1080),
    ("hall-kiosk-elderly-rate-visit", 1080, 1920),
    ("hall-kiosk-elderly-rate-visit", 1920, 1080),
    ("hall-display", 1920, 1080),
    ("hall-display", 1280, 720),
    ("hall-manager", 1366, 768),
    ("overview", 1366, 768),
    ("wizard-", 960, 720),
    # issue #17: 政策一键通 and 12345 at the counter, the kiosk and the manager
    ("counter_policy", 1366, 768),
    ("counter_policy", 1920, 1080),
    ("hall-kiosk-policy-1", 1080, 1920),
    ("hall-kiosk-policy-1", 1920, 1080),
    ("hall-kiosk-policy-elderly", 1080, 1920),
    ("hall-kiosk-policy-elderly", 1920, 1080),
    ("hall-kiosk-policy-doc-elderly", 1080, 1920),
    ("hall-kiosk-policy-doc-elderly", 1920, 1080),
    ("hall-kiosk-report-1", 1080, 1920),
    ("hall-kiosk-report-1", 1920, 1080),
    ("hall-kiosk-report-elderly", 1080, 1920),
    ("hall-kiosk-report-elderly", 1920, 1080),
    ("hall-kiosk-report-phone-elderly", 1080, 1920),
    ("hall-kiosk-report-phone-elderly", 1920, 1080),
    ("hall-manager-hotline", 1366, 768),
    ("counter_appeal", 860, 520),  # the clerk's 差评申诉 with an item chosen (issue #17)
)


def test_every_screen_at_every_size_shows_its_text_whole(rendered_screens: Path) -> None:
    # rendered_screens (tests/conftest.py) ran the command and found nothing clipped
    sizes = {}
    for path in sorted(rendered_screens.glob("*.png")):
        image = QImage(str(path))
        assert not image.isNull(), path
        sizes[path.name] = (image.width(), image.height())
    missing = [
        (prefix, w, h)
        for prefix, w, h in REQUIRED
        if not any(name.startswith(prefix) and size == (w, h) for name, size in sizes.items())
    ]
    assert missing == [], sorted(sizes.items())
