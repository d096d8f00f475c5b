from __future__ import annotations

import wave

import pytest

from app.hall.voice import (
    CLIPS,
    VoiceQueue,
    VoiceTextError,
    call_utterance,
    chinese_number,
    prompt_utterance,
)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (5, "五"),
        (10, "十"),
        (12, "十二"),
        (20, "二十"),
        (35, "三十五"),
        (100, "一百"),
        (105, "一百零五"),
        (110, "一百一十"),
        (999, "九百九十九"),
    ],
)
def test_chinese_number(n: int, text: str) -> None:
    assert chinese_number(n) == text


@pytest.mark.parametrize("n", [0, -1, 1000])
def test_chinese_number_out_of_range(n: int) -> None:
    with pytest.raises(VoiceTextError):
        chinese_number(n)


def test_call_utterance_text_speech_and_clips() -> None:
    u = call_utterance("A012", 5)
    assert u.text == "请 A012 号到 5 号窗口办理"
    assert "零一二" in u.speech and "五 号窗口" in u.speech
    assert u.clips == ("w_qing", "l_a", "d0", "d1", "d2", "w_hao", "w_dao", "d5", "w_hao_window", "w_banli")
    assert call_utterance("b7", 12).clips[1:3] == ("l_b", "d7")
    assert call_utterance("C001", 12).clips[-4:-2] == ("ten", "d2")


@pytest.mark.parametrize("bad", ["", "012A", "A-1", "ABCDE1", "A1234567"])
def test_bad_ticket_numbers(bad: str) -> None:
    with pytest.raises(VoiceTextError):
        call_utterance(bad, 1)


def test_queue_repeats_in_order_and_dedupes_waiting_call() -> None:
    q = VoiceQueue(repeat=2)
    assert len(q.add_call("A001", 1)) == 2
    assert q.add_call("A001", 1) == []  # quick recall while still queued
    q.add_call("B002", 3)
    order = [(u.key, u.repeat) for u in iter(q.next, None)]
    assert order == [("call:A001:1", 1), ("call:A001:1", 2), ("call:B002:3", 1), ("call:B002:3", 2)]


def test_queue_bounds_backlog_and_replaces_prompts() -> None:
    q = VoiceQueue(repeat=1, max_pending=3)
    for i in range(5):
        q.add_call(f"A{i:03d}", 1)
    assert [u.key for u in q.pending()] == ["call:A002:1", "call:A003:1", "call:A004:1"]
    q.clear()
    q.add_prompt("p_welcome")
    q.add_prompt("p_take")
    assert [u.key for u in q.pending()] == ["prompt:p_take"]
    with pytest.raises(VoiceTextError):
        prompt_utterance("nope")
    with pytest.raises(ValueError):
        VoiceQueue(repeat=0)


def test_every_clip_is_bundled_small_mono_16k() -> None:
    from ui.voice.backends import CLIP_DIR

    total = 0
    for name in CLIPS:
        path = CLIP_DIR / f"{name}.wav"
        with wave.open(str(path), "rb") as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000), name
            assert w.getnframes() > 800, f"{name} is (nearly) empty"
        total += path.stat().st_size
    assert total < 2_000_000
    extra = {p.stem for p in CLIP_DIR.glob("*.wav")} - set(CLIPS)
    assert not extra, f"clips nobody uses: {extra}"
