"""`main.py sms contact|send-pending|status` end to end: a real SQLite hall, the site's own
secrets file, settings from the environment and the local HTTP gateway emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.secrets import SMS_GATEWAY_SECRET, ensure_keys, write_secret
from main import main
from tests.queue.conftest import make_hall
from tests.reminders.conftest import SECRET
from tests.reminders.gateway import TIMEOUT_AFTER, running_gateway


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("ONEWINDOW_CONFIG", raising=False)
    monkeypatch.delenv("ONEWINDOW_DB", raising=False)
    secrets = tmp_path / "site.secrets"
    ensure_keys(secrets)
    monkeypatch.setenv("ONEWINDOW_SECRETS", str(secrets))
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    make_hall(url, site_code="XB").engine.dispose()
    return url


def run(db: str, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main([*argv, "--db", db])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_off_by_default_with_a_clear_message(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run(db, capsys, "sms", "send-pending")
    assert rc == 2 and "短信提醒未启用" in err and "Traceback" not in err
    rc, out, _ = run(db, capsys, "sms", "status")
    assert rc == 0 and "sender: off" in out and "待发送 0" in out


def test_http_gateway_without_its_secret_is_refused(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ONEWINDOW__SMS__SENDER", "http")
    monkeypatch.setenv("ONEWINDOW__SMS__GATEWAY_URL", "https://sms.example.gov.cn/send")
    rc, _, err = run(db, capsys, "sms", "send-pending")
    assert rc == 2 and SMS_GATEWAY_SECRET in err and "secrets set" in err
    rc, out, _ = run(db, capsys, "sms", "status")  # reading the outbox needs no secret
    assert rc == 0 and "sender: http" in out


def test_contact_then_send_pending_through_a_timing_out_gateway(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_secret(tmp_path / "site.secrets", SMS_GATEWAY_SECRET, SECRET)
    with running_gateway(SECRET) as gw:
        monkeypatch.setenv("ONEWINDOW__SMS__SENDER", "http")
        monkeypatch.setenv("ONEWINDOW__SMS__GATEWAY_URL", gw.url)
        monkeypatch.setenv("ONEWINDOW__SMS__ACCOUNT", gw.account)
        monkeypatch.setenv("ONEWINDOW__SMS__TIMEOUT_S", "0.3")
        monkeypatch.setenv("ONEWINDOW__SMS__BACKOFF_BASE_S", "1")
        assert run(db, capsys, "queue", "issue", "A")[0] == 0
        rc, out, _ = run(db, capsys, "sms", "contact", "A001", "13800138000", "--relative")
        assert rc == 0 and "亲属" in out and "138****8000" in out and "13800138000" not in out
        rc, _, err = run(db, capsys, "sms", "contact", "A001", "12345")
        assert rc == 2 and "手机号码" in err
        gw.then(TIMEOUT_AFTER)
        rc, out, _ = run(db, capsys, "sms", "send-pending")
        assert rc == 0 and "queued: 0 appointment, 1 turn" in out and "retrying 1" in out
        # Run again until the 1 s back-off has passed and the retry went out (a wall clock here:
        # the CLI runs with the real one), with the same request id.
        (key,) = gw.delivered
        for _ in range(100):
            rc, out, _ = run(db, capsys, "sms", "send-pending", "--no-schedule")
            assert rc == 0
            if gw.requests_for(key) >= 2:
                break
        assert "sent 1" in out and gw.requests_for(key) == 2
        assert gw.delivered[key] == 1 and len(gw.deliveries) == 1
        rc, out, _ = run(db, capsys, "sms", "status")
        assert rc == 0 and "已发送 1" in out and "叫号提醒 138****8000 已发送 第2次" in out
        assert "13800138000" not in out
