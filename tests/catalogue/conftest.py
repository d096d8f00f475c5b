"""Fixtures for the catalogue tests: migrated real databases, a cheap argon2 hasher, a data copy."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.catalogue import CATALOGUE_DIR
from db.engine import make_engine, make_session_factory
from tests.migrated import migrate

# Low-cost argon2 for speed in tests only; production uses argon2-cffi's defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)


def migrated(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine, backup=True)
    return engine


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    engine = migrated(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(sqlite_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(sqlite_engine)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A private copy of resources/catalogue that a test may break."""
    target = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, target)
    return target
