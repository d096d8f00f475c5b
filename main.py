"""OneWindow (综合一窗) — one command line for every role and tool.

No arguments opens the demo hall. `main.py --help` lists the commands.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import os
import sys
from collections.abc import Sequence

from app.cli_support import CliError, add_common_options

# Each module exposes register(subparsers); a command sets `func(args) -> int`.
# Modules must be cheap to import: no PySide6 at module level.
COMMAND_MODULES = (
    "app.cli_core",
    "app.secrets_cli",
    "app.queue.cli",
    "app.staff_cli",
    "devices.cli",
    "printing.cli",
    "db.sync.cli",
    "ui.cli",
    "ui.counter.cli",
    "ui.hall_cli",
)

log = logging.getLogger("onewindow")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="OneWindow 综合一窗 — government service hall software. Without a command: the demo hall.",
    )
    add_common_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            if importlib.util.find_spec(name) is None:
                continue
        except ModuleNotFoundError:  # parent package not there (yet)
            continue
        importlib.import_module(name).register(sub)
    return parser


def private_umask() -> None:
    """Everything the program creates — databases, backups, logs, documents, photos, drafts,
    secrets — is owner-only (files 0600, folders 0700): they hold citizens' personal data."""
    if os.name == "posix":
        os.umask(0o077)


def main(argv: Sequence[str] | None = None) -> int:
    private_umask()
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        if args.command:
            parser.parse_args([args.command, "--help"])
            return 2
        from ui.cli import run_demo_hall

        func = run_demo_hall
    from app.auth import terminal_id
    from db.models import set_audit_origin

    set_audit_origin(terminal_id("cli"))  # a GUI command names its own terminal when it starts
    try:
        return int(func(args) or 0)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
