"""Foundation commands: db, seed-demo, calendar, validate, config."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
from pathlib import Path

from app.cli.support import (
    CliError,
    add_common_options,
    check_hall_db_url,
    check_import_dir,
    check_import_file,
    config_path_arg,
    db_url_arg,
    first_line,
)
from app.settings import Settings, SettingsError, load_settings, with_db_url


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The settings a command runs with: --config / ONEWINDOW_CONFIG, then --db / ONEWINDOW_DB."""
    try:
        settings = load_settings(config_path_arg(args))
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    return with_db_url(settings, db_url_arg(args))


def hall_settings_from_args(args: argparse.Namespace, *, create: bool = False) -> Settings:
    """Settings for a command that opens the hall database: its URL is checked first (one line
    for a malformed URL or a file that is not a database; a missing file unless `create`)."""
    settings = settings_from_args(args)
    check_hall_db_url(settings.hall_db_url, create=create)
    return settings


def open_hall_from_args(args: argparse.Namespace, *, seed_demo: bool = False):  # type: ignore[no-untyped-def]
    from app.context import HallUnavailable, open_hall

    try:
        return open_hall(hall_settings_from_args(args, create=seed_demo), seed_demo=seed_demo)
    except HallUnavailable as exc:
        raise CliError(str(exc)) from None


def _parser(sub: argparse._SubParsersAction, name: str, help_: str) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
    add_common_options(p)
    return p


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = _parser(sub, "db", "hall database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    p = _parser(db_sub, "upgrade", "back up and upgrade the hall database to this version's schema")
    p.set_defaults(func=cmd_db_upgrade)

    p = _parser(
        sub,
        "seed-demo",
        "load the demo catalogue, sites, windows and staff into the demo's own database (idempotent; "
        "--db: a scratch database instead, never one holding a real site)",
    )
    p.set_defaults(func=cmd_seed_demo)

    p = _parser(sub, "load-catalogue", "load (or reload) the matter catalogue from a directory of JSON files")
    p.add_argument(
        "directory", metavar="DIR", type=Path, nargs="?", help="default: the bundled resources/catalogue"
    )
    p.set_defaults(func=cmd_load_catalogue)

    p = _parser(
        sub, "import-empowerment", "import a township empowerment list (赋权事项清单): matter codes or names"
    )
    p.add_argument("code", metavar="CODE", help="list code, e.g. TOWN-I")
    p.add_argument("name", metavar="NAME", help="list name, e.g. 一类镇赋权事项")
    p.add_argument("file", metavar="FILE", type=Path, help="CSV or text, UTF-8 or GB18030")
    p.add_argument("--allow-unknown", action="store_true", help="skip entries that match no matter")
    p.set_defaults(func=cmd_import_empowerment)

    cal = _parser(sub, "calendar", "working-day calendar: deadlines, year check, import")
    cal_sub = cal.add_subparsers(dest="cal_command", metavar="ACTION", required=True)
    p = _parser(cal_sub, "deadline", "the date N working days after START (the start day does not count)")
    p.add_argument("start", metavar="START", help="start date, YYYY-MM-DD")
    p.add_argument("days", metavar="DAYS", type=int, help="number of days")
    p.add_argument(
        "--unit", choices=("working", "calendar"), default="working", help="working days or statute 日"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_calendar_deadline)
    p = _parser(cal_sub, "check", "show whether a year's holiday schedule is entered, and its figures")
    p.add_argument("year", metavar="YEAR", type=int)
    p.set_defaults(func=cmd_calendar_check)
    p = _parser(cal_sub, "import", "import one year's schedule: lines of YYYY-MM-DD,holiday|workday[,name]")
    p.add_argument("file", metavar="FILE", type=Path)
    p.set_defaults(func=cmd_calendar_import)

    val = _parser(sub, "validate", "check an ID number, unified social credit code or mobile number")
    val.add_argument("kind", choices=("id", "uscc", "phone"))
    val.add_argument("value", metavar="VALUE")
    val.set_defaults(func=cmd_validate)

    cfg = _parser(sub, "config", "show the effective settings (file + environment)")
    cfg.add_argument("--json", action="store_true")
    cfg.set_defaults(func=cmd_config)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from app.keys import optional_cipher
    from db.engine import make_engine
    from db.migrate import SchemaTooNew, UpgradeRefused, current_revision, upgrade

    settings = hall_settings_from_args(args, create=True)
    try:
        engine = make_engine(settings.hall_db_url)
    except (SQLAlchemyError, ImportError, OSError) as exc:
        raise CliError(f"cannot use the hall database: {first_line(exc)}") from None
    try:
        before = current_revision(engine)
        backup = upgrade(engine, field_cipher=optional_cipher(settings))
        after = current_revision(engine)
    except (SchemaTooNew, UpgradeRefused) as exc:
        raise CliError(str(exc)) from None
    except SQLAlchemyError as exc:  # unreachable server, refused login, a damaged file
        raise CliError(
            f"cannot upgrade the hall database: {first_line(getattr(exc, 'orig', None) or exc)}"
        ) from None
    finally:
        engine.dispose()
    if before == after:
        print(f"hall database already at {after}")
    else:
        print(
            f"hall database upgraded {before or 'empty'} → {after}"
            + (f" (backup: {backup})" if backup else "")
        )
    return 0


def demo_settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings for the demo: its own database in the user data dir, never the configured hall
    database (settings file or $ONEWINDOW_DB); only an explicit --db names another (scratch) file."""
    from app.demo_db import demo_database_url

    explicit = getattr(args, "db", None)
    return with_db_url(settings_from_args(args), explicit or demo_database_url())


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from app.catalogue import seed_demo
    from app.context import HallUnavailable, open_database
    from app.demo_db import RealSiteError, refuse_real_site, safe_url
    from app.keys import load_site_keys
    from app.secrets import SecretsError

    settings = demo_settings_from_args(args)
    try:
        keys = load_site_keys(settings, demo=True)  # the demo's own keys, as the demo hall uses
        engine, sessions = open_database(settings, keys=keys)
    except (HallUnavailable, SecretsError) as exc:
        raise CliError(str(exc)) from None
    try:
        with sessions.begin() as session:
            refuse_real_site(session, settings.hall_db_url)
            report = seed_demo(session, id_hash_key=keys.id_hash_key)
    except RealSiteError as exc:
        raise CliError(str(exc)) from None
    finally:
        engine.dispose()
    print(report)
    print(f"demo database: {safe_url(settings.hall_db_url)}")
    return 0


def _with_database(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from app.context import HallUnavailable, open_database

    try:
        return open_database(hall_settings_from_args(args))
    except HallUnavailable as exc:
        raise CliError(str(exc)) from None


def _catalogue_problem(exc: Exception) -> CliError:
    problems = getattr(exc, "problems", None)
    if problems:
        shown = "; ".join(str(p) for p in list(problems)[:5])
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        return CliError(f"{shown}{more}")
    return CliError(str(exc))


def cmd_load_catalogue(args: argparse.Namespace) -> int:
    from app.catalogue import CatalogueError, load_catalogue

    check_import_dir(args.directory, "catalogue")
    engine, sessions = _with_database(args)
    try:
        with sessions.begin() as session:
            report = load_catalogue(session, args.directory)
    except CatalogueError as exc:
        raise _catalogue_problem(exc) from None
    finally:
        engine.dispose()
    print(report)
    return 0


def cmd_import_empowerment(args: argparse.Namespace) -> int:
    from app.catalogue import CatalogueError, import_empowerment

    check_import_file(args.file, "empowerment list")
    engine, sessions = _with_database(args)
    try:
        with sessions.begin() as session:
            report = import_empowerment(
                session, args.code, args.name, args.file, allow_unknown=args.allow_unknown
            )
    except CatalogueError as exc:
        raise _catalogue_problem(exc) from None
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc}") from None
    finally:
        engine.dispose()
    print(report)
    return 0


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def cmd_calendar_deadline(args: argparse.Namespace) -> int:
    start = _parse_date(args.start)
    if not 0 <= args.days <= 3660:
        raise CliError("DAYS must be between 0 and 3660")
    engine, sessions = _with_database(args)
    try:
        from app.calendar import WorkCalendar

        with sessions() as session:
            deadline = WorkCalendar.load(session).deadline(start, args.days, args.unit)
    finally:
        engine.dispose()
    unit = "working days" if args.unit == "working" else "calendar days (日)"
    if args.json:
        print(
            json.dumps(
                {
                    "start": start.isoformat(),
                    "days": args.days,
                    "unit": args.unit,
                    "deadline": deadline.date.isoformat(),
                    "fallback_years": list(deadline.fallback_years),
                    "warning": deadline.warning,
                },
                ensure_ascii=False,
            )
        )
    else:
        print(f"{start} + {args.days} {unit} = {deadline.date} ({'一二三四五六日'[deadline.date.weekday()]})")
        if deadline.warning:
            print(f"warning: {deadline.warning}")
    return 0


def cmd_calendar_check(args: argparse.Namespace) -> int:
    from app.calendar import WorkCalendar, year_source

    if not 1900 <= args.year <= 2200:
        raise CliError("YEAR must be between 1900 and 2200")
    engine, sessions = _with_database(args)
    try:
        with sessions() as session:
            check = WorkCalendar.load(session).check_year(args.year, year_source(session, args.year))
    finally:
        engine.dispose()
    if check.entered:
        print(
            f"{check.year}: schedule entered ({check.source}); {check.holidays} weekday holidays, "
            f"{check.workdays} make-up workdays, {check.working_days} working days"
        )
        for problem in check.problems:
            print(f"  problem: {problem}")
        return 0
    print(
        f"{check.year}: no holiday schedule entered — deadlines fall back to Monday–Friday "
        f"({check.working_days} days); import the State Council notice with `main.py calendar import FILE`"
    )
    return 1


def cmd_calendar_import(args: argparse.Namespace) -> int:
    from app.calendar import CalendarImportError, import_schedule

    check_import_file(args.file, "calendar file")
    engine, sessions = _with_database(args)
    try:
        with sessions.begin() as session:
            check = import_schedule(session, args.file)
    except CalendarImportError as exc:
        raise CliError(str(exc)) from None
    finally:
        engine.dispose()
    print(
        f"{check.year}: imported; {check.holidays} weekday holidays, {check.workdays} make-up workdays, "
        f"{check.working_days} working days"
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from app import validators

    value: str = args.value
    if args.kind == "id":
        check = validators.check_id_number(value)
        shown = validators.mask_id_number(validators.normalise_id_number(value))
        extra = ""
        if check:
            sex = "男" if validators.id_sex(value) == 1 else "女"
            extra = f" (born {validators.id_birth_date(value).isoformat()}, {sex})"
    elif args.kind == "uscc":
        check = validators.check_uscc(value)
        shown, extra = validators.normalise_uscc(value), ""
    else:
        check = validators.check_mobile(value)
        shown, extra = validators.normalise_mobile(value), ""
    if check:
        print(f"valid: {shown}{extra}")
        return 0
    print(f"invalid: {shown}: {check.reason}")
    return 1


def cmd_config(args: argparse.Namespace) -> int:
    from db.sync.tls import hide_password

    settings = settings_from_args(args)
    data = dataclasses.asdict(settings)
    # A URL may carry a password (older settings files): never print it.
    for key in ("hall_url", "central_url"):
        data["database"][key] = hide_password(data["database"][key])
    data["effective_hall_db_url"] = hide_password(settings.hall_db_url)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(f"settings file: {settings.source or '(none; defaults)'}")
        print(f"hall database: {hide_password(settings.hall_db_url)}")
        print(f"central database: {hide_password(settings.central_url or '(none)')}")
        print(f"site: {settings.site.code} {settings.site.name}")
    return 0
