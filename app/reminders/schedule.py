"""What to text, and when: tomorrow's appointments, and tickets nearing the front.

Run every minute (by the worker loop or `main.py sms send-pending`). Each subject is texted once:
the message's dedupe key (`appointment:<id>`, `turn:<ticket id>`) is unique per site, so a second
run, or a second PC running the same schedule, queues nothing new.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.reminders.outbox import enqueue
from app.validators import check_mobile, normalise_mobile
from db.crypto import FieldCryptoError, MissingKeys, open_appointment, optional_session_cipher, session_cipher
from db.models import Appointment, Material, Matter, ServiceCategory, Site, SmsMessage, Ticket, TicketContact
from db.vocab import SmsKind, TicketStatus

if TYPE_CHECKING:
    from app.queue.service import QueueService

log = logging.getLogger("onewindow.sms")

CONTACT_PHONE_COLUMN = "ticket_contact.phone"
MAX_MATERIALS = 8  # more than this and the SMS points to the guide instead


def appointment_key(appointment_id: uuid.UUID) -> str:
    return f"appointment:{appointment_id}"


def turn_key(ticket_id: uuid.UUID) -> str:
    return f"turn:{ticket_id}"


def materials_text(materials: Sequence[Material]) -> str:
    """What to bring, from the matter's catalogue entry (required, current materials)."""
    items = [m for m in materials if m.required and not m.retired]
    parts = []
    if not any("身份证" in m.name for m in items):
        parts.append("本人身份证原件")
    for m in items[:MAX_MATERIALS]:
        copies = f"{m.copies}份" if m.copies > 1 else ""
        parts.append(f"{m.name}（{m.form}{copies}）")
    more = len(items) - MAX_MATERIALS
    text = "；".join(parts)
    return text + (f"等{len(parts) + more}项，详见办事指南" if more > 0 else "")


def appointment_text(
    signature: str, site_name: str, appt: Appointment, tz: zoneinfo.ZoneInfo, what: str, bring: str
) -> str:
    start, end = appt.slot_start.astimezone(tz), appt.slot_end.astimezone(tz)
    return (
        f"{signature}您已预约{start.month}月{start.day}日{start:%H:%M}—{end:%H:%M}到{site_name}办理{what}"
        f"（预约号{appt.code}）。请携带：{bring}。如不能前来，请提前取消预约。"
    )


def turn_text(signature: str, site_name: str, number: str, ahead: int) -> str:
    if ahead <= 0:
        return f"{signature}{site_name}：下一位就是您的{number}号，请到等候区留意叫号屏。"
    return (
        f"{signature}{site_name}：您的{number}号前面还有{ahead}人（您排第{ahead + 1}位），"
        "请回到等候区留意叫号，过号需重新排队。"
    )


def _phone(raw: str) -> str | None:
    phone = normalise_mobile(raw)
    return phone if check_mobile(phone).ok else None


def queue_appointment_reminders(
    session: Session, site_id: uuid.UUID, signature: str, reminder_hour: int, now: dt.datetime
) -> int:
    """Queue a reminder for each of tomorrow's appointments with a mobile number (from
    `reminder_hour`, local time, the day before); returns how many were queued."""
    site = session.get(Site, site_id)
    if site is None:
        return 0
    tz = zoneinfo.ZoneInfo(site.timezone)
    local = now.astimezone(tz)
    if local.hour < reminder_hour:
        return 0
    day0 = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(0), tz)
    appts = session.scalars(
        sa.select(Appointment)
        .where(
            Appointment.site_id == site_id,
            Appointment.cancelled.is_(False),
            Appointment.phone != "",
            Appointment.slot_start >= day0,
            Appointment.slot_start < day0 + dt.timedelta(days=1),
        )
        .order_by(Appointment.slot_start, Appointment.id)
    ).all()
    cipher = optional_session_cipher(session)
    queued = 0
    done = already_queued(session, site_id, [appointment_key(a.id) for a in appts])
    for appt in appts:
        if appointment_key(appt.id) in done:
            continue
        try:
            phone = _phone(open_appointment(cipher, "phone", appt.phone))
        except (FieldCryptoError, MissingKeys) as exc:
            log.warning("appointment %s: phone not readable (%s); no reminder", appt.code, type(exc).__name__)
            continue
        if phone is None:
            log.info("appointment %s: no valid mobile number; no reminder", appt.code)
            continue
        matter = session.get(Matter, appt.matter_id) if appt.matter_id is not None else None
        if matter is not None:
            what = f"“{matter.name}”"
            bring = materials_text(matter.materials)
        else:
            category = session.get(ServiceCategory, appt.category_id)
            what = f"“{category.name}”业务" if category is not None else "业务"
            bring = "本人身份证原件及相关材料"
        text = appointment_text(signature, site.name, appt, tz, what, bring)
        if enqueue(
            session,
            site_id,
            SmsKind.APPOINTMENT_REMINDER,
            appointment_key(appt.id),
            phone,
            text,
            now=now,
            appointment_id=appt.id,
        ):
            queued += 1
    return queued


def already_queued(session: Session, site_id: uuid.UUID, keys: Sequence[str]) -> set[str]:
    """Which of these dedupe keys have a message already."""
    found: set[str] = set()
    for i in range(0, len(keys), 500):
        found.update(
            session.scalars(
                sa.select(SmsMessage.dedupe_key).where(
                    SmsMessage.site_id == site_id, SmsMessage.dedupe_key.in_(keys[i : i + 500])
                )
            )
        )
    return found


def ticket_phones(
    session: Session, site_id: uuid.UUID, business_date: dt.date
) -> dict[uuid.UUID, tuple[str, str]]:
    """Today's waiting tickets that have a phone and no turn reminder yet: id → (number, phone).
    A recorded contact (the applicant's or a relative's) wins over the appointment's phone."""
    waiting = (
        Ticket.site_id == site_id,
        Ticket.business_date == business_date,
        Ticket.status == TicketStatus.WAITING,
    )
    booked = session.execute(
        sa.select(Ticket.id, Ticket.number, Appointment.phone)
        .join(Appointment, Appointment.id == Ticket.appointment_id)
        .where(*waiting, Appointment.phone != "")
    ).all()
    contacts = session.execute(
        sa.select(Ticket.id, Ticket.number, TicketContact.phone)
        .join(TicketContact, TicketContact.ticket_id == Ticket.id)
        .where(*waiting)
    ).all()
    done = already_queued(session, site_id, sorted({turn_key(r[0]) for r in [*booked, *contacts]}))
    out: dict[uuid.UUID, tuple[str, str]] = {}
    cipher = optional_session_cipher(session)
    for tid, number, stored in booked:
        if turn_key(tid) in done:
            continue
        try:
            phone = _phone(open_appointment(cipher, "phone", stored))
        except (FieldCryptoError, MissingKeys) as exc:
            log.warning("ticket %s: appointment phone not readable (%s)", number, type(exc).__name__)
            continue
        if phone:
            out[tid] = (number, phone)
    for tid, number, stored in contacts:
        if turn_key(tid) in done:
            continue
        try:
            phone = _phone(session_cipher(session).decrypt(stored, CONTACT_PHONE_COLUMN))
        except FieldCryptoError as exc:
            log.warning("ticket %s: contact phone not readable (%s)", number, exc)
            continue
        if phone:
            out[tid] = (number, phone)
    return out


def purge_contacts(session: Session, site_id: uuid.UUID, before: dt.date) -> int:
    """Forget the phones recorded for tickets of business days before `before` (their visit is over)."""
    old = sa.select(Ticket.id).where(Ticket.site_id == site_id, Ticket.business_date < before)
    ids = list(
        session.scalars(
            sa.select(TicketContact.id).where(
                TicketContact.site_id == site_id, TicketContact.ticket_id.in_(old)
            )
        )
    )
    if ids:
        session.execute(sa.delete(TicketContact).where(TicketContact.id.in_(ids)))
    return len(ids)


@dataclass(frozen=True, slots=True)
class TurnCandidate:
    ticket_id: uuid.UUID
    number: str
    phone: str
    people_ahead: int


def turn_candidates(
    session: Session, site_id: uuid.UUID, queue: QueueService, position: int, now: dt.datetime
) -> list[TurnCandidate]:
    """Waiting tickets with a phone, no turn reminder yet, and `position` or closer to the front
    (positions from the queue's own reads, the same the kiosk and display show)."""
    from app.queue.errors import QueueError

    out = []
    phones = ticket_phones(session, site_id, queue.business_date(now))
    for tid, (number, phone) in sorted(phones.items(), key=lambda kv: kv[1][0]):
        try:
            info = queue.ticket(number)
        except QueueError:
            continue
        if info.id != tid or info.status != TicketStatus.WAITING or info.people_ahead is None:
            continue
        if info.people_ahead + 1 <= position:
            out.append(TurnCandidate(tid, number, phone, info.people_ahead))
    return out


def queue_turn_reminders(
    session: Session,
    site_id: uuid.UUID,
    signature: str,
    candidates: Sequence[TurnCandidate],
    now: dt.datetime,
) -> int:
    """Queue "you are Nth in line" for each candidate; returns how many were queued."""
    site = session.get(Site, site_id)
    if site is None:
        return 0
    queued = 0
    for c in candidates:
        text = turn_text(signature, site.name, c.number, c.people_ahead)
        if enqueue(
            session,
            site_id,
            SmsKind.TURN_REMINDER,
            turn_key(c.ticket_id),
            c.phone,
            text,
            now=now,
            ticket_id=c.ticket_id,
        ):
            queued += 1
    return queued
