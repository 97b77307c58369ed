"""Golden outputs of the heads branch for the JS side, computed by PyTorch.

For every text of the backbone golden file (same texts, same text_ids): the PyTorch backbone's
text-only last_hidden_state (run unpadded), the PyTorch heads' poly_logits on it, and per label the
NLI score (the backbone golden's PyTorch entailment, rounded to 6 decimals as the original blended
it: numerics.round_nli), sigmoid(poly_logit), alpha, the blended score,
the threshold and the decision, exactly as the browser computes them from the manifest.

    python -m model_export heads-golden --bundle ../public/models/demo-fixture \
        --checkpoint /tmp/demo-heads.pt --fixture-seed-data ../../shared/data/seed-synthetic-news/synthetic_data.json
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch

from model_export import validation as val
from model_export.bundle import Manifest
from model_export.checkpoint import convert_checkpoint, load_checkpoint_dict
from model_export.errors import ExportError
from model_export.files import GOLDEN_DIR, golden_float, load_golden, sha256_file, write_golden
from model_export.fixture import FixtureConfig, build_fixture_source
from model_export.heads import run_heads_onnx
from model_export.numerics import blend, round_nli, sigmoid
from model_export.source import load_source
from model_export.tokenizer import read_seed_texts

log = logging.getLogger(__name__)

HEADS_GOLDEN_FORMAT = 1
# Tolerance when checking that the rebuilt PyTorch backbone is the one the backbone golden came from.
BACKBONE_CHECK_TOLERANCE = 1e-4

LAYOUT = (
    "Golden outputs of the PolyEncoder heads of the bundle named in bundle_id, computed with PyTorch (backbone and "
    "heads) for the texts of the backbone golden file named in backbone_golden (same order, same text_ids: the "
    "text-only pass [CLS] text [SEP] truncated to max_length_text). heads_labels: the poly_logits columns, in the "
    "heads graph's order. labels: every bundle label in manifest order with head, alpha, threshold. texts[i]: name, "
    "text_ids, poly_logits (one per heads_labels entry: the PyTorch heads on the PyTorch last_hidden_state of that "
    "single unpadded sequence), scores (one per label, manifest order: nli = the backbone golden's entailment for "
    "(text, label hypothesis) rounded to 6 decimals as the original did (Python round(x, 6)); poly = "
    "sigmoid(poly_logit) or null; blended = alpha*nli + (1-alpha)*poly for head labels, nli otherwise; "
    "predicted = blended >= threshold). Floats are printed with 9 significant digits; "
    "compare poly_logits with a tolerance (ONNX vs PyTorch differs by ~1e-6) and decisions exactly except where "
    "|blended - threshold| < 1e-4 (listed in near_threshold)."
)


def rebuild_fixture_model(seed_data: Path | None, seed: int) -> Any:
    """The fixture's PyTorch model, rebuilt exactly as `fixture` builds it (seeded, deterministic)."""
    torch.set_num_threads(1)
    model, _ = build_fixture_source(FixtureConfig(seed=seed), read_seed_texts(seed_data) if seed_data else [])
    return model


def _unpadded(model: Any, ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(last_hidden_state (T, H), logits) of one sequence run alone, without padding."""
    logits, hidden = val.torch_runner(model, False)(np.array([ids], dtype=np.int64), np.ones((1, len(ids)), dtype=np.int64))
    return hidden[0], logits[0]


def build_heads_golden(bundle_dir: Path, backbone_golden: Path, model: Any, checkpoint: Path) -> dict[str, Any]:
    """Check the backbone and checkpoint against the bundle, then score every golden text as the browser does."""
    manifest = Manifest.load(bundle_dir)
    if manifest.heads is None:
        raise ExportError(f"bundle {bundle_dir} has no heads; run `train` or `convert-checkpoint` first")
    golden = load_golden(backbone_golden)
    if golden.get("bundle_id") != manifest.id:
        raise ExportError(f"{backbone_golden} is the golden of bundle {golden.get('bundle_id')!r}, not {manifest.id!r}")
    conv = convert_checkpoint(load_checkpoint_dict(checkpoint), expected_hidden=manifest.backbone.hidden_size)
    heads = conv.heads.eval()
    if heads.labels != manifest.heads["labels"]:
        raise ExportError(f"checkpoint heads {heads.labels} differ from the bundle's {manifest.heads['labels']}")
    alphas = dict(zip(heads.labels, heads.alphas(), strict=True))
    for lab in manifest.labels:
        if lab.head and abs(alphas[lab.name] - lab.alpha) > 1e-7:
            raise ExportError(f"checkpoint alpha of {lab.name} ({alphas[lab.name]}) differs from the manifest's ({lab.alpha})")

    hyp_index = {h["hypothesis"]: j for j, h in enumerate(golden["hypotheses"])}
    missing = [lab.name for lab in manifest.labels if lab.hypothesis not in hyp_index]
    if missing:
        raise ExportError(f"the backbone golden has no pairs for the hypotheses of {missing}; regenerate it for this bundle")

    heads_path = bundle_dir / manifest.heads["file"]
    entries, near, worst_backbone, worst_onnx = [], [], 0.0, 0.0
    for t in golden["texts"]:
        hidden, _ = _unpadded(model, t["text_ids"])
        # Same weights as the backbone golden? Compare the PyTorch NLI logits of the label pairs.
        for lab in manifest.labels:
            pair = t["pairs"][hyp_index[lab.hypothesis]]
            _, logits = _unpadded(model, pair["input_ids"])
            worst_backbone = max(worst_backbone, float(np.max(np.abs(logits - np.array(pair["logits"])))))
        with torch.no_grad():
            poly_logits = heads(torch.from_numpy(hidden[None]), torch.ones(1, hidden.shape[0], dtype=torch.int64))[0].numpy()
        onnx_logits = run_heads_onnx(heads_path, hidden[None], np.ones((1, hidden.shape[0]), dtype=np.int64))[0]
        worst_onnx = max(worst_onnx, float(np.max(np.abs(onnx_logits - poly_logits))))
        col = {n: j for j, n in enumerate(heads.labels)}
        scores = []
        for lab in manifest.labels:
            nli = float(round_nli(t["pairs"][hyp_index[lab.hypothesis]]["entailment"]))
            if lab.head:
                pl = float(poly_logits[col[lab.name]])
                poly = float(sigmoid(pl))
                blended = blend(lab.alpha, nli, poly)
            else:
                pl, poly, blended = None, None, nli
            if abs(blended - lab.threshold) < 1e-4:
                near.append({"text": t["name"], "label": lab.name})
            scores.append({
                "label": lab.name, "nli": golden_float(nli), "poly_logit": None if pl is None else golden_float(pl),
                "poly": None if poly is None else golden_float(poly), "alpha": lab.alpha, "blended": golden_float(blended),
                "threshold": lab.threshold, "predicted": bool(blended >= lab.threshold),
            })
        entries.append({"name": t["name"], "text_ids": t["text_ids"], "poly_logits": [golden_float(x) for x in poly_logits],
                        "scores": scores})
    if worst_backbone > BACKBONE_CHECK_TOLERANCE:
        raise ExportError(
            f"the PyTorch backbone differs from the one {backbone_golden} was computed with (max logit diff {worst_backbone:.3g})"
        )
    log.info("PyTorch backbone vs backbone golden: max logit diff %.3g; heads ONNX vs PyTorch: %.3g", worst_backbone, worst_onnx)
    tracked = sorted({manifest.heads["file"], manifest.variants["fp32"].backbone, *manifest.tokenizer.files})
    return {
        "heads_golden_format": HEADS_GOLDEN_FORMAT,
        "layout": LAYOUT,
        "bundle_id": manifest.id,
        "backbone_golden": backbone_golden.name,
        "bundle_files_sha256": {p: sha256_file(bundle_dir / p) for p in tracked},
        "computed_with": {**manifest.provenance.created_with, "device": "cpu", "dtype": "float32"},
        "max_length_text": manifest.backbone.max_length_text,
        "heads_labels": list(heads.labels),
        "labels": [{"name": lab.name, "head": lab.head, "alpha": lab.alpha, "threshold": lab.threshold}
                   for lab in manifest.labels],
        "checks": {
            "backbone_logits_vs_backbone_golden": float(f"{worst_backbone:.3g}"),
            "heads_onnx_vs_pytorch_poly_logits": float(f"{worst_onnx:.3g}"),
        },
        "near_threshold": near,
        "texts": entries,
    }


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `heads-golden` command (see __main__.COMMAND_MODULES)."""
    p = subparsers.add_parser(
        "heads-golden",
        help="write PyTorch golden outputs of a bundle's heads (poly logits, blended scores, decisions) for the JS tests",
    )
    p.add_argument("--bundle", required=True, type=Path, help="bundle folder with heads")
    p.add_argument("--checkpoint", required=True, type=Path,
                   help="the bundle's heads in multihead_v2.pt format (train --save-checkpoint, or the converted checkpoint)")
    p.add_argument("--golden", type=Path, default=None,
                   help="backbone golden file (default: model-export/golden/<bundle id>.golden.json)")
    p.add_argument("--out", type=Path, default=None, help="output (default: next to --golden, <bundle id>.heads.golden.json)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--source", default=None, help="Hugging Face model folder of the bundle's backbone (PyTorch)")
    src.add_argument("--fixture-seed-data", type=Path, default=None,
                     help="rebuild the fixture backbone in PyTorch (the seed JSON the fixture was built with)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """heads-golden: rebuild or load the PyTorch backbone, write the heads golden, print its checks."""
    manifest = Manifest.load(args.bundle)
    golden = args.golden or GOLDEN_DIR / f"{manifest.id}.golden.json"
    out = args.out or golden.with_name(f"{manifest.id}.heads.golden.json")
    if args.source:
        model, _ = load_source(args.source)
    else:
        model = rebuild_fixture_model(args.fixture_seed_data, manifest.provenance.seed or 0)
    doc = build_heads_golden(Path(args.bundle), Path(golden), model, args.checkpoint)
    write_golden(doc, out)
    n_pred = sum(s["predicted"] for t in doc["texts"] for s in t["scores"])
    print(f"heads golden: {out} ({len(doc['texts'])} texts x {len(doc['labels'])} labels, {n_pred} predicted; "
          f"checks {doc['checks']}; {len(doc['near_threshold'])} scores within 1e-4 of their threshold)")
    return 0
