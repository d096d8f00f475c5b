"""`main.py policy search|load` as a real process on a real SQLite hall."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


@pytest.fixture(scope="module")
def loaded_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`db upgrade` and `policy load` as processes, once per module."""
    path = tmp_path_factory.mktemp("policy-cli") / "hall.db"
    url = f"sqlite:///{path}"
    assert run("db", "upgrade", "--db", url).returncode == 0
    loaded = run("policy", "load", "--db", url)
    assert loaded.returncode == 0, loaded.stderr
    assert "11 documents, 7 questions from 2 file(s)" in loaded.stdout
    return path


@pytest.fixture
def db(loaded_db: Path, tmp_path: Path) -> str:
    """Each test its own copy of the loaded hall."""
    for made in loaded_db.parent.glob("hall.db*"):  # with a WAL, should one be left
        shutil.copy(made, tmp_path / made.name)
    return f"sqlite:///{tmp_path / 'hall.db'}"


def test_search_prints_documents_and_questions(db: str) -> None:
    out = run("policy", "search", "国发〔2024〕3号", "--db", db)
    assert out.returncode == 0, out.stderr
    # the State Council document, and the province's one that implements it (its summary cites it)
    assert out.stdout.splitlines()[0] == "政策文件 2 份，常见问题 0 个"
    assert "苏政发〔2024〕65号" in out.stdout.splitlines()[2]  # after the typed 文号's document
    assert (
        "2024-01-09  国发〔2024〕3号  国务院关于进一步优化政务服务提升行政效能推动“高效办成一件事”的指导意见"
        in out.stdout
    )
    out = run("policy", "search", "跨省", "通办", "--json", "--db", db)
    data = json.loads(out.stdout)
    assert [d["doc_number"] for d in data["documents"]] == ["国办发〔2020〕35号"]
    assert [q["question"] for q in data["questions"]] == ["在外地工作，能不能在本地办户籍地的事项？"]


def test_bad_input_is_one_line(db: str, tmp_path: Path) -> None:
    out = run("policy", "search", "〔〕", "--db", db)
    assert (
        out.returncode == 2
        and out.stderr.strip() == "error: 请输入要查找的文字：政策名称、文号、关键词或拼音首字母"
    )
    out = run("policy", "search", "社保", "--limit", "0", "--db", db)
    assert out.returncode == 2 and "between 1 and 200" in out.stderr
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.json").write_text("{not json", encoding="utf-8")
    out = run("policy", "load", str(bad), "--db", db)
    assert (
        out.returncode == 2 and "x.json 不是可读的 JSON 文件" in out.stderr and "Traceback" not in out.stderr
    )


def test_hotline_import_export_and_month(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    seeded = run("seed-demo", "--db", url)
    assert seeded.returncode == 0, seeded.stderr
    found = run("policy", "search", "kstb", "--db", url)  # the demo hall has the starter library
    assert "国办发〔2020〕35号" in found.stdout
    down = tmp_path / "down.csv"
    down.write_text(
        "工单编号,受理时间,诉求类型,诉求内容,联系人,联系电话,同意回访\n"
        "GD1,2026-11-02 08:15,建议,增加周末服务窗口,王五,13712345678,是\n",
        encoding="utf-8",
    )
    out = run("hotline", "import", str(down), "--db", url)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "12345 items: 1 added, 0 already in the ledger"
    target = tmp_path / "up.csv"
    out = run("hotline", "export", "2026-11-01", "2026-11-30", str(target), "--db", url)
    assert out.returncode == 0, out.stderr
    assert target.stat().st_mode & 0o777 == 0o600
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("工单编号,平台工单号,来源渠道,诉求类型,受理时间")
    assert (
        ",GD1,12345平台,建议,2026-11-02 08:15,,增加周末服务窗口,王五,13712345678,是,2026-11-23,已登记,"
        in lines[1]
    )
    out = run("hotline", "export", "2026-11-01", "2026-11-30", str(target), "--db", url)
    assert out.returncode == 2 and "already exists" in out.stderr
    out = run("hotline", "month", "2026-11", "--db", url)
    assert out.returncode == 0 and out.stdout.splitlines()[0] == "2026年11月 12345 诉求：受理 1 件，办结 0 件"
