"""`main.py secrets`: create, rotate and set the site's secrets without showing them anywhere.

Values never travel through argv (visible in `ps`) or output: `set` reads the value from a hidden
prompt or, for scripts, from standard input.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from app.cli.support import CliError, add_common_options, config_path_arg
from app.secrets import (
    CENTRAL_PASSWORD,
    DATA_KEY,
    ID_HASH_KEY,
    SMS_GATEWAY_SECRET,
    SecretsError,
    ensure_keys,
    read_secrets,
    rotate_key,
    secrets_path,
    write_secret,
)

SETTABLE = (CENTRAL_PASSWORD, ID_HASH_KEY, SMS_GATEWAY_SECRET)


def _parser(sub: argparse._SubParsersAction, name: str, help_: str) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
    add_common_options(p)
    return p


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    top = _parser(
        sub, "secrets", "the site's secrets file (keys, central password): create, rotate, set, list"
    )
    actions = top.add_subparsers(dest="secrets_command", metavar="ACTION", required=True)
    p = _parser(
        actions, "init", "create the ID-hash key and the data key if missing (existing ones are kept)"
    )
    p.set_defaults(func=cmd_init)
    p = _parser(actions, "rotate", "add a new data key; new writes use it, older keys still decrypt")
    p.set_defaults(func=cmd_rotate)
    p = _parser(
        actions,
        "rewrap",
        "re-encrypt personal fields still under an older data key (after rotate); then it may go",
    )
    p.set_defaults(func=cmd_rewrap)
    p = _parser(actions, "set", "set a secret from a hidden prompt or standard input (never an argument)")
    p.add_argument("name", choices=SETTABLE, help="which secret")
    p.set_defaults(func=cmd_set)
    p = _parser(actions, "list", "the names in the secrets file (never the values)")
    p.set_defaults(func=cmd_list)


def _path(args: argparse.Namespace) -> str:
    return str(secrets_path(config_path_arg(args)))


def cmd_init(args: argparse.Namespace) -> int:
    path = _path(args)
    try:
        before = set(read_secrets(path))
        after = set(ensure_keys(path, (ID_HASH_KEY, DATA_KEY)))
    except (SecretsError, OSError) as exc:
        raise CliError(str(exc)) from None
    made = sorted(after - before)
    print(f"{path}: {'created ' + ', '.join(made) if made else 'keys already present'}")
    return 0


def cmd_rotate(args: argparse.Namespace) -> int:
    path = _path(args)
    try:
        read_secrets(path).require(DATA_KEY)
        name = rotate_key(path, DATA_KEY)
    except (SecretsError, OSError) as exc:
        raise CliError(str(exc)) from None
    print(f"{path}: added {name}; keep the older data keys, rows written with them still need them")
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    path = _path(args)
    try:
        tty = sys.stdin.isatty()
        value = getpass.getpass(f"{args.name}: ") if tty else sys.stdin.readline().rstrip("\r\n")
    except (UnicodeDecodeError, EOFError, OSError):
        raise CliError(
            "could not read the value (expected one line of UTF-8 text); nothing changed"
        ) from None
    if not value:
        raise CliError("no value given; nothing changed")
    try:
        write_secret(path, args.name, value)
    except (SecretsError, OSError) as exc:
        raise CliError(str(exc)) from None
    print(f"{path}: {args.name} set")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    path = _path(args)
    try:
        names = sorted(read_secrets(path))
    except (SecretsError, OSError) as exc:
        raise CliError(str(exc)) from None
    print(f"{path}: {', '.join(names) if names else 'no secrets'}")
    return 0


def cmd_rewrap(args: argparse.Namespace) -> int:
    from app.cases.personal import rewrap_cases
    from app.cases.service import write_session
    from app.cli.core import open_hall_from_args

    ctx = open_hall_from_args(args)  # a real site: its keys, or one line saying what is missing
    total = 0
    try:
        while True:  # batches, each one transaction: an interruption loses nothing
            with write_session(ctx.sessions) as session:
                done = rewrap_cases(session, ctx.site_id)
            total += done
            if not done:
                break
    finally:
        ctx.close()
    print(f"{total} cases re-encrypted with data key {ctx.keys.cipher.current if ctx.keys else '?'}")
    return 0
