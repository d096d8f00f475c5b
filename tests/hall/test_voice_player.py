from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.hall.voice import Utterance, call_utterance
from ui.voice.backends import ClipBackend, ClipLibrary, RecordingBackend, VoiceBackend
from ui.voice.player import VoicePlayer


def test_calls_in_quick_succession_never_overlap(qtbot: QtBot) -> None:
    backend = RecordingBackend(duration_s=0.03)
    player = VoicePlayer(backend, repeat=2, pause_ms=5)
    for number, window in (("A001", 1), ("A002", 2), ("B001", 3)):
        player.announce_call(number, window)
    qtbot.waitUntil(lambda: len(backend.spoken) == 6 and not player.busy, timeout=3000)
    assert [(s.text, s.repeat) for s in backend.spoken] == [
        ("请 A001 号到 1 号窗口办理", 1),
        ("请 A001 号到 1 号窗口办理", 2),
        ("请 A002 号到 2 号窗口办理", 1),
        ("请 A002 号到 2 号窗口办理", 2),
        ("请 B001 号到 3 号窗口办理", 1),
        ("请 B001 号到 3 号窗口办理", 2),
    ]
    assert backend.overlaps == 0
    for a, b in zip(backend.spoken, backend.spoken[1:], strict=False):
        assert a.end <= b.start
    player.stop()


class _Hung(VoiceBackend):
    name = "hung"

    def __init__(self) -> None:
        super().__init__()
        self.said: list[str] = []

    def speak(self, utterance: Utterance) -> None:
        self.said.append(utterance.key)

    def estimate_s(self, utterance: Utterance) -> float:
        return 0.0


def test_watchdog_moves_on_when_backend_hangs(qtbot: QtBot) -> None:
    backend = _Hung()
    player = VoicePlayer(backend, repeat=1, pause_ms=0, watchdog_margin_ms=20)
    finished: list[str] = []
    player.utteranceFinished.connect(lambda u: finished.append(u.key))
    player.announce_call("A001", 1)
    player.announce_call("A002", 1)
    # the hung backend never reports an end: only the watchdog finishes each utterance
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=3000)
    expected = [call_utterance("A001", 1).key, call_utterance("A002", 1).key]
    assert backend.said == expected and finished == expected
    assert not player.busy  # nothing left hanging once the queue is spoken
    player.stop()


def test_clip_backend_renders_and_finishes_without_audio_device(qtbot: QtBot) -> None:
    lib = ClipLibrary()
    utt = call_utterance("A012", 5)
    pcm = lib.render(utt.clips)
    assert 1.0 < lib.duration_s(pcm) < 8.0
    backend = ClipBackend(lib)
    short = Utterance("t", "一", "一", ("d1",))
    with qtbot.waitSignal(backend.finished, timeout=5000):
        backend.speak(short)


def test_tts_backend_speaks_and_finishes(qtbot: QtBot) -> None:
    from ui.voice.backends import TtsBackend

    backend = TtsBackend("mock")  # Qt's test engine: speaks into nothing, reports states
    assert not backend.select_chinese()
    with qtbot.waitSignal(backend.finished, timeout=5000):
        backend.speak(call_utterance("A012", 5))
