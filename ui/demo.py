"""The demo hall: one process, embedded SQLite, emulated devices, every role in its own window.

The counter and the kiosk each get their own emulated ID-card reader (as at a real hall), the
kiosk an emulated thermometer and ESC/POS printer; the overview window has buttons that place a
demo card on either reader, so the whole intake path can be tried without hardware.
"""

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
    ctx.close_stale_days()

    with ExitStack() as stack:
        stack.callback(ctx.close)
        bus = HallBus()
        pump = EventPump(ctx, bus)
        pump.start()
        stack.callback(pump.stop)
        start_sync(settings, bus, stack)
        roles = RoleWindows(ctx, bus, stack)
        roles.start_devices()
        overview = HallOverviewWindow(ctx, bus, launchers=roles.launchers())
        overview.show()
        roles.open_single_pc_set()
        quit_after = getattr(args, "quit_after", None)
        if quit_after:
            from PySide6.QtCore import QTimer

            QTimer.singleShot(int(quit_after), app.quit)
        code = int(app.exec())
        roles.close_all()
        return code


def start_sync(settings: Any, bus: Any, stack: ExitStack) -> None:
    """Single-PC site: this process also syncs with the centre, when one is configured."""
    from ui.sync_worker import SyncWorker

    worker = SyncWorker.from_settings(settings)
    if worker is None:
        return
    worker.stepped.connect(lambda result: bus.syncStatus.emit(result.status))
    worker.problem.connect(lambda text: bus.notice.emit(text, True))
    worker.start()
    stack.callback(worker.stop)


class RoleWindows:
    """Opens the role windows on demand and keeps them, their buses and devices alive."""

    def __init__(self, ctx: Any, bus: Any, stack: ExitStack) -> None:
        from ui.bus import HallBus

        self.ctx = ctx
        self.bus = bus
        self.stack = stack
        self.windows: dict[str, Any] = {}
        # A counter and a kiosk have a reader each: their cards must not reach each other.
        self.counter_bus = self._follower_bus(HallBus())
        self.kiosk_bus = self._follower_bus(HallBus())
        self.counter_reader: Any = None
        self.kiosk_reader: Any = None
        self.printer: Any = None

    def _follower_bus(self, sub: Any) -> Any:
        self.bus.hallEvent.connect(sub.hallEvent)
        self.bus.notice.connect(sub.notice)
        sub.deviceStatus.connect(lambda name, text, ok: self.bus.notice.emit(f"{name}：{text}", not ok))
        return sub

    def start_devices(self) -> None:
        from devices.config import plan_devices
        from devices.emulators import start_demo_devices
        from devices.qt_worker import stop_all_workers
        from printing.emulator import EscPosEmulator
        from ui.device_wiring import start_reader, start_thermometer

        settings = self.ctx.settings
        kiosk_plan = plan_devices(settings.devices, emulate_missing=True)
        self.stack.callback(kiosk_plan.stop)
        self.kiosk_reader = kiosk_plan.demo
        counter = start_demo_devices(idcard=True, thermometer=False)
        self.stack.callback(counter.stop)
        self.counter_reader = counter
        if kiosk_plan.idcard_port:
            start_reader(self.kiosk_bus, kiosk_plan.idcard_port, settings.devices.idcard, "取号机读卡器")
        if kiosk_plan.thermometer_port:
            start_thermometer(
                self.kiosk_bus,
                kiosk_plan.thermometer_port,
                kiosk_plan.thermometer_protocol,
                kiosk_plan.thermometer_baud,
            )
        if counter.idcard_port:
            start_reader(self.counter_bus, counter.idcard_port, settings.devices.idcard, "窗口读卡器")
        if not settings.printers.ticket.port:
            self.printer = EscPosEmulator().start()
            self.stack.callback(self.printer.stop)
        self.stack.callback(stop_all_workers)  # workers first, then the emulators they talk to

    # --- windows -----------------------------------------------------------------------------

    def _open(
        self, name: str, make: Callable[[], Any], screen: int | None = None, fullscreen: bool = False
    ) -> Any:
        window = self.windows.get(name)
        if window is None:
            window = make()
            self.windows[name] = window
        if screen is None:
            window.show()
        else:
            from ui.display.placement import place_on_screen

            place_on_screen(window, screen, fullscreen)
        window.raise_()
        window.activateWindow()
        return window

    def open_counter(self, screen: int | None = None) -> Any:
        from ui.counter.window import demo_counter

        return self._open("counter", lambda: demo_counter(self.ctx, self.counter_bus), screen)

    def open_kiosk(self, screen: int | None = None) -> Any:
        from ui.kiosk.window import demo_kiosk

        port = self.ctx.settings.printers.ticket.port or (self.printer.port if self.printer else None)
        return self._open("kiosk", lambda: demo_kiosk(self.ctx, self.kiosk_bus, printer_port=port), screen)

    def open_display(self, screen: int | None = None) -> Any:
        from ui.display.board import demo_display

        return self._open("display", lambda: demo_display(self.ctx, self.bus), screen)

    def open_manager(self) -> Any:
        from ui.manager.window import ManagerDashboard

        return self._open("manager", lambda: ManagerDashboard(self.ctx, self.bus))

    def place_card(self, where: str) -> None:
        devices = self.counter_reader if where == "counter" else self.kiosk_reader
        if devices is None or devices.idcard is None:
            self.bus.notice.emit("该读卡器不是演示设备", True)
            return
        card = devices.place_next_card(remove_after=3.0)
        self.bus.notice.emit(
            f"已在{'窗口' if where == 'counter' else '取号机'}读卡器上放置演示身份证（{card.name}）", False
        )

    def launchers(self) -> dict[str, Callable[[], None]]:
        return {
            "窗口工作台": lambda: self.open_counter(),
            "取号机": lambda: self.open_kiosk(),
            "叫号屏": lambda: self.open_display(),
            "管理看板": lambda: self.open_manager(),
            "窗口读卡器放卡": lambda: self.place_card("counter"),
            "取号机读卡器放卡": lambda: self.place_card("kiosk"),
        }

    def open_single_pc_set(self) -> None:
        """Single-PC mode: the counter, kiosk and display on the screens named in the settings."""
        screens = self.ctx.settings.screens
        try:
            self.open_display(screens.display)
            self.open_kiosk(screens.kiosk)
            self.open_counter(screens.counter)
        except Exception:  # one broken role must not keep the others from opening
            log.exception("opening a role window failed")
            self.bus.notice.emit("有窗口未能打开，详见日志", True)

    def close_all(self) -> None:
        for window in self.windows.values():
            shutdown = getattr(window, "shutdown", None)
            if shutdown is not None:
                shutdown()
            window.close()
        self.windows.clear()
