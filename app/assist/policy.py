"""Who the kiosk sends to the 帮办代办 window, as settings (`[assist]`): plain data, no queue code.

Age: 《中华人民共和国老年人权益保障法》第二条 — 老年人是指六十周岁以上的公民 — so 60 by default;
halls that keep the window for older people set `elderly_age` (65, 70 …). `category` names the
帮办代办 queue (code or prefix); empty switches the routing off.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AssistPolicy:
    category: str = "BBDB"  # code or prefix of the 帮办代办 category; empty or unknown: no routing
    elderly_age: int = 60  # at or above this age (from the ID number's birth date) → the category
    route_disabled: bool = True  # an applicant who says so at the kiosk (残疾人) → the category
    green_channel: bool = True  # routed tickets are green channel (绿色通道)

    def __post_init__(self) -> None:
        if not 0 <= self.elderly_age <= 150:
            raise ValueError("assist.elderly_age must be between 0 and 150")
