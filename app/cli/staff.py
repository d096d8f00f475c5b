"""`main.py staff add|passwd|disable|list|change-password`: the site's accounts.

Passwords are read from a prompt (twice) or from $ONEWINDOW_PASSWORD, never from the command
line (argv is visible to every user in `ps`). Hashes are never printed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from app.cli.support import CliError, add_common_options
from app.vocab import PasswordState, StaffRole

PASSWORD_ENV = "ONEWINDOW_PASSWORD"
NEW_PASSWORD_ENV = "ONEWINDOW_NEW_PASSWORD"
STATE_LABELS: dict[str, str] = {
    PasswordState.UNCHECKED: "unchecked",
    PasswordState.DEMO: "DEMO",
    PasswordState.ISSUED: "issued (change at log-in)",
    PasswordState.OWN: "own",
}


def read_password(prompt: str, *, env: str = PASSWORD_ENV, confirm: bool = False) -> str:
    """The password from `env` if set, else typed at the terminal (twice when `confirm`)."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise CliError(f"no terminal to ask for the password: set {env}")
    try:
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass("again: ") != first:
            raise CliError("the two passwords differ")
    except (EOFError, KeyboardInterrupt):
        raise CliError("no password given") from None
    if not first:
        raise CliError("no password given")
    return first


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    staff = sub.add_parser("staff", help="the site's staff accounts", description="the site's staff accounts")
    add_common_options(staff)
    ssub = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)

    def cmd(name: str, help_: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = ssub.add_parser(name, help=help_, description=help_)
        add_common_options(p)
        return p

    p = cmd("add", f"add an account; its password (prompt or ${PASSWORD_ENV}) is changed at the first log-in")
    p.add_argument("username", metavar="NAME", help="log-in name")
    p.add_argument("--name", dest="full_name", required=True, metavar="TEXT", help="the person's name")
    p.add_argument("--role", choices=tuple(StaffRole), default=StaffRole.CLERK)
    p.add_argument("--window", type=int, metavar="N", help="the window a clerk works at")
    p.set_defaults(func=cmd_add)

    p = cmd("passwd", f"issue a new password (prompt or ${PASSWORD_ENV}); it is changed at the next log-in")
    p.add_argument("username", metavar="NAME")
    p.set_defaults(func=cmd_passwd)

    p = cmd(
        "change-password",
        f"change your own password: the old one (prompt or ${PASSWORD_ENV}), the new one (prompt or "
        f"${NEW_PASSWORD_ENV})",
    )
    p.add_argument("username", metavar="NAME")
    p.set_defaults(func=cmd_change)

    p = cmd("disable", "disable an account (and end its session)")
    p.add_argument("username", metavar="NAME")
    p.set_defaults(func=cmd_disable)

    p = cmd("list", "the site's accounts (no hashes)")
    p.set_defaults(func=cmd_list)


def _context(args: argparse.Namespace) -> Any:
    from app.cli.core import open_hall_from_args

    return open_hall_from_args(args)


def _write(args: argparse.Namespace, action: Any) -> Any:
    from app.staff import StaffError

    ctx = _context(args)
    try:
        with ctx.sessions.begin() as session:
            return action(ctx, session)
    except StaffError as exc:
        raise CliError(str(exc)) from None
    finally:
        ctx.close()


def cmd_add(args: argparse.Namespace) -> int:
    from app.staff import add_staff

    password = read_password(f"password for {args.username}: ", confirm=True)
    row = _write(
        args,
        lambda ctx, s: add_staff(
            s, ctx.site_id, args.username, args.full_name, args.role, password, window=args.window
        ),
    )
    where = f", window {row.window}" if row.window is not None else ""
    print(f"added {row.username} ({row.role}{where}); the password must be changed at the first log-in")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    from app.staff import issue_password

    password = read_password(f"new password for {args.username}: ", confirm=True)
    _write(args, lambda ctx, s: issue_password(s, ctx.site_id, args.username, password))
    print(f"password of {args.username} set; it must be changed at the next log-in")
    return 0


def cmd_change(args: argparse.Namespace) -> int:
    from app import auth

    old = read_password(f"current password of {args.username}: ")
    new = read_password("new password: ", env=NEW_PASSWORD_ENV, confirm=True)
    ctx = _context(args)
    try:
        with ctx.sessions() as s:
            info = auth.authenticate(
                s, args.username, old, site_id=ctx.site_id, terminal=auth.terminal_id("cli"), demo=True
            )
            auth.change_password(s, info.id, old, new, terminal=auth.terminal_id("cli"))
    except auth.AuthError as exc:
        raise CliError(str(exc)) from None
    finally:
        ctx.close()
    print(f"password of {args.username} changed")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    from app.staff import disable_staff

    changed = _write(args, lambda ctx, s: disable_staff(s, ctx.site_id, args.username))
    print(f"{args.username} disabled" if changed else f"{args.username} was disabled already")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from app.staff import list_staff

    ctx = _context(args)
    try:
        with ctx.sessions() as s:
            rows = list_staff(s, ctx.site_id)
    finally:
        ctx.close()
    for r in rows:
        window = f"{r.window}号窗口" if r.window is not None else "-"
        state = "active" if r.active else "disabled"
        live = f"  logged in: {r.logged_in}" if r.logged_in else ""
        print(
            f"{r.username:<16} {r.name:<10} {r.role:<8} {window:<8} {state:<9} "
            f"password: {STATE_LABELS.get(r.password_state, r.password_state)}{live}"
        )
    if not rows:
        print("no accounts at this site; add one with `main.py staff add NAME --name TEXT --role admin`")
    return 0


def audit_cli_access(args: argparse.Namespace, action: str, entity: str, entity_id: str, detail: str) -> None:
    """Record a CLI access to personal data (origin: the CLI and its OS user) before it happens;
    without a hall database to record it in, the access is refused."""
    from sqlalchemy.exc import SQLAlchemyError

    from app import auth
    from app.cli.core import open_hall_from_args

    try:
        ctx = open_hall_from_args(args)
    except CliError as exc:
        raise CliError(f"{action} is recorded in the hall's audit log, which cannot be used: {exc}") from None
    try:
        with ctx.sessions.begin() as s:
            auth.audit(s, ctx.site_id, None, action, detail, entity=entity, entity_id=entity_id)
    except SQLAlchemyError as exc:
        raise CliError(
            f"{action} refused: the audit row could not be written ({type(exc).__name__})"
        ) from None
    finally:
        ctx.close()
