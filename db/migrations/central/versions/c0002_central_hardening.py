"""Central hardening: no caller-made objects in SECURITY DEFINER code, a dedicated owner, forced RLS.

c0001's sync_apply_batch() kept its rows in a temporary table, pg_temp.ow_incoming. A site's login
could create that table first and hang a trigger on it; the trigger then ran with the function
owner's rights (every site's applicants; with a superuser owner, anything). This revision:

- rewrites both SECURITY DEFINER functions over jsonb_array_elements() and CTEs (no temporary
  objects at all), with every relation schema-qualified and
  `search_path = pg_catalog, public, pg_temp` (pg_temp last, so nothing a caller creates is ever
  found before the real object; PostgreSQL never looks up functions or operators in pg_temp);
- gives the functions and tables to `onewindow_central_owner`: NOLOGIN, NOSUPERUSER, no other
  attributes, so borrowing its rights is not borrowing an administrator's;
- revokes TEMPORARY and CREATE on the database (and CREATE on schema public) from PUBLIC and
  from every site role: a site cannot create the objects such an attack needs in the first place;
- forces row-level security on every table a site can see. The owner's own policies limit it,
  inside a call from a site's session, to that site's rows: even a future bug that lent a site
  the owner's rights would not show it another site's applicants. Sessions of members of the
  owner role (district administrators; superusers bypass RLS anyway) see everything.

Revision ID: c0002
Revises: c0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "c0002"
down_revision: str | None = "c0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNER = "onewindow_central_owner"

# Every table of the central schema; all of them get forced RLS.
TABLES = (
    "central_site",
    "synced_row",
    "sync_batch",
    "sync_watermark",
    "sync_conflict",
    "sync_channel_table",
    "reference_release",
    "reference_part",
    "sync_meta",
    "alembic_version",
)
# Tables c0001 left without RLS; their rows are the same for every site.
SHARED_TABLES = ("sync_channel_table", "reference_release", "sync_meta", "alembic_version")
# Tables with a site_id the owner must be limited to inside a site's call.
SITE_TABLES = ("synced_row", "sync_batch", "sync_watermark", "sync_conflict")
FUNCTIONS = (
    "public.sync_hello(int, text)",
    "public.sync_apply_batch(text, text, bigint, bigint, bigint, jsonb)",
)

# True in a session of an administrator (a member of the owner role, or a superuser), false in a
# site's session even while it runs the owner's functions. In a sub-select: evaluated once.
ADMIN = f"(SELECT pg_catalog.pg_has_role(session_user, '{OWNER}', 'MEMBER'))"
OWN_SITE = "(SELECT c.site_id FROM public.central_site c WHERE c.role_name = session_user)"

CREATE_OWNER = f"""
DO $$
DECLARE
    v_super boolean := (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = '{OWNER}') THEN
        CREATE ROLE {OWNER} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT;
    ELSIF EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname = '{OWNER}' AND (r.rolsuper
            OR r.rolcanlogin OR r.rolcreatedb OR r.rolcreaterole OR r.rolreplication OR r.rolbypassrls)) THEN
        -- A role of that name made by someone else must not keep more than an owner needs.
        IF NOT v_super THEN
            RAISE EXCEPTION 'role {OWNER} exists with more rights than an owner needs; a superuser must run '
                'ALTER ROLE {OWNER} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
        END IF;
        ALTER ROLE {OWNER} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT;
    END IF;
    IF NOT v_super THEN
        -- A non-superuser administrator manages the schema through membership of the owner.
        EXECUTE format('GRANT {OWNER} TO %I', current_user);
        GRANT CREATE ON SCHEMA public TO {OWNER};  -- ALTER ... OWNER needs it; revoked below
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO {OWNER};
"""

# Names a caller could create or shadow: none. Relations are schema-qualified, functions and
# operators resolve in pg_catalog first, and the function keeps no state of its own.
NEW_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION public.sync_hello(p_protocol int, p_site_schema text)
RETURNS TABLE (ok boolean, message text, site_id uuid, code text, protocol_min int, protocol_max int,
               central_schema text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_site uuid; v_code text; v_min int; v_max int; v_rev text;
BEGIN
    SELECT m.protocol_min, m.protocol_max INTO v_min, v_max FROM public.sync_meta m WHERE m.id = 1;
    SELECT a.version_num INTO v_rev FROM public.alembic_version a;
    SELECT s.site_id, s.code INTO v_site, v_code FROM public.central_site s WHERE s.role_name = session_user;
    IF v_site IS NULL THEN
        RETURN QUERY SELECT false, pg_catalog.format('database role %s is not registered as a site at this centre '
            '(ask the district administrator to run `main.py central add-site`)', session_user),
            NULL::uuid, NULL::text, v_min, v_max, v_rev;
        RETURN;
    END IF;
    IF p_protocol < v_min OR p_protocol > v_max THEN
        RETURN QUERY SELECT false, pg_catalog.format('the centre accepts sync protocol %s to %s but site %s '
            'speaks protocol %s; install the OneWindow version the district prescribes at this site',
            v_min, v_max, v_code, p_protocol),
            v_site, v_code, v_min, v_max, v_rev;
        RETURN;
    END IF;
    UPDATE public.central_site s SET last_hello_at = pg_catalog.now(),
            site_schema = coalesce(p_site_schema, '')
        WHERE s.site_id = v_site;
    RETURN QUERY SELECT true, ''::text, v_site, v_code, v_min, v_max, v_rev;
END
$$;

-- Apply one upload batch in the caller's transaction. Statuses:
--   applied   rows upserted (forward only), conflicts recorded, watermark = p_last
--   duplicate batch id already applied: acknowledge, nothing changes
--   behind    p_prev < watermark: the site's chain is behind the centre (re-formed batches)
--   gap       p_prev > watermark: batches missing in between; nothing recorded
--   rejected  the batch cannot be parsed; nothing recorded, the site stops this channel
-- The rows are read straight from p_rows (jsonb_array_elements) by two statements: no table of
-- the caller's is ever involved.
CREATE OR REPLACE FUNCTION public.sync_apply_batch(p_batch_id text, p_channel text, p_prev bigint,
                                                   p_first bigint, p_last bigint, p_rows jsonb)
RETURNS TABLE (status text, watermark bigint, applied int, conflicts int, message text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    v_site uuid; v_code text; v_wm bigint; v_seen text; v_applied int := 0; v_conflicts int := 0;
    v_count int; v_distinct int; v_bad text; v_casts bigint;
BEGIN
    SELECT s.site_id, s.code INTO v_site, v_code FROM public.central_site s WHERE s.role_name = session_user;
    IF v_site IS NULL THEN
        RAISE EXCEPTION 'database role % is not registered as a site at this centre', session_user
            USING ERRCODE = '42501';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.sync_channel_table c WHERE c.channel = p_channel) THEN
        RETURN QUERY SELECT 'rejected'::text, NULL::bigint, 0, 0, pg_catalog.format('unknown channel %L', p_channel);
        RETURN;
    END IF;
    INSERT INTO public.sync_watermark AS w (site_id, channel) VALUES (v_site, p_channel) ON CONFLICT DO NOTHING;
    -- Serialises every apply of this site's channel: the checks below cannot race.
    SELECT w.last_seq INTO v_wm FROM public.sync_watermark w
        WHERE w.site_id = v_site AND w.channel = p_channel FOR UPDATE;
    IF EXISTS (SELECT 1 FROM public.sync_batch b WHERE b.batch_id = p_batch_id) THEN
        RETURN QUERY SELECT 'duplicate'::text, v_wm, 0, 0, ''::text;
        RETURN;
    END IF;
    IF p_batch_id IS DISTINCT FROM pg_catalog.format('%s:%s:%s-%s', v_code, p_channel, p_first, p_last)
       OR p_first IS NULL OR p_last IS NULL OR p_prev IS NULL OR p_first <= p_prev OR p_last < p_first THEN
        RETURN QUERY SELECT 'rejected'::text, v_wm, 0, 0,
            pg_catalog.format('batch id %L does not match site %s, channel %s, rows %s-%s after %s',
                   p_batch_id, v_code, p_channel, p_first, p_last, p_prev);
        RETURN;
    END IF;
    IF p_prev < v_wm THEN
        RETURN QUERY SELECT 'behind'::text, v_wm, 0, 0, pg_catalog.format('centre already has rows up to %s', v_wm);
        RETURN;
    ELSIF p_prev > v_wm THEN
        RETURN QUERY SELECT 'gap'::text, v_wm, 0, 0,
            pg_catalog.format('batch follows %s but the centre has rows only up to %s', p_prev, v_wm);
        RETURN;
    END IF;

    BEGIN
        IF pg_catalog.jsonb_typeof(p_rows) IS DISTINCT FROM 'array' THEN
            RAISE EXCEPTION 'rows are not a JSON array';
        END IF;
        -- One pass: counts, the first malformed row, and the casts that make a batch unparsable
        -- (not just one row refused) when they fail.
        SELECT pg_catalog.count(*), pg_catalog.count(DISTINCT x.seq),
               (pg_catalog.array_agg(x.bad) FILTER (WHERE x.bad IS NOT NULL))[1],
               pg_catalog.count((x.p ->> 'site_id')::uuid) + pg_catalog.count((x.p ->> 'row_version')::int)
            INTO v_count, v_distinct, v_bad, v_casts
            FROM (SELECT r.seq, r.p, CASE
                    WHEN r.seq IS NULL OR r.t IS NULL OR r.id IS NULL OR r.v IS NULL OR r.d IS NULL
                         OR r.p IS NULL THEN pg_catalog.format('row seq %s: a field is missing', r.seq)
                    WHEN r.seq < p_first OR r.seq > p_last
                        THEN pg_catalog.format('row seq %s: seq outside the batch', r.seq)
                    WHEN pg_catalog.jsonb_typeof(r.p) <> 'object'
                        THEN pg_catalog.format('row seq %s: snapshot is not an object', r.seq)
                    END AS bad
                  FROM (SELECT (e ->> 'seq')::bigint AS seq, e ->> 't' AS t, (e ->> 'id')::uuid AS id,
                               (e ->> 'v')::int AS v, (e ->> 'd')::date AS d, e -> 'p' AS p
                        FROM pg_catalog.jsonb_array_elements(p_rows) AS e) r) x;
        IF v_bad IS NOT NULL THEN
            RAISE EXCEPTION '%', v_bad;
        END IF;
        IF v_count = 0 OR v_distinct <> v_count THEN
            RAISE EXCEPTION 'batch has no rows or repeats a seq';
        END IF;
    EXCEPTION WHEN others THEN
        RETURN QUERY SELECT 'rejected'::text, v_wm, 0, 0,
            pg_catalog.format('cannot parse batch %s: %s', p_batch_id, SQLERRM);
        RETURN;
    END;

    INSERT INTO public.sync_batch AS b (batch_id, site_id, channel, prev_seq, first_seq, last_seq, row_count)
        VALUES (p_batch_id, v_site, p_channel, p_prev, p_first, p_last, v_count)
        ON CONFLICT DO NOTHING RETURNING b.batch_id INTO v_seen;
    IF v_seen IS NULL THEN
        RETURN QUERY SELECT 'duplicate'::text, v_wm, 0, 0, ''::text;
        RETURN;
    END IF;

    -- One statement: classify, upsert the highest version of each accepted row forward only and
    -- never over another site's row (that WHERE is checked before any row-level policy), and record
    -- what was refused or skipped. A row's state after the upsert is what `up` returned for it, else
    -- what it was before (all parts of a statement see the same snapshot). An older or equal version
    -- is normal on redelivery; an equal version with other content is a conflict, and so is a row id
    -- of another site's (which the owner's policy hides inside a site's call: no state at all).
    WITH r AS MATERIALIZED (
        SELECT (e ->> 'seq')::bigint AS seq, e ->> 't' AS t, (e ->> 'id')::uuid AS id, (e ->> 'v')::int AS v,
               (e ->> 'd')::date AS d, e -> 'p' AS p
        FROM pg_catalog.jsonb_array_elements(p_rows) AS e
    ), cls AS MATERIALIZED (
        SELECT r.seq, r.t, r.id, r.v, r.d, r.p, CASE
            WHEN c.channel IS NULL THEN pg_catalog.format('table %s is not synced', r.t)
            WHEN c.channel <> p_channel THEN pg_catalog.format('table %s belongs to channel %s', r.t, c.channel)
            WHEN (r.p ->> 'site_id')::uuid IS DISTINCT FROM v_site THEN 'row belongs to another site'
            WHEN (r.p ->> 'row_version')::int IS DISTINCT FROM r.v THEN 'snapshot row_version differs'
            WHEN r.v < 1 THEN 'row_version below 1'
            WHEN (r.p ->> CASE WHEN r.t = 'hall_event' THEN 'uid' ELSE 'id' END) IS DISTINCT FROM r.id::text
                THEN 'snapshot key differs'
            END AS refused
        FROM r LEFT JOIN public.sync_channel_table c ON c.table_name = r.t
    ), src AS (
        SELECT DISTINCT ON (cls.t, cls.id) cls.t, cls.id, cls.v, cls.d, cls.p FROM cls
        WHERE cls.refused IS NULL ORDER BY cls.t, cls.id, cls.v DESC
    ), up AS (
        INSERT INTO public.synced_row AS s (table_name, row_id, site_id, channel, row_version, day, payload, batch_id)
        SELECT src.t, src.id, v_site, p_channel, src.v, src.d, src.p, p_batch_id FROM src
        ON CONFLICT (table_name, row_id) DO UPDATE
            SET row_version = excluded.row_version, day = excluded.day, payload = excluded.payload,
                batch_id = excluded.batch_id, applied_at = pg_catalog.now()
            WHERE s.row_version < excluded.row_version AND s.site_id = excluded.site_id
        RETURNING s.table_name, s.row_id, s.site_id, s.row_version, s.payload
    ), conf AS (
        INSERT INTO public.sync_conflict
            (site_id, channel, batch_id, seq, table_name, row_id, row_version, reason, payload)
        SELECT v_site, p_channel, p_batch_id, x.seq, x.t, x.id, x.v, x.reason, x.p
        FROM (
            SELECT cls.seq, cls.t, cls.id, cls.v, cls.p, coalesce(cls.refused, CASE
                WHEN coalesce(u.site_id, s.site_id) IS DISTINCT FROM v_site THEN 'row id is owned by another site'
                WHEN coalesce(u.row_version, s.row_version) = cls.v AND coalesce(u.payload, s.payload) <> cls.p
                    THEN 'same row_version with different content'
                END) AS reason
            FROM cls
            LEFT JOIN up u ON u.table_name = cls.t AND u.row_id = cls.id
            LEFT JOIN public.synced_row s
                ON cls.refused IS NULL AND u.row_id IS NULL AND s.table_name = cls.t AND s.row_id = cls.id
        ) x
        WHERE x.reason IS NOT NULL
        RETURNING 1
    )
    SELECT (SELECT pg_catalog.count(*) FROM up), (SELECT pg_catalog.count(*) FROM conf) INTO v_applied, v_conflicts;

    UPDATE public.sync_batch b SET applied = v_applied, conflicts = v_conflicts WHERE b.batch_id = p_batch_id;
    UPDATE public.sync_watermark w SET last_seq = p_last, updated_at = pg_catalog.now()
        WHERE w.site_id = v_site AND w.channel = p_channel;
    RETURN QUERY SELECT 'applied'::text, p_last, v_applied, v_conflicts, ''::text;
END
$$;
"""


def _owner_policies() -> str:
    out = []
    for t in SITE_TABLES:
        scope = f"{ADMIN} OR site_id = {OWN_SITE}"
        out.append(f"CREATE POLICY owner_scope ON public.{t} TO {OWNER} USING ({scope}) WITH CHECK ({scope});")
    out.append(f"CREATE POLICY owner_admin ON public.central_site TO {OWNER} USING ({ADMIN}) WITH CHECK ({ADMIN});")
    out.append(
        f"CREATE POLICY owner_own_site ON public.central_site FOR SELECT TO {OWNER} USING (role_name = session_user);"
    )
    out.append(
        f"CREATE POLICY owner_hello ON public.central_site FOR UPDATE TO {OWNER}"
        " USING (role_name = session_user) WITH CHECK (role_name = session_user);"
    )
    out.append(f"CREATE POLICY owner_admin ON public.reference_part TO {OWNER} USING ({ADMIN}) WITH CHECK ({ADMIN});")
    for t in SHARED_TABLES:
        out.append(f"ALTER TABLE public.{t} ENABLE ROW LEVEL SECURITY;")
        out.append(f"CREATE POLICY read_all ON public.{t} FOR SELECT USING (true);")
        out.append(f"CREATE POLICY owner_admin ON public.{t} TO {OWNER} USING ({ADMIN}) WITH CHECK ({ADMIN});")
    return "\n".join(out)


def _drop_owner_policies() -> str:
    out = [f"DROP POLICY owner_scope ON public.{t};" for t in SITE_TABLES]
    out += [
        "DROP POLICY owner_admin ON public.central_site;",
        "DROP POLICY owner_own_site ON public.central_site;",
        "DROP POLICY owner_hello ON public.central_site;",
        "DROP POLICY owner_admin ON public.reference_part;",
    ]
    for t in SHARED_TABLES:
        out += [
            f"DROP POLICY read_all ON public.{t};",
            f"DROP POLICY owner_admin ON public.{t};",
            f"ALTER TABLE public.{t} DISABLE ROW LEVEL SECURITY;",
        ]
    return "\n".join(out)


# Site roles are the ones registered in central_site; PUBLIC covers roles made later.
REVOKE_CREATE = """
DO $$
DECLARE
    r record;
BEGIN
    EXECUTE format('REVOKE TEMPORARY, CREATE ON DATABASE %I FROM PUBLIC', current_database());
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    FOR r IN SELECT s.role_name FROM public.central_site s
             JOIN pg_catalog.pg_roles g ON g.rolname = s.role_name LOOP
        EXECUTE format('REVOKE TEMPORARY, CREATE ON DATABASE %I FROM %I', current_database(), r.role_name);
        EXECUTE format('REVOKE CREATE ON SCHEMA public FROM %I', r.role_name);
    END LOOP;
END
$$;
"""


def upgrade() -> None:
    op.execute(CREATE_OWNER)
    op.execute(NEW_FUNCTIONS)
    stmts = [f"ALTER TABLE public.{t} OWNER TO {OWNER};" for t in TABLES]
    stmts += [f"ALTER FUNCTION {f} OWNER TO {OWNER};" for f in FUNCTIONS]
    stmts += [f"REVOKE ALL ON FUNCTION {f} FROM PUBLIC;" for f in FUNCTIONS]
    stmts += [f"ALTER TABLE public.{t} FORCE ROW LEVEL SECURITY;" for t in TABLES]
    op.execute("\n".join(stmts))
    op.execute(_owner_policies())
    op.execute(REVOKE_CREATE)
    op.execute(
        f"""DO $$ BEGIN
            IF NOT (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
                REVOKE CREATE ON SCHEMA public FROM {OWNER};
            END IF;
        END $$;"""
    )


def _c0001_functions() -> str:
    """c0001's function text, unchanged, to put back on downgrade."""
    path = Path(__file__).with_name("c0001_central_sync.py")
    spec = importlib.util.spec_from_file_location("ow_central_c0001", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.FUNCTIONS).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")


def downgrade() -> None:
    op.execute(_drop_owner_policies())
    stmts = [f"ALTER TABLE public.{t} NO FORCE ROW LEVEL SECURITY;" for t in TABLES]
    stmts += [f"ALTER TABLE public.{t} OWNER TO CURRENT_USER;" for t in TABLES]
    stmts += [f"ALTER FUNCTION {f} OWNER TO CURRENT_USER;" for f in FUNCTIONS]
    op.execute("\n".join(stmts))
    op.execute("SET LOCAL search_path = public")
    op.execute(_c0001_functions())
    op.execute("RESET search_path")
    # c0001 ran on the defaults: sessions may create temporary tables (its apply function needs one).
    op.execute(
        f"""DO $$ BEGIN
            EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database());
            -- The owner role is shared by every centre in the cluster: drop it only when unused.
            BEGIN
                EXECUTE format('REVOKE ALL ON SCHEMA public FROM %I', '{OWNER}');
                DROP ROLE IF EXISTS {OWNER};
            EXCEPTION
                WHEN dependent_objects_still_exist THEN
                    RAISE NOTICE 'role {OWNER} is still used by another database; kept';
                WHEN insufficient_privilege THEN
                    RAISE NOTICE 'role {OWNER} kept: dropping it needs CREATEROLE';
            END;
        END $$;"""
    )
