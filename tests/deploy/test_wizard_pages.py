"""The wizard's pages render for the README (`main.py screenshots`), and no label or button text is
cut off at the wizard's size."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton, QLabel
from pytestqt.qtbot import QtBot

from app.setup.state import Role
from app.setup.steps import initial_state
from ui.wizard import screenshots
from ui.wizard.wizard import SetupWizard


def test_every_page_renders_to_a_png(qtbot: QtBot, rendered_screens: Path) -> None:
    written = sorted(rendered_screens.glob("wizard-*.png"))
    assert [p.name for p in written] == [f"wizard-{i + 1}-{n}.png" for i, n in enumerate(screenshots.PAGES)]
    for path in written:
        image = QImage(str(path))
        assert (image.width(), image.height()) == (960, 720), path


def test_no_text_is_cut_off(qtbot: QtBot, tmp_path: Path) -> None:
    state = initial_state(tmp_path / "onewindow.toml")
    assert state.role is Role.SINGLE_PC  # a bare PC starts from the township default
    for page_id in range(7):
        wizard = SetupWizard(state, ports=[])
        qtbot.addWidget(wizard)
        wizard.setMinimumSize(900, 680)
        wizard.setStartId(page_id)
        wizard.show()
        qtbot.waitExposed(wizard)
        page = wizard.currentPage()
        for w in page.findChildren(QLabel) + page.findChildren(QAbstractButton):
            if not w.isVisible() or not w.text():
                continue
            fm = w.fontMetrics()
            rect = w.contentsRect()
            if isinstance(w, QLabel) and w.wordWrap():
                assert w.heightForWidth(rect.width()) <= max(rect.height(), w.sizeHint().height()), w.text()
            else:
                longest = max(fm.horizontalAdvance(line) for line in w.text().replace("&", "").splitlines())
                assert longest <= rect.width(), (type(page).__name__, w.text(), longest, rect.width())
        wizard.runner.stop()
        wizard.close()


def test_the_menu_reopens_the_wizard_on_the_current_settings(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.bus import HallBus

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # no autostart entry of this machine's user
    from ui.wizard import open_from_menu

    cfg = tmp_path / "onewindow.toml"
    cfg.write_text(
        '[site]\ncode = "CN01"\n[database]\nhall_url = "sqlite:////srv/hall.db"\n'
        '[devices.idcard]\nport = "/dev/ttyUSB0"\n[screens]\nkiosk = 2\n',
        encoding="utf-8",
    )
    bus = HallBus()
    wizard = open_from_menu(str(cfg), bus)
    qtbot.addWidget(wizard)
    assert wizard.state.role is Role.SINGLE_PC and wizard.state.hall_url == "sqlite:////srv/hall.db"
    assert wizard.state.devices.idcard_port == "/dev/ttyUSB0" and wizard.state.screens["kiosk"] == 2
    with qtbot.waitSignal(bus.notice) as said:
        wizard.accept()
    assert "重新启动" in said.args[0]
