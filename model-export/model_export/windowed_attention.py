"""Windowed relative-position attention: DeBERTa-v2/v3's disentangled bias, exactly, without the unreachable positions.

Stock transformers (5.x) projects all 2·att_span rows of `rel_embeddings` (512 for DeBERTa-v3)
through the position key/query projections in every layer, repeats the result once per batch row
(`Tile` in ONNX) and expands its gather index to (batch·heads, T, T). A T-token sequence can only
reach the rows between the smallest and the largest clamped relative-position index, about 2·T of
them when T < att_span. `windowed_attention()` replaces `disentangled_attention_bias` while the
ONNX graph is traced so that the graph:

- projects only the rows `lo..hi` that the current (T × T) position indices reach (computed from
  those indices in the graph, so any T, any bucket settings, stays dynamic);
- multiplies the queries/keys with the shared position projections by broadcasting over the
  batch instead of repeating them;
- gathers with one (T × T) index over the flattened scores instead of an index expanded per
  batch row and head.

Every product is the same dot product over the head dimension as in the stock code, and the
gathers only move numbers, so the outputs are the stock model's (tests/test_windowed_attention.py
holds PyTorch to bit-identical and the exported graph to the stock graph). Shapes the window does
not cover (cross-attention with a different key length, per-example relative positions) fall back
to the stock method.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import torch

# The fewest position rows a window holds. PyTorch's CPU GEMM picks another kernel, with another
# summation order, for products only a few columns wide: with 4 to 15 rows the c2p/p2c products
# differed from the stock 512-column ones in the last bit; from 16 rows on they are identical
# (measured on hidden sizes 64 to 1024, 4 to 16 heads, T from 4 to 512).
MIN_WINDOW = 16

Attention = Literal["stock", "windowed"]
ATTENTION_CHOICES: tuple[Attention, ...] = ("stock", "windowed")


def _module() -> Any:
    from transformers.models.deberta_v2 import modeling_deberta_v2  # noqa: PLC0415 - start-up time (see source.py)

    return modeling_deberta_v2


@dataclass(frozen=True)
class PositionWindow:
    """What every layer of one forward pass shares: the reachable rows and the gather indices into them.

    `rows`: (1, W, hidden), rows lo..hi of rel_embeddings. `c2p_index`/`p2c_index`: (T·T,) indices
    into a (T, W) score matrix flattened, = q·W + (the stock code's clamped index − lo).
    """

    rows: torch.Tensor
    c2p_index: torch.Tensor
    p2c_index: torch.Tensor


def position_window(relative_pos: torch.Tensor, rel_embeddings: torch.Tensor, att_span: int,
                    pos_att_type: list[str]) -> PositionWindow:
    """The rows of rel_embeddings a (1, T, T) relative-position matrix reaches, and the indices into them.

    Computed from the indices themselves (in the graph: for any T and any bucket settings), widened
    to MIN_WINDOW rows while the table has them.
    """
    rel = relative_pos[0].to(dtype=torch.long)  # (T, T): rel[q, k] = bucket(q - k)
    # The stock code's clamped indices (for equal query and key lengths build_rpos returns
    # relative_pos itself, so p2c reads -rel).
    c2p_pos = torch.clamp(rel + att_span, 0, att_span * 2 - 1)
    p2c_pos = torch.clamp(-rel + att_span, 0, att_span * 2 - 1)
    used = [p for p, kind in ((c2p_pos, "c2p"), (p2c_pos, "p2c")) if kind in pos_att_type]
    lo = torch.stack([p.min() for p in used]).min()
    hi = torch.stack([p.max() for p in used]).max()
    width = min(MIN_WINDOW, att_span * 2)
    hi = torch.clamp(torch.maximum(hi, lo + (width - 1)), max=att_span * 2 - 1)
    lo = torch.clamp(torch.minimum(lo, hi - (width - 1)), min=0)
    rows = torch.arange(lo, hi + 1, dtype=torch.long, device=rel_embeddings.device)
    # Row q of a (T, W) score matrix starts at q·W in its flattened form.
    starts = torch.arange(rel.size(0), dtype=torch.long, device=rel.device).unsqueeze(-1) * rows.size(0) - lo
    return PositionWindow(
        rows=torch.index_select(rel_embeddings[0: att_span * 2, :], 0, rows).unsqueeze(0),
        c2p_index=(c2p_pos + starts).reshape(-1),
        p2c_index=(p2c_pos + starts).reshape(-1),
    )


def _gather_last(scores: torch.Tensor, flat_index: torch.Tensor, t: int) -> torch.Tensor:
    """out[n, i, j] = scores[n, i, index[i, j]] for scores (..., T, W) with N leading rows, flat_index = i·W + index[i, j].

    The numbers torch.gather gives with the index expanded to (N, T, T), read through a
    flattened (T·W) axis so that the graph holds one (T·T) index instead of N copies.
    Returns (N, T, T).
    """
    flat = scores.flatten(-2)
    return torch.index_select(flat.reshape(-1, flat.size(-1)), 1, flat_index).view(-1, t, t)


def windows(relative_pos: torch.Tensor | None, query_layer: torch.Tensor, key_layer: torch.Tensor) -> bool:
    """Whether the windowed bias covers this call: self-attention (equal query and key lengths) with the
    encoder's one (1, T, T) relative-position matrix; anything else goes to the stock method."""
    return (relative_pos is not None and relative_pos.dim() == 3 and relative_pos.size(0) == 1
            and query_layer.size(-2) == key_layer.size(-2))


def windowed_disentangled_attention_bias(self: Any, query_layer: torch.Tensor, key_layer: torch.Tensor,
                                         window: PositionWindow, scale_factor: int) -> Any:
    """DisentangledSelfAttention.disentangled_attention_bias's result, computed on the reachable window.

    `query_layer`/`key_layer` are (batch·heads, T, head_size); `window` comes from `position_window`
    for this forward pass. Returns the c2p + p2c bias (batch·heads, T, T).
    """
    heads = self.num_attention_heads

    def project(proj: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        """(heads, head_size, W): the window through one projection, transposed for the product."""
        return self.transpose_for_scores(proj(window.rows), heads).transpose(-1, -2)

    if self.share_att_key:
        pos_query_layer = project(self.query_proj)
        pos_key_layer = project(self.key_proj)
    else:
        if "c2p" in self.pos_att_type:
            pos_key_layer = project(self.pos_key_proj)
        if "p2c" in self.pos_att_type:
            pos_query_layer = project(self.pos_query_proj)

    def by_batch(layer: torch.Tensor) -> torch.Tensor:
        """(batch·heads, T, d) -> (batch, heads, T, d), so the (heads, d, W) projections broadcast over the batch."""
        return layer.view(-1, heads, layer.size(-2), layer.size(-1))

    t = query_layer.size(-2)
    # The stock expression, on the same head size (the stock code reads it from its position layers).
    scale = _module().scaled_size_sqrt(query_layer, scale_factor)
    score = 0
    if "c2p" in self.pos_att_type:
        c2p_att = torch.matmul(by_batch(query_layer), pos_key_layer)
        c2p_att = _gather_last(c2p_att, window.c2p_index, t)
        score += c2p_att / scale.to(dtype=c2p_att.dtype)
    if "p2c" in self.pos_att_type:
        p2c_att = torch.matmul(by_batch(key_layer), pos_query_layer)
        p2c_att = _gather_last(p2c_att, window.p2c_index, t).transpose(-1, -2)
        score += p2c_att / scale.to(dtype=p2c_att.dtype)
    return score


def _with_fallback(stock: Callable[..., Any]) -> Callable[..., Any]:
    """The method installed while patched: windowed where `windows` says so, else the stock method.

    The window is computed once per forward pass (every layer gets the same relative_pos and
    rel_embeddings objects) and reused, so the graph holds its operations once, not once per layer.
    """
    last: list[tuple[torch.Tensor, torch.Tensor, PositionWindow]] = []

    def disentangled_attention_bias(self: Any, query_layer: torch.Tensor, key_layer: torch.Tensor,
                                    relative_pos: torch.Tensor | None, rel_embeddings: torch.Tensor,
                                    scale_factor: int) -> Any:
        if relative_pos is None or not windows(relative_pos, query_layer, key_layer) or not (
                {"c2p", "p2c"} & set(self.pos_att_type)):
            return stock(self, query_layer, key_layer, relative_pos, rel_embeddings, scale_factor)
        if not (last and last[0][0] is relative_pos and last[0][1] is rel_embeddings):
            last[:] = [(relative_pos, rel_embeddings,
                        position_window(relative_pos, rel_embeddings, self.pos_ebd_size, self.pos_att_type))]
        return windowed_disentangled_attention_bias(self, query_layer, key_layer, last[0][2], scale_factor)

    return disentangled_attention_bias


@contextmanager
def windowed_attention(attention: Attention = "windowed") -> Iterator[None]:
    """While inside, every DeBERTa-v2/v3 self-attention computes its position bias the windowed way.

    Meant for the span of one ONNX export: it patches the transformers class, so any model
    running in this process meanwhile is affected (with the same numbers). `"stock"` patches
    nothing, so callers can pass the CLI's choice straight through.
    """
    if attention == "stock":
        yield
        return
    if attention != "windowed":
        raise ValueError(f"attention must be one of {ATTENTION_CHOICES}, not {attention!r}")
    cls = _module().DisentangledSelfAttention
    stock = cls.disentangled_attention_bias
    cls.disentangled_attention_bias = _with_fallback(stock)
    try:
        yield
    finally:
        cls.disentangled_attention_bias = stock
