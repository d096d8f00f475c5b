"""The app container: settings, the hall database and the site, opened once per process."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.calendar import OfficeHours, WorkCalendar, seed_from_package
from app.keys import SiteKeys, load_site_keys
from app.retention import apply_retention
from app.secrets import SecretsError
from app.settings import Settings
from db import crypto
from db.engine import make_engine, make_session_factory
from db.migrate import SchemaTooNew, UpgradeRefused, upgrade
from db.models import Site

if TYPE_CHECKING:
    from app.queue.service import QueueService
    from app.queue.types import CloseDayResult

log = logging.getLogger("onewindow.db")


class HallUnavailable(RuntimeError):
    """The hall database cannot be opened or used; the message is for the user."""


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    site_id: uuid.UUID
    site_name: str
    _queue: QueueService | None = field(default=None, repr=False)
    keys: SiteKeys | None = field(default=None, repr=False)  # None: tests and tools without secrets
    demo: bool = False  # the demo hall's own data: demo accounts are expected (app.demo_db)

    def queue(self) -> QueueService:
        """The site's queue service (one per process; it is thread-safe)."""
        if self._queue is None:
            from app.queue.service import QueueService

            key = self.keys.id_hash_key if self.keys is not None else None
            self._queue = QueueService(self.sessions, self.site_id, self.settings.queue, id_hash_key=key)
        return self._queue

    def close_stale_days(self) -> CloseDayResult | None:
        """End a business day nobody closed (forgotten, power cut) before the new day's first call.

        Tickets still called or serving from an earlier day, and — when the policy cancels at day
        end — still waiting or held, would otherwise be called today. Returns None if none.
        """
        from db.models import Ticket
        from db.vocab import TicketStatus

        queue = self.queue()
        statuses = [TicketStatus.CALLED, TicketStatus.SERVING]
        if self.settings.queue.close_day == "cancel":
            statuses += [TicketStatus.WAITING, TicketStatus.HELD]
        with self.sessions() as session:
            stale = session.scalar(
                sa.select(sa.func.max(Ticket.business_date)).where(
                    Ticket.site_id == self.site_id,
                    Ticket.business_date < queue.business_date(),
                    Ticket.status.in_(statuses),
                )
            )
        if stale is None:
            return None
        result = queue.close_day(business_date=stale)
        log.info("closed the unclosed business day %s at start-up: %s", stale, result)
        return result

    def calendar(self) -> WorkCalendar:
        with self.sessions() as session:
            return WorkCalendar.load(session, self.settings.site.timezone, OfficeHours())

    def close(self) -> None:
        self.engine.dispose()


def _keys_if_present(settings: Settings) -> SiteKeys | None:
    """The site's keys when its secrets file holds them; None otherwise (tools, a fresh site)."""
    try:
        return load_site_keys(settings)
    except SecretsError as exc:
        log.debug("opening the hall database without field keys: %s", exc)
        return None


def open_database(
    settings: Settings, *, keys: SiteKeys | None = None
) -> tuple[Engine, sessionmaker[Session]]:
    """Open, upgrade (backing SQLite up first) and seed the calendar of the hall database.

    With `keys` (by default the site's, when its secrets file has them), the upgrade can encrypt
    plain personal fields (migration 0004) and every session carries the field cipher; without,
    such an upgrade is refused in one line and personal fields are unusable.
    """
    if keys is None:
        keys = _keys_if_present(settings)
    url = settings.hall_db_url
    try:
        engine = make_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise HallUnavailable(f"cannot use hall database URL {url!r}: {exc}") from None
    try:
        upgrade(engine, field_cipher=keys.cipher if keys is not None else None)
    except SchemaTooNew as exc:
        engine.dispose()
        raise HallUnavailable(str(exc)) from None
    except OperationalError as exc:
        engine.dispose()
        raise HallUnavailable(f"cannot open hall database {engine.url!r}: {exc.orig}") from None
    except UpgradeRefused as exc:  # e.g. plain personal data and no keys
        engine.dispose()
        raise HallUnavailable(f"cannot upgrade the hall database: {exc}") from None
    sessions = make_session_factory(engine)
    if keys is not None:
        crypto.install(sessions, keys.cipher)
    with sessions.begin() as session:
        added = seed_from_package(session)
        if added:
            log.info("calendar seeded for %s from the chinesecalendar package", added)
    return engine, sessions


def open_hall(settings: Settings, *, seed_demo: bool = False, demo: bool | None = None) -> AppContext:
    """Open the site's hall. A real site refuses to start without its keys (secrets file); the
    demo (`demo`, default: `seed_demo`) generates its own."""
    try:
        keys = load_site_keys(settings, demo=seed_demo if demo is None else demo)
    except SecretsError as exc:
        raise HallUnavailable(str(exc)) from None
    engine, sessions = open_database(settings, keys=keys)
    if seed_demo:
        from app.catalogue import seed_demo as _seed
        from app.demo_db import RealSiteError, refuse_real_site

        try:
            with sessions.begin() as session:
                refuse_real_site(session, settings.hall_db_url)
                _seed(session, id_hash_key=keys.id_hash_key)
        except RealSiteError as exc:
            engine.dispose()
            raise HallUnavailable(str(exc)) from None
    with sessions() as session:
        site = session.scalar(sa.select(Site).where(Site.code == settings.site.code))
        if site is None:
            codes = ", ".join(session.scalars(sa.select(Site.code))) or "none"
            engine.dispose()
            raise HallUnavailable(
                f"site {settings.site.code!r} is not in the hall database (sites there: {codes}); "
                "set [site] code to this site's code and receive its reference release from the "
                "centre with `main.py sync` (the demo hall runs on its own database: `main.py demo`)"
            )
        try:  # retention: expired drafts and old temperature readings go at every start
            apply_retention(sessions, settings, site.id)
        except SQLAlchemyError as exc:
            log.warning("retention clean-up skipped at start-up: %s", type(exc).__name__)
        from app.demo_db import is_demo_database

        is_demo = seed_demo or demo is True or is_demo_database(settings.hall_db_url)
        return AppContext(settings, engine, sessions, site.id, site.name, keys=keys, demo=is_demo)
