"""Replay a hall's event log as per-ticket and per-window state machines.

Event ids are drawn under the per-site event lock, which is held to the commit, so the log's
order is the order in which the transitions took effect. Any transition the queue must never
make — a ticket called while not waiting, a ticket active at two windows, two active tickets at
one window, a window paused or closed while serving — is reported.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import HallEvent

ACTIVE = ("called", "serving")

# kind → (statuses the ticket may be in before, status after); None: the ticket keeps its status
TICKET_MOVES: dict[str, tuple[tuple[str, ...], str | None]] = {
    "issued": ((), "waiting"),
    "checked_in": ((), "waiting"),
    "called": (("waiting",), "called"),
    "recalled": (("called",), None),
    "started": (("called",), "serving"),
    "finished": (ACTIVE, "done"),
    "no_show": (("called",), "no_show"),
    "held": (ACTIVE, "held"),
    "resumed": (("held",), "serving"),
    "transferred": (ACTIVE, "waiting"),
    "requeued": (("no_show",), "waiting"),
    "cancelled": (("waiting", "held"), "cancelled"),
    "advanced": (ACTIVE, "waiting"),  # 多窗联办: on to the next stop's queue
    "matters_added": (ACTIVE, None),
}
WINDOW_MOVES = {
    "window_opened": "open",
    "window_resumed": "open",
    "window_paused": "paused",
    "window_closed": "closed",
}


@dataclass
class Replay:
    tickets: dict[uuid.UUID, str] = field(default_factory=dict)
    at_window: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # active ticket → window
    serving: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # window → active ticket
    windows: dict[uuid.UUID, str] = field(default_factory=dict)
    kinds: Counter[str] = field(default_factory=Counter)
    faults: list[str] = field(default_factory=list)

    def apply(self, ev: HallEvent) -> None:
        self.kinds[ev.kind] += 1
        where = f"event {ev.id} {ev.kind} {(ev.payload or {}).get('number', '')}"
        if ev.kind in WINDOW_MOVES:
            assert ev.window_id is not None
            state = WINDOW_MOVES[ev.kind]
            if state != "open" and ev.window_id in self.serving:
                self.faults.append(f"{where}: window {state} while serving")
            self.windows[ev.window_id] = state
            return
        if ev.kind not in TICKET_MOVES:
            return  # day_closed and the like
        assert ev.ticket_id is not None
        before, after = TICKET_MOVES[ev.kind]
        status = self.tickets.get(ev.ticket_id)
        if before and status not in before:
            self.faults.append(f"{where}: from {status}, allowed only from {before}")
        if not before and status is not None:
            self.faults.append(f"{where}: ticket issued twice")
        if after is None:
            return
        self.tickets[ev.ticket_id] = after
        if status in ACTIVE and after not in ACTIVE:
            w = self.at_window.pop(ev.ticket_id, None)
            if w is not None:
                self.serving.pop(w, None)
        if after in ACTIVE and status not in ACTIVE:
            w = ev.window_id
            if w is None:
                self.faults.append(f"{where}: active without a window")
                return
            if self.windows.get(w) == "paused":
                self.faults.append(f"{where}: ticket made active at a paused window")
            if w in self.serving:
                self.faults.append(f"{where}: window already has {self.serving[w]}")
            self.serving[w] = ev.ticket_id
            self.at_window[ev.ticket_id] = w
            self.windows[w] = "open"  # a call opens a closed window


def replay(session: Session) -> Replay:
    r = Replay()
    for ev in session.scalars(sa.select(HallEvent).order_by(HallEvent.id)):
        r.apply(ev)
    return r
