"""District-side administration of the central database: init, sites and their roles, releases.

These run with an administrator's URL (the owner of the central schema). Sites themselves only
ever use their own role, which can call sync_hello()/sync_apply_batch() and read, through
row-level security, their own rows and the reference parts meant for them.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.base import uuid7
from db.engine import make_engine, normalise_url
from db.migrate import current_revision, head_revision, upgrade
from db.sync.protocol import CENTRAL_SCRIPTS, SyncError, release_checksum
from db.sync.reference import ReleasePart, read_release_parts

log = logging.getLogger("onewindow.sync")

SITE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,24}$")
SITE_GRANTS_SELECT = (
    "central_site",
    "synced_row",
    "sync_batch",
    "sync_watermark",
    "sync_conflict",
    "reference_release",
    "reference_part",
    "sync_meta",
    "alembic_version",
)


@dataclass(frozen=True)
class SiteAccount:
    code: str
    site_id: uuid.UUID
    role: str
    password: str
    url: str  # what goes into the site's settings as database.central_url


@dataclass(frozen=True)
class PublishedRelease:
    version: int
    parts: int
    checksums: dict[str, str]  # "all" or site id → part checksum


def central_engine(url: str) -> Engine:
    return make_engine(url, connect_args={"connect_timeout": 10}, pool_pre_ping=True)


def init_central(url: str) -> str:
    """Create or upgrade the central schema; returns the revision now in force."""
    engine = central_engine(url)
    try:
        if engine.dialect.name != "postgresql":
            raise SyncError("the central database must be PostgreSQL (postgresql://…)")
        upgrade(engine, backup=False, scripts=CENTRAL_SCRIPTS)
        rev = current_revision(engine)
        assert rev is not None
        return rev
    finally:
        engine.dispose()


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def default_role(database: str, code: str) -> str:
    """Roles are cluster-wide: prefix with the central database name so two centres never clash."""
    return re.sub(r"[^a-z0-9_]", "_", f"{database}_{code}".lower())[:63]


def add_site(
    url: str,
    code: str,
    *,
    site_id: uuid.UUID | None = None,
    role: str | None = None,
    password: str | None = None,
) -> SiteAccount:
    """Register a site and create its login role; idempotent for the same code and role."""
    if not SITE_CODE.match(code):
        raise SyncError(f"site code {code!r} must be 1–24 letters, digits, '-' or '_'")
    engine = central_engine(url)
    try:
        _require_schema(engine)
        database = engine.url.database or "central"
        role = role or default_role(database, code)
        password = password or secrets.token_urlsafe(18)
        with engine.begin() as conn:
            existing = conn.execute(
                sa.text("SELECT site_id, role_name FROM central_site WHERE code = :c"), {"c": code}
            ).first()
            if existing is not None:
                if site_id is not None and existing.site_id != site_id:
                    raise SyncError(f"site {code} is already registered with id {existing.site_id}")
                site_id, role = existing.site_id, existing.role_name
            elif site_id is None:
                site_id = _site_id_from_release(conn, code) or uuid7()
            assert role is not None and site_id is not None
            q = _quote_ident(role)
            has_role = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
            pw = conn.execute(sa.text("SELECT quote_literal(:p)"), {"p": password}).scalar_one()
            verb = "ALTER" if has_role else "CREATE"
            conn.exec_driver_sql(f"{verb} ROLE {q} LOGIN NOINHERIT PASSWORD {pw}")
            conn.exec_driver_sql(f"GRANT CONNECT ON DATABASE {_quote_ident(database)} TO {q}")
            conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {q}")
            conn.exec_driver_sql(f"GRANT SELECT ON {', '.join(SITE_GRANTS_SELECT)} TO {q}")
            conn.exec_driver_sql(
                f"GRANT EXECUTE ON FUNCTION sync_hello(int, text), "
                f"sync_apply_batch(text, text, bigint, bigint, bigint, jsonb) TO {q}"
            )
            if existing is None:
                conn.execute(
                    sa.text("INSERT INTO central_site (site_id, code, role_name) VALUES (:s, :c, :r)"),
                    {"s": site_id, "c": code, "r": role},
                )
        site_url = engine.url.set(username=role, password=password).render_as_string(hide_password=False)
        log.info("site %s registered at the centre as role %s", code, role)
        return SiteAccount(code, site_id, role, password, site_url)
    finally:
        engine.dispose()


def drop_site_role(url: str, role: str) -> None:
    """Remove a site's role (its grants in this database first); rows it uploaded stay."""
    engine = central_engine(url)
    try:
        with engine.begin() as conn:
            if (
                conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
                is None
            ):
                return
            conn.execute(
                sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"),
                {"r": role},
            )
            conn.exec_driver_sql(f"DROP OWNED BY {_quote_ident(role)}")
            conn.exec_driver_sql(f"DROP ROLE {_quote_ident(role)}")
    finally:
        engine.dispose()


def _site_id_from_release(conn: sa.Connection, code: str) -> uuid.UUID | None:
    body = conn.execute(
        sa.text("SELECT body FROM reference_part WHERE site_id IS NULL ORDER BY version DESC LIMIT 1")
    ).scalar()
    if body is None:
        return None
    for row in json.loads(body)["tables"].get("site", []):
        if row.get("code") == code:
            return uuid.UUID(row["id"])
    return None


def _require_schema(engine: Engine) -> None:
    rev = current_revision(engine)
    if rev != head_revision(CENTRAL_SCRIPTS):
        raise SyncError(
            f"the central database is at schema {rev or 'none'}, not {head_revision(CENTRAL_SCRIPTS)}: "
            "run `main.py central init` first"
        )


def publish_release(url: str, hall_url: str, note: str = "") -> PublishedRelease:
    """Publish the reference tables of a master hall database as the next release."""
    hall = make_engine(normalise_url(hall_url))
    try:
        with hall.connect() as conn:
            parts = read_release_parts(conn)
    finally:
        hall.dispose()
    return publish_parts(url, parts, note)


def publish_parts(url: str, parts: list[ReleasePart], note: str = "") -> PublishedRelease:
    engine = central_engine(url)
    try:
        _require_schema(engine)
        with engine.begin() as conn:
            conn.execute(sa.text("LOCK TABLE reference_release IN EXCLUSIVE MODE"))
            version = int(
                conn.execute(
                    sa.text("SELECT coalesce(max(version), 0) + 1 FROM reference_release")
                ).scalar_one()
            )
            conn.execute(
                sa.text("INSERT INTO reference_release (version, note) VALUES (:v, :n)"),
                {"v": version, "n": note},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO reference_part (version, site_id, checksum, body) VALUES (:v, :s, :c, :b)"
                ),
                [{"v": version, "s": p.site_id, "c": p.checksum, "b": p.body} for p in parts],
            )
        return PublishedRelease(version, len(parts), {str(p.site_id or "all"): p.checksum for p in parts})
    finally:
        engine.dispose()


@dataclass(frozen=True)
class SiteOverview:
    code: str
    site_id: uuid.UUID
    role: str
    last_hello_at: str
    watermarks: dict[str, int]
    rows: int
    conflicts: int


def overview(url: str) -> list[SiteOverview]:
    engine = central_engine(url)
    try:
        with engine.connect() as conn:
            sites = conn.execute(
                sa.text("SELECT site_id, code, role_name, last_hello_at FROM central_site ORDER BY code")
            ).all()
            out = []
            for s in sites:
                wms: dict[str, int] = {
                    ch: int(seq)
                    for ch, seq in conn.execute(
                        sa.text("SELECT channel, last_seq FROM sync_watermark WHERE site_id = :s"),
                        {"s": s.site_id},
                    )
                }
                rows = conn.execute(
                    sa.text("SELECT count(*) FROM synced_row WHERE site_id = :s"), {"s": s.site_id}
                ).scalar_one()
                conflicts = conn.execute(
                    sa.text("SELECT count(*) FROM sync_conflict WHERE site_id = :s"), {"s": s.site_id}
                ).scalar_one()
                out.append(
                    SiteOverview(
                        s.code, s.site_id, s.role_name, str(s.last_hello_at or "never"), wms, rows, conflicts
                    )
                )
            return out
    finally:
        engine.dispose()


__all__ = [
    "PublishedRelease",
    "SiteAccount",
    "add_site",
    "drop_site_role",
    "init_central",
    "overview",
    "publish_parts",
    "publish_release",
    "release_checksum",
]
