"""The sync loop with back-off, without Qt: ui/sync_worker.py drives it on its own QThread,
`main.py sync` drives it in the foreground."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.crypto import FieldCipher
from db.sync.protocol import IncompatibleCentre, SyncError
from db.sync.site import Syncer, SyncReport
from db.sync.status import SyncStatus, read_status
from db.sync.tls import hide_password

log = logging.getLogger("onewindow.sync")

NETWORK_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError)


@dataclass(frozen=True)
class StepResult:
    ok: bool
    report: SyncReport | None
    status: SyncStatus
    error: str  # one line for the manager; "" after a clean round
    next_delay_s: float  # when the next round should run
    network_failures: int  # consecutive rounds the centre could not be reached


class SyncRunner:
    """One round at a time; the caller decides how to wait for `next_delay_s`."""

    def __init__(
        self,
        hall: Engine,
        central_url: str,
        *,
        site_code: str | None = None,
        interval_s: float = 30.0,
        max_backoff_s: float = 300.0,
        backoff_base_s: float = 2.0,
        batch_size: int = 500,
        make_syncer: Callable[[], Syncer] | None = None,
        field_cipher: FieldCipher | None = None,
    ) -> None:
        self.hall = hall
        self.interval_s = interval_s
        self.max_backoff_s = max_backoff_s
        self.backoff_base_s = backoff_base_s
        self.failures = 0
        self._make = make_syncer or (
            lambda: Syncer(
                hall,
                central_url,
                site_code=site_code,
                batch_size=batch_size,
                connect_timeout=10,
                field_cipher=field_cipher,
            )
        )
        self._syncer: Syncer | None = None

    @property
    def syncer(self) -> Syncer:
        if self._syncer is None:
            self._syncer = self._make()
        return self._syncer

    def backoff(self) -> float:
        return float(min(self.max_backoff_s, self.backoff_base_s * 2 ** max(0, self.failures - 1)))

    def step(self, should_stop: Callable[[], bool] | None = None) -> StepResult:
        report: SyncReport | None = None
        error = ""
        try:
            report = self.syncer.sync_once(should_stop)
            self.failures = 0
            delay = self.interval_s
            problems = [f"{c.channel}: {c.message}" for c in report.channels.values() if c.message]
            error = "; ".join(problems)
        except IncompatibleCentre as exc:
            # Not a blip: retrying fast will not help, so wait the longest back-off.
            error = str(exc)
            delay = self.max_backoff_s
            self.syncer.record_network_error(error)
        except NETWORK_ERRORS as exc:
            self.failures += 1
            first = hide_password(str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc))
            if "certificate" in first:
                # Not the network: the centre's certificate does not match the CA or the name.
                error = f"the centre's TLS certificate was refused (check sslrootcert, the enrolment's CA): {first}"
            else:
                error = f"centre unreachable: {first}"
            delay = self.backoff()
            log.warning("%s (attempt %s, next in %.1fs)", error, self.failures, delay)
            self.syncer.record_network_error(error)
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
            error = f"the central database URL is not usable: {hide_password(str(exc))}"
            delay = self.max_backoff_s
        except (SyncError, sa.exc.DBAPIError) as exc:
            self.failures += 1
            error = hide_password(str(exc).splitlines()[0])
            delay = self.backoff()
            log.error("sync round failed: %s", error)
        return StepResult(not error, report, read_status(self.hall), error, delay, self.failures)

    def run_forever(self, sleep: Callable[[float], None] = time.sleep) -> None:
        while True:
            result = self.step()
            sleep(result.next_delay_s)

    def close(self) -> None:
        if self._syncer is not None:
            self._syncer.close()
            self._syncer = None
