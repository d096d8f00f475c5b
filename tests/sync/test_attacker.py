"""Attacks on the centre by a site that holds its own central login (issue 13), on a real server.

Every SECURITY DEFINER function is taken from pg_proc, so a function added later is attacked too.
The shadowing attack is run twice: as the centre is deployed (the site may not create temporary
objects at all) and with TEMPORARY granted back by a careless administrator, where the site plants
temporary tables with triggers, functions and operators under every name the function's body
uses. Nothing it plants may run with the owner's rights or show another site's rows. The same
attack against a centre still at c0001 does leak; that run proves the attack is real.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from db.engine import make_engine
from db.migrate import alembic_config, current_revision, head_revision
from db.sync.central import CENTRAL_OWNER, init_central
from db.sync.protocol import CENTRAL_SCRIPTS
from tests.sync.helpers import SiteHandle, admin, central_rows, new_site

pytestmark = pytest.mark.postgres

LEAK = "OW-LEAK"
SEARCH_PATH = "search_path=pg_catalog, public, pg_temp"


@dataclass(frozen=True)
class Definer:
    oid: int
    signature: str  # regprocedure text, e.g. sync_hello(integer,text)
    name: str
    arg_types: list[str]
    source: str
    config: list[str]
    owner: str


def definer_functions(url: str) -> list[Definer]:
    with admin(url) as c:
        rows = c.execute(
            sa.text(
                "SELECT p.oid, p.oid::regprocedure::text AS sig, p.proname, p.prosrc, "
                "coalesce(p.proconfig, '{}') AS config, pg_get_userbyid(p.proowner) AS owner, "
                "ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) t) AS args "
                "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 2"
            )
        ).all()
    return [Definer(r.oid, r.sig, r.proname, list(r.args), r.prosrc, list(r.config), r.owner) for r in rows]


@pytest.fixture
def sites(central_url: str, tmp_path: Any) -> Iterator[tuple[SiteHandle, SiteHandle]]:
    from db.sync.central import drop_site_role

    a, b = new_site(central_url, tmp_path, "AT"), new_site(central_url, tmp_path, "VB")
    for s in (a, b):
        s.add_case()
        s.add_ticket()
        s.add_evaluation()
        s.syncer().sync_once()
    yield a, b
    for s in (a, b):
        s.close()
        drop_site_role(central_url, s.account.role)


@contextmanager
def attacker(site: SiteHandle) -> Iterator[sa.Connection]:
    """One session as the site's own role; autocommit so a refused statement does not end it."""
    eng = sa.create_engine(site.account.url, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            yield conn
    finally:
        eng.dispose()


def _try(conn: sa.Connection, sql: str, params: dict[str, Any] | None = None) -> str:
    """Run one statement; 'ok' or the server's first error line."""
    try:
        if params is None:
            conn.exec_driver_sql(sql.replace("%", "%%"))  # the driver reads % as a placeholder
        else:
            conn.execute(sa.text(sql), params)
    except sa.exc.DBAPIError as exc:
        return str(exc.orig).strip().splitlines()[0]
    return "ok"


# --- what is installed -------------------------------------------------------------------------


def test_every_definer_function_is_pinned_and_owned_by_the_nologin_owner(central_url: str) -> None:
    found = definer_functions(central_url)
    assert {f.name for f in found} >= {"sync_hello", "sync_apply_batch"}
    with admin(central_url) as c:
        owner = c.execute(
            sa.text(
                "SELECT rolsuper, rolcanlogin, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication "
                "FROM pg_roles WHERE rolname = :r"
            ),
            {"r": CENTRAL_OWNER},
        ).one()
        tables = c.execute(
            sa.text(
                "SELECT c.relname, pg_get_userbyid(c.relowner), c.relrowsecurity, c.relforcerowsecurity "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r'"
            )
        ).all()
    assert tuple(owner) == (False, False, False, False, False, False)
    names = {t[0] for t in tables}
    for f in found:
        assert f.owner == CENTRAL_OWNER, f.signature
        assert SEARCH_PATH in f.config, f"{f.signature}: {f.config}"
        assert not re.search(r"\b(TEMP|TEMPORARY|pg_temp)\b", f.source, re.I), f.signature
        for name in names:  # every table of ours is named with its schema
            bare = re.findall(rf"(?<![\w.]){name}\b(?!\s*\()", f.source)
            assert not bare, f"{f.signature} names {name} without its schema"
    for name, table_owner, rls, forced in tables:
        assert (table_owner, rls, forced) == (CENTRAL_OWNER, True, True), name


def test_site_role_stays_plain(central_url: str, sites: tuple[SiteHandle, SiteHandle]) -> None:
    a, _ = sites
    with admin(central_url) as c:
        role = c.execute(
            sa.text(
                "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication, rolinherit, "
                "has_database_privilege(rolname, current_database(), 'TEMPORARY') AS temp, "
                "has_database_privilege(rolname, current_database(), 'CREATE') AS create_db, "
                "has_schema_privilege(rolname, 'public', 'CREATE') AS create_public, "
                "(SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid) AS memberships "
                "FROM pg_roles r WHERE rolname = :r"
            ),
            {"r": a.account.role},
        ).one()
    assert tuple(role) == (False, False, False, False, False, False, False, False, False, 0)


# --- direct SQL --------------------------------------------------------------------------------

ESCALATIONS = [
    "CREATE TABLE public.loot (x text)",
    "CREATE SCHEMA loot",
    "CREATE TEMP TABLE loot (x text)",
    "CREATE TEMP VIEW loot AS SELECT 1",
    "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "ALTER TABLE public.synced_row DISABLE ROW LEVEL SECURITY",
    "ALTER TABLE public.synced_row NO FORCE ROW LEVEL SECURITY",
    "ALTER TABLE public.synced_row OWNER TO CURRENT_USER",
    "DROP POLICY own_rows ON public.synced_row",
    "CREATE POLICY all_rows ON public.synced_row FOR SELECT USING (true)",
    "ALTER FUNCTION public.sync_apply_batch(text, text, bigint, bigint, bigint, jsonb) SECURITY INVOKER",
    "ALTER FUNCTION public.sync_apply_batch(text, text, bigint, bigint, bigint, jsonb) RESET search_path",
    "ALTER FUNCTION public.sync_hello(int, text) OWNER TO CURRENT_USER",
    "CREATE OR REPLACE FUNCTION public.sync_hello(p_protocol int, p_site_schema text) RETURNS SETOF record "
    "LANGUAGE sql AS 'SELECT NULL::record'",
    "GRANT SELECT ON public.synced_row TO PUBLIC",
    f"GRANT {CENTRAL_OWNER} TO CURRENT_USER",
    f"SET ROLE {CENTRAL_OWNER}",
    "SET ROLE postgres",
    "SET SESSION AUTHORIZATION postgres",
    "ALTER ROLE CURRENT_USER SUPERUSER",
    "ALTER ROLE CURRENT_USER BYPASSRLS",
    "ALTER ROLE CURRENT_USER CREATEROLE",
    "CREATE ROLE loot LOGIN",
    "CREATE DATABASE loot",
    "TRUNCATE public.synced_row",
    "UPDATE public.synced_row SET payload = '{}'",
    "DELETE FROM public.sync_conflict",
    "UPDATE public.central_site SET last_hello_at = now()",
    "INSERT INTO public.central_site (site_id, code, role_name) VALUES (gen_random_uuid(), 'X', 'x')",
    "INSERT INTO public.reference_part (version, site_id, checksum, body) VALUES (1, NULL, 'x', '{}')",
    "UPDATE public.alembic_version SET version_num = 'c0001'",
    "COPY public.synced_row TO PROGRAM 'cat'",
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT lo_import('/etc/passwd')",
]


def test_every_escalation_is_refused(sites: tuple[SiteHandle, SiteHandle]) -> None:
    a, _ = sites
    outcomes: list[tuple[str, str]] = []
    with attacker(a) as conn:
        for sql in ESCALATIONS:
            outcomes.append((sql, _try(conn, sql)))
        public_can_read = conn.exec_driver_sql(
            "SELECT has_table_privilege('public', 'public.synced_row', 'SELECT')"
        ).scalar_one()
        me = conn.exec_driver_sql("SELECT current_user, usesuper FROM pg_user WHERE usename = current_user").one()
    for sql, result in outcomes:
        if sql.startswith("GRANT SELECT") and result == "ok":
            # PostgreSQL only warns "no privileges were granted" here; none were (checked below).
            continue
        assert re.search(r"permission denied|must be|must have|only superuser", result), (sql, result)
    assert not public_can_read
    assert tuple(me) == (a.account.role, False)  # still itself, still no superuser


def test_another_sites_rows_are_unreadable_by_direct_sql(
    central_url: str, sites: tuple[SiteHandle, SiteHandle]
) -> None:
    a, b = sites
    with attacker(a) as conn:
        readable = conn.exec_driver_sql(
            "SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.oid AND t.attname = 'site_id') "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind = 'r' AND has_table_privilege(c.oid, 'SELECT')"
        ).all()
        assert {r[0] for r in readable} >= {"synced_row", "sync_batch", "sync_conflict", "central_site"}
        for table, has_site in readable:
            text = " ".join(str(r) for r in conn.exec_driver_sql(f'SELECT * FROM public."{table}"').all())
            assert str(b.site_id) not in text and "VB" not in text, table
            if has_site:
                n = conn.execute(
                    sa.text(f'SELECT count(*) FROM public."{table}" WHERE site_id = :b'), {"b": b.site_id}
                ).scalar_one()
                assert n == 0, table
        # Switching row security off does not switch it off: the query is refused instead.
        assert _try(conn, "SET row_security = off") == "ok"
        assert "row-level security" in _try(conn, "SELECT count(*) FROM public.synced_row")
        assert _try(conn, "RESET row_security") == "ok"
        # Other sessions' statements (a sync in flight carries applicants) are not shown either.
        others = conn.exec_driver_sql(
            "SELECT DISTINCT query FROM pg_stat_activity WHERE usename IS DISTINCT FROM current_user"
        ).scalars()
        assert all(q in (None, "<insufficient privilege>") for q in others)
    assert len(central_rows(central_url, b.site_id)) == 4  # the rows exist; a just cannot see them


# --- through the functions -----------------------------------------------------------------------


def _deep_call(conn: sa.Connection, f: Definer, me: SiteHandle, victim_row: str, victim: SiteHandle) -> str:
    """Call a definer function with arguments that reach its deepest path, as the attacker."""
    if f.name == "sync_apply_batch":
        prev = conn.exec_driver_sql(
            "SELECT coalesce(max(last_seq), 0) FROM public.sync_watermark WHERE channel = 'cases'"
        ).scalar_one()
        own = str(uuid.uuid4())
        rows = [
            {"seq": prev + 1, "t": "case", "id": own, "v": 1, "d": "2026-12-07",
             "p": {"id": own, "site_id": str(me.site_id), "row_version": 1}},
            # Another site's row, claimed with a higher version: must be refused, not shown.
            {"seq": prev + 2, "t": "case", "id": victim_row, "v": 99, "d": "2026-12-07",
             "p": {"id": victim_row, "site_id": str(me.site_id), "row_version": 99}},
        ]
        r = conn.execute(
            # The attacker's own types are spelled out: its pg_temp tables named text or jsonb are types too.
            sa.text(
                "SELECT * FROM public.sync_apply_batch(CAST(:b AS pg_catalog.text), CAST('cases' AS pg_catalog.text), "
                "CAST(:p AS pg_catalog.int8), CAST(:f AS pg_catalog.int8), CAST(:l AS pg_catalog.int8), "
                "CAST(:rows AS pg_catalog.jsonb))"
            ),
            {"b": f"{me.code}:cases:{prev + 1}-{prev + 2}", "p": prev, "f": prev + 1, "l": prev + 2,
             "rows": json.dumps(rows)},
        ).one()
        return str(tuple(r))
    if f.name == "sync_hello":
        return str(
            tuple(conn.execute(sa.text("SELECT * FROM public.sync_hello(1, CAST('x' AS pg_catalog.text))")).one())
        )
    # A function added later: called with plain values of its argument types.
    samples = {
        "integer": ("1", "int4"),
        "bigint": ("1", "int8"),
        "text": (f"'{victim.code}'", "text"),
        "jsonb": ("'[]'", "jsonb"),
        "uuid": (f"'{victim.site_id}'", "uuid"),
    }
    args = ", ".join(
        f"CAST({samples[t][0]} AS pg_catalog.{samples[t][1]})" if t in samples else "NULL" for t in f.arg_types
    )
    return str(conn.exec_driver_sql(f"SELECT * FROM {f.signature.split('(')[0]}({args})").all())


def _identifiers(source: str) -> set[str]:
    return {w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source) if len(w) > 1} | {"ow_incoming"}


def _called(source: str) -> set[str]:
    return set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", source))


LEAK_TRIGGER = f"""
CREATE FUNCTION pg_temp.ow_leak() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{LEAK} as % (super %): %', current_user,
        (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user),
        (SELECT pg_catalog.string_agg(s.site_id::text || ' ' || s.payload::text, ' | ') FROM public.synced_row s);
END $$;
"""


def _plant(conn: sa.Connection, f: Definer) -> list[tuple[str, str]]:
    """Temporary tables with triggers, functions and operators under every name f uses."""
    planted = [("trigger function pg_temp.ow_leak", _try(conn, LEAK_TRIGGER))]
    for name in sorted(_identifiers(f.source)):
        made = _try(conn, f'CREATE TEMP TABLE "{name}" (LIKE public."{name}")')
        if made != "ok":
            made = _try(
                conn,
                f'CREATE TEMP TABLE "{name}" (seq bigint, t text, id uuid, v int, d date, p jsonb, ok boolean, '
                "reason text, site_id uuid, code text, role_name text, channel text, table_name text, "
                "row_id uuid, row_version int, payload jsonb, batch_id text, last_seq bigint)",
            )
        if made == "ok":
            for when in ("BEFORE INSERT OR UPDATE OR DELETE ON {t} FOR EACH ROW",
                         "AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {t} FOR EACH STATEMENT"):
                trigger = "ow_leak_row" if "ROW" in when else "ow_leak_statement"
                target = f'pg_temp."{name}"'
                made = _try(conn, f"CREATE TRIGGER {trigger} {when.format(t=target)} EXECUTE FUNCTION pg_temp.ow_leak()")
                if made != "ok":
                    break
        planted.append((f"temp table {name} with triggers", made))
    body = f"BEGIN RAISE EXCEPTION '{LEAK} function as %', current_user; END"
    for name in sorted(_called(f.source)):
        for sig in ("", "text", "jsonb", "uuid", "text, text", "text, text, text", "jsonb, text", "anyelement"):
            r = _try(conn, f'CREATE FUNCTION pg_temp."{name}"({sig}) RETURNS text LANGUAGE plpgsql AS $${body}$$')
            planted.append((f"function pg_temp.{name}({sig})", r))
    for t in ("uuid", "text", "jsonb", "bigint", "integer", "boolean"):
        fn = f"ow_leak_op_{t}"
        planted.append((f"function pg_temp.{fn}", _try(
            conn,
            f"CREATE FUNCTION pg_temp.{fn}({t}, {t}) RETURNS boolean LANGUAGE plpgsql AS $${body}$$",
        )))
        for op in ("=", "<>", "<", ">", "<=", ">="):
            planted.append((f"operator pg_temp.{op} ({t}, {t})", _try(
                conn, f"CREATE OPERATOR pg_temp.{op} (LEFTARG = {t}, RIGHTARG = {t}, FUNCTION = pg_temp.{fn})"
            )))
    # The caller's own path puts pg_temp first; the functions' SET search_path must win.
    _try(conn, "SET search_path = pg_temp, public, pg_catalog")
    return planted


def _attack(url: str, me: SiteHandle, victim: SiteHandle) -> list[tuple[str, str, str]]:
    """Plant, call every definer function, and return (function, call result, what leaked)."""
    victim_row = next(i for (t, i) in central_rows(url, victim.site_id) if t == "case")
    out = []
    for f in definer_functions(url):
        with attacker(me) as conn:
            planted = _plant(conn, f)
            result = _try_call(conn, f, me, victim_row, victim)
            loot = " ".join(r for _, r in planted)  # what planting got (errors carry no data)
            out.append((f.signature, result, loot))
    return out


def _try_call(conn: sa.Connection, f: Definer, me: SiteHandle, victim_row: str, victim: SiteHandle) -> str:
    try:
        return _deep_call(conn, f, me, victim_row, victim)
    except sa.exc.DBAPIError as exc:
        return "error: " + str(exc.orig).strip().splitlines()[0]


def test_shadowing_fails_for_every_definer_function_as_deployed(
    central_url: str, sites: tuple[SiteHandle, SiteHandle]
) -> None:
    a, b = sites
    before = central_rows(central_url, b.site_id)
    for sig, result, planted in _attack(central_url, a, b):
        # Nothing could be planted: no temporary objects for a site at all.
        assert "permission denied to create temporary tables" in planted, sig
        assert LEAK not in result and str(b.site_id) not in result, (sig, result)
    assert central_rows(central_url, b.site_id) == before


def test_shadowing_fails_even_with_temporary_granted_back(
    central_url: str, sites: tuple[SiteHandle, SiteHandle]
) -> None:
    """Defence in depth: a careless GRANT TEMPORARY must not reopen the hole."""
    a, b = sites
    before = central_rows(central_url, b.site_id)
    with admin(central_url) as c:
        c.exec_driver_sql(f'GRANT TEMPORARY ON DATABASE "{c.engine.url.database}" TO "{a.account.role}"')
    results = _attack(central_url, a, b)
    assert {sig.split("(")[0] for sig, _, _ in results} >= {"sync_hello", "sync_apply_batch"}
    for sig, result, planted in results:
        assert planted.count("ok") > 10, f"{sig}: the attack could not even plant its objects: {planted[:300]}"
        assert LEAK not in result and str(b.site_id) not in result, (sig, result)
        assert not result.startswith("error"), (sig, result)
    apply = next(r for s, r, _ in results if s.startswith("sync_apply_batch"))
    assert apply.startswith("('applied'") and ", 1, 1," in apply  # own row applied, the victim's refused
    assert central_rows(central_url, b.site_id) == before


# --- the same attack on a centre still at c0001, then upgraded in place -------------------------


def _c0001_add_site(url: str, code: str) -> SiteHandle:
    """What c0001's `central add-site` did (it needs a head schema now), for an old centre."""
    import tempfile
    from pathlib import Path

    from db.base import uuid7
    from db.sync.central import SiteAccount, default_role
    from tests.sync.helpers import make_hall

    site_id = uuid7()
    database = sa.engine.make_url(url).database or ""
    role, password = default_role(database, code), uuid.uuid4().hex
    with admin(url) as c:
        c.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN NOINHERIT PASSWORD \'{password}\'')
        c.exec_driver_sql(f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"')
        c.exec_driver_sql(f'GRANT USAGE ON SCHEMA public TO "{role}"')
        c.exec_driver_sql(
            f'GRANT SELECT ON central_site, synced_row, sync_batch, sync_watermark, sync_conflict, '
            f'reference_release, reference_part, sync_meta, alembic_version TO "{role}"'
        )
        c.exec_driver_sql(
            f'GRANT EXECUTE ON FUNCTION sync_hello(int, text), '
            f'sync_apply_batch(text, text, bigint, bigint, bigint, jsonb) TO "{role}"'
        )
        c.execute(
            sa.text("INSERT INTO central_site (site_id, code, role_name) VALUES (:s, :c, :r)"),
            {"s": site_id, "c": code, "r": role},
        )
    site_url = sa.engine.make_url(url).set(username=role, password=password).render_as_string(hide_password=False)
    hall, matter_id, category_id = make_hall(Path(tempfile.mkdtemp()) / f"{code}.db", code, site_id)
    return SiteHandle(code, site_id, hall, SiteAccount(code, site_id, role, password, site_url), matter_id, category_id)


def _migrate(url: str, verb: Callable[..., None], target: str) -> None:
    cfg = alembic_config(url, CENTRAL_SCRIPTS)
    eng = make_engine(url)
    try:
        with eng.begin() as conn:
            cfg.attributes["connection"] = conn
            verb(cfg, target)
    finally:
        eng.dispose()


def test_attack_works_on_c0001_and_fails_after_upgrading_in_place_and_downgrade_is_clean(pg_url: str) -> None:
    from db.sync.central import drop_site_role

    _migrate(pg_url, command.upgrade, "c0001")
    a, b = _c0001_add_site(pg_url, "OA"), _c0001_add_site(pg_url, "OB")
    try:
        for s in (a, b):
            s.add_case()
            s.add_evaluation()
            s.syncer().sync_once()
        b_before = central_rows(pg_url, b.site_id)
        assert len(b_before) == 2

        # The attack is real: at c0001 the trigger on pg_temp.ow_incoming runs as the (superuser) owner.
        old = dict((s.split("(")[0], r) for s, r, _ in _attack(pg_url, a, b))
        assert LEAK in old["sync_apply_batch"] and str(b.site_id) in old["sync_apply_batch"]
        assert "(super t)" in old["sync_apply_batch"]

        # Upgrade in place, with the data and the sites' existing roles.
        assert init_central(pg_url) == head_revision(CENTRAL_SCRIPTS)
        assert central_rows(pg_url, b.site_id) == b_before
        for s in (a, b):
            s.add_case()
            assert s.syncer().sync_once().channels["cases"].applied == 1  # sync goes on
        b_before = central_rows(pg_url, b.site_id)
        for sig, result, planted in _attack(pg_url, a, b):
            assert "permission denied to create temporary tables" in planted, sig
            assert LEAK not in result and str(b.site_id) not in result, (sig, result)
        assert central_rows(pg_url, b.site_id) == b_before

        # Downgrade: c0001's functions, owners and defaults come back, and sync still works.
        _migrate(pg_url, command.downgrade, "c0001")
        eng = make_engine(pg_url)
        assert current_revision(eng) == "c0001"
        eng.dispose()
        with admin(pg_url) as c:
            assert not c.execute(
                sa.text("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'synced_row'")
            ).scalar_one()
            assert "pg_temp" in c.execute(sa.text("SELECT prosrc FROM pg_proc WHERE proname = 'sync_apply_batch'")).scalar_one()
        b.add_case()
        assert b.syncer().sync_once().channels["cases"].applied == 1
        assert init_central(pg_url) == head_revision(CENTRAL_SCRIPTS)  # and up again
        b.add_case()  # (b: a's own chain at the centre now holds the attacker's test batches)
        assert b.syncer().sync_once().channels["cases"].applied == 1
    finally:
        for s in (a, b):
            s.close()
            drop_site_role(pg_url, s.account.role)
