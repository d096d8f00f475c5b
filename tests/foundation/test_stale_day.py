"""A day nobody closed is closed before the next day's first call."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.context import AppContext, open_hall
from app.queue.policy import QueuePolicy
from app.queue.service import QueueService
from app.settings import load_settings, with_db_url

YESTERDAY_10AM = dt.datetime(2026, 11, 26, 2, 0, tzinfo=dt.UTC)  # Thursday 10:00 in Shanghai
TODAY_9AM = dt.datetime(2026, 11, 27, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    settings = with_db_url(load_settings(None, environ={}), f"sqlite:///{tmp_path / 'hall.db'}")
    context = open_hall(settings, seed_demo=True)
    yield context
    context.close()


def at(ctx: AppContext, when: dt.datetime, mode: str = "cancel") -> AppContext:
    policy = dataclasses.replace(ctx.settings.queue, close_day=mode)
    settings = dataclasses.replace(ctx.settings, queue=policy)
    fresh = dataclasses.replace(ctx, settings=settings, _queue=None)
    fresh._queue = QueueService(ctx.sessions, ctx.site_id, QueuePolicy(close_day=mode), clock=lambda: when)
    return fresh


def test_yesterdays_tickets_are_never_called_today(ctx: AppContext) -> None:
    yesterday = at(ctx, YESTERDAY_10AM)
    code = yesterday.queue().status().categories[0].code
    first = yesterday.queue().issue(code)
    yesterday.queue().issue(code)
    window = yesterday.queue().status().windows[0].number
    yesterday.queue().open_window(window)
    assert yesterday.queue().call_next(window) is not None
    assert yesterday.close_stale_days() is None  # nothing is stale on the same day

    today = at(ctx, TODAY_9AM)
    result = today.close_stale_days()
    assert result is not None and result.business_date == first.business_date
    assert (result.cancelled, result.no_show) == (1, 1)
    assert today.close_stale_days() is None  # once only
    today.queue().open_window(window)
    assert today.queue().call_next(window) is None  # nothing from yesterday comes back


def test_carry_over_keeps_waiting_tickets(ctx: AppContext) -> None:
    yesterday = at(ctx, YESTERDAY_10AM, "carry_over")
    code = yesterday.queue().status().categories[0].code
    yesterday.queue().issue(code)
    today = at(ctx, TODAY_9AM, "carry_over")
    assert today.close_stale_days() is None
    window = today.queue().status().windows[0].number
    today.queue().open_window(window)
    assert today.queue().call_next(window) is not None
