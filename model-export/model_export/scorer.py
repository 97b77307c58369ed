"""Scores texts with a bundle exactly as the browser engine does (src/engine/engine.ts, nli.ts, heads.ts, blend.ts).

One `Scorer` per process (or per Ray actor) holds the ONNX sessions and the tokenizer, built once.
For a batch of texts it builds every `[CLS] text [SEP] hypothesis [SEP]` pair (only the text cut,
never the hypothesis), runs them length-sorted in padded batches (batching.py), takes the
entailment score, rounds it to 6 decimals; labels with a head add the text-only pass
(`max_length_text`) whose last_hidden_state goes straight into the heads graph; the blend and
the `>=` decision are numerics.py's. `label_batch` turns a table batch into the browser's
download columns (download_format.py).

Token ids come from the bundle's own sentencepiece model through `BundleTokenizer`, the path the
repository's goldens use, not from the `tokenizers` library reading tokenizer.json: its
`Precompiled` normaliser drops combining marks after a mapped character and its Unigram Viterbi
runs in float64, so some texts get other ids than the model was trained with (tokenizer.py says
more). The browser matches sentencepiece through src/engine/spm.ts; so does this. The browser
tokenises only a prefix of a very long cell (tokenize.ts encodeHead, cut where the ids provably
stay the same); here sentencepiece encodes the whole cell, which gives those same ids at the cost
of tokenising the rest (about a second per 10 MB cell).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pyarrow as pa

from model_export import ort_cpu
from model_export.batching import BatchLimits, batch_limits, pad_batch, plan_batches
from model_export.bundle import Manifest
from model_export.download_format import (
    export_header,
    has_text,
    js_number,
    neutralize_cell,
)
from model_export.errors import ExportError
from model_export.features import load_tokenizer
from model_export.numerics import blend, decide, entailment_scores, round_nli, sigmoid
from model_export.score_labels import ScoreLabel

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
DEVICES = ("auto", "cpu", "cuda")
OUTPUT_FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class ScorerConfig:
    """Everything a Scorer needs; plain values, so Ray can ship it to its actors."""

    bundle: str
    labels: tuple[ScoreLabel, ...]
    text_column: str
    dtype: str = "fp32"
    output_format: str = "csv"
    # auto: CUDA when onnxruntime has it, else the CPU.
    device: str = "auto"
    # ORT intra-op threads; 0: ORT's default (all cores).
    threads: int = 0
    # Original column names as read (the app's cleaned header); the output adds the label columns.
    header: tuple[str, ...] = field(default_factory=tuple)


def providers_for(device: str) -> tuple[str, ...]:
    """Execution providers for `device`, CPU always last; ExportError when CUDA is asked for and missing."""
    available = ort.get_available_providers()
    if device == "cuda" and CUDA not in available:
        raise ExportError(f"--device cuda: this onnxruntime has no CUDA provider (it has {', '.join(available)}); "
                          "install onnxruntime-gpu or use --device cpu")
    if device in ("auto", "cuda") and CUDA in available:
        return (CUDA, CPU)
    return (CPU,)


@dataclass
class Scores:
    """Per (text, label): the rounded NLI score, sigmoid(poly) (NaN without a head) and the blended score."""

    nli: np.ndarray
    poly: np.ndarray
    blended: np.ndarray


class Scorer:
    """A bundle's sessions and tokenizer, built once, and the engine's rules to score texts with them."""

    def __init__(self, config: ScorerConfig) -> None:
        self.config = config
        bundle = Path(config.bundle)
        self.manifest = manifest = Manifest.load(bundle)
        if config.dtype not in manifest.variants:
            raise ExportError(f"--dtype {config.dtype}: the bundle has the variants {', '.join(manifest.variants)}")
        variant = manifest.variants[config.dtype]
        self.labels = list(config.labels)
        providers = providers_for(config.device)
        try:
            self.backbone = ort_cpu.session(bundle / variant.backbone, config.threads, providers)
            heads_file = manifest.heads["file"] if manifest.heads else None
            self.need_heads = heads_file is not None and any(lab.head for lab in self.labels)
            self.heads = ort_cpu.session(bundle / heads_file, config.threads, providers) if self.need_heads else None
        except Exception as exc:  # ORT raises several types for a graph it cannot load
            raise ExportError(f"the bundle's {config.dtype} graphs do not load in onnxruntime ({exc}); "
                              "re-export the bundle or choose another --dtype") from exc
        self.on_gpu = CUDA in self.backbone.get_providers()
        self.limits: BatchLimits = batch_limits(self.on_gpu, variant.run_alone)
        self.feeds_token_types = "token_type_ids" in {i.name for i in self.backbone.get_inputs()}
        self.tokenizer = load_tokenizer(bundle, manifest)
        bb = manifest.backbone
        self.pad_id = manifest.tokenizer.pad_token_id
        self.hypotheses = [self.tokenizer.encode(lab.hypothesis) for lab in self.labels]
        for lab, ids in zip(self.labels, self.hypotheses, strict=True):
            if len(ids) + 3 > bb.max_length_pair:
                raise ExportError(f"the hypothesis of '{lab.name}' is {len(ids)} tokens long; with the text it must fit "
                                  f"in {bb.max_length_pair} tokens. Shorten the label's hypothesis.")
        head_labels = manifest.heads["labels"] if manifest.heads else []
        for lab in self.labels:
            if lab.head and lab.name not in head_labels:
                raise ExportError(f"the label '{lab.name}' has no head in this bundle")
        self.head_column = [head_labels.index(lab.name) if lab.head else -1 for lab in self.labels]
        self.out_header = self.header_for(config)

    @staticmethod
    def header_for(config: ScorerConfig) -> list[str]:
        """The output's column names (before formula-safety): the input's, then each label's, then predicted_labels."""
        return export_header(config.header, [lab.name for lab in config.labels])

    def _run(self, output: str, seqs: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        ids, mask = pad_batch(seqs, self.pad_id, self.manifest.backbone.pad_multiple)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if self.feeds_token_types:
            feeds["token_type_ids"] = np.zeros_like(ids)
        (out,) = self.backbone.run([output], feeds)
        return out, mask

    def _nli(self, pairs: Sequence[Sequence[int]]) -> np.ndarray:
        """Entailment probability of every pair, in input order (nli.ts scorePairs)."""
        bb = self.manifest.backbone
        scores = np.zeros(len(pairs), dtype=np.float64)
        for batch in plan_batches([len(p) for p in pairs], self.limits):
            logits, _ = self._run("logits", [pairs[i] for i in batch])
            scores[batch] = entailment_scores(logits, bb.entailment_id, bb.not_entailment_id)
        return scores

    def _poly_logits(self, seqs: Sequence[Sequence[int]]) -> np.ndarray:
        """poly_logits of every text-only sequence, in input order (heads.ts scoreHeads)."""
        assert self.heads is not None
        width = len(self.manifest.heads["labels"])
        out = np.zeros((len(seqs), width), dtype=np.float32)
        for batch in plan_batches([len(s) for s in seqs], self.limits):
            hidden, mask = self._run("last_hidden_state", [seqs[i] for i in batch])
            (poly,) = self.heads.run(["poly_logits"], {"last_hidden_state": hidden.astype(np.float32, copy=False),
                                                        "attention_mask": mask})
            if poly.shape[1] != width:
                raise ExportError(f"the heads graph returned {poly.shape[1]} columns, the manifest lists {width} heads")
            out[batch] = poly
        return out

    def score(self, texts: Sequence[str]) -> Scores:
        """Scores of every text for every label, (N, L) float64, as the browser's engine computes them."""
        n, nl = len(texts), len(self.labels)
        bb = self.manifest.backbone
        tok = self.tokenizer
        encoded = [tok.encode(t) for t in texts]
        pairs = [tok.pair_ids(ids, hyp, bb.max_length_pair) for ids in encoded for hyp in self.hypotheses]
        nli = round_nli(self._nli(pairs).reshape(n, nl)) if n else np.zeros((0, nl))
        poly = np.full((n, nl), np.nan)
        blended = nli.copy()
        if self.need_heads and n:
            logits = self._poly_logits([tok.text_ids(ids, bb.max_length_text) for ids in encoded])
            for j, (lab, column) in enumerate(zip(self.labels, self.head_column, strict=True)):
                if column >= 0:
                    poly[:, j] = sigmoid(logits[:, column])
                    blended[:, j] = blend(lab.alpha, nli[:, j], poly[:, j])
        return Scores(nli=nli, poly=poly, blended=blended)

    def label_batch(self, batch: pa.Table) -> pa.Table:
        """The browser's download columns for a batch whose columns are `config.header`, rows in order.

        csv: every cell a string as the app writes it (formula-safe, JavaScript number text, '' where
        a row was not scored); parquet: original columns unchanged, scores as float64 (null where not scored).
        """
        texts = ["" if t is None else str(t) for t in batch.column(self.config.text_column).to_pylist()]
        rows = [i for i, t in enumerate(texts) if has_text(t)]
        s = self.score([texts[i] for i in rows])
        n = batch.num_rows
        scored = np.zeros(n, dtype=bool)
        scored[rows] = True
        names = self.out_header
        predicted: list[str | None] = [None] * n
        for k, i in enumerate(rows):
            predicted[i] = ";".join(lab.name for j, lab in enumerate(self.labels) if decide(s.blended[k, j], lab.threshold))
        columns: list[pa.Array] = []
        as_csv = self.config.output_format == "csv"
        for name in self.config.header:
            col = batch.column(name)
            if as_csv:
                cells = col.cast(pa.string()).to_pylist() if col.type != pa.string() else col.to_pylist()
                columns.append(pa.array([neutralize_cell(c or "") for c in cells], pa.string()))
            else:
                columns.append(col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col)
        for j in range(len(self.labels)):
            for values in (s.blended[:, j], s.nli[:, j], s.poly[:, j]):
                full: list[float | None] = [None] * n
                for k, i in enumerate(rows):
                    full[i] = None if np.isnan(values[k]) else float(values[k])
                columns.append(pa.array([js_number(v) for v in full], pa.string()) if as_csv else pa.array(full, pa.float64()))
        columns.append(pa.array([neutralize_cell(p or "") for p in predicted] if as_csv else predicted, pa.string()))
        out_names = [neutralize_cell(c) for c in names] if as_csv else names
        return pa.Table.from_arrays(columns, names=out_names)
