"""The original `multihead_v2.pt` checkpoint format: read it into PolyHeads, or write one.

A `torch.save` dict with (shared/design/seed-model.md):
  poly_heads_state {label: PolyHead state_dict}, alpha_raws {label: float}, label_embs {label: tensor(H)},
  specialist_labels, val_thresholds {label: float}, num_codes, proj_dim, hidden_dim, backbone_name,
  label_names, label_descriptions, optionally best_macro_f1, val_tuned_macro_f1.
"""

from __future__ import annotations

import argparse
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy._core.multiarray import _reconstruct, scalar

from model_export.bundle import Manifest
from model_export.bundle_heads import install_heads
from model_export.data import PIPELINE_TEMPLATE, LabelConfig, LabelSpec, fill_template
from model_export.errors import ExportError
from model_export.files import sha256_file
from model_export.heads import PolyHeads

log = logging.getLogger(__name__)

REQUIRED_KEYS = (
    "poly_heads_state",
    "alpha_raws",
    "label_embs",
    "specialist_labels",
    "val_thresholds",
    "num_codes",
    "proj_dim",
    "hidden_dim",
    "backbone_name",
    "label_names",
    "label_descriptions",
)
HEAD_STATE_KEYS = (
    "codes.weight",
    "ctx_proj.0.weight",
    "ctx_proj.0.bias",
    "ctx_proj.2.weight",
    "ctx_proj.2.bias",
    "label_proj.0.weight",
    "label_proj.0.bias",
    "label_proj.2.weight",
    "label_proj.2.bias",
    "log_temp",
)


class CheckpointError(ExportError):
    """The checkpoint is not in the multihead_v2.pt format (the message says what is missing)."""


@dataclass
class ConvertedCheckpoint:
    """A multihead_v2.pt checkpoint read into the objects install_heads takes."""

    heads: PolyHeads
    config: LabelConfig  # all labels, original order, with hypotheses
    thresholds: list[float]  # per label, config order
    backbone_name: str
    hidden_dim: int
    extras: dict  # best_macro_f1, val_tuned_macro_f1 when present


def _as_float(v: Any, what: str) -> float:
    if isinstance(v, torch.Tensor):
        if v.numel() != 1:
            raise CheckpointError(f"{what} must be a scalar, got shape {tuple(v.shape)}")
        v = v.item()
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise CheckpointError(f"{what} must be a number, got {type(v).__name__}") from None
    if not math.isfinite(f):
        raise CheckpointError(f"{what} is not finite ({f})")
    return f


def _descriptions(ck: Mapping, names: Sequence[str]) -> dict[str, str]:
    desc = ck["label_descriptions"]
    if isinstance(desc, Mapping):
        missing = [n for n in names if n not in desc]
        if missing:
            raise CheckpointError(f"label_descriptions lacks {missing}")
        return {n: str(desc[n]) for n in names}
    if isinstance(desc, (list, tuple)) and len(desc) == len(names):
        return {n: str(d) for n, d in zip(names, desc, strict=True)}
    raise CheckpointError("label_descriptions must be {label: description} or a list parallel to label_names")


def _numpy_globals() -> list:
    """numpy scalars/arrays/dtypes as the weights-only unpickler may meet them (numpy 1 or 2 names)."""
    out: list = [np.ndarray, np.dtype]
    for mod in ("numpy._core.multiarray", "numpy.core.multiarray"):
        out += [(scalar, f"{mod}.scalar"), (_reconstruct, f"{mod}._reconstruct")]
    for t in (np.float64, np.float32, np.float16, np.int64, np.int32, np.bool_):
        dt = type(np.dtype(t))
        out += [dt, (dt, f"numpy.dtype[{np.dtype(t).type.__name__}]")]
    return out


def load_checkpoint_dict(path: str | Path) -> dict:
    """The checkpoint's dict, loaded with weights_only (no pickled code runs), or a CheckpointError."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        # weights_only: the format holds only tensors, numbers, strings, lists and dicts (numbers
        # may be numpy scalars, e.g. thresholds from a numpy grid): nothing here runs pickled code.
        with torch.serialization.safe_globals(_numpy_globals()):
            ck = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - any unpickling failure is a format problem for the user
        raise CheckpointError(f"cannot read {path} as a torch.save checkpoint of tensors/dicts/lists: {e}") from None
    if not isinstance(ck, dict):
        raise CheckpointError(f"{path}: expected a dict, got {type(ck).__name__}")
    return ck


def convert_checkpoint(
    ck: Mapping, *, hypothesis_template: str = PIPELINE_TEMPLATE, expected_hidden: int | None = None
) -> ConvertedCheckpoint:
    """PolyHeads, label config and thresholds from a multihead_v2 dict, every key and shape checked.

    The hypotheses are `hypothesis_template` filled with each description (the original pipeline's
    template by default); `expected_hidden` rejects heads trained on another backbone size.
    """
    missing = [k for k in REQUIRED_KEYS if k not in ck]
    if missing:
        raise CheckpointError(f"not a multihead_v2 checkpoint: missing keys {missing}")
    names = [str(n) for n in ck["label_names"]]
    if len(set(names)) != len(names) or not names:
        raise CheckpointError(f"label_names must be unique and non-empty: {names}")
    specialists = [str(n) for n in ck["specialist_labels"]]
    unknown = [n for n in specialists if n not in names]
    if unknown:
        raise CheckpointError(f"specialist_labels {unknown} are not in label_names {names}")
    hidden = int(ck["hidden_dim"])
    if expected_hidden is not None and hidden != expected_hidden:
        raise CheckpointError(
            f"checkpoint hidden_dim {hidden} does not match the bundle backbone hidden_size {expected_hidden} "
            f"(checkpoint backbone: {ck['backbone_name']})"
        )
    num_codes, proj_dim = int(ck["num_codes"]), int(ck["proj_dim"])
    descriptions = _descriptions(ck, names)
    # Columns of poly_logits follow label_names order (the browser maps them by name anyway).
    head_labels = [n for n in names if n in specialists]
    embs = []
    for n in head_labels:
        if n not in ck["label_embs"]:
            raise CheckpointError(f"label_embs lacks specialist {n!r}")
        e = torch.as_tensor(ck["label_embs"][n]).detach().to(torch.float32).reshape(-1)
        if e.numel() != hidden:
            raise CheckpointError(f"label_embs[{n!r}] has {e.numel()} values, hidden_dim is {hidden}")
        embs.append(e)
    heads = PolyHeads(head_labels, torch.stack(embs), num_codes=num_codes, proj_dim=proj_dim)
    with torch.no_grad():
        for i, n in enumerate(head_labels):
            state = ck["poly_heads_state"].get(n)
            if state is None:
                raise CheckpointError(f"poly_heads_state lacks specialist {n!r}")
            state = dict(state)
            keys = set(state)
            if keys != set(HEAD_STATE_KEYS):
                raise CheckpointError(
                    f"poly_heads_state[{n!r}] keys differ from the PolyHead's: missing {sorted(set(HEAD_STATE_KEYS) - keys)}, "
                    f"unexpected {sorted(keys - set(HEAD_STATE_KEYS))}"
                )
            target = heads.heads[i].state_dict()
            fixed = {}
            for k, v in state.items():
                v = torch.as_tensor(v).detach().to(torch.float32)
                if v.numel() != target[k].numel():
                    raise CheckpointError(
                        f"poly_heads_state[{n!r}][{k!r}] has shape {tuple(v.shape)}, expected {tuple(target[k].shape)}"
                    )
                fixed[k] = v.reshape(target[k].shape)  # e.g. log_temp stored as (1,) or ()
            heads.heads[i].load_state_dict(fixed)
            if n not in ck["alpha_raws"]:
                raise CheckpointError(f"alpha_raws lacks specialist {n!r}")
            heads.alpha_raw[i] = _as_float(ck["alpha_raws"][n], f"alpha_raws[{n!r}]")
    thresholds = []
    for n in names:
        if n not in ck["val_thresholds"]:
            raise CheckpointError(f"val_thresholds lacks {n!r}")
        t = _as_float(ck["val_thresholds"][n], f"val_thresholds[{n!r}]")
        if not 0.0 <= t <= 1.0:
            raise CheckpointError(f"val_thresholds[{n!r}] = {t} is outside [0, 1]")
        thresholds.append(t)
    config = LabelConfig(
        labels=tuple(
            LabelSpec(name=n, description=descriptions[n], hypothesis=fill_template(hypothesis_template, descriptions[n]),
                      specialist=n in specialists)
            for n in names
        ),
        hypothesis_template=hypothesis_template,
    )
    extras = {k: _as_float(ck[k], k) for k in ("best_macro_f1", "val_tuned_macro_f1") if k in ck and ck[k] is not None}
    return ConvertedCheckpoint(
        heads=heads.eval(), config=config, thresholds=thresholds, backbone_name=str(ck["backbone_name"]), hidden_dim=hidden,
        extras=extras,
    )


def build_checkpoint(
    heads: PolyHeads,
    config: LabelConfig,
    thresholds: Sequence[float],
    backbone_name: str,
    **extras: float,
) -> dict:
    """The multihead_v2.pt dict for trained heads (the inverse of convert_checkpoint)."""
    return {
        "poly_heads_state": {n: heads.head_state(n) for n in heads.labels},
        "alpha_raws": {n: float(heads.alpha_raw[i].detach()) for i, n in enumerate(heads.labels)},
        "label_embs": {n: heads.label_embs[i].detach().clone() for i, n in enumerate(heads.labels)},
        "specialist_labels": list(heads.labels),
        "val_thresholds": {n: float(t) for n, t in zip(config.names, thresholds, strict=True)},
        "num_codes": heads.num_codes,
        "proj_dim": heads.proj_dim,
        "hidden_dim": heads.hidden_dim,
        "backbone_name": backbone_name,
        "label_names": list(config.names),
        "label_descriptions": {lab.name: lab.description for lab in config.labels},
        **extras,
    }


# ---------------------------------------------------------------------------------------------
# Command line: python -m model_export convert-checkpoint --bundle DIR --checkpoint multihead_v2.pt


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `convert-checkpoint` command (see __main__.COMMAND_MODULES)."""
    p = subparsers.add_parser(
        "convert-checkpoint",
        help="convert an original multihead_v2.pt checkpoint into the bundle's heads graph and manifest labels",
        description="Read a checkpoint in the original multihead_v2.pt format, export its PolyEncoder heads as one ONNX "
        "graph into the bundle and rewrite the manifest labels (original order, hypotheses 'This example is "
        "{description}.', the checkpoint's alphas and val thresholds).",
    )
    p.add_argument("--bundle", required=True, type=Path, help="bundle folder whose backbone the checkpoint was trained on")
    p.add_argument("--checkpoint", required=True, type=Path, help="path of multihead_v2.pt")
    p.add_argument(
        "--hypothesis-template",
        default=PIPELINE_TEMPLATE,
        help=f"template the descriptions are put in (default {PIPELINE_TEMPLATE!r}, what the original pipeline used)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """convert-checkpoint: install the checkpoint's heads into the bundle and print the labels table."""
    manifest = Manifest.load(args.bundle)
    conv = convert_checkpoint(
        load_checkpoint_dict(args.checkpoint), hypothesis_template=args.hypothesis_template,
        expected_hidden=manifest.backbone.hidden_size,
    )
    if conv.backbone_name != manifest.provenance.source_model:
        log.warning(
            "checkpoint was trained on %r, bundle backbone is %r: the heads only make sense on the backbone they were trained on",
            conv.backbone_name, manifest.provenance.source_model,
        )
    source = {
        "kind": "checkpoint",
        "file": Path(args.checkpoint).name,
        "sha256": sha256_file(args.checkpoint),
        "backbone_name": conv.backbone_name,
        **conv.extras,
    }
    m = install_heads(args.bundle, conv.heads, conv.config, conv.thresholds, source=source, checkpoint=Path(args.checkpoint).name)
    print(f"heads from {args.checkpoint} -> {Path(args.bundle) / m.heads['file']} "
          f"(max abs error vs PyTorch {m.heads['max_abs_error']['poly_logits']:.2e})")
    print("| Label | Head | Alpha | Threshold | Hypothesis |")
    print("|---|---|---|---|---|")
    for lab in m.labels:
        alpha = f"{lab.alpha:.3f}" if lab.alpha is not None else "-"
        print(f"| {lab.name} | {'yes' if lab.head else 'no'} | {alpha} | {lab.threshold:.2f} | {lab.hypothesis} |")
    return 0
