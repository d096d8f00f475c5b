"""Emulated devices for the demo hall (and for trying the CLI without hardware).

demo = start_demo_devices()          # an ID-card reader and a thermometer on ptys
demo.idcard_port, demo.thermometer_port, demo.thermometer_protocol
demo.place_next_card(); demo.remove_card()
demo.stop()                          # or use it as a context manager
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

from devices.idcard.card import IdCard
from devices.idcard.emulator import IdCardEmulator
from devices.idcard.samples import DEMO_CARDS
from devices.thermo.emulator import ThermoEmulator


def _years_later(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def demo_cards(today: dt.date | None = None) -> tuple[IdCard, ...]:
    """The demo cards (devices.idcard.samples.DEMO_CARDS) valid on `today` (default: the machine's
    date): each card's validity period keeps its length (5, 10, 20 years, or 长期) but is moved to
    have started two years before `today`, so no demo card expires as the calendar moves on.
    The fixed samples stay as they are for the protocol tests."""
    day = today or dt.date.today()
    cards = []
    for card in DEMO_CARDS:
        if card.valid_to is None:
            cards.append(card)  # 长期: never expires
            continue
        years = card.valid_to.year - card.valid_from.year
        start = max(_years_later(day, -2), card.birth_date)
        cards.append(dataclasses.replace(card, valid_from=start, valid_to=_years_later(start, years)))
    return tuple(cards)


# A plausible entrance queue: mostly normal, one fever, one "measure again" (cold forehead).
DEMO_TEMPERATURES = (36.4, 36.6, 36.5, 36.8, 37.6, 36.3, 33.2, 36.7)


@dataclass
class DemoDevices:
    idcard: IdCardEmulator | None
    thermometer: ThermoEmulator | None
    thermometer_protocol: str = "modbus"
    _cards: itertools.cycle[IdCard] = field(default_factory=lambda: itertools.cycle(demo_cards()), repr=False)
    _timer: threading.Timer | None = field(default=None, repr=False)

    @property
    def idcard_port(self) -> str | None:
        return self.idcard.port if self.idcard else None

    @property
    def thermometer_port(self) -> str | None:
        return self.thermometer.port if self.thermometer else None

    @property
    def cards(self) -> tuple[IdCard, ...]:
        """The cards place_next_card cycles through: the demo cards, valid today."""
        return demo_cards()

    def place_card(self, card: IdCard) -> None:
        if self.idcard is not None:
            self.idcard.place(card)

    def place_next_card(self, *, remove_after: float | None = None) -> IdCard:
        """Put the next demo card on the reader; optionally take it away after some seconds."""
        card = next(self._cards)
        self.place_card(card)
        if remove_after is not None:
            self._cancel_timer()
            self._timer = threading.Timer(remove_after, self.remove_card)
            self._timer.daemon = True
            self._timer.start()
        return card

    def remove_card(self) -> None:
        if self.idcard is not None:
            self.idcard.remove()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer.join()
            self._timer = None

    def stop(self) -> None:
        self._cancel_timer()
        for emu in (self.idcard, self.thermometer):
            if emu is not None:
                emu.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_demo_devices(
    *,
    idcard: bool = True,
    thermometer: bool = True,
    thermometer_protocol: str = "modbus",
    card: IdCard | None = None,
    link_dir: str | os.PathLike[str] | None = None,
    transport: str = "auto",
) -> DemoDevices:
    """Start an emulated ID-card reader (empty, or holding `card`) and thermometer on ptys
    (on 127.0.0.1 with socket:// ports where there are no ptys, or with transport="tcp").

    With `link_dir`, the ports are also reachable as stable symlinks there (idcard, thermometer)."""
    links = Path(link_dir) if link_dir is not None else None
    reader = (
        IdCardEmulator(card, link=links / "idcard" if links else None, transport=transport).start()
        if idcard
        else None
    )
    try:
        thermo = (
            ThermoEmulator(
                thermometer_protocol,
                values=DEMO_TEMPERATURES,
                interval=1.0,
                link=links / "thermometer" if links else None,
                transport=transport,
            ).start()
            if thermometer
            else None
        )
    except BaseException:
        if reader is not None:
            reader.stop()
        raise
    return DemoDevices(reader, thermo, thermometer_protocol)
