"""Expired and not-yet-valid ID cards: refused at the kiosk (policy layer), readable everywhere."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from app.hall.kiosk import KioskError, KioskService
from app.hall.policy import KioskPolicy
from db.models import Ticket
from devices.idcard.samples import RESIDENT_LONG_TERM
from tests.hall.conftest import HallFixture, hall  # noqa: F401 - the fixture is used by name


def _tickets(h: HallFixture) -> int:
    with h.ctx.sessions() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(Ticket)) or 0)


def test_kiosk_refuses_expired_and_not_yet_valid_cards(hall: HallFixture) -> None:  # noqa: F811
    kiosk = KioskService(hall.service, "演示中心", policy=KioskPolicy())
    today = hall.service.business_date()
    expired = dataclasses.replace(RESIDENT_LONG_TERM, valid_from=today - dt.timedelta(days=3650), valid_to=today - dt.timedelta(days=1))
    future = dataclasses.replace(RESIDENT_LONG_TERM, valid_from=today + dt.timedelta(days=1))
    for card, words in ((expired, "已过有效期"), (future, "尚未生效")):
        with pytest.raises(KioskError, match=words) as info:
            kiosk.issue("general", id_number=card.id_number, name=card.name, card=card)
        assert "服务台" in str(info.value)
        with pytest.raises(KioskError, match=words):
            kiosk.check_in(id_number=card.id_number, card=card)
    assert _tickets(hall) == 0
    last_day = dataclasses.replace(RESIDENT_LONG_TERM, valid_to=today)  # still valid on its last day
    kiosk.issue("general", id_number=last_day.id_number, name=last_day.name, card=last_day)
    kiosk.issue("general", id_number=RESIDENT_LONG_TERM.id_number, card=RESIDENT_LONG_TERM)  # 长期
    assert _tickets(hall) == 2
