"""Frozen-backbone features for the heads, from a bundle's fp32 ONNX graph, cached on disk.

For every text: the NLI entailment score of each (text, hypothesis) pair (only the text is
truncated, to backbone.max_length_pair) and the text-only last_hidden_state (max_length_text).
For every label: the masked mean-pool of last_hidden_state of its description alone
(max_length 64). Running the bundle's own graph and tokenizer makes the features exactly what
the browser computes, for the real model and the fixture alike.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from model_export import ort_cpu
from model_export.bundle import Manifest
from model_export.errors import ExportError
from model_export.numerics import entailment_scores
from model_export.tokenizer import BundleTokenizer, load_bundle_tokenizer
from model_export.validation import pad_rows

log = logging.getLogger(__name__)

LABEL_MAX_LENGTH = 64
FEATURES_VERSION = 1  # bump when what is cached changes


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/model-export/features (~/.cache when unset): features outlive a run."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "model-export" / "features"


def load_tokenizer(bundle_dir: Path, manifest: Manifest) -> BundleTokenizer:
    """The bundle's tokenizer (the same object the golden ids come from)."""
    files = [f for f in manifest.tokenizer.files if Path(f).name == "tokenizer.json"]
    if not files:
        raise ExportError(f"bundle {bundle_dir} lists no tokenizer.json in tokenizer.files ({manifest.tokenizer.files})")
    return load_bundle_tokenizer((bundle_dir / files[0]).parent)


def encode_ids(tok: BundleTokenizer, first: Sequence[str], second: Sequence[str] | None, max_length: int) -> list[list[int]]:
    """Token ids with special tokens, unpadded; pairs cut only in the first sequence (the text).

    Raises ExportError when a hypothesis alone does not fit in max_length.
    """
    cache: dict[str, list[int]] = {}

    def ids(text: str) -> list[int]:
        if text not in cache:
            cache[text] = tok.encode(text)
        return cache[text]

    if second is None:
        return [tok.text_ids(ids(t), max_length) for t in first]
    return [tok.pair_ids(ids(t), ids(h), max_length) for t, h in zip(first, second, strict=True)]


class OnnxBackbone:
    """The bundle's backbone graph under onnxruntime (CPU)."""

    def __init__(self, bundle_dir: str | Path, manifest: Manifest | None = None, variant: str = "fp32",
                 threads: int = 0) -> None:
        self.bundle_dir = Path(bundle_dir)
        self.manifest = manifest or Manifest.load(self.bundle_dir)
        if variant not in self.manifest.variants:
            raise ExportError(f"bundle {self.bundle_dir} has no {variant} variant (has {sorted(self.manifest.variants)})")
        self.variant = variant
        self.graph_path = self.bundle_dir / self.manifest.variants[variant].backbone
        self.session = ort_cpu.session(self.graph_path, threads)
        self._run = ort_cpu.backbone_runner(self.session)
        self.tokenizer = load_tokenizer(self.bundle_dir, self.manifest)
        bb = self.manifest.backbone
        self.pad_id = self.manifest.tokenizer.pad_token_id
        self.ent, self.not_ent = bb.entailment_id, bb.not_entailment_id
        self.uses_token_type_ids = bb.uses_token_type_ids

    def run(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(logits, last_hidden_state) of one padded batch."""
        return self._run(ids, mask)

    def entailment(self, logits: np.ndarray) -> np.ndarray:
        """Entailment scores of a batch's logits, float32 as the features store them."""
        return entailment_scores(logits, self.ent, self.not_ent).astype(np.float32)


@dataclass
class BackboneFeatures:
    """What the heads are trained and evaluated on, computed once per (bundle, data) and cached."""

    nli: np.ndarray  # (N, L) float32, label order of `hypotheses`
    hidden: np.ndarray  # (N, T, H) float32, T = longest text (<= max_length_text)
    mask: np.ndarray  # (N, T) int64
    label_embs: np.ndarray  # (L, H) float32, one per description


def _batches(order: np.ndarray, batch_size: int) -> Iterator[np.ndarray]:
    for s in range(0, len(order), batch_size):
        yield order[s : s + batch_size]


def compute_features(
    backbone: OnnxBackbone,
    texts: Sequence[str],
    hypotheses: Sequence[str],
    descriptions: Sequence[str],
    *,
    batch_size: int = 32,
    progress: bool = True,
) -> BackboneFeatures:
    """NLI scores of every (text, hypothesis), text-only hidden states and label embeddings.

    Batches are formed by length (stable order), so padding stays small and the result is
    deterministic.
    """
    bb = backbone.manifest.backbone
    tok = backbone.tokenizer
    n, nl = len(texts), len(hypotheses)
    pair_first = [t for t in texts for _ in hypotheses]
    pair_second = [h for _ in texts for h in hypotheses]
    pair_ids = encode_ids(tok, pair_first, pair_second, bb.max_length_pair)
    text_ids = encode_ids(tok, texts, None, bb.max_length_text)
    desc_ids = encode_ids(tok, descriptions, None, LABEL_MAX_LENGTH)

    def by_length(seqs: list[list[int]]) -> np.ndarray:  # batches of similar length run faster; stable, so deterministic
        return np.argsort(np.array([len(s) for s in seqs]), kind="stable")

    total = sum(-(-len(x) // batch_size) for x in (pair_ids, text_ids, desc_ids))
    bar = tqdm(total=total, desc="backbone features", unit="batch", disable=not progress)
    nli_flat = np.zeros(len(pair_ids), dtype=np.float32)
    for b in _batches(by_length(pair_ids), batch_size):
        ids, mask = pad_rows([pair_ids[i] for i in b], backbone.pad_id)
        logits, _ = backbone.run(ids, mask)
        nli_flat[b] = backbone.entailment(logits)
        bar.update(1)

    t_max = max(len(s) for s in text_ids)
    hidden = np.zeros((n, t_max, bb.hidden_size), dtype=np.float32)
    tmask = np.zeros((n, t_max), dtype=np.int64)
    for b in _batches(by_length(text_ids), batch_size):
        ids, mask = pad_rows([text_ids[i] for i in b], backbone.pad_id)
        _, h = backbone.run(ids, mask)
        t = min(ids.shape[1], t_max)  # columns past the longest text are padding
        hidden[b, :t] = h[:, :t] * mask[:, :t, None]  # padded positions stored as exact zeros
        tmask[b, :t] = mask[:, :t]
        bar.update(1)

    embs = np.zeros((len(descriptions), bb.hidden_size), dtype=np.float32)
    for b in _batches(np.arange(len(descriptions)), batch_size):
        ids, mask = pad_rows([desc_ids[i] for i in b], backbone.pad_id)
        _, h = backbone.run(ids, mask)
        embs[b] = masked_mean(h, mask)
        bar.update(1)
    bar.close()
    return BackboneFeatures(nli=nli_flat.reshape(n, nl), hidden=hidden, mask=tmask, label_embs=embs)


def masked_mean(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over the real (mask 1) positions of each row: a description's label embedding."""
    m = mask[..., None].astype(np.float32)
    return (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)


def cache_key(manifest: Manifest, texts: Sequence[str], hypotheses: Sequence[str], descriptions: Sequence[str],
              variant: str = "fp32") -> str:
    """Hash of everything the features depend on: graph and tokenizer bytes, lengths, inputs, format version."""
    graph = manifest.variants[variant].backbone
    ident = {
        "version": FEATURES_VERSION,
        "graph_sha256": manifest.files[graph].sha256 if graph in manifest.files else graph,
        "tokenizer_sha256": [manifest.files[f].sha256 for f in manifest.tokenizer.files if f in manifest.files],
        "max_length_pair": manifest.backbone.max_length_pair,
        "max_length_text": manifest.backbone.max_length_text,
        "label_max_length": LABEL_MAX_LENGTH,
        "ids": [manifest.backbone.entailment_id, manifest.backbone.not_entailment_id],
        "texts": list(texts),
        "hypotheses": list(hypotheses),
        "descriptions": list(descriptions),
    }
    return hashlib.sha256(json.dumps(ident, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def load_or_compute_features(
    bundle_dir: str | Path,
    texts: Sequence[str],
    hypotheses: Sequence[str],
    descriptions: Sequence[str],
    *,
    cache_dir: str | Path | None = None,
    batch_size: int = 32,
    progress: bool = True,
    manifest: Manifest | None = None,
    threads: int = 0,
) -> tuple[BackboneFeatures, bool]:
    """Features for (texts x hypotheses) + descriptions; returns (features, loaded_from_cache).

    cache_dir None -> default_cache_dir(); pass False-y "" to disable caching.
    """
    bundle_dir = Path(bundle_dir)
    manifest = manifest or Manifest.load(bundle_dir)
    use_cache = cache_dir != ""
    path = None
    if use_cache:
        cdir = Path(cache_dir) if cache_dir else default_cache_dir()
        path = cdir / f"{cache_key(manifest, texts, hypotheses, descriptions)}.npz"
        if path.exists():
            try:
                with np.load(path) as z:
                    feat = BackboneFeatures(nli=z["nli"], hidden=z["hidden"], mask=z["mask"], label_embs=z["label_embs"])
                log.info("backbone features loaded from cache %s", path)
                return feat, True
            except Exception as e:  # noqa: BLE001 - a broken cache file is recomputed
                log.warning("ignoring unreadable feature cache %s: %s", path, e)
    backbone = OnnxBackbone(bundle_dir, manifest, threads=threads)
    feat = compute_features(backbone, texts, hypotheses, descriptions, batch_size=batch_size, progress=progress)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}.npz")
        np.savez(tmp, nli=feat.nli, hidden=feat.hidden, mask=feat.mask, label_embs=feat.label_embs)
        os.replace(tmp, path)
        log.info("backbone features cached at %s", path)
    return feat, False
