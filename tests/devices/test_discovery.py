"""Device discovery on pseudo-terminals: the emulated reader, thermometer and printer are found
with their real protocols, a port that only sends noise gives nothing, a vanished port gives a
reason, and the probes leave the devices as they were (nothing printed, the reader still reads)."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest

from devices.discovery import assignments, discover, probe
from devices.idcard.driver import IdCardReader
from devices.idcard.emulator import IdCardEmulator
from devices.idcard.samples import DEMO_CARDS
from devices.pty import HAVE_PTY, SerialEmulator
from devices.thermo.emulator import ThermoEmulator
from printing.emulator import EscPosEmulator

pytestmark = pytest.mark.skipif(not HAVE_PTY, reason="pseudo-terminals needed")


class NoiseEmulator(SerialEmulator):
    """A port with a broken or foreign device on it: random bytes, all the time, whatever it is sent."""

    name = "noise"

    def __init__(self, seed: int = 7) -> None:
        super().__init__(baud=9600)
        self.tick_interval = 0.01
        self._rng = random.Random(seed)

    def on_tick(self) -> None:
        self.send(bytes(self._rng.randrange(256) for _ in range(12)))


@pytest.fixture
def noise() -> Iterator[NoiseEmulator]:
    with NoiseEmulator() as emu:
        yield emu


def test_finds_reader_thermometer_and_printer_and_nothing_on_noise(noise: NoiseEmulator) -> None:
    with (
        IdCardEmulator() as reader,
        ThermoEmulator("modbus", value=36.6) as thermo,
        EscPosEmulator(paper="near_end") as printer,
    ):
        seen: list[str] = []
        reports = discover(
            [reader.port, noise.port, thermo.port, printer.port], progress=lambda r: seen.append(r.port)
        )
        assert [r.port for r in reports] == [reader.port, noise.port, thermo.port, printer.port]
        assert sorted(seen) == sorted(r.port for r in reports)
        by_port = {r.port: r for r in reports}
        card = by_port[reader.port].found
        assert card is not None and (card.kind, card.protocol, card.baud) == ("idcard", "sam", 115200)
        assert "05.01-" in card.detail  # the module id was read
        t = by_port[thermo.port].found
        assert t is not None and (t.kind, t.protocol, t.baud) == ("thermometer", "modbus", 9600)
        assert "36.6" in t.detail
        p = by_port[printer.port].found
        assert p is not None and (p.kind, p.protocol, p.baud) == ("printer", "escpos", 9600)
        assert "纸将用完" in p.detail
        n = by_port[noise.port]
        assert n.found is None and not n.problem and n.describe() == "没有已知设备应答"
        assert noise.bytes_sent > 0  # the noise really was there while it was probed
        assert {k: f.port for k, f in assignments(reports).items()} == {
            "idcard": reader.port,
            "thermometer": thermo.port,
            "printer": printer.port,
        }
        # Probing printed nothing, and the reader still reads a card afterwards.
        assert printer.tickets == [] and printer.spoiled == 0
        reader.place(DEMO_CARDS[0])
        with IdCardReader(reader.port) as r:
            assert r.read_card().id_number == DEMO_CARDS[0].id_number


@pytest.mark.parametrize("protocol", ["htpa", "gy906", "ascii"])
def test_streaming_and_module_thermometers(protocol: str) -> None:
    with ThermoEmulator(protocol, value=36.8, interval=0.2) as thermo:
        report = probe(thermo.port)
    assert report.found is not None and report.found.kind == "thermometer"
    assert report.found.protocol == protocol and "36.8" in report.found.detail


def test_a_vanished_port_is_reported_not_raised(tmp_path: os.PathLike[str]) -> None:
    gone = os.path.join(tmp_path, "ttyUSB9")
    [report] = discover([gone])
    assert report.found is None and report.problem and "无法打开" in report.describe()


def test_no_ports_no_reports() -> None:
    assert discover([]) == []


class InputRegisterOnly(ThermoEmulator):
    """A Modbus thermometer that keeps its reading in an input register: FC03 gets exception 01."""

    def on_data(self, data: bytes) -> None:
        from devices.thermo.codec import modbus_crc16, with_crc

        if len(data) >= 8 and data[1] == 3 and modbus_crc16(data[:6]) == int.from_bytes(data[6:8], "little"):
            self.send(with_crc(bytes([data[0], 0x83, 0x01])))
            return
        super().on_data(data)


def test_modbus_function_is_found_with_the_thermometer() -> None:
    with InputRegisterOnly("modbus", value=36.4) as fc04, ThermoEmulator("modbus", value=36.4) as fc03:
        reports = discover([fc04.port, fc03.port])
    assert [r.found.modbus_function if r.found else None for r in reports] == [4, 3]
