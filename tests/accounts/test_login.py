"""Log-in: no user-name enumeration, terminal throttling instead of account lockout, manager
alerts, this site's accounts only, no demo passwords outside the demo — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa

from app import auth
from db.models import AuditLog, Site, Staff
from tests.accounts.conftest import CLERK, MANAGER, PASSWORD, Hall

NOW = dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC)


def _try(
    hall: Hall, user: str, password: str, *, terminal: str = "pc-1", at: dt.datetime = NOW, **kw: object
) -> str:
    """The refusal message, or "ok"."""
    try:
        with hall.sessions() as s:
            auth.authenticate(s, user, password, site_id=hall.site_id, terminal=terminal, now=at, **kw)  # type: ignore[arg-type]
    except auth.AuthError as exc:
        return str(exc)
    return "ok"


def test_unknown_user_costs_one_argon2_verification_and_gets_the_same_message(
    any_hall: Hall, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    real = auth.verify_password

    def spy(password_hash: str, password: str) -> bool:
        verified.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", spy)
    unknown = _try(any_hall, "nobody-here", "whatever-1")
    wrong = _try(any_hall, CLERK, "whatever-1", terminal="pc-2")
    assert unknown == wrong == "用户名或密码不正确"  # no "再错N次将锁定账号" telling the name exists
    # One verification each; the unknown name's is against a hash of the production cost.
    assert len(verified) == 2
    assert verified[0].startswith("$argon2id$") and "m=19456,t=2,p=1" in verified[0]
    with any_hall.sessions() as s:
        rows = s.execute(
            sa.select(AuditLog.action, AuditLog.staff_id, AuditLog.origin, AuditLog.detail)
        ).all()
    assert sorted((r.action, r.origin) for r in rows) == [("login_failed", "pc-1"), ("login_failed", "pc-2")]
    assert all("whatever" not in r.detail for r in rows)  # a typed password is never stored
    assert all(len(r.detail) <= len("user nob…") for r in rows)
    # An account without a usable hash costs the same dummy verification.
    with any_hall.sessions.begin() as s:
        s.execute(sa.update(Staff).where(Staff.username == MANAGER).values(password_hash="-"))
    assert _try(any_hall, MANAGER, "whatever-1", terminal="pc-3") == "用户名或密码不正确"
    assert verified[-1] == verified[0]


def test_failures_throttle_the_terminal_never_lock_the_account(any_hall: Hall) -> None:
    at = NOW
    for i in range(auth.FREE_FAILURES):
        assert _try(any_hall, MANAGER, f"wrong-{i}", terminal="kiosk@hall", at=at) == "用户名或密码不正确"
    # The 4th attempt at once is refused without even checking the password …
    assert "秒后再试" in _try(any_hall, MANAGER, PASSWORD, terminal="kiosk@hall", at=at)
    # … the delay grows with each further failure …
    delays = []
    for i in range(6):
        at += auth.throttle_delay(auth.FREE_FAILURES + i)
        assert _try(any_hall, MANAGER, f"wrong-x{i}", terminal="kiosk@hall", at=at) == "用户名或密码不正确"
        delays.append(auth.throttle_delay(auth.FREE_FAILURES + i + 1).total_seconds())
    assert delays == sorted(delays) and delays[-1] > delays[0]
    assert auth.throttle_delay(100) == auth.MAX_DELAY
    # … while the manager logs in at once from a counter PC: the account was never locked.
    assert _try(any_hall, MANAGER, PASSWORD, terminal="counter@pc-7", at=at) == "ok"
    # And the kiosk itself works again once its delay passed.
    assert _try(any_hall, MANAGER, PASSWORD, terminal="kiosk@hall", at=at + auth.MAX_DELAY) == "ok"


def test_repeated_failures_alert_the_managers(any_hall: Hall) -> None:
    for i in range(auth.ALERT_AFTER):
        at = NOW + dt.timedelta(minutes=i * 3)  # spaced beyond each delay
        assert _try(any_hall, f"guess{i}", "x" * 8, terminal="kiosk@lobby", at=at) == "用户名或密码不正确"
    with any_hall.sessions() as s:
        alerts = auth.login_alerts(s, any_hall.site_id, NOW - dt.timedelta(hours=1))
    assert len(alerts) == 1 and "kiosk@lobby" in alerts[0][1] and f"{auth.ALERT_AFTER}次" in alerts[0][1]


def test_other_sites_disabled_accounts_and_demo_passwords(any_hall: Hall) -> None:
    other = uuid.uuid4()
    with any_hall.sessions.begin() as s:
        s.add(Site(id=other, code="ELSE", name="别的中心"))
        s.flush()
        s.add(
            Staff(
                site_id=other,
                username="else-clerk",
                name="外站",
                role="clerk",
                password_hash=auth.hash_password(PASSWORD),
            )
        )
        clerk = s.scalar(sa.select(Staff).where(Staff.username == CLERK))
        assert clerk is not None
        clerk.password_hash = auth.hash_password("123456")
    assert _try(any_hall, "else-clerk", PASSWORD) == "该账号不属于本服务中心"
    # A demo password is refused at a real site (the kiosk's exit dialog included), accepted in the demo.
    assert "演示密码" in _try(any_hall, CLERK, "123456", terminal="pc-3")
    assert _try(any_hall, CLERK, "123456", terminal="pc-3", demo=True) == "ok"
    with any_hall.sessions.begin() as s:
        s.execute(sa.update(Staff).where(Staff.username == MANAGER).values(active=False))
    assert _try(any_hall, MANAGER, "wrong-one", terminal="pc-4") == "用户名或密码不正确"
    assert _try(any_hall, MANAGER, PASSWORD, terminal="pc-4") == "该账号已停用，请联系管理员"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short1", "至少需要8个字符"),
        ("1234567890", "全是数字"),
        ("my-xt-clerk-pw", "用户名"),
        ("XT-CLERK-2026", "用户名"),
        ("x" * 129, "128"),
    ],
)
def test_password_strength(password: str, problem: str) -> None:
    assert problem in (auth.password_problem(CLERK, password) or "")


def test_change_password(any_hall: Hall) -> None:
    with any_hall.sessions() as s:
        with pytest.raises(auth.BadCredentials, match="原密码"):
            auth.change_password(s, any_hall.seeded.clerk_id, "not-it-1", "New-pass-2026")
        with pytest.raises(auth.WeakPassword, match="全是数字"):
            auth.change_password(s, any_hall.seeded.clerk_id, PASSWORD, "20262026")
        info = auth.change_password(s, any_hall.seeded.clerk_id, PASSWORD, "New-pass-2026", terminal="pc-9")
    assert not info.must_change_password
    assert _try(any_hall, CLERK, PASSWORD) == "用户名或密码不正确"
    assert _try(any_hall, CLERK, "New-pass-2026", terminal="pc-5") == "ok"
    with any_hall.sessions() as s:
        row = s.scalar(sa.select(AuditLog).where(AuditLog.action == "password_changed"))
        assert row is not None and row.origin == "pc-9" and "New-pass" not in row.detail
        assert s.scalar(sa.select(Staff.password_state).where(Staff.username == CLERK)) == "own"
