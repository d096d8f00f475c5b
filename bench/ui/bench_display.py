"""How fast the display board shows a call made by another process.

Another process (a worker on the queue service, as a counter PC would be) issues a ticket and
calls it; we measure from its commit to the moment the board in this process shows the call
(`DisplayBoard.callShown`, emitted right after the big label is set). Baseline, measured in the
same run: the event stream's own delivery time — a plain `EventStream` follower thread in this
process, no Qt. Target: board ≤ 300 ms; the ratio shows what the Qt path (event pump → bus →
board) adds on top of the stream.

    uv run python bench/ui/bench_display.py [--rounds 40] [--db URL]

Times are CLOCK_MONOTONIC, which Linux shares between processes on one machine.
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CHILD = textwrap.dedent(
    """
    import sys, time, uuid
    sys.path.insert(0, {root!r})
    from app.queue.service import QueueService
    from db.engine import make_engine, make_session_factory
    engine = make_engine({url!r})
    svc = QueueService(make_session_factory(engine), uuid.UUID({site!r}))
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "call":
            break
        try:
            svc.finish(1)
        except Exception:
            pass
        svc.issue("general")
        result = svc.call_next(1)
        t = time.monotonic()
        print(result.ticket.number, result.event_id, t, flush=True)
    engine.dispose()
    """
)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--db", default="", help="hall database URL (default: a new SQLite file)")
    args = parser.parse_args()

    from PySide6.QtCore import QCoreApplication

    from app.context import AppContext
    from app.queue.events import EventStream
    from app.queue.seed import seed_hall
    from app.settings import Settings
    from db.engine import make_engine, make_session_factory
    from db.migrate import upgrade
    from ui.bus import HallBus
    from ui.display.board import DisplayBoard
    from ui.event_pump import EventPump
    from ui.qt_app import create_app

    tmp = tempfile.TemporaryDirectory()
    url = args.db or f"sqlite:///{Path(tmp.name) / 'hall.db'}"
    engine = make_engine(url)
    upgrade(engine, backup=False)
    sf = make_session_factory(engine)
    with sf.begin() as s:
        seeded = seed_hall(s, site_code=f"B{os.getpid() % 100000}")
    ctx = AppContext(Settings(), engine, sf, seeded.site_id, "演示政务服务中心")
    from app.queue.service import QueueService

    QueueService(sf, seeded.site_id).open_window(1)

    app = create_app([])
    bus = HallBus()
    pump = EventPump(ctx, bus)
    pump.start()
    board = DisplayBoard(ctx, bus)
    board.resize(1920, 1080)
    board.show()
    shown: dict[str, float] = {}
    board.callShown.connect(lambda number, _w: shown.setdefault(number, time.monotonic()))

    # Baseline: the stream's own delivery to a plain follower thread.
    delivered: dict[int, float] = {}
    stop = threading.Event()

    def follow() -> None:
        with EventStream(engine, seeded.site_id) as stream:
            last = stream.last_id()
            while not stop.is_set():
                for ev in stream.wait(last, 0.25):
                    last = ev.id
                    delivered.setdefault(ev.id, time.monotonic())

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), url=url, site=str(seeded.site_id))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    stdout = child.stdout

    def pump_lines() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump_lines, daemon=True).start()

    def spin_until(cond: object, timeout: float = 10.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            QCoreApplication.processEvents()
            if cond():  # type: ignore[operator]
                return True
            time.sleep(0.001)
        return False

    spin_until(lambda: not lines.empty())
    assert lines.get() == "ready\n"
    board_ms: list[float] = []
    stream_ms: list[float] = []
    for i in range(args.rounds):
        child.stdin.write("call\n")
        child.stdin.flush()
        if not spin_until(lambda: not lines.empty()):
            print(f"round {i}: no reply from the worker process", file=sys.stderr)
            return 1
        number, event_id, t_commit = lines.get().split()
        t0 = float(t_commit)
        if not spin_until(lambda n=number, e=int(event_id): n in shown and e in delivered, 5.0):
            print(f"round {i}: {number} never reached the board/stream", file=sys.stderr)
            return 1
        board_ms.append((shown[number] - t0) * 1000)
        stream_ms.append((delivered[int(event_id)] - t0) * 1000)
        spin_until(lambda: False, 0.05 + (i % 5) * 0.02)  # uneven pacing, like a real hall

    child.stdin.write("quit\n")
    child.stdin.flush()
    child.wait(10)
    stop.set()
    follower.join(5)
    board.shutdown()
    pump.stop()
    engine.dispose()
    del app
    tmp.cleanup()

    b_med, s_med = statistics.median(board_ms), statistics.median(stream_ms)
    print(f"display reaction to a call from another process ({engine.dialect.name}, {args.rounds} calls)")
    print(
        f"  board : median {b_med:6.1f} ms  p95 {pct(board_ms, 0.95):6.1f} ms  max {max(board_ms):6.1f} ms  (target ≤ 300 ms)"
    )
    print(
        f"  stream: median {s_med:6.1f} ms  p95 {pct(stream_ms, 0.95):6.1f} ms  max {max(stream_ms):6.1f} ms  (baseline)"
    )
    print(f"  ratio board/stream (median): {b_med / max(s_med, 0.001):.2f}")
    print(f"  within target: {sum(1 for x in board_ms if x <= 300)}/{len(board_ms)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
