"""Stateful tests: random hall histories run on a real SQLite file against a plain reference model.

Every call-next must pick exactly the ticket the pure `policy.choose()` picks from the model's
waiting tickets; statuses, windows and numbers must match the model after every step.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import sqlite3
import tempfile
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import hypothesis.strategies as st
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from app.queue import errors
from app.queue.policy import Candidate, QueuePolicy, choose, is_priority, prefers_normal
from app.queue.seed import seed_hall
from app.queue.service import QueueService
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.models import Appointment, Matter, Ticket

POLICY = QueuePolicy(
    priority_burst=2,
    max_wait_minutes=10,
    requeue_after=2,
    max_recalls=2,
    appointment_early_minutes=10,
    appointment_late_minutes=5,
)
CATS = ("A", "B", "C")
CODES = {"A": "general", "B": "business", "C": "estate"}
LINKS = {
    1: {"general": 1, "business": 2},
    2: {"business": 1, "estate": 1},
    3: {"general": 1, "estate": 2},
}
T0 = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai


class ManualClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class MTicket:
    id: uuid.UUID
    number: str
    category: str
    priority_class: str
    queue_at: dt.datetime
    status: str = "waiting"
    window: int | None = None
    target_window: int | None = None
    recalls: int = 0
    route: tuple[str, ...] = ()  # 多窗联办: the visit's queues (model letters), () = one stop
    stop: int = 0


_TEMPLATE: dict[str, Path] = {}


def template_db() -> Path:
    """One migrated, seeded SQLite file, copied for every example (migrating each time is slow)."""
    if "path" not in _TEMPLATE:
        d = Path(tempfile.mkdtemp(prefix="ow-queue-template-"))
        path = d / "hall.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine, backup=False)
        with make_session_factory(engine).begin() as s:
            seed_hall(s, windows=3, links=LINKS)
            for cat, code in CODES.items():  # one matter per queue, for visits (多窗联办)
                s.add(Matter(code=f"M-{cat}", name=f"事项{cat}", department="-", kind="公共服务", category_code=code, promised_days=1))
        engine.dispose()
        _TEMPLATE["path"] = path
    return _TEMPLATE["path"]


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="ow-queue-"))
        path = self.dir / "hall.db"
        # The SQLite backup API, not a file copy: it reads through the template's WAL (a plain copy
        # of the main file alone came out empty once, on a loaded machine, before a checkpoint).
        with (
            contextlib.closing(sqlite3.connect(template_db())) as src,
            contextlib.closing(sqlite3.connect(path)) as dst,
        ):
            src.backup(dst)
        self.engine = make_engine(f"sqlite:///{path}")
        self.sf = make_session_factory(self.engine)
        with self.sf() as s:
            self.site_id = s.execute(sa.text("SELECT id FROM site")).scalar_one()
            self.site_id = uuid.UUID(hex=self.site_id) if isinstance(self.site_id, str) else self.site_id
            rows = s.execute(sa.text("SELECT code, id FROM service_category")).all()
        self.cat_ids = {code: uuid.UUID(hex=i) if isinstance(i, str) else i for code, i in rows}
        self.clock = ManualClock()
        self.svc = QueueService(self.sf, self.site_id, POLICY, clock=self.clock)
        ref = self.svc.reference()
        self.win_ids = {w.number: w.id for w in ref.windows.values()}
        self.win_cats = {w.number: dict(w.categories) for w in ref.windows.values()}
        self.tickets: dict[uuid.UUID, MTicket] = {}
        self.streak = dict.fromkeys(self.win_ids, 0)
        self.paused: set[int] = set()
        self.calls = 0

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------------------

    def active(self, w: int) -> MTicket | None:
        for t in self.tickets.values():
            if t.window == w and t.status in ("called", "serving"):
                return t
        return None

    def candidates(self) -> list[Candidate]:
        return [
            Candidate(
                t.id,
                self.cat_ids[CODES[t.category]],
                t.priority_class,
                t.queue_at,
                self.win_ids[t.target_window] if t.target_window else None,
            )
            for t in self.tickets.values()
            if t.status == "waiting"
        ]

    def add(self, info: object) -> None:
        from app.queue.types import TicketInfo

        assert isinstance(info, TicketInfo)
        cat = next(k for k, v in CODES.items() if v == info.category_code)
        self.tickets[info.id] = MTicket(info.id, info.number, cat, info.priority_class, info.queue_at)

    # --- rules -----------------------------------------------------------------------------

    @initialize()
    def start(self) -> None:
        pass

    @rule(minutes=st.integers(0, 8))
    def advance(self, minutes: int) -> None:
        self.clock.now += dt.timedelta(minutes=minutes, milliseconds=1)

    @rule(data=st.data())
    def to_boundary(self, data: st.DataObject) -> None:
        """Move the clock to exactly a boundary: a waiting ticket reaching max_wait_minutes, or an
        appointment's slot start — so `<=` against `<` is tried every run, not by chance."""
        waiting = [t for t in self.tickets.values() if t.status == "waiting"]
        marks = [t.queue_at + dt.timedelta(minutes=POLICY.max_wait_minutes) for t in waiting]
        marks += [t.queue_at for t in waiting if t.priority_class == "appointment"]
        marks = sorted(m for m in marks if m > self.clock.now)
        if marks:
            self.clock.now = data.draw(st.sampled_from(marks))

    @rule(w=st.integers(1, 3), cat=st.sampled_from(CATS))
    def burst(self, w: int, cat: str) -> None:
        """A normal ticket, then more priority tickets than the burst allows, then calls at `w`:
        the anti-starvation rule is reached every run (call_next checks who comes first)."""
        self.issue(cat, False)
        for _ in range(POLICY.priority_burst + 1):
            self.clock.now += dt.timedelta(milliseconds=1)
            self.issue(cat, True)
        for _ in range(POLICY.priority_burst + 2):
            self.call_next(w)
            if self.active(w) is not None:
                self.window_op(w, "finish")

    @rule(cat=st.sampled_from(CATS), priority=st.booleans())
    def issue(self, cat: str, priority: bool) -> None:
        info = self.svc.issue(cat, priority=priority)
        assert info.status == "waiting" and info.priority_class == ("green" if priority else "normal")
        assert info.queue_at == self.clock.now
        self.add(info)

    @rule(route=st.lists(st.sampled_from(CATS), min_size=2, max_size=3), priority=st.booleans())
    def issue_visit(self, route: list[str], priority: bool) -> None:
        """多窗联办: one ticket through several queues (consecutive repeats are one stop)."""
        info = self.svc.issue_visit([f"M-{c}" for c in route], priority=priority)
        stops = tuple(c for i, c in enumerate(route) if i == 0 or route[i - 1] != c)
        assert [st.category_code for st in info.stops] == [CODES[c] for c in stops]
        assert info.queue_at == self.clock.now and info.category_code == CODES[stops[0]]
        self.add(info)
        self.tickets[info.id] = replace(self.tickets[info.id], route=stops)

    @rule(w=st.integers(1, 3))
    def advance_visit(self, w: int) -> None:
        """转下一窗口: the ticket waits in its next stop's queue with its queue time and class."""
        t = self.active(w)
        if t is None:
            with pytest.raises(errors.NoActiveTicket):
                self.svc.advance(w)
            return
        if t.stop + 1 >= len(t.route):
            with pytest.raises(errors.InvalidTransition):
                self.svc.advance(w)
            return
        info = self.svc.advance(w)
        nxt = t.route[t.stop + 1]
        assert (info.status, info.category_code, info.queue_at, info.priority_class) == (
            "waiting",
            CODES[nxt],
            t.queue_at,
            t.priority_class,
        )
        assert info.number == t.number and info.stop_index == t.stop + 1
        t.status, t.window, t.target_window, t.category, t.stop = "waiting", None, None, nxt, t.stop + 1

    @rule(cat=st.sampled_from(CATS), offset=st.integers(-15, 20))
    def check_in(self, cat: str, offset: int) -> None:
        slot = self.clock.now + dt.timedelta(minutes=offset)
        code = uuid.uuid4().hex[:12]
        with self.sf.begin() as s:
            s.add(
                Appointment(
                    site_id=self.site_id,
                    code=code,
                    category_id=self.cat_ids[CODES[cat]],
                    name="张三丰",
                    id_number_hash="9" * 64,
                    slot_start=slot,
                    slot_end=slot + dt.timedelta(minutes=30),
                )
            )
        now = self.clock.now
        if now < slot - dt.timedelta(minutes=POLICY.appointment_early_minutes):
            with pytest.raises(errors.AppointmentError):
                self.svc.check_in(code)
            return
        info = self.svc.check_in(code)
        assert info.holder_name == "张*丰"
        if now > slot + dt.timedelta(minutes=POLICY.appointment_late_minutes):
            assert (info.priority_class, info.queue_at) == ("normal", now)
        else:
            assert (info.priority_class, info.queue_at) == ("appointment", slot)
        self.add(info)
        with pytest.raises(errors.AppointmentError):
            self.svc.check_in(code)

    @rule(w=st.integers(1, 3))
    def call_next(self, w: int) -> None:
        if w in self.paused:
            with pytest.raises(errors.WindowPaused):
                self.svc.call_next(w)
            return
        if self.active(w) is not None:
            with pytest.raises(errors.WindowBusy):
                self.svc.call_next(w)
            return
        now = self.clock.now
        cands = self.candidates()
        expected = choose(cands, self.win_ids[w], self.win_cats[w], self.streak[w], now, POLICY)
        result = self.svc.call_next(w)
        if expected is None:
            assert result is None
            return
        assert result is not None, f"expected {self.tickets[expected.id].number}"
        assert result.ticket.id == expected.id, (
            f"window {w} called {result.ticket.number}, policy says {self.tickets[expected.id].number}"
        )
        # No starvation: after `priority_burst` priority calls a waiting normal ticket goes first.
        normal_waiting = [
            c
            for c in cands
            if not is_priority(c, now)
            and (
                c.target_window_id == self.win_ids[w]
                if c.target_window_id
                else c.category_id in self.win_cats[w]
            )
        ]
        if prefers_normal(self.streak[w], POLICY) and normal_waiting:
            # the longest-waiting normal ticket, whatever its category's rank at this window
            longest = min(normal_waiting, key=lambda c: (c.queue_at, c.id))
            assert expected.id == longest.id, (
                f"burst used up: {self.tickets[longest.id].number} waited longest"
            )
        self.streak[w] = self.streak[w] + 1 if is_priority(expected, now) else 0
        assert self.streak[w] <= POLICY.priority_burst or not normal_waiting
        t = self.tickets[expected.id]
        t.status, t.window, t.target_window, t.recalls = "called", w, None, 0
        assert result.announcement == f"请 {t.number} 号到 {w} 号窗口办理"
        self.calls += 1

    @rule(w=st.integers(1, 3))
    def recall(self, w: int) -> None:
        t = self.active(w)
        if t is None or t.status != "called":
            with pytest.raises((errors.NoActiveTicket, errors.InvalidTransition)):
                self.svc.recall(w)
        elif t.recalls >= POLICY.max_recalls:
            with pytest.raises(errors.RecallLimitReached):
                self.svc.recall(w)
        else:
            r = self.svc.recall(w)
            t.recalls += 1
            assert r.ticket.recall_count == t.recalls

    @rule(w=st.integers(1, 3), op=st.sampled_from(["no_show", "start", "finish", "hold"]))
    def window_op(self, w: int, op: str) -> None:
        t = self.active(w)
        allowed = {
            "no_show": ("called",),
            "start": ("called",),
            "finish": ("called", "serving"),
            "hold": ("called", "serving"),
        }[op]
        fn = getattr(self.svc, op)
        if t is None:
            with pytest.raises(errors.NoActiveTicket):
                fn(w)
            return
        if t.status not in allowed:
            with pytest.raises(errors.InvalidTransition):
                fn(w)
            return
        info = fn(w)
        t.status = {"no_show": "no_show", "start": "serving", "finish": "done", "hold": "held"}[op]
        assert info.status == t.status

    @rule(w=st.integers(1, 3), data=st.data())
    def resume(self, w: int, data: st.DataObject) -> None:
        held = sorted((t for t in self.tickets.values() if t.status == "held"), key=lambda t: t.number)
        if not held:
            return
        t = data.draw(st.sampled_from(held))
        if w in self.paused:  # a paused window serves nobody, a held ticket included
            with pytest.raises(errors.WindowPaused):
                self.svc.resume(w, t.number)
            return
        if self.active(w) is not None:
            with pytest.raises(errors.WindowBusy):
                self.svc.resume(w, t.number)
            return
        info = self.svc.resume(w, t.number)
        assert info.status == "serving"
        t.status, t.window = "serving", w

    @rule(w=st.integers(1, 3), to_cat=st.sampled_from((*CATS, None)), to_win=st.integers(1, 3))
    def transfer(self, w: int, to_cat: str | None, to_win: int) -> None:
        t = self.active(w)
        kw: dict[str, object] = {"to_category": to_cat} if to_cat else {"to_window": to_win}
        if t is None:
            with pytest.raises(errors.NoActiveTicket):
                self.svc.transfer(w, **kw)  # type: ignore[arg-type]
            return
        before = t.queue_at
        info = self.svc.transfer(w, **kw)  # type: ignore[arg-type]
        assert info.queue_at == before and info.status == "waiting"
        t.status, t.window = "waiting", None
        if to_cat:
            t.category, t.target_window = to_cat, None
        else:
            t.target_window = to_win

    @rule(data=st.data())
    def requeue(self, data: st.DataObject) -> None:
        gone = sorted((t for t in self.tickets.values() if t.status == "no_show"), key=lambda t: t.number)
        if not gone:
            return
        t = data.draw(st.sampled_from(gone))
        info = self.svc.requeue(t.number)
        same = [x for x in self.tickets.values() if x.status == "waiting" and x.category == t.category]
        before = [x for x in same if (x.queue_at, x.id) < (info.queue_at, info.id)]
        k = min(POLICY.requeue_after, len(same))
        # Behind exactly k tickets; tickets sharing the k-th one's queue time (appointments of one
        # slot) cannot be split by a queue time, so they all stay ahead.
        kth = sorted((x.queue_at, x.id) for x in same)[k - 1][0] if k else None
        assert len(before) == (sum(1 for x in same if x.queue_at <= kth) if kth is not None else 0)
        t.status, t.window, t.queue_at, t.recalls, t.target_window = "waiting", None, info.queue_at, 0, None
        if t.priority_class == "appointment":
            t.priority_class = "normal"

    @rule(w=st.integers(1, 3))
    def pause_resume(self, w: int) -> None:
        if w in self.paused:
            self.svc.resume_window(w)
            self.paused.discard(w)
        elif self.active(w) is not None:
            with pytest.raises(errors.WindowBusy):
                self.svc.pause_window(w, "午休")
        else:
            st_ = self.svc.pause_window(w, "午休")
            assert st_.state == "paused" and st_.reason == "午休"
            self.paused.add(w)

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def matches_model(self) -> None:
        with self.sf() as s:
            rows = s.execute(
                sa.select(
                    Ticket.id,
                    Ticket.status,
                    Ticket.window_id,
                    Ticket.prefix,
                    Ticket.seq,
                    Ticket.queue_at,
                    Ticket.target_window_id,
                )
            ).all()
        assert len(rows) == len(self.tickets)  # nothing lost, nothing invented
        by_win = {v: k for k, v in self.win_ids.items()}
        active: dict[uuid.UUID, int] = {}
        seqs: dict[str, list[int]] = {}
        for r in rows:
            t = self.tickets[r.id]
            assert r.status == t.status, t.number
            assert r.queue_at == t.queue_at, t.number
            assert (by_win[r.target_window_id] if r.target_window_id else None) == t.target_window
            if r.status in ("called", "serving"):
                assert by_win[r.window_id] == t.window
                active[r.window_id] = active.get(r.window_id, 0) + 1
            seqs.setdefault(r.prefix, []).append(r.seq)
        assert all(n == 1 for n in active.values())
        for prefix_seqs in seqs.values():
            assert sorted(prefix_seqs) == list(range(1, len(prefix_seqs) + 1))  # gapless, unique


QueueMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=45,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestQueuePolicy = QueueMachine.TestCase


def test_choose_examples() -> None:
    """Hand-checked cases of the key, so the stateful test does not only compare a function with itself."""
    w, a, b = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = T0
    cats = {a: 1, b: 2}

    def c(cat: uuid.UUID, pc: str, minutes_ago: float, target: uuid.UUID | None = None) -> Candidate:
        return Candidate(uuid.uuid4(), cat, pc, now - dt.timedelta(minutes=minutes_ago), target)

    p = QueuePolicy(priority_burst=2, max_wait_minutes=30)
    old_b, new_a = c(b, "normal", 20), c(a, "normal", 1)
    assert choose([old_b, new_a], w, cats, 0, now, p) == new_a  # category priority
    aged_b = replace(old_b, queue_at=now - dt.timedelta(minutes=31))
    assert choose([aged_b, new_a], w, cats, 0, now, p) == aged_b  # aging beats category priority
    green = c(b, "green", 0)
    assert choose([aged_b, new_a, green], w, cats, 0, now, p) == green  # green first
    assert choose([aged_b, new_a, green], w, cats, 2, now, p) == aged_b  # burst: longest-waiting normal
    future_appt = c(a, "appointment", -5)
    assert choose([future_appt, new_a], w, cats, 0, now, p) == new_a  # slot not yet started
    slot_appt = c(a, "appointment", 0.5)
    assert choose([slot_appt, new_a], w, cats, 0, now, p) == slot_appt
    other = uuid.uuid4()
    mine, theirs = c(b, "normal", 2, target=w), c(a, "normal", 50, target=other)
    assert choose([mine, theirs, new_a], w, cats, 0, now, p) == mine  # transferred to this window
    assert choose([theirs], w, cats, 0, now, p) is None  # another window's transfer
    assert choose([c(uuid.uuid4(), "normal", 60)], w, cats, 0, now, p) is None  # category not served


# --- fixed runs of the machine: the burst and the boundaries, every run --------------------------


def _run(steps: list[tuple[str, tuple[object, ...]]]) -> list[str]:
    """Run the machine through `steps`; the numbers window 1 called, in order (model checks included)."""
    m = QueueMachine()
    called: list[str] = []
    try:
        m.start()
        for name, args in steps:
            if name == "clock":
                (minutes,) = args
                m.clock.now = T0 + dt.timedelta(minutes=float(minutes))  # type: ignore[arg-type]
                continue
            getattr(m, name)(*args)
            if name == "call_next" and (t := m.active(1)) is not None:
                called.append(f"{t.category}/{t.priority_class}/{(t.queue_at - T0).total_seconds():g}")
                m.window_op(1, "finish")
            m.matches_model()
    finally:
        m.teardown()
    return called


def test_machine_burst_serves_the_longest_waiting_normal_ticket() -> None:
    # window 1 serves A at rank 1 and B at rank 2; priority_burst is 2
    steps: list[tuple[str, tuple[object, ...]]] = [
        ("issue", ("B", False)),  # normal B at 0 s: rank 2 but the longest waiting
        ("clock", (1,)),
        ("issue", ("A", False)),  # normal A at 60 s
        ("clock", (2,)),
        ("issue", ("A", True)),
        ("clock", (3,)),
        ("issue", ("A", True)),
        ("clock", (4,)),
        ("issue", ("A", True)),
        *[("call_next", (1,))] * 5,
    ]
    assert _run(steps) == ["A/green/120", "A/green/180", "B/normal/0", "A/green/240", "A/normal/60"]


def test_machine_ticket_waiting_exactly_max_wait_is_aged() -> None:
    steps: list[tuple[str, tuple[object, ...]]] = [
        ("issue", ("B", False)),  # at 0
        ("clock", (5,)),
        ("issue", ("A", False)),
        ("clock", (POLICY.max_wait_minutes,)),  # B has waited exactly max_wait_minutes
        ("call_next", (1,)),
        ("call_next", (1,)),
    ]
    assert _run(steps) == ["B/normal/0", "A/normal/300"]
    steps[3] = ("clock", (POLICY.max_wait_minutes - 1e-6 / 60,))  # a microsecond short
    assert _run(steps) == ["A/normal/300", "B/normal/0"]


def test_machine_appointment_is_priority_from_its_slot_start() -> None:
    steps: list[tuple[str, tuple[object, ...]]] = [
        ("issue", ("A", False)),  # at 0, rank 1
        ("clock", (1,)),
        ("check_in", ("B", 0)),  # slot starts now: queue_at == now, priority
        ("call_next", (1,)),
        ("call_next", (1,)),
    ]
    assert _run(steps) == ["B/appointment/60", "A/normal/0"]
    steps[2] = ("check_in", ("B", 1))  # slot a minute ahead: checked in early, not yet priority
    steps.insert(3, ("clock", (2 - 1e-6 / 60,)))  # a microsecond before the slot
    assert _run(steps) == ["A/normal/0", "B/appointment/120"]


def test_machine_moved_visit_keeps_its_queue_time() -> None:
    # 多窗联办: window 3 serves the visit's first stop (A) and sends it on to B; window 1 then
    # serves B: the visit (queued at 0 s) before the B ticket queued at 60 s, though it arrived later
    steps: list[tuple[str, tuple[object, ...]]] = [
        ("issue_visit", (["A", "B"], False)),
        ("clock", (1,)),
        ("issue", ("B", False)),
        ("clock", (5,)),
        ("call_next", (3,)),
        ("advance_visit", (3,)),
        ("call_next", (1,)),
        ("call_next", (1,)),
    ]
    assert _run(steps) == ["B/normal/0", "B/normal/60"]
