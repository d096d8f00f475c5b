"""Fixtures of the case tests: a seeded SQLite hall copied per test from one template."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.cases.types import Clerk
from db.engine import make_engine, make_session_factory
from tests.cases.seeding import Seeded, build_template, copy_template, with_keys


@pytest.fixture(scope="session")
def hall_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    path = tmp_path_factory.mktemp("template") / "hall.db"
    return path, build_template(path)


@pytest.fixture
def hall_db(hall_template: tuple[Path, Seeded], tmp_path: Path) -> tuple[Path, Seeded]:
    template, seeded = hall_template
    return copy_template(template, tmp_path / "hall.db"), seeded


@pytest.fixture
def sf(hall_db: tuple[Path, Seeded]) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{hall_db[0]}")
    yield with_keys(make_session_factory(engine))
    engine.dispose()


@pytest.fixture
def seeded(hall_db: tuple[Path, Seeded]) -> Seeded:
    return hall_db[1]


@pytest.fixture
def clerk(seeded: Seeded) -> Clerk:
    return Clerk(seeded.site_id, seeded.clerk_id, "李窗口", seeded.window_ids[1], "1号窗口")
