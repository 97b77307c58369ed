"""Write trained or converted heads into a bundle: heads graph, labels, heads section, evaluation, files."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from model_export.bundle import Label, Manifest, describe_files, validate_bundle
from model_export.data import LabelConfig
from model_export.errors import ExportError
from model_export.evaluate import EVALUATION_STEM, write_bundle_evaluation
from model_export.heads import HEADS_INPUTS, HEADS_OUTPUT, PolyHeads, export_heads_onnx

log = logging.getLogger(__name__)

HEADS_FILE = "onnx/heads.onnx"


def install_heads(
    bundle_dir: str | Path,
    heads: PolyHeads,
    config: LabelConfig,
    thresholds: Sequence[float],
    *,
    source: dict[str, Any],
    checkpoint: str | None,
    evaluation: dict[str, Any] | None = None,
    parity_cases: Sequence[tuple[np.ndarray, np.ndarray]] = (),
) -> Manifest:
    """Export `heads` into the bundle and rewrite its manifest (labels in `config` order).

    `evaluation`: the evaluation table (written as evaluation.json/.md, summarised in the manifest);
    None removes a previous evaluation, which no longer describes the new heads.
    """
    bundle_dir = Path(bundle_dir)
    manifest = Manifest.load(bundle_dir)
    hidden = manifest.backbone.hidden_size
    if heads.hidden_dim != hidden:
        raise ExportError(f"heads expect hidden size {heads.hidden_dim}, bundle backbone has {hidden}")
    if len(thresholds) != len(config.labels):
        raise ExportError(f"{len(thresholds)} thresholds for {len(config.labels)} labels")
    if [n for n in config.names if config.spec(n).specialist] != list(heads.labels):
        raise ExportError(f"head labels {heads.labels} differ from the config's specialists {config.specialists}")

    # Files a previous heads run left behind go first, so 'files' lists exactly what is there.
    stale = [HEADS_FILE, f"{EVALUATION_STEM}.json", f"{EVALUATION_STEM}.md"]
    if manifest.heads and manifest.heads.get("file"):
        stale.append(manifest.heads["file"])
    for rel in stale:
        (bundle_dir / rel).unlink(missing_ok=True)

    exported = export_heads_onnx(heads, bundle_dir / HEADS_FILE, extra_cases=parity_cases)
    log.info("heads graph %s: max abs error vs PyTorch %.3g", exported.path, exported.max_abs_error)

    alphas = dict(zip(heads.labels, heads.alphas(), strict=True))
    manifest.labels = [
        Label(
            name=spec.name,
            description=spec.description,
            hypothesis=spec.hypothesis,
            head=spec.specialist,
            alpha=alphas[spec.name] if spec.specialist else None,
            threshold=float(t),
        )
        for spec, t in zip(config.labels, thresholds, strict=True)
    ]
    manifest.heads = {
        "file": HEADS_FILE,
        "num_codes": heads.num_codes,
        "proj_dim": heads.proj_dim,
        "hidden_size": heads.hidden_dim,
        "labels": list(heads.labels),
        "inputs": list(HEADS_INPUTS),
        "outputs": [HEADS_OUTPUT],
        "input_pass": "text only (no hypothesis), backbone.max_length_text, the fp32/any variant's last_hidden_state",
        "blend": "nli = sigmoid(logits[entailment_id] - logits[not_entailment_id]); poly = sigmoid(poly_logit); "
        "score = alpha * nli + (1 - alpha) * poly for head labels, nli otherwise; predicted = score >= threshold",
        "opset": exported.opset,
        "max_abs_error": {"poly_logits": exported.max_abs_error},
        "source": source,
    }
    manifest.provenance.checkpoint = checkpoint
    manifest.evaluation = None if evaluation is None else write_bundle_evaluation(evaluation, bundle_dir)
    manifest.files = describe_files(bundle_dir)
    manifest.save(bundle_dir)
    return validate_bundle(bundle_dir)
