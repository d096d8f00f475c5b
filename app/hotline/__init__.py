"""12345 诉求 ledger (app/hotline/ledger.py), its figures and the platform files."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.context import AppContext
    from app.hotline.ledger import HotlineLedger


def hall_ledger(ctx: AppContext) -> HotlineLedger:
    """The site's ledger as the screens use it (the site's code numbers the items, its time zone
    dates them)."""
    from app.hotline.ledger import HotlineLedger

    return HotlineLedger(ctx.sessions, ctx.site_id, ctx.settings.site.code, tz=ctx.settings.site.timezone)
