"""What site and centre agree on: protocol version, batch ids, day buckets, checksums."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

# Bumped when the batch or release format changes; the centre accepts a range (sync_meta).
PROTOCOL_VERSION = 1
CHANNEL_ORDER = ("cases", "queue", "evaluations", "stats")
CENTRAL_SCRIPTS = Path(__file__).resolve().parent.parent / "migrations" / "central"
EPOCH_DAY = dt.date(1970, 1, 1)


class SyncError(Exception):
    """A sync problem worth one clear line to the operator (not a network blip)."""


class IncompatibleCentre(SyncError):
    """The handshake refused this site: protocol, role or site code do not match."""


class ReleaseError(SyncError):
    """A reference release failed its checksum or could not be applied; nothing was changed."""


def batch_id(site_code: str, channel: str, first: int, last: int) -> str:
    return f"{site_code}:{channel}:{first}-{last}"


def day_of(row_id: uuid.UUID | str) -> dt.date:
    """The UTC day a row was created, from its UUIDv7 key: stable across versions and engines.

    Only a bucket for verification, never an ordering; keys that are not v7 share one bucket.
    """
    u = row_id if isinstance(row_id, uuid.UUID) else uuid.UUID(str(row_id))
    if u.version != 7:
        return EPOCH_DAY
    ms = u.int >> 80
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).date()


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def release_checksum(part_checksums: list[str]) -> str:
    """The checksum a site records for a release: over its parts' checksums, in order."""
    return sha256_text("\n".join(part_checksums))


def versions_digest(items: list[tuple[str, str, int]]) -> str:
    """md5 over sorted `table:id:version` items; the centre computes the same in SQL."""
    text = ",".join(f"{t}:{i}:{v}" for t, i, v in sorted(items))
    return hashlib.md5(text.encode("ascii")).hexdigest()
