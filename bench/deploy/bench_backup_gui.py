"""The counter's longest GUI stall while the daily backup of a 1,000,000-ticket hall runs in the same
process, against the same stretch of time with no backup.

    uv run python bench/deploy/bench_backup_gui.py [--tickets 1000000] [--issue-ms 200]

A SQLite hall with --tickets finished tickets; the real counter window (CounterWindow, logged in at
window 1, its event pump following the hall) on the offscreen platform; another "PC" (its own
engine, on a thread) issues a ticket every --issue-ms, so the counter's queue keeps refreshing.
An event-loop lag probe (a 5 ms precise QTimer recording how late each tick comes, as in
bench/ui/bench_responsiveness.py) runs throughout. First the backup runs on a background thread
exactly as the hall's start-up runs it (`app.backup.start_daily_backup`: copy, integrity check,
verification, rename); then the same length of time passes with no backup. Printed: the probe's
p50, p99 and max lateness in both phases, and their ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "queue"))
sys.path.insert(0, str(ROOT / "bench" / "ui"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import bench_queue  # noqa: E402
from bench_responsiveness import LagProbe  # noqa: E402

from app import backup  # noqa: E402
from app.settings import BackupSettings, Settings, SiteSettings, with_db_url  # noqa: E402

PASSWORD = "bench-Passw0rd-1"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))] if xs else 0.0


def wait_until(cond: Callable[[], bool], timeout_s: float = 600.0) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.002)


class OtherPc(threading.Thread):
    """A kiosk on another PC: issues a ticket every `interval` s through its own engine."""

    def __init__(self, url: str, site_code: str, category: str, interval: float) -> None:
        super().__init__(daemon=True)
        self.url, self.site_code, self.category, self.interval = url, site_code, category, interval
        self.stop_flag = threading.Event()
        self.issued = 0

    def run(self) -> None:
        from app.context import AppContext
        from app.queue.service import QueueService
        from db.engine import make_engine, make_session_factory

        engine = make_engine(self.url)
        sf = make_session_factory(engine)
        from db.models import Site

        with sf() as s:
            import sqlalchemy as sa

            site = s.scalars(sa.select(Site).where(Site.code == self.site_code)).one()
        ctx = AppContext(Settings(), engine, sf, site.id, site.name)
        ctx._queue = QueueService(sf, site.id)
        while not self.stop_flag.wait(self.interval):
            ctx.queue().issue(self.category)
            self.issued += 1
        engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--issue-ms", type=float, default=200.0)
    args = ap.parse_args()

    import sqlalchemy as sa
    from PySide6.QtWidgets import QApplication

    from app.auth import hash_password
    from app.context import AppContext
    from app.counter import accounts
    from app.queue.service import QueueService
    from db.engine import make_session_factory
    from db.models import Site, Staff
    from ui.bus import HallBus
    from ui.counter.window import CounterWindow
    from ui.event_pump import EventPump

    app = QApplication.instance() or QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hall.db"
        url = f"sqlite:///{path}"
        engine, sf, seeded = bench_queue.make_db(url)
        engine.dispose()
        t0 = time.perf_counter()
        bench_queue.load_history_sqlite(path, seeded, args.tickets)
        print(
            f"hall with {args.tickets:,} tickets: {path.stat().st_size / 2**20:.0f} MiB "
            f"(built in {time.perf_counter() - t0:.0f} s)"
        )
        from db.engine import make_engine

        engine = make_engine(url)
        sf = make_session_factory(engine)
        with sf.begin() as s:
            site = s.scalars(sa.select(Site)).one()
            code = site.code
            for staff in s.scalars(sa.select(Staff)):
                staff.password_hash = hash_password(PASSWORD)
                staff.password_state = "set"
            site_id, site_name = site.id, site.name
        settings = with_db_url(
            Settings(
                site=SiteSettings(code=code), backup=BackupSettings(directory=str(Path(tmp) / "backups"))
            ),
            url,
        )
        ctx = AppContext(settings, engine, sf, site_id, site_name)
        ctx._queue = QueueService(sf, site_id)
        staff_info = accounts.authenticate(ctx, f"{code.lower()}-clerk", PASSWORD, "counter@bench")
        window = (
            next(w for w in accounts.windows(ctx) if w.id == staff_info.window_id)
            if staff_info.window_id
            else accounts.windows(ctx)[0]
        )
        bus = HallBus()
        pump = EventPump(ctx, bus)
        pump.start()
        win = CounterWindow(
            ctx,
            bus,
            staff_info,
            window,
            documents_dir=Path(tmp) / "docs",
            show_preview=False,
            session_terminal="counter@bench",
        )
        win.resize(1366, 768)
        win.show()
        wait_until(lambda: win.started_up)
        category = next(iter(seeded.category_ids))
        other = OtherPc(url, code, category, args.issue_ms / 1000)
        other.start()
        probe = LagProbe()
        try:
            # With the backup, as the hall's start-up takes it.
            probe.start()
            t0 = time.perf_counter()
            thread = backup.start_daily_backup(settings)
            assert thread is not None, "no backup was due"
            wait_until(lambda: not thread.is_alive())
            took = time.perf_counter() - t0
            probe.stop()
            during = list(probe.samples)
            issued_during = other.issued
            # The same length of time, no backup.
            probe.start()
            t1 = time.perf_counter()
            wait_until(lambda: time.perf_counter() - t1 >= took)
            probe.stop()
            without = list(probe.samples)
        finally:
            other.stop_flag.set()
            other.join()
            win.close()
            pump.stop()
        last = backup.latest_backup(settings)
        print(
            f"backup on a background thread (copy + integrity check + verify + rename): {took:.1f} s, "
            f"{last.size / 2**20 if last else 0:.0f} MiB; {issued_during} tickets issued meanwhile by another PC"
        )
        print(f"{'GUI lag (5 ms probe)':<22} {'no backup':>10} {'during backup':>14} {'ratio':>6}")
        stats: list[tuple[str, Callable[[list[float]], float]]] = [
            ("p50", lambda xs: statistics.median(xs) if xs else 0.0),
            ("p99", lambda xs: pct(xs, 99)),
            ("max", lambda xs: max(xs, default=0.0)),
        ]
        for name, fn in stats:
            a, b = fn(without), fn(during)
            print(f"{name:<22} {a:>7.2f} ms {b:>11.2f} ms {b / a if a else float('nan'):>6.2f}")
        print(f"ticks: {len(without)} without, {len(during)} during")
        engine.dispose()
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
