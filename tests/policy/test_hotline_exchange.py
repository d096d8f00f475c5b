"""12345 files: the ledger exported as CSV and XLSX in the platform's columns, items handed down
imported (CSV and XLSX), bad files refused with the line named."""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session, sessionmaker

from app.calendar import seed_from_package
from app.hotline.exchange import import_items, write_csv, write_xlsx
from app.hotline.ledger import EXPORT_COLUMNS, HotlineError, HotlineLedger, ItemSpec
from app.vocab import HotlineCategory, HotlineStatus
from db.crypto import FieldCipher, install

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def book(sessions: sessionmaker[Session], site_id: uuid.UUID) -> HotlineLedger:
    install(sessions, FieldCipher({"1": bytes(range(32))}, "1"))
    with sessions.begin() as session:
        seed_from_package(session, [2026])
    return HotlineLedger(
        sessions, site_id, "XB", clock=lambda: dt.datetime(2026, 11, 2, 9, 30, tzinfo=SHANGHAI)
    )


def test_export_csv_and_xlsx(book: HotlineLedger, tmp_path: Path) -> None:
    book.record(
        ItemSpec(HotlineCategory.NOT_DONE, "=HYPERLINK(\"x\") 营业执照变更在窗口办不成", department="区市场监管局",
                 contact_name="李四", contact_phone="13912345678", consent=True)
    )  # fmt: skip
    rows = book.export_rows(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert rows == [
        [
            "XB-RX-20261102-0001",
            "",
            "窗口",
            "办不成事",
            "2026-11-02 09:30",
            "区市场监管局",
            '=HYPERLINK("x") 营业执照变更在窗口办不成',
            "李四",
            "13912345678",
            "是",
            "2026-11-05",
            "已登记",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    ]  # fmt: skip  (办不成事: 3 working days, 11-03 … 11-05)
    write_csv(rows, tmp_path / "out.csv")
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert tuple(table[0]) == EXPORT_COLUMNS and table[1][6] == '\'=HYPERLINK("x") 营业执照变更在窗口办不成'
    write_xlsx(rows, tmp_path / "out.xlsx")
    sheet = load_workbook(tmp_path / "out.xlsx").worksheets[0]
    values = [[c or "" for c in r] for r in sheet.iter_rows(values_only=True)]
    assert (
        tuple(values[0]) == EXPORT_COLUMNS
        and values[1][0] == "XB-RX-20261102-0001"
        and values[1][8] == "13912345678"
    )
    assert book.export_rows(dt.date(2026, 10, 1), dt.date(2026, 10, 31)) == []


def _handed_down(path: Path) -> None:
    rows = [
        ["工单编号", "受理时间", "诉求类型", "诉求内容", "联系人", "联系电话", "同意回访"],
        ["GD202611020001", "2026-11-02 08:15", "投诉", "窗口工作人员态度生硬", "王五", "13712345678", "是"],
        ["GD202611020002", "2026-11-02 08:40", "咨询", "新生儿落户需要什么材料", "赵六", "13612345678", "否"],
    ]
    if path.suffix == ".xlsx":
        wb = Workbook()
        sheet = wb.active
        assert sheet is not None
        for r in rows:
            sheet.append(r)
        wb.save(path)
    else:
        path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="gb18030")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_import_of_items_handed_down(book: HotlineLedger, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"down{suffix}"
    _handed_down(path)
    report = import_items(book, path)
    assert (report.added, report.skipped) == (2, 0)
    again = import_items(book, path)
    assert (again.added, again.skipped) == (0, 2)
    rows = book.export_rows(dt.date(2026, 11, 2), dt.date(2026, 11, 2))
    assert [(r[0], r[1], r[2], r[3], r[7], r[8], r[9], r[10]) for r in rows] == [
        (
            "XB-RX-20261102-0001",
            "GD202611020001",
            "12345平台",
            "投诉",
            "王五",
            "13712345678",
            "是",
            "2026-11-16",
        ),
        ("XB-RX-20261102-0002", "GD202611020002", "12345平台", "咨询", "", "", "否", "2026-11-05"),
    ]  # 投诉 10 working days: 11-03 … 11-16; 咨询 3: 11-05; no consent → no contact kept
    assert all(r[11] == "已登记" for r in rows) and HotlineStatus.RECEIVED == "received"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("工单编号,受理时间,诉求内容\nA1,2026-11-02 08:00,问\n", "缺少列：诉求类型"),
        ("工单编号,受理时间,诉求类型,诉求内容\nA1,2026/11/02,咨询,问\n", "第 2 行：受理时间应为"),
        (
            "工单编号,受理时间,诉求类型,诉求内容\nA1,2026-11-02 08:00,咨询,问\nA2,2026-11-02 08:00,闲聊,问\n",
            "第 3 行：诉求类型“闲聊”",
        ),
        ("", "是空文件"),
    ],
)
def test_bad_files_are_refused_whole(book: HotlineLedger, tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(HotlineError, match=message):
        import_items(book, path)
    assert book.export_rows(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == []
