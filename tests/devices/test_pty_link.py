"""An emulator's --link may replace its own kind of thing (a symlink), never someone's file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devices.thermo.emulator import ThermoEmulator


def test_link_never_replaces_a_regular_file_or_folder(tmp_path: Path) -> None:
    precious = tmp_path / "hall.db"
    precious.write_bytes(b"SQLite format 3\x00 keep me")
    folder = tmp_path / "folder"
    folder.mkdir()
    for path in (precious, folder):
        with pytest.raises(FileExistsError, match="not a symlink"):
            ThermoEmulator("ascii", values=[36.5], link=path).start()
    assert precious.read_bytes() == b"SQLite format 3\x00 keep me" and folder.is_dir()
    with pytest.raises(ValueError, match="names no file"):
        ThermoEmulator("ascii", values=[36.5], link="")


def test_link_replaces_a_stale_symlink_and_removes_its_own(tmp_path: Path) -> None:
    link = tmp_path / "ttyTHERMO"
    link.symlink_to("/dev/nonexistent-old-pty")
    with ThermoEmulator("ascii", values=[36.5], link=link) as emu:
        assert os.readlink(link) == emu.slave_name
    assert not os.path.lexists(link)
