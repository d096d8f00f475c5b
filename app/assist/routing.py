"""Who the kiosk sends to the 帮办代办 window (pure): elderly by the ID number's birth date, and
applicants who say at the kiosk that they are disabled (or need help), when the hall's policy
(`[assist]`) names the 帮办代办 category.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.assist.policy import AssistPolicy
from app.validators import id_birth_date, normalise_id_number


@dataclass(frozen=True)
class Route:
    category: str  # the category to issue in (the chosen one, or the 帮办代办 one)
    routed: bool  # True: sent to 帮办代办 by policy
    reason: str  # "elderly" | "disabled" | ""
    green: bool  # green channel (绿色通道)


def age_on(id_number: str, today: dt.date) -> int | None:
    """Full years on `today` from an 18-character resident ID number (None: no birth date in it)."""
    v = normalise_id_number(id_number or "")
    if len(v) != 18 or not v[:17].isdigit():
        return None
    try:
        born = id_birth_date(v)
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def route(
    policy: AssistPolicy,
    chosen: str,
    assist_category: str | None,
    *,
    id_number: str | None,
    disabled: bool,
    today: dt.date,
) -> Route:
    """Where a ticket goes. `assist_category` is the hall's 帮办代办 category code as found in the
    reference data (None: the policy names none, or one the hall does not have — no routing)."""
    if assist_category is None or chosen == assist_category:
        return Route(chosen, False, "", False)
    if disabled and policy.route_disabled:
        return Route(assist_category, True, "disabled", policy.green_channel)
    age = age_on(id_number, today) if id_number else None
    if age is not None and age >= policy.elderly_age:
        return Route(assist_category, True, "elderly", policy.green_channel)
    return Route(chosen, False, "", False)
