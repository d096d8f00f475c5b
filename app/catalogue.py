"""The matter catalogue and the demo hall: read, validate and load them idempotently.

The data lives in `resources/catalogue/` as human-edited JSON (see its README.md):
`matters*.json` (matters and their materials), `scenarios.json` (一件事), `empowerment.json`
(township lists, example configuration) and `demo_hall.json` (demo sites, zones, queues,
windows, staff, appointments). Every record is upserted by its business key (codes, window
numbers, usernames), so loading twice changes nothing. Functions here flush but never
commit: the caller owns the transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import logging
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.validators import check_id_number, normalise_id_number
from db.models import (
    STAFF_ROLES,
    WINDOW_KINDS,
    Appointment,
    Empowerment,
    Material,
    Matter,
    Scenario,
    ScenarioMatter,
    ServiceCategory,
    Site,
    Staff,
    Window,
    WindowCategory,
    Zone,
)

log = logging.getLogger("onewindow.catalogue")

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "resources" / "catalogue"
HALL_FILE = "demo_hall.json"
SCENARIO_FILE = "scenarios.json"
EMPOWERMENT_FILE = "empowerment.json"
MATTER_GLOB = "matters*.json"

MATTER_FLAGS = ("commitment", "instant", "tolerance", "no_face_to_face")
LEGAL_UNITS = ("working", "calendar")
MATERIAL_FORMS = ("原件", "复印件", "原件及复印件", "电子")
SITE_KINDS = ("district", "township")
# A material dropped from the catalogue while cases still point at it is kept, marked so.
RETIRED_NOTE = "【已停用】"

_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
_MATTER_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_PREFIX_RE = re.compile(r"^[A-Z]{1,2}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class CatalogueError(ValueError):
    """The catalogue data is invalid; `problems` names the file and the entry of each one."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = f"\n  … and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(f"catalogue data is invalid ({len(self.problems)} problem(s)):\n{shown}{more}")


# --- specs: the validated content of the files ------------------------------------------


@dataclass(frozen=True, slots=True)
class MaterialSpec:
    name: str
    form: str = "原件"
    copies: int = 1
    required: bool = True
    core: bool = True
    note: str = ""


@dataclass(frozen=True, slots=True)
class MatterSpec:
    code: str
    name: str
    department: str
    kind: str
    zone_code: str | None
    category_code: str | None
    legal_days: int | None
    legal_unit: str
    legal_text: str
    promised_days: int
    promised_is_demo: bool
    source: str
    commitment: bool
    instant: bool
    tolerance: bool
    no_face_to_face: bool
    conditions: str
    legal_basis: str
    fee: str
    materials: tuple[MaterialSpec, ...]
    where: str  # "matters.json: matters[3] (SCJG-004 …)" for later cross-checks


@dataclass(frozen=True, slots=True)
class ScenarioSpec:
    code: str
    name: str
    description: str
    promised_days: int | None
    matter_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EmpowermentSpec:
    code: str
    name: str
    matter_codes: tuple[str, ...]  # resolved: own codes plus those of included lists


@dataclass(frozen=True, slots=True)
class CatalogueData:
    matters: tuple[MatterSpec, ...]
    scenarios: tuple[ScenarioSpec, ...]
    empowerment: tuple[EmpowermentSpec, ...]


@dataclass(frozen=True, slots=True)
class ZoneSpec:
    code: str
    name: str
    sort: int


@dataclass(frozen=True, slots=True)
class CategorySpec:
    code: str
    name: str
    prefix: str
    zone_code: str | None
    daily_cap: int | None
    issue_start: dt.time
    issue_end: dt.time
    warn_wait_minutes: int
    per_id_daily_limit: int
    sort: int


@dataclass(frozen=True, slots=True)
class WindowSpec:
    number: int
    name: str
    kind: str
    zone_code: str | None
    department: str
    categories: tuple[tuple[str, int], ...]  # (category code, priority)


@dataclass(frozen=True, slots=True)
class StaffSpec:
    username: str
    name: str
    role: str
    window: int | None
    password: str


@dataclass(frozen=True, slots=True)
class AppointmentSpec:
    seq: int
    category_code: str
    matter_code: str | None
    name: str
    id_number: str
    phone: str
    start: dt.time
    minutes: int


@dataclass(frozen=True, slots=True)
class SiteSpec:
    code: str
    name: str
    kind: str
    empowerment_list: str | None
    office_name: str
    address: str
    phone: str
    zones: tuple[ZoneSpec, ...]
    categories: tuple[CategorySpec, ...]
    windows: tuple[WindowSpec, ...]
    staff: tuple[StaffSpec, ...]
    appointments: tuple[AppointmentSpec, ...]


# --- reports ----------------------------------------------------------------------------


@dataclass(slots=True)
class KindCount:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0  # deleted, or deactivated where rows may be referenced

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.removed


@dataclass(slots=True)
class _Counts:
    by_kind: dict[str, KindCount] = field(default_factory=dict)

    def __getitem__(self, kind: str) -> KindCount:
        return self.by_kind.setdefault(kind, KindCount())

    def total(self, attr: str) -> int:
        return sum(int(getattr(c, attr)) for c in self.by_kind.values())

    def summary(self) -> str:
        return "; ".join(
            f"{k}: {c.inserted} inserted, {c.updated} updated, {c.unchanged} unchanged"
            + (f", {c.removed} removed" if c.removed else "")
            for k, c in self.by_kind.items()
        )


@dataclass(slots=True)
class LoadReport(_Counts):
    """Per kind (matter, material, scenario, scenario_matter, empowerment) what a load did."""

    def __str__(self) -> str:
        return self.summary()

    @property
    def inserted(self) -> int:
        return self.total("inserted")

    @property
    def updated(self) -> int:
        return self.total("updated")

    @property
    def unchanged(self) -> int:
        return self.total("unchanged")

    @property
    def changed(self) -> int:
        return self.total("changed")


@dataclass(slots=True)
class SeedReport(_Counts):
    """The catalogue load plus the demo hall rows (site, zone, category, window, …)."""

    catalogue: LoadReport = field(default_factory=LoadReport)
    sites: list[str] = field(default_factory=list)
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role, demo password)

    @property
    def changed(self) -> int:
        return self.total("changed") + self.catalogue.changed

    def __str__(self) -> str:
        logins = ", ".join(f"{u} / {p} ({r})" for u, r, p in self.logins)
        return (
            f"catalogue: {self.catalogue.summary()}\n"
            f"demo hall {', '.join(self.sites)}: {self.summary()}\n"
            f"demo logins (change before real use): {logins}"
        )


@dataclass(slots=True)
class EmpowermentImportReport:
    list_code: str
    matched: int = 0
    inserted: int = 0
    removed: int = 0
    unchanged: int = 0
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (line number, text) not matched


# --- reading and validation -------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            raise CatalogueError(self.items)


class _Entry:
    """Typed access to one JSON object, reporting problems against its location."""

    def __init__(self, obj: Any, where: str, problems: _Problems, allowed: Iterable[str]) -> None:
        self.where = where
        self.problems = problems
        self.ok = isinstance(obj, dict)
        self.obj: dict[str, Any] = obj if isinstance(obj, dict) else {}
        if not self.ok:
            problems.add(where, f"expected an object, got {type(obj).__name__}")
            return
        allowed_set = set(allowed)
        for key in self.obj:
            if key not in allowed_set:
                problems.add(where, f"unknown field {key!r} (allowed: {', '.join(sorted(allowed_set))})")

    def _bad(self, key: str, message: str) -> None:
        self.problems.add(self.where, f"field {key!r} {message}")

    def text(self, key: str, *, default: str | None = None, empty_ok: bool = False) -> str:
        if key not in self.obj:
            if default is None:
                self._bad(key, "is missing")
                return ""
            return default
        raw = self.obj[key]
        if not isinstance(raw, str):
            self._bad(key, f"must be text, got {raw!r}")
            return ""
        value: str = raw.strip()
        if not value and not empty_ok:
            self._bad(key, "is empty")
        return value

    def opt_text(self, key: str) -> str | None:
        value = self.obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self._bad(key, f"must be non-empty text or null, got {value!r}")
            return None
        return value.strip()

    def integer(self, key: str, *, default: int | None = None, minimum: int = 0) -> int:
        if key not in self.obj and default is not None:
            return default
        value = self.obj.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            self._bad(key, "is missing" if key not in self.obj else f"must be a whole number, got {value!r}")
            return minimum
        if value < minimum:
            self._bad(key, f"must be at least {minimum}, got {value}")
        return value

    def opt_integer(self, key: str, *, minimum: int = 0) -> int | None:
        if self.obj.get(key) is None:
            return None
        return self.integer(key, minimum=minimum)

    def boolean(self, key: str, default: bool) -> bool:
        value = self.obj.get(key, default)
        if not isinstance(value, bool):
            self._bad(key, f"must be true or false, got {value!r}")
            return default
        return value

    def choice(self, key: str, choices: Sequence[str], default: str | None = None) -> str:
        value = self.text(key, default=default)
        if value and value not in choices:
            self._bad(key, f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    def clock(self, key: str, default: str) -> dt.time:
        value = self.text(key, default=default)
        if not _TIME_RE.match(value):
            self._bad(key, f"must be a time HH:MM, got {value!r}")
            return dt.time.fromisoformat(default)
        return dt.time.fromisoformat(value)

    def items(self, key: str, *, empty_ok: bool = True) -> list[Any]:
        value = self.obj.get(key)
        if not isinstance(value, list):
            self._bad(key, "is missing" if key not in self.obj else "must be a list")
            return []
        if not value and not empty_ok:
            self._bad(key, "is empty")
        return value


def _load_json(path: Path, problems: _Problems) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.add(path.name, f"file not found in {path.parent}")
    except UnicodeDecodeError as exc:
        problems.add(path.name, f"not UTF-8 text ({exc.reason} at byte {exc.start})")
    except json.JSONDecodeError as exc:
        problems.add(path.name, f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    return None


def _top(doc: Any, fname: str, key: str, problems: _Problems) -> list[Any]:
    if doc is None:
        return []
    entry = _Entry(doc, fname, problems, ("about", key))
    return entry.items(key) if entry.ok else []


def _read_material(obj: Any, where: str, problems: _Problems) -> MaterialSpec:
    e = _Entry(obj, where, problems, ("name", "form", "copies", "required", "core", "note"))
    return MaterialSpec(
        name=e.text("name"),
        form=e.choice("form", MATERIAL_FORMS, default="原件"),
        copies=e.integer("copies", default=1, minimum=1),
        required=e.boolean("required", True),
        core=e.boolean("core", True),
        note=e.text("note", default="", empty_ok=True),
    )


_MATTER_FIELDS = (
    "code", "name", "department", "kind", "zone", "category", "legal_days", "legal_unit", "legal_text",
    "promised_days", "promised_is_demo", "flags", "conditions", "legal_basis", "fee", "source", "materials",
)  # fmt: skip


def _read_matter(obj: Any, where: str, problems: _Problems) -> MatterSpec | None:
    code = obj.get("code", "?") if isinstance(obj, dict) else "?"
    name = obj.get("name", "") if isinstance(obj, dict) else ""
    where = f"{where} ({code} {name})".rstrip()
    e = _Entry(obj, where, problems, _MATTER_FIELDS)
    if not e.ok:
        return None
    code = e.text("code")
    if code and not _MATTER_CODE_RE.match(code):
        problems.add(where, "code must be letters, digits, '.', '_' or '-' (at most 64)")
    flags_raw = e.items("flags") if "flags" in e.obj else []
    flags: set[str] = set()
    for flag in flags_raw:
        if flag not in MATTER_FLAGS:
            problems.add(where, f"unknown flag {flag!r} (allowed: {', '.join(MATTER_FLAGS)})")
        else:
            flags.add(flag)
    materials = tuple(
        _read_material(m, f"{where} material {i + 1}", problems) for i, m in enumerate(e.items("materials"))
    )
    spec = MatterSpec(
        code=code,
        name=e.text("name"),
        department=e.text("department"),
        kind=e.text("kind"),
        zone_code=e.opt_text("zone"),
        category_code=e.opt_text("category"),
        legal_days=e.opt_integer("legal_days"),
        legal_unit=e.choice("legal_unit", LEGAL_UNITS, default="working"),
        legal_text=e.text("legal_text", default="", empty_ok=True),
        promised_days=e.integer("promised_days"),
        promised_is_demo=e.boolean("promised_is_demo", False),
        source=e.text("source", default="", empty_ok=True),
        commitment="commitment" in flags,
        instant="instant" in flags,
        tolerance="tolerance" in flags,
        no_face_to_face="no_face_to_face" in flags,
        conditions=e.text("conditions", default="", empty_ok=True),
        legal_basis=e.text("legal_basis", default="", empty_ok=True),
        fee=e.text("fee", default="不收费"),
        materials=materials,
        where=where,
    )
    # Rules between fields: what a clerk would otherwise discover at the counter.
    if not spec.materials and not spec.instant:
        problems.add(
            where, "material list is empty (only an instant-approval 秒批 matter may have no materials)"
        )
    if spec.instant and any(m.required for m in spec.materials):
        problems.add(where, "an instant-approval (秒批) matter takes no required materials")
    if spec.instant and spec.commitment:
        problems.add(where, "a matter cannot be both instant approval (秒批) and commitment (告知承诺)")
    if spec.tolerance and not any(not m.core for m in spec.materials):
        problems.add(where, "tolerance (容缺受理) needs at least one non-core material (core: false)")
    if spec.legal_days is not None:
        if spec.legal_unit == "working" and spec.promised_days > spec.legal_days:
            problems.add(
                where,
                f"promised limit {spec.promised_days} working days exceeds the legal limit "
                f"{spec.legal_days} working days",
            )
        # Calendar-day limits: the promise must fit even when it spans weekends (holidays aside).
        span = spec.promised_days + 2 * -(-spec.promised_days // 5)
        if spec.legal_unit == "calendar" and span > spec.legal_days:
            problems.add(
                where,
                f"promised limit {spec.promised_days} working days can take {span} calendar days, "
                f"more than the legal limit of {spec.legal_days} days",
            )
    if spec.legal_days is None and not spec.legal_text:
        problems.add(where, "legal_days is null: say in legal_text why (e.g. no statutory limit found)")
    if not spec.source:
        problems.add(where, "source is empty: name where the data comes from")
    seen: set[str] = set()
    for m in spec.materials:
        if m.name in seen:
            problems.add(where, f"material {m.name!r} is listed twice")
        seen.add(m.name)
    # A faulty matter still counts as known, so scenarios naming it do not add noise.
    return spec


def read_catalogue(directory: Path | None = None) -> CatalogueData:
    """Read and validate the catalogue files; raises CatalogueError listing every problem."""
    directory = directory or CATALOGUE_DIR
    problems = _Problems()
    matter_files = sorted(directory.glob(MATTER_GLOB))
    if not matter_files:
        problems.add(str(directory), f"no {MATTER_GLOB} file")
    matters: list[MatterSpec] = []
    first_seen: dict[str, str] = {}
    for path in matter_files:
        doc = _load_json(path, problems)
        for i, obj in enumerate(_top(doc, path.name, "matters", problems)):
            spec = _read_matter(obj, f"{path.name}: matters[{i}]", problems)
            if spec is None or not spec.code:
                continue
            if spec.code in first_seen:
                problems.add(
                    spec.where, f"duplicate matter code {spec.code} (first in {first_seen[spec.code]})"
                )
                continue
            first_seen[spec.code] = spec.where
            matters.append(spec)
    known = set(first_seen)

    scenarios: list[ScenarioSpec] = []
    doc = _load_json(directory / SCENARIO_FILE, problems)
    seen_sc: set[str] = set()
    for i, obj in enumerate(_top(doc, SCENARIO_FILE, "scenarios", problems)):
        label = obj.get("code", "?") if isinstance(obj, dict) else "?"
        where = f"{SCENARIO_FILE}: scenarios[{i}] ({label})"
        e = _Entry(
            obj,
            where,
            problems,
            ("code", "name", "description", "source", "demo", "promised_days", "matters"),
        )
        if not e.ok:
            continue
        code, name = e.text("code"), e.text("name")
        description = e.text("description", default="", empty_ok=True)
        source = e.text("source")
        demo = e.boolean("demo", False)
        codes = [c for c in e.items("matters", empty_ok=False)]
        for c in codes:
            if c not in known:
                problems.add(where, f"names unknown matter code {c!r}")
        if len(set(codes)) != len(codes):
            problems.add(where, "lists a matter twice")
        if code in seen_sc:
            problems.add(where, f"duplicate scenario code {code}")
        seen_sc.add(code)
        if code and not _MATTER_CODE_RE.match(code):
            problems.add(where, "code must be letters, digits, '.', '_' or '-'")
        parts = [description] if description else []
        parts.append(("【演示配置】" if demo else "") + f"来源：{source}")
        scenarios.append(
            ScenarioSpec(
                code, name, "\n".join(parts), e.opt_integer("promised_days"), tuple(str(c) for c in codes)
            )
        )

    empowerment = _read_empowerment(directory / EMPOWERMENT_FILE, known, problems)
    problems.raise_if_any()
    return CatalogueData(tuple(matters), tuple(scenarios), tuple(empowerment))


def _read_empowerment(path: Path, known: set[str], problems: _Problems) -> list[EmpowermentSpec]:
    if not path.exists():
        return []
    raw: dict[str, tuple[str, list[str], str | None, str]] = {}
    for i, obj in enumerate(_top(_load_json(path, problems), path.name, "lists", problems)):
        label = obj.get("code", "?") if isinstance(obj, dict) else "?"
        where = f"{path.name}: lists[{i}] ({label})"
        e = _Entry(obj, where, problems, ("code", "name", "example", "includes", "matters"))
        if not e.ok:
            continue
        code, name = e.text("code"), e.text("name")
        if code and not _CODE_RE.match(code):
            problems.add(where, "code must be letters, digits, '.', '_' or '-' (at most 32)")
        e.boolean("example", False)
        codes = [str(c) for c in e.items("matters", empty_ok=False)]
        for c in codes:
            if c not in known:
                problems.add(where, f"names unknown matter code {c!r}")
        if code in raw:
            problems.add(where, f"duplicate list code {code}")
        raw[code] = (name, codes, e.opt_text("includes"), where)

    def resolve(code: str, trail: tuple[str, ...]) -> list[str]:
        _name, codes, includes, where = raw[code]
        if includes is None:
            return codes
        if includes not in raw:
            problems.add(where, f"includes unknown list {includes!r}")
            return codes
        if includes in trail:
            problems.add(where, f"includes form a cycle: {' → '.join((*trail, includes))}")
            return codes
        return [*resolve(includes, (*trail, includes)), *codes]

    out: list[EmpowermentSpec] = []
    for code, (name, _codes, _inc, _where) in raw.items():
        resolved = list(dict.fromkeys(resolve(code, (code,))))
        out.append(EmpowermentSpec(code, name, tuple(resolved)))
    return out


def read_demo_hall(
    directory: Path | None = None, catalogue: CatalogueData | None = None
) -> tuple[SiteSpec, ...]:
    """Read and validate demo_hall.json against the catalogue (queues and zones matters name)."""
    directory = directory or CATALOGUE_DIR
    catalogue = catalogue or read_catalogue(directory)
    problems = _Problems()
    fname = HALL_FILE
    matters = {m.code: m for m in catalogue.matters}
    lists = {e.code: set(e.matter_codes) for e in catalogue.empowerment}
    sites: list[SiteSpec] = []
    usernames: dict[str, str] = {}
    site_fields = (
        "code", "name", "kind", "empowerment_list", "office_name", "address", "phone", "note",
        "zones", "categories", "windows", "staff", "appointments",
    )  # fmt: skip
    for si, sobj in enumerate(_top(_load_json(directory / fname, problems), fname, "sites", problems)):
        label = sobj.get("code", "?") if isinstance(sobj, dict) else "?"
        swhere = f"{fname}: sites[{si}] ({label})"
        s = _Entry(sobj, swhere, problems, site_fields)
        if not s.ok:
            continue
        code = s.text("code")
        if code and not _CODE_RE.match(code):
            problems.add(swhere, "code must be letters, digits, '.', '_' or '-' (at most 32)")
        if any(x.code == code for x in sites):
            problems.add(swhere, f"duplicate site code {code}")
        emp = s.opt_text("empowerment_list")
        if emp is not None and emp not in lists:
            problems.add(swhere, f"empowerment_list {emp!r} is not a list in {EMPOWERMENT_FILE}")
        kind = s.choice("kind", SITE_KINDS, default="district")

        zones: list[ZoneSpec] = []
        for zi, zobj in enumerate(s.items("zones", empty_ok=False)):
            z = _Entry(zobj, f"{swhere} zones[{zi}]", problems, ("code", "name"))
            zs = ZoneSpec(z.text("code"), z.text("name"), zi)
            if any(x.code == zs.code for x in zones):
                problems.add(z.where, f"duplicate zone code {zs.code}")
            zones.append(zs)
        zone_codes = {z.code for z in zones}

        cats: list[CategorySpec] = []
        cat_fields = (
            "code", "name", "prefix", "zone", "daily_cap", "issue_start", "issue_end",
            "warn_wait_minutes", "per_id_daily_limit", "note",
        )  # fmt: skip
        for ci, cobj in enumerate(s.items("categories", empty_ok=False)):
            c = _Entry(cobj, f"{swhere} categories[{ci}] ({cobj.get('code', '?') if isinstance(cobj, dict) else '?'})",
                       problems, cat_fields)  # fmt: skip
            cs = CategorySpec(
                code=c.text("code"),
                name=c.text("name"),
                prefix=c.text("prefix"),
                zone_code=c.opt_text("zone"),
                daily_cap=c.opt_integer("daily_cap", minimum=1),
                issue_start=c.clock("issue_start", "08:30"),
                issue_end=c.clock("issue_end", "17:00"),
                warn_wait_minutes=c.integer("warn_wait_minutes", default=30, minimum=1),
                per_id_daily_limit=c.integer("per_id_daily_limit", default=3, minimum=1),
                sort=ci,
            )
            if cs.prefix and not _PREFIX_RE.match(cs.prefix):
                problems.add(c.where, f"ticket prefix must be one or two capital letters, got {cs.prefix!r}")
            if cs.issue_start >= cs.issue_end:
                problems.add(c.where, "issue_start must be before issue_end")
            if cs.zone_code is not None and cs.zone_code not in zone_codes:
                problems.add(c.where, f"zone {cs.zone_code!r} is not a zone of site {code}")
            for other in cats:
                if other.code == cs.code:
                    problems.add(c.where, f"duplicate category code {cs.code}")
                if other.prefix == cs.prefix:
                    problems.add(
                        c.where, f"duplicate ticket prefix {cs.prefix!r} (also used by {other.code})"
                    )
            cats.append(cs)
        cat_codes = {c.code for c in cats}

        windows: list[WindowSpec] = []
        for wi, wobj in enumerate(s.items("windows", empty_ok=False)):
            w = _Entry(wobj, f"{swhere} windows[{wi}]", problems,
                       ("number", "name", "kind", "zone", "department", "categories"))  # fmt: skip
            wcats: list[tuple[str, int]] = []
            for ki, kobj in enumerate(w.items("categories", empty_ok=False)):
                k = _Entry(kobj, f"{w.where} categories[{ki}]", problems, ("code", "priority"))
                kc = k.text("code")
                if kc and kc not in cat_codes:
                    problems.add(k.where, f"unknown category {kc!r} at site {code}")
                if any(kc == x[0] for x in wcats):
                    problems.add(k.where, f"category {kc!r} listed twice")
                wcats.append((kc, k.integer("priority", default=1, minimum=1)))
            ws = WindowSpec(
                number=w.integer("number", minimum=1),
                name=w.text("name"),
                kind=w.choice("kind", WINDOW_KINDS),
                zone_code=w.opt_text("zone"),
                department=w.text("department", default="", empty_ok=True),
                categories=tuple(wcats),
            )
            if ws.zone_code is not None and ws.zone_code not in zone_codes:
                problems.add(w.where, f"zone {ws.zone_code!r} is not a zone of site {code}")
            if any(x.number == ws.number for x in windows):
                problems.add(w.where, f"duplicate window number {ws.number}")
            windows.append(ws)
        numbers = {w.number for w in windows}

        staff: list[StaffSpec] = []
        for ti, tobj in enumerate(s.items("staff")):
            t = _Entry(
                tobj, f"{swhere} staff[{ti}]", problems, ("username", "name", "role", "window", "password")
            )
            window = t.opt_integer("window", minimum=1)
            ts = StaffSpec(
                t.text("username"), t.text("name"), t.choice("role", STAFF_ROLES), window, t.text("password")
            )
            if window is not None and window not in numbers:
                problems.add(t.where, f"window {window} is not a window of site {code}")
            if ts.username in usernames:
                problems.add(t.where, f"duplicate username {ts.username} (also at {usernames[ts.username]})")
            usernames[ts.username] = t.where
            staff.append(ts)

        appts: list[AppointmentSpec] = []
        for ai, aobj in enumerate(s.items("appointments")):
            a = _Entry(aobj, f"{swhere} appointments[{ai}]", problems,
                       ("seq", "category", "matter", "name", "id_number", "phone", "start", "minutes"))  # fmt: skip
            aspec = AppointmentSpec(
                seq=a.integer("seq", minimum=1),
                category_code=a.text("category"),
                matter_code=a.opt_text("matter"),
                name=a.text("name"),
                id_number=normalise_id_number(a.text("id_number")),
                phone=a.text("phone", default="", empty_ok=True),
                start=a.clock("start", "09:00"),
                minutes=a.integer("minutes", default=30, minimum=5),
            )
            if aspec.category_code and aspec.category_code not in cat_codes:
                problems.add(a.where, f"unknown category {aspec.category_code!r} at site {code}")
            if aspec.matter_code is not None:
                if aspec.matter_code not in matters:
                    problems.add(a.where, f"unknown matter code {aspec.matter_code!r}")
                elif emp is not None and aspec.matter_code not in lists.get(emp, set()):
                    problems.add(a.where, f"matter {aspec.matter_code} is not empowered at site {code}")
            check = check_id_number(aspec.id_number)
            if not check:
                problems.add(a.where, f"id_number is not valid: {check.reason}")
            if any(x.seq == aspec.seq for x in appts):
                problems.add(a.where, f"duplicate appointment seq {aspec.seq}")
            appts.append(aspec)

        site = SiteSpec(
            code=code,
            name=s.text("name"),
            kind=kind,
            empowerment_list=emp,
            office_name=s.text("office_name", default="", empty_ok=True),
            address=s.text("address", default="", empty_ok=True),
            phone=s.text("phone", default="", empty_ok=True),
            zones=tuple(zones),
            categories=tuple(cats),
            windows=tuple(windows),
            staff=tuple(staff),
            appointments=tuple(appts),
        )
        # Each matter names a zone and a queue of the district hall; a town falls back to its own.
        if kind == "district":
            for m in catalogue.matters:
                if m.zone_code is not None and m.zone_code not in zone_codes:
                    problems.add(
                        m.where, f"zone {m.zone_code!r} is not a zone of district site {code} ({fname})"
                    )
                if m.category_code is not None and m.category_code not in cat_codes:
                    problems.add(
                        m.where,
                        f"category {m.category_code!r} is not a queue of district site {code} ({fname})",
                    )
        sites.append(site)
    problems.raise_if_any()
    return tuple(sites)


# --- pinyin -----------------------------------------------------------------------------


def matter_pinyin(name: str) -> str:
    """'gssldj gongsishelidengji' for 公司设立登记: initials, then full pinyin, for search."""
    from pypinyin import Style, lazy_pinyin

    text = unicodedata.normalize("NFKC", name)
    full = lazy_pinyin(text, errors="default")
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")

    def squash(parts: list[str]) -> str:
        return "".join(ch for part in parts for ch in part.lower() if ch.isascii() and ch.isalnum())

    return f"{squash(initials)} {squash(full)}"[:400]


def normalise_name(name: str) -> str:
    """Width and space-insensitive form of a matter name, for matching imported lists."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).lower()


# --- loading ----------------------------------------------------------------------------


def _apply(row: object, values: dict[str, Any]) -> bool:
    """Set the attributes that differ; True if any did."""
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _matter_values(spec: MatterSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "department": spec.department,
        "kind": spec.kind,
        "zone_code": spec.zone_code,
        "category_code": spec.category_code,
        "legal_days": spec.legal_days,
        "legal_unit": spec.legal_unit,
        "legal_text": spec.legal_text,
        "promised_days": spec.promised_days,
        "promised_is_demo": spec.promised_is_demo,
        "source": spec.source,
        "commitment": spec.commitment,
        "instant": spec.instant,
        "tolerance": spec.tolerance,
        "no_face_to_face": spec.no_face_to_face,
        "conditions": spec.conditions,
        "legal_basis": spec.legal_basis,
        "fee": spec.fee,
        "pinyin": matter_pinyin(spec.name),
        "active": True,
    }


def _material_values(spec: MaterialSpec, sort: int) -> dict[str, Any]:
    return {
        "name": spec.name,
        "form": spec.form,
        "copies": spec.copies,
        "required": spec.required,
        "core": spec.core,
        "note": spec.note,
        "sort": sort,
    }


def _sync_materials(
    session: Session, matter: Matter, specs: Sequence[MaterialSpec], report: LoadReport
) -> bool:
    """Bring the matter's materials to `specs`, matched by name so case links stay valid."""
    counts = report["material"]
    wanted = [_material_values(s, i) for i, s in enumerate(specs)]
    current = [m for m in matter.materials if not m.note.startswith(RETIRED_NOTE)]
    if [
        _material_values(MaterialSpec(m.name, m.form, m.copies, m.required, m.core, m.note), m.sort)
        for m in current
    ] == wanted:
        counts.unchanged += len(current)
        return False
    by_name = {m.name: m for m in matter.materials}
    keep: set[int] = set()  # object identities: new rows have no id before the flush
    for values in wanted:
        row = by_name.get(values["name"])
        if row is None:
            row = Material(**values)
            matter.materials.append(row)
            counts.inserted += 1
        elif _apply(row, values):
            counts.updated += 1
        else:
            counts.unchanged += 1
        keep.add(id(row))
    from db.models import CaseMaterial  # local: only needed when something was dropped

    for row in list(matter.materials):
        if id(row) in keep or row.id is None:
            continue
        referenced = session.scalar(sa.select(sa.func.count()).where(CaseMaterial.material_id == row.id))
        if referenced:
            if not row.note.startswith(RETIRED_NOTE):
                row.note = RETIRED_NOTE + row.note
                row.required = False
                row.sort = 10_000 + row.sort
                counts.removed += 1
        else:
            matter.materials.remove(row)
            counts.removed += 1
    return True


def load_catalogue(
    session: Session,
    directory: Path | None = None,
    *,
    deactivate_missing: bool = True,
    data: CatalogueData | None = None,
) -> LoadReport:
    """Upsert matters, materials, scenarios and the file's empowerment lists; flush, no commit.

    Matters no longer in the files are deactivated (cases still point at them), unless
    `deactivate_missing` is False. Empowerment lists not in the file (imported real lists)
    are left alone. `data` skips reading the files again when the caller already has them.
    """
    data = data or read_catalogue(directory)
    report = LoadReport()
    existing = {m.code: m for m in session.scalars(sa.select(Matter).options(selectinload(Matter.materials)))}
    for spec in data.matters:
        counts = report["matter"]
        row = existing.get(spec.code)
        if row is None:
            row = Matter(code=spec.code, **_matter_values(spec))
            session.add(row)
            existing[spec.code] = row
            for i, mspec in enumerate(spec.materials):
                row.materials.append(Material(**_material_values(mspec, i)))
            report["material"].inserted += len(spec.materials)
            counts.inserted += 1
            continue
        fields_changed = _apply(row, _matter_values(spec))
        materials_changed = _sync_materials(session, row, spec.materials, report)
        if fields_changed or materials_changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    if deactivate_missing:
        wanted = {s.code for s in data.matters}
        for code, row in existing.items():
            if code not in wanted and row.active:
                row.active = False
                report["matter"].removed += 1
    session.flush()
    ids = {code: row.id for code, row in existing.items()}
    _load_scenarios(session, data.scenarios, ids, report)
    for emp in data.empowerment:
        _sync_empowerment(
            session, emp.code, emp.name, [ids[c] for c in emp.matter_codes], report["empowerment"]
        )
    session.flush()
    log.info("catalogue loaded: %s", report.summary())
    return report


def _load_scenarios(
    session: Session, specs: Sequence[ScenarioSpec], ids: dict[str, uuid.UUID], report: LoadReport
) -> None:
    existing = {s.code: s for s in session.scalars(sa.select(Scenario))}
    links: dict[uuid.UUID, list[ScenarioMatter]] = {}
    for link in session.scalars(sa.select(ScenarioMatter).order_by(ScenarioMatter.sort)):
        links.setdefault(link.scenario_id, []).append(link)
    for spec in specs:
        values = {
            "name": spec.name,
            "description": spec.description,
            "promised_days": spec.promised_days,
            "active": True,
        }
        row = existing.get(spec.code)
        if row is None:
            row = Scenario(code=spec.code, **values)
            session.add(row)
            session.flush()
            report["scenario"].inserted += 1
            changed = False
        else:
            changed = _apply(row, values)
        wanted = [ids[c] for c in spec.matter_codes]
        current = links.get(row.id, [])
        if [link.matter_id for link in current] != wanted:
            for link in current:
                session.delete(link)
            session.flush()  # the unique (scenario, matter) pairs must be gone before re-adding
            for i, mid in enumerate(wanted):
                session.add(ScenarioMatter(scenario_id=row.id, matter_id=mid, sort=i))
            report["scenario_matter"].removed += len(current)
            report["scenario_matter"].inserted += len(wanted)
            changed = changed or bool(current)
        else:
            report["scenario_matter"].unchanged += len(current)
        if spec.code in existing:
            if changed:
                report["scenario"].updated += 1
            else:
                report["scenario"].unchanged += 1
    wanted_codes = {s.code for s in specs}
    for code, row in existing.items():
        if code not in wanted_codes and row.active:
            row.active = False
            report["scenario"].removed += 1


def _sync_empowerment(
    session: Session, list_code: str, list_name: str, matter_ids: Sequence[uuid.UUID], counts: KindCount
) -> tuple[int, int, int]:
    """Make the list hold exactly `matter_ids`. Returns (inserted, removed, unchanged)."""
    rows = {
        r.matter_id: r
        for r in session.scalars(sa.select(Empowerment).where(Empowerment.list_code == list_code))
    }
    wanted = list(dict.fromkeys(matter_ids))
    inserted = removed = unchanged = 0
    for mid in wanted:
        row = rows.get(mid)
        if row is None:
            session.add(Empowerment(list_code=list_code, list_name=list_name, matter_id=mid))
            inserted += 1
        elif row.list_name != list_name:
            row.list_name = list_name
            counts.updated += 1
        else:
            unchanged += 1
    keep = set(wanted)
    for mid, row in rows.items():
        if mid not in keep:
            session.delete(row)
            removed += 1
    counts.inserted += inserted
    counts.removed += removed
    counts.unchanged += unchanged
    return inserted, removed, unchanged


# --- importing a real empowerment list ----------------------------------------------------

_HEADER_WORDS = ("编码", "编号", "名称", "事项", "序号", "code", "name")


def _read_list_text(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # .xlsx (zip) / .xls (OLE)
        raise CatalogueError(
            [f"{path.name}: this is an Excel workbook; save it as CSV (UTF-8 or GBK) or plain text first"]
        )
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CatalogueError([f"{path.name}: neither UTF-8 nor GB18030 text"])


def import_empowerment(
    session: Session,
    list_code: str,
    list_name: str,
    file: Path | str,
    *,
    allow_unknown: bool = False,
) -> EmpowermentImportReport:
    """Replace the empowerment list `list_code` with the matters named in `file`.

    The file is plain text or CSV (UTF-8 or GB18030): each line holds a matter code or a
    matter name in any column; blank lines and lines starting with '#' are skipped, as is
    a header row. Lines that name no known matter make it fail with every such line listed
    (nothing is written) unless `allow_unknown` is True. Flushes, does not commit.
    """
    path = Path(file)
    list_code = list_code.strip()
    list_name = list_name.strip()
    problems = _Problems()
    if not _CODE_RE.match(list_code):
        problems.add("list code", f"{list_code!r} must be letters, digits, '.', '_' or '-' (at most 32)")
    if not list_name:
        problems.add("list name", "is empty")
    if not path.is_file():
        problems.add(str(path), "file not found")
    problems.raise_if_any()

    by_code: dict[str, uuid.UUID] = {}
    by_name: dict[str, list[uuid.UUID]] = {}
    for mid, code, name in session.execute(sa.select(Matter.id, Matter.code, Matter.name)):
        by_code[code.upper()] = mid
        by_name.setdefault(normalise_name(name), []).append(mid)

    report = EmpowermentImportReport(list_code=list_code)
    found: list[uuid.UUID] = []
    text = _read_list_text(path)
    dialect: type[csv.Dialect] = csv.excel_tab if "\t" in text and "," not in text else csv.excel
    for lineno, cells in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        cells = [c.strip() for c in cells if c and c.strip()]
        if not cells or cells[0].startswith("#"):
            continue
        hit: uuid.UUID | None = None
        ambiguous = False
        for cell in cells:
            if cell.upper() in by_code:
                hit = by_code[cell.upper()]
                break
            named = by_name.get(normalise_name(cell), [])
            if len(named) == 1:
                hit = named[0]
                break
            if len(named) > 1:
                ambiguous = True
        if hit is not None:
            found.append(hit)
            continue
        line = ", ".join(cells)
        if not found and not report.unknown and any(w in line.lower() for w in _HEADER_WORDS):
            continue  # header row
        if ambiguous:
            problems.add(
                f"{path.name} line {lineno}", f"name is shared by several matters, use the code: {line}"
            )
        report.unknown.append((lineno, line))
    if report.unknown and not allow_unknown:
        for lineno, line in report.unknown:
            problems.add(f"{path.name} line {lineno}", f"names no known matter (code or exact name): {line}")
    if not found:
        problems.add(path.name, "names no known matter at all; nothing imported")
    problems.raise_if_any()
    counts = KindCount()
    report.matched = len(set(found))
    report.inserted, report.removed, report.unchanged = _sync_empowerment(
        session, list_code, list_name, found, counts
    )
    session.flush()
    log.info(
        "empowerment list %s imported from %s: %d matters (%d new, %d removed, %d unknown lines)",
        list_code, path.name, report.matched, report.inserted, report.removed, len(report.unknown),
    )  # fmt: skip
    return report


# --- the demo hall ------------------------------------------------------------------------


@functools.cache
def _throwaway_key() -> bytes:
    """One random key per process (so a second seed changes nothing), never a built-in one."""
    import secrets

    return secrets.token_bytes(32)


def seed_demo(
    session: Session,
    *,
    directory: Path | None = None,
    now: dt.datetime | None = None,
    password_hasher: Any = None,
    id_hash_key: bytes | None = None,
) -> SeedReport:
    """Load the catalogue and the demo sites with their zones, queues, windows, staff and
    today's demo appointments (Asia/Shanghai). Idempotent; flushes, does not commit.

    Existing staff keep their password (it may have been changed since the first seed).
    `password_hasher` (an argon2.PasswordHasher) defaults to the log-in's own hasher (app.auth).
    Appointment ID numbers are stored with the queue's keyed hash (`app.queue.service.hash_id_number`)
    under `id_hash_key` (the site's secret, `app.keys`), so kiosk check-in by ID card finds them.
    There is no built-in key: without one ($ONEWINDOW_ID_HASH_KEY as the last resort) a throw-away
    random key is used and check-in by ID card will not find the demo appointments.
    """
    catalogue = read_catalogue(directory)
    sites = read_demo_hall(directory, catalogue)
    report = SeedReport(catalogue=load_catalogue(session, directory, data=catalogue))
    if password_hasher is None:
        from app.auth import PASSWORD_HASHER

        password_hasher = PASSWORD_HASHER
    from app.queue.service import hash_id_number, id_hash_key_from_env

    key = id_hash_key or id_hash_key_from_env()
    if key is None:
        log.warning("demo appointments hashed with a throw-away key (no id_hash_key given)")
        key = _throwaway_key()

    def id_hash(id_number: str) -> str:
        return hash_id_number(id_number, key)

    matter_ids = {code: mid for code, mid in session.execute(sa.select(Matter.code, Matter.id))}
    for spec in sites:
        _seed_site(session, spec, report, password_hasher, matter_ids, now, id_hash)
        report.sites.append(spec.code)
    session.flush()
    log.info("demo hall seeded (%s): %s", ", ".join(report.sites), report.summary())
    return report


def _upsert(
    session: Session, report: SeedReport, kind: str, row: Any, model: type[Any], values: dict[str, Any]
) -> Any:
    if row is None:
        row = model(**values)
        session.add(row)
        report[kind].inserted += 1
    elif _apply(row, values):
        report[kind].updated += 1
    else:
        report[kind].unchanged += 1
    return row


def _seed_site(
    session: Session,
    spec: SiteSpec,
    report: SeedReport,
    hasher: Any,
    matter_ids: dict[str, uuid.UUID],
    now: dt.datetime | None,
    id_hash: Callable[[str], str],
) -> None:
    site = session.scalar(sa.select(Site).where(Site.code == spec.code))
    site = _upsert(session, report, "site", site, Site, {
        "code": spec.code, "name": spec.name, "kind": spec.kind, "empowerment_list": spec.empowerment_list,
        "office_name": spec.office_name, "address": spec.address, "phone": spec.phone,
    })  # fmt: skip
    session.flush()
    zones = {z.code: z for z in session.scalars(sa.select(Zone).where(Zone.site_id == site.id))}
    for z in spec.zones:
        zones[z.code] = _upsert(session, report, "zone", zones.get(z.code), Zone,
                                {"site_id": site.id, "code": z.code, "name": z.name, "sort": z.sort})  # fmt: skip
    session.flush()
    cats = {
        c.code: c
        for c in session.scalars(sa.select(ServiceCategory).where(ServiceCategory.site_id == site.id))
    }
    for c in spec.categories:
        cats[c.code] = _upsert(session, report, "category", cats.get(c.code), ServiceCategory, {
            "site_id": site.id, "code": c.code, "name": c.name, "prefix": c.prefix,
            "zone_id": zones[c.zone_code].id if c.zone_code else None, "daily_cap": c.daily_cap,
            "issue_start": c.issue_start, "issue_end": c.issue_end, "warn_wait_minutes": c.warn_wait_minutes,
            "per_id_daily_limit": c.per_id_daily_limit, "sort": c.sort,
        })  # fmt: skip
    session.flush()
    windows = {w.number: w for w in session.scalars(sa.select(Window).where(Window.site_id == site.id))}
    for w in spec.windows:
        windows[w.number] = _upsert(session, report, "window", windows.get(w.number), Window, {
            "site_id": site.id, "number": w.number, "name": w.name, "kind": w.kind,
            "zone_id": zones[w.zone_code].id if w.zone_code else None, "department": w.department,
        })  # fmt: skip
    session.flush()
    for w in spec.windows:
        wrow = windows[w.number]
        links = {
            link.category_id: link
            for link in session.scalars(sa.select(WindowCategory).where(WindowCategory.window_id == wrow.id))
        }
        wanted: set[uuid.UUID] = set()
        for code, priority in w.categories:
            cid = cats[code].id
            wanted.add(cid)
            _upsert(session, report, "window_category", links.get(cid), WindowCategory,
                    {"window_id": wrow.id, "category_id": cid, "priority": priority})  # fmt: skip
        for cid, link in links.items():
            if cid not in wanted:
                session.delete(link)
                report["window_category"].removed += 1
    for t in spec.staff:
        row = session.scalar(sa.select(Staff).where(Staff.username == t.username))
        values: dict[str, Any] = {
            "site_id": site.id, "username": t.username, "name": t.name, "role": t.role,
            "window_id": windows[t.window].id if t.window is not None else None,
        }  # fmt: skip
        if row is None:
            values["password_hash"] = hasher.hash(t.password)
        _upsert(session, report, "staff", row, Staff, values)
        report.logins.append((t.username, t.role, t.password))
    if spec.appointments:
        tz = ZoneInfo(site.timezone or "Asia/Shanghai")
        today = (now or dt.datetime.now(dt.UTC)).astimezone(tz).date()
        for a in spec.appointments:
            code = f"{spec.code}-{today:%Y%m%d}-{a.seq:02d}"
            start = dt.datetime.combine(today, a.start, tzinfo=tz)
            values = {
                "site_id": site.id, "code": code, "category_id": cats[a.category_code].id,
                "matter_id": matter_ids[a.matter_code] if a.matter_code else None, "name": a.name,
                "id_number_hash": id_hash(a.id_number), "phone": a.phone,
                "slot_start": start.astimezone(dt.UTC),
                "slot_end": (start + dt.timedelta(minutes=a.minutes)).astimezone(dt.UTC),
            }  # fmt: skip
            appt = session.scalar(sa.select(Appointment).where(Appointment.code == code))
            _upsert(session, report, "appointment", appt, Appointment, values)
    session.flush()
