"""The wizard's pages as PNG files for the README (`main.py screenshots DIR`), with a fictional
township's data: nothing is read from or written to this PC."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from app.setup.state import DeviceChoice, Role, SetupState
from app.setup.steps import screenshot_samples

PAGES = ("role", "identity", "hall", "devices", "screens", "staff", "finish")


def render(ctx: Any, outdir: Path) -> list[Path]:
    from PySide6.QtWidgets import QApplication, QTableWidgetItem

    from ui import shots
    from ui.wizard.wizard import DevicesPage, FinishPage, IdentityPage, SetupWizard, StaffPage

    data, reports, view, lines = screenshot_samples()
    state = SetupState(
        config_path=outdir / "no-such-dir" / "onewindow.toml",
        role=Role.SINGLE_PC,
        enrolment=data,
        hall_url="sqlite:////home/zwfw/.local/share/OneWindow/hall.db",
        devices=DeviceChoice(),
        screens={"counter": 0, "kiosk": 1, "display": 2},
    )
    written: list[Path] = []
    for number, name in enumerate(PAGES):
        wizard = SetupWizard(dataclasses.replace(state), ports=[])
        wizard.resize(960, 720)
        wizard.setStartId(number)
        staff = wizard.pages[wizard.STAFF]
        assert isinstance(staff, StaffPage)
        if name == "staff":
            staff.initializePage = lambda: None  # type: ignore[method-assign]  # no hall database here
        wizard.show()
        page = wizard.currentPage()
        if isinstance(page, IdentityPage):
            page.file.setText("/media/usb/CN01.enrol")
            page.code.setText("7KQ4M-XR2PB-9HC3T-WNF6J")
            page._opened(state)
        elif isinstance(page, DevicesPage):
            page._found(reports)
            page.say(page.tr("查找完毕：{0} 个串口，{1} 台设备应答。").format(4, 3))
        elif isinstance(page, StaffPage):
            page._show(view)
            page.windows.setItem(0, 0, QTableWidgetItem("3"))
            page.windows.setItem(0, 1, QTableWidgetItem("不动产登记窗口"))
            page.username.setText("zhangming")
            page.name.setText("张明")
        elif isinstance(page, FinishPage):
            page.report.setPlainText("\n".join(lines))
            page.say(page.tr("设置已保存，检查全部通过。可以开始服务了。"))
            page.done = True  # the Finish button as the engineer sees it after saving
            page.completeChanged.emit()
        QApplication.processEvents()
        written.append(shots.save(wizard, outdir / f"wizard-{number + 1}-{name}.png"))
        wizard.runner.stop()
        wizard.close()
        wizard.deleteLater()
    return written
