"""GUI commands; PySide6 is imported only inside the handlers."""

from __future__ import annotations

import argparse

from app.cli.support import add_common_options, output_dir


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="open the demo hall (the default without a command)")
    add_common_options(p)
    p.add_argument("--quit-after", type=int, metavar="MS", help=argparse.SUPPRESS)  # smoke tests
    p.set_defaults(func=run_demo_hall)

    p = sub.add_parser(
        "hall",
        help="one PC, every role: counter, kiosk and display on the screens named in the settings",
    )
    add_common_options(p)
    p.add_argument("--quit-after", type=int, metavar="MS", help=argparse.SUPPRESS)  # smoke tests
    p.set_defaults(func=run_single_pc)

    p = sub.add_parser(
        "setup",
        help="the set-up wizard: role of this PC, site enrolment, hall database, devices, screens, staff",
        description="the first-run wizard (also opens by itself when a hall role starts without settings)",
    )
    add_common_options(p)
    p.add_argument("--quit-after", type=int, metavar="MS", help=argparse.SUPPRESS)  # smoke tests
    p.set_defaults(func=run_setup)

    p = sub.add_parser("screenshots", help="render every main screen with demo data to PNG files in DIR")
    add_common_options(p)
    p.add_argument("dir", metavar="DIR", type=output_dir)
    p.add_argument(
        "--only",
        choices=("counter", "hall", "wizard", "assist"),
        help="only this role's screens (and the hall overview); default: every screen",
    )
    p.set_defaults(func=run_screenshots)


def run_setup(args: argparse.Namespace) -> int:
    from ui.wizard import run_wizard

    return run_wizard(args)


def run_screenshots(args: argparse.Namespace) -> int:
    from ui.screenshots import run

    return run(args)


def run_single_pc(args: argparse.Namespace) -> int:
    from ui.demo import run_single_pc

    return run_single_pc(args)


def run_demo_hall(args: argparse.Namespace) -> int:
    from ui.demo import run

    return run(args)
