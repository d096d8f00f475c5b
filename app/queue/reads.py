"""Reading the queue: a ticket with its place and estimated wait, a window, the whole hall, the waiting list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.queue.core import QueueCore, m_
from app.queue.estimate import WaitEstimate, category_estimates, estimate_for
from app.queue.ordering import ACTIVE_SQL, TC, WAITING, WS, T, priority_sql
from app.queue.policy import is_priority_now
from app.queue.reference import CategoryRef, WindowRef
from app.queue.types import CategoryStatus, QueueStatus, TicketInfo, WindowState
from db.vocab import TicketStatus, WindowServiceState


class Reads(QueueCore):
    def _estimate(
        self, s: Session, cat: CategoryRef, row: Mapping[str, Any], now: dt.datetime
    ) -> tuple[int, float | None]:
        """People ahead in the ticket's category and an estimated wait from recent service times."""
        prio = priority_sql(now)
        mine_prio = is_priority_now(row["priority_class"], row["queue_at"], now)
        before = (
            sa.and_(prio, T.c.queue_at < row["queue_at"])
            if mine_prio
            else sa.or_(prio, T.c.queue_at < row["queue_at"])
        )
        ahead = int(
            s.execute(
                sa.select(sa.func.count())
                .select_from(T)
                .where(
                    T.c.site_id == self.site_id,
                    T.c.category_id == cat.id,
                    WAITING,
                    T.c.target_window_id.is_(None),
                    T.c.id != row["id"],
                    before,
                )
            ).scalar_one()
        )
        # The one estimator (app/queue/estimate.py): ahead × minutes per ticket ÷ open windows.
        est = estimate_for(
            s, self.site_id, self.reference(), self.policy, row["business_date"], cat.id, ahead, now
        )
        return ahead, est.minutes

    def wait_estimates(self) -> dict[str, WaitEstimate]:
        """Category code → the estimated wait of a ticket taken now (kiosk, display, manager)."""
        with self.session_factory() as s:
            now = self.clock()
            return category_estimates(
                s, self.site_id, self.reference(), self.policy, self.business_date(now), now
            )

    def ticket(self, number: str) -> TicketInfo:
        """A ticket with its current position and estimated wait (kiosk / display look-up)."""
        with self.session_factory() as s:
            t = self._find_ticket(s, number, lock=False)
            cat = self.reference().categories[t["category_id"]]
            if t["status"] == TicketStatus.WAITING:
                ahead, wait = self._estimate(s, cat, t, self.clock())
                return self._info(t, ahead, wait)
            return self._info(t)

    def window_state(self, window: int) -> WindowState:
        win = self._window(window)
        with self.session_factory() as s:
            ws = s.execute(sa.select(WS).where(WS.c.window_id == win.id)).first()
            cur = s.execute(sa.select(T).where(T.c.window_id == win.id, ACTIVE_SQL)).first()
        return self._window_state(win, m_(ws) if ws else None, m_(cur) if cur else None)

    def _window_state(
        self, win: WindowRef, ws: Mapping[str, Any] | None, cur: Mapping[str, Any] | None
    ) -> WindowState:
        ref = self.reference()
        codes = tuple(
            ref.categories[c].code
            for c, _ in sorted(win.categories.items(), key=lambda kv: kv[1])
            if c in ref.categories
        )
        return WindowState(
            number=win.number,
            name=win.name,
            state=ws["state"] if ws else WindowServiceState.CLOSED,
            reason=ws["reason"] if ws else "",
            current=self._info(cur) if cur else None,
            priority_streak=int(ws["priority_streak"]) if ws else 0,
            category_codes=codes,
        )

    def status(self) -> QueueStatus:
        """Every category (waiting, longest wait, issued today) and every window, now."""
        ref = self.reference()
        now = self.clock()
        bdate = self.business_date(now)
        with self.session_factory() as s:
            waiting = {
                r.category_id: (int(r.n), r.oldest)
                for r in s.execute(
                    sa.select(
                        T.c.category_id, sa.func.count().label("n"), sa.func.min(T.c.queue_at).label("oldest")
                    )
                    .where(T.c.site_id == self.site_id, WAITING)
                    .group_by(T.c.category_id)
                )
            }
            issued = {
                r.prefix: int(r.last_seq)
                for r in s.execute(
                    sa.select(TC.c.prefix, TC.c.last_seq).where(
                        TC.c.site_id == self.site_id, TC.c.business_date == bdate
                    )
                )
            }
            states = {
                r.window_id: m_(r) for r in s.execute(sa.select(WS).where(WS.c.site_id == self.site_id))
            }
            current = {
                r.window_id: m_(r)
                for r in s.execute(sa.select(T).where(ACTIVE_SQL, T.c.window_id.in_(list(ref.windows))))
            }
        cats = []
        for c in sorted(ref.categories.values(), key=lambda c: (c.sort, c.code)):
            n, oldest = waiting.get(c.id, (0, None))
            # The oldest queue time is a SQL aggregate: on SQLite it comes back as text.
            if isinstance(oldest, str):
                oldest = dt.datetime.fromisoformat(oldest).replace(tzinfo=dt.UTC)
            longest = max(0.0, (now - oldest).total_seconds() / 60) if oldest is not None else 0.0
            cats.append(
                CategoryStatus(
                    c.code,
                    c.name,
                    c.prefix,
                    n,
                    round(longest, 1),
                    issued.get(c.prefix, 0),
                    c.daily_cap,
                    c.warn_wait_minutes,
                )
            )
        wins = tuple(
            self._window_state(w, states.get(w.id), current.get(w.id))
            for w in sorted(ref.windows.values(), key=lambda w: w.number)
            if w.active
        )
        return QueueStatus(now, bdate, tuple(cats), wins)

    def waiting(self) -> list[TicketInfo]:
        """Every waiting ticket in queue-time order."""
        with self.session_factory() as s:
            rows = s.execute(
                sa.select(T).where(T.c.site_id == self.site_id, WAITING).order_by(T.c.queue_at, T.c.id)
            ).all()
        return [self._info(m_(r)) for r in rows]
