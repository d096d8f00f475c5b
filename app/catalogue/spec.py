"""The catalogue's typed content and the rules that validate it.

`MatterSpec` and friends are what the JSON files say once checked; `Entry` reads one JSON object
field by field, and `Problems` collects every fault with the file and entry it is in, so one
`CatalogueError` lists them all instead of stopping at the first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CATALOGUE_DIR = Path(__file__).resolve().parents[2] / "resources" / "catalogue"
HALL_FILE = "demo_hall.json"
SCENARIO_FILE = "scenarios.json"
EMPOWERMENT_FILE = "empowerment.json"
MATTER_GLOB = "matters*.json"

MATTER_FLAGS = ("commitment", "instant", "tolerance", "no_face_to_face")
LEGAL_UNITS = ("working", "calendar")
MATERIAL_FORMS = ("原件", "复印件", "原件及复印件", "电子")
SITE_KINDS = ("district", "township")

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
MATTER_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
PREFIX_RE = re.compile(r"^[A-Z]{1,2}$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


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


# --- validation ---------------------------------------------------------------------------


class Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            raise CatalogueError(self.items)


class Entry:
    """Typed access to one JSON object, reporting problems against its location."""

    def __init__(self, obj: Any, where: str, problems: Problems, allowed: Iterable[str]) -> None:
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
        if not TIME_RE.match(value):
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


def read_material(obj: Any, where: str, problems: Problems) -> MaterialSpec:
    e = Entry(obj, where, problems, ("name", "form", "copies", "required", "core", "note"))
    required = e.boolean("required", True)
    # An optional （选交） material is never core: the applicant may leave it out altogether, so it
    # cannot be what blocks 容缺受理. `core` defaults to `required`; saying otherwise is refused.
    core = e.boolean("core", required)
    name = e.text("name")
    if core and not required:
        problems.add(
            where,
            f"material {name!r} is optional (required: false, 选交) but marked core; "
            "an optional material is never core (drop core or set core: false)",
        )
        core = False
    return MaterialSpec(
        name=name,
        form=e.choice("form", MATERIAL_FORMS, default="原件"),
        copies=e.integer("copies", default=1, minimum=1),
        required=required,
        core=core,
        note=e.text("note", default="", empty_ok=True),
    )


_MATTER_FIELDS = (
    "code", "name", "department", "kind", "zone", "category", "legal_days", "legal_unit", "legal_text",
    "promised_days", "promised_is_demo", "flags", "conditions", "legal_basis", "fee", "source", "materials",
)  # fmt: skip


def read_matter(obj: Any, where: str, problems: Problems) -> MatterSpec | None:
    code = obj.get("code", "?") if isinstance(obj, dict) else "?"
    name = obj.get("name", "") if isinstance(obj, dict) else ""
    where = f"{where} ({code} {name})".rstrip()
    e = Entry(obj, where, problems, _MATTER_FIELDS)
    if not e.ok:
        return None
    code = e.text("code")
    if code and not MATTER_CODE_RE.match(code):
        problems.add(where, "code must be letters, digits, '.', '_' or '-' (at most 64)")
    flags_raw = e.items("flags") if "flags" in e.obj else []
    flags: set[str] = set()
    for flag in flags_raw:
        if flag not in MATTER_FLAGS:
            problems.add(where, f"unknown flag {flag!r} (allowed: {', '.join(MATTER_FLAGS)})")
        else:
            flags.add(flag)
    materials = tuple(
        read_material(m, f"{where} material {i + 1}", problems) for i, m in enumerate(e.items("materials"))
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
    if spec.tolerance and not any(m.required and not m.core for m in spec.materials):
        # Only a missing *required* material calls for 容缺; an optional one may simply be left out.
        problems.add(
            where, "tolerance (容缺受理) needs at least one required non-core material (core: false)"
        )
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
