"""12345 诉求 ledger: record at the counter or kiosk, assign, reply, check, rate, close.

`HotlineLedger` is the service a screen talks to: each method is one transaction that writes the
item through the outbox (it reaches the centre in channel `cases`) with its audit row, and
returns dataclasses. The contact's name and phone are stored encrypted and only with the
citizen's consent to be called back; lists show them masked.

Handling deadlines are working days from the day the item is received (the day itself does not
count), on the hall's working-day calendar; the days per category are defaults a district may
replace (local 12345 rules differ: commonly 咨询 1–3, 求助 3–5, 投诉/举报 5–15 working days).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app import validators
from app.calendar import WorkCalendar
from app.errors import storage
from app.hotline.figures import LedgerRow, MonthFigures, month_figures
from app.vocab import HotlineCategory, HotlineSatisfaction, HotlineStatus
from db import outbox
from db.base import utcnow
from db.crypto import session_cipher
from db.models_hotline import HotlineItem

NAME_COLUMN = "hotline_item.contact_name"
PHONE_COLUMN = "hotline_item.contact_phone"

DEFAULT_DEADLINES: Mapping[HotlineCategory, int] = {
    HotlineCategory.CONSULT: 3,
    HotlineCategory.HELP: 5,
    HotlineCategory.COMPLAINT: 10,
    HotlineCategory.REPORT: 10,
    HotlineCategory.SUGGESTION: 15,
    HotlineCategory.PRAISE: 5,
    HotlineCategory.NOT_DONE: 3,  # 办不成事: answered fast, the citizen is stuck at the hall
}
REPLY_RESULTS = ("已解决", "部分解决", "未解决", "已解释说明", "已采纳", "已转相关部门")
CHANNELS = ("counter", "kiosk", "12345")
MIN_REPLY_CHARS = 10
# The order the counter and the kiosk offer the categories in: 办不成事 first (the report the hall
# wants most), 举报 last.
OFFERED_CATEGORIES = (
    HotlineCategory.NOT_DONE,
    HotlineCategory.CONSULT,
    HotlineCategory.HELP,
    HotlineCategory.COMPLAINT,
    HotlineCategory.SUGGESTION,
    HotlineCategory.PRAISE,
    HotlineCategory.REPORT,
)


class HotlineError(ValueError):
    """A refused ledger step; the message is a plain Chinese sentence."""


@dataclass(frozen=True)
class ItemSpec:
    category: HotlineCategory
    text: str
    department: str = ""
    matter_id: uuid.UUID | None = None
    contact_name: str = ""
    contact_phone: str = ""
    consent: bool = False
    channel: str = "counter"
    external_ref: str = ""
    received_at: dt.datetime | None = None  # items handed down keep the platform's time


@dataclass(frozen=True)
class ItemInfo:
    id: uuid.UUID
    number: str
    external_ref: str
    channel: str
    category: HotlineCategory
    department: str
    text: str
    contact_name_masked: str
    contact_phone_masked: str
    consent: bool
    received_at: dt.datetime
    due_date: dt.date
    status: HotlineStatus
    assigned_to: str
    reply: str
    reply_unit: str
    reply_result: str
    reply_complete: bool | None
    satisfaction: HotlineSatisfaction | None
    closed_on: dt.date | None

    def overdue(self, today: dt.date) -> bool:
        """Still open after its due date (the due date itself is in time)."""
        return self.status is not HotlineStatus.CLOSED and today > self.due_date


def overdue_alerts(
    session: Session, site_id: uuid.UUID, today: dt.date
) -> list[tuple[uuid.UUID, str, dt.datetime]]:
    """(item id, text, received at) of every open 12345 item past its due date (the due date itself
    is in time, as `ItemInfo.overdue`): the manager dashboard's alerts. No contact is decrypted."""
    rows = session.execute(
        sa.select(
            HotlineItem.id, HotlineItem.number, HotlineItem.category, HotlineItem.department,
            HotlineItem.assigned_to, HotlineItem.due_date, HotlineItem.received_at,
        )
        .where(
            HotlineItem.site_id == site_id,
            HotlineItem.status != str(HotlineStatus.CLOSED),
            HotlineItem.due_date < today,
        )
        .order_by(HotlineItem.due_date, HotlineItem.number)
    ).all()  # fmt: skip
    out = []
    for iid, number, category, department, assigned, due, received in rows:
        who = assigned or department
        where = f"，{who}" if who else ""
        at = received if received.tzinfo is not None else received.replace(tzinfo=dt.UTC)
        out.append((iid, f"诉求 {number}（{category}{where}）逾期未办结（期限 {due:%m-%d}）", at))
    return out


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else ("*" * len(phone))


def reply_gaps(reply: str, unit: str, result: str) -> tuple[str, ...]:
    """What a reply lacks to count as complete (答复完整): the answer itself (at least
    MIN_REPLY_CHARS characters), the handling unit (承办单位) and the result (办理结果)."""
    gaps = []
    if len(reply.strip()) < MIN_REPLY_CHARS:
        gaps.append(f"答复内容（至少 {MIN_REPLY_CHARS} 个字）")
    if not unit.strip():
        gaps.append("承办单位")
    if result not in REPLY_RESULTS:
        gaps.append("办理结果")
    return tuple(gaps)


class HotlineLedger:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        site_id: uuid.UUID,
        site_code: str,
        *,
        tz: str = "Asia/Shanghai",
        deadlines: Mapping[HotlineCategory, int] = DEFAULT_DEADLINES,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._site_id = site_id
        self._site_code = site_code
        self._tz = tz
        self._deadlines = dict(deadlines)
        self._clock = clock

    def _now(self) -> dt.datetime:
        """The clock in UTC: stored times (and their outbox snapshots) are UTC."""
        return self._clock().astimezone(dt.UTC)

    # --- helpers ---------------------------------------------------------------------------

    def _today(self, at: dt.datetime | None = None) -> dt.date:
        return (at or self._now()).astimezone(ZoneInfo(self._tz)).date()

    def _audit(
        self, session: Session, staff_id: uuid.UUID | None, action: str, item: HotlineItem, detail: str = ""
    ) -> None:
        from app.auth import audit

        audit(session, self._site_id, staff_id, action, detail or item.number, entity="hotline_item",
              entity_id=str(item.id), now=self._now())  # fmt: skip

    def _item(self, session: Session, item_id: uuid.UUID) -> HotlineItem:
        item = session.get(HotlineItem, item_id)
        if item is None or item.site_id != self._site_id:
            raise HotlineError("没有这条诉求")
        return item

    def _info(self, session: Session, item: HotlineItem) -> ItemInfo:
        name = phone = ""
        if item.contact_name or item.contact_phone:
            cipher = session_cipher(session)
            name = (
                validators.mask_name(cipher.decrypt(item.contact_name, NAME_COLUMN))
                if item.contact_name
                else ""
            )
            phone = mask_phone(cipher.decrypt(item.contact_phone, PHONE_COLUMN)) if item.contact_phone else ""
        return ItemInfo(
            item.id, item.number, item.external_ref, item.channel, HotlineCategory(item.category),
            item.department, item.text, name, phone, item.consent, item.received_at, item.due_date,
            HotlineStatus(item.status), item.assigned_to, item.reply, item.reply_unit, item.reply_result,
            item.reply_complete, HotlineSatisfaction(item.satisfaction) if item.satisfaction else None,
            item.closed_on,
        )  # fmt: skip

    def _next_number(self, session: Session, day: dt.date) -> str:
        prefix = f"{self._site_code}-RX-{day:%Y%m%d}-"
        last = session.scalar(
            sa.select(sa.func.max(HotlineItem.number)).where(
                HotlineItem.site_id == self._site_id, HotlineItem.number.startswith(prefix)
            )
        )
        seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
        return f"{prefix}{seq:04d}"

    # --- steps -----------------------------------------------------------------------------

    def record(self, spec: ItemSpec, *, staff_id: uuid.UUID | None = None) -> ItemInfo:
        """登记: a new item with its number and handling deadline."""
        try:
            category = HotlineCategory(spec.category)
        except ValueError:
            raise HotlineError("请选择诉求类型：咨询、求助、投诉、举报、建议、表扬或办不成事") from None
        text = spec.text.strip()
        if not text:
            raise HotlineError("请填写诉求内容")
        if len(text) > 2000:
            raise HotlineError("诉求内容太长：最多 2000 个字")
        if spec.channel not in CHANNELS:
            raise HotlineError("诉求来源只能是窗口、取号机或 12345 平台")
        name, phone = spec.contact_name.strip(), validators.normalise_mobile(spec.contact_phone)
        if (name or phone) and not spec.consent:
            raise HotlineError("留下联系人和电话需征得本人同意回访；不同意时请不要填写")
        if phone:
            check = validators.check_mobile(phone)
            if not check.ok:
                raise HotlineError(check.reason)
        if len(name) > 50:
            raise HotlineError("联系人姓名太长：最多 50 个字")
        received = (spec.received_at or self._now()).astimezone(dt.UTC)
        with storage("登记诉求"), self._sessions.begin() as session:
            day = self._today(received)
            due = WorkCalendar.load(session, self._tz).add_working_days(day, self._deadlines[category]).date
            cipher = session_cipher(session) if (name or phone) else None
            item = HotlineItem(
                site_id=self._site_id,
                number=self._next_number(session, day),
                external_ref=spec.external_ref.strip()[:64],
                channel=spec.channel,
                category=str(category),
                matter_id=spec.matter_id,
                department=spec.department.strip()[:100],
                text=text,
                contact_name=cipher.encrypt(name, NAME_COLUMN) if cipher and name else "",
                contact_phone=cipher.encrypt(phone, PHONE_COLUMN) if cipher and phone else "",
                consent=spec.consent,
                received_at=received,
                due_date=due,
                status=str(HotlineStatus.RECEIVED),
                staff_id=staff_id,
            )
            outbox.save(session, item)
            self._audit(session, staff_id, "hotline_record", item)
            return self._info(session, item)

    def assign(self, item_id: uuid.UUID, to: str, *, staff_id: uuid.UUID | None = None) -> ItemInfo:
        """转办 to a department or window."""
        unit = to.strip()
        if not unit:
            raise HotlineError("请填写承办部门或窗口")
        with storage("转办诉求"), self._sessions.begin() as session:
            item = self._item(session, item_id)
            if item.status == HotlineStatus.CLOSED:
                raise HotlineError("这条诉求已经办结")
            item.assigned_to, item.assigned_at = unit[:100], self._now()
            item.status = str(HotlineStatus.ASSIGNED)
            outbox.save(session, item)
            self._audit(session, staff_id, "hotline_assign", item, f"{item.number} → {unit}")
            return self._info(session, item)

    def reply(
        self, item_id: uuid.UUID, text: str, unit: str, result: str, *, staff_id: uuid.UUID | None = None
    ) -> ItemInfo:
        """答复: the reply is checked for completeness (答复完整) as it is stored."""
        with storage("答复诉求"), self._sessions.begin() as session:
            item = self._item(session, item_id)
            if item.status == HotlineStatus.CLOSED:
                raise HotlineError("这条诉求已经办结")
            if not text.strip():
                raise HotlineError("请填写答复内容")
            item.reply, item.reply_unit, item.reply_result = (
                text.strip(),
                unit.strip()[:100],
                result.strip()[:16],
            )
            item.replied_at = self._now()
            item.reply_complete = not reply_gaps(item.reply, item.reply_unit, item.reply_result)
            item.status = str(HotlineStatus.REPLIED)
            outbox.save(session, item)
            self._audit(session, staff_id, "hotline_reply", item)
            return self._info(session, item)

    def rate(
        self, item_id: uuid.UUID, verdict: HotlineSatisfaction, *, staff_id: uuid.UUID | None = None
    ) -> ItemInfo:
        """回访: the citizen's verdict on the reply."""
        verdict = HotlineSatisfaction(verdict)
        with storage("记录满意度"), self._sessions.begin() as session:
            item = self._item(session, item_id)
            if not item.reply:
                raise HotlineError("答复后才能记录满意度")
            item.satisfaction = str(verdict)
            outbox.save(session, item)
            self._audit(session, staff_id, "hotline_rate", item, f"{item.number} {verdict}")
            return self._info(session, item)

    def close(self, item_id: uuid.UUID, *, staff_id: uuid.UUID | None = None) -> ItemInfo:
        """办结: only a replied item, and only with a complete reply."""
        with storage("办结诉求"), self._sessions.begin() as session:
            item = self._item(session, item_id)
            if item.status == HotlineStatus.CLOSED:
                raise HotlineError("这条诉求已经办结")
            gaps = reply_gaps(item.reply, item.reply_unit, item.reply_result)
            if not item.reply:
                raise HotlineError("答复后才能办结")
            if gaps:
                raise HotlineError("答复不完整，请补充：" + "、".join(gaps))
            now = self._now()
            item.closed_at, item.closed_on = now, self._today(now)
            item.status = str(HotlineStatus.CLOSED)
            outbox.save(session, item)
            self._audit(session, staff_id, "hotline_close", item)
            return self._info(session, item)

    def today(self) -> dt.date:
        """The hall's business date now (what "overdue" is measured against)."""
        return self._today()

    def items(self, *, open_only: bool = False, limit: int = 500) -> list[ItemInfo]:
        """The ledger for the manager: open items first by due date (the most urgent on top), then
        closed ones by due date; at most `limit`."""
        with storage("读取诉求"), self._sessions() as session:
            stmt = sa.select(HotlineItem).where(HotlineItem.site_id == self._site_id)
            if open_only:
                stmt = stmt.where(HotlineItem.status != str(HotlineStatus.CLOSED))
            rows = session.scalars(
                stmt.order_by(
                    (HotlineItem.status == str(HotlineStatus.CLOSED)).asc(),
                    HotlineItem.due_date.asc(),
                    HotlineItem.number.desc(),
                ).limit(max(1, min(limit, 5000)))
            ).all()
            return [self._info(session, r) for r in rows]

    def export_rows(
        self, start: dt.date, end: dt.date, *, staff_id: uuid.UUID | None = None
    ) -> list[list[str]]:
        """The items received from `start` to `end` (inclusive, business dates) as 12345 rows, contacts
        in full for the platform's call-back (only items whose citizen consented have one); audited."""
        tz = ZoneInfo(self._tz)
        lo = dt.datetime.combine(start, dt.time(), tz)
        hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz)
        out: list[list[str]] = []
        with storage("导出诉求"), self._sessions.begin() as session:
            items = session.scalars(
                sa.select(HotlineItem)
                .where(
                    HotlineItem.site_id == self._site_id,
                    HotlineItem.received_at >= lo,
                    HotlineItem.received_at < hi,
                )
                .order_by(HotlineItem.number)
            ).all()
            cipher = (
                session_cipher(session) if any(i.contact_name or i.contact_phone for i in items) else None
            )
            for i in items:
                name = cipher.decrypt(i.contact_name, NAME_COLUMN) if cipher and i.contact_name else ""
                phone = cipher.decrypt(i.contact_phone, PHONE_COLUMN) if cipher and i.contact_phone else ""
                out.append([
                    i.number, i.external_ref, CHANNEL_LABELS.get(i.channel, i.channel), i.category,
                    f"{i.received_at.astimezone(tz):%Y-%m-%d %H:%M}", i.department, i.text, name, phone,
                    _yes(i.consent), i.due_date.isoformat(), STATUS_LABELS[HotlineStatus(i.status)], i.reply_unit,
                    i.reply, i.reply_result, f"{i.replied_at.astimezone(tz):%Y-%m-%d %H:%M}" if i.replied_at else "",
                    _yes(i.reply_complete), i.satisfaction or "", i.closed_on.isoformat() if i.closed_on else "",
                ])  # fmt: skip
            from app.auth import audit

            audit(session, self._site_id, staff_id, "hotline_export", f"{start}–{end}: {len(out)} 条（含联系方式）",
                  entity="hotline_item", entity_id="", now=self._now())  # fmt: skip
        return out

    def known_refs(self, refs: list[str]) -> set[str]:
        """Which of these 12345 platform numbers are already in the ledger."""
        with storage("读取诉求"), self._sessions() as session:
            return set(
                session.scalars(
                    sa.select(HotlineItem.external_ref).where(
                        HotlineItem.site_id == self._site_id, HotlineItem.external_ref.in_(refs)
                    )
                )
            )

    def month(self, year: int, month: int) -> MonthFigures:
        """The month's 12345 figures (received, 按时办结率, 答复完整率, 满意率) for this site."""
        with storage("统计诉求"), self._sessions() as session:
            return month_of(session, self._site_id, self._tz, year, month)


def month_of(session: Session, site_id: uuid.UUID, tz: str, year: int, month: int) -> MonthFigures:
    """One site's 12345 figures for a month, from its raw ledger rows (business dates in `tz`)."""
    zone = ZoneInfo(tz)
    rows = session.execute(
        sa.select(
            HotlineItem.received_at, HotlineItem.due_date, HotlineItem.closed_on,
            HotlineItem.reply_complete, HotlineItem.satisfaction,
        ).where(HotlineItem.site_id == site_id)
    ).all()  # fmt: skip
    return month_figures(
        (LedgerRow(r[0].astimezone(zone).date(), r[1], r[2], r[3], r[4]) for r in rows), year, month
    )


# --- exchange with the 12345 platform -------------------------------------------------------------

EXPORT_COLUMNS = (
    "工单编号", "平台工单号", "来源渠道", "诉求类型", "受理时间", "涉及部门", "诉求内容", "联系人", "联系电话",
    "同意回访", "办理时限", "办理状态", "承办单位", "答复内容", "办理结果", "答复时间", "答复完整", "满意度", "办结日期",
)  # fmt: skip
CHANNEL_LABELS = {"counter": "窗口", "kiosk": "自助终端", "12345": "12345平台"}
STATUS_LABELS = {
    HotlineStatus.RECEIVED: "已登记",
    HotlineStatus.ASSIGNED: "已转办",
    HotlineStatus.REPLIED: "已答复",
    HotlineStatus.CLOSED: "已办结",
}


def _yes(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")
