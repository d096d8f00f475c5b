"""Work done once, before the first window takes input, so that it never lands on a keystroke.

Measured with `bench/ui/bench_responsiveness.py --stacks`: the clerk's screen stalled 150–490 ms
at its first search and first submit, not on the network but on work that holds the GIL —
pypinyin loading its 40,000-entry dictionary, reportlab imported lazily on the GUI thread, and
the cyclic garbage collector walking every object the program had built (a generation-2 pass
took 491 ms on a busy 2-core machine). So the GUI commands call `warm_up()` once their windows
exist and before the event loop starts: the heavy modules are loaded, and everything alive then
(code, catalogue, widgets' wrappers) is moved out of the collector's reach with `gc.freeze()`,
so later collections walk only what the running program creates.
"""

from __future__ import annotations

import gc
import importlib
import logging
import time

log = logging.getLogger("onewindow.app")

# Imported on first use deep inside a job (documents, tickets, reports, search).
HEAVY_MODULES = (
    "printing.documents",
    "printing.layout",
    "printing.reports",
    "printing.qr",
    "pypinyin",
)


def warm_up() -> float:
    """Load the heavy modules and data, collect once, freeze what is alive; seconds it took."""
    started = time.perf_counter()
    for name in HEAVY_MODULES:
        try:
            importlib.import_module(name)
        except ImportError as exc:  # an optional part missing is reported where it is used
            log.warning("warm-up could not import %s: %s", name, exc)
    from app.catalogue import matter_pinyin

    matter_pinyin("综合窗口")  # the first call loads the pinyin dictionary
    gc.collect()
    gc.freeze()
    seconds = time.perf_counter() - started
    log.info("warm-up done in %.0f ms, %d objects frozen", seconds * 1000, gc.get_freeze_count())
    return seconds
