"""Time to build the counter's documents, against a blank one-page reportlab PDF in the same run.

Run: uv run python bench/printing/bench_printing.py [--rounds N]
Prints the cold first build (font lookup + registration), then medians after warm-up, and each
figure's ratio to the blank-PDF baseline.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def blank_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=A4)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def median_ms(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    from printing import samples
    from printing.documents import build_acceptance_receipt
    from printing.escpos import ticket_escpos, ticket_escpos_raster
    from printing.fonts import load_cjk_font
    from printing.reports import build_daily_report
    from printing.ticket_pdf import build_ticket_pdf

    receipt, ticket, daily = samples.acceptance_receipt(), samples.ticket(), samples.daily_report()
    start = time.perf_counter()
    font = load_cjk_font()
    build_acceptance_receipt(receipt)
    cold = (time.perf_counter() - start) * 1000
    print(f"CJK font: {font.path}#{font.subfont_index} (embedded={font.embedded})")
    print(f"cold first acceptance receipt (font lookup + build): {cold:8.2f} ms")

    cases: list[tuple[str, Callable[[], object]]] = [
        ("blank one-page PDF (baseline)", blank_pdf),
        ("acceptance receipt PDF", lambda: build_acceptance_receipt(receipt)),
        ("queue ticket PDF 80 mm", lambda: build_ticket_pdf(ticket, 80)),
        ("queue ticket ESC/POS text", lambda: ticket_escpos(ticket, 80)),
        ("queue ticket ESC/POS raster", lambda: ticket_escpos_raster(ticket, 80)),
        ("daily report PDF (charts)", lambda: build_daily_report(daily)),
    ]
    for _, fn in cases:  # warm-up: imports, glyph caches, QR matrices
        for _ in range(3):
            fn()
    results = [(name, median_ms(fn, args.rounds)) for name, fn in cases]
    baseline = results[0][1]
    print(f"median of {args.rounds} rounds after warm-up:")
    for name, ms in results:
        print(f"  {name:32s} {ms:8.3f} ms   ratio {ms / baseline:7.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
