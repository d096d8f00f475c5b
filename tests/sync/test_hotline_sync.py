"""12345 诉求 items reach the centre in channel `cases`, contact still encrypted, every version."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from app.hotline.ledger import HotlineLedger, ItemSpec
from app.vocab import HotlineCategory
from db.crypto import FieldCipher, install
from db.engine import make_session_factory
from tests.sync.helpers import SiteHandle, central_rows


@pytest.mark.postgres
def test_items_upload_with_their_versions(central_url: str, make_site: Callable[[str], SiteHandle]) -> None:
    site = make_site("XB")
    sessions = make_session_factory(site.hall)
    install(sessions, FieldCipher({"1": bytes(range(32))}, "1"))
    clock = lambda: dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)  # noqa: E731
    book = HotlineLedger(sessions, site.site_id, site.code, clock=clock)
    item = book.record(
        ItemSpec(HotlineCategory.COMPLAINT, "等候时间过长", contact_phone="13812345678", consent=True)
    )
    book.assign(item.id, "大厅管理办公室")
    result = site.syncer().sync_once()
    assert result.channels["cases"].applied >= 1
    rows = central_rows(central_url, site.site_id)
    assert rows[("hotline_item", str(item.id))] == 2
    eng = sa.create_engine(central_url)
    with eng.connect() as c:
        payload = c.execute(
            sa.text("SELECT CAST(payload AS text) FROM synced_row WHERE table_name = 'hotline_item'")
        ).scalar_one()
    eng.dispose()
    assert "13812345678" not in payload and "大厅管理办公室" in payload
