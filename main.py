"""OneWindow (综合一窗) — one command line for every role and tool.

No arguments opens the demo hall. `main.py --help` lists the commands.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from app.cli import APP_COMMANDS
from app.cli.support import CliError, add_common_options

# The screenless commands come from app.cli; the ones that open windows from ui (Qt only inside
# their functions).
COMMAND_MODULES = (*APP_COMMANDS, "ui.cli", "ui.counter.cli", "ui.hall_cli")

log = logging.getLogger("onewindow")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="OneWindow 综合一窗 — government service hall software. Without a command: the demo hall.",
    )
    add_common_options(parser)
    from app.version import VERSION

    parser.add_argument("--version", action="version", version=f"OneWindow {VERSION}")
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
    """Run one command. Whatever goes wrong ends in one line on stderr and a non-zero exit code;
    an unexpected error's traceback goes to the log file (masked), never to the terminal."""
    _tolerant_streams()
    private_umask()
    args: argparse.Namespace | None = None
    try:
        arguments = list(sys.argv[1:] if argv is None else argv)
        refuse_undecodable(arguments)
        parser = build_parser()
        args = parser.parse_args(arguments)
        check_explicit_config(args)
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
        if func.__module__.split(".")[0] == "ui" and args.command != "screenshots":
            from app.qt_platform import platform_problem

            problem = platform_problem(os.environ)
            if problem:
                raise CliError(problem)
            from ui.wizard import run_if_unconfigured

            run_if_unconfigured(args)  # a hall role on a PC without settings: the set-up wizard first
            # The hall's sync thread reads the centre's password from the environment (db.sync.tls),
            # put there from the site's 0600 secrets file: never from the settings file or argv.
            from app.cli.support import config_path_arg
            from app.keys import export_central_password

            export_central_password(config_path_arg(args))
        return int(func(args) or 0)
    except CliError as exc:
        _say(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the one top-level guard: a bug or an unforeseen fault
        if isinstance(exc, ImportError) and any(k in str(exc) for k in ("PySide6", "shiboken", ".so")):
            _say(
                f"error: Qt could not be loaded ({_one_line(exc)}); install the system packages listed in "
                "README.md (System packages) and run again"
            )
            return 1
        where = _log_unexpected(exc, args)
        _say(f"error: unexpected {type(exc).__name__}: {_one_line(exc)}" + (f" (details in {where})" if where else ""))
        return 1


def refuse_undecodable(arguments: Sequence[str]) -> None:
    """Arguments whose bytes were not UTF-8 reach Python as lone surrogates; nothing downstream
    (the database, files, the terminal) can store them, so they are refused at the door."""
    for i, arg in enumerate(arguments, 1):
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            shown = arg.encode("utf-8", "backslashreplace").decode("ascii", "replace")[:80]
            raise CliError(f"argument {i} ({shown}) is not valid UTF-8 text; use UTF-8 names and values") from None


def check_explicit_config(args: argparse.Namespace) -> None:
    """A settings file named with --config is checked even by commands that read nothing from it:
    a typo there should be found now, not at the next hall start."""
    if getattr(args, "config", None):
        from app.cli.core import settings_from_args

        settings_from_args(args)


def _tolerant_streams() -> None:
    # Output that cannot be encoded (a surrogate in a file name, a narrow console code page) is
    # escaped instead of raising in the middle of a command.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a closed or exotic stream
                reconfigure(errors="backslashreplace")


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):  # stderr closed: nothing more can be done
        print(line, file=sys.stderr)


def _one_line(exc: BaseException) -> str:
    from app.logs import mask_personal_numbers

    text = str(exc).strip().splitlines()
    first = text[0] if text else "(no message)"
    return mask_personal_numbers(first[:300])


def _log_unexpected(exc: BaseException, args: argparse.Namespace | None) -> str:
    """Write the traceback to the log file (masked by the log formatter); return the file's path."""
    from app.logs import setup_logging

    root = logging.getLogger("onewindow")
    try:
        path = next((Path(h.baseFilename) for h in root.handlers if isinstance(h, logging.FileHandler)), None)
        if path is None:
            from app.settings import user_log_dir

            directory = user_log_dir()
            if args is not None:
                try:
                    from app.cli.core import settings_from_args

                    directory = settings_from_args(args).log_dir
                except Exception:  # the settings may be what failed: the default log dir then
                    pass
            path = setup_logging(directory)
        log.error("unexpected error in %s", " ".join(_command_path(args)) or "main.py", exc_info=exc)
        return str(path)
    except Exception:  # no log file either (read-only home): the one line must still be printed
        return ""


def _command_path(args: argparse.Namespace | None) -> list[str]:
    if args is None:
        return []
    keys = [k for k in vars(args) if k == "command" or k.endswith("_command")]
    return [str(getattr(args, k)) for k in keys if getattr(args, k, None)]


if __name__ == "__main__":
    sys.exit(main())
