"""`main.py doctor`: is this PC ready to serve? Each check is a function returning `Check`s.

Nothing here changes anything: the hall database is opened, not upgraded; devices are asked a
status question, not made to print. Qt is tried in a child process (a missing xcb library aborts
the process that loads it, and this one must live to say so).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.qt_platform import XCB_PACKAGES
from app.settings import Settings

log = logging.getLogger("onewindow.doctor")

BUNDLED_FONTS = Path(__file__).resolve().parent.parent / "resources" / "fonts"
# How the fixes name the program: the installed bundle is `onewindow`, the source tree `main.py`.
PROGRAM = "onewindow" if getattr(sys, "frozen", False) else "main.py"
MIN_FREE_BYTES = 1 << 30  # a hall day's data is small; backups and logs are not
MAX_CLOCK_SKEW_S = 60.0  # business dates and deadlines follow the clock
MAX_BACKUP_AGE = dt.timedelta(days=2)  # the hall takes one a day
MAX_SYNC_SILENCE = dt.timedelta(hours=24)

# Run by a child interpreter (or the bundle, which accepts `-c` for this): prints one JSON line.
QT_PROBE_CODE = r"""
import json, os, sys
from pathlib import Path
from PySide6.QtGui import QFontDatabase, QGuiApplication
app = QGuiApplication(sys.argv[:1])
d = Path(os.environ.get("ONEWINDOW_FONT_DIR", "") or "-")
for f in sorted(d.iterdir()) if d.is_dir() else []:
    if f.suffix.lower() in (".ttf", ".ttc", ".otf"):
        QFontDatabase.addApplicationFont(str(f))
cjk = [f for f in QFontDatabase.families() if QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(f)]
print(json.dumps({"platform": app.platformName(), "cjk": cjk[:5]}))
"""


@dataclass(frozen=True)
class Check:
    area: str  # "qt", "fonts", "database", "version", "disk", "device", "centre", "sync", "backup"
    status: str  # "ok" | "problem" | "skipped"
    detail: str  # what was found
    fix: str = ""  # one line: what to do (problems only)

    @property
    def problem(self) -> bool:
        return self.status == "problem"

    def line(self) -> str:
        head = {"ok": "ok     ", "problem": "PROBLEM", "skipped": "-      "}[self.status]
        return f"{head} {self.area}: {self.detail}" + (f" → {self.fix}" if self.fix else "")


def ok(area: str, detail: str) -> Check:
    return Check(area, "ok", detail)


def problem(area: str, detail: str, fix: str) -> Check:
    return Check(area, "problem", detail, fix.replace("`main.py ", f"`{PROGRAM} "))


def skipped(area: str, detail: str) -> Check:
    return Check(area, "skipped", detail)


# --- Qt and fonts -----------------------------------------------------------------------------------


def qt_probe_command() -> list[str]:
    # A PyInstaller bundle's executable is the program, not Python; its entry point runs `-c`.
    return [sys.executable, "-c", QT_PROBE_CODE]


def check_qt(
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run, timeout: float = 60.0
) -> list[Check]:
    env = {**os.environ, "ONEWINDOW_FONT_DIR": str(BUNDLED_FONTS)}
    try:
        done = run(qt_probe_command(), capture_output=True, text=True, timeout=timeout, check=False, env=env)
    except subprocess.TimeoutExpired:
        return [
            problem(
                "qt",
                f"Qt did not start within {timeout:g} s",
                "check the display (DISPLAY / WAYLAND_DISPLAY)",
            )
        ]
    except OSError as exc:
        return [problem("qt", f"cannot start the Qt check: {exc}", "reinstall OneWindow")]
    err = done.stderr or ""
    if done.returncode != 0:
        if "No module named 'PySide6'" in err or ("ImportError" in err and "PySide6" in err):
            return [
                problem(
                    "qt",
                    "PySide6 (Qt) cannot be loaded",
                    "run `uv sync` in the source folder, or reinstall the bundle",
                )
            ]
        lowered = err.lower()
        if "could not connect to display" in lowered:
            return [
                problem(
                    "qt",
                    "no screen to open windows on (could not connect to the display)",
                    "run it inside the desktop session; for a check without a screen: QT_QPA_PLATFORM=offscreen",
                )
            ]
        if "could not load the qt platform plugin" in lowered:
            platform = os.environ.get("QT_QPA_PLATFORM", "xcb")
            return [
                problem(
                    "qt",
                    f"Qt platform plugin {platform!r} does not load",
                    f"install its libraries: sudo apt-get install {XCB_PACKAGES}",
                )
            ]
        last = (err.strip().splitlines() or ["no message"])[-1][:200]
        return [
            problem(
                "qt", f"Qt does not start: {last}", "run `main.py doctor` in the desktop session; see the log"
            )
        ]
    try:
        found = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return [problem("qt", "the Qt check printed nothing readable", "reinstall OneWindow")]
    checks = [ok("qt", f"platform plugin {found['platform']!r} loads")]
    if found["cjk"]:
        checks.append(ok("fonts", f"Chinese fonts: {', '.join(found['cjk'][:3])}"))
    else:
        checks.append(
            problem(
                "fonts",
                "no font with Chinese characters",
                "sudo apt-get install fonts-wqy-microhei (or fonts-noto-cjk)",
            )
        )
    return checks


# --- hall database ----------------------------------------------------------------------------------


def check_database(settings: Settings) -> list[Check]:
    import sqlalchemy as sa
    from sqlalchemy.exc import SQLAlchemyError

    from db.engine import make_engine, sqlite_path
    from db.migrate import SITE_SCRIPTS, alembic_config, current_revision, head_revision

    url = settings.hall_db_url
    path = sqlite_path(url)
    checks: list[Check] = []
    if path is not None and not path.is_file():
        return [
            problem(
                "database",
                f"hall database {path} does not exist",
                "run `main.py db upgrade` (or the first-run setup)",
            )
        ]
    try:
        engine = make_engine(url, connect_args={"connect_timeout": 5}) if path is None else make_engine(url)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        return [
            problem("database", f"cannot use the hall database URL: {exc}", "correct [database] hall_url")
        ]
    try:
        current = current_revision(engine)
        with engine.connect() as conn:
            codes = set(conn.scalars(sa.text("SELECT code FROM site")))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
        fix = (
            "start the hall server / check its address and password"
            if path is None
            else "restore the last backup"
        )
        return [problem("database", f"hall database unreachable: {reason}", fix)]
    finally:
        engine.dispose()
    head = head_revision()
    from alembic.script import ScriptDirectory

    known = {
        r.revision
        for r in ScriptDirectory.from_config(alembic_config("sqlite://", SITE_SCRIPTS)).walk_revisions()
    }
    if current == head:
        checks.append(ok("database", f"reachable, schema {current} (current)"))
    elif current in known:
        checks.append(
            problem(
                "database",
                f"schema {current}, this version needs {head}",
                "run `main.py db upgrade` (it backs up first)",
            )
        )
    else:
        checks.append(
            problem(
                "database",
                f"schema {current} is newer than this program ({head})",
                "install the newer OneWindow version",
            )
        )
    if settings.site.code not in codes:
        checks.append(
            problem(
                "database",
                f"site {settings.site.code!r} is not in the hall database",
                "receive the reference release: `main.py sync`",
            )
        )
    if path is not None:
        checks.append(check_free_disk(path.parent, "hall database folder"))
    return checks


def check_free_disk(directory: Path, what: str, minimum: int = MIN_FREE_BYTES) -> Check:
    try:
        free = shutil.disk_usage(directory).free
    except OSError as exc:
        return problem("disk", f"cannot see the free space of {directory}: {exc}", "check the disk")
    shown = f"{free / (1 << 30):.1f} GiB free in the {what} ({directory})"
    if free < minimum:
        return problem("disk", shown, f"free at least {minimum / (1 << 30):.0f} GiB (old logs, downloads)")
    return ok("disk", shown)


# --- devices ----------------------------------------------------------------------------------------


def check_devices(settings: Settings, timeout: float = 0.5) -> list[Check]:
    from devices.config import thermo_protocol
    from devices.errors import DeviceError
    from devices.ports import probe_idcard, probe_thermometer

    d = settings.devices
    checks: list[Check] = []
    if d.idcard.port:
        try:
            found = probe_idcard(d.idcard.port, bauds=(d.idcard.baud,), timeout=timeout)
        except DeviceError as exc:
            found = None
            why = str(exc)
        else:
            why = "no answer"
        if found is not None:
            checks.append(ok("device", f"ID-card reader on {d.idcard.port}: {found.describe()}"))
        else:
            checks.append(
                problem(
                    "device",
                    f"ID-card reader on {d.idcard.port}: {why}",
                    f"check cable and power; `main.py devices` finds the right port (baud {d.idcard.baud})",
                )
            )
    else:
        checks.append(skipped("device", "no ID-card reader configured (devices.idcard.port)"))
    t = d.thermometer
    if t.port:
        try:
            thermo_protocol(t)
            baud = t.baud or 9600
            found = probe_thermometer(t.port, bauds=(baud,), timeout=timeout, listen=max(1.2, timeout))
            why = "no reading"
        except (DeviceError, ValueError) as exc:
            found, why = None, str(exc)
        if found is not None and found.protocol != t.protocol:
            checks.append(
                problem(
                    "device",
                    f"thermometer on {t.port} answers as {found.protocol}, configured {t.protocol}",
                    f"set devices.thermometer.protocol = {found.protocol!r}",
                )
            )
        elif found is not None:
            checks.append(ok("device", f"thermometer on {t.port}: {found.describe()}"))
        else:
            checks.append(
                problem(
                    "device",
                    f"thermometer on {t.port}: {why}",
                    "check cable and power; `main.py devices` finds the right port",
                )
            )
    else:
        checks.append(skipped("device", "no thermometer configured (devices.thermometer.port)"))
    if d.scanner.port:  # a keyboard-wedge scanner (no port) is a keyboard: nothing to check
        checks.append(check_scanner(settings))
    checks.append(check_ticket_printer(settings, timeout))
    return checks


def check_scanner(settings: Settings) -> Check:
    """A serial-mode barcode/QR scanner sends only when it reads a code: its port must open."""
    from devices.errors import DeviceError
    from devices.serial_port import close_serial, open_serial

    sc = settings.devices.scanner
    try:
        close_serial(open_serial(sc.port, sc.baud, what="扫码器"))
    except DeviceError as exc:
        return problem(
            "device",
            f"barcode/QR scanner on {sc.port}: {exc}",
            "check the cable; the scanner must be set to serial (USB-COM) mode, or leave "
            "devices.scanner.port empty for keyboard-wedge mode",
        )
    return ok("device", f"barcode/QR scanner port {sc.port} opens ({sc.baud} baud; scan a rating code to try it)")


def check_ticket_printer(settings: Settings, timeout: float) -> Check:
    from printing.printer import EscPosPrinter, PrinterError

    p = settings.printers.ticket
    if not p.port:
        return skipped("device", "no ticket printer configured (printers.ticket.port)")
    try:
        with EscPosPrinter(p.port, baudrate=p.baud, timeout=timeout, width_mm=p.width_mm) as printer:
            status = printer.paper_status()
    except PrinterError as exc:
        return problem("device", f"ticket printer on {p.port}: {exc}", "check power, paper cover and cable")
    if status.paper_out:
        return problem("device", f"ticket printer on {p.port}: out of paper", "load a paper roll")
    return ok("device", f"ticket printer on {p.port} answers" + (" (paper low)" if status.near_end else ""))


# --- centre and sync --------------------------------------------------------------------------------


def check_centre(settings: Settings, now: Callable[[], dt.datetime] | None = None) -> list[Check]:
    import sqlalchemy as sa
    from sqlalchemy.exc import SQLAlchemyError

    from db.engine import make_engine
    from db.sync.tls import central_url_problem, hide_password, sslmode_of, with_env_password

    url = settings.central_url
    if not url:
        return [skipped("centre", "no centre configured (stand-alone site)")]
    issue = central_url_problem(url, settings.database.allow_insecure_central)
    if issue:
        return [problem("centre", issue, "use the URL from the enrolment file")]
    checks: list[Check] = []
    cert = check_ca_certificate(url)
    if cert is not None:
        checks.append(cert)
        if cert.problem:
            return checks
    clock = now or (lambda: dt.datetime.now(dt.UTC))
    try:
        engine = make_engine(with_env_password(url), connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            before = clock()
            server_now = conn.scalar(sa.text("SELECT now()"))
            after = clock()
            tls = conn.scalar(sa.text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
        engine.dispose()
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
        fix = (
            "the centre's certificate is not trusted: install the CA file from the enrolment (sslrootcert)"
            if "certificate" in reason.lower()
            else "check the government-network link and the centre's address; `main.py sync run --once` shows more"
        )
        return [*checks, problem("centre", f"cannot reach the centre {hide_password(url)}: {reason}", fix)]
    mode = sslmode_of(url) or "none"
    if tls:
        checks.append(ok("centre", f"reachable over TLS ({mode})"))
    elif settings.database.allow_insecure_central:
        checks.append(ok("centre", "reachable without TLS (allowed for a demo or test centre)"))
    else:
        checks.append(
            problem(
                "centre",
                "the connection is not encrypted",
                "use sslmode=verify-full as the enrolment gives it",
            )
        )
    if isinstance(server_now, dt.datetime):
        local = before + (after - before) / 2
        if server_now.tzinfo is None:
            server_now = server_now.replace(tzinfo=dt.UTC)
        skew = (local - server_now).total_seconds()
        shown = f"clock {abs(skew):.0f} s {'ahead of' if skew > 0 else 'behind'} the centre"
        if abs(skew) > MAX_CLOCK_SKEW_S:
            checks.append(problem("clock", shown, "set the time (turn on NTP: timedatectl set-ntp true)"))
        else:
            checks.append(ok("clock", shown))
    return checks


def check_ca_certificate(url: str, now: dt.datetime | None = None) -> Check | None:
    """The sslrootcert file the URL names: present, a certificate, not expired."""
    import sqlalchemy as sa

    try:
        root = sa.engine.make_url(url).query.get("sslrootcert")
    except sa.exc.ArgumentError:
        return None
    if not root or isinstance(root, tuple):
        return None
    path = Path(root)
    if not path.is_file():
        return problem(
            "certificate", f"the centre's CA file {path} is missing", "copy it from the enrolment file"
        )
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(path.read_bytes())
    except (ValueError, OSError) as exc:
        return problem(
            "certificate", f"{path} is not a PEM certificate ({exc})", "copy it again from the enrolment file"
        )
    now = now or dt.datetime.now(dt.UTC)
    ends = cert.not_valid_after_utc
    if ends < now:
        return problem(
            "certificate",
            f"the centre's CA certificate expired on {ends:%Y-%m-%d}",
            "ask the district for a new enrolment file",
        )
    if ends - now < dt.timedelta(days=30):
        return problem(
            "certificate",
            f"the centre's CA certificate expires on {ends:%Y-%m-%d}",
            "ask the district for a new one now",
        )
    return ok("certificate", f"CA certificate valid until {ends:%Y-%m-%d}")


def check_sync(settings: Settings, now: dt.datetime | None = None) -> list[Check]:
    from sqlalchemy.exc import SQLAlchemyError

    from db.engine import make_engine, sqlite_path
    from db.sync.status import read_status

    if not settings.central_url:
        return [skipped("sync", "no centre: nothing to send")]
    path = sqlite_path(settings.hall_db_url)
    if path is not None and not path.is_file():
        return [skipped("sync", "no hall database")]
    try:
        engine = make_engine(settings.hall_db_url)
        try:
            status = read_status(engine)
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        return [
            problem(
                "sync", f"cannot read the sync state: {type(exc).__name__}", "see the database check above"
            )
        ]
    now = now or dt.datetime.now(dt.UTC)
    checks: list[Check] = []
    last = status.last_success_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=dt.UTC)
    age = "never" if last is None else f"{(now - last).total_seconds() / 3600:.1f} h ago"
    detail = f"{status.backlog} records waiting, last success {age}"
    if status.stopped:
        checks.append(
            problem(
                "sync",
                f"{detail}; stopped on {', '.join(status.stopped)}",
                "a manager must look at the sync page (`main.py sync status`)",
            )
        )
    elif status.backlog and (last is None or now - last > MAX_SYNC_SILENCE):
        first_error = next(iter(status.errors.values()), "")
        checks.append(
            problem(
                "sync",
                detail + (f"; last error: {first_error[:120]}" if first_error else ""),
                "check the link to the centre; `main.py sync run --once`",
            )
        )
    else:
        checks.append(ok("sync", detail))
    return checks


# --- program version --------------------------------------------------------------------------------


def check_program_version(settings: Settings, running: str | None = None) -> list[Check]:
    """This program against the minimum version the district announced with its reference release."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.updates import status_from_engine
    from app.version import VERSION
    from db.engine import make_engine, sqlite_path

    running = running or VERSION
    path = sqlite_path(settings.hall_db_url)
    if path is not None and not path.is_file():
        return [
            skipped("version", f"OneWindow {running}; no hall database to read the district's minimum from")
        ]
    try:
        engine = make_engine(settings.hall_db_url)
        try:
            status = status_from_engine(engine, running)
        finally:
            engine.dispose()
    except SQLAlchemyError:
        return [
            skipped("version", f"OneWindow {running}; the district's minimum cannot be read (see database)")
        ]
    try:
        needed = status.update_needed
    except ValueError as exc:
        return [
            problem("version", f"the district's minimum version cannot be read: {exc}", "run `main.py sync`")
        ]
    if needed:
        return [
            problem(
                "version",
                f"OneWindow {running} is older than {status.required}, the minimum the district requires "
                f"(reference release {status.release})",
                f"install OneWindow {status.required} or newer over this one (the hall database is backed up "
                "and upgraded at its first start)",
            )
        ]
    if status.required:
        return [ok("version", f"OneWindow {running} (the district requires {status.required} or newer)")]
    return [ok("version", f"OneWindow {running} (no minimum announced by the district)")]


# --- backups ----------------------------------------------------------------------------------------


def check_backup(settings: Settings, now: dt.datetime | None = None) -> list[Check]:
    from app.backup import backup_dir, latest_backup

    directory = backup_dir(settings)
    last = latest_backup(settings)
    now = now or dt.datetime.now()
    checks: list[Check] = []
    if last is None:
        checks.append(problem("backup", f"no backup in {directory}", "run `main.py db backup`"))
    else:
        age = now - last.taken_at
        shown = f"last backup {age.total_seconds() / 3600:.0f} h old ({last.path.name})"
        if age > MAX_BACKUP_AGE:
            checks.append(
                problem(
                    "backup", shown, "run `main.py db backup`; check the log for why the daily one failed"
                )
            )
        else:
            checks.append(ok("backup", shown))
    if directory.is_dir():
        checks.append(check_free_disk(directory, "backups folder"))
    return checks


# --- all together -----------------------------------------------------------------------------------


def run_checks(
    settings: Settings, *, qt: bool = True, devices: bool = True, centre: bool = True
) -> list[Check]:
    checks: list[Check] = []
    if qt:
        checks += check_qt()
    checks += check_database(settings)
    checks += check_program_version(settings)
    if devices:
        checks += check_devices(settings)
    if centre:
        checks += check_centre(settings)
        checks += check_sync(settings)
    checks += check_backup(settings)
    return checks


def report(checks: Sequence[Check]) -> tuple[str, int]:
    """The text to print and the exit code (1 when anything is wrong)."""
    problems = [c for c in checks if c.problem]
    lines = [c.line() for c in checks]
    lines.append(f"{len(problems)} problem(s)" if problems else "all checks passed")
    return "\n".join(lines), 1 if problems else 0
