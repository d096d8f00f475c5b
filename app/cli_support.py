"""Shared pieces of the command line: the user-error type and the common options."""

from __future__ import annotations

import argparse
import os


class CliError(Exception):
    """A user mistake or an unavailable resource: main prints one line and exits non-zero."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """--config and --db, accepted by every command (also ONEWINDOW_CONFIG / ONEWINDOW_DB)."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="site settings TOML file (default: $ONEWINDOW_CONFIG or the user config dir)",
    )
    parser.add_argument(
        "--db",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="hall database URL, e.g. sqlite:///hall.db or postgresql+psycopg://… (default: $ONEWINDOW_DB)",
    )


def config_path_arg(args: argparse.Namespace) -> str | None:
    return getattr(args, "config", None) or os.environ.get("ONEWINDOW_CONFIG") or None


def db_url_arg(args: argparse.Namespace) -> str | None:
    return getattr(args, "db", None) or os.environ.get("ONEWINDOW_DB") or None
