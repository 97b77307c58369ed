"""PyTorch's scores of long texts read in token windows (model_export/windows.py), for the app's windowed mode test.

`fixture` writes it beside its other goldens; `fixture --windows-golden-only` rebuilds the fixture's
PyTorch model (deterministic) and writes only this golden, leaving the bundle as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from model_export import golden as gold
from model_export import validation as val
from model_export.bundle import Manifest
from model_export.files import golden_float, sha256_file
from model_export.numerics import entailment_scores
from model_export.tokenizer import BundleTokenizer
from model_export.windows import aggregate, window_spans

STRIDES = (200, 384)  # a stride well under the room (overlapping windows) and one close to it
LAYOUT = (
    "Long texts of the bundle named in bundle_id scored by PyTorch in token windows. For each text and "
    "hypothesis: room = max_length_pair - 3 - len(hypothesis ids); for each stride, spans = window_spans(tokens, "
    "room, stride) (model_export/windows.py), entailment = the NLI score of [CLS] ids[start:end] [SEP] hypothesis "
    "[SEP] for each span, max and mean over them. Pairs run one at a time (no padding)."
)


def windows_texts() -> list[tuple[str, str]]:
    """Texts past the pair's room by a little and by a lot, plus one that fits (one window)."""
    long = dict(gold.long_texts())
    return [
        ("news", long["news"][:5000]),
        ("hazards between sentences", long["hazards between sentences"][:3000]),
        ("just over", long["news"][:2600]),
        ("short", "The central bank raised interest rates by 0.25 percentage points."),
    ]


def build_windows_golden(model: Any, tokenizer: BundleTokenizer, manifest: Manifest, bundle_dir: Path) -> dict[str, Any]:
    """Every window of `windows_texts` against two bundle hypotheses, scored by PyTorch fp32."""
    bb = manifest.backbone
    run = val.torch_runner(model, bb.uses_token_type_ids)
    pad = manifest.tokenizer.pad_token_id
    labels = manifest.labels[:2]
    entries = []
    for name, text in windows_texts():
        ids = tokenizer.encode(text)
        per_label = []
        for lab in labels:
            hyp = tokenizer.encode(lab.hypothesis)
            room = bb.max_length_pair - 3 - len(hyp)
            by_stride = []
            for stride in STRIDES:
                spans = window_spans(len(ids), room, stride)
                seqs = [tokenizer.pair_ids(ids[s:e], hyp, bb.max_length_pair) for s, e in spans]
                out = val.run_batched(run, seqs, pad, batch_size=1)
                scores = [float(x) for x in entailment_scores(out.logits, bb.entailment_id, bb.not_entailment_id)]
                by_stride.append({
                    "stride": stride, "spans": [list(s) for s in spans],
                    "entailment": [golden_float(x) for x in scores],
                    "max": golden_float(aggregate(scores, "max")), "mean": golden_float(aggregate(scores, "mean")),
                })
            per_label.append({"label": lab.name, "room": room, "strides": by_stride})
        entries.append({"name": name, "text": text, "tokens": len(ids), "labels": per_label})
    tracked = [*manifest.tokenizer.files, *(v.backbone for v in manifest.variants.values())]
    return {
        "golden_format": gold.GOLDEN_FORMAT,
        "layout": LAYOUT,
        "bundle_id": manifest.id,
        "bundle_files_sha256": {p: sha256_file(bundle_dir / p) for p in sorted(tracked)},
        "max_length_pair": bb.max_length_pair,
        "texts": entries,
    }
