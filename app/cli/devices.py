"""Field-engineer commands: read a card, read a thermometer, find devices, run emulators.

    main.py idcard --port /dev/ttyUSB0 [--json] [--reveal]
    main.py thermometer --port COM4 --protocol modbus --count 5
    main.py devices [--port PATH ...]
    main.py emulate idcard|thermometer|scanner ...   (no hardware needed)

Cheap to import: everything device-related is imported inside the handlers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.cli.support import CliError, add_common_options, finite_float, seconds

if TYPE_CHECKING:
    from app.settings import DeviceSettings
    from devices.idcard.card import IdCard
    from devices.thermo.codec import TempReading, ThermoProtocol

DEVICE_FAILURE = 1  # exit code for an unavailable/misbehaving device (2 stays "usage mistake")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("idcard", help="read one ID card from a serial reader and print it")
    add_common_options(p)
    p.add_argument(
        "--port",
        help="serial port (COM3, /dev/ttyUSB0) or pyserial URL (default: devices.idcard.port in settings)",
    )
    p.add_argument("--baud", type=int, help="line speed (default: settings, else 115200)")
    p.add_argument(
        "--timeout", type=seconds, default=10.0, metavar="S", help="seconds to wait for a card (default 10)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--reveal", action="store_true", help="print the full ID number (masked by default)")
    p.add_argument("--no-address", action="store_true", help="skip the appended-address read (30 03)")
    p.add_argument("--photo", metavar="FILE", help="also save the raw WLT photo bytes to FILE")
    p.add_argument(
        "--module-id", action="store_true", help="only print the reader's SAM module id (no card needed)"
    )
    p.set_defaults(func=cmd_idcard)

    p = subparsers.add_parser("thermometer", help="print readings from a serial temperature scanner")
    add_common_options(p)
    p.add_argument(
        "--port", help="serial port or pyserial URL (default: devices.thermometer.port in settings)"
    )
    p.add_argument(
        "--protocol",
        choices=("modbus", "gy906", "htpa", "ascii"),
        help="default: the configured protocol with its configured options",
    )
    p.add_argument("--baud", type=int, help="line speed (default: 9600; htpa 115200; or the configured one)")
    p.add_argument(
        "--count", type=int, default=1, metavar="N", help="readings to print, 0 = until Ctrl-C (default 1)"
    )
    p.add_argument(
        "--interval", type=seconds, default=0.5, metavar="S", help="seconds between queries (default 0.5)"
    )
    p.add_argument(
        "--timeout", type=seconds, default=2.0, metavar="S", help="seconds to wait for a reading (default 2)"
    )
    p.add_argument(
        "--threshold", type=finite_float, default=37.3, help="fever threshold in °C (default 37.3)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per reading")
    g = p.add_argument_group("modbus")
    g.add_argument("--address", type=int, default=1, help="slave address (default 1)")
    g.add_argument("--register", type=int, default=0, help="register (default 0)")
    g.add_argument("--function", type=int, choices=(3, 4), default=3, help="function code (default 3)")
    g.add_argument(
        "--scale", type=finite_float, default=0.1, help="°C per count (default 0.1; some use 0.01)"
    )
    g.add_argument("--unsigned", action="store_true", help="register is unsigned")
    g = p.add_argument_group("gy906")
    g.add_argument("--ambient-first", action="store_true", help="first value is ambient, second object")
    g.add_argument("--stream", action="store_true", help="switch the module to streaming (A5 45 EA)")
    g = p.add_argument_group("ascii")
    g.add_argument(
        "--regex", help="regular expression; group 't' = temperature, optional group 'a' = ambient"
    )
    p.set_defaults(func=cmd_thermometer)

    p = subparsers.add_parser("devices", help="list serial ports and probe what answers on each")
    add_common_options(p)
    p.add_argument("--port", action="append", default=[], help="also probe this port/URL (repeatable)")
    p.add_argument("--no-probe", action="store_true", help="only list the ports")
    p.add_argument(
        "--given-only", action="store_true", help="skip the system's port list, probe only --port ones"
    )
    p.add_argument("--json", action="store_true", help="print a JSON array")
    p.set_defaults(func=cmd_devices)

    p = subparsers.add_parser("emulate", help="run an emulated device on a pseudo-terminal (until Ctrl-C)")
    add_common_options(p)
    esub = p.add_subparsers(dest="device", metavar="DEVICE", required=True)
    e = esub.add_parser("idcard", help="ID-card reader holding a fictional demo card")
    add_common_options(e)
    e.add_argument("--card", type=int, default=0, metavar="N", help="demo card number 0–4 (default 0)")
    e.add_argument("--empty", action="store_true", help="start with no card on the reader")
    e.add_argument(
        "--cycle", type=seconds, metavar="S", help="place and remove the demo cards every S seconds"
    )
    e.add_argument("--address", default="", help="appended address returned by 30 03")
    e.add_argument("--fragments", type=int, default=1, help="split every reply into N pieces")
    e.add_argument("--noise", default="", metavar="HEX", help="bytes sent before every reply, e.g. 00FF")
    _emulator_options(e, default_baud=115200)
    e.set_defaults(func=cmd_emulate_idcard)
    e = esub.add_parser("thermometer", help="temperature scanner")
    add_common_options(e)
    e.add_argument("--protocol", choices=("modbus", "gy906", "htpa", "ascii"), default="modbus")
    e.add_argument(
        "--value", type=finite_float, action="append", help="temperature(s) to report, cycled (repeatable)"
    )
    e.add_argument(
        "--interval", type=seconds, default=1.0, help="seconds between streamed readings (default 1)"
    )
    e.add_argument("--scale", type=finite_float, default=0.1, help="Modbus °C per count (default 0.1)")
    _emulator_options(e, default_baud=None)
    e.set_defaults(func=cmd_emulate_thermometer)
    e = esub.add_parser("scanner", help="barcode/QR scanner in serial mode (rating codes, booking codes)")
    add_common_options(e)
    e.add_argument(
        "--code", action="append", metavar="TEXT", help="what a scan reads, e.g. OW-RATE:ABCDEFGH (repeatable)"
    )
    e.add_argument("--every", type=seconds, default=5.0, help="seconds between scans, cycling the codes (default 5)")
    e.add_argument("--terminator", choices=("cr", "lf", "crlf"), default="cr", help="what ends a scan (default cr)")
    _emulator_options(e, default_baud=9600)
    e.set_defaults(func=cmd_emulate_scanner)


def _emulator_options(p: argparse.ArgumentParser, default_baud: int | None) -> None:
    p.add_argument("--baud", type=int, default=default_baud, help="paced line speed")
    p.add_argument("--link", metavar="PATH", help="also expose the port as this symlink (stable name)")
    p.add_argument(
        "--duration", type=seconds, metavar="S", help="stop after S seconds instead of waiting for Ctrl-C"
    )


# --- settings fallback ------------------------------------------------------------------------------


def _device_settings(args: argparse.Namespace) -> tuple[DeviceSettings, str]:
    from app.cli.support import config_path_arg
    from app.settings import SettingsError, load_settings

    try:
        settings = load_settings(config_path_arg(args))
    except SettingsError as exc:
        raise CliError(str(exc)) from exc
    return settings.devices, settings.source or "the default settings"


# --- idcard ---------------------------------------------------------------------------------------


def _card_lines(card: IdCard, reveal: bool) -> list[str]:
    d = card.to_dict(reveal=reveal)
    labels = {
        "card_type_label": "证件类型",
        "name": "姓名",
        "english_name": "英文姓名",
        "chinese_name": "中文姓名",
        "sex": "性别",
        "nation": "民族",
        "nationality": "国籍",
        "birth_date": "出生日期",
        "address": "住址",
        "appended_address": "追加住址",
        "id_number": "证件号码",
        "pass_number": "通行证号码",
        "issue_count": "签发次数",
        "renewal_count": "换证次数",
        "card_version": "证件版本",
        "authority_code": "受理机关代码",
        "issuing_authority": "签发机关",
        "valid_from": "有效期起",
        "valid_to": "有效期止",
        "photo_bytes": "照片(WLT)字节",
    }
    return [f"{label}: {d[key]}" for key, label in labels.items() if key in d and d[key] != ""]


def cmd_idcard(args: argparse.Namespace) -> int:
    from devices.errors import DeviceDisconnected, DeviceError, DeviceTimeout, FrameError
    from devices.idcard.card import CardDataError
    from devices.idcard.codec import NoCardError, StatusError
    from devices.idcard.driver import IdCardReader

    if args.timeout <= 0:
        raise CliError("--timeout must be positive")
    if args.port is None or args.baud is None:
        configured, source = _device_settings(args)
        args.port = args.port or configured.idcard.port
        args.baud = args.baud or configured.idcard.baud
        if not args.port:
            raise CliError(f"no --port given and devices.idcard.port is not set in {source}")
    try:
        with IdCardReader(args.port, args.baud) as reader:
            try:
                reader.status()
            except DeviceTimeout as exc:
                raise CliError(
                    f"no ID-card reader answers on {args.port} at {args.baud} baud (check port and baud)",
                    DEVICE_FAILURE,
                ) from exc
            if args.module_id:
                sam = reader.module_id()
                print(json.dumps({"module_id": sam}) if args.json else sam)
                return 0
            card = reader.wait_for_card(args.timeout, with_address=not args.no_address)
    except NoCardError as exc:
        raise CliError(f"no card on the reader within {args.timeout:g} s", DEVICE_FAILURE) from exc
    except DeviceDisconnected as exc:
        raise CliError(
            f"reader unavailable on {args.port}: {exc.detail or exc.message}", DEVICE_FAILURE
        ) from exc
    except DeviceTimeout as exc:
        raise CliError(f"reader timed out: {exc} — place the card again", DEVICE_FAILURE) from exc
    except (FrameError, CardDataError) as exc:
        raise CliError(f"corrupt data from the reader, card refused: {exc}", DEVICE_FAILURE) from exc
    except StatusError as exc:
        raise CliError(f"reader reported an error: {exc}", DEVICE_FAILURE) from exc
    except DeviceError as exc:
        raise CliError(f"reader error: {exc}", DEVICE_FAILURE) from exc
    if args.reveal or args.photo:
        _audit_reveal(args, card)
    if args.photo:
        try:
            with open(args.photo, "wb") as fh:
                fh.write(card.photo)
        except OSError as exc:
            raise CliError(f"cannot write the photo to {args.photo}: {exc.strerror}") from exc
    validity = card.validity(dt.date.today())
    if args.json:
        print(
            json.dumps(
                {**card.to_dict(reveal=args.reveal), "validity": validity.reason or "有效"},
                ensure_ascii=False,
            )
        )
    else:
        print("\n".join(_card_lines(card, args.reveal)))
        if not validity:
            print(f"注意: {validity.reason}")
    return 0


def _audit_reveal(args: argparse.Namespace, card: IdCard) -> None:
    """--reveal and --photo show what the masked output hides: audited first, or refused."""
    from app.cli.staff import audit_cli_access

    masked = card.to_dict(reveal=False)
    number = str(masked.get("id_number") or masked.get("pass_number") or "")
    what = " ".join(flag for flag, on in (("--reveal", args.reveal), ("--photo", bool(args.photo))) if on)
    audit_cli_access(args, "idcard.reveal", "idcard", number[:64], f"idcard {what} {number}")


# --- thermometer ------------------------------------------------------------------------------------


def _protocol_from_args(args: argparse.Namespace) -> ThermoProtocol:
    from devices.thermo.codec import AsciiProtocol, Gy906Protocol, HtpaProtocol, ModbusProtocol

    try:
        if args.protocol == "modbus":
            if args.scale <= 0:
                raise ValueError("--scale must be positive")
            return ModbusProtocol(
                args.address,
                args.register,
                function=args.function,
                scale=args.scale,
                signed=not args.unsigned,
            )
        if args.protocol == "gy906":
            return Gy906Protocol(object_first=not args.ambient_first, stream=args.stream)
        if args.protocol == "htpa":
            return HtpaProtocol()
        return AsciiProtocol(args.regex) if args.regex else AsciiProtocol()
    except ValueError as exc:
        raise CliError(str(exc)) from exc


def _reading_line(r: TempReading, threshold: float, as_json: bool) -> str:
    from app.temperature import classify

    cls = classify(r.value, threshold)
    if as_json:
        return json.dumps({**r.to_dict(), "class": cls.value, "label": cls.label}, ensure_ascii=False)
    ambient = f"  ambient {r.ambient:.2f} °C" if r.ambient is not None else ""
    return f"{r.value:.2f} °C  {cls.label}  (raw {r.raw!r}){ambient}"


def cmd_thermometer(args: argparse.Namespace) -> int:
    from app.temperature import check_threshold
    from devices.errors import DeviceDisconnected, DeviceError, DeviceTimeout
    from devices.thermo.driver import Thermometer

    try:
        check_threshold(args.threshold)
    except ValueError as exc:
        raise CliError(f"--threshold {args.threshold}: must be within 34–42 °C") from exc
    if args.count < 0:
        raise CliError("--count must be 0 (endless) or more")
    if args.port is None or args.protocol is None:
        from devices.config import thermo_protocol

        configured, source = _device_settings(args)
        args.port = args.port or configured.thermometer.port
        if not args.port:
            raise CliError(f"no --port given and devices.thermometer.port is not set in {source}")
        if args.protocol is None:
            try:
                protocol = thermo_protocol(configured.thermometer)
            except ValueError as exc:
                raise CliError(str(exc)) from exc
            args.baud = args.baud or configured.thermometer.baud
    if args.protocol is not None:
        protocol = _protocol_from_args(args)
    printed = 0
    try:
        with Thermometer(args.port, protocol, args.baud, timeout=args.timeout) as thermo:
            while args.count == 0 or printed < args.count:
                print(_reading_line(thermo.read(), args.threshold, args.json), flush=True)
                printed += 1
                if (args.count == 0 or printed < args.count) and protocol.query() is not None:
                    time.sleep(args.interval)
    except DeviceDisconnected as exc:
        raise CliError(
            f"thermometer unavailable on {args.port}: {exc.detail or exc.message}", DEVICE_FAILURE
        ) from exc
    except DeviceTimeout as exc:
        raise CliError(
            f"no reading from {args.port} within {args.timeout:g} s (check port, baud, protocol options)",
            DEVICE_FAILURE,
        ) from exc
    except DeviceError as exc:
        raise CliError(f"thermometer error: {exc}", DEVICE_FAILURE) from exc
    return 0


# --- devices ----------------------------------------------------------------------------------------


def cmd_devices(args: argparse.Namespace) -> int:
    from devices.ports import PortInfo, list_ports, probe_port

    ports = [] if args.given_only else list_ports()
    known = {p.device for p in ports}
    ports += [PortInfo(p, "given on the command line") for p in args.port if p not in known]
    rows = []
    for info in ports:
        result = None if args.no_probe else probe_port(info.device)
        rows.append(
            {
                "port": info.device,
                "description": info.description,
                "hwid": info.hwid,
                "kind": result.kind if result else "",
                "protocol": result.protocol if result else "",
                "baud": result.baud if result else 0,
                "detail": result.describe() if result else "",
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    elif not rows:
        print("no serial ports found (give emulator or URL ports with --port)")
    else:
        for row in rows:
            line = f"{row['port']}  {row['description']}".rstrip()
            print(line + (f"\n    → {row['detail']}" if row["detail"] else ""))
    return 0


# --- emulate ----------------------------------------------------------------------------------------


def _serve(
    stop: Callable[[], None], announce: str, duration: float | None, tick: Callable[[], None] | None = None
) -> int:
    print(announce, flush=True)
    deadline = None if duration is None else time.monotonic() + duration
    try:
        while deadline is None or time.monotonic() < deadline:
            if tick is not None:
                tick()
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
    return 0


def cmd_emulate_idcard(args: argparse.Namespace) -> int:
    from devices.emulators import demo_cards
    from devices.idcard.emulator import IdCardEmulator

    cards = demo_cards()  # the demo cards, valid today

    if not 0 <= args.card < len(cards):
        raise CliError(f"--card must be 0–{len(cards) - 1}")
    try:
        noise = bytes.fromhex(args.noise)
    except ValueError as exc:
        raise CliError(f"--noise {args.noise!r} is not hex bytes") from exc
    if args.baud <= 0:
        raise CliError("--baud must be positive")
    card = None if args.empty or args.cycle else cards[args.card]
    try:
        emu = IdCardEmulator(
            card,
            baud=args.baud,
            link=args.link,
            fragments=args.fragments,
            noise=noise,
            appended_address=args.address,
        ).start()
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot start the emulator: {exc}") from None
    next_at = time.monotonic()
    placed = 0

    def cycle() -> None:
        nonlocal next_at, placed
        if args.cycle and time.monotonic() >= next_at:
            next_at = time.monotonic() + args.cycle
            if emu.card is None:
                emu.place(cards[placed % len(cards)])
                placed += 1
            else:
                emu.remove()

    what = "cycling demo cards" if args.cycle else (f"card: {card.name}" if card else "no card")
    return _serve(
        emu.stop,
        f"idcard emulator on {emu.port} ({args.baud} baud, {what}) — Ctrl-C to stop",
        args.duration,
        cycle,
    )


def cmd_emulate_thermometer(args: argparse.Namespace) -> int:
    from devices.thermo.emulator import ThermoEmulator

    if args.baud is not None and args.baud <= 0:
        raise CliError("--baud must be positive")
    values = args.value or [36.5]
    try:
        emu = ThermoEmulator(
            args.protocol,
            values=values,
            baud=args.baud,
            link=args.link,
            interval=args.interval,
            scale=args.scale,
        ).start()
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot start the emulator: {exc}") from None
    return _serve(
        emu.stop,
        f"thermometer emulator ({args.protocol}) on {emu.port} ({emu.baud} baud) — Ctrl-C to stop",
        args.duration,
    )


def cmd_emulate_scanner(args: argparse.Namespace) -> int:
    from devices.scanner.emulator import ScannerEmulator

    if args.baud <= 0:
        raise CliError("--baud must be positive")
    codes = args.code or []
    if any(not c.strip() or "\r" in c or "\n" in c for c in codes):
        raise CliError("--code must be one line of text")
    try:
        emu = ScannerEmulator(baud=args.baud, terminator=args.terminator, link=args.link).start()
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot start the emulator: {exc}") from None
    next_at = time.monotonic() + args.every
    sent = 0

    def scan() -> None:
        nonlocal next_at, sent
        if codes and time.monotonic() >= next_at:
            next_at = time.monotonic() + args.every
            emu.scan(codes[sent % len(codes)])
            sent += 1

    what = f"{len(codes)} code(s) every {args.every:g} s" if codes else "no codes (--code TEXT)"
    return _serve(
        emu.stop,
        f"scanner emulator on {emu.port} ({args.baud} baud, {what}) — Ctrl-C to stop",
        args.duration,
        scan,
    )


if __name__ == "__main__":  # pragma: no cover - convenience: python -m app.cli.devices …
    parser = argparse.ArgumentParser(prog="devices")
    register(parser.add_subparsers(dest="command", required=True))
    ns = parser.parse_args()
    try:
        sys.exit(ns.func(ns))
    except CliError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(err.exit_code)
