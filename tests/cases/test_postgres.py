"""The case service on a real PostgreSQL hall database: paths, and gapless case numbers when
several clerks accept at the same moment (advisory lock per site)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.cases import service
from app.cases.types import ApplicantData, Clerk, IntakeRequest, MaterialCheck
from app.context import open_database
from app.settings import DatabaseSettings
from db.models import Case, CaseHistory, Material, SyncOutbox
from tests.cases.seeding import ID_NUMBER, Seeded, keys_for_tests, seed, settings_for

pytestmark = pytest.mark.postgres
NOW = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def pg_hall(pg_url: str, tmp_path: object) -> Iterator[tuple[sessionmaker[Session], Seeded]]:
    from pathlib import Path

    settings = dataclasses.replace(
        settings_for(Path("unused.db")), database=DatabaseSettings(hall_url=pg_url)
    )
    engine, sessions = open_database(settings, keys=keys_for_tests())
    with sessions.begin() as s:
        seeded = seed(s)
    yield sessions, seeded
    engine.dispose()


def _request(sf: sessionmaker[Session], *matter_ids: object) -> IntakeRequest:
    with sf() as s:
        checks = tuple(
            MaterialCheck(m, True)
            for m in s.scalars(sa.select(Material.id).where(Material.matter_id.in_(matter_ids)))
        )
    return IntakeRequest(ApplicantData(name="张演示", id_number=ID_NUMBER), tuple(matter_ids), checks)  # type: ignore[arg-type]


def test_paths_on_postgres(pg_hall: tuple[sessionmaker[Session], Seeded]) -> None:
    sf, seeded = pg_hall
    clerk = Clerk(seeded.site_id, seeded.clerk_id, "李窗口", seeded.window_ids[1], "1号窗口")
    with service.write_session(sf) as s:
        a = service.submit(s, _request(sf, seeded.matters["normal"]), clerk, "accept", now=NOW)
    with service.write_session(sf) as s:
        c = service.submit(s, _request(sf, seeded.matters["commit"]), clerk, "commitment", now=NOW)
    with service.write_session(sf) as s:
        b = service.submit(
            s, _request(sf, seeded.matters["normal"], seeded.matters["food"]), clerk, "accept", now=NOW
        )
    assert [*a.case_numbers, *c.case_numbers, *b.case_numbers] == [f"XT-20261127-000{i}" for i in range(1, 5)]
    with sf() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(CaseHistory)) == 1 + 2 + 2
        assert (
            s.scalar(
                sa.select(sa.func.count()).select_from(SyncOutbox).where(SyncOutbox.table_name == "case")
            )
            == 2 + 3 + 4
        )  # create + each transition
        rows = service.list_cases(
            s, seeded.site_id, "mine", staff_id=clerk.staff_id, today=dt.date(2026, 11, 27)
        )
        assert len(rows) == 4


def test_concurrent_clerks_get_gapless_numbers(pg_hall: tuple[sessionmaker[Session], Seeded]) -> None:
    sf, seeded = pg_hall
    mid = seeded.matters["estate"]
    req = _request(sf, mid)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def clerk_work(window: int) -> None:
        clerk = Clerk(seeded.site_id, seeded.clerk_id, "李窗口", seeded.window_ids[window], f"{window}号窗口")
        try:
            for _ in range(6):
                with service.write_session(sf) as s:
                    got = service.submit(s, req, clerk, "accept", now=NOW).case_numbers
                with lock:
                    numbers.extend(got)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=clerk_work, args=(w,)) for w in (1, 2, 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(numbers) == [f"XT-20261127-{i:04d}" for i in range(1, 19)]
    with sf() as s:
        assert s.scalar(sa.select(sa.func.count(sa.distinct(Case.case_number)))) == 18


def test_migration_0004_on_postgres_decrypts_down_and_encrypts_up(
    pg_hall: tuple[sessionmaker[Session], Seeded],
) -> None:
    from alembic import command

    from app.cases.personal import open_fields
    from db.crypto import is_envelope
    from db.migrate import alembic_config, current_revision, head_revision, upgrade

    sf, seeded = pg_hall
    clerk = Clerk(seeded.site_id, seeded.clerk_id, "李窗口", seeded.window_ids[1], "1号窗口")
    with service.write_session(sf) as s:
        (info,) = service.submit(s, _request(sf, seeded.matters["normal"]), clerk, "accept", now=NOW).cases
    engine = sf.kw["bind"]
    cipher = keys_for_tests().cipher
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes.update(connection=conn, field_cipher=cipher)
        command.downgrade(cfg, "0003")
    with engine.connect() as conn:
        plain = conn.execute(
            sa.text('SELECT applicant_id_number FROM "case" WHERE id = :i'), {"i": info.id}
        ).scalar()
    assert plain == ID_NUMBER
    upgrade(engine, field_cipher=cipher)
    assert current_revision(engine) == head_revision()
    with sf() as s:
        case = s.get(Case, info.id)
        assert case is not None and is_envelope(case.applicant_id_number)
        assert open_fields(s, case).id_number == ID_NUMBER
        payloads = s.scalars(sa.select(SyncOutbox.payload).where(SyncOutbox.row_id == info.id)).all()
        assert payloads and all(is_envelope(p["applicant_id_number"]) for p in payloads)
