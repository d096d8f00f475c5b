"""ui/layout_check.py finds what a screen does not show whole, and nothing else."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QLabel, QListView, QPushButton, QScrollArea, QTableView, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from ui.layout_check import problems


def _window(qtbot: QtBot, *children: QWidget, size: tuple[int, int] = (400, 300)) -> QWidget:
    root = QWidget()
    qtbot.addWidget(root)
    layout = QVBoxLayout(root)
    for child in children:
        layout.addWidget(child)
    root.resize(*size)
    root.show()
    qtbot.waitExposed(root)
    return root


def test_whole_text_passes(qtbot: QtBot) -> None:
    label = QLabel("等候 4 人，约 12 分钟")
    button = QPushButton("呼叫下一位")
    wrapped = QLabel("请持号票到防疫登记处复测登记，工作人员会为您办理。" * 2)
    wrapped.setWordWrap(True)
    root = _window(qtbot, label, button, wrapped)
    assert problems(root) == []


def test_a_label_narrower_than_its_text_is_found(qtbot: QtBot) -> None:
    label = QLabel("不动产转移登记（买卖）")
    label.setObjectName("matter")
    root = QWidget()
    qtbot.addWidget(root)
    label.setParent(root)
    label.setGeometry(0, 0, 40, 30)
    root.resize(200, 100)
    root.show()
    found = problems(root)
    assert len(found) == 1 and found[0].startswith("matter «不动产转移登记（买卖）»: text needs")


def test_a_button_too_small_for_its_text_is_found(qtbot: QtBot) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    button = QPushButton("全部收到并受理", root)
    button.setGeometry(0, 0, 50, 30)
    root.resize(200, 100)
    root.show()
    assert [p.split(":")[0] for p in problems(root)] == ["QPushButton «全部收到并受理»"]


def test_an_elided_table_cell_and_a_short_header_are_found(qtbot: QtBot) -> None:
    model = QStandardItemModel(1, 2)
    model.setHorizontalHeaderLabels(["编码", "实施部门名称很长的一列"])
    model.setItem(0, 0, QStandardItem("A1"))
    model.setItem(0, 1, QStandardItem("区住房和城乡建设局（城市管理）"))
    view = QTableView()
    view.setModel(model)
    root = _window(qtbot, view)
    view.setColumnWidth(0, 80)
    view.setColumnWidth(1, 60)
    found = problems(root)
    assert any("column «实施部门名称很长的一列»" in p for p in found)
    assert any("cell (0, 1) «区住房和城乡建设局（城市管理）»" in p for p in found)
    assert not any("«A1»" in p or "«编码»" in p for p in found)
    view.resizeColumnsToContents()
    assert problems(root) == []


def test_a_list_model_is_read_too(qtbot: QtBot) -> None:
    """A list model has no public columnCount; a long row of a list view scrolls sideways."""
    view = QListView()
    view.setModel(QStringListModel(["短", "人社医保民政业务综合窗口办理事项" * 3]))
    root = _window(qtbot, view, size=(200, 200))
    assert problems(root) == []


def test_a_button_beyond_the_window_is_found_but_not_inside_a_scroll_area(qtbot: QtBot) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    QPushButton("预约签到", root).setGeometry(10, 250, 120, 60)
    root.resize(300, 280)
    root.show()
    assert any("beyond the window" in p for p in problems(root))

    area = QScrollArea()
    inner = QWidget()
    QPushButton("预约签到", inner).setGeometry(10, 250, 120, 60)
    inner.resize(280, 400)
    area.setWidget(inner)
    scrolled = _window(qtbot, area, size=(300, 280))
    assert not any("beyond the window" in p for p in problems(scrolled))
