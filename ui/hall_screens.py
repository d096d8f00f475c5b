"""Screen placement for single-PC mode (the demo hall calls `place_on_screen`)."""

from __future__ import annotations

from ui.display.placement import place_on_screen, screen_for

__all__ = ["place_on_screen", "screen_for"]
