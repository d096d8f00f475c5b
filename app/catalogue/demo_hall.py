"""The demo hall file (demo_hall.json): its typed content and its validation against the catalogue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from app.catalogue.reader import load_json, read_catalogue, top_list
from app.catalogue.spec import (
    CATALOGUE_DIR,
    CODE_RE,
    EMPOWERMENT_FILE,
    HALL_FILE,
    PREFIX_RE,
    SITE_KINDS,
    CatalogueData,
    Entry,
    Problems,
)
from app.validators import check_id_number, normalise_id_number
from db.models import STAFF_ROLES, WINDOW_KINDS


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


def read_demo_hall(
    directory: Path | None = None, catalogue: CatalogueData | None = None
) -> tuple[SiteSpec, ...]:
    """Read and validate demo_hall.json against the catalogue (queues and zones matters name)."""
    directory = directory or CATALOGUE_DIR
    catalogue = catalogue or read_catalogue(directory)
    problems = Problems()
    fname = HALL_FILE
    matters = {m.code: m for m in catalogue.matters}
    lists = {e.code: set(e.matter_codes) for e in catalogue.empowerment}
    sites: list[SiteSpec] = []
    usernames: dict[str, str] = {}
    site_fields = (
        "code", "name", "kind", "empowerment_list", "office_name", "address", "phone", "note",
        "zones", "categories", "windows", "staff", "appointments",
    )  # fmt: skip
    for si, sobj in enumerate(top_list(load_json(directory / fname, problems), fname, "sites", problems)):
        label = sobj.get("code", "?") if isinstance(sobj, dict) else "?"
        swhere = f"{fname}: sites[{si}] ({label})"
        s = Entry(sobj, swhere, problems, site_fields)
        if not s.ok:
            continue
        code = s.text("code")
        if code and not CODE_RE.match(code):
            problems.add(swhere, "code must be letters, digits, '.', '_' or '-' (at most 32)")
        if any(x.code == code for x in sites):
            problems.add(swhere, f"duplicate site code {code}")
        emp = s.opt_text("empowerment_list")
        if emp is not None and emp not in lists:
            problems.add(swhere, f"empowerment_list {emp!r} is not a list in {EMPOWERMENT_FILE}")
        kind = s.choice("kind", SITE_KINDS, default="district")

        zones: list[ZoneSpec] = []
        for zi, zobj in enumerate(s.items("zones", empty_ok=False)):
            z = Entry(zobj, f"{swhere} zones[{zi}]", problems, ("code", "name"))
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
            c = Entry(cobj, f"{swhere} categories[{ci}] ({cobj.get('code', '?') if isinstance(cobj, dict) else '?'})",
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
            if cs.prefix and not PREFIX_RE.match(cs.prefix):
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
            w = Entry(wobj, f"{swhere} windows[{wi}]", problems,
                       ("number", "name", "kind", "zone", "department", "categories"))  # fmt: skip
            wcats: list[tuple[str, int]] = []
            for ki, kobj in enumerate(w.items("categories", empty_ok=False)):
                k = Entry(kobj, f"{w.where} categories[{ki}]", problems, ("code", "priority"))
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
            t = Entry(
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
            a = Entry(aobj, f"{swhere} appointments[{ai}]", problems,
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
