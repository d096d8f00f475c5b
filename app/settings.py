"""One typed settings object for a site: a TOML file plus environment overrides.

The file lives in the user config dir (`platformdirs`), or wherever --config / ONEWINDOW_CONFIG
point. Every key is declared here; an unknown key, a wrong type or a TOML syntax error gives one
`SettingsError` naming the key and the line, so a field engineer can fix it on the spot.

Environment overrides: ONEWINDOW_DB (hall database URL), ONEWINDOW_CENTRAL (central URL), and
ONEWINDOW__SECTION__KEY=value for any key (sub-sections joined with __, e.g.
ONEWINDOW__DEVICES__IDCARD__PORT=/dev/ttyUSB0).
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
import types
import typing
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import platformdirs

from app.counter.settings import CARD_LOGIN, NO_SHOW_POLICIES, CounterSettings
from app.hall.policy import KioskPolicy
from app.queue.policy import QueuePolicy

# The lower layers' own settings, composed here (and importable from here).
from devices.settings import DeviceSettings as DeviceSettings
from devices.settings import IdCardSettings as IdCardSettings
from devices.settings import ScannerSettings as ScannerSettings
from devices.settings import ThermometerSettings as ThermometerSettings
from printing.settings import DocumentPrinterSettings as DocumentPrinterSettings
from printing.settings import PrinterSettings as PrinterSettings
from printing.settings import TicketPrinterSettings as TicketPrinterSettings

APP_NAME = "OneWindow"
_T = TypeVar("_T")


class SettingsError(ValueError):
    """A settings file or override that cannot be used; the message names key and line."""


# --- bounds, declared with the fields they limit ------------------------------------------------


@dataclass(frozen=True)
class Bounds:
    """What a value must satisfy beyond its type; checked at load, reported with key and line."""

    lo: float | None = None
    hi: float | None = None
    choices: tuple[object, ...] = ()
    check: Callable[[Any], str | None] | None = None  # returns the problem, or None when fine


def bounded(default: _T, lo: float | None = None, hi: float | None = None) -> _T:
    return field(default=default, metadata={"bounds": Bounds(lo, hi)})


def one_of(default: _T, *choices: _T) -> _T:
    return field(default=default, metadata={"bounds": Bounds(choices=tuple(choices))})


def checked(default: _T, check: Callable[[Any], str | None]) -> _T:
    return field(default=default, metadata={"bounds": Bounds(check=check)})


def _site_code(value: str) -> str | None:
    return None if re.fullmatch(r"[A-Za-z0-9_-]{1,16}", value) else "must be 1-16 letters, digits, - or _"


def _timezone(value: str) -> str | None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return "must be an IANA time zone such as Asia/Shanghai"
    return None


def _database_url(value: str) -> str | None:
    if not value:
        return None
    import sqlalchemy as sa

    try:
        backend = sa.engine.make_url(value).get_backend_name()
    except (sa.exc.ArgumentError, ValueError):
        return "is not a database URL (sqlite:///PATH or postgresql://USER@HOST/DB)"
    return None if backend in ("sqlite", "postgresql", "postgres") else "must be a SQLite or PostgreSQL URL"


def _regex_with_t(value: str) -> str | None:
    try:
        compiled = re.compile(value)
    except re.error as exc:
        return f"is not a valid regular expression ({exc})"
    return None if "t" in compiled.groupindex else "must have a named group (?P<t>...) for the temperature"


def _template(*fields: str) -> Callable[[Any], str | None]:
    def check(value: str) -> str | None:
        if len(value) > 500:
            return "must be at most 500 characters (a QR code holds little)"
        try:
            value.format(**dict.fromkeys(fields, "x"))
        except (KeyError, IndexError, ValueError, AttributeError) as exc:
            return f"may only use the fields {', '.join('{' + f + '}' for f in fields)} ({exc})"
        return None

    return check


BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
LOG_LEVELS = (
    "DEBUG",
    "INFO",
    "WARNING",
    "ERROR",
    "CRITICAL",
    "debug",
    "info",
    "warning",
    "error",
    "critical",
)
DAY_S = 86_400.0


@dataclass(frozen=True)
class SiteSettings:
    code: str = checked("XB", _site_code)  # the site code the hall database and the centre know this site by
    name: str = "新北区政务服务中心"
    timezone: str = checked("Asia/Shanghai", _timezone)


@dataclass(frozen=True)
class DatabaseSettings:
    hall_url: str = checked("", _database_url)  # empty: SQLite file in the user data dir
    central_url: str = ""  # empty: no central database (stand-alone)
    # Only for a demo or test centre: accept a central URL without verified TLS (sslmode=verify-*).
    allow_insecure_central: bool = False

    def __post_init__(self) -> None:
        from db.sync.tls import central_url_problem

        problem = central_url_problem(self.central_url, self.allow_insecure_central)
        if problem:
            raise ValueError(f"central_url {problem}")


@dataclass(frozen=True)
class SyncSettings:
    # > 0: a zero or negative interval would spin against the centre.
    interval_s: float = bounded(30.0, 1.0, DAY_S)
    batch_size: int = bounded(500, 1, 100_000)
    max_backoff_s: float = bounded(300.0, 1.0, DAY_S)


@dataclass(frozen=True)
class ThresholdSettings:
    fever_c: float = bounded(37.3, 35.0, 42.0)  # a body temperature, not any number
    wait_target_minutes: int = bounded(30, 1, 1440)
    temperature_retention_days: int = bounded(14, 1, 3650)
    due_soon_working_days: int = bounded(2, 0, 60)
    # 差评整改 deadline (GB/T 39734-2020): working days from the rating, on the hall's calendar.
    rectification_working_days: int = bounded(5, 1, 60)


@dataclass(frozen=True)
class ScreenSettings:
    """Single-PC mode: which screen each role opens on (0 = primary)."""

    counter: int = bounded(0, 0, 15)
    kiosk: int = bounded(1, 0, 15)
    display: int = bounded(2, 0, 15)
    fullscreen: bool = False


@dataclass(frozen=True)
class UiSettings:
    language: str = one_of("zh_CN", "zh_CN", "en")
    font_family: str = ""  # empty: the first CJK font found
    idle_return_s: int = bounded(60, 5, 3600)
    voice_repeat: int = bounded(2, 0, 10)


@dataclass(frozen=True)
class PrivacySettings:
    # Deprecated: the ID-hash key lives in the site's secrets file (`main.py secrets init|set`);
    # a value here is refused at start-up with the command that moves it. There is no built-in key.
    id_hash_key: str = ""
    # An unfinished intake form is kept this long (crash / power-cut recovery), then deleted.
    draft_expiry_hours: int = bounded(24, 1, 720)


@dataclass(frozen=True)
class BackupSettings:
    """Daily backups of the hall database (app.backup): where, and how many are kept."""

    directory: str = ""  # empty: "backups" in the user data dir
    keep_daily: int = bounded(7, 1, 366)  # the newest backup of each of the last N days
    keep_weekly: int = bounded(4, 0, 520)  # and the newest of each of the N weeks before
    automatic: bool = True  # the hall starts one at start-up when the last is older than a day


@dataclass(frozen=True)
class LoggingSettings:
    level: str = one_of("INFO", *LOG_LEVELS)
    directory: str = ""  # empty: the user log dir


def _gateway_url(value: str) -> str | None:
    """HTTPS only; plain http only to this machine (a local relay or the test emulator)."""
    if not value:
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
    except ValueError:
        return "is not a URL"
    if not parts.hostname:
        return "is not a URL (https://HOST/PATH)"
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")):
        return None
    return "must be an https:// URL (plain http only to 127.0.0.1)"


@dataclass(frozen=True)
class SmsSettings:
    """SMS reminders (app/reminders). The gateway's secret is `sms_gateway_secret` in the site's
    secrets file (`main.py secrets set sms_gateway_secret`), never here."""

    sender: str = one_of("off", "off", "log", "http")  # off: nothing queued; log: demo, numbers masked
    gateway_url: str = checked("", _gateway_url)  # the province's SMS gateway
    account: str = ""  # the hall's account at the gateway
    signature: str = "【政务服务】"  # 短信签名, as registered with the gateway
    timeout_s: float = bounded(10.0, 0.2, 120.0)
    max_attempts: int = bounded(8, 1, 100)
    backoff_base_s: float = bounded(30.0, 0.0, DAY_S)  # wait before the 2nd attempt; doubles each time
    backoff_max_s: float = bounded(3600.0, 0.0, DAY_S)
    turn_position: int = bounded(3, 1, 50)  # "you are Nth in line" when N reaches this
    appointment_reminder_hour: int = bounded(16, 0, 23)  # the day before, from this local hour
    batch_size: int = bounded(20, 1, 1000)

    def __post_init__(self) -> None:
        if self.sender == "http" and not self.gateway_url:
            raise ValueError("sender = \"http\" needs gateway_url")


# Bounds of the sections whose dataclasses live with the code that uses them (the queue policy,
# the kiosk policy, devices/settings.py, printing/settings.py): the lower layers declare plain
# dataclasses; these keep each value sane.
EMBEDDED_BOUNDS: dict[str, Bounds] = {
    "queue.priority_burst": Bounds(1, 100),
    "queue.max_wait_minutes": Bounds(0, 1440),
    "queue.appointment_early_minutes": Bounds(0, 1440),
    "queue.appointment_late_minutes": Bounds(0, 1440),
    "queue.requeue_after": Bounds(0, 1000),
    "queue.max_recalls": Bounds(0, 100),
    "queue.default_service_minutes": Bounds(0.1, 480),
    "queue.service_sample": Bounds(1, 10_000),
    "queue.wait_target_minutes": Bounds(1, 1440),
    "kiosk.elderly_categories": Bounds(1, 100),
    "kiosk.qr_template": Bounds(check=_template("date", "number", "site")),
    "devices.idcard.baud": Bounds(choices=BAUD_RATES),
    "devices.idcard.poll_interval_s": Bounds(0.05, 60.0),
    "devices.thermometer.protocol": Bounds(choices=("modbus", "gy906", "htpa", "ascii")),
    "devices.thermometer.baud": Bounds(choices=BAUD_RATES),
    "devices.thermometer.address": Bounds(1, 247),  # Modbus slave addresses
    "devices.thermometer.register": Bounds(0, 0xFFFF),
    "devices.thermometer.function": Bounds(choices=(3, 4)),
    "devices.thermometer.scale": Bounds(0.0001, 10.0),
    "devices.thermometer.regex": Bounds(check=_regex_with_t),
    "devices.scanner.baud": Bounds(choices=BAUD_RATES),
    "kiosk.rating_valid_days": Bounds(1, 3650),
    "printers.ticket.baud": Bounds(choices=BAUD_RATES),
    "printers.ticket.width_mm": Bounds(choices=(80, 58)),
    "printers.document.qr_template": Bounds(check=_template("case_number", "matter_code")),
    "counter.no_show": Bounds(choices=NO_SHOW_POLICIES),
    "counter.no_show_recalls": Bounds(0, 20),
    "counter.card_login": Bounds(choices=CARD_LOGIN),
}


@dataclass(frozen=True)
class Settings:
    site: SiteSettings = field(default_factory=SiteSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    devices: DeviceSettings = field(default_factory=DeviceSettings)
    printers: PrinterSettings = field(default_factory=PrinterSettings)
    thresholds: ThresholdSettings = field(default_factory=ThresholdSettings)
    screens: ScreenSettings = field(default_factory=ScreenSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    queue: QueuePolicy = field(default_factory=QueuePolicy)
    kiosk: KioskPolicy = field(default_factory=KioskPolicy)
    counter: CounterSettings = field(default_factory=CounterSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    backup: BackupSettings = field(default_factory=BackupSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    sms: SmsSettings = field(default_factory=SmsSettings)
    source: str = ""  # the file these came from, for messages

    @property
    def hall_db_url(self) -> str:
        return self.database.hall_url or default_hall_url()

    @property
    def central_url(self) -> str | None:
        return self.database.central_url or None

    @property
    def log_dir(self) -> Path:
        return Path(self.logging.directory) if self.logging.directory else user_log_dir()


def user_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def user_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    return user_config_dir() / "onewindow.toml"


def default_hall_url() -> str:
    return f"sqlite:///{(user_data_dir() / 'hall.db').as_posix()}"


# --- loading ---------------------------------------------------------------------------------


def _line_of(text: str, dotted: str) -> int | None:
    """Best-effort line number of a key in the TOML text (for messages only)."""
    *sections, key = dotted.split(".")
    section_line = 0
    lines = text.splitlines()
    if sections:
        header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(map(re.escape, sections)) + r"\s*\]")
        for i, line in enumerate(lines, 1):
            if header.match(line):
                section_line = i
                break
    key_re = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
    for i, line in enumerate(lines[section_line:], section_line + 1):
        if key_re.match(line):
            return i
    return section_line or None


def _convert(value: Any, kind: Any, dotted: str, where: str) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return None if value is None else _convert(value, options[0], dotted, where)
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false", "1", "0", "yes", "no"}:
            return value.lower() in {"true", "1", "yes"}
        raise SettingsError(f"{where}: {dotted} must be true or false, got {value!r}")
    if kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"[-+]?\d+", value.strip()):
            return int(value)
        raise SettingsError(f"{where}: {dotted} must be a whole number, got {value!r}")
    if kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise SettingsError(f"{where}: {dotted} must be a number, got {value!r}")
    if kind is str:
        if isinstance(value, str):
            return value
        raise SettingsError(f"{where}: {dotted} must be text (in quotes), got {value!r}")
    raise SettingsError(f"{where}: {dotted}: unsupported type")  # pragma: no cover


def _build(cls: type[Any], data: dict[str, Any], prefix: str, text: str, source: str) -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "source"}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        line = _line_of(text, dotted)
        where = f"{source}, line {line}" if line else source
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise SettingsError(f"{where}: unknown setting {dotted!r} (known here: {known})")
        kind = hints[key]
        if dataclasses.is_dataclass(kind):
            if not isinstance(value, dict):
                raise SettingsError(f"{where}: {dotted} must be a section [{dotted}]")
            kwargs[key] = _build(typing.cast(type, kind), value, dotted + ".", text, source)
        else:
            kwargs[key] = _convert(value, kind, dotted, where)
            bounds = fields[key].metadata.get("bounds") or EMBEDDED_BOUNDS.get(dotted)
            _check_bounds(kwargs[key], bounds, dotted, where)
    try:
        return cls(**kwargs)
    except ValueError as exc:  # a section's own consistency checks (e.g. QueuePolicy)
        named = [k for k in data if re.search(rf"\b{re.escape(k)}\b", str(exc))] or list(data)[:1]
        line = _line_of(text, prefix + named[0]) if named else None
        raise SettingsError(f"{source}{f', line {line}' if line else ''}: {exc}") from None


def _check_bounds(value: Any, bounds: Bounds | None, dotted: str, where: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise SettingsError(f"{where}: {dotted} must be a finite number, got {value!r}")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**31:
        raise SettingsError(f"{where}: {dotted} is out of range, got {value!r}")
    if isinstance(value, str) and ("\x00" in value or len(value) > 4096):
        raise SettingsError(f"{where}: {dotted} must be at most 4096 characters of text")
    if bounds is None:
        return
    if bounds.choices and value not in bounds.choices:
        shown = ", ".join(dict.fromkeys(str(c) for c in bounds.choices))
        raise SettingsError(f"{where}: {dotted} must be one of {shown}, got {value!r}")
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    if numeric and (
        (bounds.lo is not None and value < bounds.lo) or (bounds.hi is not None and value > bounds.hi)
    ):
        lo = "" if bounds.lo is None else f"{bounds.lo:g}"
        hi = "" if bounds.hi is None else f"{bounds.hi:g}"
        span = f"between {lo} and {hi}" if lo and hi else f"at least {lo}" if lo else f"at most {hi}"
        raise SettingsError(f"{where}: {dotted} must be {span}, got {value!r}")
    if bounds.check is not None:
        problem = bounds.check(value)
        if problem:
            raise SettingsError(f"{where}: {dotted} {problem}, got {value!r}")


def _env_overrides(environ: typing.Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}

    def put(path: list[str], value: str) -> None:
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value

    for name, value in environ.items():
        if name.startswith("ONEWINDOW__"):
            put([p.lower() for p in name[len("ONEWINDOW__") :].split("__")], value)
    if environ.get("ONEWINDOW_DB"):
        put(["database", "hall_url"], environ["ONEWINDOW_DB"])
    if environ.get("ONEWINDOW_CENTRAL"):
        put(["database", "central_url"], environ["ONEWINDOW_CENTRAL"])
    return data


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_settings(
    path: Path | str | None = None,
    *,
    environ: typing.Mapping[str, str] | None = None,
    required: bool = False,
) -> Settings:
    """Load settings from `path` (or the default file, if it exists) plus environment overrides.

    A missing default file means defaults; a missing explicit file is an error.
    """
    environ = os.environ if environ is None else environ
    explicit = path is not None
    file = Path(path) if path is not None else default_config_path()
    text = ""
    data: dict[str, Any] = {}
    if file.exists():
        try:
            text = file.read_text(encoding="utf-8-sig")
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{file}: not valid TOML: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{file}: cannot read: {exc}") from None
    elif explicit or required:
        raise SettingsError(f"{file}: settings file not found")
    settings: Settings = _build(Settings, data, "", text, str(file))
    env = _env_overrides(environ)
    if env:
        settings = _build(Settings, _merge(data, env), "", text, f"{file} + environment")
    return dataclasses.replace(settings, source=str(file) if file.exists() else "")


def with_db_url(settings: Settings, url: str | None) -> Settings:
    if not url:
        return settings
    return dataclasses.replace(settings, database=dataclasses.replace(settings.database, hall_url=url))
