"""A district administrator who is not a superuser (CREATEROLE, owner of the central database)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.engine import make_session_factory
from db.migrate import head_revision
from db.models import Case
from db.outbox import save
from db.sync.central import CENTRAL_OWNER, add_site, init_central, overview
from db.sync.protocol import CENTRAL_SCRIPTS
from db.sync.site import Syncer
from tests.sync.helpers import make_hall

pytestmark = pytest.mark.postgres


@pytest.fixture
def plain_admin_url(pg_admin_url: str) -> Iterator[str]:
    role, database = f"ow_admin_{uuid.uuid4().hex[:8]}", f"ow_test_{uuid.uuid4().hex[:12]}"
    su = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with su.connect() as c:
        c.exec_driver_sql(f"CREATE ROLE {role} LOGIN CREATEROLE PASSWORD 'admin-pw'")
        c.exec_driver_sql(f'CREATE DATABASE "{database}" OWNER {role}')
    url = sa.engine.make_url(pg_admin_url).set(username=role, password="admin-pw", database=database)
    yield url.render_as_string(hide_password=False)
    with su.connect() as c:
        c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for (site_role,) in c.execute(
            sa.text("SELECT rolname FROM pg_roles WHERE starts_with(rolname, :d)"), {"d": database}
        ).all():
            c.exec_driver_sql(f'DROP ROLE "{site_role}"')
        c.exec_driver_sql(f"REVOKE {CENTRAL_OWNER} FROM {role}")
        c.exec_driver_sql(f"DROP ROLE {role}")
    su.dispose()


def test_plain_administrator_runs_the_centre(plain_admin_url: str, tmp_path: Path) -> None:
    assert init_central(plain_admin_url) == head_revision(CENTRAL_SCRIPTS)
    site_id = uuid.uuid4()
    account = add_site(plain_admin_url, "PA", site_id=site_id)
    hall, matter_id, _ = make_hall(tmp_path / "pa.db", "PA", site_id)
    with make_session_factory(hall).begin() as s:
        save(s, Case(site_id=site_id, matter_id=matter_id, applicant_name="孙八"))
    syncer = Syncer(hall, account.url, site_code="PA")
    try:
        assert syncer.sync_once().rows == 1
    finally:
        syncer.close()
        hall.dispose()
    # The administrator sees every site's rows through the owner's policies; it owns nothing itself.
    assert [(o.code, o.rows) for o in overview(plain_admin_url)] == [("PA", 1)]
    eng = sa.create_engine(plain_admin_url)
    with eng.connect() as c:
        owners = set(
            c.exec_driver_sql(
                "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
            ).scalars()
        )
        public_create = c.exec_driver_sql(
            f"SELECT has_schema_privilege('{CENTRAL_OWNER}', 'public', 'CREATE')"
        ).scalar_one()
    eng.dispose()
    assert owners == {CENTRAL_OWNER}
    assert not public_create  # only lent for the ownership change
