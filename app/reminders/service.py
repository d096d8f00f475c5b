"""The reminders service: what the CLI and the worker loop call. Each method is its own short
transaction(s) against the hall database, never inside a queue transaction, and never holds a
transaction open while talking to the gateway."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.auth import audit
from app.cases.personal import mask_phone
from app.errors import guarded, storage
from app.reminders import outbox, schedule
from app.reminders.senders import HttpGatewaySender, LogSender, SendResult, SmsSender
from app.validators import check_mobile, normalise_mobile
from db.base import utcnow
from db.crypto import session_cipher
from db.models import SmsMessage, Ticket, TicketContact
from db.vocab import ContactRelation, SmsOutcome, SmsState

if TYPE_CHECKING:
    from app.queue.service import QueueService
    from app.settings import Settings, SmsSettings

log = logging.getLogger("onewindow.sms")


class SmsNotConfigured(ValueError):
    """SMS is off, or the gateway lacks its URL or secret; the message says what to set."""


class InvalidContact(ValueError):
    """A phone number that cannot receive SMS; the message is plain Chinese for the screen."""


@dataclass(frozen=True, slots=True)
class ScheduleReport:
    appointment_reminders: int
    turn_reminders: int


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    attempts: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    lost_claims: int = 0  # another worker took the message over (our lease had expired)


@dataclass(frozen=True, slots=True)
class SmsMessageInfo:
    id: uuid.UUID
    kind: str
    phone_masked: str
    state: str
    attempts: int
    next_attempt_at: dt.datetime
    created_at: dt.datetime
    last_result: str


@dataclass(frozen=True, slots=True)
class SmsStatus:
    counts: dict[str, int]  # state → messages
    due_now: int
    recent: tuple[SmsMessageInfo, ...]


def make_sender(settings: Settings) -> SmsSender | None:
    """The configured sender, or None when SMS is off. SmsNotConfigured for an incomplete gateway."""
    sms = settings.sms
    if sms.sender == "off":
        return None
    if sms.sender == "log":
        return LogSender()
    from app.keys import site_secrets_path
    from app.secrets import SMS_GATEWAY_SECRET, SecretsError, read_secrets

    try:
        secret = read_secrets(site_secrets_path(settings)).require(SMS_GATEWAY_SECRET)
    except SecretsError as exc:
        raise SmsNotConfigured(f"{exc} (main.py secrets set {SMS_GATEWAY_SECRET})") from None
    try:
        return HttpGatewaySender(sms.gateway_url, sms.account, secret, timeout_s=sms.timeout_s)
    except ValueError as exc:
        raise SmsNotConfigured(str(exc)) from None


def default_worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ReminderService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        site_id: uuid.UUID,
        settings: SmsSettings,
        sender: SmsSender | None,
        *,
        queue: QueueService | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        worker: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.site_id = site_id
        self.settings = settings
        self.sender = sender
        self.queue = queue
        self.clock = clock
        self.worker = worker or default_worker_name()

    # --- scheduling ------------------------------------------------------------------------------

    @guarded("短信提醒排程")
    def schedule(self) -> ScheduleReport:
        """Queue what is due now: tomorrow's appointment reminders, and turn reminders (run every minute)."""
        if self.sender is None:
            return ScheduleReport(0, 0)
        now = self.clock()
        s = self.settings
        with self.sessions.begin() as session:
            appointments = schedule.queue_appointment_reminders(
                session, self.site_id, s.signature, s.appointment_reminder_hour, now
            )
            if self.queue is not None:
                schedule.purge_contacts(session, self.site_id, self.queue.business_date(now))
        turns = 0
        if self.queue is not None:
            with self.sessions() as session:
                candidates = schedule.turn_candidates(session, self.site_id, self.queue, s.turn_position, now)
            if candidates:
                with self.sessions.begin() as session:
                    turns = schedule.queue_turn_reminders(session, self.site_id, s.signature, candidates, now)
        if appointments or turns:
            log.info("SMS queued: %d appointment reminder(s), %d turn reminder(s)", appointments, turns)
        return ScheduleReport(appointments, turns)

    @guarded("登记短信提醒号码")
    def record_contact(
        self, ticket_id: uuid.UUID, phone: str, relation: ContactRelation = ContactRelation.SELF
    ) -> str:
        """The phone a ticket's reminders go to (a relative's for an elderly applicant); returns it
        masked. InvalidContact with a plain-Chinese reason for a number that cannot take SMS."""
        number = normalise_mobile(phone)
        check = check_mobile(number)
        if not check.ok:
            raise InvalidContact(check.reason)
        now = self.clock()
        with self.sessions.begin() as session:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None or ticket.site_id != self.site_id:
                raise InvalidContact("没有找到这张号票")
            sealed = session_cipher(session).encrypt(number, schedule.CONTACT_PHONE_COLUMN)
            contact = session.scalar(sa.select(TicketContact).where(TicketContact.ticket_id == ticket_id))
            if contact is None:
                session.add(
                    TicketContact(
                        site_id=self.site_id,
                        ticket_id=ticket_id,
                        phone=sealed,
                        relation=relation,
                        created_at=now,
                    )
                )
            else:
                contact.phone, contact.relation = sealed, relation
            audit(
                session,
                self.site_id,
                None,
                "sms.contact",
                f"ticket {ticket.number}: {relation} phone {mask_phone(number)}",
                entity="ticket",
                entity_id=str(ticket_id),
                now=now,
            )
        return mask_phone(number)

    # --- delivery --------------------------------------------------------------------------------

    def _lease(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.settings.timeout_s * 3 + 60)

    def _claim(self) -> list[outbox.Claimed]:
        assert self.sender is not None
        with storage("领取待发短信"), self.sessions() as session, session.begin():
            session.connection(execution_options=outbox.claim_options(session))
            return outbox.claim(
                session,
                self.site_id,
                self.worker,
                self.sender.name,
                now=self.clock(),
                lease=self._lease(),
                limit=self.settings.batch_size,
                max_attempts=self.settings.max_attempts,
            )

    def _finish(self, claimed: outbox.Claimed, result: SendResult) -> outbox.Finished:
        with storage("记录短信发送结果"), self.sessions.begin() as session:
            return outbox.finish(
                session,
                self.site_id,
                self.worker,
                claimed,
                result,
                now=self.clock(),
                max_attempts=self.settings.max_attempts,
                backoff_base_s=self.settings.backoff_base_s,
                backoff_max_s=self.settings.backoff_max_s,
            )

    def deliver_pending(self, max_batches: int | None = None) -> DeliveryReport:
        """Send every due message (claimed batch by batch); returns what happened. A gateway that
        fails leaves messages pending with their next attempt time; nothing here raises for it."""
        if self.sender is None:
            raise SmsNotConfigured("短信提醒未启用（设置 [sms] sender）")
        attempts = sent = failed = retrying = lost = 0
        batches = 0
        while max_batches is None or batches < max_batches:
            claimed = self._claim()
            batches += 1
            if not claimed:
                break
            for c in claimed:
                try:
                    result = self.sender.send(c.sms)
                except Exception as exc:  # a sender bug must not strand the claim
                    log.exception("SMS sender %s failed on %s", self.sender.name, c.message_id)
                    result = SendResult(SmsOutcome.UNKNOWN, f"sender error {type(exc).__name__}")
                done = self._finish(c, result)
                attempts += 1
                if done.state is None:
                    lost += 1
                elif done.state == SmsState.SENT:
                    sent += 1
                elif done.state == SmsState.FAILED:
                    failed += 1
                else:
                    retrying += 1
                log.info(
                    "SMS %s to %s attempt %d: %s %s",
                    c.kind,
                    c.sms.phone_masked,
                    c.attempt_no,
                    result.outcome,
                    result.detail,
                )
        return DeliveryReport(attempts, sent, failed, retrying, lost)

    def run_once(self) -> tuple[ScheduleReport, DeliveryReport]:
        """One tick of the worker loop: schedule, then deliver what is due."""
        if self.sender is None:
            return ScheduleReport(0, 0), DeliveryReport()
        return self.schedule(), self.deliver_pending()

    # --- reading ---------------------------------------------------------------------------------

    @guarded("读取短信状态")
    def status(self, recent: int = 20) -> SmsStatus:
        now = self.clock()
        with self.sessions() as session:
            counts = {str(k): 0 for k in SmsState}
            for state, n in session.execute(
                sa.select(SmsMessage.state, sa.func.count())
                .where(SmsMessage.site_id == self.site_id)
                .group_by(SmsMessage.state)
            ):
                counts[state] = int(n)
            due = int(
                session.scalar(
                    sa.select(sa.func.count()).where(
                        SmsMessage.site_id == self.site_id,
                        SmsMessage.state == SmsState.PENDING,
                        SmsMessage.next_attempt_at <= now,
                    )
                )
                or 0
            )
            rows = session.scalars(
                sa.select(SmsMessage)
                .where(SmsMessage.site_id == self.site_id)
                .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc())
                .limit(recent)
            ).all()
            infos = tuple(
                SmsMessageInfo(
                    m.id,
                    m.kind,
                    m.phone_masked,
                    m.state,
                    m.attempts,
                    m.next_attempt_at,
                    m.created_at,
                    m.last_result,
                )
                for m in rows
            )
        return SmsStatus(counts, due, infos)
