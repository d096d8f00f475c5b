"""Does SMS delivery slow the queue? Ticket-issue latency on a SQLite hall while a reminder
worker delivers through a slow gateway (the local emulator, 50 ms per answer, every 4th request
timing out), against the same operations with no worker. Issues are paced 20 ms apart (a busy hall,
not a tight loop). Prints medians, p95, the gateway requests made meanwhile and the ratio.

    uv run python bench/reminders/bench_reminders.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from app.reminders import outbox
from app.reminders.senders import HttpGatewaySender
from db.base import utcnow
from db.vocab import SmsKind
from tests.reminders.conftest import SECRET, http_settings, make_sms_hall
from tests.reminders.gateway import TIMEOUT_AFTER, running_gateway

OPS = 200
PACE_S = 0.02
WARM_UP = 30
MESSAGES = 300


def queue_ops(hall: object, n: int) -> list[float]:
    queue = hall.queue()  # type: ignore[attr-defined]
    for _ in range(WARM_UP):
        queue.issue("general")
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        queue.issue("general")  # a write transaction: what SMS writes could hold up on SQLite
        times.append((time.perf_counter() - t0) * 1000)
        time.sleep(PACE_S)  # a busy hall, not a tight loop: leaves the worker its turns
    return times


def summary(name: str, ms: list[float]) -> float:
    med = statistics.median(ms)
    p95 = sorted(ms)[int(len(ms) * 0.95)]
    print(f"{name:<38} median {med:6.2f} ms   p95 {p95:6.2f} ms")
    return med


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        idle = make_sms_hall(f"sqlite:///{Path(tmp) / 'idle.db'}")
        base = summary("issue, no SMS worker", queue_ops(idle, OPS))
        idle.engine.dispose()

        busy = make_sms_hall(f"sqlite:///{Path(tmp) / 'busy.db'}")
        busy.clock = utcnow  # type: ignore[assignment]
        with busy.sf.begin() as s:
            for i in range(MESSAGES):
                outbox.enqueue(s, busy.site_id, SmsKind.TURN_REMINDER, f"b:{i}", f"139{i:08d}", "提醒", now=utcnow())
        with running_gateway(SECRET, latency_s=0.05) as gw:
            gw.then(*([TIMEOUT_AFTER, "ok", "ok", "ok"] * (MESSAGES // 4)))
            settings = http_settings(gw, timeout_s=0.2, backoff_base_s=1.0, batch_size=10)
            service = busy.reminders(HttpGatewaySender(gw.url, gw.account, SECRET, timeout_s=0.2), settings)
            stop = threading.Event()

            def work() -> None:
                while not stop.is_set():
                    service.deliver_pending()

            worker = threading.Thread(target=work, daemon=True)
            worker.start()
            loaded = summary("issue, SMS worker delivering", queue_ops(busy, OPS))
            meanwhile = len(gw.requests)
            stop.set()
            worker.join(timeout=120)
            print(f"gateway requests during the issues: {meanwhile} ({MESSAGES} queued)")
        busy.engine.dispose()
        print(f"ratio (with worker / without): {loaded / base:.2f}")


if __name__ == "__main__":
    main()
