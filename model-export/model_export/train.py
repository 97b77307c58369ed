"""Train the PolyEncoder heads and alphas over a frozen backbone, with the original v2 recipe.

Recipe (shared/design/seed-model.md, including its "exact details of the original training script",
each of which changes the trained heads):
  * split: random.seed(42); random.shuffle(list(range(N))); first 80% train, rest validation.
  * NLI scores: computed once in eval mode by the bundle's fp32 graph, then rounded to 6 decimals
    (numerics.round_nli, Python's round(score, 6)) for the loss, validation and the table.
  * the heads' text-only pass ([CLS] text [SEP], max_length_text): by default a PyTorch copy of the
    backbone (checked against the fp32 graph first) in TRAIN mode at every training step, so with
    dropout and without gradients, as the original's model.train() did to its registered backbone;
    validation and evaluation read eval-mode features. --cached-features uses the eval-mode features
    for training too (faster, not the original numbers). See text_pass.py.
  * PolyHead log_temp starts at 0.0 (logit scale 1).
  * per specialist label: BCEWithLogits(poly_logit, y) + 1.0 * BCE(blended, y) (blended clamped to
    [1e-7, 1 - 1e-7]) + 0.3 * KL(nli || poly) on samples where the NLI is confident (nli > 0.75 or
    nli < 0.25), KL as kl_div(log[pp, 1 - pp], [nli, 1 - nli], batchmean) with BOTH pp and nli
    clamped to [1e-7, 1 - 1e-7]; summed over labels.
  * AdamW(lr 3e-4, weight decay 1e-4) over heads and alphas; CosineAnnealingLR(T_max=epochs,
    eta_min=0.02 * lr) stepped once per EPOCH; grad-norm clip 1.0; 25 epochs; batch 16.
  * early stopping on validation macro F1 at threshold 0.5, patience 7, best F1 starting at 0.0
    (an epoch is best only when it beats 0.0 and every earlier epoch; the best epoch is restored).
  * thresholds: per label, the raw grid np.arange(0.01, 0.99, 0.01) (floats such as
    0.29000000000000004, stored as such) maximising F1 on the validation split, plus a k-fold
    cross-validated estimate on the validation split.
"""

from __future__ import annotations

import argparse
import copy
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F
from tqdm.auto import tqdm

from model_export.bundle import Manifest
from model_export.bundle_heads import HEADS_FILE, install_heads
from model_export.checkpoint import build_checkpoint
from model_export.data import DataError, LabelConfig, load_dataset, load_label_config, split_description, split_indices
from model_export.evaluate import CACHE_DIR_HELP, EvalInputs, evaluation_rows, macro_f1, render_markdown
from model_export.evaluate import metrics as evaluation_metrics
from model_export.features import load_or_compute_features
from model_export.files import sha256_file
from model_export.heads import NUM_CODES, PROJ_DIM, PolyHeads
from model_export.numerics import blend, round_nli
from model_export.text_pass import (
    CachedTextPass,
    TextPass,
    cached_batch,
    default_backbone_model,
    load_torch_text_pass,
)

log = logging.getLogger(__name__)

CLAMP = 1e-7


@dataclass
class TrainConfig:
    """The recipe's hyper-parameters (module docstring); the defaults are the original's."""

    epochs: int = 25
    batch_size: int = 16
    lr: float = 3e-4
    weight_decay: float = 1e-4
    min_lr_ratio: float = 0.02
    grad_clip: float = 1.0
    patience: int = 7
    blend_bce_weight: float = 1.0
    kl_weight: float = 0.3
    confident_high: float = 0.75
    confident_low: float = 0.25
    num_codes: int = NUM_CODES
    proj_dim: int = PROJ_DIM
    seed: int = 42
    split_seed: int = 42
    train_fraction: float = 0.8
    cv_folds: int = 5
    eval_batch_size: int = 64


@dataclass
class Features:
    """Eval-mode backbone outputs (all float32 numpy): validation always reads these."""

    nli: np.ndarray  # (N, L) entailment scores as the backbone gives them (train_heads rounds them), config label order
    hidden: np.ndarray  # (N, T, H) text-only last_hidden_state, eval mode
    mask: np.ndarray  # (N, T) int64 attention mask of the text-only pass
    label_embs: np.ndarray  # (L_heads, H) mean-pooled description states, specialist order


@dataclass
class TrainResult:
    """Trained heads, the evaluation rows and tuned thresholds, and how training went."""

    heads: PolyHeads
    table_rows: list[dict]
    thresholds: np.ndarray  # (L,) val-tuned, config label order
    history: list[dict] = field(default_factory=list)
    best_epoch: int = 0
    best_val_macro_f1: float = 0.0
    epochs_run: int = 0
    train_idx: list[int] = field(default_factory=list)
    val_idx: list[int] = field(default_factory=list)
    val_scores: dict = field(default_factory=dict)


@dataclass
class EarlyStopping:
    """The original's early stopping on validation macro F1.

    The best F1 starts at 0.0 (not below it), and an epoch is best only when its F1 is strictly
    greater: an epoch scoring 0.0 is never best, and on ties the first epoch stays best. `stop`
    turns true after `patience` epochs in a row without a new best. When no epoch beats 0.0,
    best_epoch stays 0 and nothing is restored.
    """

    patience: int
    best: float = 0.0
    best_epoch: int = 0
    bad: int = 0

    def update(self, epoch: int, f1: float) -> bool:
        """Record an epoch's F1; True when it is the new best."""
        if f1 > self.best:
            self.best, self.best_epoch, self.bad = f1, epoch, 0
            return True
        self.bad += 1
        return False

    @property
    def stop(self) -> bool:
        return self.bad >= self.patience


def hybrid_loss(
    poly_logits: torch.Tensor,
    nli: torch.Tensor,
    y: torch.Tensor,
    alpha_raw: torch.Tensor,
    cfg: TrainConfig,
) -> torch.Tensor:
    """The v2 loss, summed over specialist labels. All tensors (B, L_heads) except alpha_raw (L_heads,).

    nli: the rounded NLI scores (round_nli). Both sides of the KL term are clamped to
    [1e-7, 1 - 1e-7], as the original did, so an NLI of exactly 0 or 1 still enters as 1e-7 / 1 - 1e-7.
    """
    total = poly_logits.new_zeros(())
    for j in range(poly_logits.shape[1]):
        logit, n, t = poly_logits[:, j], nli[:, j], y[:, j]
        loss = F.binary_cross_entropy_with_logits(logit, t)
        pp = torch.sigmoid(logit)
        blended = blend(torch.sigmoid(alpha_raw[j]), n, pp)
        loss = loss + cfg.blend_bce_weight * F.binary_cross_entropy(blended.clamp(CLAMP, 1.0 - CLAMP), t)
        confident = (n > cfg.confident_high) | (n < cfg.confident_low)
        if bool(confident.any()):
            p = pp[confident].clamp(CLAMP, 1.0 - CLAMP)
            q = n[confident].clamp(CLAMP, 1.0 - CLAMP)
            log_poly = torch.log(torch.stack([p, 1.0 - p], dim=-1))
            target = torch.stack([q, 1.0 - q], dim=-1)
            # kl_div(input=log poly, target=nli) = sum nli * (log nli - log poly) = KL(nli || poly)
            loss = loss + cfg.kl_weight * F.kl_div(log_poly, target, reduction="batchmean")
        total = total + loss
    return total


@torch.no_grad()
def poly_logits_for(heads: PolyHeads, feat: Features, idx: Sequence[int], batch_size: int = 64) -> np.ndarray:
    """Poly logits on the eval-mode features (validation and evaluation never see dropout)."""
    heads.eval()
    idx = np.asarray(idx, dtype=np.int64)
    out = np.zeros((len(idx), len(heads.labels)), dtype=np.float32)
    for s in range(0, len(idx), batch_size):
        h, m = cached_batch(feat.hidden, feat.mask, idx[s : s + batch_size])
        out[s : s + batch_size] = heads(h, m).numpy()
    return out


def hybrid_scores(
    heads: PolyHeads, nli: np.ndarray, poly_logits: np.ndarray, labels: Sequence[str]
) -> np.ndarray:
    """(N, L) final scores, float64: blended for head labels, NLI otherwise (nli: rounded, round_nli)."""
    out = np.array(nli, dtype=np.float64, copy=True)
    with torch.no_grad():
        cols = [list(labels).index(n) for n in heads.labels]
        blended = heads.blended(torch.from_numpy(nli[:, cols].astype(np.float32)), torch.from_numpy(poly_logits)).numpy()
    out[:, cols] = blended
    return out


def train_heads(
    feat: Features,
    y: np.ndarray,
    labels: Sequence[str],
    specialists: Sequence[str],
    cfg: TrainConfig,
    *,
    train_idx: Sequence[int],
    val_idx: Sequence[int],
    text_pass: TextPass | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train heads + alphas with the recipe (module docstring); validation and the table use `feat`.

    text_pass: where training steps read token states (text_pass.py); None = `feat`'s eval-mode
    features (the --cached-features mode). It is put in train mode for every epoch and back in
    eval mode for validation, as the original's model.train() / model.eval() did.
    """
    labels = list(labels)
    specialists = list(specialists)
    for name in specialists:
        if name not in labels:
            raise DataError(f"specialist {name!r} is not a label")
    cols = np.array([labels.index(n) for n in specialists], dtype=np.int64)
    train_idx = np.asarray(train_idx, dtype=np.int64)
    val_idx = np.asarray(val_idx, dtype=np.int64)
    if len(train_idx) == 0 or len(val_idx) == 0:
        raise DataError(f"need non-empty train and validation splits (got {len(train_idx)} / {len(val_idx)})")
    for name, c in zip(specialists, cols, strict=True):
        if y[train_idx, c].sum() == 0:
            raise DataError(f"label {name!r} has no positive example in the training split; "
                            "add examples or mark it specialist: false")
    text_pass = text_pass if text_pass is not None else CachedTextPass(feat.hidden, feat.mask)
    nli = round_nli(feat.nli)

    torch.manual_seed(cfg.seed)
    heads = PolyHeads(specialists, torch.from_numpy(feat.label_embs), cfg.num_codes, cfg.proj_dim)
    opt = torch.optim.AdamW(heads.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    # Stepped once per epoch: epoch e (1-based) trains at eta_min + (lr - eta_min) * (1 + cos(pi * (e - 1) / epochs)) / 2.
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, cfg.epochs), eta_min=cfg.min_lr_ratio * cfg.lr)
    gen = torch.Generator().manual_seed(cfg.seed)
    nli_t = torch.from_numpy(nli[:, cols].astype(np.float32))
    y_t = torch.from_numpy(y[:, cols].astype(np.float32))

    stopper = EarlyStopping(cfg.patience)
    best_state = None
    history: list[dict] = []
    steps_per_epoch = -(-len(train_idx) // cfg.batch_size)
    bar = tqdm(total=cfg.epochs * steps_per_epoch, desc="train heads", unit="step", disable=not progress, file=sys.stderr)
    epoch = 0
    try:
        for epoch in range(1, cfg.epochs + 1):
            heads.train()
            text_pass.train(True)
            perm = train_idx[torch.randperm(len(train_idx), generator=gen).numpy()]
            running = 0.0
            for s in range(0, len(perm), cfg.batch_size):
                b = perm[s : s + cfg.batch_size]
                h, m = text_pass(b)
                logits = heads(h, m)
                loss = hybrid_loss(logits, nli_t[b], y_t[b], heads.alpha_raw, cfg)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(heads.parameters(), cfg.grad_clip)
                opt.step()
                running += float(loss.detach()) * len(b)
                bar.update(1)
            lr = float(opt.param_groups[0]["lr"])  # what the epoch's last step used (all its steps, per epoch)
            sched.step()
            text_pass.train(False)
            val_poly = poly_logits_for(heads, feat, val_idx, cfg.eval_batch_size)
            f1 = macro_f1(hybrid_scores(heads, nli[val_idx], val_poly, labels), y[val_idx], 0.5)
            history.append({
                "epoch": epoch, "lr": lr, "train_loss": running / len(perm),
                "val_macro_f1_at_0.5": f1, "alphas": heads.alphas(),
            })
            bar.set_postfix(epoch=epoch, loss=f"{running / len(perm):.4f}", val_f1=f"{f1:.4f}")
            if stopper.update(epoch, f1):
                best_state = copy.deepcopy(heads.state_dict())
            elif stopper.stop:
                break
    finally:
        text_pass.train(False)
        bar.close()
    if best_state is None:
        log.warning("no epoch reached a validation macro F1 above 0.0: keeping the heads of the last epoch (%d)", epoch)
    else:
        heads.load_state_dict(best_state)
    heads.eval()

    val_poly = poly_logits_for(heads, feat, val_idx, cfg.eval_batch_size)
    val_nli = nli[val_idx]
    val_hybrid = hybrid_scores(heads, val_nli, val_poly, labels)
    rows, tuned = evaluation_rows(
        EvalInputs(labels=labels, y=y[val_idx], nli=val_nli, hybrid=val_hybrid), cv_folds=cfg.cv_folds, seed=cfg.split_seed
    )
    return TrainResult(
        heads=heads,
        table_rows=rows,
        thresholds=tuned,
        history=history,
        best_epoch=stopper.best_epoch,
        best_val_macro_f1=stopper.best,
        epochs_run=epoch,
        train_idx=train_idx.tolist(),
        val_idx=val_idx.tolist(),
        val_scores={"nli": val_nli, "poly_logits": val_poly, "hybrid": val_hybrid, "y": y[val_idx]},
    )


# ---------------------------------------------------------------------------------------------
# Command line: python -m model_export train --bundle DIR --data FILE --labels CONFIG


TEXT_PASS_DROPOUT = "backbone in train mode (dropout)"
TEXT_PASS_CACHED = "cached eval-mode features"
RANDOM_BACKBONE_NOTE = (
    "The backbone has random weights (demo bundle): its NLI scores carry no label information, so any gain over "
    "the NLI baseline comes from the heads, which can only use what the random backbone's token states preserve."
)


def evaluation_table(result: TrainResult, config: LabelConfig, *, data_name: str, data_sha256: str, n: int,
                     cfg: TrainConfig, manifest: Manifest, backbone_check: dict[str, Any] | None = None,
                     backbone_note: str | None = None) -> dict[str, Any]:
    """The table written as evaluation.json/.md. backbone_check: BackboneMatch.as_dict() of the dropout
    pass's PyTorch backbone; None in the --cached-features mode. backbone_note: what the backbone is, as a
    note; None gives RANDOM_BACKBONE_NOTE for a demo bundle (the random fixture) and no note otherwise."""
    labels = config.names
    table = {
        "title": "PolyEncoder heads: evaluation on the validation split",
        "labels": labels,
        "split": {
            "description": split_description(cfg.split_seed, cfg.train_fraction),
            "seed": cfg.split_seed,
            "train": len(result.train_idx),
            "val": len(result.val_idx),
        },
        "rows": result.table_rows,
        "alphas": dict(zip(result.heads.labels, (round(a, 6) for a in result.heads.alphas()), strict=True)),
        "training": {
            "epochs_run": result.epochs_run,
            "best_epoch": result.best_epoch,
            "best_val_macro_f1_at_0.5": round(result.best_val_macro_f1, 6),
            "specialists": list(result.heads.labels),
            "text_pass": TEXT_PASS_DROPOUT if backbone_check else TEXT_PASS_CACHED,
            **({"backbone_check": backbone_check} if backbone_check else {}),
        },
        "config": asdict(cfg),
        "data": {"file": data_name, "sha256": data_sha256, "examples": n},
        "backbone": {
            "source_model": manifest.provenance.source_model,
            "fp32_sha256": manifest.files[manifest.variants["fp32"].backbone].sha256,
            "demo": manifest.demo,
        },
        "history": result.history,
        "notes": [
            "Training steps read the text-only pass of a PyTorch copy of the backbone in train mode (dropout), as the "
            "original did; validation and this table use eval-mode features of the bundle's fp32 graph."
            if backbone_check else
            "Training steps read eval-mode features computed once (--cached-features), not the original's "
            "dropout pass; validation and this table use the same eval-mode features.",
            "NLI scores are rounded to 6 decimals before blending and thresholding, as the original did.",
        ],
    }
    y_val = result.val_scores["y"]
    all_pos = evaluation_metrics(np.ones_like(y_val), y_val, labels)["macro_f1"]
    table["notes"].append(
        f"Reference: predicting every label for every text scores macro F1 {all_pos:.4f} on this validation split "
        "(label prevalence; a tuned threshold can always fall back to that)."
    )
    note = backbone_note if backbone_note is not None else RANDOM_BACKBONE_NOTE if manifest.demo else None
    if note:
        table["notes"].append(note)
    return table


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `train` command (see __main__.COMMAND_MODULES)."""
    p = subparsers.add_parser(
        "train",
        help="train the PolyEncoder heads over a bundle's frozen backbone and write them (and the evaluation table) into it",
        description="Train PolyEncoder heads with the original v2 recipe over the bundle's backbone: NLI scores and "
        "eval-mode features from the fp32 ONNX graph, training steps through a PyTorch copy of the backbone in train "
        "mode (dropout) unless --cached-features; tune thresholds on the validation split, write heads.onnx, "
        "evaluation.json/.md and the manifest entries.",
    )
    p.add_argument("--bundle", required=True, type=Path, help="bundle folder (manifest.json + fp32 backbone + tokenizer)")
    p.add_argument("--data", required=True, type=Path,
                   help="JSON list of {text, labels} or CSV (text column + 0/1 label columns or a labels column)")
    p.add_argument("--labels", required=True, type=Path,
                   help="label config JSON (names, descriptions, specialist flags; see configs/seed-labels.json)")
    p.add_argument("--text-column", default=None, help="CSV: name of the text column (default: text)")
    p.add_argument("--labels-column", default=None,
                   help="CSV: name of a delimited labels column (default: 0/1 columns, else 'labels')")
    p.add_argument("--cache-dir", default=None, help=CACHE_DIR_HELP)
    p.add_argument("--save-checkpoint", type=Path, default=None,
                   help="also save the heads in the original multihead_v2.pt format")
    p.add_argument("--batch-size-backbone", type=int, default=32, help="batch size of the feature extraction")
    p.add_argument("--backbone-threads", type=int, default=0,
                   help="onnxruntime threads for the feature extraction (0 = all cores)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads for training, the dropout backbone pass included (default 1: the same numbers on any "
                   "machine, and fastest for small models; raise it for a large backbone); 0 = torch default")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--backbone-model", default=None, metavar="PATH_OR_HUB_ID",
                      help="Hugging Face model folder or Hub id of the bundle's backbone in PyTorch, for the recipe's training "
                      "pass in train mode (dropout); checked against the bundle's fp32 graph first (default: the manifest's "
                      "provenance.source_model when it is a local folder or a Hub id)")
    mode.add_argument("--cached-features", action="store_true",
                      help="train on eval-mode features computed once instead (faster, no PyTorch backbone needed; "
                      "not the original recipe's dropout)")
    d = TrainConfig()
    for name, typ in (
        ("epochs", int), ("batch_size", int), ("lr", float), ("weight_decay", float), ("patience", int),
        ("seed", int), ("split_seed", int), ("train_fraction", float), ("cv_folds", int),
        ("num_codes", int), ("proj_dim", int), ("kl_weight", float),
    ):
        p.add_argument("--" + name.replace("_", "-"), type=typ, default=getattr(d, name), help=f"default {getattr(d, name)}")
    p.set_defaults(func=run)


@dataclass
class TrainInputs:
    """What one heads training run reads besides the recipe: the bundle, the data and where its token states come from."""

    bundle: Path
    data: Path
    labels: Path
    text_column: str | None = None
    labels_column: str | None = None
    cache_dir: str | None = None
    batch_size_backbone: int = 32
    backbone_threads: int = 0
    progress: bool = True
    # PyTorch backbone for the dropout pass (None: the manifest's source model); ignored with cached_features.
    backbone_model: str | None = None
    cached_features: bool = False
    save_checkpoint: Path | None = None
    # Says what the backbone is in the table's notes (None: the default note for the bundle, see evaluation_table).
    backbone_note: str | None = None


def train_bundle(inp: TrainInputs, cfg: TrainConfig) -> dict[str, Any]:
    """Train heads on a bundle and write heads graph, evaluation and manifest entries into it; return the table.

    The `train` command and `demo` (demo.py) both run this, so the demo's heads follow the very same recipe.
    """
    manifest = Manifest.load(inp.bundle)
    config = load_label_config(inp.labels)
    if not config.specialists:
        raise DataError(f"{inp.labels}: no label is marked specialist: nothing to train")
    data = load_dataset(inp.data, config.names, text_column=inp.text_column, labels_column=inp.labels_column)
    train_idx, val_idx = split_indices(len(data), cfg.train_fraction, cfg.split_seed)
    log.info("%d examples: %d train, %d validation; %d labels, %d specialists",
             len(data), len(train_idx), len(val_idx), len(config.labels), len(config.specialists))

    # The PyTorch backbone is loaded and checked before the (long) feature extraction, so a wrong model fails fast.
    text_pass, match = None, None
    if not inp.cached_features:
        source = inp.backbone_model or default_backbone_model(manifest)
        text_pass, match = load_torch_text_pass(inp.bundle, manifest, data.texts, source, threads=inp.backbone_threads)

    bf, _ = load_or_compute_features(
        inp.bundle, data.texts, config.hypotheses, config.descriptions,
        cache_dir=inp.cache_dir, batch_size=inp.batch_size_backbone, progress=inp.progress, manifest=manifest,
        threads=inp.backbone_threads,
    )
    cols = [config.names.index(n) for n in config.specialists]
    feat = Features(nli=bf.nli, hidden=bf.hidden, mask=bf.mask, label_embs=bf.label_embs[cols])
    result = train_heads(
        feat, data.y, config.names, config.specialists, cfg, train_idx=train_idx, val_idx=val_idx, text_pass=text_pass,
        progress=inp.progress,
    )
    table = evaluation_table(
        result, config, data_name=Path(inp.data).name, data_sha256=sha256_file(inp.data), n=len(data), cfg=cfg,
        manifest=manifest,
        backbone_check=match.as_dict() if match else None,
        backbone_note=inp.backbone_note,
    )
    probe = np.asarray(val_idx[:16])
    parity = [(bf.hidden[probe], bf.mask[probe])]
    source = {
        "kind": "trained",
        "recipe": "HybridNLI-PolyEncoder v2 (shared/design/seed-model.md)",
        "text_pass": table["training"]["text_pass"],
        "data": table["data"],
        "label_config": Path(inp.labels).name,
        "seed": cfg.seed,
    }
    install_heads(
        inp.bundle, result.heads, config, result.thresholds, source=source, checkpoint=None, evaluation=table,
        parity_cases=parity,
    )
    if inp.save_checkpoint:
        inp.save_checkpoint.parent.mkdir(parents=True, exist_ok=True)
        ck = build_checkpoint(
            result.heads, config, result.thresholds, manifest.provenance.source_model,
            best_macro_f1=result.best_val_macro_f1, val_tuned_macro_f1=result.table_rows[2]["macro_f1"],
        )
        torch.save(ck, inp.save_checkpoint)
        log.info("checkpoint (multihead_v2 format) saved to %s", inp.save_checkpoint)
    return table


def run(args: argparse.Namespace) -> int:
    """train: features, training, thresholds, then heads graph, evaluation and manifest into the bundle."""
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    cfg = TrainConfig(
        **{k: getattr(args, k) for k in (
            "epochs", "batch_size", "lr", "weight_decay", "patience", "seed", "split_seed", "train_fraction",
            "cv_folds", "num_codes", "proj_dim", "kl_weight",
        )}
    )
    inp = TrainInputs(
        bundle=args.bundle, data=args.data, labels=args.labels, text_column=args.text_column,
        labels_column=args.labels_column, cache_dir=args.cache_dir, batch_size_backbone=args.batch_size_backbone,
        backbone_threads=args.backbone_threads, progress=not args.no_progress, backbone_model=args.backbone_model,
        cached_features=args.cached_features, save_checkpoint=args.save_checkpoint,
    )
    table = train_bundle(inp, cfg)
    print(render_markdown(table))
    print(f"heads written to {Path(args.bundle) / HEADS_FILE}; manifest, evaluation.json and evaluation.md updated")
    return 0
