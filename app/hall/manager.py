"""The hall manager's desk: the dashboard's data and what a manager may do from it.

Every action is one transaction with its audit row, names the manager (a StaffInfo with the
manager role, from `sign_in` or the caller's log-in) and raises a Chinese message for the screen:
- acknowledge an alert (who / when; shown on the alert),
- record the 回访 of a 差评 (date, method, outcome, satisfied?),
- pause or reopen a window, move a waiting ticket to another category's queue.
Window ↔ category assignments are reference data the district centre hands down (a local
change would be overwritten by the next release), so the manager moves tickets instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa

from app import auth, evaluations, rectification
from app.context import AppContext
from app.errors import guarded, storage
from app.hall.dashboard import ACK_ACTION, Dashboard, load_dashboard
from app.queue import errors as queue_errors
from app.queue import supervision
from app.queue.service import QueueService
from app.queue.types import TicketInfo, WindowState
from app.vocab import CallbackOutcome, FollowUpState, StaffRole
from db.base import utcnow
from db.engine import SQLITE_IMMEDIATE
from db.models import Evaluation
from db.models_rectification import RectificationItem

_T = TypeVar("_T")


class ManagerError(ValueError):
    """A refused manager action; the message is Chinese, for the screen."""


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    key: str
    staff_name: str
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class CategoryChoice:
    code: str
    name: str
    prefix: str


class ManagerDesk:
    def __init__(self, ctx: AppContext, service: QueueService | None = None) -> None:
        self.ctx = ctx
        self.service = service or ctx.queue()

    # --- reading -------------------------------------------------------------------------

    @guarded("读取大厅数据")
    def load(self) -> Dashboard:
        from app.updates import update_status

        board = load_dashboard(self.service)
        return dataclasses.replace(board, update_notice=update_status(self.ctx).notice())

    @property
    def sync_configured(self) -> bool:
        """Whether this site uploads to a district centre at all (else there is no backlog to show)."""
        return self.ctx.settings.central_url is not None

    @guarded("读取排队数据")
    def waiting(self) -> list[TicketInfo]:
        return self.service.waiting()

    def categories(self) -> list[CategoryChoice]:
        ref = self.service.reference()
        return [
            CategoryChoice(c.code, c.name, c.prefix)
            for c in sorted(ref.categories.values(), key=lambda c: c.prefix)
        ]

    # --- who acts --------------------------------------------------------------------------

    def sign_in(self, username: str, password: str) -> auth.StaffInfo:
        """A manager confirms an action with 工号 and password (the dashboard has no log-in of its own)."""
        with storage("登录"):
            try:
                staff = auth.authenticate_at_manager_pc(
                    self.ctx.sessions,
                    username,
                    password,
                    site_id=self.ctx.site_id,
                    demo=bool(getattr(self.ctx, "demo", False)),
                )
            except auth.AuthError as exc:
                raise ManagerError(str(exc)) from exc
        self._require(staff)
        return staff

    @staticmethod
    def _require(staff: auth.StaffInfo | None) -> auth.StaffInfo:
        if staff is None:
            raise ManagerError("请先以大厅管理员身份登录")
        try:
            auth.require_role(staff, StaffRole.MANAGER, "大厅管理操作")
        except auth.NotPermitted as exc:
            raise ManagerError(str(exc)) from exc
        return staff

    # --- actions ---------------------------------------------------------------------------

    def acknowledge(self, staff: auth.StaffInfo | None, key: str, text: str) -> Acknowledgement:
        who = self._require(staff)
        key = key.strip()
        if not key:
            raise ManagerError("这条预警无法确认")
        now = utcnow()
        with storage("确认预警"), self.ctx.sessions() as s:
            s.connection(execution_options=SQLITE_IMMEDIATE)
            auth.audit(
                s, self.ctx.site_id, who.id, ACK_ACTION, text[:500], entity="alert", entity_id=key, now=now
            )
            s.commit()
        return Acknowledgement(key, who.name, now)

    def record_follow_up(
        self,
        staff: auth.StaffInfo | None,
        evaluation_id: uuid.UUID,
        *,
        at: dt.datetime,
        method: str,
        outcome: str,
        satisfied: bool | None,
    ) -> evaluations.EvaluationInfo:
        """The live tab's 回访 of an open 差评 alert, recorded as the call-back of the rating's
        整改单 (`app.rectification.record_callback`, the one way a 回访 is stored): a contact that
        reached the applicant, so it also records the evaluation's follow-up."""
        who = self._require(staff)
        try:
            with storage("保存回访记录"), self.ctx.sessions() as s:
                s.connection(execution_options=SQLITE_IMMEDIATE)
                ev = s.get(Evaluation, evaluation_id)
                if ev is None or ev.merged_into is not None:
                    raise ManagerError("没有找到这条评价")
                if ev.follow_up != FollowUpState.OPEN:
                    raise ManagerError("这条评价没有待回访事项")
                item_id = s.scalar(
                    sa.select(RectificationItem.id).where(RectificationItem.evaluation_id == evaluation_id)
                )
                if item_id is None:
                    raise ManagerError("没有找到这条差评的整改单")
                if not outcome.strip():
                    raise ManagerError("请填写回访情况")
                reached = {True: CallbackOutcome.SATISFIED, False: CallbackOutcome.DISSATISFIED}
                rectification.record_callback(
                    s,
                    item_id,
                    outcome=reached[satisfied] if satisfied is not None else CallbackOutcome.REACHED,
                    method=method,
                    note=outcome,
                    at=at,
                    staff_id=who.id,
                )
                s.commit()
                return evaluations.info(ev)
        except (evaluations.EvaluationError, rectification.RectificationError) as exc:
            raise ManagerError(str(exc)) from exc

    def pause_window(self, staff: auth.StaffInfo | None, number: int, reason: str) -> WindowState:
        who = self._require(staff)
        return self._queue("暂停窗口", lambda: supervision.pause_window(self.service, number, reason, who.id))

    def reopen_window(self, staff: auth.StaffInfo | None, number: int) -> WindowState:
        who = self._require(staff)
        return self._queue("恢复窗口", lambda: supervision.reopen_window(self.service, number, who.id))

    def move_ticket(self, staff: auth.StaffInfo | None, number: str, to_category: str) -> TicketInfo:
        who = self._require(staff)
        if not number.strip():
            raise ManagerError("请选择要转移的号")
        return self._queue(
            "转移排队号", lambda: supervision.move_waiting(self.service, number, to_category, who.id)
        )

    @staticmethod
    def _queue(what: str, fn: Callable[[], _T]) -> _T:
        try:
            with storage(what):
                return fn()
        except queue_errors.QueueError as exc:
            raise ManagerError(str(exc)) from exc
