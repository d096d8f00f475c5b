"""Pseudonymous ID numbers: the queue stores a keyed hash (HMAC-SHA256) of a normalised ID number, never the number."""

from __future__ import annotations

import hashlib
import hmac
import os

from app.queue import errors
from app.validators import normalise_id_number


class MissingIdHashKey(errors.QueueError):
    """No per-site ID-hash key: with a public built-in key the hashes could be reversed (the ID
    space is small), so there is none; the site's secrets file holds `id_hash_key`."""

    default_message = "本机未配置证件号哈希密钥，无法按证件取号（请管理员运行 main.py secrets init）"


def hash_id_number(id_number: str, key: bytes | None) -> str:
    """Keyed hash (HMAC-SHA256, hex) of a normalised ID number; the ticket never stores the number."""
    if not key:
        raise MissingIdHashKey()
    return hmac.new(key, normalise_id_number(id_number).encode("ascii"), hashlib.sha256).hexdigest()


def id_hash_key_from_env() -> bytes | None:
    """ONEWINDOW_ID_HASH_KEY (tools and tests); None when unset — there is no built-in key."""
    value = os.environ.get("ONEWINDOW_ID_HASH_KEY", "")
    return value.encode("utf-8") if value else None
