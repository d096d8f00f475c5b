"""What a manager sees about sync: last success, backlog per channel, errors. Local reads only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from db.models import ReferenceRelease, SyncOutbox, SyncState
from db.sync.protocol import CHANNEL_ORDER

REFERENCE_CHANNEL = "reference"  # SyncState row for downloads


@dataclass(frozen=True)
class ChannelStatus:
    channel: str
    backlog: int  # outbox rows not yet acknowledged by the centre
    last_acked_seq: int
    last_success_at: dt.datetime | None
    last_error: str
    stopped: bool  # a batch the centre cannot parse: needs a manager


@dataclass(frozen=True)
class SyncStatus:
    channels: tuple[ChannelStatus, ...]
    reference_version: int | None
    reference_applied_at: dt.datetime | None
    reference_error: str
    last_success_at: dt.datetime | None  # the last time any channel or the reference data synced

    @property
    def backlog(self) -> int:
        return sum(c.backlog for c in self.channels)

    @property
    def stopped(self) -> tuple[str, ...]:
        return tuple(c.channel for c in self.channels if c.stopped)

    @property
    def errors(self) -> dict[str, str]:
        out = {c.channel: c.last_error for c in self.channels if c.last_error}
        if self.reference_error:
            out[REFERENCE_CHANNEL] = self.reference_error
        return out


def read_status(hall: Engine) -> SyncStatus:
    with hall.connect() as conn:
        backlog = {
            ch: n
            for ch, n in conn.execute(
                sa.select(SyncOutbox.channel, sa.func.count())
                .where(SyncOutbox.acked_at.is_(None))
                .group_by(SyncOutbox.channel)
            )
        }
        states = {s.channel: s for s in conn.execute(sa.select(SyncState)).all()}
        release = conn.execute(
            sa.select(ReferenceRelease.version, ReferenceRelease.applied_at)
            .order_by(ReferenceRelease.version.desc())
            .limit(1)
        ).first()
    channels = []
    for name in CHANNEL_ORDER:
        st = states.get(name)
        channels.append(
            ChannelStatus(
                channel=name,
                backlog=int(backlog.get(name, 0)),
                last_acked_seq=int(st.last_acked_seq) if st else 0,
                last_success_at=st.last_success_at if st else None,
                last_error=st.last_error if st else "",
                stopped=bool(st.stopped) if st else False,
            )
        )
    ref = states.get(REFERENCE_CHANNEL)
    successes = [c.last_success_at for c in channels if c.last_success_at]
    if ref is not None and ref.last_success_at is not None:
        successes.append(ref.last_success_at)
    return SyncStatus(
        channels=tuple(channels),
        reference_version=release.version if release else None,
        reference_applied_at=release.applied_at if release else None,
        reference_error=ref.last_error if ref else "",
        last_success_at=max(successes) if successes else None,
    )
