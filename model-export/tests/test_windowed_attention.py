"""Windowed relative-position attention gives the stock numbers: PyTorch bit for bit, ONNX Runtime within 1e-6."""

from __future__ import annotations

from collections import Counter

import numpy as np
import onnx
import pytest
import torch
from transformers.models.deberta_v2 import modeling_deberta_v2

from model_export import ort_cpu
from model_export.export import export_fp32_onnx
from model_export.fixture import FixtureConfig
from model_export.source import deberta_v3_config, seeded_nli_model
from model_export.windowed_attention import windowed_attention

VOCAB = 3329  # the fixture tokenizer's size
# Sequence lengths: short (the window is MIN_WINDOW rows), around the 128 linear buckets, around
# att_span = 256 (the window reaches the whole table), and up to max_length_pair = 512.
LENGTHS = [4, 5, 7, 8, 9, 13, 16, 24, 64, 127, 128, 129, 200, 255, 256, 257, 300, 384, 511, 512]


def _fixture_shaped(**overrides: object) -> torch.nn.Module:
    """A seeded model with the demo fixture's architecture (256 log buckets, shared key, c2p+p2c), changed by overrides."""
    c = FixtureConfig()
    config = deberta_v3_config(vocab_size=VOCAB, hidden_size=c.hidden_size, num_hidden_layers=c.num_hidden_layers,
                               num_attention_heads=c.num_attention_heads, intermediate_size=c.intermediate_size,
                               initializer_range=c.initializer_range, **overrides)
    return seeded_nli_model(config, 0)


def _padded_batch(t: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Three rows padded to t: one full, one half as long, one a few tokens short."""
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, VOCAB, (3, t), generator=gen)
    lengths = torch.tensor([t, max(1, t // 2), max(1, t - 5)])
    mask = (torch.arange(t)[None, :] < lengths[:, None]).long()
    return ids.masked_fill(mask == 0, 0), mask


def _outputs(model: torch.nn.Module, ids: torch.Tensor, mask: torch.Tensor) -> list[torch.Tensor]:
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    return [out.logits, *out.hidden_states]


def _assert_bit_identical(model: torch.nn.Module, lengths: list[int]) -> None:
    for t in lengths:
        ids, mask = _padded_batch(t, seed=t)
        stock = _outputs(model, ids, mask)
        with windowed_attention():
            windowed = _outputs(model, ids, mask)
        for i, (a, b) in enumerate(zip(stock, windowed, strict=True)):
            assert torch.equal(a, b), f"T={t}, output {i}: max |Δ| {float((a - b).abs().max()):.3g}"


def test_pytorch_outputs_are_bit_identical_on_padded_batches_up_to_512_tokens(one_thread):
    _assert_bit_identical(_fixture_shaped(), LENGTHS)


@pytest.mark.parametrize("overrides", [
    {"share_att_key": False},                                         # separate pos_key_proj / pos_query_proj
    {"share_att_key": False, "pos_att_type": ["c2p"]},                # one direction only
    {"position_buckets": -1, "max_relative_positions": 128},           # DeBERTa-v2 style: no buckets, span 128
], ids=["own-position-projections", "c2p-only", "no-buckets"])
def test_pytorch_outputs_are_bit_identical_for_other_deberta_settings(one_thread, overrides):
    _assert_bit_identical(_fixture_shaped(**overrides), [8, 16, 100, 128, 129, 300])


def test_pytorch_below_four_tokens_differs_only_in_the_last_bits(one_thread):
    """Known limit: with 1-3 query rows PyTorch's CPU GEMM sums a broadcast product in another order.

    The app and the exporter pad every batch to a multiple of 8 tokens, so such a T never runs;
    the exported graph gives identical numbers there too (see the ONNX test).
    """
    model = _fixture_shaped()
    for t in (1, 2, 3):
        ids, mask = _padded_batch(t, seed=t)
        stock = _outputs(model, ids, mask)
        with windowed_attention():
            windowed = _outputs(model, ids, mask)
        for a, b in zip(stock, windowed, strict=True):
            assert float((a - b).abs().max()) <= 1e-5


def test_the_patch_lasts_only_inside_the_context():
    cls = modeling_deberta_v2.DisentangledSelfAttention
    stock = cls.disentangled_attention_bias
    with windowed_attention():
        assert cls.disentangled_attention_bias is not stock
    assert cls.disentangled_attention_bias is stock
    with windowed_attention("stock"):
        assert cls.disentangled_attention_bias is stock
    with pytest.raises(ValueError, match="attention must be one of"), windowed_attention("fast"):  # type: ignore[arg-type]
        pass


@pytest.fixture(scope="module")
def graphs(tmp_path_factory):
    """The fixture-shaped model exported both ways."""
    torch.set_num_threads(1)
    model = _fixture_shaped()
    root = tmp_path_factory.mktemp("windowed")
    paths = {kind: root / f"{kind}.onnx" for kind in ("stock", "windowed")}
    for kind, path in paths.items():
        export_fp32_onnx(model, path, False, 17, kind)
    return paths


def test_windowed_graph_has_no_per_row_copies(graphs):
    ops = {kind: Counter(n.op_type for n in onnx.load(str(p)).graph.node) for kind, p in graphs.items()}
    layers = FixtureConfig().num_hidden_layers
    # Stock: the position projections repeated per batch row, the gather index expanded per row and head.
    assert ops["stock"]["Tile"] >= 2 * layers and ops["stock"]["GatherElements"] == 2 * layers
    assert ops["windowed"]["Tile"] == 0 and ops["windowed"]["GatherElements"] == 0


@pytest.mark.parametrize("t", [1, 3, 8, 16, 64, 128, 256, 264, 512])
def test_windowed_graph_matches_the_stock_graph_on_ort_cpu(graphs, t):
    stock = ort_cpu.backbone_runner(ort_cpu.session(graphs["stock"], 1))
    windowed = ort_cpu.backbone_runner(ort_cpu.session(graphs["windowed"], 1))
    ids, mask = (x.numpy() for x in _padded_batch(t, seed=100 + t))
    for a, b in zip(stock(ids, mask), windowed(ids, mask), strict=True):
        assert np.asarray(a).shape == np.asarray(b).shape
        assert float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) <= 1e-6, f"T={t}"
