"""Central sync schema: site registry, synced rows, batches, watermarks, conflicts, releases.

Sites never write tables directly: they call the SECURITY DEFINER functions sync_hello() and
sync_apply_batch(), which take the site from the login role. Reads go through row-level
security: a site sees only its own rows and the reference data meant for it.

Revision ID: c0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "c0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = """
CREATE TABLE sync_meta (
    id int PRIMARY KEY CHECK (id = 1),
    protocol_min int NOT NULL,
    protocol_max int NOT NULL
);
INSERT INTO sync_meta VALUES (1, 1, 1);

CREATE TABLE central_site (
    site_id uuid PRIMARY KEY,
    code text NOT NULL UNIQUE,
    role_name text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_hello_at timestamptz,
    site_schema text NOT NULL DEFAULT ''
);

CREATE TABLE sync_channel_table (
    table_name text PRIMARY KEY,
    channel text NOT NULL
);
INSERT INTO sync_channel_table VALUES
    ('case', 'cases'), ('case_material', 'cases'), ('case_history', 'cases'), ('case_task', 'cases'),
    ('ticket', 'queue'), ('hall_event', 'queue'), ('window_status', 'queue'),
    ('evaluation', 'evaluations'),
    ('temperature_reading', 'stats'), ('audit_log', 'stats');

CREATE TABLE synced_row (
    table_name text NOT NULL,
    row_id uuid NOT NULL,
    site_id uuid NOT NULL REFERENCES central_site (site_id),
    channel text NOT NULL,
    row_version int NOT NULL,
    day date NOT NULL,
    payload jsonb NOT NULL,
    batch_id text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, row_id)
);
CREATE INDEX ix_synced_row_site_day ON synced_row (site_id, channel, day);

CREATE TABLE sync_batch (
    batch_id text PRIMARY KEY,
    site_id uuid NOT NULL REFERENCES central_site (site_id),
    channel text NOT NULL,
    prev_seq bigint NOT NULL,
    first_seq bigint NOT NULL,
    last_seq bigint NOT NULL,
    row_count int NOT NULL,
    applied int NOT NULL DEFAULT 0,
    conflicts int NOT NULL DEFAULT 0,
    applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_sync_batch_site ON sync_batch (site_id, channel, last_seq);

CREATE TABLE sync_watermark (
    site_id uuid NOT NULL REFERENCES central_site (site_id),
    channel text NOT NULL,
    last_seq bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site_id, channel)
);

CREATE TABLE sync_conflict (
    id bigserial PRIMARY KEY,
    site_id uuid NOT NULL,
    channel text NOT NULL,
    batch_id text NOT NULL,
    seq bigint,
    table_name text,
    row_id uuid,
    row_version int,
    reason text NOT NULL,
    payload jsonb,
    at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_sync_conflict_site ON sync_conflict (site_id, at);

CREATE TABLE reference_release (
    version int PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    note text NOT NULL DEFAULT ''
);

-- One part for every site (site_id NULL: the catalogue and calendar every site gets) and one
-- per site (its windows, categories, staff, appointments). body is the exact canonical JSON
-- text the checksum was computed over.
CREATE TABLE reference_part (
    version int NOT NULL REFERENCES reference_release (version),
    site_id uuid,
    checksum text NOT NULL,
    body text NOT NULL,
    CONSTRAINT uq_reference_part UNIQUE NULLS NOT DISTINCT (version, site_id)
);
"""

FUNCTIONS = r"""
CREATE FUNCTION sync_hello(p_protocol int, p_site_schema text)
RETURNS TABLE (ok boolean, message text, site_id uuid, code text, protocol_min int, protocol_max int,
               central_schema text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_site uuid; v_code text; v_min int; v_max int; v_rev text;
BEGIN
    SELECT m.protocol_min, m.protocol_max INTO v_min, v_max FROM sync_meta m WHERE m.id = 1;
    SELECT a.version_num INTO v_rev FROM alembic_version a;
    SELECT s.site_id, s.code INTO v_site, v_code FROM central_site s WHERE s.role_name = session_user;
    IF v_site IS NULL THEN
        RETURN QUERY SELECT false, format('database role %s is not registered as a site at this centre '
            '(ask the district administrator to run `main.py central add-site`)', session_user),
            NULL::uuid, NULL::text, v_min, v_max, v_rev;
        RETURN;
    END IF;
    IF p_protocol < v_min OR p_protocol > v_max THEN
        RETURN QUERY SELECT false, format('the centre accepts sync protocol %s to %s but site %s speaks protocol %s; '
            'install the OneWindow version the district prescribes at this site', v_min, v_max, v_code, p_protocol),
            v_site, v_code, v_min, v_max, v_rev;
        RETURN;
    END IF;
    UPDATE central_site s SET last_hello_at = now(), site_schema = coalesce(p_site_schema, '')
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
CREATE FUNCTION sync_apply_batch(p_batch_id text, p_channel text, p_prev bigint, p_first bigint,
                                 p_last bigint, p_rows jsonb)
RETURNS TABLE (status text, watermark bigint, applied int, conflicts int, message text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_site uuid; v_code text; v_wm bigint; v_seen text; v_applied int := 0; v_conflicts int := 0;
    v_count int; v_bad text;
BEGIN
    SELECT s.site_id, s.code INTO v_site, v_code FROM central_site s WHERE s.role_name = session_user;
    IF v_site IS NULL THEN
        RAISE EXCEPTION 'database role % is not registered as a site at this centre', session_user
            USING ERRCODE = '42501';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM sync_channel_table c WHERE c.channel = p_channel) THEN
        RETURN QUERY SELECT 'rejected'::text, NULL::bigint, 0, 0, format('unknown channel %L', p_channel);
        RETURN;
    END IF;
    INSERT INTO sync_watermark AS w (site_id, channel) VALUES (v_site, p_channel) ON CONFLICT DO NOTHING;
    -- Serialises every apply of this site's channel: the checks below cannot race.
    SELECT w.last_seq INTO v_wm FROM sync_watermark w
        WHERE w.site_id = v_site AND w.channel = p_channel FOR UPDATE;
    IF EXISTS (SELECT 1 FROM sync_batch b WHERE b.batch_id = p_batch_id) THEN
        RETURN QUERY SELECT 'duplicate'::text, v_wm, 0, 0, ''::text;
        RETURN;
    END IF;
    IF p_batch_id IS DISTINCT FROM format('%s:%s:%s-%s', v_code, p_channel, p_first, p_last)
       OR p_first IS NULL OR p_last IS NULL OR p_prev IS NULL OR p_first <= p_prev OR p_last < p_first THEN
        RETURN QUERY SELECT 'rejected'::text, v_wm, 0, 0,
            format('batch id %L does not match site %s, channel %s, rows %s-%s after %s',
                   p_batch_id, v_code, p_channel, p_first, p_last, p_prev);
        RETURN;
    END IF;
    IF p_prev < v_wm THEN
        RETURN QUERY SELECT 'behind'::text, v_wm, 0, 0, format('centre already has rows up to %s', v_wm);
        RETURN;
    ELSIF p_prev > v_wm THEN
        RETURN QUERY SELECT 'gap'::text, v_wm, 0, 0,
            format('batch follows %s but the centre has rows only up to %s', p_prev, v_wm);
        RETURN;
    END IF;

    IF to_regclass('pg_temp.ow_incoming') IS NULL THEN
        CREATE TEMP TABLE ow_incoming (
            seq bigint, t text, id uuid, v int, d date, p jsonb, ok boolean, reason text
        ) ON COMMIT DELETE ROWS;
    END IF;
    DELETE FROM ow_incoming;
    BEGIN
        IF jsonb_typeof(p_rows) IS DISTINCT FROM 'array' THEN
            RAISE EXCEPTION 'rows are not a JSON array';
        END IF;
        INSERT INTO ow_incoming (seq, t, id, v, d, p, ok, reason)
            SELECT r.seq, r.t, r.id, r.v, r.d, r.p, true, ''
            FROM jsonb_to_recordset(p_rows) AS r(seq bigint, t text, id uuid, v int, d date, p jsonb);
        GET DIAGNOSTICS v_count = ROW_COUNT;
        -- Temp tables have no statistics: without them the joins below scan synced_row whole.
        ANALYZE ow_incoming;
        SELECT format('row seq %s: %s', i.seq, CASE
                WHEN i.seq IS NULL OR i.t IS NULL OR i.id IS NULL OR i.v IS NULL OR i.d IS NULL OR i.p IS NULL
                    THEN 'a field is missing'
                WHEN i.seq < p_first OR i.seq > p_last THEN 'seq outside the batch'
                WHEN jsonb_typeof(i.p) <> 'object' THEN 'snapshot is not an object'
                ELSE 'bad snapshot' END)
            INTO v_bad FROM ow_incoming i
            WHERE i.seq IS NULL OR i.t IS NULL OR i.id IS NULL OR i.v IS NULL OR i.d IS NULL OR i.p IS NULL
               OR i.seq < p_first OR i.seq > p_last OR jsonb_typeof(i.p) <> 'object'
            LIMIT 1;
        IF v_bad IS NOT NULL THEN
            RAISE EXCEPTION '%', v_bad;
        END IF;
        IF v_count = 0 OR (SELECT count(DISTINCT i.seq) FROM ow_incoming i) <> v_count THEN
            RAISE EXCEPTION 'batch has no rows or repeats a seq';
        END IF;
        -- Casts that fail here make the batch unparsable, not just one row.
        PERFORM (i.p ->> 'site_id')::uuid, (i.p ->> 'row_version')::int FROM ow_incoming i;
    EXCEPTION WHEN others THEN
        RETURN QUERY SELECT 'rejected'::text, v_wm, 0, 0, format('cannot parse batch %s: %s', p_batch_id, SQLERRM);
        RETURN;
    END;

    INSERT INTO sync_batch AS b (batch_id, site_id, channel, prev_seq, first_seq, last_seq, row_count)
        VALUES (p_batch_id, v_site, p_channel, p_prev, p_first, p_last, v_count)
        ON CONFLICT DO NOTHING RETURNING b.batch_id INTO v_seen;
    IF v_seen IS NULL THEN
        RETURN QUERY SELECT 'duplicate'::text, v_wm, 0, 0, ''::text;
        RETURN;
    END IF;

    -- Rows the centre refuses; they are recorded and the channel moves on.
    UPDATE ow_incoming i SET ok = false, reason = CASE
            WHEN c.channel IS NULL THEN format('table %s is not synced', i.t)
            WHEN c.channel <> p_channel THEN format('table %s belongs to channel %s', i.t, c.channel)
            WHEN (i.p ->> 'site_id')::uuid IS DISTINCT FROM v_site THEN 'row belongs to another site'
            WHEN (i.p ->> 'row_version')::int IS DISTINCT FROM i.v THEN 'snapshot row_version differs'
            WHEN i.v < 1 THEN 'row_version below 1'
            ELSE 'snapshot key differs' END
        FROM ow_incoming j LEFT JOIN sync_channel_table c ON c.table_name = j.t
        WHERE j.seq = i.seq AND (
            c.channel IS DISTINCT FROM p_channel
            OR (i.p ->> 'site_id')::uuid IS DISTINCT FROM v_site
            OR (i.p ->> 'row_version')::int IS DISTINCT FROM i.v
            OR i.v < 1
            OR (i.p ->> CASE WHEN i.t = 'hall_event' THEN 'uid' ELSE 'id' END) IS DISTINCT FROM i.id::text);
    WITH src AS (
        SELECT DISTINCT ON (i.t, i.id) i.t, i.id, i.v, i.d, i.p FROM ow_incoming i
        WHERE i.ok ORDER BY i.t, i.id, i.v DESC
    ), up AS (
        INSERT INTO synced_row AS s (table_name, row_id, site_id, channel, row_version, day, payload, batch_id)
        SELECT src.t, src.id, v_site, p_channel, src.v, src.d, src.p, p_batch_id FROM src
        ON CONFLICT (table_name, row_id) DO UPDATE
            SET row_version = excluded.row_version, day = excluded.day, payload = excluded.payload,
                batch_id = excluded.batch_id, applied_at = now()
            -- Only forward, and never over another site's row.
            WHERE s.row_version < excluded.row_version AND s.site_id = excluded.site_id
        RETURNING 1
    )
    SELECT count(*) INTO v_applied FROM up;

    -- Rows the guard skipped: an older or equal version is normal on redelivery; another
    -- site's row or an equal version with other content is a conflict.
    UPDATE ow_incoming i SET ok = false, reason = CASE WHEN s.site_id <> v_site
            THEN 'row id is owned by another site' ELSE 'same row_version with different content' END
        FROM synced_row s
        WHERE i.ok AND s.table_name = i.t AND s.row_id = i.id
          AND (s.site_id <> v_site OR (s.row_version = i.v AND s.payload <> i.p));

    INSERT INTO sync_conflict (site_id, channel, batch_id, seq, table_name, row_id, row_version, reason, payload)
        SELECT v_site, p_channel, p_batch_id, i.seq, i.t, i.id, i.v, i.reason, i.p FROM ow_incoming i WHERE NOT i.ok;
    GET DIAGNOSTICS v_conflicts = ROW_COUNT;

    UPDATE sync_batch b SET applied = v_applied, conflicts = v_conflicts WHERE b.batch_id = p_batch_id;
    UPDATE sync_watermark w SET last_seq = p_last, updated_at = now()
        WHERE w.site_id = v_site AND w.channel = p_channel;
    RETURN QUERY SELECT 'applied'::text, p_last, v_applied, v_conflicts, ''::text;
END
$$;
"""

SECURITY = """
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON FUNCTION sync_hello(int, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION sync_apply_batch(text, text, bigint, bigint, bigint, jsonb) FROM PUBLIC;

ALTER TABLE central_site ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_site ON central_site FOR SELECT USING (role_name = current_user);
ALTER TABLE synced_row ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON synced_row FOR SELECT USING (site_id = (SELECT c.site_id FROM central_site c WHERE c.role_name = current_user));
ALTER TABLE sync_batch ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_batches ON sync_batch FOR SELECT USING (site_id = (SELECT c.site_id FROM central_site c WHERE c.role_name = current_user));
ALTER TABLE sync_watermark ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_watermarks ON sync_watermark FOR SELECT USING (site_id = (SELECT c.site_id FROM central_site c WHERE c.role_name = current_user));
ALTER TABLE sync_conflict ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_conflicts ON sync_conflict FOR SELECT USING (site_id = (SELECT c.site_id FROM central_site c WHERE c.role_name = current_user));
ALTER TABLE reference_part ENABLE ROW LEVEL SECURITY;
CREATE POLICY shared_or_own_part ON reference_part FOR SELECT
    USING (site_id IS NULL OR site_id = (SELECT c.site_id FROM central_site c WHERE c.role_name = current_user));
"""


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(FUNCTIONS)
    op.execute(SECURITY)


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION sync_apply_batch(text, text, bigint, bigint, bigint, jsonb);"
        "DROP FUNCTION sync_hello(int, text);"
        "DROP TABLE reference_part, reference_release, sync_conflict, sync_watermark, sync_batch,"
        " synced_row, sync_channel_table, central_site, sync_meta;"
    )
