"""Random writes, syncs and faults over several sites; afterwards the centre equals every site.

Faults: the acknowledgement lost after the centre committed, the centre connection killed
before its commit, the centre "restarted" (every connection terminated), old batches replayed
out of order, the centre restored from a backup that lacks a site's newest batch. After a final clean sync the centre must hold exactly each site's
(id, row_version) and no outbox row may be lost or left unacknowledged.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from db.base import uuid7
from db.sync.central import add_site, drop_site_role
from db.sync.site import ApplyResult, Batch, Syncer, SyncHooks
from tests.sync.helpers import SiteHandle, assert_converged, make_hall

pytestmark = pytest.mark.postgres


class Fault(Exception):
    pass


def test_random_writes_syncs_and_faults_converge(central_url: str, tmp_path: Path) -> None:
    template_dir = tmp_path / "template"
    template_dir.mkdir()
    roles: list[str] = []
    counter = iter(range(10_000))
    admin = sa.create_engine(central_url, isolation_level="AUTOCOMMIT")

    def terminate(role: str | None = None) -> None:
        with admin.connect() as c:
            c.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND (CAST(:r AS text) IS NULL OR usename = :r)"
                ),
                {"r": role},
            )

    class Sites(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.dir = Path(tempfile.mkdtemp(dir=tmp_path))
            self.sites: list[SiteHandle] = []
            self.cases: dict[int, list[uuid.UUID]] = {}
            self.writes: dict[int, int] = {}
            self.formed: dict[int, list[Batch]] = {}

        @initialize(n=st.integers(min_value=2, max_value=3))
        def make_sites(self, n: int) -> None:
            for i in range(n):
                code = f"H{next(counter)}"
                site_id = uuid7()
                hall, matter_id, category_id = make_hall(self.dir / f"{code}.db", code, site_id)
                account = add_site(central_url, code, site_id=site_id)
                roles.append(account.role)
                self.sites.append(SiteHandle(code, site_id, hall, account, matter_id, category_id))
                self.cases[i], self.writes[i], self.formed[i] = [], 0, []

        def _site(self, i: int) -> tuple[int, SiteHandle]:
            i %= len(self.sites)
            return i, self.sites[i]

        @rule(i=st.integers(0, 2), kind=st.sampled_from(["case", "update", "ticket", "evaluation", "audit"]))
        def write(self, i: int, kind: str) -> None:
            i, site = self._site(i)
            if kind == "update" and self.cases[i]:
                site.update_case(self.cases[i][-1])
            elif kind in ("case", "update"):
                self.cases[i].append(site.add_case())
            elif kind == "ticket":
                site.add_ticket()
                self.writes[i] += 1  # and its hall event
            elif kind == "evaluation":
                site.add_evaluation()
            else:
                site.add_audit()
            self.writes[i] += 1

        @rule(
            i=st.integers(0, 2),
            fault=st.sampled_from(["none", "lose_ack", "kill_before_commit", "restart_after_commit"]),
            size=st.integers(1, 4),
        )
        def sync(self, i: int, fault: str, size: int) -> None:
            i, site = self._site(i)
            fired: list[bool] = []

            def keep(batch: Batch) -> None:
                self.formed[i].append(batch)

            def before(batch: Batch) -> None:
                keep(batch)
                if fault == "kill_before_commit" and not fired:
                    fired.append(True)
                    terminate(site.account.role)

            def after(batch: Batch, result: ApplyResult) -> None:
                if fired:
                    return
                if fault == "lose_ack":
                    fired.append(True)
                    raise Fault
                if fault == "restart_after_commit":
                    fired.append(True)
                    terminate()

            syncer = site.syncer(SyncHooks(before_central_commit=before, after_central_commit=after), batch_size=size)
            try:
                syncer.sync_once()
            except (Fault, sa.exc.DBAPIError):
                pass
            finally:
                syncer.close()

        @precondition(lambda self: any(self.formed.values()))
        @rule(i=st.integers(0, 2), pick=st.integers(0, 1000))
        def replay_old_batch(self, i: int, pick: int) -> None:
            i, site = self._site(i)
            if not self.formed[i]:
                return
            batch = self.formed[i][pick % len(self.formed[i])]
            syncer = site.syncer()
            try:
                syncer.hello()
                syncer.acknowledge(batch, syncer.send(batch))
            finally:
                syncer.close()

        @rule()
        def restart_centre(self) -> None:
            terminate()

        @rule(i=st.integers(0, 2), channel=st.sampled_from(["cases", "queue"]))
        def centre_loses_its_last_batch(self, i: int, channel: str) -> None:
            """The centre is restored from a backup taken just before a site's newest batch.

            The site then writes in that channel: its next batch must reveal the gap (a centre
            that lost data while a site stays idle is what `sync verify` is for).
            """
            i, site = self._site(i)
            kind = "case" if channel == "cases" else "ticket"
            self.write(i, kind)
            self.sync(i, "none", 4)
            with admin.connect() as c, c.begin():
                last = c.execute(
                    sa.text(
                        "SELECT batch_id, prev_seq FROM sync_batch WHERE site_id = :s AND channel = :c "
                        "ORDER BY last_seq DESC LIMIT 1"
                    ),
                    {"s": site.site_id, "c": channel},
                ).first()
                if last is None:
                    return
                c.execute(sa.text("DELETE FROM synced_row WHERE batch_id = :b"), {"b": last.batch_id})
                c.execute(sa.text("DELETE FROM sync_batch WHERE batch_id = :b"), {"b": last.batch_id})
                c.execute(
                    sa.text("UPDATE sync_watermark SET last_seq = :p WHERE site_id = :s AND channel = :c"),
                    {"p": last.prev_seq, "s": site.site_id, "c": channel},
                )
            self.write(i, kind)

        def teardown(self) -> None:
            try:
                for i, site in enumerate(self.sites):
                    final = Syncer(site.hall, site.account.url, site_code=site.code, batch_size=5)
                    final.sync_once()
                    final.close()
                    with site.hall.connect() as c:
                        outbox = c.execute(sa.text("SELECT count(*) FROM sync_outbox")).scalar_one()
                    assert outbox == self.writes[i]  # one snapshot per write, none lost
                assert_converged(central_url, *self.sites)
            finally:
                for site in self.sites:
                    site.close()
                shutil.rmtree(self.dir, ignore_errors=True)

    def run(machine: Any) -> None:
        from hypothesis.stateful import run_state_machine_as_test

        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=8,
                stateful_step_count=14,
                # No shrinking: a failure is reported with its steps at once instead of minutes later.
                phases=[Phase.explicit, Phase.generate],
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )

    try:
        run(Sites)
    finally:
        admin.dispose()
        for role in roles:
            drop_site_role(central_url, role)
