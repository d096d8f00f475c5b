"""A reference release never brings back a password the site has changed since."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import Staff
from db.sync.central import publish_release
from tests.sync.helpers import SiteHandle
from tests.sync.test_release import _master

pytestmark = pytest.mark.postgres


def test_site_password_survives_the_next_release(
    central_url: str, make_site: Callable[[str], SiteHandle], tmp_path: Path
) -> None:
    site = make_site("RC")
    master = tmp_path / "master.db"
    publish_release(central_url, _master(master, [site]), note="first")
    site.syncer().sync_once()
    with Session(site.hall) as s, s.begin():
        staff = s.scalars(sa.select(Staff).where(Staff.username == "clerk-RC")).one()
        assert staff.password_hash == "x"  # as issued by the centre on first arrival
        staff.password_hash, staff.password_state = "site-own-hash", "own"
    # The centre renames the clerk and publishes again, its copy still holding the issued hash.
    eng = sa.create_engine(f"sqlite:///{master}")
    with eng.begin() as conn:
        conn.execute(sa.update(Staff).where(Staff.username == "clerk-RC").values(name="李四四"))
    eng.dispose()
    publish_release(central_url, f"sqlite:///{master}", note="second")
    assert site.syncer().sync_once().release == 2
    with Session(site.hall) as s:
        staff = s.scalars(sa.select(Staff).where(Staff.username == "clerk-RC")).one()
        assert (staff.name, staff.password_hash, staff.password_state) == ("李四四", "site-own-hash", "own")
