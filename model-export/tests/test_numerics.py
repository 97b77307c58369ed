"""The shared score arithmetic: sigmoid, entailment score, NLI rounding and the blend, on every number type."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from model_export.numerics import blend, entailment_scores, round_nli, sigmoid


def test_round_nli_is_python_round_to_6_decimals():
    values = [0.0, 1.0, 0.123456789, 0.9999996, 2.5e-06, 3.5e-06, 0.5078125, 0.29000000000000004]
    got = round_nli(np.array(values, dtype=np.float64))
    assert got.dtype == np.float64 and got.shape == (len(values),)
    assert got.tolist() == [round(v, 6) for v in values]
    assert got.tolist() == [0.0, 1.0, 0.123457, 1.0, 3e-06, 3e-06, 0.507812, 0.29]
    # Not numpy's np.round, which scales by 1e6 first: it sends 2.5e-06 to 2e-06.
    assert np.round(2.5e-06, 6) == 2e-06 and got[4] == 3e-06
    # float32 inputs are rounded from their exact value; shapes are kept; scalars work.
    f32 = np.array([[0.1234565, 0.5]], dtype=np.float32)
    assert round_nli(f32).tolist() == [[round(float(f32[0, 0]), 6), 0.5]]
    assert float(round_nli(0.98765449)) == 0.987654


def test_sigmoid_is_float64_and_matches_the_formula():
    x = np.array([-30.0, -1.5, 0.0, 2.0, 30.0], dtype=np.float32)
    got = sigmoid(x)
    assert got.dtype == np.float64
    assert got.tolist() == [1.0 / (1.0 + math.exp(-float(v))) for v in x]
    assert float(sigmoid(0.0)) == 0.5


def test_entailment_score_contrasts_only_the_two_named_logits():
    logits = np.array([[3.0, 50.0, 1.0], [0.0, -50.0, 0.0]], dtype=np.float32)
    got = entailment_scores(logits, 0, 2)  # a 3-way model: the middle (neutral) logit plays no part
    assert got.tolist() == [1.0 / (1.0 + math.exp(-2.0)), 0.5]


@pytest.mark.parametrize("alpha", [0.0, 0.25, 0.4614235460758209, 1.0])
def test_blend_gives_the_same_bits_for_floats_arrays_and_tensors(alpha):
    nli, poly = 0.970958, 0.346360628
    want = alpha * nli + (1.0 - alpha) * poly
    assert blend(alpha, nli, poly) == want
    assert blend(alpha, np.array([nli]), np.array([poly])).tolist() == [want]
    as_tensor = blend(torch.tensor(alpha, dtype=torch.float64), torch.tensor([nli], dtype=torch.float64),
                      torch.tensor([poly], dtype=torch.float64))
    assert as_tensor.tolist() == [want]
    assert blend(alpha, nli, nli) == pytest.approx(nli)
