"""Voice backends: they say one utterance and emit `finished` when done, nothing more.

- `TtsBackend`: QtTextToSpeech with a Chinese voice (only chosen when the system has one);
- `ClipBackend`: the bundled recorded clips (resources/voice) concatenated into one PCM buffer
  and played through QAudioSink; with no audio output it keeps the timing silently, so the
  queue and the board behave the same on a PC whose speakers are unplugged;
- `RecordingBackend`: for tests — records what was said with start/end times.

Every backend must emit `finished` exactly once per `speak`, also on errors: the player's
watchdog covers a backend that never does.
"""

from __future__ import annotations

import logging
import time
import wave
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QLocale, QObject, QTimer, Signal
from PySide6.QtMultimedia import QAudio, QAudioFormat, QAudioSink, QMediaDevices, QtAudio

from app.hall.voice import Utterance

log = logging.getLogger("onewindow.ui.voice")

CLIP_DIR = Path(__file__).resolve().parents[2] / "resources" / "voice"
CLIP_RATE = 16000
GAP_MS = 40  # silence between two clips of one sentence


class VoiceBackend(QObject):
    finished = Signal()
    name = "none"

    def speak(self, utterance: Utterance) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        """Cut the current utterance short (emits `finished` if one was playing)."""

    def estimate_s(self, utterance: Utterance) -> float:
        """A generous guess of how long `utterance` takes (the player's watchdog uses it)."""
        return 0.35 * max(4, len(utterance.speech))


class ClipError(RuntimeError):
    pass


def load_clip(path: Path) -> bytes:
    with wave.open(str(path), "rb") as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, CLIP_RATE):
            raise ClipError(f"{path.name}: expected mono 16-bit {CLIP_RATE} Hz WAV")
        return w.readframes(w.getnframes())


class ClipLibrary:
    """The bundled clips, loaded once; `render()` concatenates a clip sequence into PCM."""

    def __init__(self, directory: Path = CLIP_DIR) -> None:
        self.directory = directory
        self._cache: dict[str, bytes] = {}

    def pcm(self, name: str) -> bytes:
        if name not in self._cache:
            path = self.directory / f"{name}.wav"
            try:
                self._cache[name] = load_clip(path)
            except (OSError, wave.Error, EOFError) as exc:
                raise ClipError(f"voice clip {path} unusable: {exc}") from exc
        return self._cache[name]

    def render(self, clips: tuple[str, ...] | list[str]) -> bytes:
        gap = bytes(2 * CLIP_RATE * GAP_MS // 1000)
        parts: list[bytes] = []
        for name in clips:
            try:
                parts.append(self.pcm(name))
            except ClipError as exc:  # one missing clip must not silence the whole call
                log.error("%s", exc)
        return gap.join(parts)

    @staticmethod
    def duration_s(pcm: bytes) -> float:
        return len(pcm) / (2 * CLIP_RATE)


class ClipBackend(VoiceBackend):
    name = "clips"

    def __init__(self, library: ClipLibrary | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library or ClipLibrary()
        self._sink: QAudioSink | None = None
        self._buffer: QBuffer | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._done)
        self._playing = False

    def estimate_s(self, utterance: Utterance) -> float:
        return self.library.duration_s(self.library.render(utterance.clips)) + 2.0

    def speak(self, utterance: Utterance) -> None:
        pcm = self.library.render(utterance.clips)
        self._playing = True
        duration_ms = int(self.library.duration_s(pcm) * 1000)
        device = QMediaDevices.defaultAudioOutput()
        if device.isNull():
            # No speakers: keep the timing so the queue paces exactly as it would aloud.
            self._timer.start(max(1, duration_ms))
            return
        fmt = QAudioFormat()
        fmt.setSampleRate(CLIP_RATE)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        self._release()
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(pcm))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._sink = QAudioSink(device, fmt, self)
        self._sink.stateChanged.connect(self._state_changed)
        self._sink.start(self._buffer)
        # Safety net: some backends never report Idle after the buffer drains.
        self._timer.start(duration_ms + 1500)

    def _state_changed(self, state: QAudio.State) -> None:
        if self._sink is None:
            return
        if state == QAudio.State.IdleState:
            self._done()
        elif state == QAudio.State.StoppedState and self._sink.error() != QtAudio.Error.NoError:
            log.warning("audio output error %s; continuing silently", self._sink.error())
            self._done()

    def _release(self) -> None:
        sink, self._sink = self._sink, None
        if sink is not None:
            sink.stateChanged.disconnect(self._state_changed)
            sink.stop()
            sink.deleteLater()
        buf, self._buffer = self._buffer, None
        if buf is not None:
            buf.close()
            buf.deleteLater()

    def _done(self) -> None:
        if not self._playing:
            return
        self._playing = False
        self._timer.stop()
        self._release()
        self.finished.emit()

    def stop(self) -> None:
        self._done()


class TtsBackend(VoiceBackend):
    name = "tts"

    def __init__(self, engine: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtTextToSpeech import QTextToSpeech

        self._tts = QTextToSpeech(engine, self) if engine else QTextToSpeech(self)
        self._speaking = False
        self._tts.stateChanged.connect(self._state_changed)

    @staticmethod
    def chinese_voice_available(engine: str = "") -> bool:
        from PySide6.QtTextToSpeech import QTextToSpeech

        tts = QTextToSpeech(engine) if engine else QTextToSpeech()
        try:
            if tts.state() == QTextToSpeech.State.Error:
                return False
            return any(loc.language() == QLocale.Language.Chinese for loc in tts.availableLocales())
        finally:
            tts.deleteLater()

    def select_chinese(self) -> bool:
        for loc in self._tts.availableLocales():
            if loc.language() == QLocale.Language.Chinese:
                self._tts.setLocale(loc)
                return True
        return False

    def speak(self, utterance: Utterance) -> None:
        from PySide6.QtTextToSpeech import QTextToSpeech

        self._speaking = True
        if self._tts.state() == QTextToSpeech.State.Error:
            log.warning("text-to-speech unavailable: %s", self._tts.errorString())
            QTimer.singleShot(0, self._done)
            return
        self._tts.say(utterance.speech)

    def _state_changed(self, state: object) -> None:
        from PySide6.QtTextToSpeech import QTextToSpeech

        if state in (QTextToSpeech.State.Ready, QTextToSpeech.State.Error) and self._speaking:
            self._done()

    def _done(self) -> None:
        if self._speaking:
            self._speaking = False
            self.finished.emit()

    def stop(self) -> None:
        if self._speaking:
            self._tts.stop()
            self._done()


@dataclass(frozen=True)
class Spoken:
    key: str
    text: str
    repeat: int
    start: float  # time.monotonic()
    end: float


class RecordingBackend(VoiceBackend):
    """Test backend: each utterance "lasts" `duration_s`; records start/end of everything said."""

    name = "recording"

    def __init__(self, duration_s: float = 0.05, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.duration_s = duration_s
        self.spoken: list[Spoken] = []
        self.overlaps = 0  # speak() called while still speaking: must stay 0
        self._current: tuple[Utterance, float] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._done)

    def estimate_s(self, utterance: Utterance) -> float:
        return self.duration_s + 1.0

    def speak(self, utterance: Utterance) -> None:
        if self._current is not None:
            self.overlaps += 1
        self._current = (utterance, time.monotonic())
        self._timer.start(int(self.duration_s * 1000))

    def _done(self) -> None:
        if self._current is None:
            return
        utt, start = self._current
        self._current = None
        self.spoken.append(Spoken(utt.key, utt.text, utt.repeat, start, time.monotonic()))
        self.finished.emit()

    def stop(self) -> None:
        self._timer.stop()
        self._done()


def choose_backend(parent: QObject | None = None, *, engine: str = "") -> VoiceBackend:
    """TTS when the system has a Chinese voice, else the bundled clips."""
    try:
        if TtsBackend.chinese_voice_available(engine):
            backend = TtsBackend(engine, parent)
            if backend.select_chinese():
                log.info("voice: text-to-speech with a Chinese voice")
                return backend
            backend.deleteLater()
    except (ImportError, RuntimeError) as exc:
        log.info("voice: text-to-speech unavailable (%s)", exc)
    log.info("voice: bundled clips")
    return ClipBackend(parent=parent)
