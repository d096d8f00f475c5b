"""The counter desk: everything the counter's screens ask of the hall, one method per request.

Each method is one unit of work with the audit rows it owes (a card read, a restored draft, a
reprint are audited in the same transaction as what they show), returns plain dataclasses, and
turns a database failure into `app.errors.StorageError`. Domain refusals (QueueError, CaseError)
pass unchanged. Methods block: the screens call them through their task runner, never on the GUI
thread.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app import auth, drafts
from app.auth import StaffInfo, WindowInfo
from app.cases import service
from app.cases.errors import CaseError
from app.cases.types import (
    CaseDetail,
    CaseInfo,
    CaseRow,
    Clerk,
    Document,
    IntakeRequest,
    IntakeResult,
    MatterInfo,
    ScenarioInfo,
)
from app.context import AppContext
from app.errors import guarded, storage
from app.queue.errors import QueueError
from app.queue.service import QueueService
from app.queue.types import CategoryStatus, QueueStatus, TicketInfo, WindowState
from app.validators import mask_id_number
from app.vocab import StaffRole, TicketStatus, WindowServiceState
from db.models import Staff, Ticket

log = logging.getLogger("onewindow.app.counter")


@dataclass(frozen=True, slots=True)
class TransferTarget:
    label: str  # 类别：综合业务（A） / 窗口：2号 综合窗口
    to_category: str | None
    to_window: int | None


@dataclass(frozen=True, slots=True)
class WaitingTicket:
    """One ticket this window may call, as the clerk's waiting list shows it: no personal data but
    the holder's masked name of a real-name ticket."""

    id: uuid.UUID
    number: str
    category_name: str
    waited_minutes: float
    priority_class: str  # green | appointment | normal
    holder_name: str  # masked (张*三), "" if not a real-name ticket
    transferred_here: bool  # transferred to this window by name


@dataclass(frozen=True, slots=True)
class QueueView:
    """What the queue panel shows: this window, the waiting counts it may call, the waiting tickets
    in queue order, its held tickets and where its current ticket may be transferred."""

    window: WindowState | None
    categories: tuple[CategoryStatus, ...]
    held: tuple[str, ...]
    targets: tuple[TransferTarget, ...]
    waiting: tuple[WaitingTicket, ...] = ()


@dataclass(frozen=True, slots=True)
class ActionResult:
    """One window operation done: the ticket it touched (None: nobody waiting), the announcement,
    the window's state after it, the cases of a finished ticket, and the panel's view after it."""

    action: str
    ticket: TicketInfo | None
    announcement: str
    state: WindowState | None
    case_ids: tuple[uuid.UUID, ...]
    view: QueueView


@dataclass(frozen=True, slots=True)
class MatterChoice:
    """One line of the intake's search: a matter or a 一件事 scenario."""

    id: uuid.UUID
    code: str
    name: str
    commitment: bool
    instant: bool
    tolerance: bool
    is_scenario: bool = False


@dataclass(frozen=True, slots=True)
class Chosen:
    """The matters the intake will take (one matter, or every matter of a scenario)."""

    scenario: ScenarioInfo | None
    matters: tuple[MatterInfo, ...]


@dataclass(frozen=True, slots=True)
class RestoredDraft:
    data: dict[str, Any]
    ticket_id: uuid.UUID | None
    chosen: Chosen
    problem: str  # why the draft's matters were dropped ("" when they are still on offer)


QUEUE_ACTIONS = frozenset(
    {
        "call_next",
        "recall",
        "no_show",
        "start",
        "finish",
        "transfer",
        "hold",
        "resume",
        "pause",
        "resume_window",
        "call_specific",
        "requeue",
    }
)


class CounterDesk:
    """One clerk at one window. Thread-safe as far as its services are: every call opens its own
    session; the screens run them one at a time on the counter's worker thread."""

    def __init__(
        self, ctx: AppContext, staff: StaffInfo, window: WindowInfo, *, queue: QueueService | None = None
    ) -> None:
        self.ctx = ctx
        self.staff = staff
        self.window = window
        self.queue = queue or ctx.queue()
        self.clerk = Clerk(ctx.site_id, staff.id, staff.name, window.id, window.label)
        self._scenarios: list[tuple[ScenarioInfo, str]] | None = None

    def today(self) -> dt.date:
        """The hall's calendar date now (its time zone; no database): what a card's validity is
        checked against."""
        from zoneinfo import ZoneInfo

        return dt.datetime.now(ZoneInfo(self.ctx.settings.site.timezone)).date()

    # --- queue ----------------------------------------------------------------------------------

    @guarded("读取排队状态")
    def queue_view(self) -> QueueView:
        status = self.queue.status()
        mine = next((w for w in status.windows if w.number == self.window.number), None)
        codes = set(mine.category_codes) if mine is not None else set()
        now = status.at
        waiting = tuple(
            WaitingTicket(
                t.id,
                t.number,
                t.category_name,
                round(max(0.0, (now - t.queue_at).total_seconds() / 60), 1),
                t.priority_class,
                t.holder_name,
                t.target_window_number == self.window.number,
            )
            for t in self.queue.waiting()
            if t.target_window_number == self.window.number
            or (t.target_window_number is None and t.category_code in codes)
        )
        return QueueView(
            mine,
            tuple(c for c in status.categories if c.code in codes),
            tuple(self._held_here()),
            self._targets(status, mine.current if mine is not None else None),
            waiting,
        )

    def _held_here(self) -> list[str]:
        """Tickets this window put on hold today (they survive a restart of the counter)."""
        q = self.queue
        with q.session_factory() as s:
            return list(
                s.scalars(
                    sa.select(Ticket.number)
                    .where(
                        Ticket.site_id == q.site_id,
                        Ticket.window_id == self.window.id,
                        Ticket.status == TicketStatus.HELD,
                        Ticket.business_date == q.business_date(),
                    )
                    .order_by(Ticket.updated_at)
                )
            )

    def _targets(self, status: QueueStatus, current: TicketInfo | None) -> tuple[TransferTarget, ...]:
        """Where the current ticket may go: a category some open window serves (not its own: that
        changes nothing), or another open window; by their Chinese names."""
        open_windows = [w for w in status.windows if w.state == WindowServiceState.OPEN and w.number != self.window.number]
        served = {code for w in open_windows for code in w.category_codes}
        own = current.category_code if current is not None else None
        out = [
            TransferTarget(f"类别：{c.name}（{c.prefix}号）", c.code, None)
            for c in status.categories
            if c.code in served and c.code != own
        ]
        out += [
            TransferTarget(f"窗口：{WindowInfo(self.window.id, w.number, w.name, '').label}", None, w.number)
            for w in sorted(open_windows, key=lambda w: w.number)
        ]
        return tuple(out)

    @guarded("开窗")
    def open_window(self) -> QueueView:
        """At log-in: 开窗 when the window is closed (a paused window stays paused)."""
        view = self.queue_view()
        if view.window is not None and view.window.state == WindowServiceState.CLOSED:
            try:
                self.queue.open_window(self.window.number, self.staff.id)
            except QueueError as exc:
                log.warning("opening window %s failed: %s", self.window.number, exc)
            view = self.queue_view()
        return view

    @guarded("窗口操作")
    def act(
        self,
        action: str,
        *,
        current: uuid.UUID | None = None,
        number: str = "",
        reason: str = "",
        target: TransferTarget | None = None,
    ) -> ActionResult:
        """One window operation (F-keys). `current`: the ticket the panel shows (finish links its
        cases); `number`: for call_specific / requeue / resume; `reason`: pause."""
        if action not in QUEUE_ACTIONS:
            raise ValueError(f"unknown queue action {action!r}")
        q, n, sid = self.queue, self.window.number, self.staff.id
        ticket: TicketInfo | None = None
        announcement = ""
        state: WindowState | None = None
        case_ids: tuple[uuid.UUID, ...] = ()
        if action == "call_next":
            res = q.call_next(n, sid)
            if res is not None:
                ticket, announcement = res.ticket, res.announcement
        elif action == "recall":
            res2 = q.recall(n, sid)
            ticket, announcement = res2.ticket, res2.announcement
        elif action == "no_show":
            ticket = q.no_show(n, sid)
        elif action == "start":
            ticket = q.start(n, sid)
        elif action == "finish":
            cases = self._cases_for(current)
            numbers = [c.case_number for c in cases]
            ticket = q.finish(n, "accepted" if numbers else "done", numbers, sid)
            case_ids = tuple(c.id for c in cases)
        elif action == "transfer":
            if target is None:
                raise ValueError("transfer needs a target")
            ticket = q.transfer(n, to_category=target.to_category, to_window=target.to_window, staff_id=sid)
        elif action == "hold":
            ticket = q.hold(n, sid)
        elif action == "resume":
            ticket = q.resume(n, number, sid)
        elif action == "pause":
            state = q.pause_window(n, reason, sid)
        elif action == "resume_window":
            state = q.resume_window(n, sid)
        elif action == "call_specific":
            auth.require_role(self.staff, "manager", "指定叫号")
            res3 = q.call_ticket(n, number, manager_id=sid, staff_id=sid)
            ticket, announcement = res3.ticket, res3.announcement
        elif action == "requeue":
            ticket = q.requeue(number, sid)
        return ActionResult(action, ticket, announcement, state, case_ids, self.queue_view())

    def _cases_for(self, ticket_id: uuid.UUID | None) -> list[CaseInfo]:
        if ticket_id is None:
            return []
        with self.ctx.sessions() as s:
            return service.cases_for_ticket(s, ticket_id)

    @guarded("读取办件")
    def cases_for_ticket(self, ticket_id: uuid.UUID) -> list[CaseInfo]:
        return self._cases_for(ticket_id)

    # --- applicant and matters --------------------------------------------------------------------

    @guarded("核对取号人")
    def holder_matches(self, ticket_id: uuid.UUID, id_number: str) -> bool | None:
        """Whether a card read at the counter is the real-name ticket's holder (keyed hash of the
        number against the ticket's); None when the ticket is not real-name or the number cannot
        be hashed here (no key, not a valid number)."""
        from app.queue.idhash import hash_id_number

        with self.ctx.sessions() as s:
            stored = s.scalar(sa.select(Ticket.id_number_hash).where(Ticket.id == ticket_id))
        if not stored:
            return None
        try:
            return hash_id_number(id_number, self.queue.id_hash_key) == stored
        except (QueueError, ValueError):
            return None

    @guarded("记录读卡")
    def card_read(self, id_number: str) -> None:
        """Audit a card read at this window (the masked number only)."""
        with service.write_session(self.ctx.sessions) as s:
            service.audit(
                s,
                self.clerk.site_id,
                self.clerk.staff_id,
                "idcard_read",
                "applicant",
                "",
                f"card read at {self.clerk.window_name}: {mask_id_number(id_number)}",
            )

    def _scenario_index(self) -> list[tuple[ScenarioInfo, str]]:
        if self._scenarios is None:
            from app.catalogue import matter_pinyin

            with self.ctx.sessions() as s:
                self._scenarios = [
                    (sc, matter_pinyin(sc.name)) for sc in service.list_scenarios(s, self.clerk.site_id)
                ]
        return self._scenarios

    @guarded("查找事项")
    def search(self, text: str, limit: int = 15) -> list[MatterChoice]:
        """Scenarios whose name, pinyin initials or code contain `text`, then matching matters."""
        from app.matters import search_matters

        q = text.strip()
        if not q:
            return []
        low = q.lower()
        out = [
            MatterChoice(sc.id, sc.code, sc.name, False, False, False, True)
            for sc, py in self._scenario_index()
            if low in sc.name.lower() or low in py or low in sc.code.lower()
        ]
        with self.ctx.sessions() as s:
            hits = search_matters(s, q, self.clerk.site_id, limit=limit)
        for h in hits:
            m = h.matter
            out.append(MatterChoice(m.id, m.code, m.name, m.commitment, m.instant, m.tolerance))
        return out

    @guarded("查找事项")
    def list_matters(self, limit: int = 50) -> list[MatterChoice]:
        """The matters this site may handle, by code (screenshots, scripts)."""
        from app.matters import search_matters

        with self.ctx.sessions() as s:
            hits = search_matters(s, "", self.clerk.site_id, limit=limit)
        return [
            MatterChoice(
                h.matter.id,
                h.matter.code,
                h.matter.name,
                h.matter.commitment,
                h.matter.instant,
                h.matter.tolerance,
            )
            for h in hits
        ]

    @guarded("读取事项")
    def matter(self, matter_id: uuid.UUID) -> Chosen:
        with self.ctx.sessions() as s:
            return Chosen(None, (service.get_matter(s, matter_id, self.clerk.site_id),))

    @guarded("读取事项")
    def scenario(self, scenario_id: uuid.UUID) -> Chosen:
        with self.ctx.sessions() as s:
            sc = service.get_scenario(s, scenario_id, self.clerk.site_id)
            return Chosen(sc, tuple(service.get_matter(s, m, self.clerk.site_id) for m in sc.matter_ids))

    @guarded("读取事项")
    def matters(self, matter_ids: Sequence[uuid.UUID]) -> Chosen:
        with self.ctx.sessions() as s:
            return Chosen(None, tuple(service.get_matter(s, m, self.clerk.site_id) for m in matter_ids))

    # --- drafts ----------------------------------------------------------------------------------

    @guarded("保存草稿")
    def save_draft(self, ticket_id: uuid.UUID | None, data: dict[str, Any]) -> None:
        """Insert or replace this clerk's draft at this window (ValueError if it is too large)."""
        with service.write_session(self.ctx.sessions) as s:
            drafts.save_draft(
                s,
                site_id=self.clerk.site_id,
                staff_id=self.clerk.staff_id,
                window_id=self.clerk.window_id,
                ticket_id=ticket_id,
                data=data,
            )

    @guarded("清除草稿")
    def clear_draft(self) -> None:
        with service.write_session(self.ctx.sessions) as s:
            drafts.clear_draft(s, self.clerk.staff_id, self.clerk.window_id)

    @guarded("恢复草稿")
    def restore_draft(self) -> RestoredDraft | None:
        """The unfinished intake of this clerk at this window, with its matters; the restore is
        audited (the form shows personal data again) in the same transaction."""
        with service.write_session(self.ctx.sessions) as s:
            d = drafts.load_draft(s, self.clerk.staff_id, self.clerk.window_id)
            if d is None or not d.data:
                return None
            problem = ""
            chosen = Chosen(None, ())
            try:
                if d.data.get("scenario_id"):
                    sc = service.get_scenario(s, uuid.UUID(str(d.data["scenario_id"])), self.clerk.site_id)
                    chosen = Chosen(
                        sc, tuple(service.get_matter(s, m, self.clerk.site_id) for m in sc.matter_ids)
                    )
                else:
                    ids = [uuid.UUID(str(m)) for m in d.data.get("matter_ids") or []]
                    chosen = Chosen(None, tuple(service.get_matter(s, m, self.clerk.site_id) for m in ids))
            except (CaseError, ValueError) as exc:
                problem = str(exc)
            applicant = dict(d.data.get("applicant") or {})
            service.audit(
                s,
                self.clerk.site_id,
                self.clerk.staff_id,
                "intake_draft_restore",
                "applicant",
                "",
                f"draft from {d.updated_at:%Y-%m-%d %H:%M} restored at {self.clerk.window_name}: "
                f"{mask_id_number(str(applicant.get('id_number') or ''))}",
            )
            return RestoredDraft(d.data, d.ticket_id, chosen, problem)

    # --- intake and cases ------------------------------------------------------------------------

    @guarded("保存受理")
    def submit(
        self,
        request: IntakeRequest,
        path: str,
        *,
        reasons: Sequence[str] = (),
        other_requirements: Sequence[str] = (),
    ) -> IntakeResult:
        """Take an application in along `path` and drop the draft, in one transaction."""
        with service.write_session(self.ctx.sessions) as s:
            result = service.submit(
                s, request, self.clerk, path, reasons=reasons, other_requirements=other_requirements
            )
            drafts.clear_draft(s, self.clerk.staff_id, self.clerk.window_id)
            return result

    def build_documents(
        self,
        case_ids: Sequence[uuid.UUID],
        directory: Path,
        config: Any = None,
        kinds: Sequence[str] | None = None,
    ) -> tuple[list[Document], list[Path]]:
        """The PDFs of committed cases, saved in `directory` (reportlab: run on the document thread)."""
        from app.cases import documents as case_docs  # reportlab: loaded on first use

        docs: list[Document] = []
        with storage("生成文书"), self.ctx.sessions() as s:
            for cid in case_ids:
                if kinds is None:
                    docs += case_docs.build_documents(s, cid, config=config)
                else:
                    docs += case_docs.build_documents(s, cid, list(kinds))
            s.commit()  # a receipt's 评价码 made on first print stays the visit's code
        return docs, case_docs.save_documents(docs, directory)

    @guarded("重新打印")
    def reprint(self, case_id: uuid.UUID, directory: Path) -> tuple[list[Document], list[Path]]:
        """Rebuild a case's intake documents; audited like a reveal (personal data on paper again)."""
        from app.cases import documents as case_docs

        with service.write_session(self.ctx.sessions) as s:
            docs = case_docs.build_documents(s, case_id)
            auth.audit(
                s,
                self.clerk.site_id,
                self.clerk.staff_id,
                "case.reprint",
                f"{len(docs)} documents",
                entity="case",
                entity_id=str(case_id),
            )
        return docs, case_docs.save_documents(docs, directory)

    @guarded("读取办件")
    def list_cases(self, view: str) -> list[CaseRow]:
        with self.ctx.sessions() as s:
            return service.list_cases(
                s,
                self.clerk.site_id,
                view,
                staff_id=self.clerk.staff_id,
                due_soon_days=self.ctx.settings.thresholds.due_soon_working_days,
            )

    @guarded("读取办件")
    def case_detail(self, case_id: uuid.UUID, *, audit: bool = False) -> CaseDetail:
        """A case's detail; `audit`: the clerk opened it (the reveal of personal data is logged)."""
        with service.write_session(self.ctx.sessions) as s:
            return service.case_detail(s, case_id, self.clerk if audit else None)

    @guarded("保存办件")
    def case_action(self, case_id: uuid.UUID, key: str, *, reason: str = "", waybill: str = "") -> None:
        """One later transition of a case (review, approve, deny, complete, deliver, supply)."""
        cid, clerk = case_id, self.clerk
        with service.write_session(self.ctx.sessions) as s:
            if key == "review":
                service.start_review(s, cid, clerk)
            elif key == "approve":
                service.approve(s, cid, clerk)
            elif key == "deny":
                service.deny(s, cid, clerk, reason)
            elif key == "complete":
                service.complete(s, cid, clerk)
            elif key == "deliver_window":
                service.deliver(s, cid, clerk, "window")
            elif key == "deliver_ems":
                service.deliver(s, cid, clerk, "ems", waybill)
            elif key == "supply":
                service.supply_materials(s, cid, clerk)
            else:
                raise ValueError(f"unknown case action {key!r}")

    # --- session ---------------------------------------------------------------------------------

    @guarded("会话心跳")
    def heartbeat(self, terminal: str) -> bool:
        """Keep the log-in's claim on this window; False when another PC took the account over."""
        with service.write_session(self.ctx.sessions) as s:
            return auth.heartbeat(s, self.staff.id, terminal)

    @guarded("退出登录")
    def release(self, terminal: str) -> None:
        with service.write_session(self.ctx.sessions) as s:
            auth.release_window(s, self.staff.id, terminal)

    def log_out(self, *, close_window: bool) -> None:
        """At close: 关窗 when nobody is being served, and the log-out audited. Each step is
        tried on its own (a failure is logged: the session expires by itself)."""
        if close_window:
            try:
                with storage("关窗"):
                    self.queue.close_window(self.window.number, self.staff.id)
            except (QueueError, RuntimeError) as exc:
                log.warning("closing window %s failed: %s", self.window.number, exc)
        try:
            with storage("退出登录"), service.write_session(self.ctx.sessions) as s:
                auth.record_logout(s, self.staff)
        except RuntimeError:
            log.exception("recording the log-out failed")


@guarded("读取工作人员")
def demo_clerk(ctx: AppContext, window_number: int | None = None) -> tuple[StaffInfo, WindowInfo]:
    """The demo hall's counter: the first active clerk (at `window_number` if given)."""
    with ctx.sessions() as s:
        windows = auth.windows(s, ctx.site_id)
        if not windows:
            raise RuntimeError("no window in the hall database; seed the demo first")
        window = next((w for w in windows if w.number == window_number), windows[0])
        rows = s.scalars(
            sa.select(Staff)
            .where(Staff.site_id == ctx.site_id, Staff.active.is_(True), Staff.role == StaffRole.CLERK)
            .order_by(Staff.username)
        ).all()
        if not rows:
            raise RuntimeError("no clerk in the hall database; seed the demo first")
        staff = next((r for r in rows if r.window_id == window.id), rows[0])
        return auth.staff_info(staff), window


@guarded("读取工作人员")
def first_clerk(ctx: AppContext) -> tuple[StaffInfo, WindowInfo]:
    """A clerk with an assigned window if any (screenshots)."""
    with ctx.sessions() as s:
        windows = auth.windows(s, ctx.site_id)
        staff = s.scalars(
            sa.select(Staff)
            .where(Staff.site_id == ctx.site_id, Staff.role == StaffRole.CLERK, Staff.active.is_(True))
            .order_by(Staff.window_id.is_(None), Staff.username)
        ).first()
        if staff is None or not windows:
            raise RuntimeError("screenshots need a clerk and a window in the hall database (seed the demo)")
        info = auth.staff_info(staff)
    return info, next((w for w in windows if w.id == info.window_id), windows[0])
