"""`main.py sms status|send-pending`: the SMS reminder outbox without the GUI.

Cheap to import: the database and the service are loaded inside the handlers.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from app.cli.support import CliError, add_common_options

if TYPE_CHECKING:
    from app.context import AppContext
    from app.reminders.service import ReminderService

STATE_NAMES = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "失败"}
KIND_NAMES = {"appointment_reminder": "预约提醒", "turn_reminder": "叫号提醒"}


def _service(args: argparse.Namespace, *, sending: bool = True) -> tuple[AppContext, ReminderService]:
    """The hall and its reminder service; `sending`: with the configured sender (refused in one
    line when the gateway lacks its URL or secret)."""
    import dataclasses

    from app.cli.core import open_hall_from_args
    from app.reminders.service import ReminderService, SmsNotConfigured, make_sender

    ctx: AppContext = open_hall_from_args(args)
    settings = ctx.settings
    sender_name = getattr(args, "sender", None)
    if sender_name:
        settings = dataclasses.replace(settings, sms=dataclasses.replace(settings.sms, sender=sender_name))
    try:
        sender = make_sender(settings) if sending else None
    except SmsNotConfigured as exc:
        ctx.close()
        raise CliError(str(exc)) from None
    return ctx, ReminderService(ctx.sessions, ctx.site_id, settings.sms, sender, queue=ctx.queue())


def cmd_status(args: argparse.Namespace) -> int:
    ctx, service = _service(args, sending=False)
    try:
        status = service.status(recent=args.recent)
    finally:
        ctx.close()
    print(f"sender: {ctx.settings.sms.sender}")
    print(
        "  ".join(f"{STATE_NAMES[k]} {n}" for k, n in status.counts.items()) + f"  到期待发 {status.due_now}"
    )
    for m in status.recent:
        print(
            f"{m.created_at:%Y-%m-%d %H:%M} {KIND_NAMES.get(m.kind, m.kind)} {m.phone_masked} "
            f"{STATE_NAMES.get(m.state, m.state)} 第{m.attempts}次 {m.last_result}".rstrip()
        )
    return 0


def cmd_send_pending(args: argparse.Namespace) -> int:
    from app.reminders.service import SmsNotConfigured

    ctx, service = _service(args)
    try:
        if service.sender is None:
            raise CliError('短信提醒未启用：在设置文件 [sms] 中设置 sender = "log" 或 "http"（或 --sender）')
        planned = service.schedule() if not args.no_schedule else None
        report = service.deliver_pending()
    except SmsNotConfigured as exc:
        raise CliError(str(exc)) from None
    finally:
        ctx.close()
    if planned is not None:
        print(
            f"queued: {planned.appointment_reminders} appointment, {planned.turn_reminders} turn reminder(s)"
        )
    print(
        f"attempts {report.attempts}: sent {report.sent}, retrying {report.retrying}, "
        f"failed {report.failed}, taken over {report.lost_claims}"
    )
    return 1 if report.failed else 0


def cmd_contact(args: argparse.Namespace) -> int:
    from app.queue.errors import QueueError
    from app.reminders.service import InvalidContact
    from app.vocab import ContactRelation

    ctx, service = _service(args, sending=False)
    try:
        ticket = ctx.queue().ticket(args.number)
        masked = service.record_contact(
            ticket.id, args.phone, ContactRelation.RELATIVE if args.relative else ContactRelation.SELF
        )
    except (QueueError, InvalidContact) as exc:
        raise CliError(str(exc)) from None
    finally:
        ctx.close()
    whose = "亲属" if args.relative else "本人"
    print(f"{ticket.number} 号的短信提醒将发到{whose}手机 {masked}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    sms = sub.add_parser(
        "sms", help="SMS reminders: the outbox and its delivery", description="SMS reminders"
    )
    add_common_options(sms)
    actions = sms.add_subparsers(dest="sms_command", metavar="ACTION", required=True)
    p = actions.add_parser("status", help="messages by state and the latest ones (numbers masked)")
    add_common_options(p)
    p.add_argument("--recent", type=int, default=20, metavar="N", help="show the N newest messages")
    p.set_defaults(func=cmd_status)
    p = actions.add_parser(
        "send-pending",
        help="queue what is due (appointments tomorrow, turns) and send every due message once",
    )
    add_common_options(p)
    p.add_argument("--sender", choices=("log", "http"), help="use this sender instead of [sms] sender")
    p.add_argument("--no-schedule", action="store_true", help="only send what is already queued")
    p.set_defaults(func=cmd_send_pending)
    p = actions.add_parser(
        "contact", help="record the mobile a waiting ticket's reminders go to (a relative's with --relative)"
    )
    add_common_options(p)
    p.add_argument("number", help="ticket number, e.g. A012")
    p.add_argument("phone", help="mobile number (11 digits)")
    p.add_argument("--relative", action="store_true", help="the number is a relative's (elderly applicant)")
    p.set_defaults(func=cmd_contact)
