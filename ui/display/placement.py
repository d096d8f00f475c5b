"""One PC, several screens: put a role's window on the screen settings.screens names."""

from __future__ import annotations

import logging

from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

log = logging.getLogger("onewindow.ui")


def screen_for(index: int) -> QScreen:
    """Screen number `index` (0 = first), or the primary screen when there is no such screen."""
    screens = QGuiApplication.screens()
    primary = QGuiApplication.primaryScreen()
    if 0 <= index < len(screens):
        return screens[index]
    log.warning("screen %d not connected (%d screens); using the primary screen", index, len(screens))
    return primary


def place_on_screen(widget: QWidget, index: int, fullscreen: bool) -> QScreen:
    """Show `widget` on screen `index` (falling back to the primary one), full screen if asked."""
    screen = screen_for(index)
    widget.setScreen(screen)
    area = screen.availableGeometry()
    if fullscreen:
        widget.setGeometry(screen.geometry())
        widget.showFullScreen()
    else:
        width = min(max(widget.sizeHint().width(), area.width() * 4 // 5), area.width())
        height = min(max(widget.sizeHint().height(), area.height() * 4 // 5), area.height())
        widget.resize(width, height)
        widget.move(area.x() + (area.width() - width) // 2, area.y() + (area.height() - height) // 2)
        widget.show()
    return screen
