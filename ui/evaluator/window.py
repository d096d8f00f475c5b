"""The applicant-facing evaluator (评价器): a second top-level window for the second screen.

Large buttons for the five grades of GB/T 39734, four dimensions preset to the overall grade, an
optional comment, and 提交. The rating is stored per case of the visit (or for the ticket).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app import evaluations
from app.context import AppContext
from app.errors import StorageError
from ui.bus import HallBus
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui")

IDLE_TIMEOUT_MS = 120_000


@dataclass(frozen=True, slots=True)
class EvaluationRequest:
    ticket_id: uuid.UUID | None
    ticket_number: str
    case_ids: tuple[uuid.UUID, ...]
    window_id: uuid.UUID | None
    window_label: str
    staff_id: uuid.UUID | None
    staff_name: str


class EvaluatorWindow(QWidget):
    """`rated(list[EvaluationInfo])` once stored; idle (thank-you screen) otherwise."""

    rated = Signal(object)

    def __init__(self, ctx: AppContext, bus: HallBus, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.runner = TaskRunner("evaluator", self)
        self.bus = bus
        self.request: EvaluationRequest | None = None
        self.grade: int | None = None
        self.setWindowTitle(self.tr("服务评价"))
        self.resize(900, 620)
        # An applicant who walks away without rating: back to the idle screen, nothing stored.
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.setInterval(IDLE_TIMEOUT_MS)
        self._timeout.timeout.connect(self.idle)
        self._build()
        self.idle()

    def _build(self) -> None:
        lay = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setObjectName("evaluator_title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        f = QFont(self.title.font())
        f.setPointSize(22)
        f.setBold(True)
        self.title.setFont(f)
        lay.addWidget(self.title)
        self.subtitle = QLabel()
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.subtitle)
        grades = QHBoxLayout()
        self.grade_buttons: dict[int, QPushButton] = {}
        big = QFont(self.font())
        big.setPointSize(16)
        for g in sorted(evaluations.GRADES, reverse=True):
            b = QPushButton(f"{'★' * g}\n{evaluations.GRADES[g]}")
            b.setObjectName(f"grade_{g}")
            b.setCheckable(True)
            b.setFont(big)
            b.setMinimumHeight(110)
            b.clicked.connect(lambda _c=False, v=g: self.choose(v))
            grades.addWidget(b)
            self.grade_buttons[g] = b
        lay.addLayout(grades)
        grid = QGridLayout()
        self.dimension_groups: dict[str, QButtonGroup] = {}
        for row, (key, label) in enumerate(evaluations.DIMENSIONS.items()):
            grid.addWidget(QLabel(label), row, 0)
            group = QButtonGroup(self)
            for col, g in enumerate(sorted(evaluations.GRADES, reverse=True), start=1):
                rb = QRadioButton(evaluations.GRADES[g])
                rb.setObjectName(f"dim_{key}_{g}")
                group.addButton(rb, g)
                grid.addWidget(rb, row, col)
            self.dimension_groups[key] = group
        lay.addLayout(grid)
        self.comment = QLineEdit()
        self.comment.setObjectName("evaluator_comment")
        self.comment.setMaxLength(500)
        self.comment.setPlaceholderText(self.tr("意见或建议（选填）"))
        lay.addWidget(self.comment)
        self.status = QLabel()
        self.status.setObjectName("evaluator_status")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.status)
        self.submit_button = QPushButton(self.tr("提交评价"))
        self.submit_button.setObjectName("evaluator_submit")
        self.submit_button.setMinimumHeight(60)
        self.submit_button.setFont(big)
        self.submit_button.clicked.connect(self.submit)
        lay.addWidget(self.submit_button)

    def _enable(self, on: bool) -> None:
        for b in self.grade_buttons.values():
            b.setEnabled(on)
        for group in self.dimension_groups.values():
            for rb in group.buttons():
                rb.setEnabled(on)
        self.comment.setEnabled(on)
        self.submit_button.setEnabled(on and self.grade is not None)

    def idle(self) -> None:
        self._timeout.stop()
        self.request = None
        self.grade = None
        for b in self.grade_buttons.values():
            b.setChecked(False)
        self.comment.clear()
        self.title.setText(self.tr("欢迎办事，请对我们的服务进行监督"))
        self.subtitle.setText(self.tr("办结后可在此评价"))
        self._enable(False)

    def begin(self, request: EvaluationRequest) -> None:
        """Ask the applicant of `request` for a rating."""
        self.request = request
        self.grade = None
        for b in self.grade_buttons.values():
            b.setChecked(False)
        for group in self.dimension_groups.values():
            group.setExclusive(False)
            for rb in group.buttons():
                rb.setChecked(False)
            group.setExclusive(True)
        self.comment.clear()
        self.title.setText(self.tr("请您对本次服务进行评价"))
        # tr() outside the f-string: lupdate does not look inside f-strings
        staff, number = self.tr("工作人员"), self.tr("号码")
        self.subtitle.setText(
            f"{request.window_label}  ·  {staff} {request.staff_name}  ·  {number} {request.ticket_number}"
        )
        self.status.setText("")
        self._enable(True)
        self._timeout.start()
        self.show()
        self.raise_()

    def choose(self, grade: int) -> None:
        self._timeout.start()  # still there: give them time to finish
        self.grade = grade
        for g, b in self.grade_buttons.items():
            b.setChecked(g == grade)
        for group in self.dimension_groups.values():
            if group.checkedId() < 0:
                group.button(grade).setChecked(True)
        self.submit_button.setEnabled(self.request is not None)
        if grade <= evaluations.BAD_GRADE:
            self.status.setText(self.tr("很抱歉给您带来不便，请告诉我们哪里需要改进"))
        else:
            self.status.setText("")

    def set_dimension(self, key: str, grade: int) -> None:
        self.dimension_groups[key].button(grade).setChecked(True)

    def submit(self) -> bool:
        req = self.request
        if req is None or self.grade is None:
            self.status.setText(self.tr("请先选择评价等级"))
            return False
        dims = {k: g.checkedId() for k, g in self.dimension_groups.items() if g.checkedId() > 0}
        grade, comment, site_id = self.grade, self.comment.text(), self.ctx.site_id
        self.runner.submit(
            lambda: evaluations.submit_rating(
                self.ctx.sessions,
                site_id=site_id,
                grade=grade,
                dimensions=dims,
                comment=comment,
                ticket_id=req.ticket_id,
                case_ids=req.case_ids,
                window_id=req.window_id,
                staff_id=req.staff_id,
            ),
            lambda infos: self._stored(req, grade, infos),
            self._failed,
            kind="rating",
            buttons=[self.submit_button],
        )
        return True

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, evaluations.EvaluationError | StorageError):
            self.status.setText(str(exc))
        else:
            log.error("storing an evaluation failed", exc_info=exc)
            self.status.setText(self.tr("评价保存失败，请稍后再试"))

    def _stored(self, req: EvaluationRequest, grade: int, infos: list[evaluations.EvaluationInfo]) -> None:
        if grade <= evaluations.BAD_GRADE:
            self.bus.notice.emit(
                self.tr("收到差评（%1），已转大厅管理员回访").replace("%1", req.ticket_number), True
            )
        self.rated.emit(infos)
        self.idle()
        self.title.setText(self.tr("感谢您的评价！"))
