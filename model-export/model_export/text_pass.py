"""Where the heads' token states come from during training: the text-only backbone pass.

The original's `model.train()` at each epoch also put its frozen backbone (a registered
submodule) in train mode, so at every training step the heads read a text-only pass
(`[CLS] text [SEP]`, max_length_text, no gradients) computed WITH DROPOUT; validation ran in eval
mode. `TorchTextPass` reproduces that with a PyTorch copy of the bundle's backbone, which
`load_matching_backbone` first checks against the bundle's fp32 ONNX graph, so the dropout pass
runs exactly the weights the browser runs. `CachedTextPass` serves eval-mode features computed
once: faster, but not the original's training signal.

Both serve `train_heads` through one small protocol: `train(mode)` as in torch, and
`pass(idx) -> (last_hidden_state (B, T, H) float32, attention_mask (B, T) int64)`, T = the
longest text of the batch (masked positions weigh exactly 0 in the heads, so trimming or padding
them changes nothing).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from model_export import validation as val
from model_export.bundle import Manifest
from model_export.errors import ExportError
from model_export.features import OnnxBackbone, encode_ids
from model_export.source import load_source, looks_local

log = logging.getLogger(__name__)

# PyTorch (eval mode) vs the bundle's fp32 ONNX graph, max abs error on logits and last_hidden_state.
BACKBONE_MATCH_TOLERANCE = 1e-4
# How many of the training texts the match check runs (one padded batch).
BACKBONE_MATCH_TEXTS = 8
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class TextPass(Protocol):
    """Where `train_heads` reads token states: `train(mode)` as in torch, and `pass(idx)`."""

    def train(self, mode: bool = True) -> Any: ...

    def __call__(self, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]: ...


def cached_batch(hidden: np.ndarray, mask: np.ndarray, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows `idx` of eval-mode features, trailing padding trimmed to the batch's longest text."""
    m = mask[idx]
    t = max(1, int(m.sum(axis=1).max()))
    return torch.from_numpy(np.ascontiguousarray(hidden[idx, :t])), torch.from_numpy(np.ascontiguousarray(m[:, :t]))


@dataclass
class CachedTextPass:
    """Eval-mode features computed once (no dropout at any step): the `--cached-features` mode."""

    hidden: np.ndarray  # (N, T, H) float32, padded positions zero
    mask: np.ndarray  # (N, T) int64

    def train(self, mode: bool = True) -> CachedTextPass:
        return self  # fixed features: nothing has a mode

    def __call__(self, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        return cached_batch(self.hidden, self.mask, np.asarray(idx, dtype=np.int64))


class TorchTextPass:
    """The text-only pass through a PyTorch NLI model, in whatever mode `train()` last set.

    `ids`: every example's text-only token ids (special tokens included, unpadded), tokenised as
    the feature extraction does. Batches are right-padded with `pad_id`; the output is
    `hidden_states[-1]`, the tensor the bundle's ONNX graph exports as last_hidden_state, with
    padded positions set to zero like the cached features. Dropout draws from torch's global RNG,
    so a seeded run repeats bit for bit (on the same thread count).
    """

    def __init__(self, model: Any, ids: Sequence[Sequence[int]], pad_id: int, uses_token_type_ids: bool = False) -> None:
        self.model = model
        self.ids = [list(x) for x in ids]
        self.pad_id = pad_id
        self.uses_token_type_ids = uses_token_type_ids

    @property
    def training(self) -> bool:
        return bool(self.model.training)

    def train(self, mode: bool = True) -> TorchTextPass:
        self.model.train(mode)
        return self

    def __call__(self, idx: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        ids, mask = val.pad_rows([self.ids[int(i)] for i in idx], self.pad_id)
        ids_t, mask_t = torch.from_numpy(ids), torch.from_numpy(mask)
        kwargs = {"token_type_ids": torch.zeros_like(ids_t)} if self.uses_token_type_ids else {}
        with torch.no_grad():
            out = self.model(input_ids=ids_t, attention_mask=mask_t, output_hidden_states=True, return_dict=True, **kwargs)
        hidden = out.hidden_states[-1].float() * mask_t.unsqueeze(-1).to(torch.float32)
        t = max(1, int(mask.sum(axis=1).max()))  # pad_rows rounds up to PAD_MULTIPLE; serve T = longest text
        return hidden[:, :t].contiguous(), mask_t[:, :t].contiguous()


def default_backbone_model(manifest: Manifest) -> str:
    """The bundle's `provenance.source_model` when it names a PyTorch model: a local folder or a Hub id."""
    src = manifest.provenance.source_model or ""
    if src and Path(src).expanduser().is_dir():
        return src
    if _HUB_ID.match(src) and not src.startswith(("./", "../")):
        return src
    raise ExportError(
        f"the bundle's source model {src!r} is not a local model folder or a Hugging Face id, so the training "
        "backbone pass (PyTorch, in train mode with dropout, as the original recipe) has no model to run: pass "
        "--backbone-model PATH_OR_HUB_ID (the Hugging Face model the bundle was exported from; for the demo fixture "
        "the folder `fixture --keep-source DIR` writes), or --cached-features to train on eval-mode features instead"
    )


@dataclass
class BackboneMatch:
    """How closely the PyTorch backbone (eval mode) reproduces the bundle's fp32 ONNX graph."""

    model: str  # Hub id, or the folder's name (no machine-specific path)
    texts: int
    logits: float
    last_hidden_state: float

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "texts": self.texts,
                "max_abs_error": {"logits": float(f"{self.logits:.3g}"),
                                  "last_hidden_state": float(f"{self.last_hidden_state:.3g}")}}


def match_backbone(model: Any, onnx_backbone: OnnxBackbone, ids: Sequence[Sequence[int]], *, name: str,
                   tolerance: float = BACKBONE_MATCH_TOLERANCE) -> BackboneMatch:
    """Run `ids` (one right-padded batch) through both in eval mode; raise unless both outputs agree within tolerance."""
    bb = onnx_backbone.manifest.backbone
    cfg = getattr(model, "config", None)
    for key, want in (("hidden_size", bb.hidden_size), ("vocab_size", bb.vocab_size)):
        got = getattr(cfg, key, None)
        if got != want:
            raise ExportError(f"--backbone-model {name!r} has {key} {got}, the bundle's backbone {want}: not the same model")
    model.eval()
    ids = [list(x) for x in ids]
    ref = val.run_batched(val.torch_runner(model, bb.uses_token_type_ids), ids, onnx_backbone.pad_id, len(ids))
    got = val.run_batched(onnx_backbone.run, ids, onnx_backbone.pad_id, len(ids))
    if ref.logits.shape != got.logits.shape:
        raise ExportError(f"--backbone-model {name!r} returns logits {ref.logits.shape}, the bundle's graph {got.logits.shape}")
    match = BackboneMatch(
        model=name, texts=len(ids),
        logits=float(np.max(np.abs(ref.logits - got.logits))),
        last_hidden_state=max(float(np.max(np.abs(a - b))) for a, b in zip(ref.hidden, got.hidden, strict=True)),
    )
    if not (match.logits <= tolerance and match.last_hidden_state <= tolerance):
        raise ExportError(
            f"--backbone-model {name!r} (PyTorch, eval mode) does not reproduce the bundle's fp32 ONNX backbone on "
            f"{len(ids)} training texts: max abs error logits {match.logits:.3g}, last_hidden_state "
            f"{match.last_hidden_state:.3g} (tolerance {tolerance:g}). Pass the model the bundle was exported from, "
            "or use --cached-features"
        )
    return match


def load_torch_text_pass(bundle_dir: str | Path, manifest: Manifest, texts: Sequence[str], source: str, *,
                         threads: int = 0) -> tuple[TorchTextPass, BackboneMatch]:
    """Load `source` (folder or Hub id), check it against the bundle's fp32 graph, and tokenise `texts` for it.

    Token ids come from the bundle's tokenizer exactly as the feature extraction makes them
    (`[CLS] text [SEP]`, truncated to backbone.max_length_text), so the dropout pass and the
    eval-mode features see the same ids.
    """
    model, _ = load_source(source)
    name = Path(source).expanduser().resolve().name if looks_local(source) else source
    onnx_backbone = OnnxBackbone(bundle_dir, manifest, threads=threads)
    ids = encode_ids(onnx_backbone.tokenizer, texts, None, manifest.backbone.max_length_text)
    match = match_backbone(model, onnx_backbone, ids[:BACKBONE_MATCH_TEXTS], name=name)
    log.info("backbone %s matches the bundle's fp32 graph: logits %.2g, last_hidden_state %.2g",
             name, match.logits, match.last_hidden_state)
    return TorchTextPass(model, ids, manifest.tokenizer.pad_token_id, manifest.backbone.uses_token_type_ids), match
