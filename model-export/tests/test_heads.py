"""PolyHead formulas, checkpoint-compatible keys, and ONNX parity of the heads graph."""

from __future__ import annotations

import math

import numpy as np
import onnx
import torch

from model_export.heads import (
    PolyHead,
    PolyHeads,
    blend,
    export_heads_onnx,
    heads_parity,
    run_heads_onnx,
)

CHECKPOINT_KEYS = {
    "codes.weight", "ctx_proj.0.weight", "ctx_proj.0.bias", "ctx_proj.2.weight", "ctx_proj.2.bias",
    "label_proj.0.weight", "label_proj.0.bias", "label_proj.2.weight", "label_proj.2.bias", "log_temp",
}


def _ln(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _gelu(x):
    return 0.5 * x * (1.0 + np.vectorize(math.erf)(x / math.sqrt(2.0)))


def _l2(x):
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def _reference_logit(sd: dict, tokens: np.ndarray, mask: np.ndarray, emb: np.ndarray) -> np.ndarray:
    """The design doc's formulas, written out in float64 numpy."""
    sd = {k: v.detach().double().numpy() for k, v in sd.items()}
    codes = sd["codes.weight"]
    out = []
    for b in range(tokens.shape[0]):
        a = codes @ tokens[b].T  # (K, T), no scaling
        a = np.where(mask[b][None, :] == 0, -1e4, a)
        a = np.exp(a - a.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        poly = a @ tokens[b]
        poly = _l2(_ln(_gelu(poly @ sd["ctx_proj.0.weight"].T + sd["ctx_proj.0.bias"]),
                       sd["ctx_proj.2.weight"], sd["ctx_proj.2.bias"]))
        lab = _l2(_ln(_gelu(emb @ sd["label_proj.0.weight"].T + sd["label_proj.0.bias"]),
                      sd["label_proj.2.weight"], sd["label_proj.2.bias"]))
        s = poly @ lab
        w = np.exp(s - s.max())
        w /= w.sum()
        ctx = (w[:, None] * poly).sum(0)
        out.append(float(ctx @ lab) * math.exp(float(sd["log_temp"])))
    return np.array(out)


def _random_head(hidden: int, seed: int, k: int = 8, p: int = 16) -> PolyHead:
    torch.manual_seed(seed)
    head = PolyHead(hidden, num_codes=k, proj_dim=p)
    with torch.no_grad():  # non-trivial LayerNorm affine and codes, so every term matters
        for prm in head.parameters():
            prm.add_(0.3 * torch.randn_like(prm))
    return head


def test_state_dict_keys_and_size_match_the_original():
    head = PolyHead(1024)
    assert set(head.state_dict()) == CHECKPOINT_KEYS
    assert head.codes.weight.shape == (8, 1024)
    assert head.ctx_proj[0].weight.shape == (256, 1024)
    # ~534K parameters per head, as the design doc says.
    assert sum(p.numel() for p in head.parameters()) == 534_017
    assert abs(float(head.codes.weight.detach().std()) - 0.02) < 0.002


def test_log_temp_starts_at_zero_like_the_original():
    # The original's logit scale starts at exp(0) = 1; the heads' first logits are plain cosine-like products.
    torch.manual_seed(0)
    heads = PolyHeads(["a", "b"], torch.randn(2, 8), num_codes=4, proj_dim=6)
    assert [float(h.log_temp.detach()) for h in heads.heads] == [0.0, 0.0]
    with torch.no_grad():
        logits = heads(torch.randn(3, 5, 8), torch.ones(3, 5, dtype=torch.int64))
    # ctx and lab are unit vectors: |logit| <= exp(log_temp) = 1.
    assert float(logits.abs().max()) <= 1.0 + 1e-6


def test_poly_head_matches_reference_formulas():
    g = np.random.default_rng(0)
    head = _random_head(12, seed=1)
    tokens = g.standard_normal((3, 6, 12)).astype(np.float32)
    mask = np.array([[1] * 6, [1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0]], dtype=np.int64)
    emb = g.standard_normal(12).astype(np.float32)
    with torch.no_grad():
        got = head(torch.from_numpy(tokens), torch.from_numpy(mask), torch.from_numpy(emb)).numpy()
    want = _reference_logit(head.state_dict(), tokens.astype(np.float64), mask, emb.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_padding_does_not_change_logits():
    g = np.random.default_rng(2)
    head = _random_head(10, seed=3).eval()
    tokens = g.standard_normal((1, 5, 10)).astype(np.float32)
    padded = np.concatenate([tokens, 50.0 * g.standard_normal((1, 7, 10)).astype(np.float32)], axis=1)
    emb = torch.from_numpy(g.standard_normal(10).astype(np.float32))
    with torch.no_grad():
        a = head(torch.from_numpy(tokens), torch.ones(1, 5, dtype=torch.int64), emb)
        b = head(torch.from_numpy(padded), torch.tensor([[1] * 5 + [0] * 7]), emb)
    assert abs(float(a - b)) < 1e-5


def test_blend_is_in_probability_space():
    nli = torch.tensor([0.9, 0.1])
    logit = torch.tensor([-2.0, 3.0])
    alpha_raw = torch.tensor([0.4, -1.0])
    a = torch.sigmoid(alpha_raw)
    want = a * nli + (1 - a) * torch.sigmoid(logit)
    assert torch.allclose(blend(nli, logit, alpha_raw), want)


def test_heads_module_stacks_columns_in_label_order():
    torch.manual_seed(0)
    embs = torch.randn(3, 8)
    heads = PolyHeads(["b", "a", "c"], embs, num_codes=4, proj_dim=6).eval()
    x, m = torch.randn(2, 5, 8), torch.ones(2, 5, dtype=torch.int64)
    with torch.no_grad():
        out = heads(x, m)
        assert out.shape == (2, 3)
        for i in range(3):
            assert torch.allclose(out[:, i], heads.heads[i](x, m, embs[i]))
    assert heads.alphas() == [0.5, 0.5, 0.5]


def test_heads_onnx_parity_on_padded_batches(tmp_path):
    torch.manual_seed(0)
    heads = PolyHeads(["x", "y"], torch.randn(2, 24), num_codes=8, proj_dim=32)
    with torch.no_grad():
        for p in heads.parameters():
            p.add_(0.2 * torch.randn_like(p))
    exp = export_heads_onnx(heads, tmp_path / "heads.onnx")
    assert exp.max_abs_error <= 1e-5
    model = onnx.load(str(tmp_path / "heads.onnx"))
    assert [i.name for i in model.graph.input] == ["last_hidden_state", "attention_mask"]
    assert [o.name for o in model.graph.output] == ["poly_logits"]
    assert model.graph.input[1].type.tensor_type.elem_type == onnx.TensorProto.INT64
    dims = [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims[0] == "batch" and dims[1] == "sequence" and dims[2] == 24
    # Ragged padded batch with garbage in the padded positions; batch sizes and lengths unseen at export.
    g = np.random.default_rng(5)
    h = g.standard_normal((5, 33, 24)).astype(np.float32)
    m = np.zeros((5, 33), dtype=np.int64)
    for i, n in enumerate([33, 1, 17, 2, 30]):
        m[i, :n] = 1
    h[m == 0] = 1e3
    with torch.no_grad():
        ref = heads(torch.from_numpy(h), torch.from_numpy(m)).numpy()
    out = run_heads_onnx(tmp_path / "heads.onnx", h, m)
    assert out.shape == (5, 2)
    assert np.max(np.abs(out - ref)) <= 1e-5
    # The check itself fails when the graph and the module differ.
    with torch.no_grad():
        heads.heads[0].log_temp.add_(0.5)
    assert heads_parity(heads, tmp_path / "heads.onnx", [(h, m)]) > 1e-3
