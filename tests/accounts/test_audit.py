"""Audit rows say where an action came from, kiosk card reads are audited, and login alerts
reach the manager dashboard."""

from __future__ import annotations

import contextlib
import datetime as dt

import sqlalchemy as sa

from app import auth
from app.context import open_hall
from app.hall.dashboard import load_dashboard
from app.hall.kiosk import KioskService
from db.models import AuditLog, set_audit_origin
from tests.accounts.conftest import Hall

ID_NUMBER = "11010519491231002X"


def test_kiosk_card_reads_are_audited_masked_with_the_kiosk_as_origin(hall: Hall) -> None:
    ctx = open_hall(hall.settings())
    try:
        set_audit_origin(auth.terminal_id("kiosk"))
        kiosk = KioskService(ctx.queue(), ctx.site_name)
        kiosk.issue("general", id_number=ID_NUMBER, name="张三")
        kiosk.issue("general")  # no card: nothing to audit
    finally:
        set_audit_origin("")
        ctx.close()
    with hall.sessions() as s:
        rows = s.execute(
            sa.select(AuditLog.detail, AuditLog.origin).where(AuditLog.action == "kiosk.card_read")
        ).all()
    assert len(rows) == 1
    (detail, origin) = rows[0]
    assert ID_NUMBER not in detail and "1101**********002X" in detail
    assert origin == auth.terminal_id("kiosk") and origin.startswith("kiosk@")


def test_login_alerts_reach_the_manager_dashboard(hall: Hall) -> None:
    ctx = open_hall(hall.settings())
    try:
        now = dt.datetime.now(dt.UTC)
        for i in range(auth.ALERT_AFTER):
            with hall.sessions() as s, contextlib.suppress(auth.BadCredentials):
                at = now - dt.timedelta(seconds=50 - 10 * i)  # spaced beyond each throttle delay
                auth.authenticate(
                    s, "guess", f"wrong-{i}", site_id=hall.site_id, terminal="kiosk@lobby", now=at
                )
        alerts = [a for a in load_dashboard(ctx.queue()).alerts if a.kind == "login"]
    finally:
        ctx.close()
    assert len(alerts) == 1 and "kiosk@lobby" in alerts[0].text
