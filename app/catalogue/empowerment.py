"""Importing a real township empowerment list (赋权清单) from a CSV or text file."""

from __future__ import annotations

import csv
import io
import logging
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.catalogue.loader import KindCount, sync_empowerment
from app.catalogue.pinyin import normalise_name
from app.catalogue.reader import read_capped
from app.catalogue.spec import CODE_RE, CatalogueError, Problems
from db.models import Matter

log = logging.getLogger("onewindow.catalogue")


@dataclass(slots=True)
class EmpowermentImportReport:
    list_code: str
    matched: int = 0
    inserted: int = 0
    removed: int = 0
    unchanged: int = 0
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (line number, text) not matched


_HEADER_WORDS = ("编码", "编号", "名称", "事项", "序号", "code", "name")


def _read_list_text(path: Path) -> str:
    try:
        data = read_capped(path)
    except ValueError as exc:
        raise CatalogueError([f"{path.name}: {exc}"]) from None
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # .xlsx (zip) / .xls (OLE)
        raise CatalogueError(
            [f"{path.name}: this is an Excel workbook; save it as CSV (UTF-8 or GBK) or plain text first"]
        )
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CatalogueError([f"{path.name}: neither UTF-8 nor GB18030 text"])


def import_empowerment(
    session: Session,
    list_code: str,
    list_name: str,
    file: Path | str,
    *,
    allow_unknown: bool = False,
) -> EmpowermentImportReport:
    """Replace the empowerment list `list_code` with the matters named in `file`.

    The file is plain text or CSV (UTF-8 or GB18030): each line holds a matter code or a
    matter name in any column; blank lines and lines starting with '#' are skipped, as is
    a header row. Lines that name no known matter make it fail with every such line listed
    (nothing is written) unless `allow_unknown` is True. Flushes, does not commit.
    """
    path = Path(file)
    list_code = list_code.strip()
    list_name = list_name.strip()
    problems = Problems()
    if not CODE_RE.match(list_code):
        problems.add("list code", f"{list_code!r} must be letters, digits, '.', '_' or '-' (at most 32)")
    if not list_name:
        problems.add("list name", "is empty")
    if not path.is_file():
        problems.add(str(path), "file not found")
    problems.raise_if_any()

    by_code: dict[str, uuid.UUID] = {}
    by_name: dict[str, list[uuid.UUID]] = {}
    for mid, code, name in session.execute(sa.select(Matter.id, Matter.code, Matter.name)):
        by_code[code.upper()] = mid
        by_name.setdefault(normalise_name(name), []).append(mid)

    report = EmpowermentImportReport(list_code=list_code)
    found: list[uuid.UUID] = []
    text = _read_list_text(path)
    dialect: type[csv.Dialect] = csv.excel_tab if "\t" in text and "," not in text else csv.excel
    for lineno, cells in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        cells = [c.strip() for c in cells if c and c.strip()]
        if not cells or cells[0].startswith("#"):
            continue
        hit: uuid.UUID | None = None
        ambiguous = False
        for cell in cells:
            if cell.upper() in by_code:
                hit = by_code[cell.upper()]
                break
            named = by_name.get(normalise_name(cell), [])
            if len(named) == 1:
                hit = named[0]
                break
            if len(named) > 1:
                ambiguous = True
        if hit is not None:
            found.append(hit)
            continue
        line = ", ".join(cells)
        if not found and not report.unknown and any(w in line.lower() for w in _HEADER_WORDS):
            continue  # header row
        if ambiguous:
            problems.add(
                f"{path.name} line {lineno}", f"name is shared by several matters, use the code: {line}"
            )
        report.unknown.append((lineno, line))
    if report.unknown and not allow_unknown:
        for lineno, line in report.unknown:
            problems.add(f"{path.name} line {lineno}", f"names no known matter (code or exact name): {line}")
    if not found:
        problems.add(path.name, "names no known matter at all; nothing imported")
    problems.raise_if_any()
    counts = KindCount()
    report.matched = len(set(found))
    report.inserted, report.removed, report.unchanged = sync_empowerment(
        session, list_code, list_name, found, counts
    )
    session.flush()
    log.info(
        "empowerment list %s imported from %s: %d matters (%d new, %d removed, %d unknown lines)",
        list_code, path.name, report.matched, report.inserted, report.removed, len(report.unknown),
    )  # fmt: skip
    return report
