"""The site side of the upload protocol, step by step, with the expected state written out.

Batch forming (`Syncer.next_batch`), the local acknowledgement of each answer the centre can
give (`Syncer.acknowledge`), the seq fence after a "behind" answer and the per-channel loop
(`Syncer.upload_channel`), on a real SQLite hall. The centre's answers are given as the
`ApplyResult`s the centre's `sync_apply_batch` returns (tests/sync/test_upload.py runs the same
paths against a real central PostgreSQL); here each answer is chosen so every branch and
boundary is hit: conflicts, a stale replay of an older batch, "behind" and "gap" watermarks,
a refusal that stops the channel, and a channel that keeps disagreeing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.base import uuid7
from db.engine import make_engine
from db.migrate import upgrade
from db.models import Case, Matter, Site
from db.outbox import save
from db.sync.protocol import SyncError
from db.sync.site import ApplyResult, Batch, Hello, Syncer
from tests.sync.helpers import make_hall

CODE = "PIN1"
NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:9/none"  # never connected: no centre here


class ScriptedCentre(Syncer):
    """A syncer whose centre answers from a script (one ApplyResult per batch sent)."""

    def __init__(self, hall: Engine, answers: list[ApplyResult], **kw: Any) -> None:
        super().__init__(hall, NOWHERE, site_code=CODE, **kw)
        self.answers = answers
        self.sent: list[Batch] = []

    def send(self, batch: Batch) -> ApplyResult:
        self.sent.append(batch)
        return self.answers.pop(0)


@pytest.fixture
def hall(tmp_path: Path) -> Iterator[tuple[Engine, uuid.UUID]]:
    site_id = uuid7()
    engine, matter_id, _ = make_hall(tmp_path / "pins.db", CODE, site_id)
    with Session(engine) as s, s.begin():
        for _ in range(5):  # outbox seqs 1..5 on channel "cases"
            save(s, Case(site_id=site_id, matter_id=matter_id, applicant_name="张三"))
    yield engine, site_id
    engine.dispose()


def syncer(
    hall: tuple[Engine, uuid.UUID], answers: list[ApplyResult] | None = None, **kw: Any
) -> ScriptedCentre:
    s = ScriptedCentre(hall[0], answers or [], **kw)
    s._hello = Hello(hall[1], CODE, 1, 1, "")  # the handshake is the centre's; tested elsewhere
    return s


def state(engine: Engine, channel: str = "cases") -> tuple[int, int | None, str, bool]:
    with engine.connect() as c:
        r = c.execute(
            sa.text(
                "SELECT last_acked_seq, inflight_last_seq, last_error, stopped FROM sync_state WHERE channel = :c"
            ),
            {"c": channel},
        ).one()
    return int(r[0]), r[1], r[2], bool(r[3])


def outbox(engine: Engine) -> list[tuple[int, bool, str | None]]:
    """(seq, acknowledged, batch id) of every outbox row, fence rows included."""
    with engine.connect() as c:
        rows = c.execute(sa.text("SELECT seq, acked_at IS NOT NULL, batch_id FROM sync_outbox ORDER BY seq"))
        return [(int(a), bool(b), d) for a, b, d in rows]


def applied(n: int, conflicts: int = 0) -> ApplyResult:
    return ApplyResult("applied", None, n, conflicts, "")


# --- forming batches -----------------------------------------------------------------------------


def test_batches_are_formed_in_seq_order_and_resent_unchanged(hall: tuple[Engine, uuid.UUID]) -> None:
    engine, _ = hall
    s = syncer(hall, batch_size=2)
    assert s.next_batch("queue") is None  # nothing written on that channel
    b = s.next_batch("cases")
    assert b is not None
    assert (b.channel, b.batch_id, b.prev, b.first, b.last, b.count) == (
        "cases",
        "PIN1:cases:1-2",
        0,
        1,
        2,
        2,
    )
    rows = json.loads(b.rows_json)
    assert [(r["seq"], r["t"], r["v"]) for r in rows] == [(1, "case", 1), (2, "case", 1)]
    with engine.connect() as c:
        ids = [
            str(uuid.UUID(str(x)))
            for x in c.execute(sa.text("SELECT row_id FROM sync_outbox ORDER BY seq")).scalars()
        ]
    assert [r["id"] for r in rows] == ids[:2]
    today = dt.datetime.now(dt.UTC).date().isoformat()  # UUIDv7 keys made just now
    assert {r["d"] for r in rows} == {today}
    assert all(r["p"]["applicant_name"] == "张三" for r in rows)
    assert state(engine) == (0, 2, "", False)
    again = s.next_batch("cases")  # not acknowledged: the same batch again
    assert again == b
    s.acknowledge(b, applied(2))
    b2 = s.next_batch("cases")
    assert b2 is not None and (b2.batch_id, b2.prev, b2.first, b2.last, b2.count) == (
        "PIN1:cases:3-4",
        2,
        3,
        4,
        2,
    )


def test_a_batch_in_flight_keeps_its_rows_when_the_batch_size_changes(hall: tuple[Engine, uuid.UUID]) -> None:
    small = syncer(hall, batch_size=2)
    b = small.next_batch("cases")
    assert b is not None and b.batch_id == "PIN1:cases:1-2"
    big = syncer(hall, batch_size=100)
    again = big.next_batch("cases")
    assert again is not None and again.batch_id == "PIN1:cases:1-2"  # resent unchanged
    big.acknowledge(again, applied(2))
    rest = big.next_batch("cases")
    assert rest is not None and (rest.batch_id, rest.count) == ("PIN1:cases:3-5", 3)


def test_in_flight_mark_is_cleared_when_nothing_is_left(hall: tuple[Engine, uuid.UUID]) -> None:
    engine, _ = hall
    s = syncer(hall, batch_size=5)
    b = s.next_batch("cases")
    assert b is not None and b.last == 5
    with engine.begin() as c:  # the rows got acknowledged by another syncer of this hall
        c.execute(sa.text("UPDATE sync_outbox SET acked_at = '2026-11-27 02:00:00.000000'"))
        c.execute(sa.text("UPDATE sync_state SET last_acked_seq = 5"))
    assert state(engine) == (5, 5, "", False)
    assert s.next_batch("cases") is None
    assert state(engine) == (5, None, "", False)


# --- acknowledging -------------------------------------------------------------------------------


def test_applied_and_duplicate_acknowledge_exactly_the_batch(hall: tuple[Engine, uuid.UUID]) -> None:
    engine, _ = hall
    s = syncer(hall, batch_size=2)
    b1 = s.next_batch("cases")
    assert b1 is not None
    s.acknowledge(b1, applied(2))
    assert outbox(engine) == [
        (1, True, "PIN1:cases:1-2"),
        (2, True, "PIN1:cases:1-2"),
        (3, False, None),
        (4, False, None),
        (5, False, None),
    ]
    assert state(engine) == (2, None, "", False)
    b2 = s.next_batch("cases")
    assert b2 is not None
    s.acknowledge(b2, ApplyResult("duplicate", None, 0, 0, ""))
    assert [r[1] for r in outbox(engine)] == [True, True, True, True, False]
    assert state(engine) == (4, None, "", False)
    with engine.connect() as c:
        assert c.execute(sa.text("SELECT last_success_at IS NOT NULL FROM sync_state")).scalar_one()


def test_conflicts_are_acknowledged_and_reported(hall: tuple[Engine, uuid.UUID]) -> None:
    engine, _ = hall
    s = syncer(hall, batch_size=2)
    b = s.next_batch("cases")
    assert b is not None
    s.acknowledge(b, applied(1, conflicts=1))
    assert state(engine) == (
        2,
        None,
        "the centre refused 1 row(s) of batch PIN1:cases:1-2; they are in its conflict list",
        False,
    )
    b2 = s.next_batch("cases")
    assert b2 is not None
    s.acknowledge(b2, applied(2))
    assert state(engine)[2] == ""  # a clean batch clears the message


def test_a_stale_replay_does_not_forget_the_batch_in_flight(hall: tuple[Engine, uuid.UUID]) -> None:
    engine, _ = hall
    s = syncer(hall, batch_size=2)
    b1 = s.next_batch("cases")
    assert b1 is not None
    s.acknowledge(b1, applied(2))
    b2 = s.next_batch("cases")  # 3-4 in flight
    assert b2 is not None
    s.acknowledge(b1, ApplyResult("duplicate", None, 0, 0, ""))  # an old answer arrives again
    assert state(engine) == (2, 4, "", False)
    assert s.next_batch("cases") == b2
    s.acknowledge(b2, applied(2))
    assert state(engine) == (4, None, "", False)
    s.acknowledge(b1, ApplyResult("duplicate", None, 0, 0, ""))  # never moves last_acked back
    assert state(engine) == (4, None, "", False)


def test_behind_takes_the_centres_watermark_and_fences_the_seqs(hall: tuple[Engine, uuid.UUID]) -> None:
    """The centre has seqs up to 8 from this site (a reinstalled hall): rows 1..5 count as sent,
    a fence row at seq 8 makes the next row seq 9."""
    engine, site_id = hall
    s = syncer(hall, batch_size=2)
    b = s.next_batch("cases")
    assert b is not None
    s.acknowledge(b, ApplyResult("behind", 8, 0, 0, "site is behind the centre"))
    assert state(engine) == (8, None, "re-aligned with the centre: site is behind the centre", False)
    assert outbox(engine) == [
        (1, True, None),
        (2, True, None),
        (3, True, None),
        (4, True, None),
        (5, True, None),
        (8, True, "fence"),
    ]
    assert s._verify_needed
    with engine.connect() as c:
        fence = c.execute(
            sa.text(
                "SELECT channel, table_name, row_version, created_at, acked_at FROM sync_outbox WHERE seq = 8"
            )
        ).one()
    assert tuple(fence[:3]) == ("fence", "", 0)
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}"  # SQLAlchemy's SQLite text format, as every row has
    assert re.fullmatch(stamp, fence[3]) and fence[4] == fence[3]
    with Session(engine) as ses, ses.begin():
        matter_id = ses.scalars(sa.select(Case.matter_id)).first()
        save(ses, Case(site_id=site_id, matter_id=matter_id, applicant_name="李四"))
    nxt = s.next_batch("cases")
    assert nxt is not None and (nxt.batch_id, nxt.prev, nxt.first, nxt.last) == ("PIN1:cases:9-9", 8, 9, 9)


def test_behind_with_a_watermark_inside_the_outbox_needs_no_fence(hall: tuple[Engine, uuid.UUID]) -> None:
    engine, _ = hall
    s = syncer(hall, batch_size=2)
    b = s.next_batch("cases")
    assert b is not None
    s.acknowledge(b, ApplyResult("behind", 3, 0, 0, "behind"))
    assert outbox(engine) == [
        (1, True, None),
        (2, True, None),
        (3, True, None),
        (4, False, None),
        (5, False, None),
    ]
    assert state(engine)[:2] == (3, None)


def test_gap_takes_the_centre_back_to_its_watermark(hall: tuple[Engine, uuid.UUID]) -> None:
    """The centre was restored and lost what came after seq 1: rows 2.. go out again, and no
    fence (the centre is not ahead)."""
    engine, _ = hall
    s = syncer(hall, batch_size=2)
    b1 = s.next_batch("cases")
    assert b1 is not None
    s.acknowledge(b1, applied(2))
    b2 = s.next_batch("cases")
    assert b2 is not None
    s.acknowledge(b2, ApplyResult("gap", 1, 0, 0, "expected prev 1"))
    assert state(engine) == (1, None, "re-aligned with the centre: expected prev 1", False)
    assert outbox(engine) == [
        (1, True, "PIN1:cases:1-2"),
        (2, False, None),
        (3, False, None),
        (4, False, None),
        (5, False, None),
    ]
    assert not s._verify_needed
    again = s.next_batch("cases")
    assert again is not None and (again.batch_id, again.prev) == ("PIN1:cases:2-3", 1)


def test_gap_without_a_watermark_resends_everything(hall: tuple[Engine, uuid.UUID]) -> None:
    engine, _ = hall
    s = syncer(hall, batch_size=2)
    b1 = s.next_batch("cases")
    assert b1 is not None
    s.acknowledge(b1, applied(2))
    s.acknowledge(b1, ApplyResult("gap", None, 0, 0, "centre is empty"))
    assert state(engine)[:2] == (0, None) and [r[1] for r in outbox(engine)] == [False] * 5


def test_a_refused_batch_stops_only_its_channel(hall: tuple[Engine, uuid.UUID]) -> None:
    engine, _ = hall
    s = syncer(hall, batch_size=2)
    b = s.next_batch("cases")
    assert b is not None
    s.acknowledge(b, ApplyResult("error", None, 0, 0, "cannot parse row 2"))
    assert state(engine) == (0, 2, "cannot parse row 2", True)
    assert s.next_batch("cases") is None  # stopped: nothing goes out until a manager resumes it
    s.resume("cases")
    assert state(engine) == (0, None, "", False)
    b = s.next_batch("cases")
    assert b is not None
    s.acknowledge(b, ApplyResult("refused", None, 0, 0, ""))
    assert state(engine)[2:] == ("refused", True)  # no message: the status itself


# --- the channel loop ----------------------------------------------------------------------------


def test_upload_channel_counts_each_answer(hall: tuple[Engine, uuid.UUID]) -> None:
    engine, _ = hall
    s = syncer(
        hall, [applied(1, conflicts=1), ApplyResult("duplicate", None, 0, 0, ""), applied(1)], batch_size=2
    )
    rep = s.upload_channel("cases")
    assert (rep.channel, rep.batches, rep.rows, rep.applied, rep.conflicts, rep.duplicates) == (
        "cases",
        3,
        3,
        2,
        1,
        1,
    )
    assert (rep.stopped, rep.message) == (False, "")
    assert [b.batch_id for b in s.sent] == ["PIN1:cases:1-2", "PIN1:cases:3-4", "PIN1:cases:5-5"]
    assert state(engine)[:2] == (5, None)


def test_upload_channel_limits_and_stops(hall: tuple[Engine, uuid.UUID]) -> None:
    s = syncer(hall, [applied(1), applied(1), applied(1)], batch_size=1)
    assert s.upload_channel("cases", max_batches=2).batches == 2
    assert s.upload_channel("cases", should_stop=lambda: True).batches == 0
    s.answers = [ApplyResult("error", None, 0, 0, "bad row"), applied(1)]
    rep = s.upload_channel("cases")
    assert (rep.batches, rep.rows, rep.stopped, rep.message) == (1, 0, True, "bad row")


def test_upload_channel_gives_up_after_the_fourth_realignment(hall: tuple[Engine, uuid.UUID]) -> None:
    """Three re-alignments in one pass are tolerated; the fourth raises."""
    s2 = syncer(hall, [ApplyResult("gap", 0, 0, 0, "lost again")] * 4, batch_size=1)
    with pytest.raises(SyncError, match=r"^channel cases keeps disagreeing with the centre: lost again$"):
        s2.upload_channel("cases")
    assert s2.answers == []
    s = syncer(hall, [ApplyResult("gap", 0, 0, 0, "lost")] * 3 + [applied(1)] * 5, batch_size=1)
    rep = s.upload_channel("cases")
    assert (rep.batches, rep.rows) == (8, 5)


@pytest.mark.postgres
def test_behind_moves_a_postgresql_halls_seq_past_the_watermark(pg_url: str) -> None:
    """On a PostgreSQL hall the fence is the outbox's sequence: after "behind" at 8 the next row
    is seq 9; a watermark below the highest seq (3 of 5) leaves the sequence alone (next: 6)."""
    engine = make_engine(pg_url)
    try:
        upgrade(engine, backup=False)
        site_id = uuid7()
        with Session(engine) as s, s.begin():
            s.add(Site(id=site_id, code=CODE, name="PG 便民服务中心", kind="township"))
            s.flush()
            matter = Matter(
                code="M-PG", name="测试事项", department="民政局", kind="公共服务", promised_days=5
            )
            s.add(matter)
            s.flush()
            matter_id = matter.id

        def write() -> None:
            with Session(engine) as s, s.begin():
                save(s, Case(site_id=site_id, matter_id=matter_id, applicant_name="张三"))

        for _ in range(5):
            write()
        s = syncer((engine, site_id), batch_size=2)
        b = s.next_batch("cases")
        assert b is not None
        s.acknowledge(b, ApplyResult("behind", 3, 0, 0, "behind"))
        write()
        assert [r[0] for r in outbox(engine)] == [1, 2, 3, 4, 5, 6]
        s.acknowledge(b, ApplyResult("behind", 8, 0, 0, "behind"))
        write()
        assert [r[0] for r in outbox(engine)] == [1, 2, 3, 4, 5, 6, 9]
        assert state(engine)[:2] == (8, None)
    finally:
        engine.dispose()


def test_upload_channel_moves_on_after_duplicates_and_a_behind_answer(hall: tuple[Engine, uuid.UUID]) -> None:
    dup = ApplyResult("duplicate", None, 0, 0, "")
    s = syncer(
        hall,
        [dup, dup, ApplyResult("behind", 2, 0, 0, "behind"), applied(1), applied(1), applied(1)],
        batch_size=1,
    )
    rep = s.upload_channel("cases")
    assert (rep.batches, rep.duplicates, rep.rows, rep.applied, rep.stopped) == (6, 2, 3, 3, False)
    assert [b.batch_id for b in s.sent] == [f"PIN1:cases:{n}-{n}" for n in (1, 2, 3, 3, 4, 5)]


def test_realignments_and_stops_are_logged_by_channel(
    hall: tuple[Engine, uuid.UUID], caplog: pytest.LogCaptureFixture
) -> None:
    s = syncer(hall, batch_size=2)
    b = s.next_batch("cases")
    assert b is not None
    with caplog.at_level("WARNING"):
        s.acknowledge(b, ApplyResult("gap", 0, 0, 0, "expected prev 0"))
        s.acknowledge(b, ApplyResult("error", None, 0, 0, "cannot parse row 2"))
    got = [(r.levelname, r.msg, r.args) for r in caplog.records if r.name.startswith("onewindow")]
    assert got == [
        ("WARNING", "channel %s re-aligned with the centre (%s): %s", ("cases", "gap", "expected prev 0")),
        ("ERROR", "channel %s stopped: %s", ("cases", "cannot parse row 2")),
    ]
