"""sync_apply_batch decides every row the same way at c0002 (no temporary table) as at c0001."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from db.sync.central import drop_site_role
from tests.sync.helpers import admin
from tests.sync.test_attacker import _c0001_add_site, _migrate

pytestmark = pytest.mark.postgres


def _row(seq: int, t: str, rid: str, v: int, site: uuid.UUID, **p: Any) -> dict[str, Any]:
    key = "uid" if t == "hall_event" else "id"
    return {"seq": seq, "t": t, "id": rid, "v": v, "d": "2026-12-07",
            "p": {key: rid, "site_id": str(site), "row_version": v, **p}}


@pytest.mark.parametrize("revision", ["c0001", "c0002"])
def test_every_row_outcome(pg_url: str, revision: str) -> None:
    _migrate(pg_url, command.upgrade, revision)
    a, b = _c0001_add_site(pg_url, "RA"), _c0001_add_site(pg_url, "RB")
    try:
        a_case, b_case = a.add_case(), b.add_case()
        for s in (a, b):
            s.syncer().sync_once()
        with admin(pg_url) as c:
            stored = c.execute(
                sa.text("SELECT payload FROM synced_row WHERE row_id = :i"), {"i": a_case}
            ).scalar_one()
            prev = c.execute(
                sa.text("SELECT last_seq FROM sync_watermark WHERE site_id = :s AND channel = 'cases'"),
                {"s": a.site_id},
            ).scalar_one()
        new_n, new_m = str(uuid.uuid4()), str(uuid.uuid4())
        me, other = a.site_id, b.site_id
        rows = [
            _row(1, "nope", str(uuid.uuid4()), 1, me),
            _row(2, "ticket", str(uuid.uuid4()), 1, me),
            _row(3, "case", str(uuid.uuid4()), 1, other),
            {**_row(4, "case", str(uuid.uuid4()), 1, me), "v": 2},
            _row(5, "case", str(uuid.uuid4()), 0, me),
            {**_row(6, "case", str(uuid.uuid4()), 1, me), "id": str(uuid.uuid4())},
            {"seq": 7, "t": "case", "id": str(a_case), "v": stored["row_version"], "d": "2026-12-07",
             "p": {**stored, "notes": "changed"}},
            {"seq": 8, "t": "case", "id": str(a_case), "v": stored["row_version"], "d": "2026-12-07", "p": stored},
            _row(9, "case", new_n, 1, me),
            _row(10, "case", new_n, 2, me),
            _row(11, "case", new_m, 1, me, notes="one"),
            _row(12, "case", new_m, 1, me, notes="two"),
            _row(13, "case", str(b_case), 5, me),
        ]
        for r in rows:
            r["seq"] += prev
        eng = sa.create_engine(a.account.url)
        with eng.begin() as c:
            res = c.execute(
                sa.text("SELECT * FROM sync_apply_batch(:b, 'cases', :p, :f, :l, CAST(:rows AS jsonb))"),
                {"b": f"RA:cases:{prev + 1}-{prev + 13}", "p": prev, "f": prev + 1, "l": prev + 13,
                 "rows": json.dumps(rows)},
            ).one()
        eng.dispose()
        with admin(pg_url) as c:
            reasons = {
                seq - prev: reason
                for seq, reason in c.execute(sa.text("SELECT seq, reason FROM sync_conflict WHERE site_id = :s"),
                                             {"s": me})
            }
            versions = dict(
                c.execute(
                    sa.text("SELECT row_id::text, row_version FROM synced_row WHERE row_id::text IN (:n, :m, :b)"),
                    {"n": new_n, "m": new_m, "b": str(b_case)},
                ).all()
            )
        assert (res.status, res.applied, res.conflicts) == ("applied", 2, 9)
        same = "same row_version with different content"
        m_conflict = 11 if 11 in reasons else 12  # which duplicate wins is not specified
        assert reasons == {
            1: "table nope is not synced",
            2: "table ticket belongs to channel queue",
            3: "row belongs to another site",
            4: "snapshot row_version differs",
            5: "row_version below 1",
            6: "snapshot key differs",
            7: same,
            m_conflict: same,
            13: "row id is owned by another site",
        }
        assert versions == {new_n: 2, new_m: 1, str(b_case): 1}
    finally:
        for s in (a, b):
            s.close()
            drop_site_role(pg_url, s.account.role)
