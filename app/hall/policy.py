"""Kiosk policy: a small module of its own so the settings schema can embed it cheaply."""

from __future__ import annotations

from dataclasses import dataclass

FEVER_ACTIONS = ("desk", "refuse")


@dataclass(frozen=True)
class KioskPolicy:
    """Kiosk behaviour; the site settings embed this under `[kiosk]`, `main.py kiosk` options override."""

    # At or above the fever threshold: "desk" issues a ticket of `screening_category` (the
    # epidemic screening desk), "refuse" issues none and shows guidance only.
    fever_action: str = "desk"
    screening_category: str = ""  # code or prefix; empty or unknown → behaves like "refuse"
    require_id: bool = False  # True: every ticket needs an ID-card swipe (no anonymous tickets)
    # Elderly mode offers every category, bigger and on pages: at most this many on one page
    # (fewer when the screen has no room for them).
    elderly_categories: int = 6
    # Spoken prompts (welcome, swipe, take your ticket …) in each mode.
    voice_standard: bool = False
    voice_elderly: bool = True
    # The ticket's QR code, ASCII only (scanners guess the encoding of other bytes);
    # fields {date} {number} {site} (the site name).
    qr_template: str = "OW-TICKET:{date}:{number}"
    notice: str = "请留意叫号，过号请到服务台重新排队"
    # The rating code (评价码) printed on tickets and receipts works this many days after the
    # visit's 办结 (or after the visit, when it has no case); then it is refused as expired.
    rating_valid_days: int = 30

    def __post_init__(self) -> None:
        if self.fever_action not in FEVER_ACTIONS:
            raise ValueError(
                f"fever_action must be one of {', '.join(FEVER_ACTIONS)}, got {self.fever_action!r}"
            )
        if self.elderly_categories < 1:
            raise ValueError("elderly_categories (categories per page in elderly mode) must be at least 1")
