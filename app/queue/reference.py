"""Reference data of a site as the queue uses it: categories and windows (centre-owned, changed by release)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.queue import errors
from db.models import ServiceCategory, Site, Window, WindowCategory, Zone


@dataclass(frozen=True)
class CategoryRef:
    id: uuid.UUID
    code: str
    name: str
    prefix: str
    daily_cap: int | None
    issue_start: dt.time
    issue_end: dt.time
    warn_wait_minutes: int
    per_id_daily_limit: int
    active: bool
    sort: int
    zone_name: str = ""  # the hall area (专区) its windows are in; "" when none is set


@dataclass(frozen=True)
class WindowRef:
    id: uuid.UUID
    number: int
    name: str
    active: bool
    categories: Mapping[uuid.UUID, int]  # category id → priority (lower first)
    zone_name: str = ""  # the hall area (专区) the window is in; "" when none is set


@dataclass(frozen=True)
class Reference:
    tz: ZoneInfo
    categories: Mapping[uuid.UUID, CategoryRef]
    windows: Mapping[uuid.UUID, WindowRef]
    loaded: float

    def category(self, key: str) -> CategoryRef:
        k = key.strip()
        for c in self.categories.values():
            if k in (c.code, c.prefix) or k.upper() == c.prefix.upper():
                return c
        raise errors.UnknownCategory(f"没有这个业务类别：{key}")

    def window(self, number: int) -> WindowRef:
        for w in self.windows.values():
            if w.number == number:
                return w
        raise errors.UnknownWindow(f"没有 {number} 号窗口")


def load_reference(s: Session, site_id: uuid.UUID, loaded: float) -> Reference:
    """Read the site's categories, windows and the categories each window serves (active ones only)."""
    site = s.get(Site, site_id)
    if site is None:
        raise errors.QueueError(f"本库中没有站点 {site_id}")
    zones = {z.id: z.name for z in s.scalars(sa.select(Zone).where(Zone.site_id == site_id))}
    cats = {
        c.id: CategoryRef(
            id=c.id,
            code=c.code,
            name=c.name,
            prefix=c.prefix,
            daily_cap=c.daily_cap,
            issue_start=c.issue_start,
            issue_end=c.issue_end,
            warn_wait_minutes=c.warn_wait_minutes,
            per_id_daily_limit=c.per_id_daily_limit,
            active=c.active,
            sort=c.sort,
            zone_name=zones.get(c.zone_id, "") if c.zone_id else "",
        )
        for c in s.scalars(sa.select(ServiceCategory).where(ServiceCategory.site_id == site_id))
    }
    links: dict[uuid.UUID, dict[uuid.UUID, int]] = {}
    for wc in s.scalars(
        sa.select(WindowCategory)
        .join(Window, Window.id == WindowCategory.window_id)
        .where(Window.site_id == site_id)
    ):
        if wc.category_id in cats and cats[wc.category_id].active:
            links.setdefault(wc.window_id, {})[wc.category_id] = wc.priority
    wins = {
        w.id: WindowRef(
            id=w.id,
            number=w.number,
            name=w.name,
            active=w.active,
            categories=links.get(w.id, {}),
            zone_name=zones.get(w.zone_id, "") if w.zone_id else "",
        )
        for w in s.scalars(sa.select(Window).where(Window.site_id == site_id))
    }
    return Reference(tz=ZoneInfo(site.timezone), categories=cats, windows=wins, loaded=loaded)
