"""The site's keys, read from its secrets file: the ID-hash key and the field-encryption keys.

A real site refuses to start without them (one line naming the file and the fix); the demo
generates its own random keys into its own secrets file beside the demo database, so no key is
ever built in or shared between installations.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from app.secrets import (
    CENTRAL_PASSWORD,
    DATA_KEY,
    ENV_PATH,
    ID_HASH_KEY,
    Secrets,
    SecretsError,
    decode_key,
    ensure_keys,
    read_secrets,
    secrets_path,
)
from app.settings import Settings, user_data_dir
from db.crypto import FieldCipher
from db.engine import sqlite_path

log = logging.getLogger("onewindow.db")

MIN_ID_HASH_KEY = 16  # characters; the ID-number space is small, a short key is guessable


@dataclass(frozen=True)
class SiteKeys:
    path: Path  # the secrets file they came from
    id_hash_key: bytes
    cipher: FieldCipher

    def __repr__(self) -> str:
        return f"SiteKeys({str(self.path)!r}, {self.cipher!r})"


def site_secrets_path(settings: Settings, *, demo: bool = False) -> Path:
    """ONEWINDOW_SECRETS; else the demo's file beside its SQLite database (or in the user data
    dir); else the file beside the settings file."""
    if os.environ.get(ENV_PATH):
        return Path(os.environ[ENV_PATH])
    if demo:
        try:
            db_file = sqlite_path(settings.hall_db_url)
        except Exception:  # a malformed URL is reported when the database is opened
            db_file = None
        if db_file is not None:
            return db_file.with_name(db_file.stem + ".secrets")
        return user_data_dir() / "demo.secrets"
    return secrets_path(settings.source or None)


def keys_from_secrets(secrets: Secrets) -> SiteKeys:
    """SiteKeys from a secrets set; SecretsError (one line, the fix included) if one is missing."""
    id_text = secrets.require(ID_HASH_KEY)
    if len(id_text) < MIN_ID_HASH_KEY:
        raise SecretsError(
            f"{secrets.path}: {ID_HASH_KEY!r} is too short (at least {MIN_ID_HASH_KEY} characters)"
        )
    versions = secrets.versions(DATA_KEY)
    if not versions:
        secrets.require(DATA_KEY)
    keys: dict[str, bytes] = {}
    for version in versions:
        name = DATA_KEY if version == 1 else f"{DATA_KEY}.{version}"
        keys[str(version)] = decode_key(secrets, name)
    # The ID-hash key doubles as the lookup-hash key: a case is then found by the same keyed
    # hash a ticket or an appointment carries, and rotating data keys never breaks lookups.
    id_key = id_text.encode("utf-8")
    cipher = FieldCipher(keys, str(max(versions)), lookup_key=id_key)
    return SiteKeys(secrets.path, id_key, cipher)


def load_site_keys(settings: Settings, *, demo: bool = False) -> SiteKeys:
    """The site's keys; the demo creates missing ones. Raises SecretsError with the fix."""
    path = site_secrets_path(settings, demo=demo)
    if demo:
        return keys_from_secrets(ensure_keys(path))
    secrets = read_secrets(path)
    if not secrets.get(ID_HASH_KEY) and settings.privacy.id_hash_key:
        raise SecretsError(
            f"{settings.source}: privacy.id_hash_key must not be in the settings file; move it with "
            f"`main.py secrets set {ID_HASH_KEY}` (it goes to {path}), then delete it from the settings"
        )
    return keys_from_secrets(secrets)


def optional_cipher(settings: Settings) -> FieldCipher | None:
    """The site's field cipher when its secrets file has the keys, else None (`db upgrade` of a
    database with nothing to encrypt needs none; one with plain personal data is then refused)."""
    try:
        return load_site_keys(settings).cipher
    except SecretsError:
        return None


def export_central_password(config_path: str | None, environ: dict[str, str] | None = None) -> bool:
    """Hand the secrets file's `central_password` to the sync's connection code, which takes it
    from $ONEWINDOW_CENTRAL_PASSWORD (db.sync.tls) so the password is in neither the settings
    file, nor argv, nor any URL printed. An explicitly set variable wins. Returns True if set.

    A missing or unusable secrets file is not an error here: the commands that need the file
    report it in their own words.
    """
    from db.sync.tls import PASSWORD_ENV

    env = os.environ if environ is None else environ
    if env.get(PASSWORD_ENV):
        return False
    try:
        password = read_secrets(secrets_path(config_path, env)).get(CENTRAL_PASSWORD)
    except (SecretsError, OSError):
        return False
    if not password:
        return False
    env[PASSWORD_ENV] = password
    return True
