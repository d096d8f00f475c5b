from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.logs import mask_personal_numbers, setup_logging
from app.validators import mask_name
from db.engine import make_engine

ID18 = "11010519491231002X"
ID15 = "110105491231002"
PHONE = "13812345678"
NAME = "欧阳晓明"
ADDRESS = "北京市东城区景山前街4号"
PLANTED = (ID18, ID15, PHONE, NAME, ADDRESS, "11010519491231002x")


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = setup_logging(tmp_path / "logs", "DEBUG")
    yield path
    root = logging.getLogger("onewindow")
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()


def _text(path: Path) -> str:
    for handler in logging.getLogger("onewindow").handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def _assert_clean(text: str) -> None:
    for value in PLANTED:
        assert value not in text, value


def test_log_file_rotates_and_never_holds_an_id_number(log_file: Path) -> None:
    logger = logging.getLogger("onewindow.case")
    logger.info("card read for %s at window %d", "11010519491231002X", 5)
    logger.info("inline 440524188001010014 and a case number XB-20261127-0001")
    text = _text(log_file)
    assert "1101**********002X" in text and "4405**********0014" in text
    assert "11010519491231002X" not in text and "440524188001010014" not in text
    assert "XB-20261127-0001" in text and "onewindow.case" in text


def test_message_with_15_digit_id_phone_and_masked_name(log_file: Path) -> None:
    logger = logging.getLogger("onewindow.case")
    # Call sites log names through mask_name; the numbers are masked whatever the call site does.
    logger.info("applicant %s, old ID %s, phone %s / +86 138-1234-5678, tel 010-65551234", mask_name(NAME), ID15, PHONE)
    logger.warning("lower-case x: %s", "11010519491231002x")
    text = _text(log_file)
    _assert_clean(text)
    assert "欧**明" in text and "1101********002" in text and "138****5678" in text
    assert "010-65551234" not in text and "138-1234-5678" not in text


def test_traceback_is_masked(log_file: Path) -> None:
    logger = logging.getLogger("onewindow.case")

    def save(id_number: str, phone: str) -> None:
        raise ValueError(f"cannot save applicant {id_number} / {phone}")

    try:
        save(ID18, PHONE)
    except ValueError:
        logger.exception("saving the draft failed")
    try:
        raise RuntimeError("nested") from KeyError(ID15)
    except RuntimeError:
        logger.error("chained", exc_info=True, stack_info=True)
    text = _text(log_file)
    _assert_clean(text)
    assert "Traceback" in text and "cannot save applicant 1101**********002X / 138****5678" in text


def test_failing_sql_statement_parameters_never_logged(log_file: Path, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hall.db'}")
    meta = sa.MetaData()
    person = sa.Table(
        "person",
        meta,
        sa.Column("id_number", sa.String, primary_key=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("phone", sa.String),
        sa.Column("address", sa.String),
    )
    meta.create_all(engine)
    row = {"id_number": ID18, "name": NAME, "phone": PHONE, "address": ADDRESS}
    logger = logging.getLogger("onewindow.db")
    try:
        with engine.begin() as conn:
            conn.execute(person.insert(), row)
            conn.execute(person.insert(), row)  # duplicate key
    except sa.exc.IntegrityError as exc:
        logger.exception("draft save failed")
        logger.error("draft save failed: %s", exc)
    try:
        with engine.begin() as conn:  # a statement error raised before the driver runs
            conn.execute(sa.text("SELECT * FROM person WHERE name = :name AND nope = 1"), {"name": NAME})
    except sa.exc.OperationalError:
        logger.exception("lookup failed")
    engine.dispose()
    text = _text(log_file)
    _assert_clean(text)
    assert "IntegrityError" in text and "hidden due to hide_parameters" in text


@pytest.mark.postgres
def test_postgres_detail_values_masked(log_file: Path, pg_url: str) -> None:
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE person (name text PRIMARY KEY, phone text CHECK (phone <> ''))"))
    logger = logging.getLogger("onewindow.db")
    for params in ({"n": NAME, "p": PHONE}, {"n": NAME, "p": PHONE}, {"n": ADDRESS, "p": ""}):
        try:
            with engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO person VALUES (:n, :p)"), params)
        except sa.exc.IntegrityError:
            logger.exception("insert failed")
    engine.dispose()
    text = _text(log_file)
    _assert_clean(text)
    assert "already exists" in text and "Failing row contains" in text


def test_masking_leaves_ordinary_numbers_alone() -> None:
    plain = "case XB-20261127-0001 at 2026-12-07 05:34:02,123, id 0191e2a4-5f6b-7c8d-9e0f-123456789012, 42 rows"
    assert mask_personal_numbers(plain) == plain


def test_every_engine_of_the_program_hides_parameters(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert engine.hide_parameters
    engine.dispose()
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for top in ("main.py", "app", "db", "devices", "printing", "ui", "bench"):
        for file in [root / top] if top.endswith(".py") else sorted((root / top).rglob("*.py")):
            for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                # make_engine (db/engine.py) sets it for every engine it makes
                if "create_engine(" in line and "hide_parameters" not in line and file.name != "engine.py":
                    offenders.append(f"{file.relative_to(root)}:{n}")
    assert not offenders, offenders
