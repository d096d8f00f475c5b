"""The intake form: applicant (ID-card reader or typed, validated live), matter or 一件事 search,
materials checklist, and one button per path of DOMAIN.md. Saved as a draft while the clerk types."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QEvent,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.cases import service
from app.cases.errors import CaseError, InvalidApplicant
from app.cases.types import (
    ApplicantData,
    Document,
    IntakeRequest,
    IntakeResult,
    MaterialCheck,
    MatterInfo,
    ScenarioInfo,
)
from app.counter.desk import Chosen, CounterDesk, MatterChoice, RestoredDraft
from app.errors import StorageError
from app.validators import card_problem, mask_name
from app.vocab import IntakePath
from ui.counter.confirm import ask_confirm
from ui.counter.models import MaterialRow, MaterialsModel, MatterSearchModel, SearchHit
from ui.tasks import TaskRunner

log = logging.getLogger("onewindow.ui")

DRAFT_DELAY_MS = 300
APPLICANT_FIELDS = ("name", "id_number", "phone", "address", "company_name", "uscc", "legal_representative")
PATH_BUTTONS = (
    ("accept", QT_TRANSLATE_NOOP("IntakeForm", "受理"), "Ctrl+Return"),
    ("one_time_notice", QT_TRANSLATE_NOOP("IntakeForm", "一次性告知"), "Ctrl+Shift+N"),
    ("commitment", QT_TRANSLATE_NOOP("IntakeForm", "告知承诺"), "Ctrl+Shift+C"),
    ("tolerance", QT_TRANSLATE_NOOP("IntakeForm", "容缺受理"), "Ctrl+Shift+T"),
    ("reject", QT_TRANSLATE_NOOP("IntakeForm", "不予受理"), "Ctrl+Shift+R"),
    ("instant", QT_TRANSLATE_NOOP("IntakeForm", "秒批"), "Ctrl+Shift+I"),
)


def _flags(commitment: bool, instant: bool, tolerance: bool) -> str:
    return "、".join(n for n, f in (("告知承诺", commitment), ("秒批", instant), ("容缺", tolerance)) if f)


@dataclass(frozen=True, slots=True)
class IntakeOutcome:
    path: str
    result: IntakeResult
    documents: tuple[Document, ...]
    paths: tuple[Path, ...]


class IntakeForm(QWidget):
    """`accepted(IntakeResult)` once the cases are committed, `completed(IntakeOutcome)` when their
    documents are ready, `failed(str)` with the reason when something is refused; `chosen()` when
    the matters picked (or restored) are shown, `searched()` when search hits are shown.

    Every question to the hall goes to the counter desk on `runner` (the counter's worker
    thread); the PDFs are built on a second runner of their own (reportlab is slow and
    process-global)."""

    accepted = Signal(object)
    completed = Signal(object)
    failed = Signal(str)
    changed = Signal()
    chosen = Signal()
    searched = Signal()

    def __init__(
        self,
        desk: CounterDesk,
        *,
        documents_dir: Path,
        runner: TaskRunner | None = None,
        print_config: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.desk = desk
        self.clerk = desk.clerk
        self.runner = runner or TaskRunner("intake", self)
        self.documents = TaskRunner("intake-documents", self)
        self.documents_dir = documents_dir
        self.print_config = print_config  # printing.layout.PrintConfig; None: from the settings
        self.ticket_id: uuid.UUID | None = None
        self.ticket_holder = ""  # masked name of a real-name ticket's holder (张*三), else ""
        self.ask_confirm: Callable[[str, str, str], bool] = self._ask_confirm
        self.matters: list[MatterInfo] = []
        self.scenario: ScenarioInfo | None = None
        self._restoring = False
        self._pick_first = False  # Enter pressed before the search hits arrived
        self.last_saved: dict[str, Any] | None = None
        self.draft_listeners: list[Callable[[], None]] = []
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.save_draft)
        self._restoring = True  # building the widgets is not typing
        self._build()
        self._restoring = False

    # --- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        root = QVBoxLayout(self)
        who = QGroupBox(self.tr("申请人（刷身份证自动填写）"))
        form = QFormLayout(who)
        kinds = QHBoxLayout()
        self.person_radio = QRadioButton(self.tr("个人"))
        self.company_radio = QRadioButton(self.tr("企业"))
        self.person_radio.setChecked(True)
        self._kind_group = QButtonGroup(self)
        for radio in (self.person_radio, self.company_radio):
            # Room for the indicator, its gap and the text with a margin (the layout check's measure).
            indicator = radio.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth)
            radio.setMinimumWidth(radio.fontMetrics().horizontalAdvance(radio.text()) + indicator + 20)
            self._kind_group.addButton(radio)
            kinds.addWidget(radio)
            radio.toggled.connect(self._kind_changed)
        kinds.addStretch(1)
        form.addRow(self.tr("类型"), kinds)
        self.holder_label = QLabel()
        self.holder_label.setObjectName("ticket_holder")
        self.holder_label.setWordWrap(True)
        self.holder_label.setStyleSheet("color: #1f618d;")
        self.holder_label.setVisible(False)
        form.addRow(self.holder_label)
        labels = {
            "name": self.tr("姓名"),
            "id_number": self.tr("证件号码"),
            "phone": self.tr("手机号码"),
            "address": self.tr("地址"),
            "company_name": self.tr("企业名称"),
            "uscc": self.tr("统一社会信用代码"),
            "legal_representative": self.tr("法定代表人"),
        }
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self._rows: dict[str, tuple[QLabel, QWidget]] = {}
        for key in APPLICANT_FIELDS:
            edit = QLineEdit()
            edit.setObjectName(f"{key}_edit")
            edit.setMaxLength({"id_number": 18, "uscc": 18, "phone": 20, "name": 64}.get(key, 200))
            err = QLabel()
            err.setObjectName(f"{key}_error")
            err.setStyleSheet("color: #c0392b;")
            err.setVisible(False)
            box = QWidget()
            lay = QVBoxLayout(box)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.setSpacing(0)
            lay.addWidget(edit)
            lay.addWidget(err)
            label = QLabel(labels[key])
            form.addRow(label, box)
            self._rows[key] = (label, box)
            self.edits[key] = edit
            self.errors[key] = err
            edit.textEdited.connect(lambda _t, k=key: self._field_edited(k))
        root.addWidget(who)

        matter_box = QGroupBox(self.tr("办理事项（名称、编码或拼音首字母；一件事）"))
        mlay = QVBoxLayout(matter_box)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("matter_search")
        self.search_edit.setPlaceholderText(self.tr("例如：gtgsh、个体工商户、事项编码"))
        self.search_model = MatterSearchModel()
        self.results = QListView()
        self.results.setModel(self.search_model)
        self.results.setMaximumHeight(110)
        self.results.activated.connect(self._hit_activated)
        self.results.setVisible(False)
        self.search_edit.textEdited.connect(self._search)
        self.search_edit.installEventFilter(self)
        self.search_edit.returnPressed.connect(self._choose_first_hit)
        self.selected_label = QLabel(self.tr("尚未选择事项"))
        self.selected_label.setWordWrap(True)
        clear = QPushButton(self.tr("清除事项"))
        clear.clicked.connect(self.clear_matters)
        top = QHBoxLayout()
        top.addWidget(self.search_edit, 1)
        top.addWidget(clear)
        mlay.addLayout(top)
        mlay.addWidget(self.results)
        mlay.addWidget(self.selected_label)
        root.addWidget(matter_box)

        mat_box = QGroupBox(self.tr("申请材料（勾选已收取；红色为核心材料）"))
        alay = QVBoxLayout(mat_box)
        self.materials_model = MaterialsModel()
        self.materials_view = QTableView()
        self.materials_view.setModel(self.materials_model)
        self.materials_view.setObjectName("materials_view")
        self.materials_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.materials_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # F2 (or typing) edits 问题说明 in place; Tab walks the cells; Space ticks the row.
        self.materials_view.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        self.materials_view.setWordWrap(True)
        header = self.materials_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(MaterialsModel.COL_PROBLEM, QHeaderView.ResizeMode.Stretch)
        self.materials_view.verticalHeader().setVisible(False)
        self.materials_view.installEventFilter(self)
        self.materials_model.dataChanged.connect(lambda *_: self._materials_edited())
        self.materials_model.modelReset.connect(self._show_missing)
        self.all_button = QPushButton(self.tr("全部收到 (Ctrl+Shift+A)"))
        self.all_button.setObjectName("all_received")
        self.all_button.clicked.connect(self.all_received)
        all_key = QShortcut(QKeySequence("Ctrl+Shift+A"), self)
        all_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        all_key.activated.connect(self.all_received)
        alay.addWidget(self.materials_view)
        row = QHBoxLayout()
        self.missing_label = QLabel()
        self.missing_label.setObjectName("missing_materials")
        self.missing_label.setWordWrap(True)
        row.addWidget(self.missing_label, 1)
        row.addWidget(self.all_button)
        alay.addLayout(row)
        root.addWidget(mat_box, 1)

        self.notes_edit = QPlainTextEdit()
        self.notes_edit.setObjectName("notes_edit")
        self.notes_edit.setPlaceholderText(self.tr("不予受理理由 / 一次性告知的其他事项 / 备注（每行一条）"))
        self.notes_edit.setMaximumHeight(70)
        self.notes_edit.textChanged.connect(self._touched)
        root.addWidget(self.notes_edit)

        self.message = QLabel()
        self.message.setObjectName("intake_message")
        self.message.setWordWrap(True)
        root.addWidget(self.message)

        buttons = QGridLayout()  # two rows of three: fits a 1366-pixel counter beside the queue
        self.path_buttons: dict[str, QPushButton] = {}
        for i, (path, text, keys) in enumerate(PATH_BUTTONS):
            b = QPushButton(f"{self.tr(str(text))}  {keys.replace('Return', 'Enter')}")
            b.setObjectName(f"path_{path}")
            b.clicked.connect(lambda _c=False, p=path: self.submit(p))
            buttons.addWidget(b, i // 3, i % 3)
            self.path_buttons[path] = b
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(lambda p=path: self.submit(p))
        root.addLayout(buttons)
        self._kind_changed()
        self._update_buttons()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up/Down in the search box move through the hits, so the mouse is never needed; Space
        in the materials table ticks (or unticks) the current row, whatever its column."""
        if (
            watched is getattr(self, "materials_view", None)
            and event.type() == QEvent.Type.ShortcutOverride
            and event.key() == Qt.Key.Key_F2  # type: ignore[attr-defined]
            and self.materials_view.currentIndex().column() == MaterialsModel.COL_PROBLEM
        ):
            # On 问题说明, F2 edits the cell (the platform's edit key) instead of 重呼.
            event.accept()
            return True
        if (
            watched is getattr(self, "materials_view", None)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Space  # type: ignore[attr-defined]
            and self.materials_view.state() != QAbstractItemView.State.EditingState
        ):
            row = self.materials_view.currentIndex().row()
            current = self.materials_model.row_at(row)
            if current is not None:
                self.materials_model.set_received(row, not current.received)
            return True
        if watched is self.search_edit and event.type() == QEvent.Type.KeyPress and self.search_model.hits:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                row = self.results.currentIndex().row()
                row = (
                    min(len(self.search_model.hits) - 1, row + 1)
                    if key == Qt.Key.Key_Down
                    else max(0, row - 1)
                )
                self.results.setCurrentIndex(self.search_model.index(row, 0))
                return True
        return super().eventFilter(watched, event)

    # --- applicant -------------------------------------------------------------------------

    def applicant(self) -> ApplicantData:
        values = {k: e.text() for k, e in self.edits.items()}
        return ApplicantData(kind="company" if self.company_radio.isChecked() else "person", **values)

    def _kind_changed(self) -> None:
        company = self.company_radio.isChecked()
        for key in ("company_name", "uscc", "legal_representative"):
            label, box = self._rows[key]
            label.setVisible(company)
            box.setVisible(company)
        self._rows["name"][0].setText(self.tr("经办人姓名") if company else self.tr("姓名"))
        self._touched()

    def _field_edited(self, key: str) -> None:
        if key in ("id_number", "uscc"):
            edit = self.edits[key]
            upper = edit.text().upper()
            if upper != edit.text():
                pos = edit.cursorPosition()
                edit.setText(upper)
                edit.setCursorPosition(pos)
        self.validate_live()
        self._touched()

    def validate_live(self, *, all_fields: bool = False) -> dict[str, str]:
        """Show the problems of the fields typed so far (all fields when submitting)."""
        errs = service.validate_applicant(self.applicant())
        for key, label in self.errors.items():
            text = errs.get(key, "")
            if not all_fields and not self.edits[key].text().strip():
                text = ""
            # An ID number still being typed is not yet wrong.
            if not all_fields and key == "id_number" and len(self.edits[key].text().strip()) < 18:
                text = ""
            if not all_fields and key == "uscc" and len(self.edits[key].text().strip()) < 18:
                text = ""
            label.setText(text)
            label.setVisible(bool(text))
        return errs

    def set_ticket_holder(self, ticket_id: uuid.UUID | None, holder: str) -> None:
        """The called ticket's real-name holder (masked) is shown above the applicant: the clerk
        swipes that person's card to fill the form, and a different card is questioned."""
        self.ticket_holder = holder if ticket_id is not None else ""
        self.holder_label.setText(
            self.tr("实名取号：%1 · 请刷其身份证填写").replace("%1", self.ticket_holder)
            if self.ticket_holder
            else ""
        )
        self.holder_label.setVisible(bool(self.ticket_holder))

    def fill_from_card(self, card: Any) -> None:
        """An ID card was read: name, number and address go into the form (audited). A card of
        another person than the one in the form, or than the real-name ticket's holder, is asked
        about first."""
        problem = card_problem(card, self.desk.today())  # the hall's one card rule, as at the kiosk
        if problem is not None:
            self.message.setStyleSheet("color: #c62828;")
            self.message.setText(self.tr("此证件不能用于办理：%1").replace("%1", problem))
            return
        number = str(getattr(card, "id_number", "")).strip().upper()
        typed = self.edits["id_number"].text().strip().upper()
        if typed and number and typed != number:
            who = mask_name(self.edits["name"].text()) or typed[:4] + "…"
            if not self.ask_confirm(
                self.tr("更换申请人"),
                self.tr("表单中已是另一位申请人（%1），所刷身份证为 %2。是否替换为刷卡人？")
                .replace("%1", who)
                .replace("%2", mask_name(str(getattr(card, "name", "")))),
                self.tr("替换 (Y)"),
            ):
                self.message.setText(self.tr("已保留表单中的申请人，未使用刷卡信息"))
                return
            self._apply_card(card)
            return
        if self.ticket_id is not None and self.ticket_holder and number:
            desk, tid = self.desk, self.ticket_id
            self.runner.submit(
                lambda: desk.holder_matches(tid, number),
                lambda same: self._holder_checked(card, same),
                lambda exc: self._holder_check_failed(card, exc),
            )
            return
        self._apply_card(card)

    def _holder_check_failed(self, card: Any, exc: Exception) -> None:
        log.warning("holder check failed: %s", exc)
        self._apply_card(card)  # the form is filled; the clerk sees the masked holder above it

    def _holder_checked(self, card: Any, same: bool | None) -> None:
        if same is False and not self.ask_confirm(
            self.tr("与取号人不一致"),
            self.tr("所刷身份证（%1）不是该号的实名取号人（%2）。确认由刷卡人办理？")
            .replace("%1", mask_name(str(getattr(card, "name", ""))))
            .replace("%2", self.ticket_holder),
            self.tr("确认办理 (Y)"),
        ):
            self.message.setStyleSheet("color: #d35400;")
            self.message.setText(self.tr("刷卡人与实名取号人不一致，未填入表单"))
            return
        self._apply_card(card)

    def _apply_card(self, card: Any) -> None:
        self.edits["name"].setText(str(getattr(card, "name", "")))
        self.edits["id_number"].setText(str(getattr(card, "id_number", "")))
        address = str(getattr(card, "address", "") or "")
        appended = str(getattr(card, "appended_address", "") or "")
        self.edits["address"].setText(appended or address)
        self.validate_live()
        self._touched()
        number = str(getattr(card, "id_number", ""))
        self.runner.submit(  # the read is audited (masked number) on the worker thread
            lambda: self.desk.card_read(number),
            lambda _r: None,
            lambda exc: log.warning("audit of a card read failed: %s", exc),
        )
        self.message.setStyleSheet("")
        self.message.setText(self.tr("已读取身份证：%1").replace("%1", str(getattr(card, "name", ""))))
        self.focus_first_field()

    def focus_first_field(self) -> None:
        """Keyboard-first: the cursor goes to the first visible applicant field still empty, else
        to the matter search (after F4 and after a card read)."""
        for key in APPLICANT_FIELDS:
            edit = self.edits[key]
            if self._rows[key][1].isVisibleTo(self) and not edit.text().strip():
                edit.setFocus(Qt.FocusReason.OtherFocusReason)
                return
        target = self.search_edit if not self.matters else self.materials_view
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        if target is self.materials_view and self.materials_model.rowCount():
            self.materials_view.setCurrentIndex(self.materials_model.index(0, 0))

    def _ask_confirm(self, title: str, text: str, yes: str) -> bool:
        return ask_confirm(self, title, text, yes, QMessageBox.Icon.Warning)

    # --- materials -------------------------------------------------------------------------

    def all_received(self) -> None:
        self.materials_model.set_all_received(True)

    def _materials_edited(self) -> None:
        self._show_missing()
        self._touched()

    def _show_missing(self) -> None:
        """The line under the checklist follows every tick: what is still missing, and which of
        it may be 容缺."""
        rows = self.materials_model.rows
        if not rows:
            self.missing_label.clear()
            return
        missing = self.materials_model.missing()
        if not missing:
            self.missing_label.setStyleSheet("color: #1e8449;")
            self.missing_label.setText(self.tr("必交材料已齐全"))
        else:
            tolerable = [r.name for r in missing if r.tolerable]
            text = self.tr("缺少材料：%1").replace("%1", "、".join(r.name for r in missing))
            if tolerable and len(tolerable) == len(missing):
                text += self.tr("（均可容缺受理）")
            elif tolerable:
                text += self.tr("（其中可容缺：%1）").replace("%1", "、".join(tolerable))
            self.missing_label.setStyleSheet("color: #c0392b;")
            self.missing_label.setText(text)
        if "缺少材料" in self.message.text():  # a refusal about materials is now out of date
            self.message.clear()

    # --- matters ---------------------------------------------------------------------------

    def _search(self, text: str) -> None:
        q = text.strip()
        if not q:
            self._pick_first = False
            self.runner.submit(lambda: [], self._show_hits, kind="search")  # drops a search in flight
            return
        self.runner.submit(lambda: self.desk.search(q), self._show_hits, self._search_failed, kind="search")

    def _show_hits(self, hits: list[MatterChoice]) -> None:
        self.search_model.set_hits(
            [
                SearchHit(h.id, h.code, h.name, _flags(h.commitment, h.instant, h.tolerance), h.is_scenario)
                for h in hits
            ]
        )
        self.results.setVisible(bool(self.search_model.hits))
        if self.search_model.hits:
            self.results.setCurrentIndex(self.search_model.index(0, 0))
        self.searched.emit()
        if self._pick_first:
            self._pick_first = False
            self._choose_first_hit()

    def _search_failed(self, exc: Exception) -> None:
        self._pick_first = False
        self._show_error(_text(exc))

    def _choose_first_hit(self) -> None:
        idx = self.results.currentIndex()
        if not idx.isValid() and self.search_model.hits:
            idx = self.search_model.index(0, 0)
        if idx.isValid():
            self._hit_activated(idx)
        elif self.runner.busy("search"):
            self._pick_first = True  # Enter before the hits arrived: take the first when they do

    def _hit_activated(self, index: QModelIndex) -> None:
        hit = self.search_model.hits[index.row()]
        if hit.is_scenario:
            self.choose_scenario(hit.id)
        else:
            self.choose_matter(hit.id)
        self.search_edit.clear()
        self.search_model.set_hits([])
        self.results.setVisible(False)

    def choose_matter(self, matter_id: uuid.UUID) -> None:
        """One matter for this application (replaces a 一件事 choice); `chosen` follows."""
        self.runner.submit(
            lambda: self.desk.matter(matter_id), self._chose, self._choose_failed, kind="choose"
        )

    def choose_scenario(self, scenario_id: uuid.UUID) -> None:
        """一件事: one form, every matter of the scenario; `chosen` follows."""
        self.runner.submit(
            lambda: self.desk.scenario(scenario_id), self._chose, self._choose_failed, kind="choose"
        )

    def _chose(self, chosen: Chosen) -> None:
        self.scenario = chosen.scenario
        self.matters = list(chosen.matters)
        self._matters_changed()
        self.chosen.emit()

    def _choose_failed(self, exc: Exception) -> None:
        self._show_error(_text(exc))
        self.chosen.emit()

    def clear_matters(self) -> None:
        self.scenario = None
        self.matters = []
        self._matters_changed()

    def _matters_changed(self, checks: dict[str, list[Any]] | None = None) -> None:
        rows = []
        for m in self.matters:
            for x in m.materials:
                saved = (checks or {}).get(str(x.id))
                rows.append(
                    MaterialRow(
                        x.id,
                        m.name,
                        x.name,
                        x.form,
                        x.copies,
                        x.required,
                        x.core,
                        bool(saved[0]) if saved else False,
                        str(saved[1]) if saved else "",
                        tolerable=m.tolerance and x.required and not x.core,
                    )
                )
        self.materials_model.set_rows(rows)
        if not self.matters:
            self.selected_label.setText(self.tr("尚未选择事项"))
        else:
            parts = []
            for m in self.matters:
                flags = _flags(m.commitment, m.instant, m.tolerance)
                limit = self.tr("即办") if m.promised_days == 0 else f"{m.promised_days}个工作日"
                parts.append(f"{m.name}（{m.code}，承诺{limit}{'，' + flags if flags else ''}）")
            head = f"【一件事：{self.scenario.name}】" if self.scenario else ""
            away = ""
            if self.scenario and self.scenario.elsewhere:
                away = self.tr("（另需到区政务服务中心办理：%1）").replace(
                    "%1", "、".join(self.scenario.elsewhere_names)
                )
            self.selected_label.setText(head + "；".join(parts) + away)
        self._update_buttons()
        self._touched()

    def _update_buttons(self) -> None:
        has = bool(self.matters)
        for path, b in self.path_buttons.items():
            ok = has
            if path == IntakePath.COMMITMENT:
                ok = has and all(m.commitment for m in self.matters)
            elif path == IntakePath.INSTANT:
                ok = has and all(m.instant for m in self.matters)
            elif path == IntakePath.TOLERANCE:
                ok = has and any(m.tolerance for m in self.matters)
            b.setEnabled(ok)

    # --- submit ----------------------------------------------------------------------------

    def request(self) -> IntakeRequest:
        return IntakeRequest(
            applicant=self.applicant(),
            matter_ids=tuple(m.id for m in self.matters),
            materials=tuple(
                MaterialCheck(r.material_id, r.received, r.problem) for r in self.materials_model.rows
            ),
            scenario_id=self.scenario.id if self.scenario else None,
            ticket_id=self.ticket_id,
            notes=self.notes_edit.toPlainText(),
        )

    def _lines(self) -> list[str]:
        return [line.strip() for line in self.notes_edit.toPlainText().splitlines() if line.strip()]

    def submit(self, path: str) -> bool:
        """Take the application in along `path`: checked here, committed by the desk on the worker
        thread (the path buttons off meanwhile). False with the reason shown when refused at
        once; otherwise `accepted` (the form cleared) or `failed` (the form kept) follows, and
        the documents through `completed`."""
        if self.runner.busy("submit"):
            self._show_error(self.tr("正在保存，请稍候"))
            return False
        if not self.path_buttons[path].isEnabled():
            self._show_error(self.tr("当前所选事项不支持该办理方式"))
            return False
        errs = self.validate_live(all_fields=True)
        if errs:
            self._show_error(str(InvalidApplicant(errs)))
            return False
        lines = self._lines()
        req = self.request()
        if path in (IntakePath.REJECT, IntakePath.ONE_TIME_NOTICE):
            req = IntakeRequest(
                req.applicant, req.matter_ids, req.materials, req.scenario_id, req.ticket_id, ""
            )
        self._draft_timer.stop()  # the submit drops the draft in its own transaction
        self.message.setStyleSheet("")
        self.message.setText(self.tr("正在保存…"))
        self.runner.submit(
            lambda: self.desk.submit(
                req,
                path,
                reasons=lines if path == IntakePath.REJECT else (),
                other_requirements=lines if path == IntakePath.ONE_TIME_NOTICE else (),
            ),
            lambda result: self._submitted(path, result),
            self._submit_failed,
            kind="submit",
            buttons=self.path_buttons.values(),
        )
        return True

    def _submitted(self, path: str, result: IntakeResult) -> None:
        numbers = "、".join(result.case_numbers)
        msg = self.tr("已办理：%1，正在生成文书…").replace("%1", numbers)
        if result.warnings:
            msg += "（" + "；".join(result.warnings) + "）"
        self.message.setStyleSheet("color: #1e8449;")
        self.message.setText(msg)
        log.info("intake %s: %s", path, numbers)
        # After a one-time notice the same applicant usually goes on (another matter, or the
        # corrected one later): keep who they are, clear what was applied for.
        self.reset(keep_message=True, keep_applicant=path == IntakePath.ONE_TIME_NOTICE)
        self.accepted.emit(result)
        self._build_documents(path, result)

    def _submit_failed(self, exc: Exception) -> None:
        if isinstance(exc, StorageError):
            self._show_error(self.tr("保存失败，表单内容已保留，请重试：%1").replace("%1", str(exc)))
        else:
            self._show_error(_text(exc))
        if not self.is_empty():
            self._draft_timer.start()  # the form is kept: so is its draft

    def _build_documents(self, path: str, result: IntakeResult) -> None:
        """PDFs are built on the document runner; `completed` fires when they are saved."""
        ids = [c.id for c in result.cases]
        config, directory = self._print_config(), self.documents_dir
        self.documents.submit(
            lambda: self.desk.build_documents(ids, directory, config),
            lambda built: self._documents_ready(path, result, *built),
            self._documents_failed,
        )

    def _documents_ready(
        self, path: str, result: IntakeResult, docs: list[Document], paths: list[Path]
    ) -> None:
        numbers = "、".join(result.case_numbers)
        msg = self.tr("已办理：%1").replace("%1", numbers)
        if result.warnings:
            msg += "（" + "；".join(result.warnings) + "）"
        if self.is_empty():
            self.message.setStyleSheet("color: #1e8449;")
            self.message.setText(msg)
        self.completed.emit(IntakeOutcome(path, result, tuple(docs), tuple(paths)))

    def _documents_failed(self, exc: Exception) -> None:
        log.error("building documents failed", exc_info=exc)
        text = f"{type(exc).__name__}: {exc}"
        self._show_error(
            self.tr("办件已保存，但文书生成失败（%1），请在“我的办件”中重新打印").replace("%1", text)
        )

    def wait_documents(self, timeout_ms: int = 30000) -> bool:
        """Run the event loop until the intake and its documents are delivered (scripts and
        screenshots; the clerk's screen never waits)."""
        return self.runner.wait(timeout_ms) and self.documents.wait(timeout_ms)

    def _print_config(self) -> Any:
        if self.print_config is None:
            from printing.layout import PrintConfig

            doc = self.desk.ctx.settings.printers.document
            self.print_config = PrintConfig(font_path=doc.font_path or None, qr_template=doc.qr_template)
        return self.print_config

    def _show_error(self, text: str) -> None:
        self.message.setStyleSheet("color: #c0392b;")
        self.message.setText(text)
        self.failed.emit(text)

    def reset(self, *, keep_message: bool = False, keep_applicant: bool = False) -> None:
        self._restoring = True
        try:
            if not keep_applicant:
                for e in self.edits.values():
                    e.clear()
                for label in self.errors.values():
                    label.clear()
                    label.setVisible(False)
                self.person_radio.setChecked(True)
            self.notes_edit.clear()
            self.search_edit.clear()
            self.search_model.set_hits([])
            self.scenario = None
            self.matters = []
            self._matters_changed()
            if not keep_message:
                self.message.clear()
        finally:
            self._restoring = False
        self._draft_timer.stop()
        if keep_applicant and not self.is_empty():
            self._draft_timer.start()  # the kept applicant is the draft now

    # --- drafts ----------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        return {
            "applicant": self.applicant().to_dict(),
            "matter_ids": [str(m.id) for m in self.matters],
            "scenario_id": str(self.scenario.id) if self.scenario else None,
            "materials": {str(r.material_id): [r.received, r.problem] for r in self.materials_model.rows},
            "notes": self.notes_edit.toPlainText(),
            "ticket_id": str(self.ticket_id) if self.ticket_id else None,
        }

    def is_empty(self) -> bool:
        st = self.state()
        return (
            not any(v for k, v in st["applicant"].items() if k != "kind")
            and not st["matter_ids"]
            and not st["notes"]
        )

    def restore(self, draft: RestoredDraft) -> None:
        """Fill the form from a restored draft (its matters already looked up by the desk)."""
        data = draft.data
        self._restoring = True
        try:
            a = ApplicantData.from_dict(dict(data.get("applicant") or {}))
            (self.company_radio if a.kind == "company" else self.person_radio).setChecked(True)
            for key in APPLICANT_FIELDS:
                self.edits[key].setText(getattr(a, key))
            self.notes_edit.setPlainText(str(data.get("notes") or ""))
            self.scenario = draft.chosen.scenario
            self.matters = list(draft.chosen.matters)
            if draft.problem:
                self._show_error(self.tr("草稿中的事项已不可办理：%1").replace("%1", draft.problem))
                self.scenario, self.matters = None, []
            self._matters_changed(dict(data.get("materials") or {}))
            self.validate_live()
        finally:
            self._restoring = False

    def _touched(self) -> None:
        if self._restoring:
            return
        self.changed.emit()
        self._draft_timer.start()

    def save_draft(self) -> None:
        """Write the form (the debounce timer calls this ~300 ms after the last keystroke) on the
        worker thread; a newer save supersedes one still waiting. `draft_saved` follows."""
        self._draft_timer.stop()
        if self.runner.busy("submit"):
            return  # the submit drops the draft; the form is cleared or kept (then saved) after it
        if self.is_empty():
            self.runner.submit(
                self.desk.clear_draft, lambda _r: self._draft_done(None), self._draft_failed, kind="draft"
            )
            return
        ticket, data = self.ticket_id, self.state()
        self.runner.submit(
            lambda: self.desk.save_draft(ticket, data),
            lambda _r: self._draft_done(data),
            self._draft_failed,
            kind="draft",
        )

    def _draft_done(self, data: dict[str, Any] | None) -> None:
        self.last_saved = data  # what the hall now holds (None: no draft)
        self.draft_saved()

    def _draft_failed(self, exc: Exception) -> None:
        log.warning("saving the intake draft failed: %s", exc)
        self.message.setText(self.tr("草稿保存失败，请勿关闭程序，稍后自动重试"))
        self._draft_timer.start(2000)

    def draft_saved(self) -> None:
        """Hook for scripts and tests: called after every committed draft save."""
        for cb in list(self.draft_listeners):
            cb()

    def flush_draft(self) -> None:
        """Queue the pending save now (closing): the runner's thread writes it before it stops."""
        if self._draft_timer.isActive():
            self.save_draft()

    def load_draft(self, on_done: Callable[[bool], None] | None = None) -> None:
        """Restore the unfinished intake of this clerk at this window (audited by the desk);
        `on_done(restored)` after it is shown."""

        def shown(draft: RestoredDraft | None) -> None:
            if draft is not None:
                self.restore(draft)
                if draft.ticket_id and self.ticket_id is None:
                    self.ticket_id = draft.ticket_id
                self.message.setText(self.tr("已恢复上次未完成的受理内容"))
            if on_done is not None:
                on_done(draft is not None)

        def failed(exc: Exception) -> None:
            self._show_error(self.tr("读取草稿失败：%1").replace("%1", _text(exc)))
            if on_done is not None:
                on_done(False)

        self.runner.submit(self.desk.restore_draft, shown, failed)

    def clear_draft(self) -> None:
        self._draft_timer.stop()
        self.runner.submit(
            self.desk.clear_draft,
            lambda _r: None,
            lambda exc: log.warning("clearing the intake draft failed: %s", exc),
            kind="draft",
        )


def _text(exc: Exception) -> str:
    """What the clerk reads: a refusal's own sentence, or a plain one for a bug."""
    if isinstance(exc, CaseError | StorageError):
        return str(exc)
    log.error("intake job failed", exc_info=exc)
    return f"操作失败，请重试（{type(exc).__name__}）"
