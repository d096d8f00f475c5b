"""多窗联办: one visit, several windows, one number.

A ticket carries its visit's route (`app.queue.visitplan`): the matters chosen at the kiosk, a
一件事 bundle's matters in their order, or matters added at the first window. When a window has
done its part, `advance()` puts the ticket back to waiting in the next stop's queue with its
number, issue time, queue time and priority class unchanged: it keeps its place by its original
queue time against the tickets already waiting there (`policy.sort_key` is unchanged). The
"advanced" event says where the citizen goes next (the board shows and says it); the call at the
next stop names the window's area. Statistics count the visit once (人次) and each stop served
(件次); the rating is one per ticket, so one per visit.

Both operations lock the window's status row, then the window's active ticket (FOR UPDATE on
PostgreSQL), and read the route from that locked row: the same lock order as every window
operation (`app.queue.core`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.queue import errors
from app.queue import visitplan as vp
from app.queue.issuing import Issuing
from app.queue.types import TicketInfo, VisitBundle, VisitMatter
from app.queue.window_ops import WindowOps
from db.models import Matter, Scenario, ScenarioMatter
from db.vocab import EventKind, TicketStatus


class Visits(Issuing, WindowOps):
    def _matter_refs(self, s: Session, codes: Sequence[str], scenario: str | None) -> list[vp.MatterRef]:
        """The matters of a visit: the 一件事 bundle's in its order, then the ones named by code."""
        out: list[vp.MatterRef] = []
        if scenario:
            sc = s.scalars(sa.select(Scenario).where(Scenario.code == scenario.strip())).first()
            if sc is None or not sc.active:
                raise errors.QueueError(f"没有这个“一件事”：{scenario}")
            rows = s.execute(
                sa.select(Matter.code, Matter.name, Matter.category_code, Matter.active)
                .join(ScenarioMatter, ScenarioMatter.matter_id == Matter.id)
                .where(ScenarioMatter.scenario_id == sc.id)
                .order_by(ScenarioMatter.sort, Matter.code)
            ).all()
            out += [vp.MatterRef(r.code, r.name, r.category_code) for r in rows if r.active]
        wanted = [c.strip() for c in codes if c.strip()][: vp.MAX_MATTERS + 1]  # plan() refuses more
        if wanted:
            found = {
                r.code: r
                for r in s.execute(
                    sa.select(Matter.code, Matter.name, Matter.category_code, Matter.active).where(
                        Matter.code.in_(wanted)
                    )
                )
            }
            for code in wanted:
                r = found.get(code)
                if r is None or not r.active:
                    raise errors.QueueError(f"没有这个事项：{code}")
                out.append(vp.MatterRef(r.code, r.name, r.category_code))
        return out

    def visit_matters(self) -> list[VisitMatter]:
        """The matters a visit may take in here: active ones whose queue is open in this hall."""
        ref = self.reference()
        by_code = {c.code: c for c in ref.categories.values() if c.active}
        with self.session_factory() as s:
            rows = s.execute(
                sa.select(Matter.code, Matter.name, Matter.category_code)
                .where(Matter.active.is_(True), Matter.category_code.in_(list(by_code)))
                .order_by(Matter.category_code, Matter.code)
            ).all()
        return [
            VisitMatter(r.code, r.name, r.category_code, vp.area_of(ref, by_code[r.category_code].id)) for r in rows
        ]

    def visit_bundles(self) -> list[VisitBundle]:
        """The 一件事 bundles a visit may take here, with their routes (those this hall can serve)."""
        ref = self.reference()
        with self.session_factory() as s:
            codes = list(
                s.scalars(sa.select(Scenario.code).where(Scenario.active.is_(True)).order_by(Scenario.code))
            )
            names = {r.code: r.name for r in s.execute(sa.select(Scenario.code, Scenario.name))}
            out = []
            for code in codes:
                try:
                    stops = vp.plan(self._matter_refs(s, (), code), ref)
                except errors.QueueError:
                    continue  # a matter without a queue here: not on offer
                out.append(VisitBundle(code, names[code], tuple(vp.area_of(ref, st.category_id) for st in stops)))
        return out

    def plan_visit(self, matters: Sequence[str] = (), *, scenario: str | None = None) -> list[vp.Stop]:
        """The stops a visit for these matters (codes) and/or this 一件事 (code) goes through."""
        with self.session_factory() as s:
            refs = self._matter_refs(s, matters, scenario)
        return vp.plan(refs, self.reference())

    def issue_visit(
        self,
        matters: Sequence[str] = (),
        *,
        scenario: str | None = None,
        id_number: str | None = None,
        name: str = "",
        priority: bool = False,
        channel: str = "kiosk",
    ) -> TicketInfo:
        """取号 for a visit with several matters: the ticket waits in the first stop's queue and
        carries the rest of the route (the daily cap and issue hours of that first queue apply)."""
        stops = self.plan_visit(matters, scenario=scenario)
        cat = self.reference().categories[stops[0].category_id]
        return self._issue_checked(
            cat, id_number=id_number, name=name, priority=priority, channel=channel, stops=vp.dumps(stops)
        )

    def add_matters(
        self,
        window: int,
        matters: Sequence[str] = (),
        *,
        scenario: str | None = None,
        staff_id: uuid.UUID | None = None,
    ) -> TicketInfo:
        """Add matters to the visit of the window's current ticket (decided at the first window)."""
        win = self._window(window)
        extra = self.plan_visit(matters, scenario=scenario)

        def tx() -> TicketInfo:
            now = self.clock()
            with self._tx() as s:
                ws = self._lock_window(s, win)
                t = self._active_ticket(s, ws)  # locked: the route read below is the current one
                stops = vp.loads(t["stops"], t["category_id"])
                index = int(t["stop_index"])
                if index >= len(stops):
                    raise errors.QueueError(f"{t['number']} 号的事项记录有误，请到综合窗口处理")
                route = vp.extend(stops, index, extra)
                if route == stops:
                    raise errors.InvalidTransition("所选事项已在本次来访中")
                m = self._update_ticket(s, t["id"], now, stops=vp.dumps(route))
                self._event(
                    s,
                    EventKind.MATTERS_ADDED,
                    now,
                    m,
                    win,
                    staff_id or t["staff_id"],
                    matters=[c for st in extra for c, _ in st.matters],
                    stops=len(route),
                )
            return self._info(m)

        return self._retrying(tx)

    def advance(
        self,
        window: int,
        case_numbers: Sequence[str] = (),
        staff_id: uuid.UUID | None = None,
        outcome: str = "done",
    ) -> TicketInfo:
        """转下一窗口: this window's part of the visit is done; the ticket waits in the next stop's
        queue with its number, issue time, queue time and priority class. Refused when the visit
        has no stop left (then 办结) or the next stop's queue is closed."""
        win = self._window(window)
        ref = self.reference()

        def tx() -> TicketInfo:
            now = self.clock()
            with self._tx() as s:
                ws = self._lock_window(s, win)
                t = self._active_ticket(s, ws)  # locked: route, stop and cases read from it
                stops = vp.loads(t["stops"], t["category_id"])
                index = int(t["stop_index"])
                if index + 1 >= len(stops):
                    raise errors.InvalidTransition(
                        f"{t['number']} 号没有需要到其他窗口办理的事项，请直接办结"
                    )
                nxt = stops[index + 1]
                cat = ref.categories.get(nxt.category_id)
                if cat is None or not cat.active:
                    name = cat.name if cat is not None else "下一类别"
                    raise errors.UnknownCategory(f"{name} 暂停服务，请转移或办结")
                cases = vp.join_cases(t["case_numbers"] or "", case_numbers)
                if len(cases) > 400:
                    raise errors.QueueError("办件编号太多，无法记录在一个号上")
                m = self._update_ticket(
                    s,
                    t["id"],
                    now,
                    status=TicketStatus.WAITING,
                    category_id=cat.id,
                    window_id=None,
                    staff_id=None,
                    called_at=None,
                    started_at=None,
                    finished_at=None,
                    recall_count=0,
                    target_window_id=None,
                    stop_index=index + 1,
                    case_numbers=cases,
                )
                here = ",".join(c.strip() for c in case_numbers if c.strip())
                # The event belongs to the stop just served (its category, this window): the
                # figures count a service there; the payload says where the citizen goes next.
                self._event(
                    s,
                    EventKind.ADVANCED,
                    now,
                    {**m, "category_id": t["category_id"]},
                    win,
                    staff_id or t["staff_id"],
                    outcome=outcome[:32],
                    case_numbers=here,
                    stage=index + 1,
                    to_category=cat.code,
                    next_area=vp.area_of(ref, cat.id),
                    started=t["started_at"] is not None,
                )
            return self._info(m)

        return self._retrying(tx)
