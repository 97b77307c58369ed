"""The recipe's training text pass: a PyTorch copy of the bundle's backbone in train mode (dropout),
checked against the bundle's fp32 graph; validation on eval-mode features. Tiny bundle built here."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from test_train_cli import CONFIG, WORDS, make_data

from model_export.bundle import Manifest
from model_export.data import parse_label_config, split_indices
from model_export.errors import ExportError
from model_export.features import OnnxBackbone, encode_ids, load_or_compute_features
from model_export.heads_testing import build_tiny_bundle
from model_export.source import load_source
from model_export.text_pass import (
    CachedTextPass,
    TorchTextPass,
    default_backbone_model,
    load_torch_text_pass,
    match_backbone,
)
from model_export.train import Features, TrainConfig, poly_logits_for, train_heads

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("textpass")
    rows = make_data(80, seed=2)
    texts = [r["text"] for r in rows]
    corpus = texts + [w for ws in WORDS.values() for w in ws]
    bundle = build_tiny_bundle(root / "bundle", corpus, hidden_size=32, seed=0, keep_source=root / "source")
    manifest = Manifest.load(bundle)
    config = parse_label_config(CONFIG)
    feat, _ = load_or_compute_features(bundle, texts, config.hypotheses, config.descriptions, cache_dir="", progress=False,
                                       manifest=manifest)
    names = config.names
    y = np.array([[float(n in r["labels"]) for n in names] for r in rows], dtype=np.float32)
    return root, bundle, manifest, config, texts, feat, y


def test_eval_mode_is_the_bundles_graph_and_train_mode_has_dropout(tiny):
    root, bundle, manifest, _, texts, feat, _ = tiny
    tp, match = load_torch_text_pass(bundle, manifest, texts, str(root / "source"))
    assert match.model == "source" and match.texts == 8
    assert match.logits <= 1e-4 and match.last_hidden_state <= 1e-4
    # Same ids as the feature extraction: [CLS] text [SEP], truncated to max_length_text.
    assert tp.ids == encode_ids(OnnxBackbone(bundle, manifest).tokenizer, texts, None, manifest.backbone.max_length_text)
    idx = np.array([3, 0, 7, 12])
    cached = CachedTextPass(feat.hidden, feat.mask)(idx)

    tp.train(False)
    h1, m1 = tp(idx)
    h2, _ = tp(idx)
    assert torch.equal(h1, h2)  # eval mode: no dropout
    assert torch.equal(m1, cached[1])
    assert float((h1 - cached[0]).abs().max()) <= 1e-4  # = the ONNX features the browser computes
    assert float(h1[m1 == 0].abs().max()) == 0.0  # padded positions zero, like the cached features

    tp.train(True)
    d1, dm = tp(idx)
    d2, _ = tp(idx)
    assert torch.equal(dm, m1)
    assert float((d1 - d2).abs().max()) > 1e-2  # two train-mode passes draw different dropout masks
    assert float((d1 - h1).abs().max()) > 1e-2
    assert float(d1[dm == 0].abs().max()) == 0.0
    tp.train(False)


class Recording:
    """Wraps a text pass and records what each training step received."""

    def __init__(self, inner: TorchTextPass):
        self.inner = inner
        self.calls: list[tuple[np.ndarray, torch.Tensor, bool]] = []
        self.modes: list[bool] = []

    def train(self, mode: bool = True):
        self.modes.append(mode)
        self.inner.train(mode)
        return self

    def __call__(self, idx):
        h, m = self.inner(idx)
        self.calls.append((np.array(idx), h, self.inner.training))
        return h, m


def _train(tiny, text_pass, epochs=2, seed=3):
    _, _, _, config, _, feat, y = tiny
    cols = [config.names.index(n) for n in config.specialists]
    f = Features(nli=feat.nli, hidden=feat.hidden, mask=feat.mask, label_embs=feat.label_embs[cols])
    tr, va = split_indices(len(y))
    cfg = TrainConfig(epochs=epochs, num_codes=4, proj_dim=16, seed=seed, lr=3e-3)
    res = train_heads(f, y, config.names, config.specialists, cfg, train_idx=tr, val_idx=va, text_pass=text_pass, progress=False)
    return res, f, tr, va


def test_training_steps_read_the_dropout_pass_and_validation_the_eval_features(tiny):
    root, bundle, manifest, _, texts, feat, _ = tiny
    tp, _ = load_torch_text_pass(bundle, manifest, texts, str(root / "source"))
    rec = Recording(tp)
    res, f, tr, va = _train(tiny, rec, epochs=2)
    # Every step ran in train mode on training rows only; train mode is set each epoch and left off after.
    assert len(rec.calls) == 2 * -(-len(tr) // 16)
    assert all(training for _, _, training in rec.calls)
    assert set(np.concatenate([i for i, _, _ in rec.calls]).tolist()) == set(tr)
    assert rec.modes[0] is True and rec.modes.count(True) == 2 and rec.modes[-1] is False and not tp.training
    # What the heads saw differs from the eval-mode features of the same rows (dropout).
    for idx, h, _ in rec.calls[:5]:
        cached, _ = CachedTextPass(feat.hidden, feat.mask)(idx)
        assert float((h - cached).abs().max()) > 1e-2
    # Validation and the table read the eval-mode features: recomputing from them gives the same logits.
    np.testing.assert_array_equal(res.val_scores["poly_logits"], poly_logits_for(res.heads, f, va))
    # The dropout pass trains different heads than the cached features, and repeats bit for bit.
    cached_res, _, _, _ = _train(tiny, None, epochs=2)
    assert not torch.equal(res.heads.heads[0].codes.weight, cached_res.heads.heads[0].codes.weight)
    tp2, _ = load_torch_text_pass(bundle, manifest, texts, str(root / "source"))
    again, _, _, _ = _train(tiny, tp2, epochs=2)
    for (ka, a), (kb, b) in zip(res.heads.state_dict().items(), again.heads.state_dict().items(), strict=True):
        assert ka == kb and torch.equal(a, b), ka


def test_a_backbone_that_is_not_the_bundles_is_refused(tiny):
    root, bundle, manifest, _, texts, _, _ = tiny
    model, _ = load_source(str(root / "source"))
    onnx_bb = OnnxBackbone(bundle, manifest)
    ids = encode_ids(onnx_bb.tokenizer, texts[:4], None, 64)
    assert match_backbone(model, onnx_bb, ids, name="same").last_hidden_state <= 1e-4
    with torch.no_grad():
        model.base_model.encoder.layer[0].output.dense.weight[0, 0] += 0.05
    with pytest.raises(ExportError, match=r"does not reproduce the bundle's fp32 ONNX backbone .* last_hidden_state"):
        match_backbone(model, onnx_bb, ids, name="changed")
    model.config.hidden_size = 48
    with pytest.raises(ExportError, match="hidden_size 48, the bundle's backbone 32"):
        match_backbone(model, onnx_bb, ids, name="other")


def test_default_backbone_model_comes_from_the_manifest(tiny, tmp_path):
    root, _, manifest, _, _, _, _ = tiny
    manifest = copy.deepcopy(manifest)
    assert manifest.provenance.source_model.startswith("test:")
    with pytest.raises(ExportError, match=r"pass --backbone-model PATH_OR_HUB_ID .* or --cached-features"):
        default_backbone_model(manifest)
    manifest.provenance.source_model = str(root / "source")
    assert default_backbone_model(manifest) == str(root / "source")
    manifest.provenance.source_model = "MoritzLaurer/deberta-v3-large-zeroshot-v2.0"
    assert default_backbone_model(manifest) == "MoritzLaurer/deberta-v3-large-zeroshot-v2.0"
    for missing in (str(tmp_path / "gone"), "./gone/model", "random-init:deberta-v3-large"):
        manifest.provenance.source_model = missing
        with pytest.raises(ExportError, match="--backbone-model"):
            default_backbone_model(manifest)

