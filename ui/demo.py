"""One PC, every role: the demo hall and a township's single-PC set-up.

`main.py` (the demo) runs on its own SQLite file with emulated devices and a clerk already at the
counter; `main.py hall` is the same arrangement for a real site: its hall database, its devices,
a log-in at the counter, and the sync worker when a central database is configured. The counter,
kiosk and display open on the screens named in the settings; the overview window launches them.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from app.cli.core import hall_settings_from_args
from app.cli.support import CliError
from app.logs import setup_logging
from app.warmup import warm_up

log = logging.getLogger("onewindow.ui")


def demo_settings(args: argparse.Namespace) -> Any:
    """The demo runs on its own SQLite file (never the configured hall database, from the settings
    or $ONEWINDOW_DB) unless --db names another, with emulators for every device and no sync."""
    from app.cli.core import demo_settings_from_args

    settings = demo_settings_from_args(args)
    database = dataclasses.replace(settings.database, central_url="")
    devices = dataclasses.replace(settings.devices, emulate_missing=True)
    return dataclasses.replace(settings, database=database, devices=devices)


def run(args: argparse.Namespace) -> int:
    """The demo hall."""
    return _run(args, demo_settings(args), demo=True)


def run_single_pc(args: argparse.Namespace) -> int:
    """A real site on one PC."""
    return _run(args, hall_settings_from_args(args), demo=False)


def _run(args: argparse.Namespace, settings: Any, *, demo: bool) -> int:
    setup_logging(settings.log_dir, settings.logging.level)
    from app.auth import use_terminal

    use_terminal("demo" if demo else "hall")

    from app.context import HallUnavailable, open_hall
    from ui.bus import HallBus
    from ui.event_pump import EventPump
    from ui.overview import HallOverviewWindow
    from ui.qt_app import create_app

    app = create_app(font_family=settings.ui.font_family, language=settings.ui.language)
    try:
        ctx = open_hall(settings, seed_demo=demo)
        if not demo:
            _refuse_default_passwords(ctx)
    except HallUnavailable as exc:
        raise CliError(str(exc)) from None
    log.info("%s on %s", "demo hall" if demo else "single-PC hall", settings.hall_db_url)
    ctx.close_stale_days()
    if demo:  # past weeks for the charts and forecast, a few 12345 诉求 (once, the demo's own database)
        from app.hall.demo_activity import seed_demo_hall

        seed_demo_hall(ctx)
    if not demo:  # a real site's daily backup, on its own thread (the demo's data is not worth one)
        from app.backup import start_daily_backup

        start_daily_backup(settings)

    with ExitStack() as stack:
        stack.callback(ctx.close)
        bus = HallBus()
        pump = EventPump(ctx, bus)
        pump.start()
        stack.callback(pump.stop)
        start_sync(settings, bus, stack)
        start_reminders(ctx, settings, bus, stack, demo=demo)
        roles = RoleWindows(ctx, bus, stack, demo=demo)
        roles.start_devices()
        overview = HallOverviewWindow(ctx, bus, launchers=roles.launchers())
        overview.show()
        roles.open_single_pc_set()
        warm_up()  # heavy imports, one collection, freeze: before any input and --quit-after
        quit_after = getattr(args, "quit_after", None)
        if quit_after:
            from PySide6.QtCore import QTimer

            QTimer.singleShot(int(quit_after), lambda: app.exit(0))  # not quit(): a locked kiosk refuses
        code = int(app.exec())
        roles.close_all()
        return code


def _refuse_default_passwords(ctx: Any) -> None:
    from app.context import HallUnavailable
    from app.demo_db import RealSiteError, refuse_default_passwords

    try:
        refuse_default_passwords(ctx)
    except RealSiteError as exc:
        ctx.close()
        raise HallUnavailable(str(exc)) from None


def start_sync(settings: Any, bus: Any, stack: ExitStack) -> None:
    """A single-PC site also syncs with the centre, when one is configured."""
    from ui.sync_worker import SyncWorker

    worker = SyncWorker.from_settings(settings)
    if worker is None:
        return
    worker.stepped.connect(lambda result: bus.syncStatus.emit(result.status))
    worker.problem.connect(lambda text: bus.notice.emit(text, True))
    worker.start()
    stack.callback(worker.stop)


def start_reminders(ctx: Any, settings: Any, bus: Any, stack: ExitStack, *, demo: bool) -> None:
    """The SMS reminder loop when the site has a sender ([sms] sender); the demo logs its messages
    (masked numbers) instead of sending them."""
    import dataclasses

    from app.reminders.service import ReminderService, SmsNotConfigured, make_sender
    from ui.reminders_worker import RemindersWorker

    if demo and settings.sms.sender == "off":
        settings = dataclasses.replace(settings, sms=dataclasses.replace(settings.sms, sender="log"))
    try:
        sender = make_sender(settings)
    except SmsNotConfigured as exc:  # the hall runs on without reminders; the manager is told
        log.warning("SMS reminders off: %s", exc)
        bus.notice.emit(f"短信提醒未启用：{exc}", True)
        return
    if sender is None:
        return
    worker = RemindersWorker(ReminderService(ctx.sessions, ctx.site_id, settings.sms, sender, queue=ctx.queue()))
    worker.problem.connect(lambda text: bus.notice.emit(text, True))
    worker.start()
    stack.callback(worker.stop)


class RoleWindows:
    """Opens the role windows on demand and keeps them, their buses and devices alive."""

    def __init__(self, ctx: Any, bus: Any, stack: ExitStack, *, demo: bool) -> None:
        from ui.bus import HallBus

        self.ctx = ctx
        self.bus = bus
        self.stack = stack
        self.demo = demo
        self.windows: dict[str, Any] = {}
        self.locked_down: dict[str, Any] = {}  # role → its ui.lockdown.Lockdown (full screen at a real site)
        # A counter and a kiosk have a reader each: their cards must not reach each other.
        self.counter_bus = self._follower_bus(HallBus())
        self.kiosk_bus = self._follower_bus(HallBus())
        self.counter_reader: Any = None  # DemoDevices when emulated
        self.kiosk_reader: Any = None
        self.printer: Any = None  # EscPosEmulator when emulated

    def _follower_bus(self, sub: Any) -> Any:
        self.bus.hallEvent.connect(sub.hallEvent)
        self.bus.notice.connect(sub.notice)
        sub.deviceStatus.connect(lambda name, text, ok: self.bus.notice.emit(f"{name}：{text}", not ok))
        return sub

    def start_devices(self) -> None:
        """The kiosk's devices as configured (emulated where the settings ask); in the demo the
        counter gets an emulated reader of its own, at a real site the configured one."""
        from devices.config import plan_devices
        from devices.emulators import start_demo_devices
        from printing.emulator import EscPosEmulator
        from ui.device_workers import start_reader, start_thermometer, stop_devices

        settings = self.ctx.settings
        try:
            kiosk_plan = plan_devices(settings.devices)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        self.stack.callback(kiosk_plan.stop)
        self.kiosk_reader = kiosk_plan.demo
        counter_port = None if self.demo else settings.devices.idcard.port
        if self.demo:
            counter = start_demo_devices(idcard=True, thermometer=False)
            self.stack.callback(counter.stop)
            self.counter_reader = counter
            counter_port = counter.idcard_port
        if kiosk_plan.idcard_port and kiosk_plan.idcard_port != counter_port:
            start_reader(self.kiosk_bus, kiosk_plan.idcard_port, settings.devices.idcard, "取号机读卡器")
        if kiosk_plan.thermometer_port:
            start_thermometer(
                self.kiosk_bus,
                kiosk_plan.thermometer_port,
                kiosk_plan.thermometer_protocol,
                kiosk_plan.thermometer_baud,
            )
        if settings.devices.scanner.port:
            from ui.device_workers import start_scanner

            start_scanner(self.kiosk_bus, settings.devices.scanner.port, settings.devices.scanner.baud, "取号机扫码器")
        if counter_port:
            start_reader(self.counter_bus, counter_port, settings.devices.idcard, "窗口读卡器")
        if not settings.printers.ticket.port and settings.devices.emulate_missing:
            self.printer = EscPosEmulator().start()
            self.stack.callback(self.printer.stop)
        self.stack.callback(stop_devices)  # device loops first, then the emulators they talk to

    # --- windows -----------------------------------------------------------------------------

    def _open(
        self, name: str, make: Callable[[], Any], screen: int | None = None, fullscreen: bool = False
    ) -> Any:
        window = self.windows.get(name)
        if window is None:
            window = make()
            if window is None:
                return None
            self.windows[name] = window
        if screen is None:
            window.show()
        else:
            from ui.display.placement import place_on_screen

            place_on_screen(window, screen, fullscreen)
        window.raise_()
        window.activateWindow()
        return window

    def _make_counter(self) -> Any:
        if self.demo:
            from ui.counter.window import demo_counter

            return demo_counter(self.ctx, self.counter_bus)
        from ui.counter.login import LoginDialog
        from ui.counter.window import CounterWindow

        dialog = LoginDialog(self.ctx)
        if not dialog.exec() or dialog.staff is None or dialog.chosen_window is None:
            return None
        return CounterWindow(
            self.ctx, self.counter_bus, dialog.staff, dialog.chosen_window, session_terminal=dialog.terminal
        )

    def open_counter(self, screen: int | None = None) -> Any:
        return self._open("counter", self._make_counter, screen)

    def open_kiosk(self, screen: int | None = None, fullscreen: bool = False) -> Any:
        from ui.kiosk.window import demo_kiosk

        port = self.ctx.settings.printers.ticket.port or (self.printer.port if self.printer else None)

        def make() -> Any:
            kiosk = demo_kiosk(self.ctx, self.kiosk_bus, printer_port=port)
            kiosk.locked = not self.demo  # a real kiosk needs a manager to leave full screen
            return kiosk

        kiosk = self._open("kiosk", make, screen, fullscreen)
        self._lock_down("kiosk", kiosk, fullscreen, with_password=False)  # the kiosk guards its own exit
        return kiosk

    def open_display(self, screen: int | None = None, fullscreen: bool = False) -> Any:
        from ui.display.board import demo_display

        board = self._open("display", lambda: demo_display(self.ctx, self.bus), screen, fullscreen)
        self._lock_down("display", board, fullscreen, with_password=True)  # a manager's password to leave
        return board

    def _lock_down(self, name: str, window: Any, fullscreen: bool, *, with_password: bool) -> None:
        """Full screen at a real site: no frame, screen kept awake, exit guarded (ui/lockdown.py); once."""
        if window is None or not fullscreen or name in self.locked_down:
            return
        from ui import lockdown

        self.locked_down[name] = lockdown.apply(window, ctx=self.ctx if with_password else None, fullscreen=True)

    def open_manager(self) -> Any:
        from ui.manager.window import ManagerDashboard

        return self._open("manager", lambda: ManagerDashboard(self.ctx, self.bus))

    def open_setup(self) -> Any:
        from ui.wizard import open_from_menu

        def make() -> Any:
            wizard = open_from_menu(self.ctx.settings.source, self.bus)
            wizard.finished.connect(lambda _result: self.windows.pop("setup", None))  # a fresh one next time
            return wizard

        return self._open("setup", make)

    def place_card(self, where: str) -> None:
        devices = self.counter_reader if where == "counter" else self.kiosk_reader
        if devices is None or devices.idcard is None:
            self.bus.notice.emit("该读卡器不是演示设备", True)
            return
        card = devices.place_next_card(remove_after=3.0)
        place = "窗口" if where == "counter" else "取号机"
        self.bus.notice.emit(f"已在{place}读卡器上放置演示身份证（{card.name}）", False)

    def launchers(self) -> dict[str, Callable[[], None]]:
        launch: dict[str, Callable[[], None]] = {
            "窗口工作台": lambda: self.open_counter(),
            "取号机": lambda: self.open_kiosk(),
            "叫号屏": lambda: self.open_display(),
            "管理看板": lambda: self.open_manager(),
        }
        if not self.demo:  # the set-up wizard again, from the menu (also `main.py setup`)
            launch["设置向导"] = self.open_setup
        if self.counter_reader is not None:
            launch["窗口读卡器放卡"] = lambda: self.place_card("counter")
        if self.kiosk_reader is not None and self.kiosk_reader.idcard is not None:
            launch["取号机读卡器放卡"] = lambda: self.place_card("kiosk")
        return launch

    def open_single_pc_set(self) -> None:
        """The counter, kiosk and display on the screens named in the settings."""
        from PySide6.QtCore import QTimer

        screens = self.ctx.settings.screens
        fullscreen = screens.fullscreen and not self.demo
        openers: list[tuple[str, Callable[[], Any]]] = [
            ("display", lambda: self.open_display(screens.display, fullscreen)),
            ("kiosk", lambda: self.open_kiosk(screens.kiosk, fullscreen)),
            ("counter", lambda: self.open_counter(screens.counter)),
        ]
        for name, opener in openers:
            # Queued: a real counter starts with a modal log-in, which must not hold up the rest.
            QTimer.singleShot(0, lambda name=name, opener=opener: self._try_open(name, opener))

    def _try_open(self, name: str, opener: Callable[[], Any]) -> None:
        try:
            opener()
        except Exception:  # one broken role must not keep the others from opening
            log.exception("opening the %s window failed", name)
            self.bus.notice.emit("有窗口未能打开，详见日志", True)

    def close_all(self) -> None:
        for window in self.windows.values():
            shutdown = getattr(window, "shutdown", None)
            if shutdown is not None:
                shutdown()
            if hasattr(window, "locked"):
                window.locked = False  # the application is quitting: a kiosk may close now
            window.close()
        self.windows.clear()
