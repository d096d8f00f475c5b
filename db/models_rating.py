"""The rating code (评价码) of a visit: printed on its ticket and on its 受理回执 so the citizen can
rate later at the kiosk (受理 and, once the cases are finished, 办结). Site-local and never synced:
the ratings it leads to are `evaluation` rows, which are; the code is only the site's key to the
visit (db/outbox.LOCAL_TABLES names it).

A visit is a ticket (every case of the ticket); a case accepted without a ticket is a visit of
its own (`case_id`). Exactly one of the two is set.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class RatingCode(Base):
    __tablename__ = "rating_code"
    __table_args__ = (sa.CheckConstraint("(ticket_id IS NULL) <> (case_id IS NULL)", name="one_visit"),)

    code: Mapped[str] = mapped_column(sa.String(8), primary_key=True)  # 7 random + 1 check character
    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("site.id"))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("ticket.id", ondelete="CASCADE"), unique=True
    )
    case_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("case.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
