"""The v2 training recipe on synthetic backbone features (no backbone needed here)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from model_export.data import DataError, split_indices
from model_export.heads import PolyHeads
from model_export.numerics import round_nli
from model_export.train import EarlyStopping, Features, TrainConfig, hybrid_loss, train_heads

LABELS = ["A", "B", "C"]


pytestmark = pytest.mark.usefixtures("one_thread")


def synthetic_task(n=200, hidden=16, length=10, seed=0, nli_noise=True):
    """Each label plants its direction in one token of the texts that have it; NLI scores are noise."""
    g = np.random.default_rng(seed)
    dirs = g.standard_normal((len(LABELS), hidden)).astype(np.float32)
    y = (g.random((n, len(LABELS))) < 0.5).astype(np.float32)
    lens = g.integers(3, length + 1, size=n)
    mask = (np.arange(length)[None] < lens[:, None]).astype(np.int64)
    hidden_states = 0.5 * g.standard_normal((n, length, hidden)).astype(np.float32)
    for i in range(n):
        for j in range(len(LABELS)):
            if y[i, j]:
                hidden_states[i, g.integers(0, lens[i])] += 2.0 * dirs[j]
    hidden_states *= mask[..., None]
    nli = g.random((n, len(LABELS))).astype(np.float32) if nli_noise else y * 0.9 + 0.05
    embs = dirs + 0.1 * g.standard_normal(dirs.shape).astype(np.float32)
    return Features(nli=nli, hidden=hidden_states, mask=mask, label_embs=embs), y


def small_cfg(**kw):
    base = {"epochs": 6, "num_codes": 4, "proj_dim": 16, "cv_folds": 5, "seed": 3}
    base.update(kw)
    return TrainConfig(**base)


def _train(feat, y, cfg, specialists=("A", "B", "C")):
    tr, va = split_indices(len(y), cfg.train_fraction, cfg.split_seed)
    specialists = list(specialists)
    cols = [LABELS.index(s) for s in specialists]
    f = Features(nli=feat.nli, hidden=feat.hidden, mask=feat.mask, label_embs=feat.label_embs[cols])
    return train_heads(f, y, LABELS, specialists, cfg, train_idx=tr, val_idx=va, progress=False)


def test_hybrid_beats_noise_nli_baseline():
    feat, y = synthetic_task()
    # The recipe, with a larger learning rate so that 6 epochs of 160 examples suffice
    # (the logit scale starts at 1, as in the original, and has to grow).
    res = _train(feat, y, small_cfg(epochs=6, lr=3e-2))
    rows = {r["system"]: r for r in res.table_rows}
    nli_f1 = rows["NLI baseline (t=0.5)"]["macro_f1"]
    hyb_f1 = rows["Hybrid (t=0.5)"]["macro_f1"]
    assert nli_f1 < 0.65
    assert hyb_f1 > 0.85 and hyb_f1 > nli_f1 + 0.2
    assert rows["Hybrid (CV thresholds)"]["macro_f1"] > 0.8
    assert len(res.thresholds) == 3 and all(0.01 <= t <= 0.98 for t in res.thresholds)


def test_label_without_head_keeps_nli_score():
    feat, y = synthetic_task(n=120)
    res = _train(feat, y, small_cfg(epochs=2), specialists=("A", "C"))
    assert res.heads.labels == ["A", "C"]
    va = res.val_idx
    np.testing.assert_array_equal(res.val_scores["hybrid"][:, 1], round_nli(feat.nli[va, 1]))
    assert not np.array_equal(res.val_scores["hybrid"][:, 0], feat.nli[va, 0])


def test_alpha_receives_a_gradient():
    # The v1 bug: alpha never reached the loss. Here the blended BCE must move it.
    torch.manual_seed(0)
    heads = PolyHeads(["A", "B"], torch.randn(2, 8), num_codes=4, proj_dim=8)
    logits = heads(torch.randn(6, 5, 8), torch.ones(6, 5, dtype=torch.int64))
    nli = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5], [0.95, 0.3], [0.1, 0.6], [0.4, 0.99]])
    y = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    hybrid_loss(logits, nli, y, heads.alpha_raw, small_cfg()).backward()
    assert heads.alpha_raw.grad is not None
    assert torch.all(heads.alpha_raw.grad.abs() > 1e-6)
    # And training moves the alphas away from their 0.5 start: towards NLI when NLI is right.
    feat, yy = synthetic_task(n=120, nli_noise=False)
    res = _train(feat, yy, small_cfg(epochs=3, lr=3e-2))
    assert all(a > 0.51 for a in res.heads.alphas())


def test_kl_term_is_kl_nli_to_poly_on_confident_samples():
    cfg = small_cfg()
    logit = torch.tensor([[0.3], [-1.0], [2.0]])
    nli = torch.tensor([[0.9], [0.5], [0.1]])  # the middle one is not confident
    y = torch.tensor([[1.0], [0.0], [1.0]])
    alpha_raw = torch.zeros(1)
    without = hybrid_loss(logit, nli, y, alpha_raw, TrainConfig(kl_weight=0.0))
    with_kl = hybrid_loss(logit, nli, y, alpha_raw, cfg)
    pp = torch.sigmoid(logit[[0, 2], 0])
    q = nli[[0, 2], 0]
    kl = torch.mean(q * torch.log(q / pp) + (1 - q) * torch.log((1 - q) / (1 - pp)))
    assert torch.allclose(with_kl - without, cfg.kl_weight * kl, atol=1e-6)


def test_kl_target_is_clamped_like_the_poly_probability():
    # NLI exactly 0 and 1 (both confident): the target enters as [1e-7, 1 - 1e-7], as in the original.
    cfg = small_cfg()
    logit = torch.tensor([[4.0], [-3.0]], dtype=torch.float64)
    nli = torch.tensor([[0.0], [1.0]], dtype=torch.float64)
    y = torch.tensor([[1.0], [0.0]], dtype=torch.float64)
    alpha_raw = torch.zeros(1, dtype=torch.float64)
    kl_part = hybrid_loss(logit, nli, y, alpha_raw, cfg) - hybrid_loss(logit, nli, y, alpha_raw, TrainConfig(kl_weight=0.0))
    eps = 1e-7
    p = torch.sigmoid(logit[:, 0]).clamp(eps, 1 - eps)
    q = nli[:, 0].clamp(eps, 1 - eps)
    want = cfg.kl_weight * torch.mean(q * torch.log(q / p) + (1 - q) * torch.log((1 - q) / (1 - p)))
    assert torch.isfinite(kl_part)
    assert abs(float(kl_part - want)) < 1e-12
    # The unclamped target (0 * log 0 = 0) would be measurably different.
    unclamped = cfg.kl_weight * torch.mean(torch.stack([-torch.log(1 - p[0]), -torch.log(p[1])]))
    assert abs(float(kl_part - unclamped)) > 1e-7


def test_learning_rate_follows_the_per_epoch_cosine():
    # CosineAnnealingLR(T_max=epochs, eta_min=0.02 * lr), stepped once per epoch: every step of epoch e
    # (the last one is recorded) uses eta_min + (lr - eta_min) * (1 + cos(pi * (e - 1) / epochs)) / 2.
    feat, y = synthetic_task(n=120)
    cfg = small_cfg(epochs=5, patience=99, batch_size=16)
    res = _train(feat, y, cfg)
    eta_min = cfg.min_lr_ratio * cfg.lr
    want = [eta_min + (cfg.lr - eta_min) * (1 + math.cos(math.pi * (e - 1) / cfg.epochs)) / 2 for e in range(1, 6)]
    got = [h["lr"] for h in res.history]
    assert got == pytest.approx(want, rel=1e-12)
    assert got[0] == cfg.lr and len(got) == 5


def test_early_stopping_starts_from_zero_and_keeps_the_first_best():
    s = EarlyStopping(patience=3)
    assert [s.update(e, f) for e, f in enumerate([0.0, 0.4, 0.4, 0.3], start=1)] == [False, True, False, False]
    assert (s.best_epoch, s.best, s.bad, s.stop) == (2, 0.4, 2, False)
    s = EarlyStopping(patience=3)
    assert [s.update(e, 0.0) for e in (1, 2, 3)] == [False, False, False]
    assert (s.best_epoch, s.best, s.stop) == (0, 0.0, True)
    # Through training: validation without positives scores macro F1 0.0 at every epoch. No epoch is
    # best (not epoch 1, as a start below 0 would make it), training stops after `patience` epochs
    # and the heads of the last epoch are kept, since there is no best to restore.
    feat, y = synthetic_task(n=120)
    tr, va = split_indices(len(y), 0.8, 42)
    y = y.copy()
    y[va] = 0
    cfg = small_cfg(epochs=10, patience=3, lr=3e-2)
    res = train_heads(feat, y, LABELS, LABELS, cfg, train_idx=tr, val_idx=va, progress=False)
    assert [h["val_macro_f1_at_0.5"] for h in res.history] == [0.0, 0.0, 0.0]
    assert (res.best_epoch, res.best_val_macro_f1, res.epochs_run) == (0, 0.0, 3)
    assert res.heads.alphas() == res.history[-1]["alphas"] != res.history[0]["alphas"]


def test_training_blends_nli_rounded_to_6_decimals():
    feat, y = synthetic_task(n=120)
    rounded = Features(nli=round_nli(feat.nli).astype(np.float32), hidden=feat.hidden, mask=feat.mask, label_embs=feat.label_embs)
    assert not np.array_equal(rounded.nli, feat.nli)
    a = _train(feat, y, small_cfg(epochs=2))
    b = _train(rounded, y, small_cfg(epochs=2))
    # Training rounds the scores itself: raw and pre-rounded inputs train the same heads.
    for (ka, va), (kb, vb) in zip(a.heads.state_dict().items(), b.heads.state_dict().items(), strict=True):
        assert ka == kb and torch.equal(va, vb), ka
    assert a.val_scores["nli"].tolist() == [[round(float(v), 6) for v in row] for row in feat.nli[a.val_idx]]


def test_training_is_deterministic_with_a_seed():
    feat, y = synthetic_task(n=120)
    a = _train(feat, y, small_cfg(epochs=3))
    b = _train(feat, y, small_cfg(epochs=3))
    for (ka, va), (kb, vb) in zip(a.heads.state_dict().items(), b.heads.state_dict().items(), strict=True):
        assert ka == kb and torch.equal(va, vb)
    assert a.table_rows == b.table_rows
    c = _train(feat, y, small_cfg(epochs=3, seed=4))
    assert not torch.equal(a.heads.alpha_raw, c.heads.alpha_raw)


def test_early_stopping_restores_best_epoch():
    feat, y = synthetic_task(n=120)
    res = _train(feat, y, small_cfg(epochs=12, patience=2, lr=3e-2))
    f1s = [h["val_macro_f1_at_0.5"] for h in res.history]
    assert res.best_epoch == 1 + int(np.argmax(f1s))
    assert res.epochs_run == len(res.history)
    assert res.epochs_run < 12 or res.best_epoch >= 11
    assert res.table_rows[1]["macro_f1"] == pytest.approx(max(f1s))


def test_specialist_without_positives_in_train_split_is_an_error():
    feat, y = synthetic_task(n=50)
    tr, va = split_indices(50)
    y = y.copy()
    y[tr, 1] = 0
    f = Features(nli=feat.nli, hidden=feat.hidden, mask=feat.mask, label_embs=feat.label_embs)
    with pytest.raises(DataError, match="'B' has no positive example in the training split"):
        train_heads(f, y, LABELS, LABELS, small_cfg(), train_idx=tr, val_idx=va, progress=False)
