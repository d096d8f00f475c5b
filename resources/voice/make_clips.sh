#!/bin/sh
# Regenerate the bundled voice clips (the fallback when no Chinese text-to-speech voice is installed).
# Needs Debian's espeak-ng (apt-get install -y espeak-ng) and python3 (standard library only).
# Output: mono 16 kHz 16-bit WAV files next to this script, silence trimmed; names are what
# app/hall/voice.py asks for (CLIPS there must match the list below).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
voice=${VOICE:-cmn}
speed=${SPEED:-150}
py=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

clip() { # name text [speed]
    espeak-ng -v "$voice" -s "${3:-$speed}" -w "$tmp/$1.wav" "$2"
    $py - "$tmp/$1.wav" "$here/$1.wav" <<'PY'
import struct, sys, wave
src, dst = sys.argv[1], sys.argv[2]
with wave.open(src, "rb") as w:
    rate, width, ch = w.getframerate(), w.getsampwidth(), w.getnchannels()
    raw = w.readframes(w.getnframes())
assert width == 2 and ch == 1, "espeak-ng writes 16-bit mono"
s = list(struct.unpack(f"<{len(raw) // 2}h", raw))
# trim silence, keep 30 ms either side so words do not clip
thr = 300
idx = [i for i, v in enumerate(s) if abs(v) > thr] or [0]
pad = rate * 30 // 1000
s = s[max(0, idx[0] - pad): idx[-1] + pad]
# linear resample to 16 kHz
out_rate = 16000
n = max(1, int(len(s) * out_rate / rate))
res = []
for i in range(n):
    x = i * rate / out_rate
    j = int(x)
    f = x - j
    a = s[j] if j < len(s) else 0
    b = s[j + 1] if j + 1 < len(s) else a
    res.append(int(a + (b - a) * f))
with wave.open(dst, "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(out_rate)
    w.writeframes(struct.pack(f"<{len(res)}h", *res))
PY
}

# digits and number words (window numbers are read as numbers: 十二 号窗口)
clip d0 零; clip d1 一; clip d2 二; clip d3 三; clip d4 四
clip d5 五; clip d6 六; clip d7 七; clip d8 八; clip d9 九
clip ten 十; clip hundred 百
# letters of ticket prefixes (espeak-ng cmn reads Latin letters the English way, as halls do)
for l in A B C D E F G H I J K L M N O P Q R S T U V W X Y Z; do
    lower=$(printf %s "$l" | tr 'A-Z' 'a-z')
    clip "l_$lower" "$l"
done
# words of the call: 请 A012 号 到 5 号窗口 办理
clip w_qing 请
clip w_hao 号
clip w_dao 到
clip w_hao_window 号窗口
clip w_banli 办理
# kiosk prompts (elderly mode)
fast=${PROMPT_SPEED:-200}
clip p_welcome "欢迎光临 请点击要办的业务" "$fast"
clip p_swipe "请把身份证放在读卡区" "$fast"
clip p_take "请取走号票 留意叫号" "$fast"
clip p_printer_fail "打印失败 请点重试或找工作人员" "$fast"
clip p_fever "体温偏高 请到防疫登记处" "$fast"
clip p_checkin "请刷身份证或输入预约码" "$fast"
echo "clips written to $here"
