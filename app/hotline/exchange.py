"""12345 platform files: export the ledger as CSV or XLSX, import items handed down (CSV/XLSX).

Export columns are `EXPORT_COLUMNS` (the 12345 工单 fields: numbers, channel, category, times,
text, contact, deadline, status, reply, result, completeness, satisfaction, closure). CSV is UTF-8
with a BOM (Excel opens it as Chinese); a cell that starts with = + - @ gets a leading ' so a
spreadsheet never runs it as a formula.

Import columns (header names, any order, others ignored): 工单编号 (the platform's number),
受理时间 (YYYY-MM-DD HH:MM, Beijing time), 诉求类型, 诉求内容, and optionally 涉及部门, 联系人,
联系电话, 同意回访 (是/否). Every row is checked first; one bad row refuses the whole file with its
line named; rows whose 工单编号 is already in the ledger are skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from app.hotline.ledger import EXPORT_COLUMNS, HotlineError, HotlineLedger, ItemSpec
from app.vocab import HotlineCategory

REQUIRED = ("工单编号", "受理时间", "诉求类型", "诉求内容")
MAX_IMPORT_ROWS = 20_000


def _safe(cell: str) -> str:
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def _private(path: Path) -> None:
    """The export holds phone numbers: the file is created owner-only (0600) before it is written."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    os.chmod(path, 0o600)


def write_csv(rows: list[list[str]], path: Path) -> None:
    _private(path)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows([[_safe(c) for c in row] for row in rows])


def write_xlsx(rows: list[list[str]], path: Path) -> None:
    from openpyxl import Workbook

    _private(path)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "12345诉求"
    sheet.append(list(EXPORT_COLUMNS))
    for row in rows:
        sheet.append([_safe(c) for c in row])
    book.save(path)


def _read_table(path: Path) -> list[list[str]]:
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise HotlineError(f"{path.name} 不是可读的 Excel 文件（{type(exc).__name__}）") from None
        sheet = book.worksheets[0]
        table = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        return table
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise HotlineError(f"{path.name} 的编码无法识别：请另存为 UTF-8 或 GB18030 的 CSV")
    return [row for row in csv.reader(io.StringIO(text))]


@dataclass(frozen=True)
class ImportReport:
    added: int
    skipped: int  # already in the ledger

    def __str__(self) -> str:
        return f"12345 items: {self.added} added, {self.skipped} already in the ledger"


def import_items(ledger: HotlineLedger, path: Path, *, staff_id: uuid.UUID | None = None) -> ImportReport:
    table = [row for row in _read_table(path) if any(c.strip() for c in row)]
    if not table:
        raise HotlineError(f"{path.name} 是空文件")
    header = [c.strip() for c in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise HotlineError(f"{path.name} 缺少列：" + "、".join(missing))
    if len(table) - 1 > MAX_IMPORT_ROWS:
        raise HotlineError(f"{path.name} 行数太多：一次最多导入 {MAX_IMPORT_ROWS} 条")
    col = {name: header.index(name) for name in header if name}
    tz = ZoneInfo("Asia/Shanghai")
    specs: list[ItemSpec] = []
    for line, row in enumerate(table[1:], start=2):

        def cell(name: str, row: list[str] = row) -> str:
            i = col.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        where = f"{path.name} 第 {line} 行"
        ref = cell("工单编号")
        if not ref:
            raise HotlineError(f"{where}：缺少工单编号")
        try:
            received = dt.datetime.strptime(cell("受理时间")[:16], "%Y-%m-%d %H:%M").replace(tzinfo=tz)
        except ValueError:
            raise HotlineError(f"{where}：受理时间应为 YYYY-MM-DD HH:MM") from None
        try:
            category = HotlineCategory(cell("诉求类型"))
        except ValueError:
            raise HotlineError(
                f"{where}：诉求类型“{cell('诉求类型')}”不是咨询、求助、投诉、举报、建议、表扬或办不成事"
            ) from None
        consent = cell("同意回访") in ("是", "Y", "y", "1", "同意")
        specs.append(
            ItemSpec(
                category, cell("诉求内容"), department=cell("涉及部门"),
                contact_name=cell("联系人") if consent else "", contact_phone=cell("联系电话") if consent else "",
                consent=consent, channel="12345", external_ref=ref, received_at=received,
            )
        )  # fmt: skip
    known = ledger.known_refs([s.external_ref for s in specs])
    added = skipped = 0
    for line, spec in enumerate(specs, start=2):
        if spec.external_ref in known:
            skipped += 1
            continue
        try:
            ledger.record(spec, staff_id=staff_id)
        except HotlineError as exc:
            raise HotlineError(f"{path.name} 第 {line} 行：{exc}（此前的 {added} 条已导入）") from None
        known.add(spec.external_ref)
        added += 1
    return ImportReport(added, skipped)
