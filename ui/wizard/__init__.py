"""The first-run wizard: `main.py setup`, and before `hall`, `counter`, `kiosk`, `display` or
`manager` on a PC that has no settings yet."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.support import config_path_arg

FIRST_RUN_COMMANDS = ("hall", "counter", "kiosk", "display", "manager")


def config_path(args: argparse.Namespace) -> Path:
    from app.settings import default_config_path

    explicit = config_path_arg(args)
    return Path(explicit) if explicit else default_config_path()


def needs_setup(args: argparse.Namespace) -> bool:
    """No settings file where this command would read one (and no hall database named instead)."""
    import os

    if getattr(args, "db", None) or os.environ.get("ONEWINDOW_DB"):
        return False
    return not config_path(args).exists()


def run_wizard(args: argparse.Namespace, *, ports: list[str] | None = None) -> int:
    """Open the wizard; 0 when it finished and wrote the settings, 1 when cancelled."""
    from app.setup.steps import initial_state
    from ui.qt_app import create_app
    from ui.wizard.wizard import SetupWizard

    state = initial_state(config_path(args))
    app = create_app()
    wizard = SetupWizard(state, ports=ports)
    wizard.show()
    from app.warmup import warm_up

    warm_up()  # heavy imports, one collection, freeze: before any input and --quit-after
    quit_after = getattr(args, "quit_after", None)
    if quit_after:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(int(quit_after), wizard.reject)
    wizard.finished.connect(app.quit)
    app.exec()
    return 0 if wizard.result() == 1 else 1


def run_if_unconfigured(args: argparse.Namespace) -> None:
    """Before a hall role starts: a PC without settings gets the wizard first; cancelled → stop."""
    if getattr(args, "demo", False):  # `counter --demo` runs on the demo's own database
        return
    if getattr(args, "command", None) not in FIRST_RUN_COMMANDS or not needs_setup(args):
        return
    from app.cli.support import CliError

    if run_wizard(args) != 0 or not config_path(args).exists():
        raise CliError("setup not finished: run `main.py setup` to set this PC up")


def open_from_menu(settings_source: str, bus: object | None = None) -> Any:
    """The wizard from a running hall's menu: changes apply at the next start (it says so)."""
    from app.settings import default_config_path
    from app.setup.steps import initial_state
    from ui.wizard.wizard import SetupWizard

    wizard = SetupWizard(initial_state(Path(settings_source) if settings_source else default_config_path()))
    notice = getattr(bus, "notice", None)
    if notice is not None:
        wizard.accepted.connect(lambda: notice.emit("设置已保存，重新启动本程序后生效", False))
    return wizard
