"""Backup of a big SQLite hall while a counter writes: how long the backup takes and how long the
counter's writes wait meanwhile, against the same writes with no backup running (same run).

    uv run python bench/deploy/bench_backup.py [--tickets 1000000] [--interval-ms 20]

The counter is a thread doing what issuing a ticket does to the database: one short
`BEGIN IMMEDIATE` transaction inserting a ticket row and updating a site row, through the hall's
own engine (WAL, synchronous=NORMAL, WAL checkpoints on a background thread), every --interval-ms. Figures: write latency p50,
p99 and max with and without the backup, and their ratio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "queue"))

import bench_queue  # noqa: E402

from app import backup  # noqa: E402
from app.queue.seed import SeededHall  # noqa: E402
from app.settings import BackupSettings, Settings, SiteSettings, with_db_url  # noqa: E402
from db.engine import SQLITE_IMMEDIATE, make_engine  # noqa: E402


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


class Counter(threading.Thread):
    """Issues tickets on its own connection until stopped; records each write's latency."""

    def __init__(self, path: Path, site_hex: str, category_hex: str, interval: float, prefix: str) -> None:
        super().__init__(daemon=True)
        self.path, self.site, self.category, self.interval = path, site_hex, category_hex, interval
        self.stop_flag = threading.Event()
        self.latencies: list[float] = []
        self.seq = 0
        self.prefix = prefix

    def run(self) -> None:
        # The hall's own engine: its PRAGMAs and its background WAL checkpointer.
        engine = make_engine(f"sqlite:///{self.path}")
        conn = engine.connect().execution_options(**SQLITE_IMMEDIATE)
        today = dt.date.today().isoformat()
        while not self.stop_flag.is_set():
            self.seq += 1
            now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            t0 = time.perf_counter()
            tx = conn.begin()
            conn.exec_driver_sql(
                "INSERT INTO ticket (id, site_id, row_version, updated_at, business_date, category_id, prefix, seq,"
                " number, status, priority_class, issued_at, queue_at, recall_count, holder_name, channel,"
                " case_numbers) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, 'waiting', 'normal', ?, ?, 0, '', 'kiosk', '')",
                (
                    uuid.uuid4().hex,
                    self.site,
                    now,
                    today,
                    self.category,
                    self.prefix,
                    self.seq,
                    f"{self.prefix}{self.seq:03d}",
                    now,
                    now,
                ),
            )
            conn.exec_driver_sql("UPDATE site SET phone = ? WHERE id = ?", (str(self.seq), self.site))
            tx.commit()
            self.latencies.append(time.perf_counter() - t0)
            time.sleep(self.interval)
        conn.close()
        engine.dispose()


def measure(
    path: Path, seeded: SeededHall, interval: float, during: float | None, settings: Settings
) -> tuple[list[float], float]:
    """Counter writes for `during` seconds (no backup), or for as long as one backup takes."""
    prefix = "Y" if during is None else "Z"
    counter = Counter(
        path, seeded.site_id.hex, next(iter(seeded.category_ids.values())).hex, interval, prefix
    )
    counter.start()
    took = 0.0
    try:
        if during is not None:
            time.sleep(during)
        else:
            time.sleep(0.5)  # the counter is writing before the backup starts
            result = backup.run_backup(settings, prune=False)
            took = result.seconds
    finally:
        counter.stop_flag.set()
        counter.join()
    return counter.latencies, took


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--interval-ms", type=float, default=20.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hall.db"
        url = f"sqlite:///{path}"
        engine, _sf, seeded = bench_queue.make_db(url)
        engine.dispose()
        t0 = time.perf_counter()
        bench_queue.load_history_sqlite(path, seeded, args.tickets)
        print(
            f"hall with {args.tickets:,} tickets: {path.stat().st_size / 2**20:.0f} MiB (built in {time.perf_counter() - t0:.0f} s)"
        )
        settings = with_db_url(
            Settings(
                site=SiteSettings(code="DEMO"), backup=BackupSettings(directory=str(Path(tmp) / "backups"))
            ),
            url,
        )
        interval = args.interval_ms / 1000
        with_backup, took = measure(path, seeded, interval, None, settings)
        without, _ = measure(path, seeded, interval, took + 0.5, settings)
        size = backup.latest_backup(settings)
        print(
            f"backup (copy + integrity check + verify + rename): {took:.1f} s, {size.size / 2**20 if size else 0:.0f} MiB"
        )
        print("| counter write | no backup | during backup | ratio |")
        print("|---|---|---|---|")
        for name, fn in (
            ("p50", lambda xs: statistics.median(xs)),
            ("p99", lambda xs: pct(xs, 99)),
            ("max", max),
        ):
            a, b = fn(without), fn(with_backup)
            print(f"| {name} | {ms(a)} | {ms(b)} | {b / a:.2f} |")
        print(f"writes: {len(without)} without, {len(with_backup)} during the backup")
    return 0


if __name__ == "__main__":
    sys.exit(main())
