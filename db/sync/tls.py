"""The site → centre connection: verified TLS only, passwords never shown.

Plain libpq falls back to an unencrypted connection when `sslmode` is absent (its default is
`prefer`, which checks no certificate), so a site accepts a central URL only with
`sslmode=verify-full` or `verify-ca`, unless its settings say `allow_insecure_central = true`
(the demo and tests against a local server). Pure functions: the settings loader, the CLI and the
sync worker share them.
"""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlsplit

VERIFIED_MODES = ("verify-full", "verify-ca")
PASSWORD_ENV = "ONEWINDOW_CENTRAL_PASSWORD"
# user:password@ up to the last "@": a password typed unencoded may itself contain "@" or "/".
_USERINFO = re.compile(r"(?P<head>://[^:/@\s]*):(?P<pw>\S*)@(?=[^@]*$)")


def sslmode_of(url: str) -> str | None:
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        return None
    modes = query.get("sslmode")
    return modes[-1] if modes else None


def central_url_problem(url: str, allow_insecure: bool) -> str | None:
    """Why a site must not use this central URL, or None. An empty URL means no centre."""
    if not url or allow_insecure:
        return None
    mode = sslmode_of(url)
    if mode in VERIFIED_MODES:
        return None
    shown = f"sslmode={mode}" if mode else "no sslmode"
    return (
        f"{hide_password(url)} has {shown}: the centre must be reached with sslmode=verify-full "
        "(or verify-ca) and its CA certificate (sslrootcert=…), as `main.py central add-site` writes it; "
        "set [database] allow_insecure_central = true only for a demo or test centre"
    )


def hide_password(url: str) -> str:
    """The URL with any password replaced by ***; works on strings that are not valid URLs too."""
    return _USERINFO.sub(lambda m: f"{m.group('head')}:***@", url)


def with_env_password(url: str) -> str:
    """Add the central password from $ONEWINDOW_CENTRAL_PASSWORD when the URL carries none.

    The enrolment keeps the password out of the URL (and so out of the settings file); until the
    site's secrets file holds it, the environment is where it comes from.
    """
    return with_password(url, os.environ.get(PASSWORD_ENV))


def with_password(url: str, password: str | None) -> str:
    """The URL with this password when it carries none (an explicit one in the URL wins)."""
    if not password or not url:
        return url
    import sqlalchemy as sa

    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return url
    if parsed.password:
        return url
    return parsed.set(password=password).render_as_string(hide_password=False)
