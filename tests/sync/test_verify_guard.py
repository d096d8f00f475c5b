"""`sync verify` finds and re-queues what the centre lacks; the outbox guard catches bypasses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.engine import make_engine
from db.models import AuditLog, Case
from db.sync.guard import find_unrecorded_writes
from tests.sync.conftest import forget_sqlite_file
from tests.sync.helpers import SiteHandle, admin, assert_converged, make_hall

MakeSite = Callable[[str], SiteHandle]


@pytest.mark.postgres
def test_verify_requeues_rows_the_centre_lost_or_has_older(central_url: str, make_site: MakeSite) -> None:
    site = make_site("TV01")
    ids = [site.add_case() for _ in range(5)]
    site.add_ticket()
    syncer = site.syncer()
    syncer.sync_once()
    clean = syncer.verify()
    assert clean.differing == [] and clean.buckets >= 2
    with admin(central_url) as c:  # the centre loses one row and rolls another back
        c.execute(sa.text("DELETE FROM synced_row WHERE row_id = :i"), {"i": ids[0]})
        c.execute(sa.text("UPDATE synced_row SET row_version = 0 WHERE row_id = :i"), {"i": ids[1]})
    rep = syncer.verify()
    assert len(rep.differing) == 1 and rep.differing[0][0] == "cases"
    assert rep.requeued == 2
    assert_converged(central_url, site)
    assert syncer.verify().differing == []


def test_guard_accepts_helper_writes_and_names_every_bypass(tmp_path: Path) -> None:
    import uuid

    from db.base import uuid7

    site_id = uuid7()
    hall, matter_id, _ = make_hall(tmp_path / "g.db", "TG", site_id)
    site = SiteHandle("TG", site_id, hall, None, matter_id, uuid.uuid4())  # type: ignore[arg-type]
    good = site.add_case()
    site.update_case(good)
    site.add_evaluation()
    with hall.connect() as c:
        assert find_unrecorded_writes(c) == []
    # Three ways around db/outbox.py: ORM add, Core update, raw SQL with a version bump.
    with Session(hall) as s, s.begin():
        s.add(AuditLog(site_id=site_id, action="x", entity="y"))
    with hall.begin() as c:
        c.execute(sa.update(Case).where(Case.id == good).values(notes="silently changed"))
    other = site.add_case()
    with hall.begin() as c:
        c.execute(sa.text('UPDATE "case" SET row_version = row_version + 1 WHERE id = :i'), {"i": other.hex})
    with hall.connect() as c:
        problems = find_unrecorded_writes(c)
    hall.dispose()
    forget_sqlite_file(tmp_path / "g.db")
    text = "\n".join(problems)
    assert len(problems) == 3, text
    assert "audit_log" in text and "written without an outbox snapshot" in text
    assert f"case {good} v2: changed without a new snapshot (['notes', 'updated_at'])" in text
    assert f"case {other}: row is at v2 but the outbox's newest snapshot is v1" in text


@pytest.mark.postgres
def test_guard_runs_on_postgres_halls_too(pg_url: str) -> None:
    from db.migrate import upgrade

    eng = make_engine(pg_url)
    upgrade(eng, backup=False)
    with eng.connect() as c:
        assert find_unrecorded_writes(c) == []
    eng.dispose()


def test_guard_tolerates_a_column_added_later_only_at_its_default(tmp_path: Path) -> None:
    """Snapshots taken before migration 0005 have no `origin`; the row's '' is no missed write, another value is."""
    import json
    import uuid

    from db.base import uuid7

    site_id = uuid7()
    hall, matter_id, _ = make_hall(tmp_path / "d.db", "TD", site_id)
    site = SiteHandle("TD", site_id, hall, None, matter_id, uuid.uuid4())  # type: ignore[arg-type]
    site.add_audit()
    with hall.begin() as c:  # as if the snapshot predated the column
        payload = json.loads(
            c.execute(sa.text("SELECT payload FROM sync_outbox WHERE table_name = 'audit_log'")).scalar_one()
        )
        payload.pop("origin")
        c.execute(
            sa.text("UPDATE sync_outbox SET payload = :p WHERE table_name = 'audit_log'"),
            {"p": json.dumps(payload)},
        )
        c.execute(sa.text("UPDATE audit_log SET origin = ''"))
    with hall.connect() as c:
        assert find_unrecorded_writes(c) == []
    with hall.begin() as c:
        c.execute(sa.text("UPDATE audit_log SET origin = 'kiosk@PC9'"))
    with hall.connect() as c:
        problems = find_unrecorded_writes(c)
    hall.dispose()
    forget_sqlite_file(tmp_path / "d.db")
    assert len(problems) == 1 and "['origin']" in problems[0]
