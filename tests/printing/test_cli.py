"""`main.py print samples|ticket`, run through the same parser wiring as main.py."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import main
from app.cli.printing import SAMPLE_FILES
from printing.emulator import EscPosEmulator


def run(argv: list[str]) -> int:
    return main.main(argv)


def test_samples_writes_every_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "samples"
    assert run(["print", "samples", str(out)]) == 0
    for name in SAMPLE_FILES:
        data = (out / name).read_bytes()
        assert data.startswith(b"%PDF-") and len(data) > 5000, name
    assert capsys.readouterr().out.count(".pdf") == len(SAMPLE_FILES)


def test_samples_bad_template_and_bad_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["print", "samples", str(tmp_path), "--qr-template", "{oops}"]) == 2
    assert "bad --qr-template" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert run(["print", "samples", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot create directory") and "Traceback" not in err


def test_ticket_prints_on_the_emulator(capsys: pytest.CaptureFixture[str]) -> None:
    with EscPosEmulator() as emu:
        rc = run(["print", "ticket", "--port", emu.port, "--width", "58", "--number", "C007", "--waiting", "3",
                  "--qr", "https://example.gov.cn/q?t=C007", "--site", "测试中心"])
        assert rc == 0
        [printed] = emu.wait_for_tickets(1)
    assert [line.text for line in printed.lines[:3]] == ["测试中心", "综合业务", "C007"]
    assert printed.qr_payloads == ["https://example.gov.cn/q?t=C007"]
    assert "ticket C007 printed" in capsys.readouterr().out


def test_ticket_raster_mode(capsys: pytest.CaptureFixture[str]) -> None:
    with EscPosEmulator() as emu:
        assert run(["print", "ticket", "--port", emu.port, "--raster"]) == 0
        [printed] = emu.wait_for_tickets(1)
    assert printed.images and printed.images[0].width == 576


@pytest.mark.parametrize(("paper", "responding", "message"), [("out", True, "打印机缺纸"), ("ok", False, "打印机无响应")])
def test_ticket_errors_are_one_clear_line(
    capsys: pytest.CaptureFixture[str], paper: str, responding: bool, message: str
) -> None:
    with EscPosEmulator(paper=paper, responding=responding) as emu:  # type: ignore[arg-type]
        rc = run(["print", "ticket", "--port", emu.port, "--timeout", "0.2", "--number", "A012"])
        assert emu.tickets == []
    assert rc == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ticket A012 not printed: ") and message in err
    assert "\n" not in err and "Traceback" not in err


def test_register_adds_common_options() -> None:
    parser = argparse.ArgumentParser()
    from app.cli.printing import register

    register(parser.add_subparsers())
    args = parser.parse_args(["print", "ticket", "--port", "COM3", "--db", "sqlite:///x.db"])
    assert args.db == "sqlite:///x.db" and args.port == "COM3" and args.width is None


def test_ticket_printer_from_the_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("ONEWINDOW_CONFIG", raising=False)
    config = tmp_path / "site.toml"
    with EscPosEmulator() as emu:
        config.write_text(f'[printers.ticket]\nport = "{emu.port}"\nwidth_mm = 58\nraster = true\n', encoding="utf-8")
        assert run(["print", "ticket", "--config", str(config)]) == 0
        [printed] = emu.wait_for_tickets(1)
    assert printed.images[0].width == 384  # 58 mm raster, as configured


def test_ticket_without_any_port_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("ONEWINDOW_CONFIG", raising=False)
    config = tmp_path / "empty.toml"
    config.write_text("", encoding="utf-8")
    assert run(["print", "ticket", "--config", str(config)]) == 2
    assert "pass --port or set printers.ticket.port" in capsys.readouterr().err


def test_samples_use_the_configured_qr_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pdf) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ONEWINDOW_CONFIG", raising=False)
    config = tmp_path / "site.toml"
    config.write_text('[printers.document]\nqr_template = "https://zwfw.example.gov.cn/p?c={case_number}"\n',
                      encoding="utf-8")
    assert run(["print", "samples", str(tmp_path / "out"), "--config", str(config)]) == 0
    doc = pdf((tmp_path / "out" / "acceptance_receipt.pdf").read_bytes())
    assert doc.qr_codes() == ["https://zwfw.example.gov.cn/p?c=GX01-20261127-0042"]
