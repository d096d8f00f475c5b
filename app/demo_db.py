"""The demo hall's own database, and the guards that keep demo accounts out of real sites.

`seed-demo`, `counter --demo` and the demo hall write only to the demo database in the user data
dir (an explicit `--db` may name a scratch file instead, never one holding a real site), and
the role screens of a real site refuse to start while an active account still has a demo or
default password.
"""

from __future__ import annotations

import functools
import json
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from db.models import Site, Staff
from db.vocab import PasswordState

if TYPE_CHECKING:
    from app.context import AppContext


class RealSiteError(RuntimeError):
    """The demo was asked to write into a real site's database, or a real site has demo passwords."""


def demo_database_url() -> str:
    """The demo hall's own SQLite file in the user data dir (never a site's hall database)."""
    from app.settings import user_data_dir

    return f"sqlite:///{(user_data_dir() / 'demo-hall.db').as_posix()}"


def is_demo_database(url: str) -> bool:
    return url == demo_database_url()


@functools.cache
def demo_site_codes() -> frozenset[str]:
    from app.catalogue import CATALOGUE_DIR

    try:
        doc = json.loads((CATALOGUE_DIR / "demo_hall.json").read_text(encoding="utf-8"))
        return frozenset(str(site["code"]) for site in doc["sites"])
    except (OSError, ValueError, KeyError, TypeError):
        return frozenset()


def safe_url(url: str) -> str:
    """The URL with any password hidden."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is better not shown than shown with a secret in it
        return "the hall database"


def refuse_real_site(session: Session, url: str) -> None:
    """Raise RealSiteError unless the demo may be seeded into `url`: the demo's own file, or a
    database holding only demo sites and no account with an issued or own password."""
    if is_demo_database(url):
        return
    demo = demo_site_codes()
    real = [c for c in session.scalars(sa.select(Site.code)) if c not in demo]
    issued = session.scalar(
        sa.select(sa.func.count()).select_from(Staff).where(Staff.password_state.in_((PasswordState.ISSUED, PasswordState.OWN)))
    )
    if real or issued:
        what = f"site(s) {', '.join(real)}" if real else "accounts with real passwords"
        raise RealSiteError(
            f"{safe_url(url)} holds {what}: the demo is seeded only into its own database "
            "(run it without --db)"
        )


def refuse_default_passwords(ctx: AppContext) -> None:
    """Raise RealSiteError (one line saying how to fix it) if this real site still has an active
    account with a demo or default password; the demo hall passes."""
    if getattr(ctx, "demo", False):
        return
    from app.staff import default_password_accounts

    with ctx.sessions() as session:
        names = default_password_accounts(session, ctx.site_id)
    if names:
        shown = ", ".join(names[:5]) + (f" (+{len(names) - 5} more)" if len(names) > 5 else "")
        raise RealSiteError(
            f"account(s) {shown} still have a demo or default password; set a new one with "
            f"`main.py staff passwd {names[0]}` (or `main.py staff disable {names[0]}`) and start again"
        )
