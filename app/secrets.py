"""The site's secrets file: keys and passwords kept out of the settings TOML, argv and output.

`onewindow.secrets` lives beside `onewindow.toml` (or wherever ONEWINDOW_SECRETS points). It is
TOML with one quoted name per line (`"data_key.2" = "..."`), created 0600 in a 0700 folder and
rewritten atomically (temporary file + rename), so a power cut leaves the old file or the new
one, never half of each. A file that group or others may read is refused: a key that leaked is
no key. Values are never printed — `Secrets` shows names only.

Well-known names: `central_password`, `id_hash_key` (pseudonymises ID numbers), `data_key`
(field encryption; rotation adds `data_key.2`, `data_key.3`, … and the highest version encrypts).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets as _random
import stat
import sys
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path

log = logging.getLogger("onewindow.db")

CENTRAL_PASSWORD = "central_password"
ID_HASH_KEY = "id_hash_key"
DATA_KEY = "data_key"
SMS_GATEWAY_SECRET = "sms_gateway_secret"  # signs requests to the province's SMS gateway
ENV_PATH = "ONEWINDOW_SECRETS"
SUFFIX = ".secrets"

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[0-9]+)?$")
_POSIX = sys.platform != "win32"


class SecretsError(ValueError):
    """A secrets file or value that cannot be used; the one-line message names the file."""


class Secrets(Mapping[str, str]):
    """name -> value read from one secrets file; repr/str show the names only."""

    def __init__(self, path: Path, values: Mapping[str, str]) -> None:
        self.path = path
        self._values = dict(values)

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Secrets({str(self.path)!r}, names={sorted(self._values)})"

    __str__ = __repr__

    def require(self, name: str) -> str:
        """The value, or SecretsError saying which name is missing where and how to fix it."""
        value = self._values.get(name)
        if not value:
            raise SecretsError(
                f"{self.path}: no {name!r} in the secrets file; run `main.py secrets init` "
                "(or restore the site's secrets file from its backup)"
            )
        return value

    def versions(self, base: str) -> dict[int, str]:
        """`data_key` -> {1: value, 2: value of data_key.2, …} (version 1 is the bare name)."""
        out: dict[int, str] = {}
        for name, value in self._values.items():
            if name == base:
                out[1] = value
            elif name.startswith(base + ".") and name[len(base) + 1 :].isdigit():
                out[int(name[len(base) + 1 :])] = value
        return out


def secrets_path(config_path: Path | str | None = None, environ: Mapping[str, str] | None = None) -> Path:
    """ONEWINDOW_SECRETS, else `<config stem>.secrets` beside the settings file."""
    environ = os.environ if environ is None else environ
    if environ.get(ENV_PATH):
        return Path(environ[ENV_PATH])
    if config_path is None or str(config_path) == "":
        from app.settings import default_config_path

        config_path = default_config_path()
    config = Path(config_path)
    return config.with_name(config.stem + SUFFIX)


def check_mode(path: Path) -> None:
    """Refuse a secrets file that group/others may read or write (POSIX; Windows uses ACLs)."""
    if not _POSIX:
        return
    try:
        st = path.stat()
    except OSError as exc:
        raise SecretsError(f"{path}: cannot read the secrets file: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise SecretsError(f"{path}: the secrets file is not a regular file")
    if st.st_mode & 0o077:
        raise SecretsError(
            f"{path}: the secrets file may be read by other users (mode {stat.S_IMODE(st.st_mode):04o}); "
            f"run `chmod 600 {path}` after checking nobody copied it"
        )


def read_secrets(path: Path | str) -> Secrets:
    """The secrets in `path`; a missing file is an empty set (callers require what they need)."""
    path = Path(path)
    if not path.exists():
        return Secrets(path, {})
    check_mode(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        # The decoder's message names line/column only, never the content.
        raise SecretsError(f"{path}: the secrets file is not valid TOML ({exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretsError(f"{path}: cannot read the secrets file: {type(exc).__name__}") from None
    values: dict[str, str] = {}
    for name, value in data.items():
        if not isinstance(value, str) or not _NAME_RE.match(name):
            raise SecretsError(f"{path}: {name!r} must be a quoted name with a text value")
        values[name] = value
    return Secrets(path, values)


def make_private_dir(directory: Path) -> None:
    """Create `directory` (and missing parents) 0700; an existing folder is left as it is."""
    missing: list[Path] = []
    while not directory.exists():
        missing.append(directory)
        if directory.parent == directory:
            break
        directory = directory.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        if _POSIX:
            os.chmod(folder, 0o700)  # mkdir's mode is masked by the umask


def _render(values: Mapping[str, str]) -> str:
    lines = ["# OneWindow secrets: keep this file 0600 and back it up with the hall database.\n"]
    for name in sorted(values):
        # A JSON string without ASCII escaping is a valid TOML basic string.
        lines.append(f"{json.dumps(name)} = {json.dumps(values[name], ensure_ascii=False)}\n")
    return "".join(lines)


def write_secrets(path: Path | str, values: Mapping[str, str]) -> None:
    """Replace the whole file atomically with `values` (0600, folder created 0700)."""
    path = Path(path)
    for name, value in values.items():
        if not _NAME_RE.match(name):
            raise SecretsError(f"{path}: bad secret name {name!r} (lower-case letters, digits, _, .N)")
        if not isinstance(value, str) or not value or not value.isprintable():
            raise SecretsError(f"{path}: the value of {name!r} must be non-empty printable text")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise SecretsError(f"{path}: the value of {name!r} is not valid text") from None
    make_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=".secrets-", dir=path.parent)  # mkstemp creates 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(_render(values))
            fh.flush()
            os.fsync(fh.fileno())
        if _POSIX:
            os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if _POSIX:
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def write_secret(path: Path | str, name: str, value: str) -> None:
    """Set one secret, keeping the others (the file is checked and rewritten atomically)."""
    current = dict(read_secrets(path))
    current[name] = value
    write_secrets(path, current)
    log.info("secret %r written to %s", name, path)


def new_key() -> str:
    """A fresh random 256-bit key as URL-safe base64 text."""
    return base64.urlsafe_b64encode(_random.token_bytes(32)).decode("ascii")


def decode_key(secrets: Secrets, name: str) -> bytes:
    """A key written by `new_key` (or any base64 of 16+ bytes) as bytes; SecretsError otherwise."""
    text = secrets.require(name)
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii") + b"=" * (-len(text) % 4))
    except (ValueError, UnicodeEncodeError):
        raise SecretsError(f"{secrets.path}: {name!r} is not a base64 key") from None
    if len(raw) < 16:
        raise SecretsError(f"{secrets.path}: {name!r} is too short (at least 128 bits)")
    return raw


def ensure_keys(path: Path | str, names: tuple[str, ...] = (ID_HASH_KEY, DATA_KEY)) -> Secrets:
    """Generate each missing key in `names` (site set-up, the demo); existing keys are kept."""
    current = dict(read_secrets(path))
    missing = [n for n in names if not current.get(n)]
    if missing:
        for name in missing:
            current[name] = new_key()
        write_secrets(path, current)
        log.info("generated %s in %s", ", ".join(missing), path)
    return read_secrets(path)


def rotate_key(path: Path | str, base: str = DATA_KEY) -> str:
    """Add the next version of `base` (e.g. data_key.3); old versions stay to decrypt old rows."""
    current = read_secrets(path)
    versions = current.versions(base)
    name = f"{base}.{max(versions, default=0) + 1}" if versions else base
    write_secret(path, name, new_key())
    return name
