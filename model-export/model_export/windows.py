"""Token windows of a long text (the app's optional windowed scoring): the one Python statement of the rule.

The app (src/engine/tokenize.ts `windowSpans`) states the same rule; both run the cases in
window_cases.json, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

Aggregate = Literal["max", "mean"]


def window_spans(tokens: int, room: int, stride: int) -> list[tuple[int, int]]:
    """[start, end) token spans covering a text of `tokens` tokens, `room` tokens each.

    Why this shape: a text that fits is one span (scored exactly as when truncating); a longer one gets
    a window starting every `stride` tokens (clamped to `room`, so no token is skipped), and the last
    window ends at the text's end, so every token is read and every window is full.
    """
    if room < 1:
        raise ValueError(f"room must be at least 1 token, got {room}")
    if stride < 1:
        raise ValueError(f"stride must be at least 1 token, got {stride}")
    if tokens <= room:
        return [(0, tokens)]
    step = min(stride, room)
    starts = [*range(0, tokens - room, step), tokens - room]
    return [(s, s + room) for s in starts]


def aggregate(scores: Sequence[float], how: Aggregate) -> float:
    """A label's NLI score over a text's windows: the max (any window entails) or the mean."""
    if not scores:
        raise ValueError("no windows to aggregate")
    if how == "max":
        return max(scores)
    return sum(scores) / len(scores)
