"""Time-interval arithmetic the task helpers share (common.py and visual.py both read it)."""
from __future__ import annotations


def overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    """Seconds that [a0, a1] and [b0, b1] share (0 when they are apart)."""
    return max(0.0, min(a1, b1) - max(a0, b0))
