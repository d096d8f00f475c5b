"""Temperature scanners: codec vectors of PROTOCOLS.md §3, fuzzing, rules, drivers over ptys."""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.temperature import DEFAULT_FEVER_THRESHOLD, TempClass, check_threshold, classify
from devices.errors import DeviceDisconnected, DeviceTimeout
from devices.monitor import DeviceStatus, LinkState
from devices.thermo.codec import (
    AsciiProtocol,
    Gy906Protocol,
    HtpaProtocol,
    ModbusProtocol,
    TempReading,
    ThermoError,
    ThermoProtocol,
    gy906_frame,
    htpa_frame,
    make_protocol,
    modbus_crc16,
)
from devices.thermo.driver import Thermometer, ThermoMonitor
from devices.thermo.emulator import ThermoEmulator
from tests.devices.helpers import wait_until

H = bytes.fromhex


def values(items: list[TempReading | ThermoError]) -> list[float]:
    return [r.value for r in items if isinstance(r, TempReading)]


# --- Modbus -----------------------------------------------------------------------------------


def test_modbus_requests() -> None:
    assert ModbusProtocol().query() == H("01 03 00 00 00 01 84 0A")
    assert ModbusProtocol(function=4).query() == H("01 04 00 00 00 01 31 CA")
    assert modbus_crc16(H("01 03 00 00 00 01")) == 0x0A84


@pytest.mark.parametrize(
    ("reply", "function", "value", "raw"),
    [
        ("01 03 02 01 6D 78 39", 3, 36.5, 365),
        ("01 03 02 01 72 39 F1", 3, 37.0, 370),
        ("01 03 02 00 FA 38 07", 3, 25.0, 250),
        ("01 04 02 01 6D 79 4D", 4, 36.5, 365),
    ],
)
def test_modbus_reply_vectors(reply: str, function: int, value: float, raw: int) -> None:
    [reading] = ModbusProtocol(function=function).feed(H(reply))
    assert isinstance(reading, TempReading)
    assert (reading.value, reading.raw, reading.ambient, reading.protocol) == (value, raw, None, "modbus")


def test_modbus_scale_sign_noise_and_exceptions() -> None:
    p = ModbusProtocol(scale=0.01)
    frame = H("01 03 02 0E 42")
    frame += modbus_crc16(frame).to_bytes(2, "little")
    assert values(p.feed(b"\x01\x03\x00\x13" + frame)) == [36.5]  # echo-like noise skipped
    neg = H("01 03 02 FF 9C")  # -100
    neg += modbus_crc16(neg).to_bytes(2, "little")
    assert values(ModbusProtocol().feed(neg)) == [-10.0]
    assert values(ModbusProtocol(signed=False).feed(neg)) == [6543.6]
    exc = H("01 83 02")
    exc += modbus_crc16(exc).to_bytes(2, "little")
    [err] = ModbusProtocol().feed(exc)
    assert isinstance(err, ThermoError) and "寄存器地址无效" in err.message
    assert ModbusProtocol(address=2).feed(H("01 03 02 01 6D 78 39")) == []  # other slave
    assert ModbusProtocol().feed(H("01 03 02 01 6D 78 38")) == []  # bad CRC
    with pytest.raises(ValueError):
        ModbusProtocol(function=6)
    with pytest.raises(ValueError):
        ModbusProtocol(address=0)


# --- GY-MCU906, HTPA, ASCII -------------------------------------------------------------------


def test_gy906_vector_and_order_setting() -> None:
    vec = H("5A 5A 45 04 0E 42 09 CE 24")
    [r] = Gy906Protocol().feed(vec)
    assert isinstance(r, TempReading) and (r.value, r.ambient, r.raw) == (36.5, 25.1, 3650)
    [r] = Gy906Protocol(object_first=False).feed(vec)
    assert isinstance(r, TempReading) and (r.value, r.ambient) == (25.1, 36.5)
    assert gy906_frame(36.5, 25.1) == vec
    assert Gy906Protocol().query() == H("A5 15 BA")
    assert Gy906Protocol(stream=True).start_stream() == H("A5 45 EA")
    p = Gy906Protocol()
    assert values(p.feed(b"\x5a\x00" + vec[:4])) == [] and values(p.feed(vec[4:])) == [36.5]
    assert Gy906Protocol().feed(vec[:-1] + b"\x25") == []


def test_htpa_vectors() -> None:
    assert values(HtpaProtocol().feed(H("AA 55 06 24 07 30 AA 55 06 25 03 2D"))) == [36.7, 37.3]
    assert htpa_frame(36.7) == H("AA 55 06 24 07 30")
    assert HtpaProtocol().feed(H("AA 55 06 24 07 31")) == []


def test_ascii_lines_default_and_custom_regex() -> None:
    p = AsciiProtocol()
    got = p.feed("T=36.5C\r\nbody 37.20 ℃\nhello\r\n{36.8°C}38\n".encode())
    assert values(got) == [36.5, 37.2, 36.8, 38.0]
    assert next(r.raw for r in got if isinstance(r, TempReading)) == "T=36.5C"
    assert p.discarded == len("hello")
    p = AsciiProtocol(r"OBJ:(?P<t>\d+\.\d) AMB:(?P<a>\d+\.\d)")
    [r] = p.feed(b"OBJ:36.6 AMB:24.0\r\n")
    assert isinstance(r, TempReading) and (r.value, r.ambient) == (36.6, 24.0)
    assert values(AsciiProtocol(r"temp (\d+)").feed(b"temp 37\n")) == [37.0]
    with pytest.raises(ValueError, match="invalid regular expression"):
        AsciiProtocol("(")


@pytest.mark.parametrize(
    "line",
    [
        b"xx#37.5garbage\r\n",  # a number inside noise
        b"\x00\x1337.5C\r\n",  # control bytes before it
        b"T=36.\x0b5C\r\n",
        b"\xff\xfe37.5\r\n",  # not text in the device's encoding
        b"T=36.5C T=38.9C\r\n",  # two readings run together
        b"ERR 37.5 36.6\r\n",
        b"36.5C\x1b[2J\n",
        b"T=365C\n",
        "体温\u202e36.5\n".encode(),  # a bidi override is not printable text
    ],
)
def test_ascii_takes_no_reading_from_line_noise(line: bytes) -> None:
    p = AsciiProtocol()
    assert values(p.feed(line)) == [] and p.discarded == len(line.rstrip(b"\r\n"))


def test_ascii_needs_the_line_end() -> None:
    p = AsciiProtocol()
    assert values(p.feed(b"T=36.5C")) == []  # not yet a line
    assert values(p.feed("\r\n体温：36.8℃\r\n".encode())) == [36.5, 36.8]
    custom = AsciiProtocol(r"OBJ:(?P<t>\d+\.\d)")
    assert values(custom.feed(b"OBJ:36.6\r\nxOBJ:36.6\r\nOBJ:36.6 AMB:24.0\r\n")) == [36.6]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40), st.binary(max_size=40))
def test_ascii_a_reading_survives_only_as_a_whole_line(before: bytes, after: bytes) -> None:
    # One line, and no letters: those would make a legitimate label ("aT=36.5C").
    before = bytes(b for b in before if b not in b"\r\n}" and not chr(b).isalpha())
    got = values(AsciiProtocol().feed(b"\r\n" + before + b"T=36.5C\r\n" + after))
    clean = before.strip(b" \t").lstrip(b"{").strip(b" \t") == b""  # framing and blanks only
    assert (got[:1] == [36.5]) == clean


def _crc16_modbus(data: bytes) -> bytes:
    """CRC-16/MODBUS from its definition (poly 0xA001 reflected, init 0xFFFF), low byte first."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc.to_bytes(2, "little")


def test_make_protocol() -> None:
    """The options reach the protocol: it answers to its own address and function only."""
    p = make_protocol("modbus", address=3, function=4)
    assert isinstance(p, ModbusProtocol)
    assert p.query() == bytes.fromhex("03 04 00 00 00 01") + _crc16_modbus(bytes.fromhex("03 04 00 00 00 01"))
    mine = bytes.fromhex("03 04 02 01 6D")
    assert values(p.feed(mine + _crc16_modbus(mine))) == [36.5]
    for other in ("01 04 02 01 6D", "03 03 02 01 6D"):  # another address / function
        frame = bytes.fromhex(other)
        assert values(make_protocol("modbus", address=3, function=4).feed(frame + _crc16_modbus(frame))) == []
    hundredths = bytes.fromhex("01 04 02 0E 42")  # 3650 in 0.01 °C
    scaled = make_protocol("modbus", function=4, scale=0.01)
    assert values(scaled.feed(hundredths + _crc16_modbus(hundredths))) == [36.5]
    gy = make_protocol("gy906", object_first=False)
    assert isinstance(gy, Gy906Protocol)
    assert values(gy.feed(H("5A 5A 45 04 0E 42 09 CE 24"))) == [25.1]  # ambient word read as the body
    htpa = make_protocol("htpa")
    assert isinstance(htpa, HtpaProtocol) and values(htpa.feed(H("AA 55 06 24 07 30"))) == [36.7]
    text = make_protocol("ascii", pattern=r"BT(?P<value>\d+\.\d)")
    assert isinstance(text, AsciiProtocol) and values(text.feed(b"T=35.0\r\nBT36.6\r\n")) == [36.6]
    with pytest.raises(ValueError, match="unknown thermometer protocol"):
        make_protocol("irda")


PROTOCOL_FACTORIES: list[Callable[[], ThermoProtocol]] = [
    lambda: ModbusProtocol(),
    lambda: ModbusProtocol(function=4, scale=0.01),
    lambda: Gy906Protocol(),
    lambda: HtpaProtocol(),
    lambda: AsciiProtocol(),
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600), st.sampled_from(range(len(PROTOCOL_FACTORIES))))
def test_fuzz_random_bytes_never_crash(data: bytes, which: int) -> None:
    p: ThermoProtocol = PROTOCOL_FACTORIES[which]()
    for cut in (len(data) // 3, len(data)):
        for item in p.feed(data[:cut]):
            assert isinstance(item, TempReading | ThermoError)
            if isinstance(item, TempReading):
                assert math.isfinite(item.value)


# Each protocol with a good frame and the one reading it must give.
GOOD: list[tuple[Callable[[], ThermoProtocol], bytes, float]] = [
    (lambda: ModbusProtocol(), H("01 03 02 01 6D 78 39"), 36.5),
    (lambda: Gy906Protocol(), H("5A 5A 45 04 0E 42 09 CE 24"), 36.5),
    (lambda: HtpaProtocol(), H("AA 55 06 24 07 30"), 36.7),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(range(len(GOOD))), st.data())
def test_fuzz_single_bit_flip_or_truncation_never_gives_a_reading(which: int, data: st.DataObject) -> None:
    factory, frame, expected = GOOD[which]
    bit = data.draw(st.integers(0, len(frame) * 8 - 1))
    flipped = bytearray(frame)
    flipped[bit // 8] ^= 1 << (bit % 8)
    assert values(factory().feed(bytes(flipped))) == []
    cut = data.draw(st.integers(0, len(frame) - 1))
    assert values(factory().feed(frame[:cut])) == []
    noise = data.draw(st.binary(max_size=40))
    # after any noise the frame still gives its own reading, last (noise may hold a reading of its own)
    assert values(factory().feed(noise + frame))[-1:] == [expected]


# --- rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "threshold", "expected"),
    [
        (36.5, DEFAULT_FEVER_THRESHOLD, TempClass.NORMAL),
        (37.2, 37.3, TempClass.NORMAL),
        (373 * 0.1, 37.3, TempClass.FEVER),
        (37.3, 37.3, TempClass.FEVER),
        (37.4, 37.5, TempClass.NORMAL),
        (37.5, 37.5, TempClass.FEVER),
        (34.0, 37.3, TempClass.NORMAL),
        (33.9, 37.3, TempClass.REMEASURE),
        (42.0, 37.3, TempClass.FEVER),
        (42.1, 37.3, TempClass.REMEASURE),
        (25.0, 37.3, TempClass.REMEASURE),
        (float("nan"), 37.3, TempClass.REMEASURE),
    ],
)
def test_classify(value: float, threshold: float, expected: TempClass) -> None:
    assert classify(value, threshold) is expected


def test_labels_and_threshold_validation() -> None:
    assert TempClass.REMEASURE.label == "请重新测量"
    assert "发热" in TempClass.FEVER.label and TempClass.NORMAL.label == "体温正常"
    assert check_threshold(37.5) == 37.5
    with pytest.raises(ValueError, match="发热阈值"):
        classify(36.5, 30.0)


# --- drivers over ptys ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proto", "protocol"),
    [
        ("modbus", lambda: ModbusProtocol()),
        ("gy906", lambda: Gy906Protocol()),
        ("htpa", lambda: HtpaProtocol()),
        ("ascii", lambda: AsciiProtocol()),
    ],
)
def test_each_protocol_over_a_pty(proto: str, protocol: Callable[[], ThermoProtocol]) -> None:
    # Line noise before every reply; for the line protocol it is a garbled line of its own.
    noise = b"\x00\x13\r\n" if proto == "ascii" else b"\x00\x13"
    with ThermoEmulator(proto, values=[36.4, 37.6], interval=0.05, noise=noise) as emu:
        with Thermometer(emu.port, protocol()) as thermo:
            got = {thermo.read().value for _ in range(4)}
        assert got == {36.4, 37.6}


def test_modbus_function_4_and_exception_over_a_pty() -> None:
    with ThermoEmulator("modbus", value=37.0, scale=0.01) as emu:
        with Thermometer(emu.port, ModbusProtocol(function=4, scale=0.01)) as thermo:
            r = thermo.read()
            assert (r.value, r.raw) == (37.0, 3700)
            emu.exception_code = 4
            with pytest.raises(ThermoError, match="内部故障"):
                thermo.read()
        with (
            Thermometer(emu.port, ModbusProtocol(address=7), timeout=0.2) as thermo,
            pytest.raises(DeviceTimeout, match="无响应"),
        ):
            thermo.read()


def test_gy906_stream_mode_and_emit_on_demand() -> None:
    with (
        ThermoEmulator("gy906", value=36.9, interval=0.05) as emu,
        Thermometer(emu.port, Gy906Protocol(stream=True)) as th,
    ):
        assert th.read().value == 36.9  # A5 45 EA switched the emulator to streaming
    with (
        ThermoEmulator("htpa", streaming=False) as emu,
        Thermometer(emu.port, HtpaProtocol(), timeout=0.2) as th,
    ):
        with pytest.raises(DeviceTimeout):
            th.read()
        emu.emit(38.2)
        assert th.read(timeout=2).value == 38.2


def test_thermometer_port_missing(tmp_path: Path) -> None:
    with pytest.raises(DeviceDisconnected, match="无法打开测温仪端口"):
        Thermometer(str(tmp_path / "none"), HtpaProtocol()).open()


def test_thermo_monitor_readings_and_replug(tmp_path: Path) -> None:
    link = tmp_path / "ttyTHERMO"
    readings: queue.Queue[TempReading] = queue.Queue()
    statuses: list[DeviceStatus] = []
    emu = ThermoEmulator("modbus", value=36.6, link=link).start()
    mon = ThermoMonitor(
        str(link),
        ModbusProtocol(),
        on_reading=readings.put,
        on_status=statuses.append,
        poll_interval=0.05,
        timeout=1.0,
    )
    stop = threading.Event()
    t = threading.Thread(target=mon.run, args=(stop,))
    t.start()
    try:
        assert readings.get(timeout=10).value == 36.6
        emu.stop()
        wait_until(lambda: LinkState.DISCONNECTED in [s.state for s in statuses], what="disconnected")
        emu = ThermoEmulator("modbus", value=37.8, link=link).start()
        wait_until(lambda: mon.reconnects == 1, what="reconnected")
        while (r := readings.get(timeout=10)).value != 37.8:
            pass
        assert classify(r.value) is TempClass.FEVER
    finally:
        stop.set()
        t.join()
        emu.stop()
    assert statuses[-1].state is LinkState.STOPPED


def test_thermometer_over_tcp_transport() -> None:
    with (
        ThermoEmulator("modbus", value=36.9, transport="tcp") as emu,
        Thermometer(emu.port, ModbusProtocol()) as thermo,
    ):
        assert emu.port.startswith("socket://")
        assert thermo.read().value == 36.9


def test_monitor_waits_longer_for_streams_than_for_queries() -> None:
    # A module streaming once a second must not be called silent for a late frame.
    assert ThermoMonitor("x", HtpaProtocol()).thermometer.timeout == 3.0
    assert ThermoMonitor("x", Gy906Protocol(stream=True)).thermometer.timeout == 3.0
    assert ThermoMonitor("x", ModbusProtocol()).thermometer.timeout == 1.0
    assert ThermoMonitor("x", ModbusProtocol(), timeout=0.4).thermometer.timeout == 0.4
    assert ThermoMonitor("x", HtpaProtocol(), poll_interval=0.5).poll_interval == 0.0
