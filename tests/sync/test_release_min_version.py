"""The centre's reference release announces the minimum program version; the site keeps it and
`doctor` (and the manager dashboard's app.updates.update_status) report a program that is older."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.doctor import check_program_version
from app.settings import Settings, SiteSettings, with_db_url
from app.updates import status_from_engine
from db.models import ReferenceRelease
from db.sync.central import publish_parts, publish_release
from db.sync.protocol import ReleaseError
from db.sync.reference import ReleasePart, announced_min_version
from tests.sync.helpers import SiteHandle
from tests.sync.test_release import _master

pytestmark = pytest.mark.postgres


def _settings(site: SiteHandle) -> Settings:
    return with_db_url(Settings(site=SiteSettings(code=site.code)), site.hall.url.render_as_string(False))


def test_the_announced_minimum_reaches_the_site_and_doctor_reports_an_older_program(
    central_url: str, make_site: Callable[[str], SiteHandle], tmp_path: Path
) -> None:
    site = make_site("MV")
    master = _master(tmp_path / "master.db", [site])
    publish_release(central_url, master, note="no minimum yet")
    site.syncer().sync_once()
    status = status_from_engine(site.hall, running="0.1.0")
    assert (status.required, status.release, status.update_needed) == ("", 1, False)
    [line] = check_program_version(_settings(site), running="0.1.0")
    assert line.status == "ok" and "no minimum announced" in line.detail

    publish_release(central_url, master, note="0.2 required", min_version="0.2.0")
    assert site.syncer().sync_once().release == 2
    with site.hall.connect() as conn:
        stored = conn.execute(
            sa.select(ReferenceRelease.version, ReferenceRelease.min_program_version).order_by(
                ReferenceRelease.version
            )
        ).all()
    assert [tuple(r) for r in stored] == [(1, ""), (2, "0.2.0")]
    status = status_from_engine(site.hall, running="0.1.0")
    assert (status.required, status.release, status.update_needed) == ("0.2.0", 2, True)
    assert "0.1.0" in status.notice() and "0.2.0" in status.notice()
    [line] = check_program_version(_settings(site), running="0.1.0")
    assert line.problem
    assert (
        line.detail
        == "OneWindow 0.1.0 is older than 0.2.0, the minimum the district requires (reference release 2)"
    )
    assert "install OneWindow 0.2.0 or newer" in line.fix
    for running in ("0.2.0", "0.2", "0.10.0", "1.0"):
        [line] = check_program_version(_settings(site), running=running)
        assert line.status == "ok", running


def test_the_minimum_is_under_the_release_checksum(
    central_url: str, make_site: Callable[[str], SiteHandle]
) -> None:
    site = make_site("MT")
    shared = ReleasePart.build(None, {"site": []}, "0.3.1")
    assert json.loads(shared.body)["program"] == {"min_version": "0.3.1"}
    assert announced_min_version([shared]) == "0.3.1"
    forged = ReleasePart(None, shared.checksum, shared.body.replace("0.3.1", "0.0.1"))
    with pytest.raises(ReleaseError, match="checksum"):
        announced_min_version([forged])
    publish_parts(central_url, [forged])
    with pytest.raises(ReleaseError, match="checksum"):
        site.syncer().download()
    with site.hall.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ReferenceRelease)).scalar() == 0


@pytest.mark.parametrize("text", ["", "0.2.0 ", "v0.2", "0..2", "latest", "1.2.3.4.5"])
def test_a_minimum_that_is_not_a_version_is_refused_at_publishing(text: str) -> None:
    if text == "":
        assert json.loads(ReleasePart.build(None, {}, text).body) == {"tables": {}}  # none announced
        return
    with pytest.raises(ReleaseError, match="not a program version"):
        ReleasePart.build(None, {}, text)
