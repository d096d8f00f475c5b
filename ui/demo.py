"""The demo hall: one process, embedded SQLite, emulated devices, every role in its own window."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from app.cli_core import settings_from_args
from app.cli_support import CliError
from app.logs import setup_logging

log = logging.getLogger("onewindow.ui")


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    setup_logging(settings.log_dir, settings.logging.level)

    from app.context import HallUnavailable, open_hall
    from ui.bus import HallBus
    from ui.event_pump import EventPump
    from ui.overview import HallOverviewWindow
    from ui.qt_app import create_app

    app = create_app(font_family=settings.ui.font_family, language=settings.ui.language)
    try:
        ctx = open_hall(settings, seed_demo=True)
    except HallUnavailable as exc:
        raise CliError(str(exc)) from None
    log.info("demo hall on %s", settings.hall_db_url)

    with ExitStack() as stack:
        stack.callback(ctx.close)
        bus = HallBus()
        pump = EventPump(ctx, bus)
        pump.start()
        stack.callback(pump.stop)
        roles = RoleWindows(ctx, bus, stack)
        overview = HallOverviewWindow(ctx, bus, launchers=roles.launchers())
        overview.show()
        roles.open_single_pc_set()
        quit_after = getattr(args, "quit_after", None)
        if quit_after:
            from PySide6.QtCore import QTimer

            QTimer.singleShot(int(quit_after), app.quit)
        return int(app.exec())


class RoleWindows:
    """Opens the role windows on demand and keeps them (and their devices) alive."""

    def __init__(self, ctx: Any, bus: Any, stack: ExitStack) -> None:
        self.ctx = ctx
        self.bus = bus
        self.stack = stack
        self.windows: dict[str, Any] = {}

    def launchers(self) -> dict[str, Callable[[], None]]:
        return {}

    def open_single_pc_set(self) -> None:
        """In single-PC mode the counter, kiosk and display open on their configured screens."""
