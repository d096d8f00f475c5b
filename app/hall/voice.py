"""What the hall says, as data: the call sentence, its spoken form and the clip sequence, and a
queue that hands out one utterance at a time so announcements never overlap.

Plain Python (no Qt, no audio): the player in ui/voice drives a backend (text-to-speech, bundled
clips, or a recording test backend) from `VoiceQueue.next()`.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from dataclasses import dataclass, field

log = logging.getLogger("onewindow.ui.voice")

DIGITS = "零一二三四五六七八九"

#: kiosk prompts: name → (text on screen and for TTS); the clip of the same name says it.
PROMPTS: dict[str, str] = {
    "p_welcome": "欢迎光临，请点击要办的业务",
    "p_swipe": "请把身份证放在读卡区",
    "p_take": "请取走号票，留意叫号",
    "p_printer_fail": "打印失败，请点重试或找工作人员",
    "p_fever": "体温偏高，请到防疫登记处",
    "p_checkin": "请刷身份证或输入预约码",
}

#: every clip resources/voice/make_clips.sh writes (a test checks the files are there)
CLIPS: tuple[str, ...] = (
    *(f"d{i}" for i in range(10)),
    "ten",
    "hundred",
    *(f"l_{c}" for c in "abcdefghijklmnopqrstuvwxyz"),
    "w_qing",
    "w_hao",
    "w_dao",
    "w_hao_window",
    "w_banli",
    *PROMPTS,
)

_TICKET_RE = re.compile(r"^([A-Za-z]{0,4})(\d{1,6})$")


class VoiceTextError(ValueError):
    """A ticket or window number that cannot be announced."""


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (window numbers 1–999)."""
    if not 0 < n < 1000:
        raise VoiceTextError(f"window number {n} out of range 1–999")
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += DIGITS[hundreds] + "百"
        if tens == 0 and ones:
            return out + "零" + DIGITS[ones]
    if tens:
        out += ("" if tens == 1 and not hundreds else DIGITS[tens]) + "十"
    if ones:
        out += DIGITS[ones]
    return out


def _number_clips(n: int) -> list[str]:
    text = chinese_number(n)
    names = {"十": "ten", "百": "hundred"}
    return [names.get(ch) or f"d{DIGITS.index(ch)}" for ch in text]


def _split_ticket(number: str) -> tuple[str, str]:
    m = _TICKET_RE.match(number.strip())
    if not m:
        raise VoiceTextError(f"ticket number {number!r} is not letters followed by digits")
    return m.group(1).upper(), m.group(2)


@dataclass(frozen=True)
class Utterance:
    """One thing to say once. `repeat` is 1-based (the second saying of a call is repeat 2)."""

    key: str  # what it is about ("call:A012:5", "prompt:p_take") — for logs and de-duplication
    text: str  # shown on screen: 请 A012 号到 5 号窗口办理
    speech: str  # for a TTS engine: digits spelled out so no engine reads 012 as "twelve"
    clips: tuple[str, ...]  # for the clip backend
    repeat: int = 1
    repeats: int = 1


def call_utterance(
    number: str, window: int, *, area: str = "", repeat: int = 1, repeats: int = 1
) -> Utterance:
    """请 A012 号到 5 号窗口办理 — ticket digits read one by one, the window as a number. `area`: the
    window's hall area, for a visit at a later stop (请 A012 号到 不动产专区 5 号窗口办理); the
    bundled clips cannot say an area's name, so the clip backend leaves it out."""
    prefix, digits = _split_ticket(number)
    win = chinese_number(window)
    where = f"{area} {window}" if area else f"{window}"
    text = f"请 {prefix}{digits} 号到 {where} 号窗口办理"
    spoken_where = f"{area}，{win}" if area else win
    speech = f"请 {' '.join(prefix)} {''.join(DIGITS[int(d)] for d in digits)} 号，到 {spoken_where} 号窗口办理"
    clips = (
        "w_qing",
        *(f"l_{c.lower()}" for c in prefix),
        *(f"d{d}" for d in digits),
        "w_hao",
        "w_dao",
        *_number_clips(window),
        "w_hao_window",
        "w_banli",
    )
    return Utterance(f"call:{prefix}{digits}:{window}", text, speech, clips, repeat, repeats)


def move_utterance(number: str, area: str, *, repeat: int = 1, repeats: int = 1) -> Utterance:
    """多窗联办: 请 A012 号到 不动产专区 等候 — a visit sent on to its next stop's area. The clips
    say only 请 A012 号 (there is no clip for an area's name)."""
    prefix, digits = _split_ticket(number)
    if not area.strip():
        raise VoiceTextError("no area to send the ticket to")
    text = f"请 {prefix}{digits} 号到 {area} 等候"
    speech = f"请 {' '.join(prefix)} {''.join(DIGITS[int(d)] for d in digits)} 号，到 {area} 等候"
    clips = ("w_qing", *(f"l_{c.lower()}" for c in prefix), *(f"d{d}" for d in digits), "w_hao")
    return Utterance(f"move:{prefix}{digits}:{area}", text, speech, clips, repeat, repeats)


def prompt_utterance(name: str) -> Utterance:
    if name not in PROMPTS:
        raise VoiceTextError(f"unknown prompt {name!r}")
    text = PROMPTS[name]
    return Utterance(f"prompt:{name}", text, text, (name,))


@dataclass
class VoiceQueue:
    """FIFO of utterances. A call is queued `repeat` times back to back; a call already waiting
    (a quick recall) is not queued twice; a new prompt replaces a waiting one, since a prompt
    that comes late is noise. `max_pending` bounds the backlog after a burst of calls:
    the oldest are dropped (the board still shows them)."""

    repeat: int = 2
    max_pending: int = 40
    _items: deque[Utterance] = field(default_factory=deque)

    def __post_init__(self) -> None:
        if self.repeat < 1:
            raise ValueError("voice repeat must be at least 1")

    def __len__(self) -> int:
        return len(self._items)

    def pending(self) -> list[Utterance]:
        return list(self._items)

    def add_call(self, number: str, window: int, area: str = "") -> list[Utterance]:
        """Queue a call; returns what was queued (empty when the same call already waits)."""
        return self._add(
            [
                call_utterance(number, window, area=area, repeat=i, repeats=self.repeat)
                for i in range(1, self.repeat + 1)
            ]
        )

    def add_move(self, number: str, area: str) -> list[Utterance]:
        """Queue 请 A012 号到 不动产专区 等候 (多窗联办), repeated like a call."""
        return self._add(
            [move_utterance(number, area, repeat=i, repeats=self.repeat) for i in range(1, self.repeat + 1)]
        )

    def _add(self, added: list[Utterance]) -> list[Utterance]:
        if any(u.key == added[0].key for u in self._items):
            log.debug("%s already queued", added[0].key)
            return []
        self._items.extend(added)
        self._trim()
        return added

    def add_prompt(self, name: str) -> list[Utterance]:
        utt = prompt_utterance(name)
        # A newer prompt replaces any waiting ones: the screen has moved on.
        self._items = deque(u for u in self._items if not u.key.startswith("prompt:"))
        self._items.append(utt)
        return [utt]

    def next(self) -> Utterance | None:
        return self._items.popleft() if self._items else None

    def clear(self) -> None:
        self._items.clear()

    def _trim(self) -> None:
        while len(self._items) > self.max_pending:
            dropped = self._items.popleft()
            log.warning("voice backlog full, dropped %s", dropped.key)
