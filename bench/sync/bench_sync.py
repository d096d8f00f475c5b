"""Upload throughput and incremental latency of sync, against a bare guarded-upsert loop.

Run: uv run python bench/sync/bench_sync.py [--pg URL] [--cases 100000] [--synced 1000000]
(URL: a superuser on a real PostgreSQL; default $ONEWINDOW_TEST_PG_URL.) Creates and drops its
own databases and roles. Prints:
  1. rows/s moving N cases from a SQLite site to the centre (the whole path: read the outbox,
     stamp batch ids, apply at the centre, acknowledge), and rows/s of a bare loop of guarded
     upserts of the same rows into a same-shaped table in the same run, and their ratio;
  2. the time of an incremental sync (sync_once: handshake, release check, every channel) of
     100 new rows on a site whose centre already holds M synced rows.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.base import Base, uuid7
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.models import Case, Matter, Site
from db.outbox import jsonable, save
from db.sync.central import add_site, drop_site_role, init_central
from db.sync.protocol import day_of
from db.sync.site import Syncer

BATCH = 2000


def new_hall(path: Path, code: str) -> tuple[sa.Engine, uuid.UUID, uuid.UUID]:
    hall = make_engine(f"sqlite:///{path}")
    upgrade(hall, backup=False)
    site_id, matter_id = uuid7(), uuid7()
    with Session(hall) as s, s.begin():
        s.add(Site(id=site_id, code=code, name=code))
        s.flush()
        s.add(Matter(id=matter_id, code="M1", name="事项", department="d", kind="k", promised_days=5))
    return hall, site_id, matter_id


def fill_cases(hall: sa.Engine, site_id: uuid.UUID, matter_id: uuid.UUID, n: int) -> list[dict[str, object]]:
    """n cases and their outbox snapshots, exactly as db/outbox.save() writes them (bulk, one txn)."""
    with make_session_factory(hall).begin() as s:
        proto = Case(site_id=site_id, matter_id=matter_id, applicant_name="样例", status="accepted")
        save(s, proto)
        snap = {c.key: jsonable(getattr(proto, c.key)) for c in sa.inspect(proto).mapper.column_attrs}
        template = {c.name: getattr(proto, c.key) for c in Case.__table__.columns}
    cases, outbox = [], []
    for i in range(n):
        cid = uuid7()
        row = dict(template, id=cid, case_number=f"B-{i:08d}", applicant_name=f"申请人{i}")
        cases.append(row)
        payload = dict(snap, id=str(cid), case_number=row["case_number"], applicant_name=row["applicant_name"])
        outbox.append(
            {"site_id": site_id, "channel": "cases", "table_name": "case", "row_id": cid, "row_version": 1,
             "payload": payload}
        )

    with hall.begin() as c:
        c.execute(sa.insert(Base.metadata.tables["case"]), cases)
        c.execute(sa.insert(Base.metadata.tables["sync_outbox"]), outbox)
    return outbox


def bare_upserts(central_url: str, site_id: uuid.UUID, outbox: list[dict[str, object]]) -> float:
    """Baseline: the same rows, pre-serialised, into a same-shaped table by executemany batches."""
    eng = sa.create_engine(central_url, hide_parameters=True)
    with eng.begin() as c:
        c.execute(sa.text("CREATE TABLE bare_row (LIKE synced_row INCLUDING ALL)"))
    rows = [
        {"t": "case", "id": o["row_id"], "s": site_id, "v": 1, "d": day_of(o["row_id"]),  # type: ignore[arg-type]
         "p": json.dumps(o["payload"], ensure_ascii=False)}
        for o in outbox
    ]
    stmt = sa.text(
        "INSERT INTO bare_row AS b (table_name, row_id, site_id, channel, row_version, day, payload, batch_id) "
        "VALUES (:t, :id, :s, 'cases', :v, :d, CAST(:p AS jsonb), 'bare') "
        "ON CONFLICT (table_name, row_id) DO UPDATE SET row_version = excluded.row_version, "
        "payload = excluded.payload WHERE b.row_version < excluded.row_version"
    )
    start = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        with eng.begin() as c:
            c.execute(stmt, rows[i : i + BATCH])
    elapsed = time.perf_counter() - start
    eng.dispose()
    return len(rows) / elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", default=os.environ.get("ONEWINDOW_TEST_PG_URL", ""))
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--synced", type=int, default=1_000_000)
    args = ap.parse_args()
    if not args.pg:
        print("error: give --pg URL or set ONEWINDOW_TEST_PG_URL (start one with .ci/start-postgres)", file=sys.stderr)
        return 2
    admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT", hide_parameters=True)
    dbname = f"bench_sync_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{dbname}"'))
    central_url = sa.engine.make_url(args.pg).set(database=dbname).render_as_string(hide_password=False)
    roles: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        init_central(central_url)

        # 1. throughput
        hall, site_id, matter_id = new_hall(tmp / "a.db", "BA")
        acc = add_site(central_url, "BA", site_id=site_id)
        roles.append(acc.role)
        t0 = time.perf_counter()
        outbox = fill_cases(hall, site_id, matter_id, args.cases)
        print(f"setup: {args.cases} cases with outbox snapshots in {time.perf_counter() - t0:.1f} s")
        bare = bare_upserts(central_url, site_id, outbox)
        syncer = Syncer(hall, acc.url, site_code="BA", batch_size=BATCH)
        syncer.hello()
        start = time.perf_counter()
        rep = syncer.upload_channel("cases")
        elapsed = time.perf_counter() - start
        syncer.close()
        assert rep.rows == args.cases + 1, rep
        rate = rep.rows / elapsed
        print(f"sync upload: {rep.rows} rows in {elapsed:.2f} s = {rate:,.0f} rows/s ({rep.batches} batches of {BATCH})")
        print(f"bare guarded-upsert loop (same rows, same run): {bare:,.0f} rows/s")
        print(f"ratio sync / bare: {rate / bare:.0%} (target >= 50%)")
        hall.dispose()

        # 2. incremental on top of many synced rows
        hall, site_id, matter_id = new_hall(tmp / "b.db", "BB")
        acc = add_site(central_url, "BB", site_id=site_id)
        roles.append(acc.role)
        t0 = time.perf_counter()
        with hall.begin() as c:
            c.execute(
                sa.text(
                    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :m) "
                    "INSERT INTO sync_outbox (seq, site_id, channel, table_name, row_id, row_version, payload, "
                    "created_at, batch_id, acked_at) SELECT x, :s, 'cases', 'case', lower(hex(randomblob(16))), 1, "
                    "'{}', '2026-01-01 00:00:00', 'old', '2026-01-01 00:00:00' FROM n"
                ),
                {"m": args.synced, "s": site_id.hex},
            )
            c.execute(
                sa.text("INSERT INTO sync_state (channel, last_acked_seq, last_error, stopped) VALUES ('cases', :m, '', 0)"),
                {"m": args.synced},
            )
        eng = sa.create_engine(central_url, hide_parameters=True)
        with eng.begin() as c:
            c.execute(
                sa.text(
                    "INSERT INTO synced_row (table_name, row_id, site_id, channel, row_version, day, payload, batch_id) "
                    "SELECT 'case', gen_random_uuid(), :s, 'cases', 1, DATE '2026-01-01', "
                    "jsonb_build_object('n', g), 'old' FROM generate_series(1, :m) g"
                ),
                {"s": site_id, "m": args.synced},
            )
            c.execute(
                sa.text("INSERT INTO sync_watermark (site_id, channel, last_seq) VALUES (:s, 'cases', :m)"),
                {"s": site_id, "m": args.synced},
            )
            c.execute(sa.text("ANALYZE synced_row"))
        eng.dispose()
        print(f"setup: {args.synced:,} rows already synced (site outbox and centre) in {time.perf_counter() - t0:.1f} s")
        for _ in range(100):
            with make_session_factory(hall).begin() as s:
                save(s, Case(site_id=site_id, matter_id=matter_id, applicant_name="新"))
        syncer = Syncer(hall, acc.url, site_code="BB", batch_size=500)
        start = time.perf_counter()
        rep2 = syncer.sync_once()
        elapsed = time.perf_counter() - start
        syncer.close()
        assert rep2.channels["cases"].rows == 100, rep2
        print(f"incremental sync of 100 new rows over {args.synced:,} synced: {elapsed * 1000:.0f} ms (target <= 1000 ms)")
        hall.dispose()
    finally:
        for r in roles:
            drop_site_role(central_url, r)
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
        admin.dispose()
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
