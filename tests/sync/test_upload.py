"""Upload: batches, effectively-once apply, conflicts and stopped channels, on real servers."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from db.sync.site import ApplyResult, Batch, SyncHooks
from db.sync.status import read_status
from tests.sync.helpers import (
    SiteHandle,
    admin,
    assert_converged,
    central_rows,
    make_hall,
    site_rows,
    unacked,
)

pytestmark = pytest.mark.postgres

MakeSite = Callable[[str], SiteHandle]


def _write_some(site: SiteHandle, n: int = 5) -> None:
    for i in range(n):
        cid = site.add_case()
        if i % 2:
            site.update_case(cid)
        site.add_ticket()
        site.add_evaluation(grade=1 + i % 5)
        site.add_audit()


def test_first_sync_moves_every_channel_and_second_is_a_no_op(central_url: str, make_site: MakeSite) -> None:
    site = make_site("TS01")
    _write_some(site)
    syncer = site.syncer()
    report = syncer.sync_once()
    assert {ch: r.rows for ch, r in report.channels.items()} == {"cases": 7, "queue": 10, "evaluations": 5, "stats": 5}
    assert_converged(central_url, site)
    with admin(central_url) as c:
        ids = c.execute(sa.text("SELECT batch_id FROM sync_batch ORDER BY first_seq")).scalars().all()
    assert ids[0].startswith("TS01:") and all(i.count(":") == 2 for i in ids)
    again = syncer.sync_once()
    assert again.rows == 0
    status = read_status(site.hall)
    assert status.backlog == 0 and status.stopped == () and status.last_success_at is not None


def test_duplicated_and_reordered_batches_apply_once(central_url: str, make_site: MakeSite) -> None:
    site = make_site("TS02")
    _write_some(site, 6)
    syncer = site.syncer(batch_size=3)
    syncer.hello()
    sent: list[Batch] = []
    for ch in ("cases", "queue"):
        b = syncer.next_batch(ch)
        assert b is not None
        result = syncer.send(b)
        syncer.acknowledge(b, result)
        sent.append(b)
        b2 = syncer.next_batch(ch)
        assert b2 is not None
        sent.append(b2)  # formed but not sent yet
    replay = sent * 3
    random.Random(7).shuffle(replay)
    statuses = set()
    for b in replay:
        r = syncer.send(b)
        statuses.add(r.status)
        syncer.acknowledge(b, r)
    assert statuses <= {"applied", "duplicate", "gap", "behind"}
    syncer.sync_once()
    assert_converged(central_url, site)


def test_lost_acknowledgement_is_resent_and_acknowledged_as_duplicate(central_url: str, make_site: MakeSite) -> None:
    site = make_site("TS03")
    _write_some(site, 3)

    class LostAck(Exception):
        pass

    def lose(batch: Batch, result: ApplyResult) -> None:
        assert result.status == "applied"
        raise LostAck

    faulty = site.syncer(SyncHooks(after_central_commit=lose))
    with pytest.raises(LostAck):
        faulty.sync_once()
    assert unacked(site) > 0  # centre committed, site did not hear it
    before = central_rows(central_url, site.site_id)
    assert before
    report = site.syncer().sync_once()
    assert report.channels["cases"].duplicates == 1
    assert_converged(central_url, site)


def test_centre_connection_killed_mid_batch(central_url: str, make_site: MakeSite) -> None:
    site = make_site("TS04")
    _write_some(site, 4)
    admin = sa.create_engine(central_url)
    killed: list[int] = []

    def kill(batch: Batch) -> None:
        if killed:
            return
        with admin.connect() as c:
            n = c.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE usename = :r AND pid <> pg_backend_pid()"
                ),
                {"r": site.account.role},
            ).scalar_one()
        killed.append(n)

    syncer = site.syncer(SyncHooks(before_central_commit=kill))
    with pytest.raises(sa.exc.DBAPIError):
        syncer.sync_once()
    assert killed == [1]
    assert central_rows(central_url, site.site_id) == {}  # the batch died with its transaction
    syncer.sync_once()  # same syncer: the pool notices the dead connection
    assert_converged(central_url, site)
    admin.dispose()


def test_centre_restart_between_and_during_syncs(central_url: str, make_site: MakeSite) -> None:
    site = make_site("TS05")
    syncer = site.syncer(batch_size=2)
    admin = sa.create_engine(central_url, isolation_level="AUTOCOMMIT")

    def restart() -> None:
        with admin.connect() as c:
            c.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )

    for _ in range(3):
        _write_some(site, 2)
        syncer.sync_once()
        restart()
    _write_some(site, 2)
    hooks = SyncHooks(before_central_commit=lambda b: restart())
    with pytest.raises(sa.exc.DBAPIError):
        site.syncer(hooks).sync_once()
    syncer.sync_once()
    assert_converged(central_url, site)
    admin.dispose()


def test_rejected_row_is_a_conflict_and_the_channel_moves_on(central_url: str, make_site: MakeSite) -> None:
    a, b = make_site("TSA"), make_site("TSB")
    with b.hall.begin() as c:  # b's hall knows site a (e.g. a wrongly copied database)
        c.execute(sa.text("INSERT INTO site (id, code, name, kind, office_name, address, phone, timezone) "
                          "VALUES (:i, 'TSA', 'a', 'township', '', '', '', 'Asia/Shanghai')"), {"i": a.site_id.hex})
    stray = SiteHandle("TSB", a.site_id, b.hall, b.account, b.matter_id, b.category_id)
    stray.add_case()  # claims to be a's row
    good = b.add_case()
    rep = b.syncer().sync_once()
    assert rep.channels["cases"].conflicts == 1
    rows = central_rows(central_url, b.site_id)
    assert ("case", str(good)) in rows and len(rows) == 1
    assert central_rows(central_url, a.site_id) == {}
    status = read_status(b.hall)
    assert "refused 1 row" in dict((c.channel, c.last_error) for c in status.channels)["cases"]
    assert unacked(b) == 0
    with admin(central_url) as c:
        reason = c.execute(sa.text("SELECT reason FROM sync_conflict")).scalar_one()
    assert reason == "row belongs to another site"


def test_unparsable_batch_stops_only_its_channel(central_url: str, make_site: MakeSite) -> None:
    site = make_site("TS06")
    _write_some(site, 2)
    with site.hall.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO sync_outbox (site_id, channel, table_name, row_id, row_version, payload, created_at) "
                "VALUES (:s, 'evaluations', 'evaluation', :r, 1, :p, '2026-11-27 08:00:00')"
            ),
            {"s": site.site_id.hex, "r": uuid.uuid4().hex, "p": '{"site_id": "not-a-uuid", "row_version": 1}'},
        )
    site.add_evaluation()
    syncer = site.syncer(batch_size=100)
    rep = syncer.sync_once()
    assert rep.channels["evaluations"].stopped
    assert "cannot parse" in rep.channels["evaluations"].message
    status = read_status(site.hall)
    assert status.stopped == ("evaluations",)
    assert "not-a-uuid" in status.errors["evaluations"]
    by_channel = {c.channel: c.backlog for c in status.channels}
    assert by_channel == {"cases": 0, "queue": 0, "evaluations": 4, "stats": 0}
    assert syncer.sync_once().channels["evaluations"].batches == 0  # stays stopped
    # A manager removes the bad snapshot and resumes the channel.
    with site.hall.begin() as c:
        c.execute(sa.text("DELETE FROM sync_outbox WHERE payload LIKE '%not-a-uuid%'"))
    syncer.resume("evaluations")
    syncer.sync_once()
    assert_converged(central_url, site)


def test_centre_that_lost_batches_gets_them_again(central_url: str, make_site: MakeSite) -> None:
    site = make_site("TS07")
    _write_some(site, 4)
    syncer = site.syncer(batch_size=3)
    syncer.sync_once()
    with admin(central_url) as c:  # the centre is restored from an older backup
        c.execute(sa.text("DELETE FROM synced_row WHERE channel = 'cases' AND batch_id NOT LIKE '%:cases:1-%'"))
        c.execute(sa.text("DELETE FROM sync_batch WHERE channel = 'cases' AND first_seq > 1"))
        c.execute(
            sa.text("UPDATE sync_watermark SET last_seq = (SELECT last_seq FROM sync_batch WHERE channel = 'cases') "
                    "WHERE channel = 'cases'")
        )
    _write_some(site, 1)
    syncer.sync_once()
    assert_converged(central_url, site)
    assert site_rows(site) == central_rows(central_url, site.site_id)


def test_reinstalled_hall_reusing_old_seqs_loses_nothing(
    central_url: str, make_site: MakeSite, tmp_path: Path
) -> None:
    site = make_site("TS08")
    _write_some(site, 4)
    site.syncer().sync_once()
    # The PC is reinstalled: a fresh hall database (seqs start at 1 again), same site account.
    site.hall.dispose()
    fresh, matter_id, category_id = make_hall(tmp_path / "TS08-new.db", "TS08", site.site_id)
    new = SiteHandle("TS08", site.site_id, fresh, site.account, matter_id, category_id)
    _write_some(new, 2)
    new.syncer().sync_once()  # the centre answers "behind": fence the seqs, verify, re-queue
    old_rows = central_rows(central_url, site.site_id)
    for key, version in site_rows(new).items():
        assert old_rows.get(key) == version, key  # every new row reached the centre
    assert unacked(new) == 0
    new.add_case()  # and the channel keeps moving afterwards
    new.syncer().sync_once()
    assert set(site_rows(new)) <= set(central_rows(central_url, site.site_id))
    new.close()


def test_two_syncers_of_one_site_racing_apply_everything_once(central_url: str, make_site: MakeSite) -> None:
    import threading

    site = make_site("TS09")
    errors: list[BaseException] = []

    def loop(n: int) -> None:
        syncer = site.syncer(batch_size=3)
        try:
            for _ in range(n):
                syncer.sync_once()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=loop, args=(6,)) for _ in range(2)]
    for t in threads:
        t.start()
    for _ in range(6):
        _write_some(site, 1)
    for t in threads:
        t.join()
    assert errors == []
    site.syncer().sync_once()
    assert_converged(central_url, site)
    with admin(central_url) as c:  # every row applied by exactly one batch
        dup = c.execute(
            sa.text("SELECT count(*) FROM sync_batch b1 JOIN sync_batch b2 ON b1.site_id = b2.site_id "
                    "AND b1.channel = b2.channel AND b1.batch_id < b2.batch_id "
                    "AND b1.first_seq <= b2.last_seq AND b2.first_seq <= b1.last_seq")
        ).scalar_one()
    assert dup == 0
