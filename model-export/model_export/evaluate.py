"""Multi-label metrics, per-label threshold tuning and the evaluation table.

The table has the original model card's rows (NLI baseline at 0.5, hybrid at 0.5, hybrid with
val-tuned thresholds, hybrid with cross-validated thresholds) and columns (macro F1, Hamming
accuracy, exact match, macro precision and recall, per-label F1).
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model_export.bundle import Manifest, describe_files, validate_bundle
from model_export.data import load_dataset, split_description, split_indices
from model_export.features import load_or_compute_features
from model_export.files import sha256_file, write_json
from model_export.heads import run_heads_onnx
from model_export.numerics import blend, round_nli, sigmoid

# The original grid exactly as np.arange yields it: 98 raw floats 0.01 .. 0.98, some off the
# decimal they print as (the 29th is 0.29000000000000004). Tuned thresholds are stored as these
# exact floats, so `score >= threshold` decides as the original did (a score of exactly 0.29 is
# below 0.29000000000000004).
THRESHOLD_GRID = np.arange(0.01, 0.99, 0.01)

# A bundle's evaluation files are <EVALUATION_STEM>.json/.md; the manifest repeats these keys of the table.
EVALUATION_STEM = "evaluation"
MANIFEST_SUMMARY_KEYS = ("title", "labels", "split", "rows", "alphas")
CACHE_DIR_HELP = "feature cache folder (default: $XDG_CACHE_HOME/model-export/features); '' disables it"


def _prf(pred: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-column precision, recall, F1 (0 where undefined)."""
    pred = pred.astype(bool)
    y = y.astype(bool)
    tp = np.sum(pred & y, axis=0).astype(np.float64)
    fp = np.sum(pred & ~y, axis=0).astype(np.float64)
    fn = np.sum(~pred & y, axis=0).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
    return precision, recall, f1


def metrics(pred: np.ndarray, y: np.ndarray, labels: Sequence[str]) -> dict:
    """The table's columns for one system: macro F1, Hamming accuracy, exact match, macro P/R, per-label F1."""
    pred = np.asarray(pred).astype(bool)
    y = np.asarray(y).astype(bool)
    precision, recall, f1 = _prf(pred, y)
    return {
        "macro_f1": float(np.mean(f1)),
        "hamming_accuracy": float(np.mean(pred == y)),
        "exact_match": float(np.mean(np.all(pred == y, axis=1))),
        "macro_precision": float(np.mean(precision)),
        "macro_recall": float(np.mean(recall)),
        "per_label_f1": {name: float(v) for name, v in zip(labels, f1, strict=True)},
    }


def macro_f1(scores: np.ndarray, y: np.ndarray, thresholds: float | np.ndarray = 0.5) -> float:
    """Macro F1 of `scores >= thresholds`: the early-stopping criterion of training."""
    return float(np.mean(_prf(scores >= thresholds, y)[2]))


def untunable_message(label: str) -> str:
    """Why a label gets no tuned threshold: the same words as the app's (src/io/evaluation.ts; shared tuning_cases.json)."""
    return f"no row in the gold column has label {label}; a threshold cannot be tuned"


def tune_thresholds(scores: np.ndarray, y: np.ndarray, grid: np.ndarray = THRESHOLD_GRID) -> np.ndarray:
    """Per label, the grid threshold maximising F1 (ties: the lowest threshold); NaN for a label without positives.

    Without a positive row every threshold scores F1 0, so argmax would silently propose the grid's
    first value (0.01, labelling every text); NaN says "no threshold", and callers keep the current one.
    The app's tuneThresholds (src/io/metrics.ts) follows the same rule (shared tuning_cases.json).
    """
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y)
    out = np.full(scores.shape[1], np.nan, dtype=np.float64)
    for j in range(scores.shape[1]):
        if not np.any(y[:, j]):
            continue
        preds = scores[:, j][None, :] >= grid[:, None]  # (G, N)
        f1 = _prf(preds.T, np.repeat(y[:, j : j + 1], len(grid), axis=1))[2]
        out[j] = grid[int(np.argmax(f1))]
    return out


def with_fallback(tuned: np.ndarray, fallback: float | np.ndarray) -> np.ndarray:
    """Tuned thresholds with each label that could not be tuned (NaN) at its fallback (the current threshold)."""
    return np.where(np.isnan(tuned), np.broadcast_to(np.asarray(fallback, dtype=np.float64), tuned.shape), tuned)


def kfold_indices(n: int, k: int, seed: int) -> list[np.ndarray]:
    """k folds of range(n), shuffled by `seed`, each sorted (the original's CV split)."""
    idx = list(range(n))
    random.Random(seed).shuffle(idx)
    return [np.array(sorted(idx[f::k]), dtype=np.int64) for f in range(k)]


def cv_threshold_predictions(
    scores: np.ndarray, y: np.ndarray, k: int = 5, seed: int = 42, fallback: float | np.ndarray = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Honest threshold estimate: each fold is decided with thresholds tuned on the other folds.

    A label without positives in a fold's training rows is decided there at `fallback`.
    Returns (predictions (N, L) bool, per-fold tuned thresholds (k, L), NaN where not tuned).
    """
    n = scores.shape[0]
    k = max(2, min(k, n))
    pred = np.zeros(scores.shape, dtype=bool)
    folds = kfold_indices(n, k, seed)
    per_fold = np.zeros((k, scores.shape[1]))
    for f, test in enumerate(folds):
        train = np.setdiff1d(np.arange(n), test)
        t = tune_thresholds(scores[train], y[train])
        per_fold[f] = t
        pred[test] = scores[test] >= with_fallback(t, fallback)
    return pred, per_fold


@dataclass
class EvalInputs:
    """What the table is computed from: labels, truth and both systems' scores on one split."""

    labels: list[str]
    y: np.ndarray  # (N, L)
    nli: np.ndarray  # (N, L) NLI entailment scores
    hybrid: np.ndarray  # (N, L) blended for head labels, NLI otherwise


ROW_NLI = "NLI baseline (t=0.5)"
ROW_HYBRID = "Hybrid (t=0.5)"
ROW_TUNED = "Hybrid (val-tuned)"
ROW_CV = "Hybrid (CV thresholds)"


def evaluation_rows(
    inp: EvalInputs, *, cv_folds: int = 5, seed: int = 42, fallback: float | np.ndarray = 0.5
) -> tuple[list[dict], np.ndarray]:
    """The four rows of the table and the val-tuned thresholds (L,).

    A label without a positive in the rows keeps `fallback` (the current threshold, 0.5 by default):
    the tuned row says so in its note, and its thresholds are the ones it decided with.
    """
    labels = inp.labels
    raw = tune_thresholds(inp.hybrid, inp.y)
    tuned = with_fallback(raw, fallback)
    cv_pred, per_fold = cv_threshold_predictions(inp.hybrid, inp.y, k=cv_folds, seed=seed, fallback=fallback)
    cv_used = np.stack([with_fallback(t, fallback) for t in per_fold])
    untuned = "".join(
        f"; {untunable_message(n)} (kept at {t:.2f})" for n, r, t in zip(labels, raw, tuned, strict=True) if np.isnan(r)
    )
    half = dict.fromkeys(labels, 0.5)
    rows = [
        {"system": ROW_NLI, "thresholds": half, **metrics(inp.nli >= 0.5, inp.y, labels)},
        {"system": ROW_HYBRID, "thresholds": half, **metrics(inp.hybrid >= 0.5, inp.y, labels)},
        {
            "system": ROW_TUNED,
            "thresholds": {n: float(t) for n, t in zip(labels, tuned, strict=True)},
            "note": "thresholds tuned and scored on the same validation split (optimistic)" + untuned,
            **metrics(inp.hybrid >= tuned, inp.y, labels),
        },
        {
            "system": ROW_CV,
            "thresholds": {n: float(np.round(t, 4)) for n, t in zip(labels, cv_used.mean(axis=0), strict=True)},
            "note": f"{per_fold.shape[0]}-fold cross-validation on the validation split: each fold decided with "
            "thresholds tuned on the other folds (thresholds shown: mean over folds)",
            **metrics(cv_pred, inp.y, labels),
        },
    ]
    return rows, tuned


def render_markdown(table: dict) -> str:
    """The evaluation table as Markdown (evaluation.md): rows, thresholds, notes, alphas, training facts."""
    labels = table["labels"]
    lines = []
    title = table.get("title", "Evaluation")
    lines.append(f"# {title}")
    lines.append("")
    split = table.get("split", {})
    if split:
        sizes = ", ".join(f"{name} {split[key]}" for key, name in (("train", "train"), ("val", "validation"))
                          if split.get(key) is not None)
        lines.append(f"Split: {split.get('description', '')} {sizes} samples. Metrics on the validation split.")
        lines.append("")
    head = ["System", "Macro F1", "Hamming acc", "Exact match", "Macro P", "Macro R", *labels]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for row in table["rows"]:
        cells = [row["system"]] + [
            f"{row[k]:.4f}" for k in ("macro_f1", "hamming_accuracy", "exact_match", "macro_precision", "macro_recall")
        ]
        cells += [f"{row['per_label_f1'][n]:.4f}" for n in labels]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Thresholds per label:")
    lines.append("")
    lines.append("| System | " + " | ".join(labels) + " |")
    lines.append("|---|" + "---|" * len(labels))
    for row in table["rows"]:
        lines.append("| " + row["system"] + " | " + " | ".join(f"{row['thresholds'][n]:.2f}" for n in labels) + " |")
    notes = [f"- {row['system']}: {row['note']}" for row in table["rows"] if row.get("note")]
    extra = table.get("notes", [])
    if notes or extra:
        lines.append("")
        lines.append("Notes:")
        lines.append("")
        lines.extend(notes)
        lines.extend(f"- {n}" for n in extra)
    if table.get("alphas"):
        lines.append("")
        lines.append("Alphas (weight of NLI in the blend): " + ", ".join(f"{k} {v:.3f}" for k, v in table["alphas"].items()))
    if table.get("training"):
        tr = table["training"]
        lines.append("")
        lines.append(
            "Training: "
            + ", ".join(f"{k} {v}" for k, v in tr.items() if isinstance(v, (int, float, str)) and not isinstance(v, bool))
        )
    lines.append("")
    return "\n".join(lines)


def write_evaluation(table: dict, out_dir: str | Path, stem: str = EVALUATION_STEM) -> tuple[Path, Path]:
    """Write the table as <stem>.json and <stem>.md; return both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jpath = out_dir / f"{stem}.json"
    mpath = out_dir / f"{stem}.md"
    write_json(jpath, table)
    mpath.write_text(render_markdown(table), encoding="utf-8")
    return jpath, mpath



def write_bundle_evaluation(table: dict, bundle_dir: str | Path) -> dict:
    """Write the table into a bundle (evaluation.json/.md); return the manifest's `evaluation` entry for it.

    The manifest repeats the table's headline parts, so the app can show them without a second download.
    """
    jpath, mpath = write_evaluation(table, bundle_dir)
    return {"json": jpath.name, "markdown": mpath.name, **{k: v for k, v in table.items() if k in MANIFEST_SUMMARY_KEYS}}

# ---------------------------------------------------------------------------------------------
# Command line: python -m model_export evaluate --bundle DIR --data FILE [--write]
# Scores a bundle as the browser does (fp32 ONNX backbone, ONNX heads graph, manifest alphas and
# thresholds), e.g. to reproduce the published table after convert-checkpoint on the real model.

ROW_BUNDLE = "Hybrid (bundle thresholds)"


def bundle_scores(
    bundle_dir: str | Path,
    manifest: Manifest,
    texts: Sequence[str],
    *,
    cache_dir: str | Path | None = None,
    progress: bool = True,
    threads: int = 0,
    batch_size: int = 64,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(nli (N, L), hybrid (N, L), poly_logits (N, L_heads) or None) for the manifest's labels.

    nli is rounded to 6 decimals (round_nli), as the original predicted; hybrid blends that value.
    """
    labels = manifest.labels
    feat, _ = load_or_compute_features(
        bundle_dir, texts, [lab.hypothesis for lab in labels], [lab.description or lab.name for lab in labels],
        cache_dir=cache_dir, progress=progress, manifest=manifest, threads=threads,
    )
    nli = round_nli(feat.nli)
    hybrid = nli.copy()
    if manifest.heads is None:
        return nli, hybrid, None
    heads_labels = manifest.heads["labels"]
    poly = np.zeros((len(texts), len(heads_labels)), dtype=np.float32)
    path = Path(bundle_dir) / manifest.heads["file"]
    for s in range(0, len(texts), batch_size):
        m = feat.mask[s : s + batch_size]
        t = max(1, int(m.sum(axis=1).max()))
        poly[s : s + batch_size] = run_heads_onnx(path, feat.hidden[s : s + batch_size, :t], m[:, :t])
    names = [lab.name for lab in labels]
    for j, name in enumerate(heads_labels):
        k = names.index(name)
        hybrid[:, k] = blend(labels[k].alpha, nli[:, k], sigmoid(poly[:, j]))
    return nli, hybrid, poly


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `evaluate` command (see __main__.COMMAND_MODULES)."""
    p = subparsers.add_parser(
        "evaluate",
        help="score a bundle (backbone + heads + manifest alphas/thresholds) on labelled data and print the evaluation table",
        description="Runs the bundle's fp32 ONNX backbone and heads graph like the browser does, on the validation split "
        "of the original recipe (or all data), and prints the evaluation table, including a row at the bundle's own "
        "thresholds. --write stores it in the bundle as evaluation.json/.md.",
    )
    p.add_argument("--bundle", required=True, type=Path)
    p.add_argument("--data", required=True, type=Path, help="JSON or CSV, label names as in the manifest")
    p.add_argument("--split", choices=("val", "all"), default="val", help="val: the recipe's validation split (default)")
    p.add_argument("--split-seed", type=int, default=42)
    p.add_argument("--train-fraction", type=float, default=0.8)
    p.add_argument("--cv-folds", type=int, default=5)
    p.add_argument("--text-column", default=None)
    p.add_argument("--labels-column", default=None)
    p.add_argument("--cache-dir", default=None, help=CACHE_DIR_HELP)
    p.add_argument("--backbone-threads", type=int, default=0)
    p.add_argument("--write", action="store_true", help="write evaluation.json/.md into the bundle and the manifest")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """evaluate: score the bundle on the data as the browser does, print the table, optionally store it."""
    manifest = Manifest.load(args.bundle)
    names = [lab.name for lab in manifest.labels]
    data = load_dataset(args.data, names, text_column=args.text_column, labels_column=args.labels_column)
    if args.split == "val":
        _, idx = split_indices(len(data), args.train_fraction, args.split_seed)
        data = data.subset(idx)
    nli, hybrid, _ = bundle_scores(
        args.bundle, manifest, data.texts, cache_dir=args.cache_dir, progress=not args.no_progress, threads=args.backbone_threads
    )
    inputs = EvalInputs(labels=names, y=data.y, nli=nli, hybrid=hybrid)
    own = np.array([lab.threshold for lab in manifest.labels])
    rows, _ = evaluation_rows(inputs, cv_folds=args.cv_folds, seed=args.split_seed, fallback=own)
    rows.insert(2, {"system": ROW_BUNDLE, "thresholds": {n: float(t) for n, t in zip(names, own, strict=True)},
                    "note": "the manifest's thresholds", **metrics(hybrid >= own, data.y, names)})
    table = {
        "title": f"Bundle {manifest.id}: evaluation on {'the validation split' if args.split == 'val' else 'all data'}",
        "labels": names,
        "split": {
            "description": split_description(args.split_seed, args.train_fraction) if args.split == "val" else "all examples.",
            "seed": args.split_seed, "val": len(data),
        },
        "rows": rows,
        "alphas": {lab.name: lab.alpha for lab in manifest.labels if lab.head},
        "data": {"file": Path(args.data).name, "sha256": sha256_file(args.data), "examples": len(data)},
        "notes": ["Scored with the bundle's ONNX graphs (fp32 backbone, heads) and manifest alphas, as the browser does."],
    }
    if args.write:
        manifest.evaluation = write_bundle_evaluation(table, args.bundle)
        manifest.files = describe_files(args.bundle)
        manifest.save(args.bundle)
        validate_bundle(args.bundle)
    print(render_markdown(table))
    return 0
