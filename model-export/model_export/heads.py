"""PolyEncoder heads of the HybridNLI-PolyEncoder v2 model, and their ONNX export.

Formulas (see shared/design/seed-model.md):

  a      = softmax_T(codes @ tokens^T), padded positions set to -1e4 (no 1/sqrt(d))
  poly   = L2norm(LayerNorm(GELU(Linear(a @ tokens))))            (B, K, P)
  lab    = L2norm(LayerNorm(GELU(Linear'(label_emb))))             (P,)
  w      = softmax_K(poly @ lab);  ctx = sum_k w_k poly_k
  logit  = (ctx . lab) * exp(log_temp)
  blend  = sigmoid(alpha_raw) * nli + (1 - sigmoid(alpha_raw)) * sigmoid(logit)

where nli is the entailment score rounded to 6 decimals (`numerics.round_nli`), as the original
rounded it for training and prediction; `numerics.blend` is the one home of the blend.

`PolyHead.state_dict()` has exactly the keys of the original checkpoint's
`poly_heads_state[label]`: codes.weight, ctx_proj.{0,2}.{weight,bias},
label_proj.{0,2}.{weight,bias}, log_temp.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from torch import nn
from torch.nn import functional as F

from model_export import numerics, ort_cpu

NUM_CODES = 8
PROJ_DIM = 256
# The original starts at 0.0 (logit scale exp(0) = 1) and lets training grow it; a larger start
# (e.g. CLIP's log(1/0.07)) trains different heads.
LOG_TEMP_INIT = 0.0
MASK_FILL = -1e4
ONNX_OPSET = 17
HEADS_INPUTS = ("last_hidden_state", "attention_mask")
HEADS_OUTPUT = "poly_logits"


def _projection(hidden_dim: int, proj_dim: int) -> nn.Sequential:
    # Indices 0 and 2 carry weights, as in the checkpoint (0: Linear, 1: GELU, 2: LayerNorm).
    return nn.Sequential(nn.Linear(hidden_dim, proj_dim), nn.GELU(approximate="none"), nn.LayerNorm(proj_dim))


class PolyHead(nn.Module):
    """One specialist label's head: scores (B, T, H) token states against one label embedding."""

    def __init__(self, hidden_dim: int, num_codes: int = NUM_CODES, proj_dim: int = PROJ_DIM) -> None:
        super().__init__()
        self.hidden_dim = hidden_dim
        self.num_codes = num_codes
        self.proj_dim = proj_dim
        self.codes = nn.Embedding(num_codes, hidden_dim)
        nn.init.normal_(self.codes.weight, mean=0.0, std=0.02)
        self.ctx_proj = _projection(hidden_dim, proj_dim)
        self.label_proj = _projection(hidden_dim, proj_dim)
        self.log_temp = nn.Parameter(torch.tensor(LOG_TEMP_INIT, dtype=torch.float32))

    def poly_vectors(self, tokens: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(B, T, H), (B, T) -> (B, K, P), each of the K vectors L2-normalised."""
        scores = torch.matmul(self.codes.weight, tokens.transpose(1, 2))  # (B, K, T)
        pad = (attention_mask == 0).unsqueeze(1)  # (B, 1, T)
        scores = scores.masked_fill(pad, MASK_FILL)
        attn = torch.softmax(scores, dim=-1)
        poly = torch.bmm(attn, tokens)  # (B, K, H)
        return F.normalize(self.ctx_proj(poly), p=2.0, dim=-1)

    def label_vector(self, label_emb: torch.Tensor) -> torch.Tensor:
        """(H,) -> (P,), L2-normalised."""
        return F.normalize(self.label_proj(label_emb), p=2.0, dim=-1)

    def forward(self, tokens: torch.Tensor, attention_mask: torch.Tensor, label_emb: torch.Tensor) -> torch.Tensor:
        poly = self.poly_vectors(tokens, attention_mask)  # (B, K, P)
        lab = self.label_vector(label_emb)  # (P,)
        w = torch.softmax(torch.matmul(poly, lab), dim=-1)  # (B, K)
        ctx = torch.sum(w.unsqueeze(-1) * poly, dim=1)  # (B, P)
        return torch.matmul(ctx, lab) * torch.exp(self.log_temp)  # (B,)


def blend(nli: torch.Tensor, poly_logit: torch.Tensor, alpha_raw: torch.Tensor) -> torch.Tensor:
    """Probability-space blend of tensors: s(alpha_raw) * nli + (1 - s(alpha_raw)) * sigmoid(poly_logit)."""
    return numerics.blend(torch.sigmoid(alpha_raw), nli, torch.sigmoid(poly_logit))


class PolyHeads(nn.Module):
    """All specialist heads of a model, their label embeddings (buffers) and alphas.

    forward(last_hidden_state (B, T, H), attention_mask (B, T)) -> poly_logits (B, L_heads),
    columns in `self.labels` order. `alpha_raw` (L_heads,) is trained with the heads but is not
    part of the forward pass (the browser blends in TypeScript).
    """

    def __init__(
        self,
        labels: Sequence[str],
        label_embs: torch.Tensor,
        num_codes: int = NUM_CODES,
        proj_dim: int = PROJ_DIM,
    ) -> None:
        super().__init__()
        labels = list(labels)
        if not labels:
            raise ValueError("PolyHeads needs at least one specialist label")
        if len(set(labels)) != len(labels):
            raise ValueError(f"duplicate head labels: {labels}")
        label_embs = torch.as_tensor(label_embs, dtype=torch.float32)
        if label_embs.ndim != 2 or label_embs.shape[0] != len(labels):
            raise ValueError(f"label_embs must be (L_heads={len(labels)}, H), got {tuple(label_embs.shape)}")
        self.labels = labels
        self.hidden_dim = int(label_embs.shape[1])
        self.num_codes = num_codes
        self.proj_dim = proj_dim
        self.heads = nn.ModuleList(PolyHead(self.hidden_dim, num_codes, proj_dim) for _ in labels)
        self.register_buffer("label_embs", label_embs.clone())
        self.alpha_raw = nn.Parameter(torch.zeros(len(labels), dtype=torch.float32))

    def forward(self, last_hidden_state: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        cols = [head(last_hidden_state, attention_mask, self.label_embs[i]) for i, head in enumerate(self.heads)]
        return torch.stack(cols, dim=-1)

    def blended(self, nli: torch.Tensor, poly_logits: torch.Tensor) -> torch.Tensor:
        """nli, poly_logits: (B, L_heads) in head order -> blended probabilities (B, L_heads)."""
        return blend(nli, poly_logits, self.alpha_raw)

    def alphas(self) -> list[float]:
        return [float(a) for a in torch.sigmoid(self.alpha_raw.detach())]

    def head_state(self, label: str) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in self.heads[self.labels.index(label)].state_dict().items()}


# ---------------------------------------------------------------------------------------------
# ONNX export


class _HeadsGraph(nn.Module):
    """What the ONNX graph computes: poly_logits only (float32)."""

    def __init__(self, heads: PolyHeads) -> None:
        super().__init__()
        self.heads = heads

    def forward(self, last_hidden_state: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.heads(last_hidden_state, attention_mask)


@dataclass
class HeadsExport:
    """Where the heads graph was written and how far it is from PyTorch."""

    path: Path
    max_abs_error: float
    opset: int


def _parity_inputs(hidden_dim: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Random token states with single, ragged-padded and fully-unpadded batches."""
    g = np.random.default_rng(seed)
    cases = []
    for batch, length, lengths in ((1, 7, [7]), (4, 19, [19, 11, 3, 1]), (3, 128, [128, 64, 90])):
        h = g.standard_normal((batch, length, hidden_dim)).astype(np.float32)
        m = np.zeros((batch, length), dtype=np.int64)
        for i, n in enumerate(lengths):
            m[i, :n] = 1
        cases.append((h, m))
    return cases


def export_heads_onnx(
    heads: PolyHeads,
    path: str | Path,
    *,
    extra_cases: Sequence[tuple[np.ndarray, np.ndarray]] = (),
    tolerance: float = 1e-5,
) -> HeadsExport:
    """Export one graph for all heads and check it against PyTorch with onnxruntime.

    Inputs last_hidden_state float32 [B, T, H], attention_mask int64 [B, T] (dynamic B, T);
    output poly_logits float32 [B, L_heads]; label embeddings are initialisers. Raises when the
    max abs error over random padded batches (and `extra_cases`) exceeds `tolerance`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    graph = _HeadsGraph(heads).eval()
    h = torch.zeros(2, 5, heads.hidden_dim, dtype=torch.float32)
    m = torch.ones(2, 5, dtype=torch.int64)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # dynamo=False is deliberate (see product.md)
        torch.onnx.export(
            graph,
            (h, m),
            str(path),
            dynamo=False,
            input_names=list(HEADS_INPUTS),
            output_names=[HEADS_OUTPUT],
            dynamic_axes={
                "last_hidden_state": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                HEADS_OUTPUT: {0: "batch"},
            },
            opset_version=ONNX_OPSET,
            do_constant_folding=True,
        )
    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    # Stamp what the browser needs to know without reading the manifest.
    del model.metadata_props[:]
    for key, value in (("head_labels", "\n".join(heads.labels)), ("hidden_dim", str(heads.hidden_dim))):
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    onnx.save(model, str(path))

    err = heads_parity(heads, path, list(_parity_inputs(heads.hidden_dim)) + list(extra_cases))
    if not err <= tolerance:
        raise RuntimeError(f"heads ONNX parity failed: max abs error {err:.3g} > {tolerance:g} ({path})")
    return HeadsExport(path=path, max_abs_error=err, opset=ONNX_OPSET)


def _run(sess: ort.InferenceSession, last_hidden_state: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """poly_logits (B, L_heads) of the heads graph; inputs cast to the graph's float32 / int64."""
    feeds = {"last_hidden_state": last_hidden_state.astype(np.float32), "attention_mask": attention_mask.astype(np.int64)}
    return sess.run([HEADS_OUTPUT], feeds)[0]


def heads_parity(heads: PolyHeads, path: str | Path, cases: Sequence[tuple[np.ndarray, np.ndarray]]) -> float:
    """Max abs difference of the heads graph from PyTorch over `cases` of (last_hidden_state, attention_mask)."""
    sess = ort_cpu.session(path)
    worst = 0.0
    heads = heads.eval()
    for h, m in cases:
        with torch.no_grad():
            ref = heads(torch.from_numpy(np.ascontiguousarray(h, dtype=np.float32)), torch.from_numpy(m.astype(np.int64))).numpy()
        out = _run(sess, h, m)
        if out.shape != ref.shape:
            raise RuntimeError(f"heads ONNX output shape {out.shape} != PyTorch {ref.shape}")
        worst = max(worst, float(np.max(np.abs(out - ref))) if ref.size else 0.0)
    return worst


@functools.lru_cache(maxsize=4)
def _heads_session(path: str, mtime_ns: int, size: int) -> ort.InferenceSession:
    """One session per (file, version): mtime and size are in the key so a rewritten graph is reloaded."""
    return ort_cpu.session(path)


def run_heads_onnx(path: str | Path, last_hidden_state: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """poly_logits of the heads graph at `path`, as the browser computes them."""
    st = Path(path).stat()  # the session is reused until the file changes
    return _run(_heads_session(str(Path(path).resolve()), st.st_mtime_ns, st.st_size), last_hidden_state, attention_mask)
