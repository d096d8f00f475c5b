"""Device I/O benchmark: a full ID-card read over a real pty, against the line's wire time.

    uv run python bench/devices/bench_devices.py [--reads N]

The emulator paces every byte at the baud rate (10 bits a byte), so the wire time
(bytes × 10 / baud, both directions, counted by the emulator) is the floor a real line would
impose. Target: full read ≤ 1.3 × wire time at 115200 baud. Also prints a Modbus thermometer
query at 9600 baud and the pure codec speed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from devices.idcard import codec
from devices.idcard.card import encode_read_data, parse_read_data
from devices.idcard.driver import IdCardReader
from devices.idcard.emulator import IdCardEmulator
from devices.idcard.samples import PROTOCOL_SAMPLE
from devices.thermo.codec import ModbusProtocol
from devices.thermo.driver import Thermometer
from devices.thermo.emulator import ThermoEmulator

TARGET = 1.3


def bench_card_reads(baud: int, reads: int, *, with_address: bool) -> tuple[float, float, int]:
    """Median seconds of find → select → read (→ appended address), its wire time, bytes."""
    with IdCardEmulator(PROTOCOL_SAMPLE, baud=baud) as emu, IdCardReader(emu.port, baud) as reader:
        reader.status()
        reader.read_card(with_address=with_address)  # warm-up
        times: list[float] = []
        wire_bytes = 0
        for _ in range(reads):
            before = emu.bytes_sent + emu.bytes_received
            t0 = time.perf_counter()
            card = reader.read_card(with_address=with_address)
            times.append(time.perf_counter() - t0)
            wire_bytes = emu.bytes_sent + emu.bytes_received - before
            assert card.id_number == PROTOCOL_SAMPLE.id_number
        return statistics.median(times), wire_bytes * 10 / baud, wire_bytes


def bench_modbus(reads: int) -> tuple[float, float]:
    with ThermoEmulator("modbus", value=36.5) as emu, Thermometer(emu.port, ModbusProtocol()) as thermo:
        thermo.read()
        times = []
        for _ in range(reads):
            t0 = time.perf_counter()
            thermo.read()
            times.append(time.perf_counter() - t0)
        return statistics.median(times), (8 + 7) * 10 / emu.baud


def bench_codec(n: int) -> float:
    frame = codec.build_response(0x90, encode_read_data(PROTOCOL_SAMPLE))
    t0 = time.perf_counter()
    for _ in range(n):
        parse_read_data(codec.decode_response(frame).data)
    return (time.perf_counter() - t0) / n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reads", type=int, default=20)
    args = ap.parse_args()

    ok = True
    print(f"{'case':44} {'median ms':>10} {'wire ms':>9} {'ratio':>7}")
    for baud, with_address in ((115200, False), (115200, True), (38400, False)):
        median, wire, nbytes = bench_card_reads(baud, args.reads, with_address=with_address)
        ratio = median / wire
        label = f"ID card find+select+read{'+addr' if with_address else ''} @{baud} ({nbytes} B)"
        print(f"{label:44} {median * 1000:10.1f} {wire * 1000:9.1f} {ratio:7.3f}")
        if baud == 115200 and not with_address:
            ok = ratio <= TARGET
    median, wire = bench_modbus(args.reads)
    print(f"{'Modbus FC03 query @9600 (15 B)':44} {median * 1000:10.1f} {wire * 1000:9.1f} {median / wire:7.3f}")
    per = bench_codec(2000)
    print(f"codec: decode+parse of a 1295-byte read reply: {per * 1e6:.1f} µs ({1 / per:,.0f}/s)")
    print(f"target: full card read at 115200 ≤ {TARGET} × wire time → {'met' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
