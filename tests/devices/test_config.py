"""Settings → device plan, including emulators started for the demo hall."""

from __future__ import annotations

import dataclasses

import pytest

from app.settings import DeviceSettings, IdCardSettings, ThermometerSettings
from devices.config import plan_devices, thermo_protocol
from devices.emulators import start_demo_devices
from devices.idcard.driver import IdCardReader
from devices.idcard.samples import DEMO_CARDS
from devices.thermo.codec import AsciiProtocol, Gy906Protocol, ModbusProtocol
from devices.thermo.driver import Thermometer


def test_protocols_from_settings() -> None:
    p = thermo_protocol(ThermometerSettings(protocol="modbus", address=3, function=4, scale=0.01))
    assert isinstance(p, ModbusProtocol) and (p.address, p.function, p.scale) == (3, 4, 0.01)
    assert isinstance(
        thermo_protocol(ThermometerSettings(protocol="gy906", object_first=False)), Gy906Protocol
    )
    assert isinstance(thermo_protocol(ThermometerSettings(protocol="ascii", regex=r"(\d+)")), AsciiProtocol)
    with pytest.raises(ValueError, match=r"devices\.thermometer\.protocol"):
        thermo_protocol(ThermometerSettings(protocol="x"))


def test_configured_ports_start_no_emulator() -> None:
    s = DeviceSettings(IdCardSettings(port="/dev/ttyUSB0"), ThermometerSettings(port="COM4"))
    plan = plan_devices(s)
    assert (plan.idcard_port, plan.thermometer_port, plan.emulated) == ("/dev/ttyUSB0", "COM4", False)
    plan = plan_devices(DeviceSettings())  # a real site: no port, no emulator
    assert (plan.idcard_port, plan.thermometer_port, plan.demo) == (None, None, None)


def test_demo_plan_emulates_missing_devices_with_the_configured_protocol() -> None:
    t = ThermometerSettings(protocol="modbus", address=5, register=2)
    plan = plan_devices(dataclasses.replace(DeviceSettings(), thermometer=t), emulate_missing=True)
    try:
        assert plan.emulated and plan.idcard_port and plan.thermometer_port
        with Thermometer(plan.thermometer_port, plan.thermometer_protocol, plan.thermometer_baud) as th:
            assert 30 < th.read().value < 40
        assert plan.demo is not None
        card = plan.demo.place_next_card()
        with IdCardReader(plan.idcard_port, plan.idcard_baud) as reader:
            assert reader.read_card() == card
    finally:
        plan.stop()
    assert plan.demo is None


def test_demo_devices_factory_cycles_cards() -> None:
    with start_demo_devices(thermometer=False) as demo:
        assert demo.thermometer_port is None and demo.idcard_port
        with IdCardReader(demo.idcard_port) as reader:
            assert reader.find() is False
            seen = []
            for _ in range(len(DEMO_CARDS)):
                seen.append(demo.place_next_card())
                assert reader.read_card() == seen[-1]
            demo.remove_card()
            assert reader.find() is False
        assert seen == list(demo.cards)  # the demo cards, moved to be valid today
        assert [c.id_number for c in seen] == [c.id_number for c in DEMO_CARDS]
        demo.place_next_card(remove_after=30)  # the timer is cancelled and joined on stop


def test_demo_devices_over_tcp_for_hosts_without_ptys() -> None:
    with start_demo_devices(transport="tcp", thermometer_protocol="htpa") as demo:
        assert demo.idcard_port and demo.idcard_port.startswith("socket://127.0.0.1:")
        assert demo.thermometer_port and demo.thermometer_port.startswith("socket://")
        card = demo.place_next_card()
        with IdCardReader(demo.idcard_port) as reader:
            assert reader.read_card() == card
        from devices.thermo.codec import HtpaProtocol

        with Thermometer(demo.thermometer_port, HtpaProtocol(), timeout=3.0) as th:
            assert 30 < th.read().value < 40
