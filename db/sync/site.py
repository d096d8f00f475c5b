"""The site's side of sync: upload outbox batches, download reference releases, verify.

Effectively-once upload: a batch's rows are stamped with its deterministic id before it is sent,
so a retry after any failure sends the same batch; the centre applies it in one transaction
(or answers `duplicate`) and only then does the site mark the rows acknowledged. Every step
survives being cut off between any two of its transactions.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from db.base import Base, utcnow
from db.crypto import FieldCipher
from db.engine import SQLITE_IMMEDIATE, make_engine
from db.migrate import current_revision
from db.models import ReferenceRelease, SyncState
from db.outbox import CHANNELS, record
from db.sync.protocol import (
    CHANNEL_ORDER,
    PROTOCOL_VERSION,
    IncompatibleCentre,
    ReleaseError,
    SyncError,
    batch_id,
    day_of,
    release_checksum,
    versions_digest,
)
from db.sync.reference import ReleasePart, announced_min_version, apply_parts
from db.sync.status import REFERENCE_CHANNEL
from db.sync.tls import with_env_password

log = logging.getLogger("onewindow.sync")
NETWORK_PREFIX = "[centre] "  # marks errors that the next successful handshake makes stale


@dataclass(frozen=True)
class Hello:
    site_id: uuid.UUID
    code: str
    protocol_min: int
    protocol_max: int
    central_schema: str


@dataclass(frozen=True)
class Batch:
    channel: str
    batch_id: str
    prev: int  # last seq of this channel the centre acknowledged before this batch
    first: int
    last: int
    count: int
    rows_json: str  # [{"seq","t","id","v","d","p"}, ...]


@dataclass(frozen=True)
class ApplyResult:
    status: str  # applied | duplicate | behind | gap | rejected
    watermark: int | None
    applied: int
    conflicts: int
    message: str


@dataclass
class ChannelReport:
    channel: str
    batches: int = 0
    rows: int = 0
    applied: int = 0
    conflicts: int = 0
    duplicates: int = 0
    stopped: bool = False
    message: str = ""


@dataclass
class SyncReport:
    release: int | None = None
    channels: dict[str, ChannelReport] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(c.rows for c in self.channels.values())


@dataclass
class VerifyReport:
    buckets: int = 0  # (channel, day) buckets compared
    differing: list[tuple[str, dt.date]] = field(default_factory=list)
    requeued: int = 0
    missing_at_site: int = 0  # rows the centre has that this site no longer has (reported only)


@dataclass
class SyncHooks:
    """Fault-injection points for tests; None in production."""

    before_central_commit: Callable[[Batch], None] | None = None
    after_central_commit: Callable[[Batch, ApplyResult], None] | None = None


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _ts(conn: Connection, when: dt.datetime) -> Any:
    """A UTC time as the hall engine stores it (SQLAlchemy's SQLite text format)."""
    return when.strftime("%Y-%m-%d %H:%M:%S.%f") if conn.dialect.name == "sqlite" else when


def _key_column(table_name: str) -> str:
    return "uid" if table_name == "hall_event" else "id"


def resume_channel(hall: Engine, channel: str) -> None:
    """A manager clears a stopped channel (after the centre or the data was fixed); local only."""
    if channel not in CHANNEL_ORDER:
        raise SyncError(f"unknown channel {channel!r} (channels: {', '.join(CHANNEL_ORDER)})")
    with hall.connect() as conn:
        conn.execution_options(**SQLITE_IMMEDIATE)
        with conn.begin():
            Syncer._state(conn, channel)
            Syncer._set_state(conn, channel, stopped=False, inflight_last_seq=None, last_error="")


class Syncer:
    """One site's connection to the centre. Not thread-safe: one per worker thread."""

    def __init__(
        self,
        hall: Engine,
        central_url: str,
        *,
        site_code: str | None = None,
        batch_size: int = 1000,
        hooks: SyncHooks | None = None,
        connect_timeout: int = 10,
        field_cipher: FieldCipher | None = None,
    ) -> None:
        self.hall = hall
        self.field_cipher = field_cipher  # the site's: releases' appointments are stored encrypted
        self.central = make_engine(
            with_env_password(central_url),
            connect_args={"connect_timeout": connect_timeout, "application_name": "onewindow-sync"},
            pool_size=1,
            max_overflow=1,
            pool_pre_ping=True,  # across the district network: check every connection before use
        )
        self.site_code = site_code
        self.batch_size = batch_size
        self.hooks = hooks or SyncHooks()
        self._hello: Hello | None = None
        self._verify_needed = False

    def close(self) -> None:
        self.central.dispose()

    # --- handshake -----------------------------------------------------------------------

    def hello(self) -> Hello:
        site_schema = current_revision(self.hall) or ""
        with self.central.begin() as conn:
            try:
                r = conn.execute(
                    sa.text("SELECT * FROM sync_hello(:p, :s)"), {"p": PROTOCOL_VERSION, "s": site_schema}
                ).one()
            except sa.exc.ProgrammingError as exc:
                raise IncompatibleCentre(
                    f"the central database has no OneWindow sync schema this site can use ({exc.orig}); "
                    "run `main.py central init` there and `main.py central add-site` for this site"
                ) from None
        if not r.ok:
            raise IncompatibleCentre(r.message)
        if self.site_code and r.code != self.site_code:
            raise IncompatibleCentre(
                f"the central account belongs to site {r.code} but this hall is site {self.site_code}; "
                "check database.central_url in the settings"
            )
        self._hello = Hello(r.site_id, r.code, r.protocol_min, r.protocol_max, r.central_schema or "")
        return self._hello

    def _site(self) -> Hello:
        return self._hello or self.hello()

    # --- local transactions ----------------------------------------------------------------

    @contextmanager
    def _local(self) -> Iterator[Connection]:
        with self.hall.connect() as conn:
            conn.execution_options(**SQLITE_IMMEDIATE)
            with conn.begin():
                yield conn

    @staticmethod
    def _state(conn: Connection, channel: str) -> Any:
        # FOR UPDATE serialises two syncers of one PostgreSQL hall (SQLite: BEGIN IMMEDIATE does).
        st = conn.execute(sa.select(SyncState).where(SyncState.channel == channel).with_for_update()).first()
        if st is None:
            conn.execute(
                sa.insert(SyncState).values(channel=channel, last_acked_seq=0, last_error="", stopped=False)
            )
            st = conn.execute(sa.select(SyncState).where(SyncState.channel == channel)).one()
        return st

    @staticmethod
    def _set_state(conn: Connection, channel: str, **values: Any) -> None:
        conn.execute(sa.update(SyncState).where(SyncState.channel == channel).values(**values))

    # --- upload ----------------------------------------------------------------------------

    def next_batch(self, channel: str) -> Batch | None:
        """The batch to send next: the one formed before (resent unchanged) or a new one.

        Outbox seqs commit in increasing order (SQLite has one writer; a PostgreSQL hall takes
        an advisory lock in db/outbox.py), so the rows in (last acked, in-flight last] are fixed
        once the batch is formed and a retry after any failure carries the same batch id.
        """
        site = self._site()
        pending = (
            "SELECT seq, table_name, row_id, row_version, CAST(payload AS TEXT) AS p "
            "FROM sync_outbox WHERE channel = :c AND acked_at IS NULL AND seq > :a"
        )
        with self._local() as conn:
            st = self._state(conn, channel)
            if st.stopped:
                return None
            acked = int(st.last_acked_seq)
            inflight = st.inflight_last_seq
            rows: list[Any] = []
            if inflight is not None and inflight > acked:
                rows = list(
                    conn.execute(
                        sa.text(pending + " AND seq <= :l ORDER BY seq"),
                        {"c": channel, "a": acked, "l": inflight},
                    )
                )
            if not rows:
                rows = list(
                    conn.execute(
                        sa.text(pending + " ORDER BY seq LIMIT :n"),
                        {"c": channel, "a": acked, "n": self.batch_size},
                    )
                )
                if not rows:
                    if inflight is not None:
                        self._set_state(conn, channel, inflight_last_seq=None)
                    return None
                self._set_state(conn, channel, inflight_last_seq=int(rows[-1].seq))
            first, last = int(rows[0].seq), int(rows[-1].seq)
            bid = batch_id(site.code, channel, first, last)
        parts = []
        for r in rows:
            rid = _uuid(r.row_id)
            parts.append(
                f'{{"seq":{int(r.seq)},"t":{json.dumps(r.table_name)},"id":"{rid}",'
                f'"v":{int(r.row_version)},"d":"{day_of(rid).isoformat()}","p":{r.p}}}'
            )
        return Batch(channel, bid, acked, first, last, len(rows), "[" + ",".join(parts) + "]")

    def send(self, batch: Batch) -> ApplyResult:
        """Apply a batch at the centre in one central transaction."""
        with self.central.begin() as conn:
            r = conn.execute(
                sa.text("SELECT * FROM sync_apply_batch(:b, :c, :prev, :f, :l, CAST(:rows AS jsonb))"),
                {
                    "b": batch.batch_id,
                    "c": batch.channel,
                    "prev": batch.prev,
                    "f": batch.first,
                    "l": batch.last,
                    "rows": batch.rows_json,
                },
            ).one()
            if self.hooks.before_central_commit:
                self.hooks.before_central_commit(batch)
        result = ApplyResult(r.status, r.watermark, r.applied, r.conflicts, r.message)
        if self.hooks.after_central_commit:
            self.hooks.after_central_commit(batch, result)
        return result

    def acknowledge(self, batch: Batch, result: ApplyResult) -> None:
        """Record the centre's answer locally (the second, local transaction)."""
        now = utcnow()
        ch = batch.channel
        with self._local() as conn:
            st = self._state(conn, ch)
            if result.status in ("applied", "duplicate"):
                conn.execute(
                    sa.text(
                        "UPDATE sync_outbox SET acked_at = :now, batch_id = :b WHERE channel = :c "
                        "AND acked_at IS NULL AND seq BETWEEN :f AND :l"
                    ),
                    {
                        "now": _ts(conn, now),
                        "b": batch.batch_id,
                        "c": ch,
                        "f": batch.first,
                        "l": batch.last,
                    },
                )
                error = (
                    f"the centre refused {result.conflicts} row(s) of batch {batch.batch_id}; they are in its conflict list"
                    if result.conflicts
                    else ""
                )
                self._set_state(
                    conn,
                    ch,
                    last_acked_seq=max(int(st.last_acked_seq), batch.last),
                    # A stale replay of an older batch must not forget the batch now in flight.
                    inflight_last_seq=None
                    if st.inflight_last_seq is None or batch.last >= st.inflight_last_seq
                    else st.inflight_last_seq,
                    last_success_at=now,
                    last_error=error,
                )
            elif result.status in ("behind", "gap"):
                wm = int(result.watermark or 0)
                # behind: the centre has everything up to wm; gap: it lost what came after wm.
                conn.execute(
                    sa.text(
                        "UPDATE sync_outbox SET acked_at = :now WHERE channel = :c AND acked_at IS NULL AND seq <= :w"
                    ),
                    {
                        "now": _ts(conn, now),
                        "c": ch,
                        "w": wm,
                    },
                )
                conn.execute(
                    sa.text(
                        "UPDATE sync_outbox SET acked_at = NULL, batch_id = NULL WHERE channel = :c AND seq > :w"
                    ),
                    {"c": ch, "w": wm},
                )
                self._set_state(
                    conn,
                    ch,
                    last_acked_seq=wm,
                    inflight_last_seq=None,
                    last_error=f"re-aligned with the centre: {result.message}",
                )
                if result.status == "behind":
                    # The centre saw seqs up to wm from this site that this database does not
                    # know as sent (a reinstalled or restored hall). Number new rows after wm and
                    # let verify re-queue whatever the centre really lacks: nothing is lost.
                    self._fence_seq(conn, wm)
                    self._verify_needed = True
                log.warning(
                    "channel %s re-aligned with the centre (%s): %s", ch, result.status, result.message
                )
            else:
                self._set_state(conn, ch, stopped=True, last_error=result.message or result.status)
                log.error("channel %s stopped: %s", ch, result.message)

    def _fence_seq(self, conn: Connection, wm: int) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('sync_outbox', 'seq'), "
                    "GREATEST(:w, (SELECT coalesce(max(seq), 1) FROM sync_outbox)))"
                ),
                {"w": wm},
            )
            return
        now = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
        conn.execute(
            sa.text(
                "INSERT INTO sync_outbox (seq, site_id, channel, table_name, row_id, row_version, payload, "
                "created_at, batch_id, acked_at) SELECT :w, :s, 'fence', '', :z, 0, '{}', :now, 'fence', :now "
                "WHERE NOT EXISTS (SELECT 1 FROM sync_outbox WHERE seq >= :w)"
            ),
            {"w": wm, "s": self._site().site_id.hex, "z": "0" * 32, "now": now},
        )

    def upload_channel(
        self, channel: str, max_batches: int | None = None, should_stop: Callable[[], bool] | None = None
    ) -> ChannelReport:
        rep = ChannelReport(channel)
        realigned = 0
        while max_batches is None or rep.batches < max_batches:
            if should_stop is not None and should_stop():
                break  # between batches: everything sent so far is acknowledged
            batch = self.next_batch(channel)
            if batch is None:
                break
            result = self.send(batch)
            self.acknowledge(batch, result)
            rep.batches += 1
            if result.status == "applied":
                rep.rows += batch.count
                rep.applied += result.applied
                rep.conflicts += result.conflicts
            elif result.status == "duplicate":
                rep.duplicates += 1
            elif result.status in ("behind", "gap"):
                realigned += 1
                if realigned > 3:
                    raise SyncError(f"channel {channel} keeps disagreeing with the centre: {result.message}")
            else:
                rep.stopped = True
                rep.message = result.message
                break
        return rep

    def upload(self) -> dict[str, ChannelReport]:
        return {ch: self.upload_channel(ch) for ch in CHANNEL_ORDER}

    def resume(self, channel: str) -> None:
        resume_channel(self.hall, channel)

    # --- download --------------------------------------------------------------------------

    def download(self) -> int | None:
        """Apply the newest reference release if it is newer than ours; returns its version."""
        site = self._site()
        with self.hall.connect() as conn:
            local = conn.execute(sa.select(sa.func.max(ReferenceRelease.version))).scalar()
        with self.central.connect() as conn:
            latest = conn.execute(sa.text("SELECT max(version) FROM reference_release")).scalar()
            if latest is None or (local is not None and local >= latest):
                return None
            rows = conn.execute(
                sa.text(
                    "SELECT site_id, checksum, body FROM reference_part WHERE version = :v "
                    "ORDER BY site_id NULLS FIRST"
                ),
                {"v": latest},
            ).all()
        parts = [ReleasePart(r.site_id, r.checksum, r.body) for r in rows]
        if any(p.site_id not in (None, site.site_id) for p in parts):
            raise ReleaseError("the centre handed down another site's reference data; refusing the release")
        checksum = release_checksum([p.checksum for p in parts])
        try:
            min_version = announced_min_version(parts)
            with self._local() as conn:
                counts = apply_parts(conn, parts, self.field_cipher)
                conn.execute(
                    sa.insert(ReferenceRelease).values(
                        version=latest,
                        checksum=checksum,
                        applied_at=utcnow(),
                        min_program_version=min_version,
                    )
                )
                self._state(conn, REFERENCE_CHANNEL)
                self._set_state(conn, REFERENCE_CHANNEL, last_success_at=utcnow(), last_error="")
        except ReleaseError as exc:
            self._record_error(REFERENCE_CHANNEL, f"release {latest}: {exc}")
            raise
        except sa.exc.IntegrityError as exc:
            msg = f"release {latest} cannot be applied, nothing was changed: {exc.orig}"
            self._record_error(REFERENCE_CHANNEL, msg)
            raise ReleaseError(msg) from None
        log.info(
            "reference release %s applied (%s)", latest, ", ".join(f"{k} {v}" for k, v in counts.items())
        )
        return int(latest)

    def _record_error(self, channel: str, message: str) -> None:
        try:
            with self._local() as conn:
                self._state(conn, channel)
                self._set_state(conn, channel, last_error=message[:2000])
        except sa.exc.SQLAlchemyError:
            log.exception("could not record sync error for %s", channel)

    # --- one round ---------------------------------------------------------------------------

    def sync_once(self, should_stop: Callable[[], bool] | None = None) -> SyncReport:
        """Handshake, download the newest release, upload every channel.

        `should_stop` is polled between batches so an application can quit mid-backlog.
        """
        self.hello()
        self._clear_network_errors()
        report = SyncReport()
        try:
            report.release = self.download()
        except ReleaseError as exc:
            log.error("%s", exc)  # uploads still go on: the channels are independent of releases
        for ch in CHANNEL_ORDER:
            try:
                report.channels[ch] = self.upload_channel(ch, should_stop=should_stop)
            except SyncError as exc:
                self._record_error(ch, str(exc))
                report.channels[ch] = ChannelReport(ch, message=str(exc))
        if self._verify_needed and not (should_stop and should_stop()):
            self._verify_needed = False
            self.verify()
        return report

    def record_network_error(self, message: str) -> None:
        """Shown to managers until the next successful handshake clears it."""
        for ch in (*CHANNEL_ORDER, REFERENCE_CHANNEL):
            self._record_error(ch, NETWORK_PREFIX + message)

    def _clear_network_errors(self) -> None:
        with self._local() as conn:
            conn.execute(
                sa.update(SyncState)
                .where(SyncState.last_error.startswith(NETWORK_PREFIX))
                .values(last_error="")
            )

    # --- verify ------------------------------------------------------------------------------

    def _local_versions(self, site_id: uuid.UUID) -> dict[tuple[str, dt.date], list[tuple[str, str, int]]]:
        buckets: dict[tuple[str, dt.date], list[tuple[str, str, int]]] = defaultdict(list)
        with self.hall.connect() as conn:
            for name, ch in CHANNELS.items():
                tbl = Base.metadata.tables[name]
                key = tbl.c[_key_column(name)]
                for rid, ver in conn.execute(
                    sa.select(key, tbl.c.row_version).where(tbl.c.site_id == site_id)
                ):
                    buckets[(ch, day_of(rid))].append((name, str(rid), int(ver)))
        return buckets

    def verify(self, *, requeue: bool = True) -> VerifyReport:
        """Compare counts and hashes per channel and day with the centre; re-queue what differs."""
        site = self.hello()
        self.upload()
        local = self._local_versions(site.site_id)
        with self.central.connect() as conn:
            central = {
                (r.channel, r.day): (int(r.n), r.digest)
                for r in conn.execute(
                    sa.text(
                        "SELECT channel, day, count(*) AS n, md5(string_agg(table_name || ':' || row_id::text || ':' "
                        "|| row_version::text, ',' ORDER BY table_name COLLATE \"C\", row_id)) AS digest "
                        "FROM synced_row WHERE site_id = :s GROUP BY channel, day"
                    ),
                    {"s": site.site_id},
                )
            }
        rep = VerifyReport(buckets=len(set(local) | set(central)))
        for bucket in sorted(set(local) | set(central)):
            items = local.get(bucket, [])
            if central.get(bucket) == (len(items), versions_digest(items)):
                continue
            rep.differing.append(bucket)
        if not rep.differing:
            return rep
        todo: list[tuple[str, str]] = []
        with self.hall.connect() as lconn, self.central.connect() as cconn:
            pending = {
                (t, str(_uuid(i)))
                for t, i in lconn.execute(
                    sa.text("SELECT table_name, row_id FROM sync_outbox WHERE acked_at IS NULL")
                )
            }
            for ch, day in rep.differing:
                theirs = {
                    (t, str(i)): int(v)
                    for t, i, v in cconn.execute(
                        sa.text(
                            "SELECT table_name, row_id, row_version FROM synced_row "
                            "WHERE site_id = :s AND channel = :c AND day = :d"
                        ),
                        {"s": site.site_id, "c": ch, "d": day},
                    )
                }
                ours = {(t, i): v for t, i, v in local.get((ch, day), [])}
                for key, ver in ours.items():
                    if theirs.get(key, 0) < ver and key not in pending:
                        todo.append(key)
                rep.missing_at_site += len(set(theirs) - set(ours))
        if requeue and todo:
            with Session(self.hall.execution_options(**SQLITE_IMMEDIATE)) as session, session.begin():
                for name, rid in todo:
                    tbl = Base.metadata.tables[name]
                    row = (
                        session.execute(sa.select(tbl).where(tbl.c[_key_column(name)] == uuid.UUID(rid)))
                        .mappings()
                        .one()
                    )
                    record(session, name, dict(row))
            rep.requeued = len(todo)
            log.warning("verify re-queued %s row(s) the centre lacked or had older", len(todo))
            self.upload()
        return rep
