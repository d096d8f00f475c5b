"""Qt adapter for the SMS reminder loop: runs app.reminders' ReminderService on its own QThread.

Every `interval_s` (a minute) it schedules what is due (tomorrow's appointments, tickets nearing
the front) and delivers due messages; the gateway's timeouts and back-off happen here, never on the
GUI thread and never inside a queue transaction. `run_now()` cuts a wait short, `stop()` ends it.
Wiring it into the hall's start-up is the caller's: `RemindersWorker(service).start()`.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from ui.tasks import LoopThread

if TYPE_CHECKING:
    from app.reminders.service import ReminderService

log = logging.getLogger("onewindow.sms")


class RemindersWorker(LoopThread):
    """`ticked` carries each round's (ScheduleReport, DeliveryReport); `problem` a failure's text."""

    ticked = Signal(object)
    problem = Signal(str)

    def __init__(
        self, service: ReminderService, *, interval_s: float = 60.0, parent: QObject | None = None
    ) -> None:
        super().__init__("sms-reminders", parent)
        self.service = service
        self.interval_s = interval_s
        self.wake = threading.Event()

    def loop(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                self.ticked.emit(self.service.run_once())
            except Exception as exc:  # a storage failure or a bug must not end the loop
                log.exception("SMS reminder round failed")
                self.problem.emit(str(exc))
            self.wake.wait(self.interval_s)
            self.wake.clear()

    def run_now(self) -> None:
        self.wake.set()

    def request_stop(self) -> None:
        super().request_stop()
        self.wake.set()
