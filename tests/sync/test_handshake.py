"""The schema/protocol handshake, and a hall database on PostgreSQL instead of SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.base import uuid7
from db.engine import make_engine
from db.migrate import SchemaTooNew, upgrade
from db.models import Matter, ServiceCategory, Site
from db.sync.central import add_site, drop_site_role, init_central
from db.sync.protocol import IncompatibleCentre
from db.sync.site import Syncer
from tests.sync.helpers import SiteHandle, admin, assert_converged

pytestmark = pytest.mark.postgres
MakeSite = Callable[[str], SiteHandle]


def test_centre_refuses_a_site_speaking_another_protocol(central_url: str, make_site: MakeSite) -> None:
    site = make_site("HS1")
    with admin(central_url) as c:
        c.execute(sa.text("UPDATE sync_meta SET protocol_min = 2, protocol_max = 3"))
    site.add_case()
    syncer = site.syncer()
    with pytest.raises(IncompatibleCentre, match="accepts sync protocol 2 to 3 but site HS1 speaks protocol 1"):
        syncer.sync_once()
    with admin(central_url) as c:
        assert c.execute(sa.text("SELECT count(*) FROM synced_row")).scalar() == 0


def test_site_refuses_a_centre_account_of_another_site(central_url: str, make_site: MakeSite) -> None:
    site = make_site("HS2")
    wrong = Syncer(site.hall, site.account.url, site_code="HS9")
    with pytest.raises(IncompatibleCentre, match="belongs to site HS2 but this hall is site HS9"):
        wrong.hello()
    wrong.close()


def test_site_pointed_at_a_database_without_the_central_schema(pg_url: str, make_site: MakeSite) -> None:
    site = make_site("HS3")
    other = sa.engine.make_url(site.account.url).set(database="postgres").render_as_string(hide_password=False)
    syncer = Syncer(site.hall, other)
    with pytest.raises(IncompatibleCentre, match="no OneWindow sync schema"):
        syncer.hello()
    syncer.close()


def test_newer_central_schema_is_refused_by_init(central_url: str) -> None:
    with admin(central_url) as c:
        c.execute(sa.text("UPDATE alembic_version SET version_num = 'c9999_future'"))
    with pytest.raises(SchemaTooNew, match="newer than this OneWindow"):
        init_central(central_url)


@pytest.fixture
def pg_hall_url(pg_admin_url: str) -> Iterator[str]:
    name = f"ow_hall_{uuid.uuid4().hex[:12]}"
    eng = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.engine.make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    with eng.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    eng.dispose()


def test_postgresql_hall_syncs_like_a_sqlite_one(central_url: str, pg_hall_url: str) -> None:
    hall = make_engine(pg_hall_url)
    upgrade(hall, backup=False)
    site_id, matter_id, category_id = uuid7(), uuid7(), uuid7()
    with Session(hall) as s, s.begin():
        s.add(Site(id=site_id, code="HPG", name="区政务服务中心"))
        s.flush()
        s.add(Matter(id=matter_id, code="M", name="事项", department="d", kind="k", promised_days=1))
        s.add(ServiceCategory(id=category_id, site_id=site_id, code="g", name="综合", prefix="A", daily_cap=None))
    account = add_site(central_url, "HPG", site_id=site_id)
    site = SiteHandle("HPG", site_id, hall, account, matter_id, category_id)
    try:
        for _ in range(4):
            site.update_case(site.add_case())
            site.add_ticket()
            site.add_evaluation()
        syncer = site.syncer(batch_size=3)
        syncer.sync_once()
        assert_converged(central_url, site)
        assert syncer.verify().differing == []
        from db.sync.guard import find_unrecorded_writes

        with hall.connect() as c:
            assert find_unrecorded_writes(c) == []
    finally:
        site.close()
        drop_site_role(central_url, account.role)
