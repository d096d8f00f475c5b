"""`main.py screenshots DIR`: every main screen rendered with demo data to PNG files."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import logging
import os
import sys
import tempfile
from pathlib import Path

from app.cli.core import settings_from_args
from app.cli.support import CliError, db_url_arg

log = logging.getLogger("onewindow.ui")

# Each module offers render(ctx, outdir) -> list[Path]; the roles add theirs.
OVERVIEW_SIZE = (1366, 768)  # the hall manager's PC
RENDERERS = ("ui.counter.screenshots", "ui.hall_screenshots", "ui.wizard.screenshots", "ui.assist_screenshots")
# `--only ROLE`: a field engineer checking one PC renders its own screens (and the overview).
ROLES = {
    "counter": ("ui.counter.screenshots",),
    "hall": ("ui.hall_screenshots",),
    "wizard": ("ui.wizard.screenshots",),
    "assist": ("ui.assist_screenshots",),
}


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    outdir: Path = args.dir
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create {outdir}: {exc}") from None
    settings = settings_from_args(args)
    with tempfile.TemporaryDirectory(prefix="onewindow-shots-") as tmp:
        if not db_url_arg(args):  # never scribble demo tickets into a real hall database
            settings = dataclasses.replace(
                settings,
                database=dataclasses.replace(
                    settings.database, hall_url=f"sqlite:///{Path(tmp) / 'demo.db'}"
                ),
            )
        return _render(settings, outdir, ROLES.get(getattr(args, "only", None) or "", RENDERERS))


def _render(settings, outdir: Path, renderers: tuple[str, ...] = RENDERERS) -> int:  # type: ignore[no-untyped-def]
    from app.context import HallUnavailable, open_hall
    from ui import shots
    from ui.bus import HallBus
    from ui.overview import HallOverviewWindow
    from ui.qt_app import create_app

    app = create_app(font_family=settings.ui.font_family, language=settings.ui.language)
    try:
        ctx = open_hall(settings, seed_demo=True)
    except HallUnavailable as exc:
        raise CliError(str(exc)) from None
    written: list[Path] = []
    shots.start(outdir)
    try:
        overview = HallOverviewWindow(ctx, HallBus())
        overview.resize(*OVERVIEW_SIZE)
        overview.show()
        overview.wait_loaded()
        app.processEvents()
        written.append(shots.save(overview, outdir / "overview.png", OVERVIEW_SIZE))
        overview.close()
        for name in renderers:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                log.info("screenshots: %s not available", name)
                continue
            written += module.render(ctx, outdir)
    finally:
        ctx.close()
    for path in written:
        print(path)
    found = shots.clipped(outdir)
    if found:
        print(f"{len(found)} texts not shown whole (also in {outdir / shots.CLIPPED}):", file=sys.stderr)
        for line in found:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0
