"""The score arithmetic every part shares: the NLI entailment score, its 6-decimal rounding and the heads blend.

One home per rule, because the browser (src/engine/blend.ts) and the goldens must agree with training,
evaluation and export validation to the last printed digit; a formula copied into each of them drifts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np

if TYPE_CHECKING:  # torch only for the annotation: `score` and its Ray actors run without importing it (seconds each)
    import torch

# The original rounded every NLI score to this many decimals before blending (training and predict).
NLI_DECIMALS = 6

# What the blend works on: Python floats (goldens), numpy arrays (evaluation) or tensors (training).
Score = TypeVar("Score", float, np.ndarray, "torch.Tensor")


def sigmoid(x: float | np.ndarray) -> np.ndarray:
    """Logistic function in float64 as 1 / (1 + exp(-x)).

    float64 whatever comes in, because the scores are compared, rounded and printed at 9 significant
    digits, more than float32 holds.
    """
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def entailment_scores(logits: np.ndarray, entailment_id: int, not_entailment_id: int) -> np.ndarray:
    """sigmoid(l_entail - l_not) per row, float64: the zero-shot pipeline's multi-label score.

    It is the softmax over the two logits only, so a 3-way model's neutral logit plays no part.
    """
    return sigmoid(logits[:, entailment_id].astype(np.float64) - logits[:, not_entailment_id].astype(np.float64))


def round_nli(scores: float | np.ndarray | Sequence[float]) -> np.ndarray:
    """NLI entailment scores as the original blended them: Python's `round(score, 6)`, float64.

    Every place that blends or thresholds NLI scores (training loss and validation, evaluation, heads
    golden) passes them through here first. It is Python's correctly rounded `round` on the exact
    binary value (an exact tie, e.g. 0.5078125, goes to the even digit), element by element: numpy's
    `np.round` scales by 1e6 first and disagrees on about half the values near a rounding tie
    (2.5e-06 -> 2e-06, where `round` gives 3e-06).
    """
    a = np.asarray(scores, dtype=np.float64)
    return np.array([round(v, NLI_DECIMALS) for v in a.ravel().tolist()], dtype=np.float64).reshape(a.shape)


def blend(alpha: float | Score, nli: Score, poly: Score) -> Score:
    """The hybrid score in probability space: alpha * nli + (1 - alpha) * poly.

    alpha = sigmoid(alpha_raw) is the weight of the NLI score, poly = sigmoid(poly_logit). The terms
    are written in this order everywhere, so floats, arrays and tensors round the same way.
    """
    return alpha * nli + (1.0 - alpha) * poly


def decide(score: Score, threshold: float | Score) -> bool | Score:
    """The one decision rule, as src/engine/blend.ts `decide`: a label is predicted when its score reaches its threshold.

    Equality predicts (`>=`), as the original model did; thresholds are stored as exact floats for that reason.
    """
    return score >= threshold
