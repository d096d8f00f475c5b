"""From the typed settings (devices.settings.DeviceSettings) to ports and protocols, starting
emulators for devices without a configured port when the site asks for it (the demo hall).

    plan = plan_devices(settings.devices)
    if plan.idcard_port: ...          # ui/device_workers.py starts a reader loop on it
    if plan.thermometer_port: ...     # and a thermometer loop with plan.thermometer_protocol
    ...
    plan.stop()    # stops the emulators it started (if any)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from devices.emulators import DemoDevices, start_demo_devices
from devices.thermo.codec import AsciiProtocol, Gy906Protocol, HtpaProtocol, ModbusProtocol, ThermoProtocol

if TYPE_CHECKING:
    from devices.settings import DeviceSettings, ThermometerSettings


def thermo_protocol(t: ThermometerSettings) -> ThermoProtocol:
    """Raises ValueError (with the offending option) for an impossible configuration."""
    if t.protocol == "modbus":
        return ModbusProtocol(t.address, t.register, function=t.function, scale=t.scale, signed=t.signed)
    if t.protocol == "gy906":
        return Gy906Protocol(object_first=t.object_first)
    if t.protocol == "htpa":
        return HtpaProtocol()
    if t.protocol == "ascii":
        return AsciiProtocol(t.regex) if t.regex else AsciiProtocol()
    raise ValueError(f"devices.thermometer.protocol = {t.protocol!r}: use modbus, gy906, htpa or ascii")


@dataclass
class DevicePlan:
    idcard_port: str | None
    idcard_baud: int
    thermometer_port: str | None
    thermometer_protocol: ThermoProtocol
    thermometer_baud: int
    demo: DemoDevices | None = None  # emulators started for unconfigured devices

    @property
    def emulated(self) -> bool:
        return self.demo is not None

    def stop(self) -> None:
        if self.demo is not None:
            self.demo.stop()
            self.demo = None


def plan_devices(devices: DeviceSettings, *, emulate_missing: bool | None = None) -> DevicePlan:
    emulate = devices.emulate_missing if emulate_missing is None else emulate_missing
    t = devices.thermometer
    protocol = thermo_protocol(t)
    plan = DevicePlan(
        devices.idcard.port or None,
        devices.idcard.baud,
        t.port or None,
        protocol,
        t.baud or protocol.default_baud,
    )
    need_reader = plan.idcard_port is None and emulate
    need_thermo = plan.thermometer_port is None and emulate
    if need_reader or need_thermo:
        demo = start_demo_devices(
            idcard=need_reader, thermometer=need_thermo, thermometer_protocol=t.protocol
        )
        if demo.thermometer is not None and isinstance(protocol, ModbusProtocol):
            demo.thermometer.address, demo.thermometer.register = protocol.address, protocol.register
            demo.thermometer.scale = protocol.scale
        if demo.thermometer is not None:
            demo.thermometer.object_first = t.object_first
        plan.demo = demo
        plan.idcard_port = plan.idcard_port or demo.idcard_port
        plan.thermometer_port = plan.thermometer_port or demo.thermometer_port
    return plan
