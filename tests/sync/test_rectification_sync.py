"""差评整改 items and their 回访 reach the centre in channel `evaluations`, every version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from app import evaluations, rectification
from db.engine import make_session_factory
from db.models_rectification import RectificationCallback, RectificationItem
from tests.sync.helpers import SiteHandle, central_rows


@pytest.mark.postgres
def test_items_and_callbacks_upload(central_url: str, make_site: Callable[[str], SiteHandle]) -> None:
    site = make_site("XB")
    sessions = make_session_factory(site.hall)
    now = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    with sessions.begin() as s:
        info = evaluations.record(s, site_id=site.site_id, grade=1, reason="attitude", now=now)
    with sessions.begin() as s:
        item_id = s.scalars(sa.select(RectificationItem.id)).one()
        rectification.record_callback(s, item_id, outcome="satisfied", staff_id=None, at=now, now=now)
        rectification.rectify(s, item_id, text="窗口人员服务规范培训", staff_id=None, now=now)
    with sessions() as s:
        call_id = s.scalars(sa.select(RectificationCallback.id)).one()
    result = site.syncer().sync_once()
    assert result.channels["evaluations"].applied >= 3
    rows = central_rows(central_url, site.site_id)
    assert rows[("rectification_item", str(item_id))] == 3  # opened, called back, rectified
    assert rows[("rectification_callback", str(call_id))] == 1
    assert rows[("evaluation", str(info.id))] == 2  # the rating and its follow-up
