"""The command line, above the layers: every command that needs no screen is registered from here.

Each module exposes `register(subparsers)`; a command sets `func(args) -> int`. The commands that
open windows live in `ui/` (they start Qt) and `main.py` puts both lists together. Modules must
be cheap to import: no PySide6 and no heavy imports at module level.
"""

from __future__ import annotations

APP_COMMANDS = (
    "app.cli.core",  # db, seed-demo, catalogue, calendar, validate, config
    "app.cli.secrets",
    "app.cli.queue",
    "app.cli.staff",
    "app.cli.devices",
    "app.cli.printing",
    "app.cli.sync",  # sync and central administration
    "app.cli.sms",  # SMS reminders: status, send-pending
    "app.cli.policy",  # 政策一键通
    "app.cli.hotline",  # 12345 诉求
    "app.cli.deploy",  # doctor, db backup, db restore (after core: joins its db command)
)
