"""12345 诉求 ledger: requests, complaints and suggestions taken at the hall (or handed down by
the 12345 platform), site-owned and uploaded through the outbox (channel `cases`).

The contact's name and phone are `db.crypto` envelopes bound to `hotline_item.contact_name` /
`hotline_item.contact_phone`, like an applicant's personal fields.
"""

from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, SiteOwned, utcnow
from db.vocab import HotlineStatus


class HotlineItem(SiteOwned, Base):
    __tablename__ = "hotline_item"
    __table_args__ = (sa.UniqueConstraint("site_id", "number"),)

    number: Mapped[str] = mapped_column(sa.String(40))  # XB-RX-20261207-0001
    external_ref: Mapped[str] = mapped_column(sa.String(64), default="")  # the 12345 platform's 工单号
    channel: Mapped[str] = mapped_column(sa.String(16), default="counter")  # counter | kiosk | 12345
    category: Mapped[str] = mapped_column(sa.String(16))  # HotlineCategory
    matter_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("matter.id"))
    department: Mapped[str] = mapped_column(sa.String(100), default="")
    text: Mapped[str] = mapped_column(sa.Text)
    contact_name: Mapped[str] = mapped_column(sa.Text, default="")  # envelope
    contact_phone: Mapped[str] = mapped_column(sa.Text, default="")  # envelope
    consent: Mapped[bool] = mapped_column(default=False)  # agreed to be called back
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    due_date: Mapped[dt.date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16), default=str(HotlineStatus.RECEIVED))
    assigned_to: Mapped[str] = mapped_column(sa.String(100), default="")
    assigned_at: Mapped[dt.datetime | None]
    reply: Mapped[str] = mapped_column(sa.Text, default="")
    reply_unit: Mapped[str] = mapped_column(sa.String(100), default="")  # 承办单位
    reply_result: Mapped[str] = mapped_column(sa.String(16), default="")  # 已解决 / 已解释说明 …
    replied_at: Mapped[dt.datetime | None]
    reply_complete: Mapped[bool | None]  # None until checked
    satisfaction: Mapped[str | None] = mapped_column(sa.String(16))  # HotlineSatisfaction
    closed_at: Mapped[dt.datetime | None]
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)  # business date of closure
    staff_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("staff.id"))
