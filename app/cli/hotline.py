"""12345 诉求 commands: export for the 12345 platform, import items handed down, monthly figures."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.cli.support import CliError, add_common_options, check_import_file


def _parser(sub: argparse._SubParsersAction, name: str, help_: str) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_, description=help_)
    add_common_options(p)
    return p


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _month(text: str) -> tuple[int, int]:
    try:
        day = dt.date.fromisoformat(text + "-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a month YYYY-MM: {text!r}") from None
    return day.year, day.month


def _out(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise argparse.ArgumentTypeError("the file name must end in .csv or .xlsx")
    return path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    hot = _parser(sub, "hotline", "12345 诉求 ledger: export, import, monthly figures")
    hot_sub = hot.add_subparsers(dest="hotline_command", metavar="ACTION", required=True)
    p = _parser(hot_sub, "export", "write the items received from START to END for the 12345 platform")
    p.add_argument("start", metavar="START", type=_date, help="first day, YYYY-MM-DD")
    p.add_argument("end", metavar="END", type=_date, help="last day, YYYY-MM-DD")
    p.add_argument(
        "out", metavar="FILE", type=_out, help="a new .csv or .xlsx file (owner-only: it holds phone numbers)"
    )
    p.set_defaults(func=cmd_hotline_export)
    p = _parser(hot_sub, "import", "add the items the 12345 platform handed down (.csv or .xlsx)")
    p.add_argument("file", metavar="FILE", type=Path)
    p.set_defaults(func=cmd_hotline_import)
    p = _parser(hot_sub, "month", "received, 按时办结率, 答复完整率, 满意率 for one month")
    p.add_argument("month", metavar="YYYY-MM", type=_month)
    p.set_defaults(func=cmd_hotline_month)


def _run(args: argparse.Namespace, action: Callable[[Any], int]) -> int:
    from app.cli.core import open_hall_from_args
    from app.errors import StorageError
    from app.hotline.ledger import HotlineError, HotlineLedger

    ctx = open_hall_from_args(args)
    try:
        ledger = HotlineLedger(
            ctx.sessions, ctx.site_id, ctx.settings.site.code, tz=ctx.settings.site.timezone
        )
        return action(ledger)
    except (HotlineError, StorageError) as exc:
        raise CliError(str(exc)) from None
    finally:
        ctx.close()


def cmd_hotline_export(args: argparse.Namespace) -> int:
    from app.hotline.exchange import write_csv, write_xlsx

    if args.end < args.start:
        raise CliError("END is before START")
    if args.out.exists():
        raise CliError(f"{args.out} already exists: choose a new file name")
    if not args.out.parent.is_dir():
        raise CliError(f"folder {args.out.parent} does not exist")

    def export(ledger: Any) -> int:
        rows = ledger.export_rows(args.start, args.end)
        (write_xlsx if args.out.suffix.lower() == ".xlsx" else write_csv)(rows, args.out)
        print(f"{len(rows)} items written to {args.out}")
        return 0

    return _run(args, export)


def cmd_hotline_import(args: argparse.Namespace) -> int:
    from app.hotline.exchange import import_items

    check_import_file(args.file, "12345 file")

    def load(ledger: Any) -> int:
        print(import_items(ledger, args.file))
        return 0

    return _run(args, load)


def cmd_hotline_month(args: argparse.Namespace) -> int:
    year, month = args.month

    def show(ledger: Any) -> int:
        f = ledger.month(year, month)

        def pct(v: Any) -> str:
            return "—" if v is None else f"{v}%"

        print(f"{year}年{month}月 12345 诉求：受理 {f.received} 件，办结 {f.closed} 件")
        print(f"  按时办结率 {pct(f.on_time_rate)}（{f.closed_on_time}/{f.due}）")
        print(f"  答复完整率 {pct(f.completeness_rate)}（{f.replies_complete}/{f.replies_checked}）")
        print(f"  满意率 {pct(f.satisfaction_rate)}（{f.satisfied}/{f.rated}）")
        return 0

    return _run(args, show)
