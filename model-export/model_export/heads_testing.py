"""Tiny real bundles for the heads tests: a seeded random DeBERTa-v3-style NLI model, a SentencePiece
tokenizer trained on the spot, exported fp32-only through the project's own exporter.

Small enough to build in a few seconds, so tests can run every code path the real model takes.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Sequence

_BUILT: dict[tuple, Path] = {}


def build_tiny_bundle(
    out: str | Path, corpus: Sequence[str], *, hidden_size: int = 32, seed: int = 0, keep_source: str | Path | None = None
) -> Path:
    """Export a 1-layer DeBERTa-v3-style model (hidden_size, 2 heads) + tokenizer into `out` (fp32 only).

    keep_source: also save the PyTorch model + tokenizer there as a Hugging Face folder.
    """
    import torch
    from transformers import DebertaV2Config, DebertaV2ForSequenceClassification

    from .export import DEBERTA_V3_COMMON, ExportOptions, export_bundle
    from .tokenizer import BundleTokenizer, TokenizerTrainConfig, generated_corpus, train_sentencepiece, write_tokenizer_files

    out = Path(out)
    key = (tuple(corpus), hidden_size, seed)
    if keep_source is None and key in _BUILT and (_BUILT[key] / "manifest.json").exists():
        shutil.copytree(_BUILT[key], out, dirs_exist_ok=True)
        return out
    tokenizer = BundleTokenizer(train_sentencepiece(generated_corpus() + list(corpus), TokenizerTrainConfig(vocab_size=1200)))
    kwargs = {k: v for k, v in DEBERTA_V3_COMMON.items() if k != "model_type"}
    kwargs.update(
        vocab_size=tokenizer.vocab_size, hidden_size=hidden_size, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=2 * hidden_size, initializer_range=0.1,
    )
    torch.manual_seed(seed)
    model = DebertaV2ForSequenceClassification(DebertaV2Config(**kwargs)).eval()
    if keep_source is not None:
        model.save_pretrained(str(keep_source))
        write_tokenizer_files(tokenizer.spm_model, Path(keep_source), 128)
    export_bundle(
        model,
        tokenizer,
        ExportOptions(
            out=out, source_model=f"test:tiny-deberta-v3 (seed {seed})", bundle_id="tiny", demo=True, seed=seed,
            variants=["fp32"], max_length_pair=128, max_length_text=64, threads=1,
            validation_pairs=[("a short text", "This text is about tests.")], validation_texts=["a short text"],
        ),
    )
    _BUILT[key] = out
    return out
