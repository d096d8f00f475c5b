"""The kiosk's 评价 page: rate a visit later with the 评价码 on its ticket or 受理回执.

Two steps on one page. First the code: typed on the on-screen keypad (only the characters codes
use), typed by a keyboard-wedge scanner into the code field (its QR text and Enter), or sent by a
serial-mode scanner (`take_scan`). Then the visit as the code finds it — ticket number, date,
window and matters, never a name — and the stage it can rate now (受理, or 办结 once its cases are
finished; both when both are open). Five grades per GB/T 39734-2020, none preselected, no clerk's
name; a 差评 asks its reason before it can be sent. Nothing is said to the counter: the choice is
the citizen's alone. Database work runs on the kiosk's worker (app/rating_codes.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import evaluations
from app.errors import StorageError
from app.rating_codes import RatedByCode, RatingCodeError, RatingCodeService, RatingVisit, display
from app.vocab import RatingStage
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui.kiosk")

# The characters rating codes use (Crockford base 32: no I, L, O, U).
RATE_KEYPAD_ROWS = ("1234567890", "ABCDEFGHJK", "MNPQRSTVWX", "YZ")
ENTRY, RATING, THANKS = range(3)
CLEAR = "clear"  # the clear key's name: not "C", which is a letter of the codes
STYLE = """
QPushButton[secondary="true"] { background: #ffffff; color: #1565c0; border: 2px solid #1565c0; }
QPushButton[secondary="true"]:checked { background: #1565c0; color: #ffffff; border: 2px solid #0d47a1; }
QPushButton[secondary="true"]:disabled { background: #eeeeee; color: #9e9e9e; border: 2px solid #bdbdbd; }
"""


class RatePage(QWidget):
    #: a rating was stored (RatedByCode: stage and whether it was a 差评 — the grade stays here)
    rated = Signal(object)
    #: a code was looked up (RatingVisit)
    visitShown = Signal(object)
    #: a look-up or a rating was refused or failed (the Chinese message shown)
    refused = Signal(str)

    def __init__(
        self,
        service: RatingCodeService,
        runner: TaskRunner,
        *,
        font: Callable[[int, bool], QFont],
        touch: Callable[[], None],
        home: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("rate_page")
        self.setStyleSheet(STYLE)
        self.service = service
        self.runner = runner
        self._font = font
        self._touch = touch
        self.visit: RatingVisit | None = None
        self.stage: str | None = None
        self.grade: int | None = None
        self.reason = ""
        self.elderly = False
        self._build(home)
        self._clear_choice()

    # --- layout ----------------------------------------------------------------------------

    def _button(self, text: str, name: str, secondary: bool = False) -> QPushButton:
        b = QPushButton(text)
        b.setObjectName(name)
        b.setProperty("secondary", secondary)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return b

    def _label(self, name: str, wrap: bool = True) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(wrap)
        return label

    def _build(self, home: Callable[[], None]) -> None:
        lay = QVBoxLayout(self)
        self.title = self._label("title")
        self.title.setText(self.tr("服务评价"))
        lay.addWidget(self.title)
        self.steps = QStackedWidget()
        lay.addWidget(self.steps, 1)

        # step 1: the code
        entry = QWidget()
        el = QVBoxLayout(entry)
        self.entry_hint = self._label("rate_hint")
        self.entry_hint.setText(self.tr("请输入号票或受理回执上的评价码（8位）\n或把评价二维码对准扫码口"))
        self.code_edit = QLineEdit()
        self.code_edit.setObjectName("rate_code")
        self.code_edit.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_edit.setMaxLength(64)  # a scanned QR carries its prefix (OW-RATE:…)
        self.code_edit.setPlaceholderText("XXXX-XXXX")
        self.code_edit.returnPressed.connect(self.look_up)
        keypad = QGridLayout()
        self.keypad_buttons: list[QPushButton] = []
        for r, keys in enumerate(RATE_KEYPAD_ROWS):
            for c, key in enumerate(keys):
                self._add_key(keypad, key, key, r, c)
        last = len(RATE_KEYPAD_ROWS) - 1
        n = len(RATE_KEYPAD_ROWS[-1])
        self._add_key(keypad, "-", "-", last, n)
        self._add_key(keypad, "←", "←", last, n + 1, span=2)
        self._add_key(keypad, CLEAR, self.tr("清空"), last, n + 3, span=2)
        self.entry_message = self._label("message")
        self.look_up_button = self._button(self.tr("查询评价码"), "rate_look_up")
        self.look_up_button.clicked.connect(self.look_up)
        el.addStretch(1)
        el.addWidget(self.entry_hint)
        el.addWidget(self.code_edit)
        el.addLayout(keypad)
        el.addWidget(self.entry_message)
        el.addStretch(1)
        el.addWidget(self.look_up_button)

        # step 2: the visit and the rating
        rating = QWidget()
        rl = QVBoxLayout(rating)
        self.visit_label = self._label("rate_visit")
        self.stage_prompt = self._label("rate_stage_prompt")
        stages = QHBoxLayout()
        self.stage_group = QButtonGroup(self)
        self.stage_buttons: dict[str, QPushButton] = {}
        for stage, text in (
            (RatingStage.ACCEPT, self.tr("评价受理服务")),
            (RatingStage.COMPLETE, self.tr("评价办结服务")),
        ):
            b = self._button(text, f"stage_{stage}", secondary=True)
            b.setCheckable(True)
            b.clicked.connect(lambda _c=False, s=stage: self.choose_stage(s))
            self.stage_group.addButton(b)
            stages.addWidget(b)
            self.stage_buttons[stage] = b
        self.grade_prompt = self._label("rate_grade_prompt")
        self.grade_prompt.setText(self.tr("请选择您的评价"))
        grades = QGridLayout()
        self.grade_buttons: dict[int, QPushButton] = {}
        for i, g in enumerate(sorted(evaluations.GRADES, reverse=True)):
            b = self._button(f"{'★' * g}\n{evaluations.GRADES[g]}", f"rate_grade_{g}", secondary=True)
            b.setCheckable(True)
            b.clicked.connect(lambda _c=False, v=g: self.choose_grade(v))
            grades.addWidget(b, 0, i)
            self.grade_buttons[g] = b
        self.grades_layout = grades
        self.reason_box = QWidget()
        rbl = QVBoxLayout(self.reason_box)
        rbl.setContentsMargins(0, 0, 0, 0)
        self.reason_prompt = self._label("rate_reason_prompt")
        self.reason_prompt.setText(self.tr("很抱歉给您带来不便。请选择不满意的原因（必选）："))
        reasons = QGridLayout()
        self.reasons_layout = reasons
        self.reason_buttons: dict[str, QPushButton] = {}
        for i, (code, text) in enumerate(evaluations.REASONS.items()):
            b = self._button(text, f"rate_reason_{code}", secondary=True)
            b.setCheckable(True)
            b.clicked.connect(lambda _c=False, v=code: self.choose_reason(v))
            reasons.addWidget(b, i // 3, i % 3)
            self.reason_buttons[code] = b
        rbl.addWidget(self.reason_prompt)
        rbl.addLayout(reasons)
        self.rating_message = self._label("message")
        self.submit_button = self._button(self.tr("提交评价"), "rate_submit")
        self.submit_button.clicked.connect(self.submit)
        self.other_code_button = self._button(self.tr("换一个评价码"), "rate_other", secondary=True)
        self.other_code_button.clicked.connect(self.reset)
        rl.addStretch(1)
        rl.addWidget(self.visit_label)
        rl.addWidget(self.stage_prompt)
        rl.addLayout(stages)
        rl.addWidget(self.grade_prompt)
        rl.addLayout(grades)
        rl.addWidget(self.reason_box)
        rl.addWidget(self.rating_message)
        rl.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(self.other_code_button, 1)
        actions.addWidget(self.submit_button, 2)
        rl.addLayout(actions)

        # step 3: thanks
        thanks = QWidget()
        tl = QVBoxLayout(thanks)
        self.thanks_label = self._label("ok")
        self.again_button = self._button(self.tr("评价其他环节或其他评价码"), "rate_again", secondary=True)
        self.again_button.clicked.connect(self.reset)
        tl.addStretch(1)
        tl.addWidget(self.thanks_label)
        tl.addStretch(1)
        tl.addWidget(self.again_button)

        for step in (entry, rating, thanks):
            self.steps.addWidget(step)
        self.back_button = self._button(self.tr("返回首页"), "rate_home", secondary=True)
        self.back_button.clicked.connect(home)
        lay.addWidget(self.back_button)

    def _add_key(self, grid: QGridLayout, key: str, text: str, row: int, col: int, span: int = 1) -> None:
        b = self._button(text, "key")
        b.setProperty("key", key)
        b.clicked.connect(lambda _c=False, k=key: self.key(k))
        b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        grid.addWidget(b, row, col, 1, span)
        self.keypad_buttons.append(b)

    def apply_fonts(self, elderly: bool) -> None:
        """The kiosk's sizes (bigger in elderly mode); called after the kiosk styled every button."""
        f = self._font
        scale = 1.3 if elderly else 1.0
        self.title.setFont(f(26, True))
        for w in (
            self.entry_hint,
            self.visit_label,
            self.stage_prompt,
            self.grade_prompt,
            self.reason_prompt,
        ):
            w.setFont(f(18, True))
        for w in (self.entry_message, self.rating_message):
            w.setFont(f(18, False))
        self.thanks_label.setFont(f(24, True))
        self.code_edit.setFont(f(28, True))
        self.code_edit.setMinimumHeight(int(64 * scale))
        for b in self.keypad_buttons:
            b.setFont(f(18, True))
            b.setMinimumHeight(int(56 * scale))
            b.setMinimumWidth(0)
        for b in self.grade_buttons.values():
            b.setFont(f(16, True))
            b.setMinimumHeight(int(96 * scale))
            b.setMinimumWidth(0)
            b.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for b in (*self.reason_buttons.values(), *self.stage_buttons.values()):
            b.setFont(f(16, True))
            b.setMinimumHeight(int(56 * scale))
        self.elderly = elderly
        self._arrange()

    def _arrange(self) -> None:
        """Grades and reasons in rows that fit: one row each on a wide screen (height is short
        there), three to a row where the width is short (portrait, elderly)."""
        wide = self.width() > self.height()
        narrow = self.elderly and not wide
        for i, g in enumerate(sorted(evaluations.GRADES, reverse=True)):
            self.grades_layout.addWidget(
                self.grade_buttons[g], i // 3 if narrow else 0, i % 3 if narrow else i
            )
        for i, b in enumerate(self.reason_buttons.values()):
            self.reasons_layout.addWidget(b, 0 if wide else i // 3, i if wide else i % 3)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    # --- steps -----------------------------------------------------------------------------

    def reset(self, code: str = "") -> None:
        """A fresh page (for the next person, or another code); `code`: a scanned or typed one."""
        self.visit = None
        self._clear_choice()
        self.code_edit.setText(code)
        self.entry_message.setText("")
        self.rating_message.setText("")
        self.steps.setCurrentIndex(ENTRY)
        self.code_edit.setFocus()
        self._touch()

    def _clear_choice(self) -> None:
        self.stage = None
        self.grade = None
        self.reason = ""
        for group in (self.stage_buttons, self.grade_buttons, self.reason_buttons):
            for b in group.values():
                b.setChecked(False)
        self.reason_box.setVisible(False)
        self._update_submit()

    def key(self, key: str) -> None:
        self._touch()
        if key == CLEAR:
            self.code_edit.clear()
        elif key == "←":
            self.code_edit.backspace()
        else:
            self.code_edit.insert(key)

    def take_scan(self, text: str) -> None:
        """A code from a serial-mode scanner (or one scanned on the home page)."""
        if self.steps.currentIndex() != ENTRY:
            self.reset()
        self.code_edit.setText(text.strip())
        self.look_up()

    def look_up(self) -> None:
        text = self.code_edit.text()
        self._touch()
        service = self.service
        self.entry_message.setText(self.tr("正在查询，请稍候…"))
        self.runner.submit(
            lambda: service.look_up(text),
            self._shown,
            lambda exc: self._failed(exc, self.entry_message),
            kind="rating_code",
            buttons=[self.look_up_button],
        )

    def _shown(self, visit: object) -> None:
        if not isinstance(visit, RatingVisit):
            return
        self.visit = visit
        self.code_edit.setText(display(visit.code))
        self.entry_message.setText("")
        self._clear_choice()
        self.visit_label.setText(self._describe(visit))
        can = bool(visit.stages)
        for stage, b in self.stage_buttons.items():
            b.setVisible(stage in visit.stages and len(visit.stages) > 1)
        if len(visit.stages) == 1:
            self.stage = visit.stages[0]
        stage_words = "、".join(self._stage_word(st) for st in visit.stages)
        self.stage_prompt.setText(self.tr("现在可以评价：{0}").format(stage_words) if can else visit.notice)
        self.stage_prompt.setObjectName("rate_stage_prompt" if can else "message")
        self._repolish(self.stage_prompt)
        for w in (self.grade_prompt, *self.grade_buttons.values()):
            w.setVisible(can)
        self.submit_button.setVisible(can)
        self.rating_message.setText(
            self.tr("有两个环节可以评价，请先选择要评价的环节") if len(visit.stages) > 1 else ""
        )
        self.steps.setCurrentIndex(RATING)
        self._update_submit()
        self._touch()
        self.visitShown.emit(visit)
        if not can:
            self.refused.emit(visit.notice)

    def _stage_word(self, stage: str) -> str:
        return self.tr("受理服务") if stage == RatingStage.ACCEPT else self.tr("办结服务")

    def _describe(self, visit: RatingVisit) -> str:
        head = self.tr("评价码 {0}").format(display(visit.code))
        if visit.ticket_number:
            head += self.tr("，号码 {0}").format(visit.ticket_number)
        if visit.visit_date is not None:
            head += self.tr("，{0}年{1}月{2}日").format(
                visit.visit_date.year, visit.visit_date.month, visit.visit_date.day
            )
        if visit.window_label:
            head += f"，{visit.window_label}"
        lines = [head]
        lines += [f"{m.name}（{m.status}）" if m.status else m.name for m in visit.matters]
        if not visit.matters:
            lines.append(self.tr("（本次未受理办件，可评价现场服务）"))
        return "\n".join(lines)

    def choose_stage(self, stage: str) -> None:
        if self.visit is None or stage not in self.visit.stages:
            return
        self._touch()
        self.stage = stage
        for s, b in self.stage_buttons.items():
            b.setChecked(s == stage)
        self.rating_message.setText("")
        self._update_submit()

    def choose_grade(self, grade: int) -> None:
        if self.visit is None or not self.visit.stages:
            return
        self._touch()
        self.grade = grade
        for g, b in self.grade_buttons.items():
            b.setChecked(g == grade)
        bad = grade <= evaluations.BAD_GRADE
        self.reason_box.setVisible(bad)
        if not bad:
            self.reason = ""
            for b in self.reason_buttons.values():
                b.setChecked(False)
        self.rating_message.setText("")
        self._update_submit()

    def choose_reason(self, reason: str) -> None:
        if reason not in evaluations.REASONS:
            return
        self._touch()
        self.reason = reason
        for r, b in self.reason_buttons.items():
            b.setChecked(r == reason)
        self.rating_message.setText("")
        self._update_submit()

    def _update_submit(self) -> None:
        ready = self.visit is not None and self.stage is not None and self.grade is not None
        if ready and self.grade is not None and self.grade <= evaluations.BAD_GRADE:
            ready = bool(self.reason)
        self.submit_button.setEnabled(ready)

    def submit(self) -> bool:
        visit, stage, grade, reason = self.visit, self.stage, self.grade, self.reason
        if visit is None or stage is None:
            self._say(self.tr("请先选择要评价的环节"))
            return False
        if grade is None:
            self._say(self.tr("请先选择评价等级"))
            return False
        if grade <= evaluations.BAD_GRADE and not reason:
            self._say(self.tr("请选择不满意的原因"))
            return False
        service, code = self.service, visit.code
        self.rating_message.setText(self.tr("正在提交，请稍候…"))
        self.runner.submit(
            lambda: service.rate(code, stage, grade, reason),
            self._stored,
            lambda exc: self._failed(exc, self.rating_message),
            kind="rating",
            buttons=[self.submit_button],
        )
        return True

    def _stored(self, result: object) -> None:
        if not isinstance(result, RatedByCode):
            return
        self.visit = None
        self._clear_choice()
        text = self.tr("感谢您对“{0}”环节的评价！").format(self._stage_word(result.stage))
        if result.bad:
            text += "\n" + self.tr("我们会认真核实整改，大厅工作人员将与您联系回访")
        self.thanks_label.setText(text)
        self.steps.setCurrentIndex(THANKS)
        self._touch()
        self.rated.emit(result)

    def _say(self, text: str) -> None:
        self.rating_message.setText(text)

    def _failed(self, exc: Exception, where: QLabel) -> None:
        if isinstance(exc, RatingCodeError | evaluations.EvaluationError | StorageError):
            text = str(exc)
        else:
            log.error("kiosk rating failed", exc_info=exc)
            text = self.tr("评价暂时无法提交，请稍后再试或联系工作人员")
        where.setText(text)
        self._touch()
        self.refused.emit(text)

    @staticmethod
    def _repolish(w: QWidget) -> None:
        w.style().unpolish(w)
        w.style().polish(w)
