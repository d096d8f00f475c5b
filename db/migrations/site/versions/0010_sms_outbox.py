"""SMS reminders: the outbox of messages, their attempts, and a ticket's contact phone

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 09:10:00

`sms_message` holds each SMS to send (phone as a db.crypto envelope plus a masked copy for lists,
its text, the idempotency key every attempt sends, state, attempts, next attempt time, the
worker's claim and the last result); `sms_attempt` records every attempt and its outcome;
`ticket_contact` is the phone a ticket's reminders go to (the applicant's, or a relative's).
All three are site-local: they never reach the centre (db/outbox.LOCAL_TABLES). Downgrade drops them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_KINDS = "kind IN ('appointment_reminder', 'turn_reminder')"
_STATES = "state IN ('pending', 'sending', 'sent', 'failed')"
_OUTCOMES = "outcome IN ('in_flight', 'accepted', 'rejected', 'error', 'unknown')"
_RELATIONS = "relation IN ('self', 'relative')"


def upgrade() -> None:
    op.create_table(
        "ticket_contact",
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("ticket_id", sa.Uuid(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("relation", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(_RELATIONS, name=op.f("ck_ticket_contact_relation")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_ticket_contact_site_id_site")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"], name=op.f("fk_ticket_contact_ticket_id_ticket"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_contact")),
        sa.UniqueConstraint("ticket_id", name=op.f("uq_ticket_contact_ticket_id")),
    )
    op.create_table(
        "sms_message",
        sa.Column("site_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("phone_masked", sa.String(length=24), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=80), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_result", sa.Text(), nullable=False),
        sa.Column("gateway_id", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appointment_id", sa.Uuid(), nullable=True),
        sa.Column("ticket_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(_KINDS, name=op.f("ck_sms_message_kind")),
        sa.CheckConstraint(_STATES, name=op.f("ck_sms_message_state")),
        sa.ForeignKeyConstraint(
            ["appointment_id"], ["appointment.id"], name=op.f("fk_sms_message_appointment_id_appointment")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_sms_message_site_id_site")),
        sa.ForeignKeyConstraint(["ticket_id"], ["ticket.id"], name=op.f("fk_sms_message_ticket_id_ticket")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_message")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_sms_message_idempotency_key")),
        sa.UniqueConstraint("site_id", "dedupe_key", name=op.f("uq_sms_message_site_id_dedupe_key")),
    )
    op.create_index("ix_sms_message_due", "sms_message", ["state", "next_attempt_at"], unique=False)
    op.create_table(
        "sms_attempt",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(length=80), nullable=False),
        sa.Column("sender", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(_OUTCOMES, name=op.f("ck_sms_attempt_outcome")),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["sms_message.id"],
            name=op.f("fk_sms_attempt_message_id_sms_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_attempt")),
        sa.UniqueConstraint("message_id", "attempt_no", name=op.f("uq_sms_attempt_message_id_attempt_no")),
    )


def downgrade() -> None:
    op.drop_table("sms_attempt")
    op.drop_index("ix_sms_message_due", table_name="sms_message")
    op.drop_table("sms_message")
    op.drop_table("ticket_contact")
