"""A small hall for tests, benchmarks and the demo: one site, categories, windows and their links."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from db.models import ServiceCategory, Site, Staff, Window, WindowCategory


@dataclass(frozen=True)
class SeededHall:
    site_id: uuid.UUID
    category_ids: dict[str, uuid.UUID]  # code → id
    window_ids: dict[int, uuid.UUID]  # number → id
    manager_id: uuid.UUID
    clerk_id: uuid.UUID


DEFAULT_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("general", "综合业务", "A"),
    ("business", "企业开办", "B"),
    ("estate", "不动产登记", "C"),
)


def seed_hall(
    session: Session,
    *,
    windows: int = 4,
    categories: Sequence[tuple[str, str, str]] = DEFAULT_CATEGORIES,
    links: dict[int, dict[str, int]] | None = None,
    daily_cap: int | None = None,
    issue_start: dt.time = dt.time(0, 0),
    issue_end: dt.time = dt.time(23, 59, 59),
    per_id_daily_limit: int = 3,
    site_code: str = "DEMO",
) -> SeededHall:
    """Create a site; by default every window serves every category with priority 1.

    `links` maps a window number to {category code: priority} to override that.
    """
    site = Site(id=uuid.uuid4(), code=site_code, name="演示政务服务中心", timezone="Asia/Shanghai")
    session.add(site)
    session.flush()
    cat_ids: dict[str, uuid.UUID] = {}
    for i, (code, name, prefix) in enumerate(categories):
        c = ServiceCategory(
            site_id=site.id,
            code=code,
            name=name,
            prefix=prefix,
            daily_cap=daily_cap,
            issue_start=issue_start,
            issue_end=issue_end,
            warn_wait_minutes=30,
            per_id_daily_limit=per_id_daily_limit,
            sort=i,
        )
        session.add(c)
        session.flush()
        cat_ids[code] = c.id
    win_ids: dict[int, uuid.UUID] = {}
    for n in range(1, windows + 1):
        w = Window(site_id=site.id, number=n, name=f"{n}号窗口", kind="comprehensive")
        session.add(w)
        session.flush()
        win_ids[n] = w.id
        for code, prio in (links or {}).get(n, dict.fromkeys(cat_ids, 1)).items():
            session.add(WindowCategory(window_id=w.id, category_id=cat_ids[code], priority=prio))
    mgr = Staff(
        site_id=site.id,
        username=f"{site_code.lower()}-manager",
        name="王经理",
        role="manager",
        password_hash="-",
    )
    clerk = Staff(
        site_id=site.id, username=f"{site_code.lower()}-clerk", name="李窗口", role="clerk", password_hash="-"
    )
    session.add_all([mgr, clerk])
    session.flush()
    return SeededHall(site.id, cat_ids, win_ids, mgr.id, clerk.id)
