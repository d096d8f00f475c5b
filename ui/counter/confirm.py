"""The counter's yes/no question: 取消 is the default, so Enter and Esc both cancel and only Y (or
Tab then Space) confirms — a clerk typing fast never confirms 过号 or a change of applicant by accident."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget


def ask_confirm(
    parent: QWidget, title: str, text: str, yes: str, icon: QMessageBox.Icon = QMessageBox.Icon.Question
) -> bool:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("confirm_dialog")
    ok = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    ok.setShortcut(QKeySequence(Qt.Key.Key_Y))
    cancel = QCoreApplication.translate("ConfirmDialog", "取消 (Esc)")
    no = box.addButton(cancel, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is ok
