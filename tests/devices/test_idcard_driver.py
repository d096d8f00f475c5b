"""ID-card driver and monitor against the emulator over real pseudo-terminals."""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serial
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.errors import DeviceDisconnected, DeviceError, DeviceTimeout, FrameError
from devices.idcard import codec
from devices.idcard.card import IdCard
from devices.idcard.driver import IdCardReader
from devices.idcard.emulator import IdCardEmulator
from devices.idcard.monitor import IdCardMonitor
from devices.idcard.samples import DEMO_CARDS, HKMOTW_PERMIT, PROTOCOL_SAMPLE, RESIDENT_LONG_TERM
from devices.monitor import DeviceStatus, LinkState
from tests.devices.helpers import wait_until


@pytest.fixture
def emu() -> Iterator[IdCardEmulator]:
    with IdCardEmulator(PROTOCOL_SAMPLE) as e:
        yield e


@pytest.fixture
def reader(emu: IdCardEmulator) -> Iterator[IdCardReader]:
    # Generous timeouts: replies take milliseconds, but a loaded CI machine must not flake.
    with IdCardReader(emu.port, command_timeout=1.0, read_timeout=2.0) as r:
        yield r


def short_timeouts(emu: IdCardEmulator) -> IdCardReader:
    """A second reader handle for calls that are expected to time out (keeps tests quick)."""
    return IdCardReader(emu.port, command_timeout=0.3, read_timeout=0.5)


def test_status_module_id_and_read(emu: IdCardEmulator, reader: IdCardReader) -> None:
    reader.status()
    reader.reset()
    assert reader.module_id() == "05.01-20140702-0001234567-0987654321"
    card = reader.read_card()
    assert card == PROTOCOL_SAMPLE  # no appended address: 91 is not an error
    assert emu.commands[codec.CMD_READ_ADDRESS] == 1


@pytest.mark.parametrize("card", DEMO_CARDS, ids=lambda c: c.card_type.value + ":" + c.name)
def test_every_card_type_over_the_line(emu: IdCardEmulator, reader: IdCardReader, card: IdCard) -> None:
    emu.place(card, appended_address="示例区新址路3号")
    got = reader.read_card()
    assert got == dataclasses.replace(card, appended_address="示例区新址路3号")


def test_fragments_with_delays_and_noise(emu: IdCardEmulator, reader: IdCardReader) -> None:
    emu.fragments = 7
    emu.fragment_gap = 0.02
    emu.noise = b"\x00\xaa\xaa\x13\x96\x69\xff"
    emu.place(RESIDENT_LONG_TERM)
    for _ in range(2):
        assert reader.read_card(with_address=False) == RESIDENT_LONG_TERM


@pytest.mark.parametrize("false_len", [b"\x00\x09", b"\x08\x00"])
def test_noise_that_looks_like_a_frame_header(
    emu: IdCardEmulator, reader: IdCardReader, false_len: bytes
) -> None:
    # a false header whose "frame" swallows the reply: short (checksum fails, search inside it)
    # or long (the line goes quiet first, then we resync on the next preamble)
    emu.noise = codec.PREAMBLE + false_len + b"\x01"
    reader.status()
    assert reader.find() is True
    assert reader.read_card() == PROTOCOL_SAMPLE


@pytest.mark.parametrize(
    ("command", "sw3", "call", "message"),
    [
        (codec.CMD_STATUS, 0x60, "status", "自检失败"),
        (codec.CMD_SELECT, 0x81, "read_card", "选卡失败"),
        (codec.CMD_READ, 0x41, "read_card", "读卡失败"),
        (codec.CMD_READ, 0x33, "read_card", "验证错误"),
        (codec.CMD_FIND, 0x24, "find", "未知错误"),
    ],
)
def test_injected_status_errors(
    emu: IdCardEmulator, reader: IdCardReader, command: tuple[int, int], sw3: int, call: str, message: str
) -> None:
    emu.inject_status(sw3, command)
    with pytest.raises(codec.StatusError, match=message) as info:
        getattr(reader, call)()
    assert info.value.sw3 == sw3
    assert reader.read_card() == PROTOCOL_SAMPLE  # the next attempt works


def test_corrupt_reply_is_refused(emu: IdCardEmulator, reader: IdCardReader) -> None:
    emu.corrupt_next(codec.CMD_READ)
    with pytest.raises(FrameError, match="校验和"):
        reader.read_card()
    assert reader.read_card() == PROTOCOL_SAMPLE


def test_silent_reader_times_out(emu: IdCardEmulator, reader: IdCardReader) -> None:
    emu.ignore_next(codec.CMD_STATUS)
    reader.close()
    with short_timeouts(emu) as quick, pytest.raises(DeviceTimeout, match="无响应"):
        quick.status()
    reader.open().status()


def test_card_removed_mid_read(emu: IdCardEmulator, reader: IdCardReader) -> None:
    emu.remove_during_read(after_bytes=500)
    reader.close()
    with short_timeouts(emu) as quick, pytest.raises(DeviceTimeout, match="读卡超时") as info:
        quick.read_card()
    assert "bytes then silence" in info.value.detail
    reader.open()
    assert reader.find() is False
    with pytest.raises(codec.NoCardError, match="没有证件"):
        reader.read_card()


def test_wait_for_card_without_card(emu: IdCardEmulator, reader: IdCardReader) -> None:
    emu.remove()
    with pytest.raises(codec.NoCardError):
        reader.wait_for_card(0.3, poll_interval=0.05)
    emu.place(HKMOTW_PERMIT)
    assert reader.wait_for_card(1.0).card_type.value == "hkmotw_permit"


def test_read_without_select_is_refused_by_emulator(emu: IdCardEmulator, reader: IdCardReader) -> None:
    with pytest.raises(codec.StatusError, match="读卡失败"):
        reader.read_selected()


def test_missing_port_and_vanishing_port(tmp_path: Path) -> None:
    with pytest.raises(DeviceDisconnected, match="无法打开读卡器端口"):
        IdCardReader(str(tmp_path / "nothing")).open()
    emu = IdCardEmulator(PROTOCOL_SAMPLE).start()
    reader = IdCardReader(emu.port, command_timeout=1.0).open()
    try:
        reader.status()
        emu.stop()
        with pytest.raises(DeviceDisconnected, match="连接已断开"):
            reader.status()
    finally:
        reader.close()
        emu.stop()


# --- monitor: edge detection and reconnect ---------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.cards: queue.Queue[IdCard] = queue.Queue()
        self.statuses: list[DeviceStatus] = []
        self.errors: list[DeviceError] = []

    def states(self) -> list[LinkState]:
        return [s.state for s in self.statuses]


StartMonitor = Callable[..., IdCardMonitor]


@pytest.fixture
def run_monitor() -> Iterator[StartMonitor]:
    threads: list[tuple[threading.Thread, threading.Event]] = []

    def start(port: str, rec: Recorder, command_timeout: float = 1.0) -> IdCardMonitor:
        mon = IdCardMonitor(
            port,
            on_card=rec.cards.put,
            on_status=rec.statuses.append,
            on_error=rec.errors.append,
            poll_interval=0.05,
            retry_interval=1.0,
            command_timeout=command_timeout,
            read_timeout=1.0,
        )
        stop = threading.Event()
        t = threading.Thread(target=mon.run, args=(stop,))
        t.start()
        threads.append((t, stop))
        return mon

    yield start
    for t, stop in threads:
        stop.set()
        t.join()


def test_monitor_reads_each_placed_card_once(run_monitor: StartMonitor) -> None:
    rec = Recorder()
    with IdCardEmulator(None) as emu:
        mon = run_monitor(emu.port, rec)
        wait_until(lambda: LinkState.CONNECTED in rec.states(), what="connected")
        emu.place(PROTOCOL_SAMPLE)
        assert rec.cards.get(timeout=10) == PROTOCOL_SAMPLE
        # the card stays on the reader for many polls: never read again
        finds = emu.commands[codec.CMD_FIND]
        wait_until(lambda: emu.commands[codec.CMD_FIND] >= finds + 5, what="more polls")
        assert rec.cards.empty()
        assert emu.commands[codec.CMD_READ] == 1
        emu.remove()
        wait_until(lambda: emu.commands[codec.CMD_FIND] >= finds + 8, what="polls while empty")
        emu.place(RESIDENT_LONG_TERM)
        assert rec.cards.get(timeout=10) == RESIDENT_LONG_TERM
        assert mon.reconnects == 0 and rec.errors == []


def test_monitor_card_removed_mid_read_then_replaced(run_monitor: StartMonitor) -> None:
    rec = Recorder()
    with IdCardEmulator(None) as emu:
        run_monitor(emu.port, rec)
        wait_until(lambda: LinkState.CONNECTED in rec.states(), what="connected")
        emu.remove_during_read(after_bytes=400)
        emu.place(PROTOCOL_SAMPLE)
        wait_until(lambda: bool(rec.errors), what="read error")
        assert "读卡超时" in rec.errors[0].message
        assert rec.cards.empty()
        emu.place(PROTOCOL_SAMPLE)
        assert rec.cards.get(timeout=10) == PROTOCOL_SAMPLE
        assert rec.states().count(LinkState.DISCONNECTED) == 0


def test_monitor_gives_up_after_repeated_failures_until_card_replaced(run_monitor: StartMonitor) -> None:
    rec = Recorder()
    with IdCardEmulator(None) as emu:
        run_monitor(emu.port, rec)
        wait_until(lambda: LinkState.CONNECTED in rec.states(), what="connected")
        emu.inject_status(0x41, codec.CMD_READ, count=10)
        emu.place(PROTOCOL_SAMPLE)
        wait_until(lambda: len(rec.errors) >= 3, what="three failures")
        finds = emu.commands[codec.CMD_FIND]
        wait_until(lambda: emu.commands[codec.CMD_FIND] >= finds + 5, what="more polls")
        assert emu.commands[codec.CMD_READ] == 3  # no fourth attempt on the same placement
        assert all("读卡失败" in e.message for e in rec.errors)
        emu.remove()
        wait_until(lambda: emu.commands[codec.CMD_FIND] >= finds + 8, what="polls while empty")
        emu.clear_faults()
        emu.place(PROTOCOL_SAMPLE)
        assert rec.cards.get(timeout=10) == PROTOCOL_SAMPLE


def test_monitor_survives_port_vanishing_and_recovers(tmp_path: Path, run_monitor: StartMonitor) -> None:
    link = tmp_path / "ttyIDCARD"
    rec = Recorder()
    emu = IdCardEmulator(PROTOCOL_SAMPLE, link=link).start()
    try:
        mon = run_monitor(str(link), rec)
        assert rec.cards.get(timeout=10) == PROTOCOL_SAMPLE
        first_pty = emu.slave_name
        emu.stop()  # unplugged: the pty closes and the link disappears
        assert not link.exists()
        wait_until(lambda: LinkState.DISCONNECTED in rec.states(), what="disconnected")
        down_at = mon.open_attempts
        wait_until(lambda: mon.open_attempts >= down_at + 2, what="retries while unplugged")
        assert "每秒自动重试" in [s for s in rec.statuses if s.state is LinkState.DISCONNECTED][-1].message
        # the failed retries are reported once, not every second
        assert rec.states().count(LinkState.DISCONNECTED) <= 2
        emu = IdCardEmulator(RESIDENT_LONG_TERM, link=link).start()  # plugged back (another pty)
        assert rec.cards.get(timeout=10) == RESIDENT_LONG_TERM
        assert rec.states()[-1] is LinkState.CONNECTED
        assert mon.reconnects == 1
        assert first_pty  # the link is what the monitor follows, whatever the pty number
    finally:
        emu.stop()


def test_monitor_waits_for_a_port_that_does_not_exist_yet(tmp_path: Path, run_monitor: StartMonitor) -> None:
    link = tmp_path / "ttyLATE"
    rec = Recorder()
    mon = run_monitor(str(link), rec)
    wait_until(lambda: mon.open_attempts >= 2, what="retries")
    assert rec.states() == [LinkState.CONNECTING, LinkState.DISCONNECTED]
    assert "无法打开读卡器端口" in rec.statuses[-1].message
    with IdCardEmulator(HKMOTW_PERMIT, link=link):
        assert rec.cards.get(timeout=10) == HKMOTW_PERMIT


def test_monitor_treats_a_silent_reader_as_disconnected(run_monitor: StartMonitor) -> None:
    rec = Recorder()
    with IdCardEmulator(None) as emu:
        mon = run_monitor(emu.port, rec, 0.3)
        wait_until(lambda: LinkState.CONNECTED in rec.states(), what="connected")
        emu.silent = True
        wait_until(lambda: LinkState.DISCONNECTED in rec.states(), what="disconnected")
        assert "无响应" in rec.statuses[-1].message
        emu.silent = False
        wait_until(lambda: mon.reconnects == 1, what="reconnected")
        emu.place(PROTOCOL_SAMPLE)
        assert rec.cards.get(timeout=10) == PROTOCOL_SAMPLE


# --- the socket:// transport (Windows demo hall, or anywhere without ptys) ------------------


def test_tcp_transport_reads_cards_and_reports_loss() -> None:
    emu = IdCardEmulator(HKMOTW_PERMIT, transport="tcp").start()
    try:
        assert emu.port.startswith("socket://127.0.0.1:")
        with IdCardReader(emu.port, command_timeout=1.0) as reader:
            reader.status()
            assert reader.read_card() == HKMOTW_PERMIT
            emu.fragments, emu.noise = 5, b"\x00\xaa"
            assert reader.read_card() == HKMOTW_PERMIT
            emu.stop()
            with pytest.raises(DeviceDisconnected):
                reader.status()
    finally:
        emu.stop()
    with pytest.raises(ValueError, match="pty transport"):
        IdCardEmulator(None, transport="tcp", link="/tmp/x")


def test_monitor_reconnects_over_tcp(run_monitor: StartMonitor) -> None:
    rec = Recorder()
    emu = IdCardEmulator(PROTOCOL_SAMPLE, transport="tcp").start()
    port, tcp_port = emu.port, emu.tcp_port
    try:
        mon = run_monitor(port, rec)
        assert rec.cards.get(timeout=10) == PROTOCOL_SAMPLE
        emu.stop()
        wait_until(lambda: LinkState.DISCONNECTED in rec.states(), what="disconnected")
        emu = IdCardEmulator(RESIDENT_LONG_TERM, transport="tcp", tcp_port=tcp_port).start()
        assert rec.cards.get(timeout=10) == RESIDENT_LONG_TERM
        assert mon.reconnects == 1
    finally:
        emu.stop()


def test_emulator_answers_like_a_module(emu: IdCardEmulator, reader: IdCardReader) -> None:
    assert reader.transact(0x99, 0x01).sw3 == 0x21  # unknown command
    reader.set_rf_frame_size(80)
    assert emu.commands[codec.CMD_SET_RF_FRAME] == 1
    assert reader.transact(0x60, 0x00).sw3 == codec.SW3_OK  # baud switch acknowledged
    # a command with a broken checksum gets the module's "checksum error" reply
    reader.close()
    with serial.Serial(emu.port, 115200, timeout=1.0) as raw:
        raw.write(bytes.fromhex("AA AA AA 96 69 00 03 11 FF EE"))
        assert raw.read(11) == bytes.fromhex("AA AA AA 96 69 00 04 00 00 10 14")


class RecordingEvent(threading.Event):
    """A stop event that records how long the monitor asks to wait (no clock assertions)."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        return super().wait(timeout)


def test_retries_are_spaced_by_the_retry_interval(tmp_path: Path) -> None:
    statuses: list[DeviceStatus] = []
    mon = IdCardMonitor(str(tmp_path / "ttyGONE"), on_status=statuses.append)  # defaults: retry every 1 s
    stop = RecordingEvent()
    t = threading.Thread(target=mon.run, args=(stop,))
    t.start()
    try:
        wait_until(lambda: mon.open_attempts >= 2, what="two attempts")
    finally:
        stop.set()
        t.join()
    assert stop.waits and set(stop.waits) == {1.0}
    assert [s.state for s in statuses] == [LinkState.CONNECTING, LinkState.DISCONNECTED, LinkState.STOPPED]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    fragments=st.integers(min_value=1, max_value=40),
    gap=st.sampled_from([0.0, 0.001, 0.01]),
    noise=st.binary(max_size=24),
)
def test_fuzz_fragmented_noisy_line(
    emu: IdCardEmulator, reader: IdCardReader, fragments: int, gap: float, noise: bytes
) -> None:
    emu.fragments, emu.fragment_gap, emu.noise = fragments, gap, noise
    assert reader.read_card(with_address=False) == PROTOCOL_SAMPLE


# --- hostile card text and validity -------------------------------------------------------------

HOSTILE = dataclasses.replace(
    RESIDENT_LONG_TERM,
    name="张\x1b[2J三\u202e",
    address="北京市\x07东城区\x9b31m景山\u200b前街\u2028四号",
    issuing_authority="东城\x1b]0;x\x07分局",
)


def test_control_characters_are_stripped_from_every_text_field(emu: IdCardEmulator, reader: IdCardReader) -> None:
    emu.place(HOSTILE, appended_address="新址\x1b[1;1H路\u202d3号")
    card = reader.read_card()
    assert card.name == "张[2J三"  # the escape byte is gone, so the rest is inert text
    assert card.address == "北京市东城区31m景山前街四号"
    assert card.issuing_authority == "东城]0;x分局"
    assert card.appended_address == "新址[1;1H路3号"
    for value in card.to_dict(reveal=True).values():
        assert all(c.isprintable() for c in str(value)), value


def test_card_validity_window() -> None:
    import datetime as dt

    from devices.idcard.samples import HKMOTW_PERMIT as expired_sample

    card = dataclasses.replace(RESIDENT_LONG_TERM, valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2030, 1, 1))
    assert card.validity(dt.date(2030, 1, 1))
    assert "已过有效期" in card.validity(dt.date(2030, 1, 2)).reason
    assert "尚未生效" in card.validity(dt.date(2019, 12, 31)).reason
    assert RESIDENT_LONG_TERM.validity(dt.date(2099, 1, 1))  # 长期
    assert not expired_sample.validity(dt.date(2026, 12, 7))
