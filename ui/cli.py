"""GUI commands; PySide6 is imported only inside the handlers."""

from __future__ import annotations

import argparse

from app.cli_support import add_common_options


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="open the demo hall (the default without a command)")
    add_common_options(p)
    p.add_argument("--quit-after", type=int, metavar="MS", help=argparse.SUPPRESS)  # smoke tests
    p.set_defaults(func=run_demo_hall)


def run_demo_hall(args: argparse.Namespace) -> int:
    from ui.demo import run

    return run(args)
