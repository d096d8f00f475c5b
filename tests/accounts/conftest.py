"""Fixtures of the account tests: the seeded test hall (site XT: a clerk at window 1 and a
manager, cheap argon2 hashes) as a real SQLite file copied per test, or on the real PostgreSQL."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.context import open_database
from app.settings import DatabaseSettings, Settings, SiteSettings
from db.engine import make_engine, make_session_factory
from tests.cases.seeding import PASSWORD, SITE_CODE, Seeded, build_template, copy_template, seed

CLERK = f"{SITE_CODE.lower()}-clerk"
MANAGER = f"{SITE_CODE.lower()}-manager"
__all__ = ["CLERK", "MANAGER", "PASSWORD", "SITE_CODE"]


@dataclass
class Hall:
    url: str
    sessions: sessionmaker[Session]
    seeded: Seeded

    @property
    def site_id(self) -> uuid.UUID:
        return self.seeded.site_id

    def settings(self) -> Settings:
        return dataclasses.replace(
            Settings(),
            site=SiteSettings(code=SITE_CODE, name="新北区政务服务中心"),
            database=DatabaseSettings(hall_url=self.url),
        )


@pytest.fixture(scope="session")
def accounts_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    path = tmp_path_factory.mktemp("accounts-template") / "hall.db"
    return path, build_template(path)


@pytest.fixture
def hall(accounts_template: tuple[Path, Seeded], tmp_path: Path) -> Iterator[Hall]:
    path = copy_template(accounts_template[0], tmp_path / "hall.db")
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    yield Hall(url, make_session_factory(engine), accounts_template[1])
    engine.dispose()


@pytest.fixture
def pg_hall(pg_url: str) -> Iterator[Hall]:
    from tests.migrated import migrate

    fresh = make_engine(pg_url)
    migrate(fresh)  # from the session's migrated template; open_database finds it at head
    fresh.dispose()
    settings = dataclasses.replace(Settings(), database=DatabaseSettings(hall_url=pg_url))
    engine, sessions = open_database(settings)
    with sessions.begin() as s:
        seeded = seed(s)
    yield Hall(pg_url, sessions, seeded)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_hall(request: pytest.FixtureRequest) -> Hall:
    """The same behaviour on both engines."""
    name = "hall" if request.param == "sqlite" else "pg_hall"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]
