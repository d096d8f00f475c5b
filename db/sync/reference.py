"""Reference releases: read from a master hall database, split per site, applied whole at a site.

A release is a full snapshot of the centre-owned tables. It is split into one part every site
gets (catalogue, calendar, the site list) and one part per site (its zones, windows, categories,
staff, appointments), so a site never receives another site's staff or appointments. Each part
carries the sha256 of its exact JSON text; a site applies all its parts in one transaction.

The part every site gets may also announce the minimum program version the district requires
(`"program": {"min_version": "0.2.0"}` beside `"tables"`): it is covered by the part's checksum, an
older program reading the release ignores the key it does not know (and still learns it: the site
stores it with the applied release), and `doctor` and the manager dashboard show it.

Appointments travel with name and phone in plain text (the centre books them; its reference parts
are readable only by the site they are for). A site applying them with its field cipher stores
both encrypted; a master hall database whose appointments are encrypted is read with its cipher.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from db import models
from db.base import Base, UTCDateTime
from db.crypto import (
    APPOINTMENT_FIELDS,
    FieldCipher,
    FieldCryptoError,
    MissingKeys,
    open_appointment,
    seal_appointment,
)
from db.outbox import jsonable
from db.sync.protocol import ReleaseError, canonical_json, sha256_text

log = logging.getLogger("onewindow.sync")

# Every site gets these whole.
SHARED_TABLES = (
    "site",
    "matter",
    "material",
    "scenario",
    "scenario_matter",
    "empowerment",
    "calendar_year",
    "calendar_day",
    "policy_document",  # 政策一键通: every township gets the same library
    "policy_question",
)
# Split by site (window_category through its window).
SITE_TABLES = ("zone", "window", "service_category", "window_category", "staff", "appointment")
REFERENCE_TABLES = SHARED_TABLES + SITE_TABLES

_ = models  # the tables must be registered on Base.metadata

# A program version as the district writes it: "0.2" or "0.2.1" (numbers only; compared as numbers).
VERSION_PATTERN = re.compile(r"\d{1,6}(\.\d{1,6}){0,3}")


def check_version_text(text: str) -> str:
    """`text` if it is a program version like 0.2.1, else ReleaseError."""
    if not VERSION_PATTERN.fullmatch(text):
        raise ReleaseError(f"{text!r} is not a program version (numbers with dots, like 0.2.1)")
    return text


@dataclass(frozen=True)
class ReleasePart:
    site_id: uuid.UUID | None  # None: the part every site gets
    checksum: str
    body: str  # canonical JSON text: {"tables": {name: [row, ...]}}

    @staticmethod
    def build(
        site_id: uuid.UUID | None, tables: Mapping[str, list[dict[str, Any]]], min_version: str = ""
    ) -> ReleasePart:
        doc: dict[str, Any] = {"tables": tables}
        if min_version:
            doc["program"] = {"min_version": check_version_text(min_version)}
        body = canonical_json(doc)
        return ReleasePart(site_id, sha256_text(body), body)


def table(name: str) -> sa.Table:
    return Base.metadata.tables[name]


def _encode(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {k: jsonable(v) for k, v in row.items()}


def _decode_value(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, sa.Uuid):
        return uuid.UUID(value)
    if isinstance(kind, UTCDateTime):
        return dt.datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        return dt.date.fromisoformat(value)
    if isinstance(kind, sa.Time):
        return dt.time.fromisoformat(value)
    return value


def decode_row(tbl: sa.Table, row: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(row) - set(tbl.c.keys())
    if unknown:
        raise ReleaseError(f"release row for {tbl.name} has unknown columns {sorted(unknown)}")
    return {name: _decode_value(tbl.c[name], value) for name, value in row.items()}


def _plain_appointment(row: dict[str, Any], cipher: FieldCipher | None) -> dict[str, Any]:
    try:
        for f in APPOINTMENT_FIELDS:
            row[f] = open_appointment(cipher, f, row[f])
    except MissingKeys:
        raise ReleaseError(
            "the master hall database's appointments are encrypted: publishing needs that database's "
            "keys (its secrets file)"
        ) from None
    except FieldCryptoError as exc:
        raise ReleaseError(f"appointment {row.get('code')} cannot be read: {exc}") from None
    return row


def read_release_parts(
    conn: Connection, cipher: FieldCipher | None = None, min_version: str = ""
) -> list[ReleasePart]:
    """Build the parts of a release from the reference tables of a (master) hall database;
    `cipher` opens its appointments if they are stored encrypted; `min_version` (if given) is
    announced in the part every site gets."""
    shared: dict[str, list[dict[str, Any]]] = {}
    for name in SHARED_TABLES:
        tbl = table(name)
        rows = conn.execute(sa.select(tbl).order_by(*tbl.primary_key.columns)).mappings()
        shared[name] = [_encode(r) for r in rows]
    per_site: dict[str, dict[str, list[dict[str, Any]]]] = {}
    sites = [str(r["id"]) for r in shared["site"]]
    for sid in sites:
        per_site[sid] = {name: [] for name in SITE_TABLES}
    window_site: dict[str, str] = {}
    for name in SITE_TABLES:
        tbl = table(name)
        for r in conn.execute(sa.select(tbl).order_by(*tbl.primary_key.columns)).mappings():
            row = _encode(r)
            if name == "appointment":
                row = _plain_appointment(row, cipher)
            sid = window_site.get(row["window_id"], "") if name == "window_category" else row["site_id"]
            if name == "window":
                window_site[row["id"]] = sid
            if sid not in per_site:
                raise ReleaseError(f"{name} row {row.get('id')} belongs to no site in the release")
            per_site[sid][name].append(row)
    parts = [ReleasePart.build(None, shared, min_version)]
    parts += [ReleasePart.build(uuid.UUID(sid), tables) for sid, tables in sorted(per_site.items())]
    return parts


def _parse_parts(parts: Iterable[ReleasePart]) -> dict[str, list[dict[str, Any]]]:
    merged: dict[str, list[dict[str, Any]]] = {name: [] for name in REFERENCE_TABLES}
    for part in parts:
        if sha256_text(part.body) != part.checksum:
            raise ReleaseError(f"reference part for site {part.site_id or 'all'} fails its checksum")
        try:
            doc = json.loads(part.body)
            tables = doc["tables"]
            for name, rows in tables.items():
                if name not in merged:
                    raise ReleaseError(f"release names an unknown table {name!r}")
                merged[name].extend(decode_row(table(name), r) for r in rows)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ReleaseError(
                f"reference part for site {part.site_id or 'all'} cannot be read: {exc}"
            ) from None
    return merged


def announced_min_version(parts: Iterable[ReleasePart]) -> str:
    """The minimum program version the release announces ("" for none); checksums are checked."""
    for part in parts:
        if part.site_id is not None:
            continue
        if sha256_text(part.body) != part.checksum:
            raise ReleaseError("reference part for site all fails its checksum")
        try:
            program = json.loads(part.body).get("program") or {}
            text = program.get("min_version", "")
        except (ValueError, AttributeError) as exc:
            raise ReleaseError(f"reference part for site all cannot be read: {exc}") from None
        if not isinstance(text, str):
            raise ReleaseError(f"the release's minimum program version {text!r} is not text")
        return check_version_text(text) if text else ""
    return ""


# Columns a release sets only on a row's first arrival: a staff member's password is set and changed
# at the site (`main.py staff passwd`, the counter's dialog), and the next release must not bring an
# old or issued password back.
KEPT_AT_SITE: dict[str, frozenset[str]] = {
    "staff": frozenset({"password_hash", "password_state", "id_number_hash"})  # + the own card bound at the counter
}


def _upsert(conn: Connection, tbl: sa.Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(tbl)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(tbl)
    keys = [c.name for c in tbl.primary_key.columns]
    cols = set().union(*(r.keys() for r in rows))
    kept = KEPT_AT_SITE.get(tbl.name, frozenset())
    update = {c: stmt.excluded[c] for c in cols if c not in keys and c not in kept}
    stmt = (
        stmt.on_conflict_do_update(index_elements=keys, set_=update)
        if update
        else stmt.on_conflict_do_nothing()
    )
    # executemany needs the same keys in every row: fill from the column defaults' absence as NULL.
    full = [{c: r.get(c) for c in cols} for r in rows]
    conn.execute(stmt, full)


def apply_parts(
    conn: Connection, parts: Iterable[ReleasePart], cipher: FieldCipher | None = None
) -> dict[str, int]:
    """Replace the reference tables with the release, inside the caller's transaction.

    Rows missing from the release are deleted; one still referenced by site rows is kept
    (deactivated where the table has `active`) so no case or ticket loses its window or matter.
    With `cipher` (the site's), appointments' names and phones are stored encrypted.
    """
    merged = _parse_parts(parts)
    if cipher is not None:
        merged["appointment"] = [seal_appointment(cipher, r) for r in merged["appointment"]]
    counts: dict[str, int] = {}
    order = [t for t in Base.metadata.sorted_tables if t.name in merged]
    # Deletes first (children before parents), so a replaced row frees its unique keys.
    for tbl in reversed(order):
        keys = list(tbl.primary_key.columns)
        wanted = {tuple(r[k.name] for k in keys) for r in merged[tbl.name]}
        present = [tuple(r) for r in conn.execute(sa.select(*keys))]
        for key in present:
            if key in wanted:
                continue
            cond = sa.and_(*(k == v for k, v in zip(keys, key, strict=True)))
            try:
                with conn.begin_nested():
                    conn.execute(sa.delete(tbl).where(cond))
            except IntegrityError:
                if "active" in tbl.c:
                    conn.execute(sa.update(tbl).where(cond).values(active=False))
                log.info("kept %s %s: still referenced by site rows", tbl.name, key)
    for tbl in order:
        _upsert(conn, tbl, merged[tbl.name])
        counts[tbl.name] = len(merged[tbl.name])
    return counts
