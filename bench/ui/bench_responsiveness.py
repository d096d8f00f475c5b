"""Is the counter's GUI thread ever blocked by the hall database? A scripted clerk session against
a PostgreSQL hall reached through a TCP proxy that delays every packet, with an event-loop lag
probe (a 5 ms QTimer measuring its own lateness) running throughout.

The session: the counter starts (开窗, current ticket, draft, case list), F1 calls the waiting
applicant, F4 starts, an ID card is read, a matter is searched and chosen, the materials ticked,
notes typed (the draft is saved while typing), the intake submitted (documents built), F5
finishes (the evaluator opens); then other windows cause a burst of 200 hall events (tickets
issued elsewhere) which the counter follows through its event pump. The hall display runs in the
same process (same GUI thread) and follows the same events (`--no-display`: the counter alone).

Run: ONEWINDOW_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:55432/postgres \\
     uv run python bench/ui/bench_responsiveness.py [--delays 0,5,50] [--events 200]
`--delays` are one-way delays in ms (50 = 100 ms round trip). A scratch database is created on
the server and dropped at the end. Target at 100 ms round trip: longest stall ≤ 50 ms, p99 ≤ 16 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.context import AppContext

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PROBE_MS = 5
BUILD = "build the window (CPU only)"


# --- the delaying proxy --------------------------------------------------------------------------


class DelayProxy:
    """127.0.0.1:<port> → target, every chunk delivered `delay_s` after it was read (each way),
    in order; runs its own asyncio loop on a daemon thread."""

    def __init__(self, target_host: str, target_port: int, delay_s: float) -> None:
        self.target = (target_host, target_port)
        self.delay_s = delay_s
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="delay-proxy", daemon=True)

    def start(self) -> DelayProxy:
        self._thread.start()
        self._ready.wait(10)
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_r, up_w = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(self._pipe(reader, up_w), self._pipe(up_r, writer), return_exceptions=True)

    async def _pipe(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                dst.write(data)
                await dst.drain()
            dst.close()

        task = asyncio.ensure_future(deliver())
        try:
            while True:
                data = await src.read(65536)
                await queue.put((time.monotonic() + self.delay_s, data))
                if not data:
                    break
        finally:
            await task

    def stop(self) -> None:
        async def close() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self._loop.stop()

        asyncio.run_coroutine_threadsafe(close(), self._loop)
        self._thread.join(5)


# --- the scratch hall ----------------------------------------------------------------------------


def scratch_database(admin_url: str) -> contextlib.AbstractContextManager[str]:
    """A scratch hall database on the server, dropped afterwards (the tests' own helper)."""
    from tests.conftest import scratch_pg_database

    return scratch_pg_database(admin_url)


def seed_hall(url: str) -> None:
    from app.context import open_database
    from tests.cases.seeding import keys_for_tests, seed, settings_for

    settings = dataclasses.replace(
        settings_for(Path("unused.db")),
        database=dataclasses.replace(settings_for(Path("unused.db")).database, hall_url=url),
    )
    engine, sessions = open_database(settings, keys=keys_for_tests())
    try:
        with sessions.begin() as s:
            seed(s)
    finally:
        engine.dispose()


def open_ctx(url: str) -> AppContext:
    import sqlalchemy as sa

    from app.context import AppContext, open_database
    from db.models import Site
    from tests.cases.seeding import SITE_CODE, keys_for_tests, settings_for

    base = settings_for(Path("unused.db"))
    settings = dataclasses.replace(base, database=dataclasses.replace(base.database, hall_url=url))
    keys = keys_for_tests()
    engine, sessions = open_database(settings, keys=keys)
    with sessions() as s:
        site = s.scalars(sa.select(Site).where(Site.code == SITE_CODE)).one()
        return AppContext(settings, engine, sessions, site.id, site.name, keys=keys)


# --- the lag probe --------------------------------------------------------------------------------


class LagProbe:
    """A 5 ms timer that records how late each tick came: the time the GUI thread was busy."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.samples: list[float] = []
        self.ticks: list[float] = []  # perf_counter of each tick, to find a stall's window
        self._last = 0.0
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(PROBE_MS)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.samples.clear()
        self.ticks.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.samples.append(max(0.0, (now - self._last) * 1000 - PROBE_MS))
        self.ticks.append(now)
        self._last = now

    def stop(self) -> None:
        self._timer.stop()


def wait_until(cond: Callable[[], bool], timeout_s: float = 60.0, what: str = "") -> None:
    """Run the event loop (the probe keeps ticking) until `cond()`."""
    from PySide6.QtCore import QEventLoop, QTimer

    if cond():
        return
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(2)
    deadline = time.monotonic() + timeout_s

    def check() -> None:
        if cond() or time.monotonic() > deadline:
            loop.quit()

    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    poll.stop()
    if not cond():
        raise TimeoutError(f"timed out waiting for {what}")


def pause(ms: int) -> None:
    end = time.monotonic() + ms / 1000
    wait_until(lambda: time.monotonic() >= end, ms / 1000 + 5, "a pause")


class StackSampler:
    """`--stacks`: every millisecond, where each thread is (innermost frames of our own code), so a
    long stall can be told apart: the GUI thread busy in our code, or another thread holding the
    GIL (then the sampler itself is late too, and that thread's frame shows where)."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, dict[str, str]]] = []
        self.collections: list[tuple[float, float, int, str]] = []  # start, end, generation, thread
        self._gc_started = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stack-sampler", daemon=True)

    @staticmethod
    def _where(frame: object) -> str:
        import traceback

        stack = traceback.extract_stack(frame)  # type: ignore[arg-type]
        ours = [f for f in stack if str(ROOT) in f.filename and ".venv" not in f.filename]
        if not ours:
            return f"{Path(stack[-1].filename).name}:{stack[-1].lineno} {stack[-1].name}"
        return (
            " < ".join(
                f"{Path(f.filename).relative_to(ROOT)}:{f.lineno} {f.name}" for f in reversed(ours[-3:])
            )
            + f" [{Path(stack[-1].filename).name}:{stack[-1].name}]"
        )

    def _run(self) -> None:
        names = {t.ident: t.name for t in threading.enumerate()}
        me = threading.get_ident()
        while not self._stop.wait(0.001):
            frames = sys._current_frames()
            if frames.keys() - names.keys():  # a thread started since: learn its name
                names = {t.ident: t.name for t in threading.enumerate()}
            where = {names.get(i, str(i)): self._where(f) for i, f in frames.items() if i != me}
            self.samples.append((time.perf_counter(), where))

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._gc_started = now
        else:
            name = threading.current_thread().name
            self.collections.append((self._gc_started, now, info["generation"], name))

    def start(self) -> None:
        import gc

        gc.callbacks.append(self._gc)
        self._thread.start()

    def stop(self) -> None:
        import gc

        self._stop.set()
        self._thread.join(5)
        gc.callbacks.remove(self._gc)

    def report(self, probe: LagProbe, over_ms: float = 40.0) -> None:
        import collections

        for i, lag in enumerate(probe.samples):
            if lag < over_ms or i == 0:
                continue
            start, end = probe.ticks[i - 1], probe.ticks[i]
            inside = [(t, w) for t, w in self.samples if start <= t <= end]
            gaps = [b[0] - a[0] for a, b in itertools.pairwise(inside)]
            print(
                f"\nstall {lag:.0f} ms: {len(inside)} samples, longest sampler gap "
                f"{max(gaps, default=0) * 1000:.0f} ms"
            )
            counts = collections.Counter(
                (name, where)
                for _t, w in inside
                for name, where in w.items()
                if not where.endswith(("wait]", "select]", "_run_once]", "poll]", "get]", "acquire]"))
            )
            for (name, where), n in counts.most_common(6):
                print(f"  {n:>4}× {name}: {where}")
            for a, b, gen, name in self.collections:
                if a < end and b > start and b - a > 0.005:
                    print(f"  garbage collection of generation {gen} on {name}: {(b - a) * 1000:.0f} ms")


# --- the session ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Result:
    delay_ms: int
    longest_ms: float
    p99_ms: float
    samples: int
    seconds: float
    steps: dict[str, tuple[float, float]]  # name: (wall ms, longest stall ms within it)


def run_session(
    direct_url: str,
    proxied_url: str,
    delay_ms: int,
    events: int,
    tmp: Path,
    display: bool,
    stacks: bool = False,
    warm: bool = True,
) -> Result:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from app.counter import accounts
    from devices.idcard.samples import RESIDENT_LONG_TERM
    from tests.cases.seeding import PASSWORD, SITE_CODE
    from ui.bus import HallBus
    from ui.counter.window import CounterWindow
    from ui.display.board import DisplayBoard
    from ui.event_pump import EventPump
    from ui.voice.backends import RecordingBackend
    from ui.voice.player import VoicePlayer

    ctx = open_ctx(proxied_url)  # the counter's own, through the proxy
    other = open_ctx(direct_url)  # the kiosk and the other windows, on other PCs
    probe = LagProbe()
    steps: dict[str, tuple[float, float]] = {}
    pump: EventPump | None = None
    board: DisplayBoard | None = None
    try:
        kiosk_q = other.queue()
        ticket = kiosk_q.issue("general")
        staff = accounts.authenticate(ctx, f"{SITE_CODE.lower()}-clerk", PASSWORD, "counter@bench")
        window = next(w for w in accounts.windows(ctx) if w.id == staff.window_id)
        bus = HallBus()
        pump = EventPump(ctx, bus)
        pump.start()
        if display:  # the hall display in the same process, following the same events
            board = DisplayBoard(ctx, bus, voice=VoicePlayer(RecordingBackend(duration_s=0.01), repeat=1))
            board.show()
        wait_until(lambda: True)
        probe.start()
        sampler = StackSampler() if stacks else None
        if sampler is not None:
            sampler.start()
        t_all = time.perf_counter()

        def step(name: str, fn: Callable[[], None]) -> None:
            t0, first = time.perf_counter(), len(probe.samples)
            fn()
            wait_until(lambda: len(probe.samples) > first + 1, what="a tick")  # the step's own lag
            steps[name] = ((time.perf_counter() - t0) * 1000, max(probe.samples[first:], default=0.0))

        win_box: list[CounterWindow] = []

        def build() -> None:
            win = CounterWindow(
                ctx,
                bus,
                staff,
                window,
                documents_dir=tmp / f"docs-{delay_ms}",
                show_preview=False,
                session_terminal="counter@bench",
            )
            win.show()
            win_box.append(win)
            if warm:  # what the GUI commands do before their event loop starts (app/warmup.py)
                from app.warmup import warm_up

                warm_up()

        # Building the widgets is the GUI's own work, whatever the network: shown apart.
        step(BUILD, build)
        built_at = len(probe.samples)
        win = win_box[0]
        step(
            "start-up (开窗, ticket, draft, cases)",
            lambda: wait_until(lambda: win.started_up, what="start-up"),
        )
        panel, form = win.queue_panel, win.intake
        done: list[tuple[str, bool]] = []
        panel.actionDone.connect(lambda a, ok: done.append((a, ok)))

        def key(k: Qt.Key) -> Callable[[], None]:
            def press() -> None:
                n = len(done)
                QTest.keyClick(win, k)
                wait_until(lambda: len(done) > n, what=f"key {k}")
                assert done[-1][1], panel.error_label.text()

            return press

        step("F1 call", key(Qt.Key.Key_F1))
        assert panel.current is not None and panel.current.number == ticket.number
        step("F4 start", key(Qt.Key.Key_F4))
        step("card read", lambda: bus.cardRead.emit(RESIDENT_LONG_TERM))

        def search() -> None:
            chosen: list[int] = []
            form.chosen.connect(lambda: chosen.append(1))
            QTest.keyClicks(form.search_edit, "gtgsh")
            QTest.keyClick(form.search_edit, Qt.Key.Key_Return)  # before the hits arrive, too
            wait_until(lambda: bool(chosen), what="matter chosen")
            assert form.matters, form.message.text()

        step("search + choose", search)
        step("tick materials", lambda: form.materials_model.set_all_received(True))

        def notes() -> None:
            saved: list[int] = []
            form.draft_listeners.append(lambda: saved.append(1))
            form.notes_edit.setFocus()
            QTest.keyClicks(form.notes_edit, "applicant brings the lease original tomorrow", delay=30)
            wait_until(lambda: bool(saved), what="draft saved")

        step("type notes (draft saved)", notes)

        def submit() -> None:
            outcomes: list[object] = []
            win.intake.completed.connect(outcomes.append)
            QTest.keyClick(form, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
            wait_until(lambda: bool(outcomes), what="documents")

        step("submit + documents", submit)
        step("F5 finish", key(Qt.Key.Key_F5))

        def burst() -> None:
            seen: list[int] = []
            bus.hallEvent.connect(lambda _e: seen.append(1))

            def others() -> None:  # other windows' kiosks and counters, on other PCs
                for i in range(events):
                    kiosk_q.issue("general" if i % 2 else "business")

            t = threading.Thread(target=others, name="other-pcs")
            t.start()
            wait_until(lambda: len(seen) >= events and not t.is_alive(), 300, "the burst")
            wait_until(lambda: not win.runner.busy() and not panel._refresh_timer.isActive(), 60, "refresh")
            t.join()

        step(f"burst of {events} hall events", burst)
        seconds = time.perf_counter() - t_all
        probe.stop()
        if sampler is not None:
            sampler.stop()
            sampler.report(probe)
        win.close()
        samples = sorted(probe.samples[built_at:])
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))] if samples else 0.0
        return Result(delay_ms, samples[-1] if samples else 0.0, p99, len(samples), seconds, steps)
    finally:
        probe.stop()
        if board is not None:
            board.shutdown()
        if pump is not None:
            pump.stop()
        ctx.close()
        other.close()


def main() -> int:
    import sqlalchemy as sa
    from PySide6.QtWidgets import QApplication

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delays", default="0,50", help="one-way proxy delays in ms, comma-separated")
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument(
        "--no-display", action="store_true", help="the counter alone, without the hall display"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="sessions per delay (the machine's own noise shows as outliers)"
    )
    parser.add_argument(
        "--no-warm-up", action="store_true", help="skip the uncounted first session (imports, caches)"
    )
    parser.add_argument(
        "--stacks", action="store_true", help="sample every thread's stack; explain stalls over 40 ms"
    )
    parser.add_argument(
        "--no-warm", action="store_true", help="skip app/warmup.py (to see the stalls it prevents)"
    )
    args = parser.parse_args()
    admin = os.environ.get("ONEWINDOW_TEST_PG_URL", "")
    if not admin:
        print("set ONEWINDOW_TEST_PG_URL to a PostgreSQL superuser URL", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication(sys.argv)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        delays = [int(d) for d in args.delays.split(",")]
        plan = ([] if args.no_warm_up else [0]) + [d for d in delays for _ in range(args.rounds)]
        for i, delay in enumerate(plan):
            with scratch_database(admin) as direct:
                seed_hall(direct)
                url = sa.engine.make_url(direct)
                proxy = DelayProxy(url.host or "127.0.0.1", url.port or 5432, delay / 1000).start()
                proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
                try:
                    result = run_session(
                        direct,
                        proxied,
                        delay,
                        args.events,
                        Path(tmpdir),
                        not args.no_display,
                        args.stacks,
                        not args.no_warm,
                    )
                    if args.no_warm_up or i > 0:
                        results.append(result)
                finally:
                    proxy.stop()
    del app
    print("stalls of the GUI thread from the window's first paint to the end of the burst")
    print(f"{'round trip':>10}  {'longest stall':>13}  {'p99 stall':>9}  {'ticks':>6}  {'session':>8}")
    for r in results:
        print(
            f"{2 * r.delay_ms:>7} ms  {r.longest_ms:>10.1f} ms  {r.p99_ms:>6.1f} ms  "
            f"{r.samples:>6}  {r.seconds:>6.1f} s"
        )
    print("\nmedian over the rounds")
    met = True
    for delay in delays:
        mine = [r for r in results if r.delay_ms == delay]
        longest = statistics.median(r.longest_ms for r in mine)
        p99 = statistics.median(r.p99_ms for r in mine)
        print(f"{2 * delay:>7} ms  {longest:>10.1f} ms  {p99:>6.1f} ms")
        if delay == max(delays):
            met = longest <= 50 and p99 <= 16
    last = next(r for r in reversed(results) if r.delay_ms == max(delays))
    print(f"\nsteps of the last session at {2 * last.delay_ms} ms round trip: wall time, longest stall (ms)")
    for name, (ms, stall) in last.steps.items():
        print(f"  {name:<38} {ms:>8.0f}  {stall:>7.1f}")
    print(
        f"\ntarget (median longest ≤ 50 ms, p99 ≤ 16 ms at the largest delay): {'met' if met else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
