"""The silent board's names: "张*女士" stored beside a real-name ticket at issue (site-local).

Worked out once, from the full name on the card and the ID number's sex digit
(app/hall/masking.py); the ticket itself keeps only its masked name (张*三) and the ID number's
keyed hash, so this is the only place the title is known. A ticket without a name gets no row and
the board shows its number only.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.errors import storage
from app.hall.masking import board_name
from db.models import Ticket, TicketBoardName

log = logging.getLogger("onewindow.queue")


def record_board_name(
    sessions: sessionmaker[Session],
    site_id: uuid.UUID,
    ticket_id: uuid.UUID,
    name: str,
    id_number: str | None,
) -> str:
    """Store what a silent board shows for this ticket; returns it ("" and nothing stored without a name)."""
    shown = board_name(name, id_number)
    if not shown:
        return ""
    with storage("保存叫号显示名"), sessions.begin() as s:
        existing = s.scalar(sa.select(TicketBoardName).where(TicketBoardName.ticket_id == ticket_id))
        if existing is None:
            s.add(TicketBoardName(site_id=site_id, ticket_id=ticket_id, shown=shown))
        else:
            existing.shown = shown
    return shown


def board_names(session: Session, ticket_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    ids = [t for t in set(ticket_ids) if t is not None]
    if not ids:
        return {}
    rows = session.execute(
        sa.select(TicketBoardName.ticket_id, TicketBoardName.shown).where(TicketBoardName.ticket_id.in_(ids))
    ).all()
    return {r.ticket_id: r.shown for r in rows}


def purge_board_names(session: Session, site_id: uuid.UUID, before: dt.date) -> int:
    """Forget the names of tickets of business days before `before` (the board has moved on)."""
    old = sa.select(Ticket.id).where(Ticket.site_id == site_id, Ticket.business_date < before)
    done = session.execute(
        sa.delete(TicketBoardName)
        .where(TicketBoardName.site_id == site_id, TicketBoardName.ticket_id.in_(old))
        .returning(TicketBoardName.id)
    ).all()
    return len(done)
