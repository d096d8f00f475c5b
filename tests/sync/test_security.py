"""Each site's own PostgreSQL role: it reads only its own rows and writes only through apply."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from db.sync.central import publish_parts
from db.sync.reference import ReleasePart
from tests.sync.helpers import SiteHandle, admin, central_rows

pytestmark = pytest.mark.postgres


@pytest.fixture
def two_sites(central_url: str, make_site: Callable[[str], SiteHandle]) -> tuple[SiteHandle, SiteHandle]:
    a, b = make_site("SA"), make_site("SB")
    for s in (a, b):
        s.add_case()
        s.add_evaluation()
        s.syncer().sync_once()
    return a, b


def _as_site(site: SiteHandle) -> sa.Engine:
    return sa.create_engine(site.account.url)


def test_site_reads_only_its_own_rows(central_url: str, two_sites: tuple[SiteHandle, SiteHandle]) -> None:
    a, b = two_sites
    eng = _as_site(a)
    with eng.connect() as c:
        sites = set(c.execute(sa.text("SELECT DISTINCT site_id FROM synced_row")).scalars())
        assert sites == {a.site_id}
        assert c.execute(sa.text("SELECT count(*) FROM synced_row WHERE site_id = :b"), {"b": b.site_id}).scalar() == 0
        assert c.execute(sa.text("SELECT code FROM central_site")).scalars().all() == ["SA"]
        assert set(c.execute(sa.text("SELECT DISTINCT site_id FROM sync_batch")).scalars()) == {a.site_id}
        assert set(c.execute(sa.text("SELECT DISTINCT site_id FROM sync_watermark")).scalars()) == {a.site_id}
    eng.dispose()
    assert len(central_rows(central_url, b.site_id)) == 2  # the rows are there, just not visible to a


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE synced_row SET row_version = row_version + 1",
        "DELETE FROM synced_row",
        "INSERT INTO synced_row (table_name, row_id, site_id, channel, row_version, day, payload, batch_id) "
        "SELECT 'case', gen_random_uuid(), site_id, 'cases', 1, current_date, '{}', 'x' FROM central_site",
        "UPDATE sync_watermark SET last_seq = 0",
        "INSERT INTO sync_batch (batch_id, site_id, channel, prev_seq, first_seq, last_seq, row_count) "
        "SELECT 'x', site_id, 'cases', 0, 1, 1, 1 FROM central_site",
        "UPDATE central_site SET role_name = 'postgres'",
        "CREATE TABLE sneaky (id int)",
        "INSERT INTO reference_release (version) VALUES (999)",
    ],
)
def test_site_cannot_write_tables_directly(two_sites: tuple[SiteHandle, SiteHandle], sql: str) -> None:
    a, _ = two_sites
    eng = _as_site(a)
    with eng.connect() as c, pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
        c.execute(sa.text(sql))
    eng.dispose()


def test_apply_refuses_rows_of_another_site(central_url: str, two_sites: tuple[SiteHandle, SiteHandle]) -> None:
    a, b = two_sites
    before_b = central_rows(central_url, b.site_id)
    b_case = next(i for (t, i) in before_b if t == "case")
    forged_new = {"id": str(uuid.uuid4()), "site_id": str(b.site_id), "row_version": 1}
    hijack = {"id": b_case, "site_id": str(a.site_id), "row_version": 99}
    rows = [
        {"seq": 101, "t": "case", "id": forged_new["id"], "v": 1, "d": "2026-11-27", "p": forged_new},
        {"seq": 102, "t": "case", "id": b_case, "v": 99, "d": "2026-11-27", "p": hijack},
    ]
    eng = _as_site(a)
    with eng.begin() as c:
        prev = c.execute(sa.text("SELECT last_seq FROM sync_watermark WHERE channel = 'cases'")).scalar_one()
        r = c.execute(
            sa.text("SELECT * FROM sync_apply_batch(:b, 'cases', :p, 101, 102, CAST(:rows AS jsonb))"),
            {"b": "SA:cases:101-102", "p": prev, "rows": json.dumps(rows)},
        ).one()
        assert (r.status, r.applied, r.conflicts) == ("applied", 0, 2)
        # Claiming to be site SB in the batch id is refused outright.
        r = c.execute(
            sa.text("SELECT * FROM sync_apply_batch('SB:cases:103-103', 'cases', 102, 103, 103, '[]')")
        ).one()
        assert r.status == "rejected"
    eng.dispose()
    assert central_rows(central_url, b.site_id) == before_b
    with admin(central_url) as c:
        reasons = sorted(c.execute(sa.text("SELECT reason FROM sync_conflict")).scalars())
    assert reasons == ["row belongs to another site", "row id is owned by another site"]


def test_site_sees_only_shared_and_its_own_reference_parts(
    central_url: str, two_sites: tuple[SiteHandle, SiteHandle]
) -> None:
    a, b = two_sites
    parts = [
        ReleasePart.build(None, {"matter": []}),
        ReleasePart.build(a.site_id, {"staff": []}),
        ReleasePart.build(b.site_id, {"staff": []}),
    ]
    publish_parts(central_url, parts)
    eng = _as_site(a)
    with eng.connect() as c:
        seen = set(c.execute(sa.text("SELECT site_id FROM reference_part")).scalars())
    eng.dispose()
    assert seen == {None, a.site_id}


def test_unregistered_role_cannot_apply(central_url: str, two_sites: tuple[SiteHandle, SiteHandle]) -> None:
    with admin(central_url) as c, pytest.raises(sa.exc.DBAPIError, match="not registered as a site"):
        c.execute(sa.text("SELECT * FROM sync_apply_batch('x:cases:1-1', 'cases', 0, 1, 1, '[]')"))
