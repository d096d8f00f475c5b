"""The counter's own settings ([counter] in the site's settings file); `app.settings` composes them
into the settings tree and bounds every value."""

from __future__ import annotations

from dataclasses import dataclass

NO_SHOW_POLICIES = ("confirm", "after_recalls")
CARD_LOGIN = ("password", "off")


@dataclass(frozen=True)
class CounterSettings:
    # 过号 (F3): "confirm" asks the clerk first; "after_recalls" allows it only once the ticket was
    # recalled `no_show_recalls` times (F2), without asking.
    no_show: str = "confirm"
    no_show_recalls: int = 2
    # After an intake, its documents print at once to the document printer (one key, Ctrl+P,
    # prints them again); False: they wait for Ctrl+P.
    print_at_once: bool = False
    # Log-in by swiping one's own ID card on the counter's reader (bound by its keyed hash):
    # "password" names the account and still asks its password; "off" ignores cards at log-in.
    card_login: str = "password"
