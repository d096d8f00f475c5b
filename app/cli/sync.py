"""`main.py central …` (district administrator) and `main.py sync …` (a site)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from app.cli.support import CliError, add_common_options
from db.sync.tls import PASSWORD_ENV, hide_password

CHANNELS = ("cases", "queue", "evaluations", "stats")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    central = sub.add_parser(
        "central",
        help="central (district) database: init, add-site, publish, status",
        description="central database",
    )
    add_common_options(central)
    central.set_defaults(func=lambda args: _usage(central))
    csub = central.add_subparsers(dest="central_command", metavar="ACTION")

    def cparser(name: str, help_: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = csub.add_parser(name, help=help_, description=help_)
        add_common_options(p)
        p.add_argument(
            "--central",
            metavar="URL",
            help="administrator URL of the central PostgreSQL (default: $ONEWINDOW_CENTRAL)",
        )
        return p

    p = cparser("init", "create or upgrade the central schema")
    p.set_defaults(func=cmd_central_init)

    p = cparser(
        "add-site",
        "register a site: creates its own PostgreSQL role and writes its enrolment (URL with "
        "sslmode=verify-full, CA certificate, role, password) to a new file only you can read",
    )
    p.add_argument("code", help="site code, as in the site settings (site.code)")
    p.add_argument("--name", default="", help="the site's name as the hall shows it (e.g. 某某镇便民服务中心)")
    p.add_argument("--out", metavar="FILE", help="new file for the enrolment (created 0600; required)")
    p.add_argument(
        "--ca-cert", metavar="PEM", help="CA certificate that signed the central server's certificate"
    )
    p.add_argument(
        "--site-ca-path",
        metavar="PATH",
        help="where the site PC keeps that certificate (default: the --ca-cert path)",
    )
    p.add_argument(
        "--host",
        metavar="NAME[:PORT]",
        help="the centre's name as in its certificate (default: from --central)",
    )
    p.add_argument("--insecure", action="store_true", help="no TLS (demo or test centre only)")
    p.add_argument("--site-id", help="the site's UUID (default: from the newest release, else a new one)")
    p.add_argument("--role", help="role name (default: <central database>_<code>)")
    p.add_argument(
        "--ask-password",
        action="store_true",
        help=f"prompt for the role's password (default: ${PASSWORD_ENV}, else a random one)",
    )
    # Refused with a reason: a password on the command line shows in `ps` and the shell history.
    p.add_argument("--password", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_central_add_site)

    p = cparser("publish", "publish a new reference release from a master hall database")
    p.add_argument(
        "--from",
        dest="source",
        metavar="URL",
        help="hall database holding the catalogue, calendar, windows, staff, appointments (default: --db)",
    )
    p.add_argument("--note", default="", help="what changed, kept with the release")
    p.add_argument(
        "--min-version",
        default="",
        metavar="X.Y.Z",
        help="the lowest OneWindow version sites must run (doctor and the manager dashboard show it)",
    )
    p.set_defaults(func=cmd_central_publish)

    p = cparser("status", "per-site watermarks, rows and conflicts at the centre")
    p.set_defaults(func=cmd_central_status)

    p = cparser("purge", "delete the centre's temperature readings past their retention (run daily)")
    p.add_argument(
        "--temperature-days",
        type=int,
        default=14,
        metavar="DAYS",
        help="keep readings this many days (default 14, as the sites' thresholds.temperature_retention_days)",
    )
    p.set_defaults(func=cmd_central_purge)

    s = sub.add_parser(
        "sync", help="sync this site with the central database", description="sync with the centre"
    )
    add_common_options(s)
    s.add_argument(
        "action",
        nargs="?",
        default="run",
        choices=("run", "verify", "status", "resume", "enrol"),
        help="run (default), verify (compare with the centre, re-queue what differs), status, resume a stopped "
        "channel, enrol (take in the enrolment file from `central add-site`)",
    )
    s.add_argument("enrolment", nargs="?", metavar="FILE", help="sync enrol: the enrolment file")
    s.add_argument("--ca-path", metavar="PATH", help="sync enrol: where to keep the centre's CA certificate")
    s.add_argument("--once", action="store_true", help="one round, then exit")
    s.add_argument(
        "--central", metavar="URL", help="this site's central URL (default: settings database.central_url)"
    )
    s.add_argument("--channel", choices=CHANNELS, help="channel to resume")
    s.set_defaults(func=cmd_sync)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _admin_url(args: argparse.Namespace) -> str:
    url = getattr(args, "central", None) or os.environ.get("ONEWINDOW_CENTRAL")
    if not url:
        raise CliError("no central database given: pass --central postgresql://admin@host/dbname")
    if not str(url).startswith(
        ("postgresql://", "postgresql+psycopg://", "postgres://")
    ):  # not SQLite, not MySQL
        raise CliError(
            f"the central database must be PostgreSQL (postgresql://…), not {hide_password(str(url))!r}"
        )
    if getattr(args, "central", None) and hide_password(str(url)) != str(url):
        import sys

        print(
            "warning: a password in --central shows in `ps` and the shell history; "
            "leave it out and use $PGPASSWORD or ~/.pgpass",
            file=sys.stderr,
        )
    return str(url)


def _wrap(fn: Any, *args: Any, **kw: Any) -> Any:
    import sqlalchemy as sa

    from db.migrate import SchemaTooNew
    from db.sync.protocol import SyncError

    try:
        return fn(*args, **kw)
    except (SyncError, SchemaTooNew, ValueError) as exc:
        raise CliError(str(exc)) from None
    except sa.exc.OperationalError as exc:
        raise CliError(f"cannot reach the database: {str(exc.orig).strip().splitlines()[0]}") from None
    except sa.exc.ArgumentError as exc:
        raise CliError(f"not a database URL: {hide_password(str(exc))}") from None


def cmd_central_init(args: argparse.Namespace) -> int:
    from db.sync.central import init_central

    rev = _wrap(init_central, _admin_url(args))
    print(f"central schema at revision {rev}")
    return 0


def cmd_central_add_site(args: argparse.Namespace) -> int:
    import uuid

    from db.sync.central import add_site, enrolment, write_enrolment

    try:
        site_id = uuid.UUID(args.site_id) if args.site_id else None
    except ValueError:
        raise CliError(f"--site-id {args.site_id!r} is not a UUID") from None
    if args.password is not None:
        raise CliError(
            f"--password is not accepted (it shows in `ps` and the shell history): "
            f"use --ask-password or ${PASSWORD_ENV}"
        )
    if not args.out:
        raise CliError("say where the enrolment goes: --out FILE (a new file only you can read)")
    password = _site_password(args.ask_password)
    out = Path(args.out)
    if out.exists():
        raise CliError(f"{out} already exists: remove it or choose another --out")
    ca = Path(args.ca_cert) if args.ca_cert else None
    if ca is None and not args.insecure:
        raise CliError(
            "give the centre's CA certificate (--ca-cert PATH): the site checks the centre's server "
            "certificate against it (sslmode=verify-full); --insecure only for a demo or test centre"
        )
    acc = _wrap(add_site, _admin_url(args), args.code, site_id=site_id, role=args.role, password=password)
    enrol = _wrap(
        enrolment, acc, ca_cert=ca, site_ca_path=args.site_ca_path, host=args.host, insecure=args.insecure
    )
    code = _wrap(write_enrolment, out, enrol, site_name=args.name)
    print(f"site {acc.code} registered: id {acc.site_id}, role {acc.role}")
    print(f"enrolment (sealed; the password inside is encrypted) written to {out}; copy it to the site PC")
    print(f"enrolment code: {code}")
    print("  tell the site's engineer this code by telephone, never with the file: the file opens only")
    print("  with it, and a file changed on the way is refused")
    print(f"site settings: [database] central_url = {enrol.central_url}")
    if args.insecure:
        print("no TLS: the site must also set [database] allow_insecure_central = true (demo or test only)")
    return 0


def _site_password(ask: bool) -> str | None:
    """The new role's password: prompted, from the environment, or None for a random one."""
    if ask:
        import getpass

        try:
            first = getpass.getpass("password for the site's role: ")
            second = getpass.getpass("again: ")
        except (EOFError, KeyboardInterrupt):
            raise CliError("no password entered") from None
        if first != second:
            raise CliError("the two passwords differ")
        if len(first) < 12:
            raise CliError("the password must have at least 12 characters")
        return first
    return os.environ.get(PASSWORD_ENV) or None


def cmd_central_publish(args: argparse.Namespace) -> int:
    from app.cli.support import db_url_arg
    from db.sync.central import publish_release

    source = args.source or db_url_arg(args)
    if not source:
        raise CliError("no master hall database: pass --from sqlite:///master.db (or --db)")
    from app.cli.core import settings_from_args
    from app.keys import optional_cipher

    # The master hall database's own keys, when its appointments are stored encrypted.
    cipher = optional_cipher(settings_from_args(args))
    rel = _wrap(
        publish_release, _admin_url(args), source, args.note, cipher=cipher, min_version=args.min_version
    )
    print(f"reference release {rel.version} published in {rel.parts} parts")
    for who, checksum in rel.checksums.items():
        print(f"  {who}: sha256 {checksum}")
    return 0


def cmd_central_status(args: argparse.Namespace) -> int:
    from db.sync.central import overview

    for s in _wrap(overview, _admin_url(args)):
        marks = ", ".join(f"{k} {v}" for k, v in sorted(s.watermarks.items())) or "no uploads"
        print(
            f"{s.code}  role {s.role}  last seen {s.last_hello_at}  rows {s.rows}  conflicts {s.conflicts}  [{marks}]"
        )
    return 0


def cmd_central_purge(args: argparse.Namespace) -> int:
    from db.sync.central import purge_temperature_readings

    if not 1 <= args.temperature_days <= 3650:
        raise CliError("--temperature-days must be between 1 and 3650")
    n = _wrap(purge_temperature_readings, _admin_url(args), args.temperature_days)
    print(f"temperature readings older than {args.temperature_days} days deleted: {n}")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from app.cli.core import hall_settings_from_args
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.sync.status import read_status

    if args.action == "enrol":
        return cmd_sync_enrol(args)
    if args.enrolment:
        raise CliError(f"unexpected argument {args.enrolment!r} (a FILE is only for `sync enrol`)")
    settings = hall_settings_from_args(args)
    hall = make_engine(settings.hall_db_url)
    from app.keys import optional_cipher

    cipher = optional_cipher(settings)  # releases' appointment names/phones are stored encrypted
    try:
        _wrap(upgrade, hall, field_cipher=cipher)
        if args.action == "status":
            _print_status(read_status(hall))
            return 0
        if args.action == "resume":
            from db.sync.site import resume_channel

            if not args.channel:
                raise CliError("say which channel to resume: --channel cases|queue|evaluations|stats")
            _wrap(resume_channel, hall, args.channel)
            print(f"channel {args.channel} resumed")
            return 0
        central = args.central or settings.central_url
        if not central:
            raise CliError(
                "no central database configured: set database.central_url in the settings or pass --central"
            )
        from db.sync.tls import central_url_problem

        problem = central_url_problem(central, settings.database.allow_insecure_central)
        if problem:
            raise CliError(f"refusing the central database: {problem}")
        central = _with_central_password(args, central)
        return _run_site(args, settings, hall, central, cipher)
    finally:
        hall.dispose()


def cmd_sync_enrol(args: argparse.Namespace) -> int:
    """Take in an enrolment: the CA certificate to its file, the password to the secrets file,
    and print the settings lines (the settings file itself is the operator's to edit)."""
    from app.cli.core import settings_from_args
    from app.secrets import SecretsError, secrets_path, write_secret
    from db.sync.tls import sslmode_of

    if not args.enrolment:
        raise CliError("say which enrolment file: main.py sync enrol FILE")
    from db.sync import enrolment as sealed

    path = Path(args.enrolment)
    try:
        sealed.read_clear(path)  # a file that is no enrolment is named before the code is asked for
        data = sealed.open_file(path, _enrolment_code())
    except sealed.EnrolmentError as exc:
        raise CliError(str(exc)) from None
    site, url, password = data.site, data.central_url, data.password
    ca_pem, ca_path = data.ca_certificate, data.ca_path
    code = settings_from_args(args).site.code
    if code and site != code:
        raise CliError(f"the enrolment is for site {site} but these settings are for site {code}")
    if ca_pem:
        ca = Path(args.ca_path or ca_path)
        try:
            if ca.exists() and ca.read_text(encoding="ascii", errors="replace") != ca_pem:
                raise CliError(f"{ca} already holds another certificate: choose another --ca-path")
            ca.parent.mkdir(parents=True, exist_ok=True)
            ca.write_text(ca_pem, encoding="ascii")
        except (OSError, UnicodeEncodeError) as exc:
            raise CliError(f"cannot write the CA certificate to {ca}: {type(exc).__name__}") from None
        url = _set_rootcert(url, str(ca.resolve()))
        print(f"centre's CA certificate written to {ca}")
    target = secrets_path(getattr(args, "config", None))
    try:
        write_secret(target, "central_password", password)
    except (SecretsError, OSError) as exc:
        raise CliError(str(exc)) from None
    print(f"central password stored in {target} (readable only by you)")
    print("put into the site's settings file:")
    print("[database]")
    print(f'central_url = "{url}"')
    if sslmode_of(url) is None:
        print("allow_insecure_central = true   # no TLS: demo or test centre only")
    return 0


def _enrolment_code() -> str:
    """The enrolment code: $ONEWINDOW_ENROLMENT_CODE, else asked for (never an argument: argv shows in `ps`)."""
    from db.sync.enrolment import CODE_ENV

    code = os.environ.get(CODE_ENV, "")
    if code:
        return code
    import getpass
    import sys

    if not sys.stdin.isatty():
        raise CliError(f"the enrolment code is needed: type it when asked, or set ${CODE_ENV}")
    try:
        return getpass.getpass("enrolment code (from the district, by telephone): ")
    except (EOFError, KeyboardInterrupt):
        raise CliError("no enrolment code entered") from None


def _set_rootcert(url: str, ca: str) -> str:
    import sqlalchemy as sa

    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise CliError("the enrolment's central_url is not a database URL") from None
    return parsed.update_query_dict({"sslrootcert": ca}).render_as_string(hide_password=False)


def _with_central_password(args: argparse.Namespace, central: str) -> str:
    """The site's central password from $ONEWINDOW_CENTRAL_PASSWORD or else its secrets file
    (app.keys), put into the URL only in memory: never in argv, the settings file or output."""
    from app.keys import export_central_password
    from db.sync.tls import with_password

    env = dict(os.environ)
    export_central_password(getattr(args, "config", None), env)
    return with_password(central, env.get(PASSWORD_ENV))


def _run_site(args: argparse.Namespace, settings: Any, hall: Any, central: str, cipher: Any = None) -> int:
    from db.sync.site import Syncer
    from db.sync.status import read_status
    from db.sync.worker import SyncRunner

    if args.action == "verify":
        syncer = _wrap(
            Syncer, hall, central, site_code=settings.site.code, batch_size=settings.sync.batch_size
        )
        try:
            rep = _wrap(syncer.verify)
        finally:
            syncer.close()
        print(
            f"compared {rep.buckets} channel-days; {len(rep.differing)} differed; re-queued {rep.requeued} row(s)"
        )
        for ch, day in rep.differing:
            print(f"  differed: {ch} {day}")
        if rep.missing_at_site:
            print(f"  the centre has {rep.missing_at_site} row(s) this site no longer has")
        return 0
    runner = SyncRunner(
        hall,
        central,
        site_code=settings.site.code,
        interval_s=settings.sync.interval_s,
        max_backoff_s=settings.sync.max_backoff_s,
        batch_size=settings.sync.batch_size,
        field_cipher=cipher,
    )
    try:
        while True:
            result = runner.step()
            if result.report is not None:
                moved = ", ".join(f"{c.channel} {c.rows}" for c in result.report.channels.values())
                extra = f", reference release {result.report.release}" if result.report.release else ""
                print(f"synced rows: {moved}{extra}", flush=True)
            if result.error:
                print(f"sync problem: {result.error}", flush=True)
            if args.once:
                _print_status(read_status(hall))
                if result.report is None:
                    raise CliError(result.error)
                return 1 if result.error else 0
            import time

            time.sleep(result.next_delay_s)
    finally:
        runner.close()


def _print_status(st: Any) -> None:
    when = st.last_success_at.isoformat(timespec="seconds") if st.last_success_at else "never"
    print(f"last success: {when}; backlog {st.backlog}; reference release {st.reference_version or 'none'}")
    for c in st.channels:
        flag = " STOPPED" if c.stopped else ""
        err = f"  error: {c.last_error}" if c.last_error else ""
        print(f"  {c.channel:<12} backlog {c.backlog:>6}{flag}{err}")
    if st.reference_error:
        print(f"  reference    error: {st.reference_error}")
