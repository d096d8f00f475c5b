"""Hall screen commands: `main.py kiosk`, `main.py display`, `main.py manager`.

Each opens one role against the configured hall database on the screen settings.screens names
(falling back to the primary screen). PySide6 is imported only inside the handlers.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from app.cli.support import CliError, add_common_options
from app.warmup import warm_up

log = logging.getLogger("onewindow.ui")


def _screen_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--screen", type=int, metavar="N", help="screen number (0 = first); default from settings.screens"
    )
    p.add_argument(
        "--fullscreen",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="full screen (default: settings.screens.fullscreen)",
    )
    p.add_argument("--quit-after", type=int, metavar="MS", help=argparse.SUPPRESS)  # smoke tests


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "kiosk", help="open the ticket kiosk (取号机)", description="open the ticket kiosk (取号机)"
    )
    add_common_options(p)
    _screen_options(p)
    p.add_argument(
        "--idcard-port", metavar="PORT", help="ID-card reader port (default: settings.devices.idcard.port)"
    )
    p.add_argument(
        "--printer-port", metavar="PORT", help="ESC/POS printer port (default: settings.printers.ticket.port)"
    )
    p.add_argument(
        "--pdf-dir",
        metavar="DIR",
        type=Path,
        help="no thermal printer: write ticket PDFs here for the spooler",
    )
    p.add_argument(
        "--system-printer",
        nargs="?",
        const="",
        default=None,
        metavar="NAME",
        help="no thermal printer: print tickets on this system printer (A4 or roll; no NAME: the default)",
    )
    p.add_argument(
        "--fever-action",
        choices=("desk", "refuse"),
        default=None,
        help="at or above the fever threshold: ticket to the screening desk, or none (guidance only)",
    )
    p.add_argument(
        "--screening-category",
        default=None,
        metavar="CODE",
        help="category code/prefix of the screening desk (default: settings kiosk.screening_category)",
    )
    p.add_argument(
        "--require-id",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="every ticket needs an ID-card swipe (default: settings kiosk.require_id)",
    )
    p.add_argument(
        "--no-voice",
        action="store_true",
        help="no spoken prompts (settings kiosk.voice_standard / voice_elderly)",
    )
    p.set_defaults(func=cmd_kiosk)

    p = sub.add_parser(
        "display", help="open the call display board (叫号屏)", description="open the call display board"
    )
    add_common_options(p)
    _screen_options(p)
    p.add_argument("--notice", default="", help="scrolling notice text")
    p.add_argument("--no-voice", action="store_true", help="do not announce calls")
    p.set_defaults(func=cmd_display)

    p = sub.add_parser(
        "manager", help="open the hall manager dashboard", description="open the hall manager dashboard"
    )
    add_common_options(p)
    _screen_options(p)
    p.set_defaults(func=cmd_manager)


@contextlib.contextmanager
def _hall(args: argparse.Namespace, role: str = "display") -> Iterator[tuple[Any, Any, Any, Any]]:
    """(app, ctx, bus, settings) with the event pump running; everything stopped on exit.

    The kiosk and the manager dashboard of a real site refuse to start while an account still
    has a demo or default password (the display has no log-in)."""
    from app.auth import use_terminal
    from app.cli.core import open_hall_from_args, settings_from_args
    from app.demo_db import RealSiteError, refuse_default_passwords
    from app.logs import setup_logging

    settings = settings_from_args(args)
    setup_logging(settings.log_dir, settings.logging.level)
    use_terminal(role)
    from ui.bus import HallBus
    from ui.event_pump import EventPump
    from ui.qt_app import create_app

    app = create_app(font_family=settings.ui.font_family, language=settings.ui.language)
    ctx = open_hall_from_args(args)
    if role in ("kiosk", "manager"):
        try:
            refuse_default_passwords(ctx)
        except RealSiteError as exc:
            ctx.close()
            raise CliError(str(exc)) from None
    ctx.close_stale_days()
    bus = HallBus()
    pump = EventPump(ctx, bus)
    pump.start()
    try:
        yield app, ctx, bus, ctx.settings
    finally:
        pump.stop()
        ctx.close()


def _show(app: Any, widget: Any, args: argparse.Namespace, index: int, fullscreen: bool) -> int:
    from PySide6.QtCore import QTimer

    from ui.hall_screens import place_on_screen

    place_on_screen(
        widget,
        index if args.screen is None else args.screen,
        fullscreen if args.fullscreen is None else args.fullscreen,
    )
    warm_up()  # heavy imports, one collection, freeze: before any input and --quit-after
    if args.quit_after:
        QTimer.singleShot(int(args.quit_after), lambda: app.exit(0))  # not quit(): a locked screen refuses
    return int(app.exec())


def _voice(settings: Any, parent: Any) -> Any:
    from ui.voice.player import make_player

    return make_player(settings.ui.voice_repeat, parent)


def cmd_display(args: argparse.Namespace) -> int:
    with _hall(args) as (app, ctx, bus, settings):
        from ui import lockdown
        from ui.display.board import DEFAULT_NOTICE, DisplayBoard

        voice = None if args.no_voice else _voice(settings, app)
        board = DisplayBoard(ctx, bus, voice=voice, notice=args.notice or DEFAULT_NOTICE)
        lockdown.apply(board, settings, ctx, fullscreen=args.fullscreen)  # a manager's password to leave
        try:
            return _show(app, board, args, settings.screens.display, settings.screens.fullscreen)
        finally:
            board.shutdown()


def cmd_manager(args: argparse.Namespace) -> int:
    with _hall(args, "manager") as (app, ctx, bus, settings):
        from ui.manager.window import ManagerDashboard

        dash = ManagerDashboard(ctx, bus)
        if not args.fullscreen:  # a manager's PC: the dashboard fills the screen (1366×768 and up)
            from PySide6.QtCore import QTimer

            QTimer.singleShot(0, dash.showMaximized)
        try:
            return _show(app, dash, args, settings.screens.counter, False)
        finally:
            dash.shutdown()


def kiosk_printer(
    settings: Any, port: str | None, pdf_dir: Path | None, system_printer: str | None = None
) -> Any:
    """The kiosk's ticket printer: ESC/POS on a port, else a system printer, else PDFs for the
    spooler, else none (the kiosk then shows the number and says so)."""
    t = settings.printers.ticket
    port = port or t.port
    if port:
        from printing.printer import EscPosPrinter

        return EscPosPrinter(port, baudrate=t.baud, width_mm=t.width_mm, raster=t.raster)
    if system_printer is not None:
        from ui.kiosk.system_printer import SystemTicketPrinter

        return SystemTicketPrinter(system_printer, width_mm=t.width_mm)
    if pdf_dir is not None:
        from app.hall.kiosk import PdfDirectoryPrinter

        return PdfDirectoryPrinter(pdf_dir, t.width_mm)
    return None


def start_kiosk_devices(settings: Any, bus: Any, idcard_port: str | None) -> list[Callable[[], object]]:
    """Card reader, thermometer and serial scanner workers feeding the bus; returns their stop functions."""
    from devices.config import thermo_protocol
    from ui.device_workers import start_reader, start_thermometer

    stops: list[Callable[[], object]] = []
    port = idcard_port or settings.devices.idcard.port
    if port:
        stops.append(start_reader(bus, port, settings.devices.idcard).stop)
    t = settings.devices.thermometer
    if t.port:
        try:
            protocol = thermo_protocol(t)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        stops.append(start_thermometer(bus, t.port, protocol, t.baud or None).stop)
    scanner = settings.devices.scanner
    if scanner.port:
        from ui.device_workers import start_scanner

        stops.append(start_scanner(bus, scanner.port, scanner.baud).stop)
    return stops


def cmd_kiosk(args: argparse.Namespace) -> int:
    import dataclasses

    with _hall(args, "kiosk") as (app, ctx, bus, settings):
        overrides = {
            key: value
            for key in ("fever_action", "screening_category", "require_id")
            if (value := getattr(args, key)) is not None
        }
        try:
            policy = dataclasses.replace(settings.kiosk, **overrides)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        from ui import lockdown
        from ui.kiosk.window import KioskWindow

        stops = start_kiosk_devices(settings, bus, args.idcard_port)
        voice = None if args.no_voice else _voice(settings, app)
        printer = kiosk_printer(settings, args.printer_port, args.pdf_dir, args.system_printer)
        kiosk = KioskWindow(ctx, bus, printer=printer, voice=voice, policy=policy)
        if args.quit_after:
            kiosk.locked = False  # smoke tests end the event loop themselves
        lockdown.apply(kiosk, settings, fullscreen=args.fullscreen)  # the kiosk guards its own exit
        try:
            return _show(app, kiosk, args, settings.screens.kiosk, settings.screens.fullscreen)
        finally:
            kiosk.shutdown()
            if printer is not None and hasattr(printer, "close"):
                printer.close()
            for stop in stops:
                stop()
