"""The hall event feed for a screen: the event stream, with database failures as StorageError.

A screen follows the stream on its own thread (ui.event_pump); a lost connection is reported
in one line and retried, never a traceback.
"""

from __future__ import annotations

from app.context import AppContext
from app.errors import guarded
from app.queue.events import EventStream, HallEventInfo


class HallFeed:
    def __init__(self, ctx: AppContext) -> None:
        self._stream = EventStream(ctx.engine, ctx.site_id)

    @guarded("读取大厅事件")
    def last_id(self) -> int:
        return self._stream.last_id()

    @guarded("读取大厅事件")
    def wait(self, after_id: int, timeout: float) -> list[HallEventInfo]:
        """The events after `after_id`, waiting up to `timeout` seconds for the first."""
        return self._stream.wait(after_id, timeout)

    def close(self) -> None:
        self._stream.close()


__all__ = ["HallEventInfo", "HallFeed"]
