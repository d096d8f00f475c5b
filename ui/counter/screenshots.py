"""Screenshots of the counter for `main.py screenshots DIR`: the intake filled from the demo ID card
with the waiting list beside it, the document preview, the clerk's cases, the evaluator and the
clerk's 差评申诉, in Chinese with a real CJK font, at the sizes counters use (1366×768 and
1920×1080)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from app import auth
from app.context import AppContext
from app.counter.desk import first_clerk
from app.queue.errors import QueueError
from app.queue.service import QueueService
from ui import shots
from ui.bus import HallBus

log = logging.getLogger("onewindow.ui")

SIZES = ((1366, 768), (1920, 1080))


def _clerk(ctx: AppContext) -> tuple[auth.StaffInfo, auth.WindowInfo]:
    return first_clerk(ctx)


def _appeal(
    ctx: AppContext,
    win: Any,
    staff: auth.StaffInfo,
    window: auth.WindowInfo,
    ticket_id: uuid.UUID | None,
    outdir: Path,
) -> list[Path]:
    """差评申诉 (Ctrl+Shift+E): a 差评 naming this clerk (an earlier visit's, in the screenshots' own
    database), chosen, with the grounds written."""
    from app import evaluations

    evaluations.submit_rating(
        ctx.sessions,
        site_id=ctx.site_id,
        grade=2,
        dimensions={},
        comment="",
        reason="efficiency",
        ticket_id=ticket_id,
        case_ids=(),
        window_id=window.id,
        staff_id=staff.id,
    )
    dialog = win.appeal()
    shots.settle(lambda: dialog.loaded and dialog.model.rowCount() > 0, 5.0)
    if dialog.model.rowCount():
        dialog.view.selectRow(0)
    dialog.grounds.setPlainText("申请人所办事项材料不齐，已按规定一次性告知补正，办理时长在承诺时限内。")
    path = shots.save(dialog, outdir / "counter_appeal.png")
    dialog.reject()
    return [path]


def render(ctx: AppContext, outdir: Path) -> list[Path]:
    """Render the counter screens with demo data into `outdir`; returns the PNG paths."""
    from devices.idcard.samples import RESIDENT_LONG_TERM
    from ui.counter.window import CounterWindow

    outdir.mkdir(parents=True, exist_ok=True)
    staff, window = _clerk(ctx)
    tz = ZoneInfo(ctx.settings.site.timezone)
    # A mid-morning clock, so the demo queue is open whenever the screenshots are taken.
    ten = dt.datetime.combine(dt.datetime.now(tz).date(), dt.time(10, 0), tz).astimezone(dt.UTC)
    clock = iter(ten + dt.timedelta(seconds=i) for i in range(10**6))
    queue = QueueService(ctx.sessions, ctx.site_id, ctx.settings.queue, clock=lambda: next(clock))
    bus = HallBus()
    win = CounterWindow(ctx, bus, staff, window, documents_dir=outdir / "documents", queue=queue)
    win.resize(*SIZES[0])
    written: list[Path] = []
    try:
        codes = queue.window_state(window.number).category_codes
        for _ in range(4):
            try:
                queue.issue(codes[0] if codes else "")
            except QueueError as exc:
                log.info("screenshots: no demo ticket (%s)", exc)
                break
        win.show()
        win.wait_started()
        for action in ("call_next", "start"):
            win.queue_panel.run(action)
            win.runner.wait()
        form = win.intake
        bus.cardRead.emit(RESIDENT_LONG_TERM)
        form.edits["phone"].setText("13812345678")
        hits = win.desk.list_matters(50)  # a script on the GUI thread: nothing to keep responsive
        plain = next((h for h in hits if not (h.instant or h.commitment)), hits[0] if hits else None)
        if plain is not None:
            form.choose_matter(plain.id)
            win.runner.wait()
            form.materials_model.set_all_received(True)
        for w, h in SIZES:
            written.append(shots.save(win, outdir / f"counter_intake_{w}x{h}.png", (w, h)))
        outcome = form.submit("accept") if plain is not None else None
        form.wait_documents()
        if outcome is not None and win.show_documents() and win.preview is not None:
            written.append(shots.save(win.preview, outdir / "counter_preview.png", (820, 980)))
            win.preview.close()
        win.tabs.setCurrentWidget(win.cases)
        for w, h in SIZES:
            written.append(shots.save(win, outdir / f"counter_cases_{w}x{h}.png", (w, h)))
        win.tabs.setCurrentWidget(win.policy)  # the matter's policies (the demo hall's starter set)
        win.policy.search("跨省通办")
        win.runner.wait()
        shots.settle(lambda: win.policy.results.count() > 0, 5.0)
        for w, h in SIZES:
            written.append(shots.save(win, outdir / f"counter_policy_{w}x{h}.png", (w, h)))
        win.record_hotline()
        if win.hotline_dialog is not None:
            written.append(shots.save(win.hotline_dialog, outdir / "counter_hotline.png"))
            win.hotline_dialog.reject()
        win.tabs.setCurrentWidget(win.intake)
        served = win.queue_panel.current
        win.queue_panel.run("finish")
        win.runner.wait()
        ev = win.evaluator
        ev.choose(5)
        written.append(shots.save(ev, outdir / "evaluator.png", (1366, 768)))
        written += _appeal(ctx, win, staff, window, served.id if served is not None else None, outdir)
    finally:
        form_flush = getattr(win.intake, "clear_draft", None)
        if form_flush is not None:
            form_flush()
        win.evaluator.close()
        win.close()
        win.deleteLater()
    return written
