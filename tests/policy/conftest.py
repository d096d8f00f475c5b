"""Policy-library fixtures: a migrated hall on SQLite and on the real PostgreSQL, with a site."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from db.engine import make_engine, make_session_factory
from db.models import Site
from tests.migrated import migrate


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hall.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    eng = make_engine(url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def site_id(sessions: sessionmaker[Session]) -> uuid.UUID:
    with sessions.begin() as session:
        site = Site(code="XB", name="新北区政务服务中心")
        session.add(site)
        session.flush()
        return site.id
