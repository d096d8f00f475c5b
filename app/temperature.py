"""Entrance temperature screening rules (plain Python, no Qt).

A reading is a fever at or above the venue's threshold (37.3 °C by default, some venues use
37.5). Readings outside 34.0–42.0 °C are not body temperatures (cold forehead, hat, hot cup,
sensor fault): the visitor is asked to measure again — never "normal", never "fever".
"""

from __future__ import annotations

import enum
import math

DEFAULT_FEVER_THRESHOLD = 37.3
MIN_PLAUSIBLE = 34.0
MAX_PLAUSIBLE = 42.0


class TempClass(enum.StrEnum):
    NORMAL = "normal"
    FEVER = "fever"
    REMEASURE = "remeasure"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    TempClass.NORMAL: "体温正常",
    TempClass.FEVER: "体温异常（发热）",
    TempClass.REMEASURE: "请重新测量",
}


def check_threshold(threshold: float) -> float:
    """Validate a configured fever threshold; raises ValueError with a Chinese message."""
    if not math.isfinite(threshold) or not MIN_PLAUSIBLE < threshold <= MAX_PLAUSIBLE:
        raise ValueError(f"发热阈值 {threshold} 不合理，应在 {MIN_PLAUSIBLE} 与 {MAX_PLAUSIBLE} ℃ 之间")
    return threshold


def classify(value: float, threshold: float = DEFAULT_FEVER_THRESHOLD) -> TempClass:
    check_threshold(threshold)
    if not math.isfinite(value):
        return TempClass.REMEASURE
    # Sensors report 0.1/0.01 °C steps; rounding keeps 373 × 0.1 from missing 37.3 by 1e-15.
    v = round(value, 2)
    if v < MIN_PLAUSIBLE or v > MAX_PLAUSIBLE:
        return TempClass.REMEASURE
    return TempClass.FEVER if v >= round(threshold, 2) else TempClass.NORMAL
