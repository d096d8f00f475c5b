"""District-side administration of the central database: init, sites and their roles, releases.

These run with an administrator's URL: a superuser, or a role that is a member of
onewindow_central_owner (the NOLOGIN owner of the central schema since c0002; `central init` run
by a non-superuser grants it that membership). Sites themselves only ever use their own role,
which can call sync_hello()/sync_apply_batch() and read, through row-level security, their own
rows and the reference parts meant for them; it can create nothing, not even temporary objects.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.base import uuid7
from db.crypto import FieldCipher
from db.engine import make_engine, normalise_url
from db.migrate import current_revision, head_revision, upgrade
from db.sync.protocol import CENTRAL_SCRIPTS, SyncError, release_checksum
from db.sync.reference import ReleasePart, read_release_parts

log = logging.getLogger("onewindow.sync")

CENTRAL_OWNER = "onewindow_central_owner"  # NOLOGIN owner of the central schema (migration c0002)
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
    url: str  # a full connection URL for this role (with its password), for tools and tests


@dataclass(frozen=True)
class Enrolment:
    """What a site needs to reach the centre: written by `central add-site --out` to a sealed 0600 file."""

    account: SiteAccount
    central_url: str  # database.central_url for the site: no password; sslmode=verify-full unless insecure
    ca_pem: str  # the CA certificate that signed the centre's server certificate ("" when insecure)
    ca_path: str  # where the site keeps that certificate (sslrootcert in central_url)


def enrolment(
    account: SiteAccount,
    *,
    ca_cert: Path | None,
    site_ca_path: str | None = None,
    host: str | None = None,
    insecure: bool = False,
) -> Enrolment:
    """The enrolment of a registered site; refuses to leave out verified TLS unless told to."""
    full = sa.engine.make_url(account.url)
    # Rebuilt rather than set(password=None), which keeps the password: the URL goes into settings.
    url = sa.engine.URL.create(
        full.drivername, full.username, None, full.host, full.port, full.database, full.query
    )
    if host:
        name, _, port = host.partition(":")
        try:
            url = url.set(host=name, port=int(port) if port else url.port)
        except ValueError:
            raise SyncError(f"--host {host!r} must be NAME or NAME:PORT") from None
    if insecure:
        return Enrolment(account, url.render_as_string(hide_password=False), "", "")
    if ca_cert is None:
        raise SyncError(
            "give the centre's CA certificate (--ca-cert PATH): the site checks the centre's server "
            "certificate against it (sslmode=verify-full); --insecure only for a demo or test centre"
        )
    try:
        pem = ca_cert.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise SyncError(f"cannot read the CA certificate {ca_cert}: {exc}") from None
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise SyncError(f"{ca_cert} is not a PEM certificate (no BEGIN CERTIFICATE line)")
    ca_path = site_ca_path or str(ca_cert.resolve())
    query = {k: v for k, v in url.query.items() if k not in ("sslmode", "sslrootcert")}
    url = url.set(query={**query, "sslmode": "verify-full", "sslrootcert": ca_path})
    return Enrolment(account, url.render_as_string(hide_password=False), pem, ca_path)


def write_enrolment(path: Path, enrol: Enrolment, *, site_name: str = "", code: str | None = None) -> str:
    """Write the enrolment, sealed under a one-time enrolment code (db/sync/enrolment.py), to a new
    file only its owner can read. Returns the code: the district reads it out to the site by
    telephone; it is never written into the file."""
    from db.sync import enrolment as sealed

    a = enrol.account
    code = code or sealed.new_code()
    data = sealed.EnrolmentData(
        site=a.code,
        site_name=site_name,
        site_id=str(a.site_id),
        role=a.role,
        central_url=enrol.central_url,
        ca_path=enrol.ca_path,
        ca_certificate=enrol.ca_pem,
        password=a.password,
    )
    try:
        sealed.write(path, data, code)
    except sealed.EnrolmentError as exc:
        raise SyncError(str(exc)) from None
    return code


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
            # Spelled out so that re-registering also strips anything someone added to the role.
            conn.exec_driver_sql(
                f"{verb} ROLE {q} LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                f"NOBYPASSRLS PASSWORD {pw}"
            )
            conn.exec_driver_sql(f"REVOKE {CENTRAL_OWNER} FROM {q}")
            conn.exec_driver_sql(f"GRANT CONNECT ON DATABASE {_quote_ident(database)} TO {q}")
            # No temporary objects, no new schemas: nothing a site makes can shadow the centre's.
            conn.exec_driver_sql(f"REVOKE TEMPORARY, CREATE ON DATABASE {_quote_ident(database)} FROM {q}")
            conn.exec_driver_sql(f"REVOKE CREATE ON SCHEMA public FROM {q}")
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


def publish_release(
    url: str,
    hall_url: str,
    note: str = "",
    *,
    cipher: FieldCipher | None = None,
    min_version: str = "",
) -> PublishedRelease:
    """Publish the reference tables of a master hall database as the next release (`cipher`: that
    database's, when its appointments are stored encrypted; `min_version`: the lowest program
    version the district lets its sites run, announced with the release)."""
    hall = make_engine(normalise_url(hall_url))
    try:
        with hall.connect() as conn:
            parts = read_release_parts(conn, cipher, min_version)
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
    "Enrolment",
    "PublishedRelease",
    "SiteAccount",
    "add_site",
    "drop_site_role",
    "enrolment",
    "init_central",
    "overview",
    "publish_parts",
    "publish_release",
    "release_checksum",
    "write_enrolment",
]


def purge_temperature_readings(url: str, days: int, today: dt.date | None = None) -> int:
    """Delete the centre's copies of body-temperature readings older than `days` days (PIPL: kept no
    longer than needed; the sites purge theirs after `thresholds.temperature_retention_days`).

    Sites never send deletions, so the centre applies the same retention itself. Returns the count.
    """
    if days < 1:
        raise ValueError("the retention must be at least one day")
    cutoff = (today or dt.date.today()) - dt.timedelta(days=days)
    engine = central_engine(url)
    try:
        _require_schema(engine)
        with engine.begin() as conn:
            return conn.execute(
                sa.text(
                    "DELETE FROM public.synced_row WHERE table_name = 'temperature_reading' AND day < :cutoff"
                ),
                {"cutoff": cutoff},
            ).rowcount
    finally:
        engine.dispose()
