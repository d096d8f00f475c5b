"""`main.py staff …` and the CLI as an actor (`queue call-ticket --manager`), in process on a real
SQLite file: passwords from $ONEWINDOW_PASSWORD or a prompt, never argv; no hash ever printed;
audit rows name the CLI and its OS user."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from app import auth
from db.models import AuditLog, Staff
from main import main
from tests.accounts.conftest import CLERK, MANAGER, PASSWORD, SITE_CODE, Hall


@pytest.fixture
def cli(hall: Hall, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Hall:
    config = tmp_path / "site.toml"
    config.write_text(f'[site]\ncode = "{SITE_CODE}"\n', encoding="utf-8")
    monkeypatch.setenv("ONEWINDOW_CONFIG", str(config))
    monkeypatch.setenv("ONEWINDOW_DB", hall.url)
    monkeypatch.delenv("ONEWINDOW_PASSWORD", raising=False)
    monkeypatch.delenv("ONEWINDOW_NEW_PASSWORD", raising=False)
    return hall


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_add_list_passwd_disable(
    cli: Hall, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rc, _, err = run(
        capsys, "staff", "add", "wang.fang", "--name", "王芳", "--role", "clerk", "--window", "2"
    )
    assert rc == 2 and "ONEWINDOW_PASSWORD" in err  # no terminal to ask, no password: nothing added
    with pytest.raises(SystemExit):  # there is no way to put a password on the command line
        main(["staff", "add", "wang.fang", "--name", "王芳", "--password", "Secret-2026"])
    capsys.readouterr()
    for weak, why in (
        ("12345678", "全是数字"),
        ("short", "8个字符"),
        ("wang.fang-1", "用户名"),
        ("123456", "8个字符"),
    ):
        monkeypatch.setenv("ONEWINDOW_PASSWORD", weak)
        rc, _, err = run(capsys, "staff", "add", "wang.fang", "--name", "王芳", "--window", "2")
        assert rc == 2 and why in err, err
    monkeypatch.setenv("ONEWINDOW_PASSWORD", "Issued-2026")
    rc, out, err = run(capsys, "staff", "add", "wang.fang", "--name", "王芳", "--window", "2")
    assert rc == 0 and "window 2" in out and "first log-in" in out, err
    rc, _, err = run(capsys, "staff", "add", "wang.fang", "--name", "王芳")
    assert rc == 2 and "taken" in err
    rc, _, err = run(capsys, "staff", "add", "li.si", "--name", "李四", "--window", "99")
    assert rc == 2 and "no window 99" in err
    rc, out, _ = run(capsys, "staff", "list")
    assert rc == 0 and "wang.fang" in out and "2号窗口" in out and "issued" in out
    assert "$argon2" not in out and "Issued-2026" not in out
    with cli.sessions() as s:
        info = auth.authenticate(s, "wang.fang", "Issued-2026", site_id=cli.site_id, terminal="t")
        assert info.must_change_password and info.window_id is not None
        auth.claim_window(
            s, info, next(w for w in auth.windows(s, cli.site_id) if w.number == 2), terminal="pc-x"
        )
    rc, out, _ = run(capsys, "staff", "list")
    assert "logged in: 2号窗口 @ pc-x" in out
    # An admin issues a new password: again to be changed at the next log-in.
    monkeypatch.setenv("ONEWINDOW_PASSWORD", "Reissued-2026")
    rc, out, _ = run(capsys, "staff", "passwd", CLERK)
    assert rc == 0 and "next log-in" in out
    rc, _, err = run(capsys, "staff", "passwd", "nobody")
    assert rc == 2 and "no staff member" in err
    rc, out, _ = run(capsys, "staff", "disable", "wang.fang")
    assert rc == 0 and "disabled" in out
    rc, out, _ = run(capsys, "staff", "disable", "wang.fang")
    assert rc == 0 and "already" in out
    with cli.sessions() as s:
        assert s.scalar(sa.select(Staff.password_state).where(Staff.username == CLERK)) == "issued"
        rows = s.execute(
            sa.select(AuditLog.action, AuditLog.origin).where(AuditLog.action.like("staff.%"))
        ).all()
    assert sorted(a for a, _ in rows) == ["staff.add", "staff.disable", "staff.passwd"]
    assert all(origin.startswith("cli:") and "@" in origin for _, origin in rows)


def test_change_own_password(
    cli: Hall, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEWINDOW_PASSWORD", PASSWORD)
    monkeypatch.setenv("ONEWINDOW_NEW_PASSWORD", "99999999")
    rc, _, err = run(capsys, "staff", "change-password", MANAGER)
    assert rc == 2 and "全是数字" in err
    monkeypatch.setenv("ONEWINDOW_NEW_PASSWORD", "Mine-2026-xyz")
    rc, out, _ = run(capsys, "staff", "change-password", MANAGER)
    assert rc == 0 and "changed" in out
    with cli.sessions() as s:
        assert s.scalar(sa.select(Staff.password_state).where(Staff.username == MANAGER)) == "own"


def test_call_ticket_needs_the_managers_password(
    cli: Hall, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rc, out, _ = run(capsys, "queue", "issue", "general")
    assert rc == 0 and "A001" in out
    rc, _, err = run(capsys, "queue", "call-ticket", "2", "A001", "--manager", MANAGER)
    assert rc == 2 and "ONEWINDOW_PASSWORD" in err  # naming a manager is not enough
    monkeypatch.setenv("ONEWINDOW_PASSWORD", "not-the-password")
    rc, _, err = run(capsys, "queue", "call-ticket", "2", "A001", "--manager", MANAGER)
    assert rc == 2 and err.strip() == f"error: {MANAGER}: 用户名或密码不正确"
    monkeypatch.setenv("ONEWINDOW_PASSWORD", PASSWORD)
    rc, _, err = run(capsys, "queue", "call-ticket", "2", "A001", "--manager", CLERK)
    assert rc == 2 and "大厅管理员" in err and "Traceback" not in err  # a clerk cannot authorise it
    rc, out, err = run(capsys, "queue", "call-ticket", "2", "A001", "--manager", MANAGER)
    assert rc == 0 and "A001" in out, err
    with cli.sessions() as s:
        row = s.scalar(sa.select(AuditLog).where(AuditLog.action == "queue.call_specific"))
        assert row is not None and row.staff_id == cli.seeded.manager_id
        assert row.origin.startswith("cli:")  # where it came from: the CLI and its OS user
        refused = s.scalars(sa.select(AuditLog.origin).where(AuditLog.action == "login_failed")).all()
        assert refused and all(o.startswith("cli:") for o in refused)


def test_issued_manager_password_must_be_changed_before_authorising(
    cli: Hall, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEWINDOW_PASSWORD", "Issued-by-admin-1")
    assert run(capsys, "staff", "passwd", MANAGER)[0] == 0
    run(capsys, "queue", "issue", "general")
    rc, _, err = run(capsys, "queue", "call-ticket", "2", "A001", "--manager", MANAGER)
    assert rc == 2 and "change-password" in err
