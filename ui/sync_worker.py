"""Qt adapter for the sync loop: runs db.sync.worker.SyncRunner on its own QThread.

The GUI thread never touches the centre: it only receives signals (queued across threads).
Network errors back off inside the runner; `sync_now()` cuts a wait short, `stop()` ends it.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from app.syncing import SiteSync, StepResult
from ui.tasks import LoopThread

if TYPE_CHECKING:
    from app.settings import Settings
    from app.syncing import FieldCipher

log = logging.getLogger("onewindow.sync")


class SyncWorker(LoopThread):
    """Start with `start()`; `stepped` carries each round's StepResult (with its SyncStatus)."""

    stepped = Signal(object)
    problem = Signal(str)  # Chinese, for the manager's screen
    _stepped = Signal(object)  # emitted on the loop's thread; re-emitted as `stepped` on the GUI's

    def __init__(
        self,
        hall_url: str,
        central_url: str,
        *,
        site_code: str | None = None,
        interval_s: float = 30.0,
        max_backoff_s: float = 300.0,
        backoff_base_s: float = 2.0,
        batch_size: int = 500,
        field_cipher: FieldCipher | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__("sync-worker", parent)
        self.field_cipher = field_cipher  # the site's: releases' appointments are stored encrypted
        self.hall_url = hall_url
        self.central_url = central_url
        self.site_code = site_code
        self.interval_s = interval_s
        self.max_backoff_s = max_backoff_s
        self.backoff_base_s = backoff_base_s
        self.batch_size = batch_size
        self.wake = threading.Event()
        self.last: StepResult | None = None
        self._stepped.connect(self._on_step)

    @classmethod
    def from_settings(cls, settings: Settings, parent: QObject | None = None) -> SyncWorker | None:
        """The worker for a site's settings, or None when no central database is configured."""
        if not settings.central_url:
            return None
        from app.keys import optional_cipher

        return cls(
            settings.hall_db_url,
            settings.central_url,
            site_code=settings.site.code,
            interval_s=settings.sync.interval_s,
            max_backoff_s=settings.sync.max_backoff_s,
            batch_size=settings.sync.batch_size,
            field_cipher=optional_cipher(settings),
            parent=parent,
        )

    @Slot(object)
    def _on_step(self, result: StepResult) -> None:
        self.last = result
        self.stepped.emit(result)

    def loop(self, stopping: threading.Event) -> None:
        sync = SiteSync(
            self.hall_url,
            self.central_url,
            site_code=self.site_code,
            interval_s=self.interval_s,
            max_backoff_s=self.max_backoff_s,
            backoff_base_s=self.backoff_base_s,
            batch_size=self.batch_size,
            field_cipher=self.field_cipher,
        )
        try:
            while not stopping.is_set():
                try:
                    result = sync.step(stopping.is_set)
                except Exception as exc:  # a bug must not kill the thread silently
                    log.exception("sync round crashed")
                    self.problem.emit(f"同步出错：{exc}")
                    self.wake.wait(sync.max_backoff_s)
                    self.wake.clear()
                    continue
                self._stepped.emit(result)
                if result.error:
                    self.problem.emit(f"与区中心同步异常：{result.error}")
                self.wake.wait(result.next_delay_s)
                self.wake.clear()
        finally:
            sync.close()

    def is_running(self) -> bool:
        return self.running()

    def sync_now(self) -> None:
        self.wake.set()

    def request_stop(self) -> None:
        super().request_stop()
        self.wake.set()

    def stop(self, timeout_ms: int = 30_000) -> bool:
        """Ends after the batch in progress (bounded by the connect timeout); True if joined."""
        return super().stop(timeout_ms)
