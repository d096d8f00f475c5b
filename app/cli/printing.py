"""`main.py print …`: sample documents and a test ticket. Cheap to import: work happens in handlers."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path

from app.cli.support import CliError, add_common_options, seconds

MAX_QR_TEMPLATE = 500  # characters; a QR code of the ticket or document must stay scannable

SAMPLE_FILES = (
    "acceptance_receipt.pdf",
    "one_time_notice.pdf",
    "commitment_letter.pdf",
    "tolerance_commitment.pdf",
    "rejection_notice.pdf",
    "service_record.pdf",
    "ticket_80mm.pdf",
    "ticket_58mm.pdf",
    "daily_report.pdf",
    "monthly_report.pdf",
    "power_of_attorney.pdf",
    "agency_acceptance.pdf",
    "agency_suspension.pdf",
    "agency_completion.pdf",
)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = subparsers.add_parser("print", help="printing: sample documents (PDF), test tickets (ESC/POS)")
    add_common_options(p)
    sub = p.add_subparsers(dest="print_command", metavar="WHAT")

    s = sub.add_parser("samples", help="write every document with demo data as PDF files into DIR")
    s.add_argument("directory", metavar="DIR")
    s.add_argument(
        "--font",
        metavar="PATH[#INDEX]",
        help="CJK TrueType font (default: printers.document.font_path, else found on the system)",
    )
    s.add_argument(
        "--qr-template",
        default=None,
        help="progress QR payload, fields {case_number} {matter_code} (default: printers.document.qr_template)",
    )
    add_common_options(s)
    s.set_defaults(func=_samples)

    t = sub.add_parser("ticket", help="print a test queue ticket on an ESC/POS printer")
    t.add_argument(
        "--port",
        help="serial port (COM3, /dev/ttyUSB0) or pyserial URL (socket://host:port); "
        "default: printers.ticket.port",
    )
    t.add_argument("--baud", type=int, default=None, help="baud rate (default: printers.ticket.baud, 9600)")
    t.add_argument(
        "--width", type=int, choices=(80, 58), default=None, help="paper width in mm (default: settings, 80)"
    )
    t.add_argument(
        "--raster", action="store_true", help="send text as images (printers without a Chinese font)"
    )
    t.add_argument("--number", default="A001", help="ticket number (default A001)")
    t.add_argument("--category", default="综合业务", help="category name")
    t.add_argument("--site", default="政务服务大厅", help="site name")
    t.add_argument("--waiting", type=int, default=0, help="people waiting ahead")
    t.add_argument("--minutes", type=int, default=None, help="estimated wait in minutes")
    t.add_argument("--qr", default="", help="QR payload (default: none)")
    t.add_argument("--notice", default="请留意叫号屏幕和语音提示。", help="notice printed at the bottom")
    t.add_argument(
        "--timeout", type=seconds, default=1.0, help="seconds to wait for the printer's status answer"
    )
    t.add_argument("--font", metavar="PATH[#INDEX]", help="CJK font for --raster")
    add_common_options(t)
    t.set_defaults(func=_ticket)


def _samples(args: argparse.Namespace) -> int:
    from app.cli.core import settings_from_args
    from printing import agency, samples
    from printing.documents import (
        build_acceptance_receipt,
        build_commitment_letter,
        build_one_time_notice,
        build_rejection_notice,
        build_service_record,
        build_tolerance_commitment,
    )
    from printing.layout import PrintConfig
    from printing.qr import PayloadTemplateError
    from printing.reports import build_daily_report, build_monthly_report
    from printing.ticket_pdf import build_ticket_pdf

    document = settings_from_args(args).printers.document
    if not args.directory.strip():
        raise CliError("DIR is empty: name the folder the samples go to")
    if args.qr_template is not None and len(args.qr_template) > MAX_QR_TEMPLATE:
        raise CliError(f"--qr-template is longer than {MAX_QR_TEMPLATE} characters (a QR code holds little)")
    out = Path(args.directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create directory {out}: {exc.strerror or exc}") from exc
    config = PrintConfig.from_settings(document)
    config = PrintConfig(
        font_path=args.font or config.font_path, qr_template=args.qr_template or config.qr_template
    )
    ticket = samples.ticket()
    builders: tuple[Callable[[], bytes], ...] = (
        lambda: build_acceptance_receipt(samples.acceptance_receipt(), config),
        lambda: build_one_time_notice(samples.one_time_notice(), config),
        lambda: build_commitment_letter(samples.commitment_letter(), config),
        lambda: build_tolerance_commitment(samples.tolerance_commitment(), config),
        lambda: build_rejection_notice(samples.rejection_notice(), config),
        lambda: build_service_record(samples.service_record(), config),
        lambda: build_ticket_pdf(ticket, 80, config),
        lambda: build_ticket_pdf(ticket, 58, config),
        lambda: build_daily_report(samples.daily_report(), config),
        lambda: build_monthly_report(samples.monthly_report(), config),
        lambda: agency.build_power_of_attorney(samples.agency(), config),
        lambda: agency.build_acceptance_slip(samples.agency(), config),
        lambda: agency.build_suspension_slip(samples.agency("suspended"), config),
        lambda: agency.build_completion_slip(samples.agency("completed"), config),
    )
    for name, build in zip(SAMPLE_FILES, builders, strict=True):
        try:
            data = build()
        except PayloadTemplateError as exc:
            raise CliError(f"bad --qr-template: {exc}") from exc
        except ValueError as exc:  # the QR library: payload too long for any QR version
            raise CliError(f"cannot build {name}: {exc}") from None
        path = out / name
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CliError(f"cannot write {path}: {exc.strerror or exc}") from exc
        print(path)
    return 0


def _ticket(args: argparse.Namespace) -> int:
    from app.cli.core import settings_from_args
    from printing.fonts import FontError
    from printing.models import TicketData
    from printing.printer import PrinterError, print_ticket

    configured = settings_from_args(args).printers.ticket
    port = args.port or configured.port
    if not port:
        raise CliError("no ticket printer: pass --port or set printers.ticket.port in the settings")
    if not 0 <= args.waiting <= 9999:
        raise CliError("--waiting must be between 0 and 9999")
    if args.minutes is not None and not 0 <= args.minutes <= 1440:
        raise CliError("--minutes must be between 0 and 1440")
    ticket = TicketData(
        number=args.number,
        category_name=args.category,
        issued_at=dt.datetime.now().replace(second=0, microsecond=0),
        waiting_ahead=args.waiting,
        est_wait_minutes=args.minutes,
        site_name=args.site,
        qr_payload=args.qr,
        notice=args.notice,
    )
    try:
        result = print_ticket(
            port,
            ticket,
            baudrate=args.baud or configured.baud,
            width_mm=args.width or configured.width_mm,
            raster=args.raster or configured.raster,
            timeout=args.timeout,
            font_spec=args.font,
        )
    except (PrinterError, FontError, ValueError) as exc:
        raise CliError(f"ticket {args.number} not printed: {exc}", exit_code=3) from exc
    note = " (paper near end: 纸将用尽)" if result.near_end else ""
    print(f"ticket {args.number} printed on {port}, {result.bytes_sent} bytes{note}")
    return 0
