"""`main.py queue …`: issue, call and serve tickets, and see the hall, against the configured hall database.

Cheap to import: the database and the service are loaded inside the handlers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.cli.support import CliError, add_common_options
from app.vocab import PriorityClass, TicketStatus, WindowServiceState

if TYPE_CHECKING:
    from app.context import AppContext
    from app.queue.service import QueueService
    from app.queue.types import TicketInfo

Handler = Callable[[argparse.Namespace], int]

STATUS_NAMES: dict[str, str] = {
    TicketStatus.WAITING: "等候",
    TicketStatus.CALLED: "已呼叫",
    TicketStatus.SERVING: "办理中",
    TicketStatus.HELD: "挂起",
    TicketStatus.DONE: "已办结",
    TicketStatus.NO_SHOW: "过号",
    TicketStatus.CANCELLED: "作废",
    TicketStatus.TRANSFERRED: "已转移",
}
STATE_NAMES: dict[str, str] = {WindowServiceState.OPEN: "服务中", WindowServiceState.PAUSED: "暂停", WindowServiceState.CLOSED: "关闭"}


def _context(args: argparse.Namespace) -> AppContext:
    from app.cli.core import open_hall_from_args

    ctx: AppContext = open_hall_from_args(args)
    return ctx


def _run(args: argparse.Namespace, action: Callable[[AppContext, QueueService], int]) -> int:
    from app.queue.errors import QueueError

    ctx = _context(args)
    try:
        return action(ctx, ctx.queue())
    except QueueError as exc:
        raise CliError(str(exc)) from None
    finally:
        ctx.close()


def _staff_id(ctx: AppContext, username: str | None) -> Any:
    if not username:
        return None
    import sqlalchemy as sa

    from db.models import Staff

    with ctx.sessions() as s:
        staff = s.scalar(sa.select(Staff).where(Staff.username == username, Staff.site_id == ctx.site_id))
    if staff is None:
        raise CliError(f"no staff member with user name {username!r} at this site")
    return staff.id


def _authorised(ctx: AppContext, username: str, role: str, what: str) -> Any:
    """The id of the person a flag names (e.g. --manager), once they gave their password (prompt,
    or $ONEWINDOW_PASSWORD): naming someone is not acting as them. Audit rows record the CLI and
    its OS user as the origin."""
    from app import auth
    from app.cli.staff import read_password
    from app.staff import authenticate_actor

    password = read_password(f"password of {username} ({what}): ")
    try:
        with ctx.sessions() as s:
            return authenticate_actor(s, ctx.site_id, username, password, role, what).id
    except auth.AuthError as exc:
        raise CliError(f"{username}: {exc}") from None


def _ticket_line(t: TicketInfo) -> str:
    parts = [t.number, t.category_name, STATUS_NAMES.get(t.status, t.status)]
    if t.priority_class == PriorityClass.GREEN:
        parts.append("绿色通道")
    elif t.priority_class == PriorityClass.APPOINTMENT:
        parts.append("预约")
    if t.window_number is not None:
        parts.append(f"{t.window_number}号窗口")
    if t.holder_name:
        parts.append(t.holder_name)
    if t.people_ahead is not None and t.estimated_wait_minutes is not None:
        parts.append(f"前面还有 {t.people_ahead} 人，预计等候约 {t.estimated_wait_minutes:g} 分钟")
    elif t.people_ahead is not None:
        parts.append(f"前面还有 {t.people_ahead} 人，暂无开放的窗口")
    return "  ".join(parts)


# --- handlers -------------------------------------------------------------------------------


def cmd_issue(args: argparse.Namespace) -> int:
    def act(ctx: AppContext, q: QueueService) -> int:
        t = q.issue(args.category, id_number=args.id_number, name=args.name or "", priority=args.priority)
        print(_ticket_line(t))
        return 0

    return _run(args, act)


def cmd_checkin(args: argparse.Namespace) -> int:
    def act(ctx: AppContext, q: QueueService) -> int:
        print(_ticket_line(q.check_in(args.code)))
        return 0

    return _run(args, act)


def cmd_call(args: argparse.Namespace) -> int:
    def act(ctx: AppContext, q: QueueService) -> int:
        r = q.call_next(args.window, staff_id=_staff_id(ctx, args.staff))
        if r is None:
            print(f"{args.window}号窗口：当前没有等候的号")
            return 1
        print(r.announcement)
        return 0

    return _run(args, act)


def cmd_call_ticket(args: argparse.Namespace) -> int:
    def act(ctx: AppContext, q: QueueService) -> int:
        r = q.call_ticket(
            args.window,
            args.number,
            manager_id=_authorised(ctx, args.manager, "manager", "指定叫号"),
            staff_id=_staff_id(ctx, args.staff),
        )
        print(r.announcement)
        return 0

    return _run(args, act)


def _window_op(name: str) -> Handler:
    def handler(args: argparse.Namespace) -> int:
        def act(ctx: AppContext, q: QueueService) -> int:
            staff = _staff_id(ctx, getattr(args, "staff", None))
            if name == "finish":
                t = q.finish(args.window, outcome=args.outcome, case_numbers=args.case or (), staff_id=staff)
            elif name == "recall":
                r = q.recall(args.window, staff_id=staff)
                print(f"{r.announcement}（第 {r.ticket.recall_count} 次重呼）")
                return 0
            elif name == "hold":
                t = q.hold(args.window, staff_id=staff, reason=args.reason or "")
            elif name == "transfer":
                t = q.transfer(
                    args.window, to_category=args.to_category, to_window=args.to_window, staff_id=staff
                )
            else:
                t = getattr(q, name)(args.window, staff_id=staff)
            print(_ticket_line(t))
            return 0

        return _run(args, act)

    return handler


def cmd_resume(args: argparse.Namespace) -> int:
    def act(ctx: AppContext, q: QueueService) -> int:
        print(_ticket_line(q.resume(args.window, args.number)))
        return 0

    return _run(args, act)


def cmd_requeue(args: argparse.Namespace) -> int:
    def act(ctx: AppContext, q: QueueService) -> int:
        print(_ticket_line(q.requeue(args.number)))
        return 0

    return _run(args, act)


def cmd_cancel(args: argparse.Namespace) -> int:
    def act(ctx: AppContext, q: QueueService) -> int:
        print(_ticket_line(q.cancel(args.number, reason=args.reason or "")))
        return 0

    return _run(args, act)


def cmd_ticket(args: argparse.Namespace) -> int:
    def act(ctx: AppContext, q: QueueService) -> int:
        print(_ticket_line(q.ticket(args.number)))
        return 0

    return _run(args, act)


def _window_state_cmd(op: str) -> Handler:
    def handler(args: argparse.Namespace) -> int:
        def act(ctx: AppContext, q: QueueService) -> int:
            staff = _staff_id(ctx, getattr(args, "staff", None))
            if op == "pause":
                w = q.pause_window(args.window, args.reason, staff_id=staff)
            else:
                w = getattr(q, f"{op}_window")(args.window, staff_id=staff)
            reason = f"（{w.reason}）" if w.reason else ""
            print(f"{w.number}号窗口：{STATE_NAMES.get(w.state, w.state)}{reason}")
            return 0

        return _run(args, act)

    return handler


def cmd_close_day(args: argparse.Namespace) -> int:
    def act(ctx: AppContext, q: QueueService) -> int:
        r = q.close_day(args.mode)
        print(
            f"{r.business_date} closed ({r.mode}): cancelled {r.cancelled}, carried over {r.carried_over}, "
            f"no-show {r.no_show}, finished {r.finished}"
        )
        return 0

    return _run(args, act)


def _table(rows: list[list[str]]) -> str:
    import unicodedata

    def width(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell + " " * (w - width(cell)) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in rows
    )


def cmd_status(args: argparse.Namespace) -> int:
    def act(ctx: AppContext, q: QueueService) -> int:
        st = q.status()
        print(f"{ctx.site_name}  业务日期 {st.business_date}")
        rows = [["类别", "前缀", "等候", "最长等候(分)", "今日取号", "上限"]]
        for c in st.categories:
            rows.append(
                [
                    c.name,
                    c.prefix,
                    str(c.waiting),
                    f"{c.longest_wait_minutes:g}",
                    str(c.issued_today),
                    str(c.daily_cap) if c.daily_cap is not None else "-",
                ]
            )
        print(_table(rows))
        print()
        rows = [["窗口", "状态", "当前号", "业务"]]
        for w in st.windows:
            cur = f"{w.current.number} {STATUS_NAMES.get(w.current.status, '')}" if w.current else "-"
            state = STATE_NAMES.get(w.state, w.state) + (f"（{w.reason}）" if w.reason else "")
            rows.append([w.name, state, cur, ",".join(w.category_codes)])
        print(_table(rows))
        return 0

    return _run(args, act)


def cmd_stats(args: argparse.Namespace) -> int:
    def act(ctx: AppContext, q: QueueService) -> int:
        from app.queue.stats import Figures, queue_stats

        try:
            day_from = dt.date.fromisoformat(args.date_from) if args.date_from else q.business_date()
            day_to = dt.date.fromisoformat(args.date_to) if args.date_to else day_from
        except ValueError:
            raise CliError("dates must look like 2026-11-27") from None
        s = queue_stats(ctx.sessions, ctx.site_id, day_from, day_to, policy=q.policy)

        def fmt(v: float | None) -> str:
            return "-" if v is None else f"{v:g}"

        def line(name: str, f: Figures) -> list[str]:
            return [
                name,
                str(f.issued),
                str(f.called),
                str(f.served),
                str(f.services),
                str(f.no_show),
                fmt(f.avg_wait_minutes),
                fmt(f.max_wait_minutes),
                fmt(f.avg_visit_wait_minutes),
                fmt(f.avg_service_minutes),
                fmt(f.idle_minutes),
                fmt(None if f.no_show_rate is None else round(100 * f.no_show_rate, 1)),
                fmt(None if f.above_target_share is None else round(100 * f.above_target_share, 1)),
            ]

        rows = [
            [
                "",
                "取号",
                "呼叫",
                "办结(人次)",
                "件次",
                "过号",
                "平均等候",
                "最长等候",
                "来访等候",
                "平均办理",
                "空闲(分)",
                "过号率%",
                "超时%",
            ]
        ]
        rows.append(line("合计", s.overall))
        rows += [line(f"{n}号窗口", f) for n, f in s.by_window.items()]
        rows += [line(code, f) for code, f in s.by_category.items()]
        rows += [line(name or "(无)", f) for name, f in s.by_staff.items()]
        print(f"{day_from} – {day_to}")
        print(_table(rows))
        return 0

    return _run(args, act)


def cmd_events(args: argparse.Namespace) -> int:
    def act(ctx: AppContext, q: QueueService) -> int:
        from app.queue.events import EventStream

        with EventStream(ctx.engine, ctx.site_id) as stream:
            after = args.after if args.after is not None else max(0, stream.last_id() - args.last)
            try:
                for ev in stream.poll(after) if not args.follow else stream.follow(after):
                    payload = " ".join(
                        f"{k}={v}" for k, v in ev.payload.items() if k not in ("issued_at", "queue_at")
                    )
                    print(f"{ev.id:>8} {ev.at:%H:%M:%S} {ev.kind:<15} {payload}", flush=True)
            except KeyboardInterrupt:
                pass
        return 0

    return _run(args, act)


# --- registration ---------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    queue = subparsers.add_parser(
        "queue", help="queue tickets: issue, call, serve, status", description=__doc__
    )
    add_common_options(queue)
    sub = queue.add_subparsers(dest="queue_command", metavar="ACTION")

    def cmd(name: str, help_: str, func: Handler) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
        add_common_options(p)
        p.set_defaults(func=func)
        return p

    def window_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("window", type=int, metavar="WINDOW", help="window number")

    def staff_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--staff", metavar="USERNAME", help="the clerk at the window")

    p = cmd("issue", "take a ticket (取号)", cmd_issue)
    p.add_argument("category", metavar="CATEGORY", help="category code or prefix, e.g. A")
    p.add_argument(
        "--id-number", metavar="ID", help="real-name ticket: ID number (only a keyed hash is stored)"
    )
    p.add_argument("--name", metavar="NAME", help="applicant name (stored masked)")
    p.add_argument("--priority", action="store_true", help="green channel (绿色通道)")

    p = cmd("checkin", "appointment check-in (预约签到)", cmd_checkin)
    p.add_argument("code", metavar="CODE", help="appointment code")

    p = cmd("call", "call the next ticket at a window (叫号)", cmd_call)
    window_arg(p)
    staff_arg(p)

    p = cmd("call-ticket", "call a given ticket (manager permission, audited)", cmd_call_ticket)
    window_arg(p)
    p.add_argument("number", metavar="NUMBER")
    p.add_argument(
        "--manager",
        metavar="USERNAME",
        required=True,
        help="the manager authorising it (their password: prompt or $ONEWINDOW_PASSWORD)",
    )
    staff_arg(p)

    for name, help_ in (
        ("recall", "call the current ticket again (重呼)"),
        ("no-show", "the called applicant did not come (过号)"),
        ("start", "the applicant sat down: start service"),
        ("finish", "finish the current ticket (办结)"),
        ("hold", "park the current ticket (挂起)"),
        ("transfer", "transfer the current ticket (转移)"),
    ):
        p = cmd(name, help_, _window_op(name.replace("-", "_")))
        window_arg(p)
        staff_arg(p)
        if name == "finish":
            p.add_argument("--outcome", default="done", help="outcome (default: done)")
            p.add_argument(
                "--case", action="append", metavar="CASE_NUMBER", help="case number handled (repeatable)"
            )
        if name == "hold":
            p.add_argument("--reason", default="")
        if name == "transfer":
            g = p.add_mutually_exclusive_group(required=True)
            g.add_argument("--to-category", metavar="CATEGORY")
            g.add_argument("--to-window", type=int, metavar="WINDOW")

    p = cmd("resume", "take a held ticket back into service at a window", cmd_resume)
    window_arg(p)
    p.add_argument("number", metavar="NUMBER")
    p = cmd("requeue", "queue a late applicant's no-show ticket again", cmd_requeue)
    p.add_argument("number", metavar="NUMBER")
    p = cmd("cancel", "cancel a waiting or held ticket", cmd_cancel)
    p.add_argument("number", metavar="NUMBER")
    p.add_argument("--reason", default="")
    p = cmd("ticket", "show one ticket and its place in the queue", cmd_ticket)
    p.add_argument("number", metavar="NUMBER")

    for op, help_ in (
        ("open", "open a window"),
        ("pause", "pause a window (暂停服务)"),
        ("resume-window", "resume a paused window"),
        ("close", "close a window"),
    ):
        p = cmd(op, help_, _window_state_cmd(op.replace("resume-window", "resume")))
        window_arg(p)
        staff_arg(p)
        if op == "pause":
            p.add_argument("reason", metavar="REASON", help="why (shown on the display)")

    p = cmd("close-day", "end the day: cancel or carry over waiting tickets", cmd_close_day)
    p.add_argument(
        "--mode", choices=("cancel", "carry_over"), default=None, help="default: [queue] close_day"
    )

    cmd("status", "table of categories and windows", cmd_status)

    p = cmd("stats", "queue figures per window, category and clerk", cmd_stats)
    p.add_argument("--from", dest="date_from", metavar="DATE", help="first business day (default: today)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="last business day (default: --from)")

    p = cmd("events", "print the hall event stream", cmd_events)
    p.add_argument("--after", type=int, default=None, metavar="ID", help="events after this id")
    p.add_argument("--last", type=int, default=20, metavar="N", help="without --after: the last N events")
    p.add_argument("--follow", action="store_true", help="keep following (Ctrl+C stops)")

    def no_action(args: argparse.Namespace) -> int:
        queue.print_help(sys.stderr)
        return 2

    queue.set_defaults(func=no_action)
