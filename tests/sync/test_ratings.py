"""Ratings and sync: migration 0008 merges a visit's duplicate ratings (stored once per case
before it) through the outbox, the centre receives the merge, and counting visits gives the same
figures on both sides; a new visit's rating reaches the centre with every case and its reason."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.orm import Session

from app import evaluations
from db import outbox
from db.base import UTCDateTime, uuid7
from db.engine import make_session_factory
from db.migrate import alembic_config, current_revision, head_revision, sqlite_foreign_keys_off, upgrade
from db.models import Evaluation
from db.sync.guard import find_unrecorded_writes
from tests.sync.helpers import SiteHandle, admin, assert_converged

pytestmark = pytest.mark.postgres

MakeSite = Callable[[str], SiteHandle]

_OLD = sa.table(  # evaluation as revision 0007 stored it
    "evaluation",
    sa.column("id", sa.Uuid()),
    sa.column("site_id", sa.Uuid()),
    sa.column("row_version", sa.Integer()),
    sa.column("updated_at", UTCDateTime()),
    sa.column("ticket_id", sa.Uuid()),
    sa.column("case_id", sa.Uuid()),
    sa.column("window_id", sa.Uuid()),
    sa.column("staff_id", sa.Uuid()),
    sa.column("at", UTCDateTime()),
    sa.column("grade", sa.Integer()),
    sa.column("dimensions", sa.JSON()),
    sa.column("comment", sa.Text()),
    sa.column("follow_up", sa.String()),
)


def _old_rating(
    s: Session, site: SiteHandle, ticket: uuid.UUID, case: uuid.UUID, grade: int, at: dt.datetime
) -> uuid.UUID:
    """One row as the evaluator before 0008 wrote it (per case), with its outbox snapshot."""
    row: dict[str, Any] = {
        "id": uuid7(),
        "site_id": site.site_id,
        "row_version": 1,
        "updated_at": at,
        "ticket_id": ticket,
        "case_id": case,
        "window_id": None,
        "staff_id": None,
        "at": at,
        "grade": grade,
        "dimensions": {},
        "comment": "",
        "follow_up": "open" if grade <= 2 else "",
    }
    s.execute(sa.insert(_OLD).values(**row))
    outbox.record(s, "evaluation", row)
    return uuid.UUID(str(row["id"]))


def _central_payloads(central_url: str, site_id: uuid.UUID) -> list[dict[str, Any]]:
    with admin(central_url) as c:
        return list(
            c.execute(
                sa.text("SELECT payload FROM synced_row WHERE site_id = :s AND table_name = 'evaluation'"),
                {"s": site_id},
            ).scalars()
        )


def test_duplicates_merge_through_the_outbox_and_the_centre_counts_visits(
    central_url: str, make_site: MakeSite
) -> None:
    site = make_site("TR01")
    url = str(site.hall.url)
    # The hall as the previous version left it: at 0007, a visit with two cases rated twice. (The
    # tickets and cases are written first: the models carry columns added after 0007.)
    two_cases = site.add_ticket()
    c1, c2, c3 = site.add_case(), site.add_case(), site.add_case()
    one_case = site.add_ticket()
    with site.hall.connect() as conn, sqlite_foreign_keys_off(conn), conn.begin():
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007")  # later revisions rebuild tables: keys off, as db.migrate does
    assert current_revision(site.hall) == "0007"
    at = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)
    with make_session_factory(site.hall).begin() as s:
        first = _old_rating(s, site, two_cases, c1, 1, at)
        second = _old_rating(s, site, two_cases, c2, 1, at)
        single = _old_rating(s, site, one_case, c3, 5, at + dt.timedelta(minutes=5))
    site.syncer().sync_once()
    assert len(_central_payloads(central_url, site.site_id)) == 3  # the centre holds the duplicates too

    upgrade(site.hall, backup=False)
    assert current_revision(site.hall) == head_revision()
    with site.hall.connect() as conn:
        assert find_unrecorded_writes(conn) == []  # every changed row has its snapshot
    with make_session_factory(site.hall)() as s:
        keep, dup, one = (s.get_one(Evaluation, i) for i in (first, second, single))
        assert (keep.case_ids, keep.merged_into, keep.follow_up, keep.row_version) == (
            [str(c1), str(c2)],
            None,
            "open",
            2,
        )
        assert (dup.merged_into, dup.row_version) == (first, 2)
        assert (one.case_ids, one.merged_into, one.row_version) == ([], None, 1)  # untouched
        assert evaluations.linked_cases(one) == (c3,)
        visits = s.scalars(sa.select(Evaluation.grade).where(evaluations.counted())).all()
        assert sorted(visits) == [1, 5]  # one bad and one good visit: 50 %, one follow-up
        assert [e.id for e in evaluations.open_follow_ups(s, site.site_id)] == [first]

    # The merge reaches the centre, where counting visits gives the same figures.
    site.syncer().sync_once()
    assert_converged(central_url, site)
    central = {p["id"]: p for p in _central_payloads(central_url, site.site_id)}
    assert central[str(second)]["merged_into"] == str(first)
    assert central[str(first)]["case_ids"] == [str(c1), str(c2)]
    counted = [p["grade"] for p in central.values() if not p.get("merged_into")]
    assert sorted(counted) == [1, 5]


def test_a_visit_rating_reaches_the_centre_with_its_cases_and_reason(
    central_url: str, make_site: MakeSite
) -> None:
    site = make_site("TR02")
    ticket = site.add_ticket()
    c1, c2 = site.add_case(), site.add_case()
    sessions = make_session_factory(site.hall)
    info = evaluations.submit_rating(
        sessions,
        site_id=site.site_id,
        grade=2,
        dimensions={"attitude": 2},
        comment="解释不清",
        reason="policy",
        ticket_id=ticket,
        case_ids=(c1, c2),
        window_id=None,
        staff_id=None,
    )
    with pytest.raises(evaluations.EvaluationError, match="已经评价"):  # one rating per visit
        evaluations.submit_rating(
            sessions,
            site_id=site.site_id,
            grade=5,
            dimensions={},
            comment="",
            ticket_id=ticket,
            case_ids=(c1,),
            window_id=None,
            staff_id=None,
        )
    site.syncer().sync_once()
    assert_converged(central_url, site)
    (payload,) = _central_payloads(central_url, site.site_id)
    assert payload["id"] == str(info.id)
    assert (payload["grade"], payload["reason"], payload["case_ids"], payload["merged_into"]) == (
        2,
        "policy",
        [str(c1), str(c2)],
        None,
    )
