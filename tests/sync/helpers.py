"""Sites for sync tests: a real SQLite hall file, a real role at a real central PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.base import uuid7
from db.engine import make_engine, make_session_factory
from db.migrate import upgrade
from db.models import AuditLog, Case, Evaluation, HallEvent, Matter, ServiceCategory, Site, Ticket
from db.outbox import save
from db.sync.central import SiteAccount, add_site
from db.sync.site import Syncer, SyncHooks


@dataclass
class SiteHandle:
    code: str
    site_id: uuid.UUID
    hall: Engine
    account: SiteAccount
    matter_id: uuid.UUID
    category_id: uuid.UUID
    syncers: list[Syncer] = field(default_factory=list)
    seq: int = 0

    def syncer(self, hooks: SyncHooks | None = None, batch_size: int = 7) -> Syncer:
        s = Syncer(self.hall, self.account.url, site_code=self.code, batch_size=batch_size, hooks=hooks)
        self.syncers.append(s)
        return s

    def close(self) -> None:
        for s in self.syncers:
            s.close()
        self.hall.dispose()

    # --- writes through the outbox helper ---

    def add_case(self, **kw: Any) -> uuid.UUID:
        with make_session_factory(self.hall).begin() as s:
            case = Case(site_id=self.site_id, matter_id=self.matter_id, applicant_name="张三", **kw)
            save(s, case)
            return case.id

    def update_case(self, case_id: uuid.UUID, status: str = "accepted") -> None:
        with make_session_factory(self.hall).begin() as s:
            case = s.get_one(Case, case_id)
            case.status = status
            case.notes += "+"
            save(s, case)

    def add_ticket(self) -> uuid.UUID:
        self.seq += 1
        with make_session_factory(self.hall).begin() as s:
            t = Ticket(
                site_id=self.site_id,
                business_date=dt.date(2026, 11, 27),
                category_id=self.category_id,
                prefix="A",
                seq=self.seq,
                number=f"A{self.seq:03d}",
            )
            save(s, t)
            # Its hall event, keyed across sites by uid (the integer id is local).
            ev = HallEvent(
                uid=uuid7(),
                site_id=self.site_id,
                business_date=t.business_date,
                kind="issued",
                ticket_id=t.id,
                payload={"number": t.number},
            )
            save(s, ev)
            return t.id

    def add_evaluation(self, grade: int = 5) -> uuid.UUID:
        with make_session_factory(self.hall).begin() as s:
            e = Evaluation(site_id=self.site_id, grade=grade, dimensions={"态度": grade})
            save(s, e)
            return e.id

    def add_audit(self) -> uuid.UUID:
        with make_session_factory(self.hall).begin() as s:
            a = AuditLog(site_id=self.site_id, action="view", entity="case")
            save(s, a)
            return a.id


_TEMPLATES: dict[str, Path] = {}


def _template() -> Path:
    """An upgraded, empty hall file, built once per test run and copied (upgrades are slow)."""
    if "hall" not in _TEMPLATES:
        import tempfile

        path = Path(tempfile.mkdtemp(prefix="ow-sync-template-")) / "template.db"
        eng = make_engine(f"sqlite:///{path}")
        upgrade(eng, backup=False)
        with eng.connect() as c:
            c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        eng.dispose()
        _TEMPLATES["hall"] = path
    return _TEMPLATES["hall"]


def make_hall(path: Path, code: str, site_id: uuid.UUID) -> tuple[Engine, uuid.UUID, uuid.UUID]:
    import shutil

    shutil.copyfile(_template(), path)
    hall = make_engine(f"sqlite:///{path}")
    matter_id, category_id = uuid7(), uuid7()
    with Session(hall) as s, s.begin():
        s.add(Site(id=site_id, code=code, name=f"{code} 便民服务中心", kind="township"))
        s.flush()
        s.add(
            Matter(
                id=matter_id,
                code=f"M-{code}",
                name="测试事项",
                department="民政局",
                kind="公共服务",
                promised_days=5,
            )
        )
        s.add(
            ServiceCategory(
                id=category_id, site_id=site_id, code="general", name="综合", prefix="A", daily_cap=None
            )
        )
    return hall, matter_id, category_id


def new_site(central_url: str, tmp: Path, code: str) -> SiteHandle:
    site_id = uuid7()
    hall, matter_id, category_id = make_hall(tmp / f"{code}.db", code, site_id)
    account = add_site(central_url, code, site_id=site_id)
    return SiteHandle(code, site_id, hall, account, matter_id, category_id)


@contextmanager
def admin(url: str, **kw: Any) -> Iterator[sa.Connection]:
    """A connection as the central administrator; the engine is disposed afterwards."""
    eng = sa.create_engine(url, **kw)
    try:
        with eng.connect() as conn:
            yield conn
            if conn.in_transaction():
                conn.commit()
    finally:
        eng.dispose()


def central_rows(central_url: str, site_id: uuid.UUID) -> dict[tuple[str, str], int]:
    eng = sa.create_engine(central_url)
    try:
        with eng.connect() as c:
            return {
                (t, str(i)): v
                for t, i, v in c.execute(
                    sa.text("SELECT table_name, row_id, row_version FROM synced_row WHERE site_id = :s"),
                    {"s": site_id},
                )
            }
    finally:
        eng.dispose()


def site_rows(site: SiteHandle) -> dict[tuple[str, str], int]:
    from db.base import Base
    from db.outbox import CHANNELS

    out: dict[tuple[str, str], int] = {}
    with site.hall.connect() as c:
        for name in CHANNELS:
            tbl = Base.metadata.tables[name]
            key = tbl.c.uid if name == "hall_event" else tbl.c.id
            for rid, v in c.execute(sa.select(key, tbl.c.row_version)):
                out[(name, str(rid))] = int(v)
    return out


def unacked(site: SiteHandle) -> int:
    with site.hall.connect() as c:
        return int(c.execute(sa.text("SELECT count(*) FROM sync_outbox WHERE acked_at IS NULL")).scalar_one())


def assert_converged(central_url: str, *sites: SiteHandle) -> None:
    for site in sites:
        assert central_rows(central_url, site.site_id) == site_rows(site), site.code
        assert unacked(site) == 0, site.code
