"""The voice player: one utterance at a time from `VoiceQueue`, through one backend.

A short pause separates utterances (and the repeats of one call). A watchdog moves on when a
backend never reports the end (audio device gone, speech engine hung): unattended screens must
keep announcing.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from app.hall.voice import Utterance, VoiceQueue, VoiceTextError
from ui.voice.backends import VoiceBackend

log = logging.getLogger("onewindow.ui.voice")


class VoicePlayer(QObject):
    utteranceStarted = Signal(object)  # Utterance
    utteranceFinished = Signal(object)  # Utterance

    def __init__(
        self,
        backend: VoiceBackend,
        *,
        repeat: int = 2,
        pause_ms: int = 400,
        watchdog_margin_ms: int = 3000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        if backend.parent() is None:
            backend.setParent(self)
        self.queue = VoiceQueue(repeat=max(1, repeat))
        self.pause_ms = pause_ms
        self.watchdog_margin_ms = watchdog_margin_ms
        self.muted = False
        self._current: Utterance | None = None
        self.backend.finished.connect(self._on_finished)
        self._next_timer = QTimer(self)
        self._next_timer.setSingleShot(True)
        self._next_timer.timeout.connect(self._pump)
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._on_watchdog)

    @property
    def busy(self) -> bool:
        return self._current is not None

    def announce_call(self, number: str, window: int, area: str = "") -> None:
        if self.muted:
            return
        try:
            self.queue.add_call(number, window, area)
        except VoiceTextError as exc:
            log.warning("not announced: %s", exc)
            return
        self._kick()

    def announce_move(self, number: str, area: str) -> None:
        """多窗联办: 请 A012 号到 不动产专区 等候."""
        if self.muted:
            return
        try:
            self.queue.add_move(number, area)
        except VoiceTextError as exc:
            log.warning("not announced: %s", exc)
            return
        self._kick()

    def prompt(self, name: str) -> None:
        if self.muted:
            return
        try:
            self.queue.add_prompt(name)
        except VoiceTextError as exc:
            log.warning("prompt not spoken: %s", exc)
            return
        self._kick()

    def stop(self) -> None:
        """Clear the queue and cut the current utterance (screen closing)."""
        self.queue.clear()
        self._next_timer.stop()
        self._watchdog.stop()
        if self._current is not None:
            self.backend.stop()
        self._current = None

    def _kick(self) -> None:
        if self._current is None and not self._next_timer.isActive():
            self._pump()

    def _pump(self) -> None:
        if self._current is not None:
            return
        utt = self.queue.next()
        if utt is None:
            return
        self._current = utt
        self._watchdog.start(int(self.backend.estimate_s(utt) * 1000) + self.watchdog_margin_ms)
        self.utteranceStarted.emit(utt)
        self.backend.speak(utt)

    def _on_finished(self) -> None:
        utt, self._current = self._current, None
        self._watchdog.stop()
        if utt is not None:
            self.utteranceFinished.emit(utt)
        if len(self.queue):
            self._next_timer.start(self.pause_ms)

    def _on_watchdog(self) -> None:
        if self._current is not None:
            log.warning("voice backend %s did not finish %s; moving on", self.backend.name, self._current.key)
            self.backend.stop()
            if self._current is not None:  # the backend did not emit finished on stop
                self._on_finished()


def make_player(repeat: int = 2, parent: QObject | None = None, *, engine: str = "") -> VoicePlayer:
    """The hall's voice: a Chinese TTS voice if the system has one, else the bundled clips.

    `repeat` is settings.ui.voice_repeat."""
    from ui.voice.backends import choose_backend

    return VoicePlayer(choose_backend(parent, engine=engine), repeat=repeat, parent=parent)
