"""Seeding the demo hall: the catalogue, then the demo sites with their zones, queues, windows,
staff and today's appointments. The demo hall's rows are written here and nowhere else
(`app.queue.seed` is a small synthetic hall for tests and benchmarks, not the demo)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.catalogue.demo_hall import SiteSpec, read_demo_hall
from app.catalogue.loader import Counts, LoadReport, apply_values, load_catalogue
from app.catalogue.reader import read_catalogue
from db.crypto import (
    APPOINTMENT_FIELDS,
    FieldCryptoError,
    open_appointment,
    optional_session_cipher,
    seal_appointment,
)
from db.models import Appointment, Matter, ServiceCategory, Site, Staff, Window, WindowCategory, Zone

log = logging.getLogger("onewindow.catalogue")


@dataclass(slots=True)
class SeedReport(Counts):
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
    from app.policy import load_library

    log.info("demo %s", load_library(session))  # 政策一键通 starter set (resources/policy)
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
    elif apply_values(row, values):
        report[kind].updated += 1
    else:
        report[kind].unchanged += 1
    return row


def _sealed(session: Session, appt: Appointment | None, values: dict[str, Any]) -> dict[str, Any]:
    """Name and phone encrypted when the session has the site's keys (the demo hall always does);
    a value already stored that opens to the same text is kept, so a second seed changes nothing."""
    cipher = optional_session_cipher(session)
    if cipher is None:
        return values
    out = seal_appointment(cipher, values)
    if appt is not None:
        for f in APPOINTMENT_FIELDS:
            try:
                if open_appointment(cipher, f, getattr(appt, f)) == values[f]:
                    out[f] = getattr(appt, f)
            except FieldCryptoError:
                pass  # unreadable: replaced by the new envelope
    return out


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
            _upsert(session, report, "appointment", appt, Appointment, _sealed(session, appt, values))
    session.flush()
