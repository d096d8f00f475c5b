"""The site's sync loop as the app sees it: one hall engine of the loop's own and the runner.

The Qt adapter (ui.sync_worker) calls `step` on its thread and waits `next_delay_s` between
rounds; the manager's panel reads the status through `sync_status`.
"""

from __future__ import annotations

from collections.abc import Callable

from app.context import AppContext
from app.errors import guarded
from db.crypto import FieldCipher as FieldCipher  # re-exported for the Qt adapter
from db.engine import make_engine
from db.sync.status import SyncStatus, read_status
from db.sync.worker import StepResult, SyncRunner


class SiteSync:
    """One round at a time (`step`); `close()` disposes the runner and its hall engine."""

    def __init__(
        self,
        hall_url: str,
        central_url: str,
        *,
        site_code: str | None,
        interval_s: float,
        max_backoff_s: float,
        backoff_base_s: float,
        batch_size: int,
        field_cipher: FieldCipher | None = None,
    ) -> None:
        self._hall = make_engine(hall_url)  # the loop thread's own engine and sessions
        self._runner = SyncRunner(
            self._hall,
            central_url,
            site_code=site_code,
            interval_s=interval_s,
            max_backoff_s=max_backoff_s,
            backoff_base_s=backoff_base_s,
            batch_size=batch_size,
            field_cipher=field_cipher,  # releases' appointments are stored encrypted
        )

    @property
    def max_backoff_s(self) -> float:
        return float(self._runner.max_backoff_s)

    def step(self, should_stop: Callable[[], bool]) -> StepResult:
        return self._runner.step(should_stop)

    def close(self) -> None:
        try:
            self._runner.close()
        finally:
            self._hall.dispose()


@guarded("读取同步状态")
def sync_status(ctx: AppContext) -> SyncStatus:
    return read_status(ctx.engine)


__all__ = ["SiteSync", "StepResult", "SyncStatus", "sync_status"]
