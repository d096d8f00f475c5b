"""Authenticated encryption of personal fields (name, ID number, phone, address, photo) at rest.

Each stored value is a compact text envelope that names everything needed to open it:

    v1:<algorithm>:<key id>:<base64 nonce>:<base64 ciphertext+tag>

so keys rotate (new writes use the newest key id, old ids still decrypt) and algorithms can
change without a flag day. The algorithm is SM4-GCM (GB/T 32907, what 等保/密评 reviewers ask for)
when the `cryptography` build offers it, else AES-256-GCM. The column name is the associated data:
a ciphertext copied into another column (or a forged one) fails authentication.

Key material (32 random bytes per key id) lives outside the database — in the site's secrets
file — and each algorithm's key is derived from it with HKDF-SHA256. Lookups use a keyed hash
(HMAC-SHA256) column, never the ciphertext. The db layer gets a ready `FieldCipher`: the session
factory carries it in `Session.info`, so services reach it from the session they already hold.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session, sessionmaker

PREFIX = "v1"
SM4_GCM = "sm4gcm"
AES_256_GCM = "aes256gcm"
NONCE_BYTES = 12
TAG_BYTES = 16
SESSION_INFO_KEY = "onewindow.field_cipher"


class FieldCryptoError(ValueError):
    """A value that cannot be decrypted (tampered, wrong key, unknown key id); never shows the value."""


class MissingKeys(RuntimeError):
    """No field keys for this database: personal data can be neither written nor read."""


def sm4_gcm_available() -> bool:
    try:
        enc = Cipher(algorithms.SM4(bytes(16)), modes.GCM(bytes(NONCE_BYTES))).encryptor()
        enc.update(b"x")
        enc.finalize()
    except Exception:  # UnsupportedAlgorithm on builds without SM4; any failure means "no"
        return False
    return True


def default_algorithm() -> str:
    return SM4_GCM if sm4_gcm_available() else AES_256_GCM


def _derive(material: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=info).derive(material)


def is_envelope(value: str | None) -> bool:
    return bool(value) and str(value).startswith(PREFIX + ":")


class FieldCipher:
    """Encrypts with the current key id, decrypts any known key id; thread-safe (no shared state
    changes after construction except the derived-key caches)."""

    def __init__(
        self,
        keys: Mapping[str, bytes],
        current: str,
        *,
        lookup_key: bytes | None = None,
        algorithm: str | None = None,
    ) -> None:
        if current not in keys:
            raise ValueError(f"current key id {current!r} is not among the keys")
        for key_id, material in keys.items():
            if ":" in key_id or not key_id:
                raise ValueError("a key id must be non-empty and contain no ':'")
            if len(material) < 16:
                raise ValueError(f"key {key_id!r} is too short")
        self._keys = dict(keys)
        self.current = current
        self.algorithm = algorithm or default_algorithm()
        if self.algorithm not in (SM4_GCM, AES_256_GCM):
            raise ValueError(f"unknown algorithm {self.algorithm!r}")
        self._lookup_key = lookup_key
        self._aes_cache: dict[str, AESGCM] = {}
        self._sm4_cache: dict[str, bytes] = {}

    def __repr__(self) -> str:
        return (
            f"FieldCipher(algorithm={self.algorithm!r}, current={self.current!r}, ids={sorted(self._keys)})"
        )

    def _aes(self, key_id: str) -> AESGCM:
        aead = self._aes_cache.get(key_id)
        if aead is None:  # derived once per key id: HKDF costs more than encrypting a field
            aead = self._aes_cache[key_id] = AESGCM(
                _derive(self._keys[key_id], b"onewindow field aes-256-gcm", 32)
            )
        return aead

    def _sm4_key(self, key_id: str) -> bytes:
        key = self._sm4_cache.get(key_id)
        if key is None:
            key = self._sm4_cache[key_id] = _derive(self._keys[key_id], b"onewindow field sm4-gcm", 16)
        return key

    # --- bytes ---------------------------------------------------------------------------------

    def encrypt_bytes(self, plain: bytes, column: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        aad = column.encode("utf-8")
        if self.algorithm == SM4_GCM:
            enc = Cipher(algorithms.SM4(self._sm4_key(self.current)), modes.GCM(nonce)).encryptor()
            enc.authenticate_additional_data(aad)
            sealed = enc.update(plain) + enc.finalize() + enc.tag
        else:
            sealed = self._aes(self.current).encrypt(nonce, plain, aad)
        return ":".join((PREFIX, self.algorithm, self.current, _b64(nonce), _b64(sealed)))

    def decrypt_bytes(self, token: str, column: str) -> bytes:
        parts = token.split(":")
        if len(parts) != 5 or parts[0] != PREFIX:
            raise FieldCryptoError(f"{column}: not an encrypted value")
        _, algorithm, key_id, nonce_text, sealed_text = parts
        if key_id not in self._keys:
            raise FieldCryptoError(
                f"{column}: encrypted with key id {key_id!r}, which this site does not have"
            )
        try:
            nonce, sealed = _unb64(nonce_text), _unb64(sealed_text)
        except ValueError:
            raise FieldCryptoError(f"{column}: damaged encrypted value") from None
        if len(nonce) != NONCE_BYTES or len(sealed) < TAG_BYTES:
            raise FieldCryptoError(f"{column}: damaged encrypted value")
        aad = column.encode("utf-8")
        try:
            if algorithm == SM4_GCM:
                body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
                dec = Cipher(algorithms.SM4(self._sm4_key(key_id)), modes.GCM(nonce, tag)).decryptor()
                dec.authenticate_additional_data(aad)
                return dec.update(body) + dec.finalize()
            if algorithm == AES_256_GCM:
                return self._aes(key_id).decrypt(nonce, sealed, aad)
        except InvalidTag:
            raise FieldCryptoError(
                f"{column}: encrypted value fails authentication (tampered or wrong key)"
            ) from None
        raise FieldCryptoError(f"{column}: unknown algorithm {algorithm!r}")

    # --- text ----------------------------------------------------------------------------------

    def encrypt(self, plain: str, column: str) -> str:
        """The envelope of `plain`; the empty string stays empty (nothing to hide, nothing to store)."""
        return self.encrypt_bytes(plain.encode("utf-8"), column) if plain else ""

    def decrypt(self, token: str, column: str) -> str:
        if not token:
            return ""
        try:
            return self.decrypt_bytes(token, column).decode("utf-8")
        except UnicodeDecodeError:
            raise FieldCryptoError(f"{column}: decrypted value is not text") from None

    def lookup_hash(self, value: str) -> str:
        """Keyed hash for equality lookups (HMAC-SHA256 hex); '' for an empty value."""
        if not value:
            return ""
        if not self._lookup_key:
            raise MissingKeys("no lookup-hash key configured")
        return hmac.new(self._lookup_key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def install(sessions: sessionmaker[Session], cipher: FieldCipher) -> None:
    """Every session of `sessions` carries `cipher` in `Session.info`."""
    info: dict[str, Any] = dict(sessions.kw.get("info") or {})
    info[SESSION_INFO_KEY] = cipher
    sessions.configure(info=info)


def session_cipher(session: Session) -> FieldCipher:
    cipher = session.info.get(SESSION_INFO_KEY)
    if not isinstance(cipher, FieldCipher):
        raise MissingKeys(
            "this hall database session has no field-encryption keys; the site's secrets file "
            "must hold data_key (run `main.py secrets init`)"
        )
    return cipher


def optional_session_cipher(session: Session) -> FieldCipher | None:
    """The session's cipher, or None for a database opened without keys (tools, tests)."""
    cipher = session.info.get(SESSION_INFO_KEY)
    return cipher if isinstance(cipher, FieldCipher) else None


# --- appointments ------------------------------------------------------------------------------
# The centre hands appointments down with name and phone in plain text (it books them); a site
# that has its keys stores both as envelopes, bound to these columns.

APPOINTMENT_FIELDS = ("name", "phone")


def appointment_column(field: str) -> str:
    return f"appointment.{field}"


def seal_appointment(cipher: FieldCipher, row: Mapping[str, Any]) -> dict[str, Any]:
    """`row` with its plain name and phone encrypted (envelopes and other columns as they are)."""
    out = dict(row)
    for f in APPOINTMENT_FIELDS:
        value = out.get(f)
        if value and not is_envelope(value):
            out[f] = cipher.encrypt(str(value), appointment_column(f))
    return out


def open_appointment(cipher: FieldCipher | None, field: str, stored: str) -> str:
    """The plain value of an appointment's name or phone. A plain value (a site without keys, a
    master hall database) is returned as it is; an envelope without a cipher is MissingKeys, a
    damaged one FieldCryptoError."""
    if not is_envelope(stored):
        return stored
    if cipher is None:
        raise MissingKeys(f"{appointment_column(field)} is encrypted and no field keys are configured")
    return cipher.decrypt(stored, appointment_column(field))
