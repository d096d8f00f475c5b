"""Issuing tickets (取号) and appointment check-in (预约签到): numbers gapless per site, day and prefix."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.orm import Session

from app.queue import errors
from app.queue._rows import save_row
from app.queue.core import format_number
from app.queue.idhash import hash_id_number
from app.queue.ordering import TC, T
from app.queue.reads import Reads
from app.queue.reference import CategoryRef
from app.queue.types import TicketInfo
from app.validators import check_card_number, mask_name
from db.base import uuid7
from db.crypto import FieldCryptoError, MissingKeys, open_appointment, optional_session_cipher
from db.models import Appointment, Ticket
from db.vocab import EventKind, PriorityClass, TicketStatus

log = logging.getLogger("onewindow.queue")


class Issuing(Reads):
    def issue(
        self,
        category: str,
        *,
        id_number: str | None = None,
        name: str = "",
        priority: bool = False,
        channel: str = "kiosk",
    ) -> TicketInfo:
        """Take a ticket (取号). `priority` = green channel (绿色通道). Raises a QueueError subclass."""
        return self._issue_checked(
            self.reference().category(category),
            id_number=id_number,
            name=name,
            priority=priority,
            channel=channel,
            stops="",
        )

    def _issue_checked(
        self,
        cat: CategoryRef,
        *,
        id_number: str | None,
        name: str,
        priority: bool,
        channel: str,
        stops: str,
    ) -> TicketInfo:
        """Issue in `cat` after its checks (open for issuing, issue hours); `stops`: the visit's route."""
        ref = self.reference()
        if not cat.active:
            raise errors.UnknownCategory(f"{cat.name} 暂停取号")
        now = self.clock()
        local = now.astimezone(ref.tz)
        if not (cat.issue_start <= local.time() < cat.issue_end):
            raise errors.OutsideIssueHours(
                f"不在取号时间内（{cat.name}：{cat.issue_start:%H:%M}–{cat.issue_end:%H:%M}）"
            )
        id_hash = self._hash_checked(id_number) if id_number else None
        return self._retrying(
            lambda: self._issue_tx(
                cat,
                now,
                local.date(),
                priority_class=PriorityClass.GREEN if priority else PriorityClass.NORMAL,
                queue_at=now,
                id_hash=id_hash,
                name=name,
                channel=channel,
                cap=True,
                stops=stops,
            )
        )

    def _hash_checked(self, id_number: str) -> str:
        check = check_card_number(id_number, today=self.clock().astimezone(self.reference().tz).date())
        if not check:
            raise errors.InvalidIdNumber(check.reason)
        return hash_id_number(id_number, self.id_hash_key)

    def _next_seq(self, s: Session, bdate: dt.date, prefix: str) -> int:
        ins = (pg_dialect.insert(TC) if self._pg else sqlite_dialect.insert(TC)).values(
            site_id=self.site_id, business_date=bdate, prefix=prefix, last_seq=1
        )
        stmt = ins.on_conflict_do_update(
            index_elements=[TC.c.site_id, TC.c.business_date, TC.c.prefix],
            set_={"last_seq": TC.c.last_seq + 1},
        ).returning(TC.c.last_seq)
        return int(s.execute(stmt).scalar_one())

    def _issue_tx(
        self,
        cat: CategoryRef,
        now: dt.datetime,
        bdate: dt.date,
        *,
        priority_class: str,
        queue_at: dt.datetime,
        id_hash: str | None,
        name: str,
        channel: str,
        cap: bool,
        appointment: Appointment | None = None,
        stops: str = "",
    ) -> TicketInfo:
        with self._tx() as s:
            # The counter row lock serialises issuing per prefix, so the checks below cannot race.
            seq = self._next_seq(s, bdate, cat.prefix)
            if cap and cat.daily_cap is not None and seq > cat.daily_cap:
                raise errors.DailyCapReached(f"今日{cat.name}号已取完")
            if id_hash is not None and appointment is None and cat.per_id_daily_limit > 0:
                taken = s.execute(
                    sa.select(sa.func.count())
                    .select_from(T)
                    .where(
                        T.c.site_id == self.site_id,
                        T.c.business_date == bdate,
                        T.c.category_id == cat.id,
                        T.c.id_number_hash == id_hash,
                    )
                ).scalar_one()
                if taken >= cat.per_id_daily_limit:
                    raise errors.IdDailyLimitReached(
                        f"该证件今日取号已达上限（{cat.name}每日 {cat.per_id_daily_limit} 次）"
                    )
            if appointment is not None:
                done = s.execute(
                    sa.select(T.c.number).where(T.c.appointment_id == appointment.id).limit(1)
                ).scalar()
                if done is not None:
                    raise errors.AppointmentError(f"该预约已签到（号码 {done}）")
            ticket = Ticket(
                id=uuid7(),
                site_id=self.site_id,
                business_date=bdate,
                category_id=cat.id,
                prefix=cat.prefix,
                seq=seq,
                number=format_number(cat.prefix, seq),
                status=TicketStatus.WAITING,
                priority_class=priority_class,
                issued_at=now,
                queue_at=queue_at,
                holder_name=mask_name(name) if name else "",
                id_number_hash=id_hash,
                appointment_id=appointment.id if appointment is not None else None,
                channel=channel,
                case_numbers="",
                stops=stops,
                stop_index=0,
                recall_count=0,
                updated_at=now,
            )
            save_row(s, ticket)
            row = {c.key: getattr(ticket, c.key) for c in T.c}
            ahead, wait = self._estimate(s, cat, row, now)
            self._event(
                s,
                EventKind.CHECKED_IN if appointment is not None else EventKind.ISSUED,
                now,
                row,
                channel=channel,
                people_ahead=ahead,
            )
        return self._info(row, ahead, wait)

    def check_in(self, code: str | None = None, *, id_number: str | None = None) -> TicketInfo:
        """Appointment check-in (预约签到) by booking code or ID number; placed by its slot."""
        ref = self.reference()
        now = self.clock()
        local = now.astimezone(ref.tz)
        with self.session_factory() as s:
            q = sa.select(Appointment).where(
                Appointment.site_id == self.site_id, Appointment.cancelled.is_(False)
            )
            if code:
                q = q.where(Appointment.code == code.strip())
            elif id_number:
                day0 = dt.datetime.combine(local.date(), dt.time(0), ref.tz)
                q = q.where(
                    Appointment.id_number_hash == self._hash_checked(id_number),
                    Appointment.slot_start >= day0,
                    Appointment.slot_start < day0 + dt.timedelta(days=1),
                ).order_by(Appointment.slot_start)
            else:
                raise errors.AppointmentError("请输入预约号或刷身份证")
            appt = s.scalars(q.limit(1)).first()
            name = _appointment_name(s, appt) if appt is not None else ""
        if appt is None:
            raise errors.AppointmentError("没有找到今天的有效预约")
        cat = ref.categories.get(appt.category_id)
        if cat is None:
            raise errors.AppointmentError("预约的业务类别不存在")
        p = self.policy
        start_local = appt.slot_start.astimezone(ref.tz)
        if start_local.date() != local.date():
            raise errors.AppointmentError(f"预约日期为 {start_local:%Y-%m-%d}，不是今天")
        earliest = appt.slot_start - dt.timedelta(minutes=p.appointment_early_minutes)
        latest = appt.slot_start + dt.timedelta(minutes=p.appointment_late_minutes)
        slot = f"{start_local:%H:%M}–{appt.slot_end.astimezone(ref.tz):%H:%M}"
        if now < earliest:
            raise errors.AppointmentError(
                f"预约时段为 {slot}，请于 {earliest.astimezone(ref.tz):%H:%M} 后签到"
            )
        if now > latest:
            if p.late_appointment == "refuse":
                raise errors.AppointmentError(f"已超过预约签到时间（预约时段 {slot}），请重新取号")
            pclass, queue_at = PriorityClass.NORMAL, now  # late: an ordinary ticket from now on
        else:
            pclass, queue_at = PriorityClass.APPOINTMENT, appt.slot_start
        return self._retrying(
            lambda: self._issue_tx(
                cat,
                now,
                local.date(),
                priority_class=pclass,
                queue_at=queue_at,
                id_hash=appt.id_number_hash,
                name=name,
                channel="appointment",
                cap=False,
                appointment=appt,
            )
        )


def _appointment_name(s: Session, appt: Appointment) -> str:
    """The booked name (stored encrypted at a site with keys), for the ticket's masked holder name;
    an unreadable one leaves the ticket without a name rather than refusing the check-in."""
    try:
        return open_appointment(optional_session_cipher(s), "name", appt.name)
    except (FieldCryptoError, MissingKeys) as exc:
        log.warning("appointment %s: name not readable (%s); ticket issued without a name", appt.code, exc)
        return ""
