"""Fixtures of the counter GUI tests: a seeded hall (template copied per test), the app context,
the bus, a clerk at window 1, and the ID-card emulator on a pseudo-terminal feeding the bus
through the devices' Qt worker."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app import auth
from app.context import AppContext, open_hall
from tests.cases.seeding import SITE_CODE, Seeded, build_template, copy_template, settings_for


@pytest.fixture(scope="session")
def counter_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Seeded]:
    path = tmp_path_factory.mktemp("counter-template") / "hall.db"
    return path, build_template(path)


@pytest.fixture
def seeded(counter_template: tuple[Path, Seeded]) -> Seeded:
    return counter_template[1]


@pytest.fixture
def hall_path(counter_template: tuple[Path, Seeded], tmp_path: Path) -> Path:
    return copy_template(counter_template[0], tmp_path / "hall.db")


@pytest.fixture
def ctx(hall_path: Path) -> Iterator[AppContext]:
    c = open_hall(settings_for(hall_path))
    yield c
    c.close()


@dataclass
class Staffed:
    clerk: auth.StaffInfo
    manager: auth.StaffInfo
    window1: auth.WindowInfo
    window2: auth.WindowInfo


@pytest.fixture
def staffed(ctx: AppContext, seeded: Seeded) -> Staffed:
    from db.models import Staff

    with ctx.sessions() as s:
        clerk = s.get(Staff, seeded.clerk_id)
        manager = s.get(Staff, seeded.manager_id)
        assert clerk is not None and manager is not None
        wins = auth.windows(s, ctx.site_id)
        return Staffed(auth.staff_info(clerk), auth.staff_info(manager), wins[0], wins[1])


@pytest.fixture
def card_reader(qtbot: QtBot) -> Iterator[object]:
    """(emulator, worker handle): start the worker, yield, stop both."""
    from devices.idcard.emulator import IdCardEmulator
    from ui.device_workers import IdCardLoop

    emu = IdCardEmulator(None).start()
    handle = IdCardLoop(emu.port, poll_interval=0.05, command_timeout=0.3)
    with qtbot.waitSignal(
        handle.statusChanged, check_params_cb=lambda s, _m: s == "connected", timeout=5000
    ):
        handle.start()
    yield emu, handle
    handle.stop()
    emu.stop()


__all__ = ["SITE_CODE"]
