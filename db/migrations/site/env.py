"""Alembic environment for the hall (site) database."""

from __future__ import annotations

from alembic import context

from db import models  # noqa: F401  (registers the tables)
from db.base import Base
from db.models_policy import is_search_index

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from db.engine import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _run(conn)
        engine.dispose()
    else:
        _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # The policy library's search indexes (FTS5 tables, GIN expression indexes) are not in the
        # models: autogenerate must not propose dropping them.
        include_name=lambda name, type_, _parents: not is_search_index(name, type_),
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
