"""好差评 rectification (整改单): every 差评 becomes one item — assigned to the responsible window or
department, called back (回访, one row per call), rectified by a deadline in working days, open to
the window's appeal (申诉) and the manager's review (复核), and closed. Site-owned, uploaded through
the outbox in channel `evaluations` (the centre registers the tables in its migration c0004).
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, SiteOwned, utcnow
from db.vocab import AppealState, RectificationState


class RectificationItem(SiteOwned, Base):
    __tablename__ = "rectification_item"
    __table_args__ = (sa.UniqueConstraint("evaluation_id"),)

    evaluation_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("evaluation.id"))
    reason: Mapped[str] = mapped_column(sa.String(16), default="")  # BadRatingReason of the 差评
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    window_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("window.id"))  # responsible window
    department: Mapped[str] = mapped_column(sa.String(100), default="")  # or department
    assigned_at: Mapped[dt.datetime | None]
    assigned_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
    due_date: Mapped[dt.date] = mapped_column(sa.Date)  # 整改 deadline (working days from the rating)
    state: Mapped[str] = mapped_column(sa.String(16), default=str(RectificationState.OPEN))
    rectification: Mapped[str] = mapped_column(sa.Text, default="")
    rectified_at: Mapped[dt.datetime | None]
    rectified_on: Mapped[dt.date | None] = mapped_column(sa.Date)  # the hall's date of the 整改
    rectified_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
    appeal: Mapped[str] = mapped_column(sa.String(16), default=str(AppealState.NONE))
    appeal_grounds: Mapped[str] = mapped_column(sa.Text, default="")
    appeal_at: Mapped[dt.datetime | None]
    appeal_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
    review_reason: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_at: Mapped[dt.datetime | None]
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
    closing_note: Mapped[str] = mapped_column(sa.Text, default="")
    closed_at: Mapped[dt.datetime | None]
    closed_by: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))


class RectificationCallback(SiteOwned, Base):
    """One 回访 of a rectification item: when, who called, how, and what came of it."""

    __tablename__ = "rectification_callback"

    item_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("rectification_item.id"), index=True)
    at: Mapped[dt.datetime]
    staff_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
    method: Mapped[str] = mapped_column(sa.String(16))  # FollowUpMethod
    outcome: Mapped[str] = mapped_column(sa.String(16))  # CallbackOutcome
    note: Mapped[str] = mapped_column(sa.Text, default="")
