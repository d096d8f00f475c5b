"""无声叫号: masked names on the board (never more than the surname), the silent board that never
speaks while a voiced board on the same hall still queues every call, and the kiosk's routing of
elderly and disabled applicants to the 帮办代办 window."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

from app.assist.policy import AssistPolicy
from app.assist.routing import age_on, route
from app.hall.kiosk import KioskService
from app.hall.masking import (
    COMPOUND_SURNAMES,
    board_name,
    is_board_name,
    shows_only_surname,
    surname,
    title_from_id,
)
from app.queue.seed import DEFAULT_CATEGORIES
from app.settings import Settings, load_settings
from tests.hall.conftest import HallFixture, make_ctx
from ui.display.board import DisplayBoard
from ui.voice.backends import RecordingBackend
from ui.voice.player import VoicePlayer

WOMAN_1949 = "11010519491231002X"  # 17th digit 2: a woman, born 1949-12-31
MAN_1985 = "310115198506150030"  # 17th digit 3: a man, born 1985-06-15


@pytest.mark.parametrize(
    ("name", "id_number", "shown"),
    [
        ("张三", WOMAN_1949, "张*女士"),
        ("张小三", MAN_1985, "张*先生"),
        ("欧阳娜娜", WOMAN_1949, "欧阳*女士"),  # compound surname kept whole
        ("司马光", MAN_1985, "司马*先生"),
        ("诸葛", MAN_1985, "诸葛*先生"),  # a name that is only the compound surname
        ("李", WOMAN_1949, "李*女士"),  # one-character name
        ("王五", "", "王*"),  # no ID number: no title guessed
        ("王五", "ABC123456789012", "王*"),  # a 15-character foreigner card: no sex digit
        ("", WOMAN_1949, ""),  # missing name: number only
        ("   ", MAN_1985, ""),
        ("John Smith", MAN_1985, ""),  # not Chinese characters: number only
        ("买买提·艾力", MAN_1985, "买*先生"),
    ],
)
def test_board_name_examples(name: str, id_number: str, shown: str) -> None:
    assert board_name(name, id_number) == shown
    assert shows_only_surname(shown, name)
    assert shown == "" or is_board_name(shown)


def test_masking_pieces() -> None:
    assert surname("欧阳娜娜") == "欧阳" and surname("欧娜") == "欧" and surname("") == ""
    assert title_from_id(WOMAN_1949) == "女士" and title_from_id(MAN_1985) == "先生"
    assert title_from_id(None) == "" and title_from_id("1234") == ""
    # the board's own guard refuses anything but surname + star + title
    for bad in ("张*三", "张三", "张小*女士", "张*女士 ", "", "***", "欧阳娜*"):
        assert not is_board_name(bad), bad
    assert not shows_only_surname("张*三", "张小三")


def test_assist_routing_by_age_and_flag() -> None:
    policy = AssistPolicy(category="assist", elderly_age=60)
    today = dt.date(2026, 12, 7)
    assert age_on(WOMAN_1949, today) == 76 and age_on(MAN_1985, today) == 41
    assert age_on("310115196612080030", today) == 59  # 60 tomorrow
    assert age_on("ABC123456789012", today) is None
    elder = route(policy, "general", "assist", id_number=WOMAN_1949, disabled=False, today=today)
    assert (elder.category, elder.routed, elder.reason, elder.green) == ("assist", True, "elderly", True)
    young = route(policy, "general", "assist", id_number=MAN_1985, disabled=False, today=today)
    assert (young.category, young.routed) == ("general", False)
    flagged = route(policy, "general", "assist", id_number=None, disabled=True, today=today)
    assert (flagged.category, flagged.reason) == ("assist", "disabled")
    off = route(policy, "general", None, id_number=WOMAN_1949, disabled=True, today=today)
    assert (off.category, off.routed) == ("general", False)
    older_rule = route(AssistPolicy(category="assist", elderly_age=80), "general", "assist",
                       id_number=WOMAN_1949, disabled=False, today=today)  # fmt: skip
    assert not older_rule.routed
    with pytest.raises(ValueError, match="elderly_age"):
        AssistPolicy(elderly_age=-1)


def test_board_settings_are_typed(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "settings.toml"
    path.write_text(
        '[board]\nvoice = false\nnames = "surname"\n[assist]\nelderly_age = 65\n', encoding="utf-8"
    )
    s = load_settings(path, environ={})
    assert (s.board.voice, s.board.names, s.assist.elderly_age) == (False, "surname", 65)
    path.write_text('[board]\nnames = "full"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"board\.names"):
        load_settings(path, environ={})


@pytest.fixture
def assist_hall(sqlite_url: str) -> Iterator[HallFixture]:
    h = make_ctx(
        sqlite_url,
        Settings(assist=AssistPolicy(category="H")),  # by prefix, as a hall may write it
        categories=(*DEFAULT_CATEGORIES, ("assist", "帮办代办", "H")),
    )
    yield h
    h.ctx.close()


def test_silent_board_shows_surname_only_and_never_speaks(qtbot: QtBot, assist_hall: HallFixture) -> None:
    from ui.bus import HallBus
    from ui.event_pump import EventPump

    hall = assist_hall
    bus = HallBus()
    pump = EventPump(hall.ctx, bus, after_id=0)
    pump.start()
    try:
        loud_backend, quiet_backend = RecordingBackend(duration_s=0.01), RecordingBackend(duration_s=0.01)
        loud_voice = VoicePlayer(loud_backend, repeat=1, pause_ms=1)
        quiet_voice = VoicePlayer(quiet_backend, repeat=1, pause_ms=1)
        loud = DisplayBoard(hall.ctx, bus, voice=loud_voice)  # the settings' default: voice, numbers only
        quiet = DisplayBoard(hall.ctx, bus, voice=quiet_voice, speak=False, names="surname")
        for b in (loud, quiet):
            qtbot.addWidget(b)
            b.resize(1280, 720)
            b.show()
        kiosk = KioskService(hall.service, "演示中心", assist=AssistPolicy(category="assist"))
        elder = kiosk.issue("general", id_number=WOMAN_1949, name="欧阳娜娜")
        young = kiosk.issue("general", id_number=MAN_1985, name="张小三")
        anonymous = kiosk.issue("business", disabled=True)
        # The elderly woman and the disabled applicant went to 帮办代办 (green channel); he did not.
        assert (elder.info.category_code, elder.routed, elder.info.priority_class) == (
            "assist",
            "elderly",
            "green",
        )
        assert (young.info.category_code, young.routed) == ("general", "")
        assert (anonymous.info.category_code, anonymous.routed) == ("assist", "disabled")
        hall.service.open_window(1)
        hall.service.open_window(2)
        hall.service.call_next(2)  # the green-channel elder first
        hall.service.call_next(1)
        qtbot.waitUntil(lambda: len(loud_backend.spoken) == 2 and not loud_voice.busy, timeout=5000)
        qtbot.waitUntil(
            lambda: (
                quiet.state is not None
                and len(quiet.state.calls) == 2
                and "欧阳" in quiet.earlier_rows[0][1].text()
            ),
            timeout=5000,
        )
        # The voiced board announced both calls; the silent one shows them and said nothing.
        assert {u.text for u in loud_backend.spoken} == {
            f"请 {elder.info.number} 号到 2 号窗口办理",
            f"请 {anonymous.info.number} 号到 1 号窗口办理",
        }
        assert quiet_backend.spoken == [] and len(quiet_voice.queue) == 0 and not quiet_voice.busy
        assert quiet.newest_number.text() == anonymous.info.number and quiet.newest_name.text() == ""
        assert quiet.earlier_rows[0][0].text() == elder.info.number
        assert quiet.earlier_rows[0][1].text() == "欧阳*女士 2 号窗口"
        # The voiced board in "number" mode shows no name at all.
        assert not loud.newest_name.isVisible() and "欧阳" not in loud.earlier_rows[0][1].text()
        hall.service.open_window(3)
        hall.service.call_next(3)  # his turn: the newest call, large, with 张*先生
        qtbot.waitUntil(lambda: quiet.newest_name.text() == "张*先生", timeout=5000)
        assert quiet.newest_number.text() == young.info.number
        qtbot.waitUntil(lambda: len(loud_backend.spoken) == 3, timeout=5000)
        assert quiet_backend.spoken == []
        # Nothing on either board shows more of a name than its surname.
        from PySide6.QtWidgets import QLabel

        for b in (loud, quiet):
            texts = " ".join(lbl.text() for lbl in b.findChildren(QLabel))
            assert "娜" not in texts and "小三" not in texts and "张*三" not in texts
        for b in (loud, quiet):
            b.shutdown()
    finally:
        pump.stop()


def test_default_settings_speak_and_show_numbers() -> None:
    s = Settings()
    assert s.board.voice is True and s.board.names == "number" and s.assist.elderly_age == 60


def test_kiosk_screen_sends_a_disabled_applicant_to_assist(qtbot: QtBot, assist_hall: HallFixture) -> None:
    """Through the kiosk's own buttons: 综合业务, then 残疾人或需要帮办, then 没有身份证，直接取号."""
    from ui.bus import HallBus
    from ui.kiosk.window import KioskWindow

    kiosk = KioskWindow(assist_hall.ctx, HallBus(), screening=False)
    qtbot.addWidget(kiosk)
    kiosk.locked = False
    qtbot.waitUntil(lambda: len(kiosk.options) == 4, timeout=5000)
    general = next(o for o in kiosk.options if o.code == "general")
    kiosk.choose_category(general)
    assert kiosk.assist_button.isVisibleTo(kiosk) and not kiosk.assist_button.isChecked()
    kiosk.assist_button.click()
    assert kiosk.assist_button.text().startswith("已选")
    with qtbot.waitSignal(kiosk.ticketIssued, timeout=5000) as issued:
        kiosk.anonymous_button.click()
    ticket = issued.args[0]
    assert ticket.info.category_code == "assist" and ticket.info.priority_class == "green"
    assert "帮办代办窗口" in kiosk.result_info.text()
    qtbot.waitUntil(lambda: not kiosk._printing and not kiosk._busy, timeout=5000)  # the print attempt ends
    kiosk.go_home()
    assert not kiosk.assist_button.isChecked()  # the next person starts unflagged
    kiosk.shutdown()


def test_board_names_are_forgotten_after_the_day(assist_hall: HallFixture) -> None:
    import sqlalchemy as sa

    from app.retention import apply_retention
    from db.models import TicketBoardName

    hall = assist_hall
    kiosk = KioskService(hall.service, "演示中心")
    t = kiosk.issue("general", id_number=MAN_1985, name="张小三")
    kiosk.issue("general")  # anonymous: no name stored
    with hall.ctx.sessions() as s:
        assert s.scalars(sa.select(TicketBoardName.shown)).all() == ["张*先生"]
    now = dt.datetime.now(dt.UTC)
    assert apply_retention(hall.ctx.sessions, hall.ctx.settings, hall.ctx.site_id, now=now).board_names == 0
    later = now + dt.timedelta(days=1)
    assert apply_retention(hall.ctx.sessions, hall.ctx.settings, hall.ctx.site_id, now=later).board_names == 1
    with hall.ctx.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(TicketBoardName)) == 0
    assert t.info.holder_name == "张*三"  # the ticket itself keeps its own masked name


@settings(max_examples=50, deadline=None)
@given(
    name=st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=0, max_size=6)
    | st.sampled_from(sorted(COMPOUND_SURNAMES)).flatmap(
        lambda c: st.text(alphabet="娜明华强丽", min_size=0, max_size=3).map(lambda g: c + g)
    ),
    id_number=st.sampled_from(["", WOMAN_1949, MAN_1985, "ABC123456789012", "bad"]),
)
def test_board_name_never_shows_more_than_the_surname(name: str, id_number: str) -> None:
    shown = board_name(name, id_number)
    if name:
        assert is_board_name(shown), (name, shown)
        assert shown.split("*")[0] == surname(name)
        assert shows_only_surname(shown, name)
    else:
        assert shown == ""


@pytest.fixture
def sms_hall(sqlite_url: str) -> Iterator[HallFixture]:
    from app.settings import SmsSettings
    from tests.cases.seeding import with_keys

    h = make_ctx(
        sqlite_url,
        Settings(assist=AssistPolicy(category="assist"), sms=SmsSettings(sender="log")),
        categories=(*DEFAULT_CATEGORIES, ("assist", "帮办代办", "H")),
    )
    with_keys(h.ctx.sessions)  # phones are sealed at rest
    yield h
    h.ctx.close()


def test_kiosk_takes_a_relatives_phone_for_an_elderly_applicant(qtbot: QtBot, sms_hall: HallFixture) -> None:
    """A real-name ticket of a 76-year-old: the result page offers 留家人手机; a bad number is refused
    in plain Chinese on the keypad page, a good one is kept (sealed) for the turn reminder."""
    import sqlalchemy as sa

    from db.models import TicketContact
    from devices.idcard.samples import PROTOCOL_SAMPLE, RESIDENT_LONG_TERM
    from ui.bus import HallBus
    from ui.kiosk.window import KioskWindow

    kiosk = KioskWindow(sms_hall.ctx, HallBus(), screening=False)
    qtbot.addWidget(kiosk)
    kiosk.locked = False
    qtbot.waitUntil(lambda: len(kiosk.options) == 4, timeout=5000)
    general = next(o for o in kiosk.options if o.code == "general")

    # A 41-year-old: no offer.
    kiosk.choose_category(general)
    with qtbot.waitSignal(kiosk.ticketIssued, timeout=5000):
        kiosk.on_card(RESIDENT_LONG_TERM)
    assert not kiosk.relative_button.isVisibleTo(kiosk)
    qtbot.waitUntil(lambda: not kiosk._printing and not kiosk._busy, timeout=5000)
    kiosk.go_home()

    kiosk.choose_category(general)
    with qtbot.waitSignal(kiosk.ticketIssued, timeout=5000) as issued:
        kiosk.on_card(PROTOCOL_SAMPLE)
    ticket = issued.args[0]
    assert ticket.elderly and ticket.routed == "elderly" and ticket.info.category_code == "assist"
    assert kiosk.relative_button.isVisibleTo(kiosk)
    kiosk.relative_button.click()
    page = kiosk.contact_page
    assert kiosk.pages.currentWidget() is page
    keys = {b.text(): b for b in page.keys}
    for k in "1380013":
        keys[k].click()
    page.save_button.click()
    qtbot.waitUntil(lambda: page.message.text() != "", timeout=5000)
    assert kiosk.pages.currentWidget() is page  # refused: still on the keypad
    keys["清空"].click()
    for k in "13800138000":
        keys[k].click()
    keys["←"].click()
    keys["0"].click()
    with qtbot.waitSignal(page.finished, timeout=5000) as done:
        page.save_button.click()
    assert done.args == ["138****8000"]
    assert kiosk.pages.currentIndex() == 3  # back on the result page
    assert "138****8000" in kiosk.result_info.text() and not kiosk.relative_button.isVisibleTo(kiosk)
    with sms_hall.ctx.sessions() as s:
        contact = s.scalar(sa.select(TicketContact).where(TicketContact.ticket_id == ticket.info.id))
        assert contact is not None and contact.relation == "relative" and "8000" not in contact.phone
    kiosk.shutdown()


def test_a_closed_assist_queue_falls_back_to_the_chosen_one(sqlite_url: str) -> None:
    """帮办代办 full for today: the elderly applicant still gets a ticket, in the chosen queue, green."""
    h = make_ctx(sqlite_url, categories=(*DEFAULT_CATEGORIES, ("assist", "帮办代办", "H")), daily_cap=1)
    try:
        kiosk = KioskService(h.service, "演示中心", assist=AssistPolicy(category="assist"))
        first = kiosk.issue("business", id_number=WOMAN_1949, name="欧阳娜娜")
        assert (first.info.category_code, first.routed) == ("assist", "elderly")
        second = kiosk.issue("business", disabled=True)  # 帮办代办 has reached its cap of one
        assert (second.info.category_code, second.routed, second.info.priority_class) == (
            "business",
            "",
            "green",
        )
    finally:
        h.ctx.close()
