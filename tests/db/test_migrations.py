"""The Alembic site tree builds exactly the schema the models describe, on both engines."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from db.base import Base
from db.engine import make_engine
from db.migrate import SchemaTooNew, current_revision, head_revision, upgrade
from db.models_policy import is_search_index


def _diff(engine: sa.Engine) -> list[object]:
    with engine.connect() as conn:
        # The policy library's search indexes (SQLite FTS5 tables, PostgreSQL GIN expression
        # indexes) are not in the models.
        def include_name(name: str | None, type_: str, _parents: object) -> bool:
            return not is_search_index(name, type_)

        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name})
        return list(compare_metadata(ctx, Base.metadata))


def test_sqlite_upgrade_matches_models(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert _diff(engine) == []
    engine.dispose()


@pytest.mark.postgres
def test_postgres_upgrade_matches_models(pg_url: str) -> None:
    engine = make_engine(pg_url)
    upgrade(engine)
    assert _diff(engine) == []
    engine.dispose()


def test_second_upgrade_changes_nothing_and_backs_up_only_when_needed(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hall.db'}")
    assert upgrade(engine) is None  # fresh file: nothing to back up
    assert upgrade(engine) is None
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".bak") == []
    engine.dispose()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "hall.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    engine = make_engine(f"sqlite:///{path}")
    with pytest.raises(SchemaTooNew, match="newer than this OneWindow"):
        upgrade(engine)
    with sqlite3.connect(path) as raw:  # untouched
        assert raw.execute("SELECT version_num FROM alembic_version").fetchone() == ("ffff_from_the_future",)
    engine.dispose()


def _down_and_up(url: str) -> None:
    from alembic import command

    from db.migrate import alembic_config

    engine = make_engine(url)
    upgrade(engine, backup=False)
    command.downgrade(alembic_config(url), "0001")
    assert current_revision(engine) == "0001"
    command.upgrade(alembic_config(url), "head")
    assert current_revision(engine) == head_revision()
    assert _diff(engine) == []
    engine.dispose()


def test_sqlite_downgrade_to_the_first_revision_and_back(sqlite_url: str) -> None:
    _down_and_up(sqlite_url)


@pytest.mark.postgres
def test_postgres_downgrade_to_the_first_revision_and_back(pg_url: str) -> None:
    _down_and_up(pg_url)
