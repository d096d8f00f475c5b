"""The applicant-facing evaluator (评价器): the visit's one 好差评, facing the citizen.

Where it appears:
- a PC with a second screen: full screen on the screen after the counter's (the citizen's side),
  showing a welcome page between visits;
- one screen: hand-over mode — hidden while the clerk works, full screen "请您评价" when the
  ticket is finished (the clerk turns the screen toward the citizen), hidden again once the rating
  is stored, skipped or timed out, so it never covers the counter's controls while not rating.

Nothing steers the citizen: no grade is preselected, the clerk's name is not shown, the counter
is told only that a rating was stored (not which). Everything is reset for each visit. A 差评
(不满意 / 非常不满意) asks for a reason category (GB/T 39734 offline indicators) before it can be
submitted; the comment stays optional.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication
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
from ui.display.placement import place_on_screen
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui")

IDLE_TIMEOUT_MS = 120_000
THANKS_MS = 2_500


@dataclass(frozen=True, slots=True)
class EvaluationRequest:
    ticket_id: uuid.UUID | None
    ticket_number: str
    case_ids: tuple[uuid.UUID, ...]
    window_id: uuid.UUID | None
    window_label: str
    staff_id: uuid.UUID | None
    staff_name: str  # kept for the counter's records; never shown to the citizen


def citizen_screen_index(screens: int, counter: int) -> int | None:
    """The screen after the counter's (the last one if the counter is on the last), or None
    when there is only one screen: then the evaluator works in hand-over mode."""
    if screens < 2:
        return None
    after = counter + 1 if counter + 1 < screens else None
    if after is not None:
        return after
    return next(i for i in range(screens - 1, -1, -1) if i != counter)


def _font(base: QFont, points: int, bold: bool = False) -> QFont:
    f = QFont(base)
    f.setPointSize(points)
    f.setBold(bold)
    return f


class EvaluatorWindow(QWidget):
    """`rated(EvaluationInfo)` once stored; `finished()` when the hand-over ends (stored,
    skipped or timed out)."""

    rated = Signal(object)
    finished = Signal()

    def __init__(self, ctx: AppContext, bus: HallBus, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.runner = TaskRunner("evaluator", self)
        self.bus = bus
        self.request: EvaluationRequest | None = None
        self.grade: int | None = None
        self.reason: str = ""
        self.setWindowTitle(self.tr("服务评价"))
        self.resize(1024, 700)
        # An applicant who walks away without rating: back to the idle screen, nothing stored.
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.setInterval(IDLE_TIMEOUT_MS)
        self._timeout.timeout.connect(self.idle)
        self._thanks = QTimer(self)
        self._thanks.setSingleShot(True)
        self._thanks.setInterval(THANKS_MS)
        self._thanks.timeout.connect(self.idle)
        self._build()
        self.idle()

    # --- placement -------------------------------------------------------------------------

    def citizen_screen(self) -> int | None:
        """The index of the screen facing the citizen, or None on a one-screen PC (hand-over)."""
        return citizen_screen_index(len(QGuiApplication.screens()), self.ctx.settings.screens.counter)

    @property
    def handover(self) -> bool:
        return self.citizen_screen() is None

    def station(self) -> None:
        """At the counter's start-up: on a PC with a citizen screen, show the welcome page there
        (it stays between visits); on one screen stay hidden until a visit is rated."""
        index = self.citizen_screen()
        if index is not None:
            place_on_screen(self, index, fullscreen=True)

    def _present(self) -> None:
        index = self.citizen_screen()
        if index is None:  # one screen: take it over while the citizen rates
            place_on_screen(self, self.ctx.settings.screens.counter, fullscreen=True)
        elif not self.isVisible():
            place_on_screen(self, index, fullscreen=True)
        self.raise_()
        self.activateWindow()

    # --- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        base = self.font()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 16, 24, 16)
        lay.setSpacing(10)
        self.title = QLabel()
        self.title.setObjectName("evaluator_title")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title.setWordWrap(True)
        self.title.setFont(_font(base, 24, True))
        lay.addWidget(self.title)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("evaluator_subtitle")
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.subtitle.setWordWrap(True)
        self.subtitle.setFont(_font(base, 13))
        lay.addWidget(self.subtitle)

        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        grades = QHBoxLayout()
        self.grade_buttons: dict[int, QPushButton] = {}
        big = _font(base, 16)
        for g in sorted(evaluations.GRADES, reverse=True):
            b = QPushButton(f"{'★' * g}\n{evaluations.GRADES[g]}")
            b.setObjectName(f"grade_{g}")
            b.setCheckable(True)
            b.setAutoDefault(False)
            b.setFont(big)
            b.setMinimumHeight(100)
            b.clicked.connect(lambda _c=False, v=g: self.choose(v))
            grades.addWidget(b)
            self.grade_buttons[g] = b
        body.addLayout(grades)

        self.reason_box = QWidget()
        self.reason_box.setObjectName("evaluator_reasons")
        rl = QVBoxLayout(self.reason_box)
        rl.setContentsMargins(0, 4, 0, 4)
        self.reason_prompt = QLabel(self.tr("很抱歉给您带来不便。请选择不满意的原因（必选）："))
        self.reason_prompt.setObjectName("evaluator_reason_prompt")
        self.reason_prompt.setWordWrap(True)
        self.reason_prompt.setFont(_font(base, 13, True))
        rl.addWidget(self.reason_prompt)
        reasons = QHBoxLayout()
        self.reason_group = QButtonGroup(self)
        self.reason_group.setExclusive(True)
        self.reason_buttons: dict[str, QPushButton] = {}
        for code, label in evaluations.REASONS.items():
            rb = QPushButton(label)
            rb.setObjectName(f"reason_{code}")
            rb.setCheckable(True)
            rb.setAutoDefault(False)
            rb.setFont(_font(base, 13))
            rb.setMinimumHeight(48)
            rb.clicked.connect(lambda _c=False, v=code: self.choose_reason(v))
            self.reason_group.addButton(rb)
            reasons.addWidget(rb)
            self.reason_buttons[code] = rb
        rl.addLayout(reasons)
        body.addWidget(self.reason_box)

        self.dimensions_caption = QLabel(self.tr("分项评价（选填）"))
        self.dimensions_caption.setFont(_font(base, 13, True))
        body.addWidget(self.dimensions_caption)
        grid = QGridLayout()
        grid.setVerticalSpacing(8)
        mid = _font(base, 13)
        self.dimension_groups: dict[str, QButtonGroup] = {}
        for row, (key, label) in enumerate(evaluations.DIMENSIONS.items()):
            caption = QLabel(label)
            caption.setFont(mid)
            grid.addWidget(caption, row, 0)
            group = QButtonGroup(self)
            for col, g in enumerate(sorted(evaluations.GRADES, reverse=True), start=1):
                rb2 = QRadioButton(evaluations.GRADES[g])
                rb2.setFont(mid)
                rb2.setObjectName(f"dim_{key}_{g}")
                group.addButton(rb2, g)
                grid.addWidget(rb2, row, col)
            self.dimension_groups[key] = group
        body.addLayout(grid)
        self.comment = QLineEdit()
        self.comment.setObjectName("evaluator_comment")
        self.comment.setMaxLength(500)
        self.comment.setMinimumHeight(40)
        self.comment.setFont(mid)
        self.comment.setPlaceholderText(self.tr("意见或建议（选填）"))
        body.addWidget(self.comment)
        body.addStretch(1)
        lay.addWidget(self.body, 1)

        self.status = QLabel()
        self.status.setObjectName("evaluator_status")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status.setWordWrap(True)
        lay.addWidget(self.status)
        buttons = QHBoxLayout()
        self.skip_button = QPushButton(self.tr("暂不评价"))
        self.skip_button.setObjectName("evaluator_skip")
        self.skip_button.setAutoDefault(False)
        self.skip_button.setMinimumHeight(56)
        self.skip_button.setFont(_font(base, 13))
        self.skip_button.clicked.connect(self.skip)
        self.submit_button = QPushButton(self.tr("提交评价"))
        self.submit_button.setObjectName("evaluator_submit")
        self.submit_button.setAutoDefault(False)
        self.submit_button.setMinimumHeight(56)
        self.submit_button.setFont(big)
        self.submit_button.clicked.connect(self.submit)
        buttons.addWidget(self.skip_button, 1)
        buttons.addWidget(self.submit_button, 3)
        lay.addLayout(buttons)

    # --- state -----------------------------------------------------------------------------

    def _reset(self) -> None:
        """Clear every trace of the previous citizen: grade, reason, dimensions, comment, texts."""
        self._timeout.stop()
        self._thanks.stop()
        self.grade = None
        self.reason = ""
        for b in self.grade_buttons.values():
            b.setChecked(False)
        self.reason_group.setExclusive(False)
        for rb in self.reason_buttons.values():
            rb.setChecked(False)
        self.reason_group.setExclusive(True)
        for group in self.dimension_groups.values():
            group.setExclusive(False)
            for b2 in group.buttons():
                b2.setChecked(False)
            group.setExclusive(True)
        self.comment.clear()
        self.status.setText("")
        self.status.setStyleSheet("")
        self.reason_box.setVisible(False)

    def _enable(self, on: bool) -> None:
        self.body.setVisible(on)
        self.skip_button.setVisible(on)
        self.submit_button.setVisible(on)
        for b in self.grade_buttons.values():
            b.setEnabled(on)
        self.comment.setEnabled(on)
        self._update_submit()

    def _update_submit(self) -> None:
        ready = self.request is not None and self.grade is not None
        if ready and self.grade is not None and self.grade <= evaluations.BAD_GRADE:
            ready = bool(self.reason)
        self.submit_button.setEnabled(ready)

    def idle(self) -> None:
        """Between visits: the welcome page on the citizen's screen, or out of the way (hand-over)."""
        was_rating = self.request is not None
        self.request = None
        self._reset()
        self.title.setText(self.tr("欢迎办事，请对我们的服务进行监督"))
        self.subtitle.setText(self.tr("办结后可在此评价"))
        self._enable(False)
        if self.handover and self.isVisible():
            self.hide()
        if was_rating:
            self.finished.emit()

    def begin(self, request: EvaluationRequest) -> None:
        """Ask the applicant of `request` for the visit's rating (a fresh page every time)."""
        self._reset()
        self.request = request
        self.title.setText(self.tr("请您对本次服务进行评价"))
        number = self.tr("号码")
        self.subtitle.setText(f"{request.window_label}  ·  {number} {request.ticket_number}")
        self._enable(True)
        self._timeout.start()
        self._present()

    def choose(self, grade: int) -> None:
        if self.request is None:
            return
        self._timeout.start()  # still there: give them time to finish
        self.grade = grade
        for g, b in self.grade_buttons.items():
            b.setChecked(g == grade)
        for group in self.dimension_groups.values():
            if group.checkedId() < 0:
                group.button(grade).setChecked(True)
        bad = grade <= evaluations.BAD_GRADE
        self.reason_box.setVisible(bad)
        if not bad:
            self.reason = ""
            self.reason_group.setExclusive(False)
            for rb in self.reason_buttons.values():
                rb.setChecked(False)
            self.reason_group.setExclusive(True)
        self.status.setText("")
        self.status.setStyleSheet("")
        self._update_submit()

    def choose_reason(self, reason: str) -> None:
        if reason not in evaluations.REASONS:
            return
        self._timeout.start()
        self.reason = reason
        self.reason_buttons[reason].setChecked(True)
        self.status.setText("")
        self._update_submit()

    def set_dimension(self, key: str, grade: int) -> None:
        self.dimension_groups[key].button(grade).setChecked(True)

    def skip(self) -> None:
        """The citizen declines to rate (rating is voluntary): nothing stored."""
        self.idle()

    def submit(self) -> bool:
        req = self.request
        if req is None or self.grade is None:
            self._say(self.tr("请先选择评价等级"))
            return False
        if self.grade <= evaluations.BAD_GRADE and not self.reason:
            self._say(self.tr("请选择不满意的原因"))
            return False
        dims = {k: g.checkedId() for k, g in self.dimension_groups.items() if g.checkedId() > 0}
        grade, reason, comment, site_id = self.grade, self.reason, self.comment.text(), self.ctx.site_id
        days = self.ctx.settings.thresholds.rectification_working_days
        self.runner.submit(
            lambda: evaluations.submit_rating(
                self.ctx.sessions,
                site_id=site_id,
                grade=grade,
                dimensions=dims,
                comment=comment,
                reason=reason,
                ticket_id=req.ticket_id,
                case_ids=req.case_ids,
                window_id=req.window_id,
                staff_id=req.staff_id,
                rectification_days=days,
            ),
            lambda info: self._stored(req, info),
            self._failed,
            kind="rating",
            buttons=[self.submit_button],
        )
        return True

    def _say(self, text: str) -> None:
        self.status.setStyleSheet("color: #c62828;")
        self.status.setText(text)

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, evaluations.EvaluationError | StorageError):
            self._say(str(exc))
        else:
            log.error("storing an evaluation failed", exc_info=exc)
            self._say(self.tr("评价保存失败，请稍后再试"))

    def _stored(self, req: EvaluationRequest, info: evaluations.EvaluationInfo) -> None:
        # The counter learns that the visit was rated, never how (the choice is confidential).
        self.bus.notice.emit(self.tr("%1 号已完成评价").replace("%1", req.ticket_number), False)
        self.rated.emit(info)
        self.request = None
        self._reset()
        self._enable(False)
        self.title.setText(self.tr("感谢您的评价！"))
        self.subtitle.setText(self.tr("您的意见我们会认真对待"))
        self._thanks.start()
        self.finished.emit()
