"""Importing a district's real empowerment list: codes or names, clear errors, nothing lost."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from app.catalogue import CatalogueError, import_empowerment, load_catalogue
from db.models import Empowerment


@pytest.fixture
def loaded(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions() as s:
        load_catalogue(s)
        s.commit()
    return sessions


def rows(s: Session, code: str) -> int:
    return (
        s.scalar(sa.select(sa.func.count()).select_from(Empowerment).where(Empowerment.list_code == code))
        or 0
    )


def test_unknown_lines_are_all_listed_and_nothing_is_written(
    loaded: sessionmaker[Session], tmp_path: Path
) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text("SCJG-002\n不存在的事项\n\nRS-007\n办证\n", encoding="utf-8")
    with loaded() as s:
        with pytest.raises(CatalogueError) as info:
            import_empowerment(s, "TOWN-X", "某镇清单", listing)
        assert info.value.problems == [
            "list.txt line 2: names no known matter (code or exact name): 不存在的事项",
            "list.txt line 5: names no known matter (code or exact name): 办证",
        ]
        assert rows(s, "TOWN-X") == 0
        report = import_empowerment(s, "TOWN-X", "某镇清单", listing, allow_unknown=True)
        assert report.matched == 2 and [n for n, _ in report.unknown] == [2, 5]
        assert rows(s, "TOWN-X") == 2


def test_reimport_replaces_the_list_and_leaves_others(loaded: sessionmaker[Session], tmp_path: Path) -> None:
    listing = tmp_path / "list.tsv"
    listing.write_text("编码\t名称\nSCJG-002\t个体工商户设立登记\nRS-007\t社会保障卡补卡\n", encoding="utf-8")
    with loaded() as s:
        town_one = rows(s, "TOWN-I")
        assert import_empowerment(s, "TOWN-X", "某镇清单", listing).inserted == 2
        listing.write_text("RS-007\nrs-008\n", encoding="utf-8")
        report = import_empowerment(s, "TOWN-X", "某镇清单", listing)
        assert (report.inserted, report.removed, report.unchanged) == (1, 1, 1)
        s.commit()
        assert rows(s, "TOWN-I") == town_one
    with loaded() as s:  # reloading the catalogue keeps an imported list untouched
        assert load_catalogue(s).changed == 0
        assert rows(s, "TOWN-X") == 2


@pytest.mark.parametrize(
    ("code", "name", "content", "expected"),
    [
        ("TOWN X", "清单", "SCJG-002\n", "list code: 'TOWN X' must be letters"),
        ("TOWN-X", " ", "SCJG-002\n", "list name: is empty"),
        ("TOWN-X", "清单", "\n# nothing\n", "list.txt: names no known matter at all; nothing imported"),
    ],
)
def test_bad_arguments(
    loaded: sessionmaker[Session], tmp_path: Path, code: str, name: str, content: str, expected: str
) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(content, encoding="utf-8")
    with loaded() as s, pytest.raises(CatalogueError) as info:
        import_empowerment(s, code, name, listing)
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems


def test_missing_file(loaded: sessionmaker[Session], tmp_path: Path) -> None:
    with loaded() as s, pytest.raises(CatalogueError, match="file not found"):
        import_empowerment(s, "TOWN-X", "清单", tmp_path / "nope.csv")


def test_an_excel_workbook_is_refused_with_advice(loaded: sessionmaker[Session], tmp_path: Path) -> None:
    book = tmp_path / "清单.xlsx"
    book.write_bytes(b"PK\x03\x04" + bytes(200))
    with loaded() as s, pytest.raises(CatalogueError, match="Excel workbook; save it as CSV"):
        import_empowerment(s, "TOWN-X", "清单", book)
