"""Alembic environment for the central (district) PostgreSQL database.

The central schema is written by hand (tables, row-level security, the apply function), so
there is no target metadata to autogenerate from.
"""

from __future__ import annotations

from alembic import context

config = context.config


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
    if connection.dialect.name != "postgresql":
        raise RuntimeError("the central database must be PostgreSQL")
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
