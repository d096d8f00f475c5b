"""`main.py queue …` end to end on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from main import main
from tests.queue.conftest import make_hall


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("ONEWINDOW_CONFIG", raising=False)
    monkeypatch.delenv("ONEWINDOW_DB", raising=False)
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    make_hall(url, site_code="XB").engine.dispose()
    return url


def run(db: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(["queue", *argv, "--db", db])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_issue_call_finish_status(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(db, capsys, "issue", "A", "--name", "张三丰", "--id-number", "11010519491231002X")
    assert rc == 0 and "A001" in out and "张*丰" in out and "前面还有 0 人" in out
    rc, out, _ = run(db, capsys, "issue", "general", "--priority")
    assert rc == 0 and "A002" in out and "绿色通道" in out
    rc, out, _ = run(db, capsys, "call", "3", "--staff", "xb-clerk")
    assert (rc, out.strip()) == (0, "请 A002 号到 3 号窗口办理")
    rc, out, _ = run(db, capsys, "finish", "3", "--case", "XB-20261127-0001")
    assert rc == 0 and "已办结" in out
    rc, out, _ = run(db, capsys, "call", "3")
    assert out.strip() == "请 A001 号到 3 号窗口办理"
    rc, out, _ = run(db, capsys, "status")
    assert rc == 0 and "综合业务" in out and "A001 已呼叫" in out
    rc, out, _ = run(db, capsys, "events", "--last", "10")
    assert rc == 0 and out.count("called") == 2
    rc, out, _ = run(db, capsys, "stats")
    assert rc == 0 and "3号窗口" in out and "合计" in out and "件次" in out


def test_user_mistakes_are_one_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(db, capsys, "issue", "Q")
    assert rc == 2 and err.strip() == "error: 没有这个业务类别：Q"
    rc, _, err = run(db, capsys, "finish", "1")
    assert rc == 2 and "没有呼叫中的号" in err and "Traceback" not in err
    rc, _, err = run(db, capsys, "call", "1", "--staff", "nobody")
    assert rc == 2 and "nobody" in err
    rc, out, _ = run(db, capsys, "call", "1")
    assert rc == 1 and "没有等候的号" in out
    rc, _, err = run(db, capsys, "issue", "A", "--id-number", "123")
    assert rc == 2 and "18位" in err


def test_refusals_of_a_busy_or_paused_window_are_one_line(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(db, capsys, "issue", "A")
    run(db, capsys, "issue", "A")
    run(db, capsys, "issue", "A")
    assert run(db, capsys, "call", "1")[0] == 0
    run(db, capsys, "hold", "1")
    assert run(db, capsys, "call", "1")[0] == 0  # A002 at window 1
    for argv in (("call", "1"), ("pause", "1", "午休"), ("close", "1"), ("resume", "1", "A001")):
        rc, out, err = run(db, capsys, *argv)
        assert rc != 0 and "本窗口还有未办结的号" in out + err and "Traceback" not in out + err, argv
    run(db, capsys, "open", "2")
    assert run(db, capsys, "pause", "2", "培训")[0] == 0
    rc, out, err = run(db, capsys, "call", "2")
    assert rc != 0 and "暂停服务" in out + err and "Traceback" not in out + err
    rc, out, err = run(db, capsys, "resume", "2", "A001")
    assert rc != 0 and "暂停服务" in out + err
