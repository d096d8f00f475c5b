"""Migration 0006 turns the old "【已停用】" note marking into the `material.retired` column and back."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic import command

from db.engine import make_engine
from db.migrate import alembic_config, sqlite_foreign_keys_off, upgrade

OLD_MARK = "【已停用】"


def _migrate(url: str, step: str, target: str) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn, sqlite_foreign_keys_off(conn), conn.begin():
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            getattr(command, step)(cfg, target)
    finally:
        engine.dispose()


def _round_trip(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine, backup=False)
    engine.dispose()
    _migrate(url, "downgrade", "0005")  # a hall as the previous version left it
    matter, kept, dropped = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO matter (id, code, name, department, kind, legal_unit, legal_text, promised_days,"
                " promised_is_demo, source, commitment, instant, tolerance, no_face_to_face, conditions,"
                " legal_basis, fee, pinyin, active) VALUES (:id, 'M-1', '演示事项', '演示局', '行政许可',"
                " 'working', '', 5, false, '演示', false, false, false, false, '', '', '不收费', '', true)"
            ).bindparams(sa.bindparam("id", type_=sa.Uuid())),
            {"id": matter},
        )
        for mid, name, note, sort in (
            (kept, "申请书", "须签字", 0),
            (dropped, "旧表格", OLD_MARK + "旧版", 10_001),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO material (id, matter_id, name, form, copies, required, core, note, sort)"
                    " VALUES (:id, :m, :name, '原件', 1, false, true, :note, :sort)"
                ).bindparams(sa.bindparam("id", type_=sa.Uuid()), sa.bindparam("m", type_=sa.Uuid())),
                {"id": mid, "m": matter, "name": name, "note": note, "sort": sort},
            )
    engine.dispose()

    _migrate(url, "upgrade", "head")
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT name, retired FROM material")).all())
        notes = dict(conn.execute(sa.text("SELECT name, note FROM material")).all())
    engine.dispose()
    assert {k: bool(v) for k, v in rows.items()} == {"申请书": False, "旧表格": True}
    assert notes == {"申请书": "须签字", "旧表格": "旧版"}

    _migrate(url, "downgrade", "0005")
    engine = make_engine(url)
    with engine.connect() as conn:
        notes = dict(conn.execute(sa.text("SELECT name, note FROM material")).all())
    engine.dispose()
    assert notes == {"申请书": "须签字", "旧表格": OLD_MARK + "旧版"}


def test_sqlite_marking_becomes_the_column(sqlite_url: str) -> None:
    _round_trip(sqlite_url)


@pytest.mark.postgres
def test_postgres_marking_becomes_the_column(pg_url: str) -> None:
    _round_trip(pg_url)
