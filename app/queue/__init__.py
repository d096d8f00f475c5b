"""The queue engine: tickets, ordering policy, atomic call-next, the hall event stream, statistics.

Plain Python (no Qt). Use `QueueService` for every operation, `EventStream` to follow the hall,
`queue_stats()` for figures. Names are imported lazily so `app.cli.queue` stays cheap to import.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "QueueError": "app.queue.errors",
    "EventStream": "app.queue.events",
    "HallEventInfo": "app.queue.events",
    "append_event": "app.queue.events",
    "QueuePolicy": "app.queue.policy",
    "QueueService": "app.queue.service",
    "CallResult": "app.queue.types",
    "CategoryStatus": "app.queue.types",
    "CloseDayResult": "app.queue.types",
    "QueueStatus": "app.queue.types",
    "TicketInfo": "app.queue.types",
    "WindowState": "app.queue.types",
    "queue_stats": "app.queue.stats",
    "QueueStats": "app.queue.stats",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'app.queue' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
