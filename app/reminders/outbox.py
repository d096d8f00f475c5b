"""The SMS outbox: queue once, claim before sending, record every attempt, back off.

Every function here is its own short transaction on the hall database, never inside a queue
transaction. Claiming marks a due message `sending` with this worker's name and a lease
(`claimed_until`) and adds an `in_flight` attempt row, in one statement per engine:

- PostgreSQL: `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) RETURNING …`,
  so two workers (two PCs of a hall) never claim the same message;
- SQLite: the same under `BEGIN IMMEDIATE` (one writer at a time).

The send happens outside any transaction; its result is written back only while this worker
still holds the claim (fenced by worker and attempt number). A worker that dies mid-send leaves an
expired lease: the message is claimed again and re-sent with the SAME idempotency key, so the
gateway deduplicates, and the orphaned attempt is closed as `unknown`.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.auth import audit
from app.cases.personal import mask_phone
from app.reminders.senders import OutgoingSms, SendResult
from db.base import uuid7
from db.crypto import session_cipher
from db.engine import SQLITE_IMMEDIATE
from db.models import SmsAttempt, SmsMessage
from db.vocab import SmsKind, SmsOutcome, SmsState

log = logging.getLogger("onewindow.sms")

PHONE_COLUMN = "sms_message.phone"
M = cast(sa.Table, SmsMessage.__table__)
A = cast(sa.Table, SmsAttempt.__table__)


def backoff(attempts: int, base_s: float, max_s: float) -> dt.timedelta:
    """Wait after the `attempts`-th failed attempt: base, 2×base, 4×base … capped at max."""
    return dt.timedelta(seconds=min(max_s, base_s * 2 ** max(0, attempts - 1)))


def enqueue(
    session: Session,
    site_id: uuid.UUID,
    kind: SmsKind,
    dedupe_key: str,
    phone: str,
    text: str,
    *,
    now: dt.datetime,
    appointment_id: uuid.UUID | None = None,
    ticket_id: uuid.UUID | None = None,
) -> bool:
    """Queue a message unless one with this `dedupe_key` exists (then False; nothing written).

    `phone` is a normalised mobile number; it is stored encrypted, with a masked copy. The new
    message is audited (masked number) in the same transaction.
    """
    values = {
        "id": uuid7(),
        "site_id": site_id,
        "kind": str(kind),
        "dedupe_key": dedupe_key,
        "idempotency_key": uuid.uuid4().hex,
        "phone": session_cipher(session).encrypt(phone, PHONE_COLUMN),
        "phone_masked": mask_phone(phone),
        "text": text,
        "state": str(SmsState.PENDING),
        "attempts": 0,
        "next_attempt_at": now,
        "claimed_by": "",
        "last_result": "",
        "gateway_id": "",
        "created_at": now,
        "appointment_id": appointment_id,
        "ticket_id": ticket_id,
    }
    dialect = session.get_bind().dialect.name
    ins = postgresql.insert(M) if dialect == "postgresql" else sqlite.insert(M)
    stmt = (
        ins.values(values).on_conflict_do_nothing(index_elements=["site_id", "dedupe_key"]).returning(M.c.id)
    )
    inserted = session.execute(stmt).first()
    if inserted is None:
        return False
    audit(
        session,
        site_id,
        None,
        "sms.queued",
        f"{kind} to {values['phone_masked']} ({dedupe_key.split(':', 1)[0]})",
        entity="sms_message",
        entity_id=str(values["id"]),
        now=now,
    )
    return True


@dataclass(frozen=True, slots=True)
class Claimed:
    message_id: uuid.UUID
    attempt_no: int
    attempt_id: uuid.UUID
    kind: str
    sms: OutgoingSms


def claim(
    session: Session,
    site_id: uuid.UUID,
    worker: str,
    sender_name: str,
    *,
    now: dt.datetime,
    lease: dt.timedelta,
    limit: int,
    max_attempts: int,
) -> list[Claimed]:
    """Claim up to `limit` due messages for `worker` (call inside `claim_transaction`)."""
    expired = sa.and_(M.c.state == SmsState.SENDING, M.c.claimed_until < now)
    # A lease that expired on the last allowed attempt: its result is unknown and no attempt is left.
    spent = session.execute(
        sa.update(M)
        .where(M.c.site_id == site_id, expired, M.c.attempts >= max_attempts)
        .values(
            state=SmsState.FAILED, claimed_until=None, last_result="out of attempts (last result unknown)"
        )
        .returning(M.c.id, M.c.kind, M.c.phone_masked)
    ).all()
    for row in spent:
        _close_orphans(session, row.id, now)
        audit(
            session,
            site_id,
            None,
            "sms.failed",
            f"{row.kind} to {row.phone_masked}: out of attempts",
            entity="sms_message",
            entity_id=str(row.id),
            now=now,
        )
    due = sa.or_(sa.and_(M.c.state == SmsState.PENDING, M.c.next_attempt_at <= now), expired)
    pick = (
        sa.select(M.c.id)
        .where(M.c.site_id == site_id, due)
        .order_by(M.c.next_attempt_at, M.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = session.execute(
        sa.update(M)
        .where(M.c.id.in_(pick.scalar_subquery()))
        .values(
            state=SmsState.SENDING,
            attempts=M.c.attempts + 1,
            claimed_by=worker,
            claimed_until=now + lease,
        )
        .returning(M.c.id, M.c.kind, M.c.phone, M.c.text, M.c.idempotency_key, M.c.attempts)
    ).all()
    cipher = session_cipher(session)
    out: list[Claimed] = []
    for row in sorted(rows, key=lambda r: r.id):
        _close_orphans(session, row.id, now)
        attempt_id = uuid7()
        session.execute(
            sa.insert(A).values(
                id=attempt_id,
                message_id=row.id,
                attempt_no=row.attempts,
                worker=worker,
                sender=sender_name,
                started_at=now,
                outcome=SmsOutcome.IN_FLIGHT,
                detail="",
            )
        )
        phone = cipher.decrypt(row.phone, PHONE_COLUMN)
        out.append(
            Claimed(
                row.id, row.attempts, attempt_id, row.kind, OutgoingSms(row.idempotency_key, phone, row.text)
            )
        )
    return out


def _close_orphans(session: Session, message_id: uuid.UUID, now: dt.datetime) -> None:
    """An attempt still in flight when its message is claimed again: its worker is gone."""
    session.execute(
        sa.update(A)
        .where(A.c.message_id == message_id, A.c.outcome == SmsOutcome.IN_FLIGHT)
        .values(
            outcome=SmsOutcome.UNKNOWN, finished_at=now, detail="claim expired before a result was recorded"
        )
    )


@dataclass(frozen=True, slots=True)
class Finished:
    state: str | None  # the message's new state; None when this worker had lost the claim
    outcome: str


def finish(
    session: Session,
    site_id: uuid.UUID,
    worker: str,
    claimed: Claimed,
    result: SendResult,
    *,
    now: dt.datetime,
    max_attempts: int,
    backoff_base_s: float,
    backoff_max_s: float,
) -> Finished:
    """Record an attempt's result; move the message on if this worker still holds its claim.

    The attempt row always gets what this attempt really saw (also when it arrives after the
    claim expired and another worker closed the row as unknown); the message only moves while the
    claim is still ours, so a late answer never overwrites a newer attempt's state.
    """
    last = f"{result.outcome}: {result.detail}"[:500]
    values: dict[str, object] = {"claimed_until": None, "last_result": last}
    # Done with (sent or failed for good): the number is no longer needed, only its masked copy.
    if result.outcome == SmsOutcome.ACCEPTED:
        values.update(state=SmsState.SENT, sent_at=now, gateway_id=result.gateway_id[:80], phone="")
    elif result.outcome == SmsOutcome.REJECTED or claimed.attempt_no >= max_attempts:
        values.update(state=SmsState.FAILED, phone="")
    else:
        values.update(
            state=SmsState.PENDING,
            next_attempt_at=now + backoff(claimed.attempt_no, backoff_base_s, backoff_max_s),
        )
    row = session.execute(
        sa.update(M)
        .where(
            M.c.id == claimed.message_id,
            M.c.state == SmsState.SENDING,
            M.c.claimed_by == worker,
            M.c.attempts == claimed.attempt_no,
        )
        .values(**values)
        .returning(M.c.kind, M.c.phone_masked)
    ).first()
    detail = result.detail if row is not None else f"{result.detail} (arrived after the claim expired)"
    session.execute(
        sa.update(A)
        .where(A.c.id == claimed.attempt_id)
        .values(outcome=result.outcome, finished_at=now, detail=detail[:500])
    )
    if row is None:
        log.warning(
            "SMS %s: claim lost before the result was recorded (%s)", claimed.message_id, result.outcome
        )
        return Finished(None, result.outcome)
    state = str(values["state"])
    if state in (SmsState.SENT, SmsState.FAILED):
        audit(
            session,
            site_id,
            None,
            "sms.sent" if state == SmsState.SENT else "sms.failed",
            f"{row.kind} to {row.phone_masked} after {claimed.attempt_no} attempt(s): {last}",
            entity="sms_message",
            entity_id=str(claimed.message_id),
            now=now,
        )
    return Finished(state, result.outcome)


def claim_options(session: Session) -> dict[str, str]:
    """Execution options of a claiming transaction: SQLite takes the write lock at BEGIN."""
    return SQLITE_IMMEDIATE if session.get_bind().dialect.name == "sqlite" else {}
