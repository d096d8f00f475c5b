"""Shared pieces of the command line: the user-error type and the common options."""

from __future__ import annotations

import argparse
import math
import os
import stat
from pathlib import Path


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


def finite_float(text: str) -> float:
    """argparse type: a finite number (nan and inf would make a timeout or a duration endless)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def seconds(text: str) -> float:
    """argparse type: a duration in seconds, 0 to one day."""
    value = finite_float(text)
    if not 0 <= value <= 86_400:
        raise argparse.ArgumentTypeError(f"{text!r}: give seconds between 0 and 86400")
    return value


def output_dir(text: str) -> Path:
    """argparse type: a folder to write into; an empty name would silently mean the current one."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty folder name")
    return Path(text)


def first_line(error: object) -> str:
    """The first line of an error's text (drivers add hints and context on further lines)."""
    lines = str(error).strip().splitlines()
    return lines[0].strip() if lines else type(error).__name__


def config_path_arg(args: argparse.Namespace) -> str | None:
    return getattr(args, "config", None) or os.environ.get("ONEWINDOW_CONFIG") or None


def db_url_arg(args: argparse.Namespace) -> str | None:
    return getattr(args, "db", None) or os.environ.get("ONEWINDOW_DB") or None


# --- checks made before a command touches a database or reads an imported file ----------------

SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_IMPORT_BYTES = 16_000_000  # a catalogue file, a calendar notice, an empowerment list


def check_hall_db_url(url: str, *, create: bool = False) -> None:
    """Refuse a hall database URL that cannot work, with one line, before anything is opened.

    A SQLite file that does not exist is refused unless `create` (db upgrade, seed-demo): a
    mistyped path must not silently become a new, empty hall with its folders.
    """
    import sqlalchemy as sa

    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise CliError(
            f"{url!r} is not a database URL; write sqlite:///PATH or postgresql://USER@HOST/DB"
        ) from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise CliError(f"hall database must be SQLite or PostgreSQL, not {backend!r}")
    if backend == "postgresql":
        return
    if not parsed.database or parsed.database == ":memory:":
        raise CliError("the hall database URL names no file (sqlite:///PATH needed)")
    path = Path(parsed.database)
    try:
        exists = path.exists()
    except (OSError, ValueError) as exc:  # a name too long, a NUL, a folder without permission
        raise CliError(f"cannot use hall database {path}: {exc}") from None
    if not exists:
        if create:
            return
        raise CliError(
            f"hall database {path} does not exist; check the path, or create it with "
            "`main.py db upgrade --db URL`"
        )
    if not path.is_file():
        raise CliError(f"hall database {path} is not a file")
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise CliError(f"cannot read hall database {path}: {exc.strerror or exc}") from None
    if head and head != SQLITE_MAGIC:
        raise CliError(f"{path} is not a SQLite database")


def check_import_dir(directory: Path | None, what: str) -> None:
    """A folder of JSON files to import (None: the bundled one): a folder, each file importable."""
    if directory is None:
        return
    if not directory.is_dir():
        raise CliError(f"{what} directory {directory} is not a directory")
    for file in sorted(directory.glob("*.json")):
        check_import_file(file, f"{what} file")


def check_import_file(path: Path, what: str, *, limit: int = MAX_IMPORT_BYTES) -> None:
    """An imported file must be a regular, readable file of reasonable size."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise CliError(f"{what} {path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {what} {path}: {exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise CliError(f"{what} {path} is not a regular file")
    if st.st_size > limit:
        raise CliError(
            f"{what} {path} is {st.st_size / 1e6:.1f} MB; at most {limit / 1e6:.0f} MB is imported"
        )
