"""Tiny real bundles for the tests: a seeded random DeBERTa-v3-style model exported fp32-only by the real exporter.

The model has one layer and a SentencePiece tokenizer trained on the spot, so a bundle builds in a
few seconds and tests can run every code path the real model takes.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from model_export.export import ExportOptions, export_bundle
from model_export.source import deberta_v3_config, seeded_nli_model
from model_export.tokenizer import (
    BundleTokenizer,
    TokenizerTrainConfig,
    generated_corpus,
    train_sentencepiece,
    write_tokenizer_files,
)

# Bundles built in this process, by (corpus, hidden_size, seed): later calls copy them.
_BUILT: dict[tuple[tuple[str, ...], int, int], Path] = {}


def build_tiny_bundle(
    out: str | Path, corpus: Sequence[str], *, hidden_size: int = 32, seed: int = 0, keep_source: str | Path | None = None
) -> Path:
    """Export a 1-layer DeBERTa-v3-style model (hidden_size, 2 heads) + tokenizer into `out` (fp32 only).

    keep_source: also save the PyTorch model + tokenizer there as a Hugging Face folder.
    """
    out = Path(out)
    key = (tuple(corpus), hidden_size, seed)
    if keep_source is None and key in _BUILT and (_BUILT[key] / "manifest.json").exists():
        shutil.copytree(_BUILT[key], out, dirs_exist_ok=True)
        return out
    tokenizer = BundleTokenizer(train_sentencepiece(generated_corpus() + list(corpus), TokenizerTrainConfig(vocab_size=1200)))
    config = deberta_v3_config(
        vocab_size=tokenizer.vocab_size, hidden_size=hidden_size, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=2 * hidden_size, initializer_range=0.1,
    )
    model = seeded_nli_model(config, seed)
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
