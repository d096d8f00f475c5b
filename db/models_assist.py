"""帮办代办 rows (app/assist), site-local like the SMS tables (db/outbox.LOCAL_TABLES):

- `assist_record` — the 帮办 ledger: who helped whom, which matters, free (无偿代办) or not, the
  time spent, and for a 代办 the agent (受托人) under a 授权委托书. The applicant's and the agent's
  name, ID number and phone are `db.crypto` envelopes bound to `assist_record.<column>`, with keyed
  hashes of the ID numbers for look-ups; the case (if any) carries its own copy of the applicant.
- `ticket_board_name` — what a silent board shows beside a real-name ticket ("张*女士"), worked out
  at issue from the full name and the ID number's sex digit (the ticket keeps only 张*三).
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UUIDKey, utcnow
from db.vocab import AgentRelation, AssistKind, AssistState


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class AssistRecord(UUIDKey, Base):
    __tablename__ = "assist_record"
    __table_args__ = (
        sa.UniqueConstraint("site_id", "number"),
        sa.CheckConstraint(_in("kind", tuple(AssistKind)), name="kind"),
        sa.CheckConstraint(_in("state", tuple(AssistState)), name="state"),
        sa.CheckConstraint(_in("relation", ("", *AgentRelation)), name="relation"),
        sa.Index("ix_assist_record_site_started", "site_id", "started_at"),
    )

    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"))
    number: Mapped[str] = mapped_column(sa.String(40))  # XB-DB-20261207-001
    kind: Mapped[str] = mapped_column(sa.String(12), default=AssistKind.AGENCY)
    state: Mapped[str] = mapped_column(sa.String(12), default=AssistState.ACCEPTED)
    case_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("case.id"))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("ticket.id"))
    staff_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
    window_number: Mapped[int | None]
    principal_name: Mapped[str] = mapped_column(sa.Text)  # envelope
    principal_id_number: Mapped[str] = mapped_column(sa.Text)  # envelope
    principal_id_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    principal_phone: Mapped[str] = mapped_column(sa.Text, default="")  # envelope
    company: Mapped[str] = mapped_column(sa.String(200), default="")  # an enterprise applicant
    agent_name: Mapped[str] = mapped_column(sa.Text, default="")  # envelope ("" for a 帮办)
    agent_id_number: Mapped[str] = mapped_column(sa.Text, default="")  # envelope
    agent_id_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    agent_phone: Mapped[str] = mapped_column(sa.Text, default="")  # envelope
    relation: Mapped[str] = mapped_column(sa.String(12), default="")
    matters: Mapped[str] = mapped_column(sa.Text)  # matter names, "、"-joined
    powers: Mapped[str] = mapped_column(sa.Text, default="")  # 委托权限
    valid_until: Mapped[dt.date | None]  # 委托期限
    free: Mapped[bool] = mapped_column(default=True)  # 无偿代办
    reason: Mapped[str] = mapped_column(sa.Text, default="")  # why suspended
    note: Mapped[str] = mapped_column(sa.Text, default="")
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    suspended_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    minutes: Mapped[float | None]  # time spent, set at 办结


class TicketBoardName(UUIDKey, Base):
    __tablename__ = "ticket_board_name"

    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"))
    ticket_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"), unique=True)
    shown: Mapped[str] = mapped_column(sa.String(16))  # 张*女士 / 欧阳*先生 / 张*
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
