"""Field deployment commands: doctor, db backup, db restore.

    main.py doctor [--json] [--no-qt] [--no-devices] [--no-centre]
    main.py db backup [--no-prune]
    main.py db restore FILE [--dry-run]
    main.py autostart kiosk|display [--off]

`db backup` and `db restore` join the `db` command that app.cli.core registers (this module is
registered after it). Cheap to import: the work is imported inside the handlers.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from app.cli.support import CliError, add_common_options


def _db_actions(sub: argparse._SubParsersAction) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    db = sub.choices.get("db")
    if db is None:
        raise RuntimeError("app.cli.deploy must be registered after app.cli.core (the db command)")
    for action in db._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError("the db command has no actions")  # pragma: no cover


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "doctor",
        help="check this PC: Qt and fonts, hall database, devices, centre, sync, backups",
        description="Check everything a hall needs; one line per problem with its fix; exit 1 if any.",
    )
    add_common_options(p)
    p.add_argument("--json", action="store_true", help="print the checks as a JSON array")
    p.add_argument("--no-qt", action="store_true", help="skip the Qt platform and font check")
    p.add_argument("--no-devices", action="store_true", help="skip probing the configured devices")
    p.add_argument("--no-centre", action="store_true", help="skip the centre, clock and sync checks")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser(
        "autostart",
        help="open the kiosk or display full screen at log-in, restarted after a crash (Linux)",
        description="write (or with --off remove) ~/.config/autostart/onewindow-ROLE.desktop, which starts "
        "the systemd user unit onewindow@ROLE.service (installed by the .deb; restarts on a crash)",
    )
    p.add_argument("role", choices=("kiosk", "display"))
    p.add_argument("--off", action="store_true", help="stop starting it at log-in")
    p.set_defaults(func=cmd_autostart)

    actions = _db_actions(sub)
    p = actions.add_parser(
        "backup",
        help="back up the hall database now (verified; old backups pruned)",
        description="back up the hall database",
    )
    add_common_options(p)
    p.add_argument("--no-prune", action="store_true", help="keep every older backup this time")
    p.set_defaults(func=cmd_db_backup)
    p = actions.add_parser(
        "restore",
        help="replace the hall database with a backup of this site (a safety copy is taken first)",
        description="restore a backup; close every OneWindow program on this hall first",
    )
    add_common_options(p)
    p.add_argument("file", metavar="FILE", type=Path, help="a backup file (hall-SITE-DATE.db)")
    p.add_argument("--dry-run", action="store_true", help="only check the file and say what would happen")
    p.set_defaults(func=cmd_db_restore)


def cmd_autostart(args: argparse.Namespace) -> int:
    from app.lockdown import disable_autostart, enable_autostart

    if args.off:
        removed = disable_autostart(args.role)
        print(
            f"{args.role}: no longer started at log-in"
            if removed
            else f"{args.role} was not started at log-in"
        )
        return 0
    try:
        path = enable_autostart(args.role)
    except OSError as exc:
        raise CliError(f"cannot write the autostart entry: {exc}") from None
    print(f"{args.role} opens full screen at the next log-in of this user: {path}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from app.cli.core import settings_from_args
    from app.doctor import report, run_checks
    from app.keys import export_central_password

    settings = settings_from_args(args)
    export_central_password(getattr(args, "config", None))  # the centre check logs in as the site
    checks = run_checks(settings, qt=not args.no_qt, devices=not args.no_devices, centre=not args.no_centre)
    text, code = report(checks)
    if args.json:
        print(
            json.dumps(
                [{"area": c.area, "status": c.status, "detail": c.detail, "fix": c.fix} for c in checks],
                ensure_ascii=False,
            )
        )
    else:
        print(text)
    return code


def cmd_db_backup(args: argparse.Namespace) -> int:
    import sqlite3

    from app.backup import BackupError, run_backup
    from app.cli.core import hall_settings_from_args

    settings = hall_settings_from_args(args)
    try:
        result = run_backup(settings, prune=not args.no_prune)
    except (BackupError, sqlite3.Error, OSError) as exc:
        raise CliError(f"backup failed: {exc}", 1) from None
    size = result.file.size / (1 << 20)
    print(
        f"backup written and verified: {result.file.path} ({size:.1f} MiB, {result.seconds:.1f} s, schema {result.revision})"
    )
    for path in result.removed:
        print(f"removed old backup {path.name}")
    return 0


def cmd_db_restore(args: argparse.Namespace) -> int:
    import sqlite3

    from app.backup import BackupError, restore
    from app.cli.core import settings_from_args

    settings = settings_from_args(args)
    try:
        plan = restore(settings, args.file, dry_run=args.dry_run)
    except (BackupError, sqlite3.Error, OSError) as exc:
        raise CliError(f"restore refused: {exc}", 1) from None
    if plan.dry_run:
        print(
            f"{plan.source} is a sound hall database of site {plan.site_code} (schema {plan.revision}); "
            f"it would replace {plan.target}. Nothing was changed (dry run)."
        )
    else:
        print(f"restored {plan.target} from {plan.source} (schema {plan.revision})")
        if plan.safety_copy is not None:
            print(f"the previous content is kept in {plan.safety_copy}")
        print("next: start the hall; `main.py db upgrade` if the backup is from an older version")
    return 0
