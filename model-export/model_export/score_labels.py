"""The labels `score` scores: the bundle's, with thresholds, hypotheses and zero-shot labels from a JSON file.

The JSON is the app's own record of a user's label settings (src/store/persist.ts SavedLabels),
so settings tried in the browser carry over:

    {"thresholds": {"Finance": 0.4},
     "hypotheses": {"Health": "This text is about medicine."},
     "userLabels": [{"name": "Sports", "threshold": 0.6}, "Travel"]}

A user label is NLI only, its hypothesis the bundle's template filled with its name (template.py)
unless given, its threshold 0.5 unless given; names are normalised and checked as the app's
"Add" button does (src/store/labelsSlice.ts addLabel). Labels come out in the app's order: the
bundle's, then the added ones.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model_export.bundle import Manifest
from model_export.errors import ExportError
from model_export.template import fill_template

# labelsSlice.ts addLabel: the longest name the app accepts, and the threshold of a new label.
MAX_LABEL_NAME = 100
USER_THRESHOLD = 0.5
LABEL_KEYS = ("thresholds", "hypotheses", "userLabels")


@dataclass(frozen=True)
class ScoreLabel:
    """One label as scored: the engine's LabelSpec (name, hypothesis, head) plus its alpha and threshold."""

    name: str
    hypothesis: str
    head: bool
    alpha: float | None
    threshold: float


def _threshold(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ExportError(f"{where}: a threshold must be a number from 0 to 1 (got {value!r})")
    return float(value)


def _hypothesis(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ExportError(f"{where}: a hypothesis must be a non-empty string (got {value!r})")
    return value.strip()


def resolve_labels(manifest: Manifest, settings: dict[str, Any] | None = None, source: str = "--labels") -> list[ScoreLabel]:
    """The bundle's labels with `settings` (the SavedLabels shape above) applied; ExportError says what is wrong."""
    settings = settings or {}
    if not isinstance(settings, dict) or set(settings) - set(LABEL_KEYS):
        extra = sorted(set(settings) - set(LABEL_KEYS)) if isinstance(settings, dict) else type(settings).__name__
        raise ExportError(f"{source}: expected a JSON object with the keys {', '.join(LABEL_KEYS)} (got {extra})")
    names = [lab.name for lab in manifest.labels]
    for key in ("thresholds", "hypotheses"):
        section = settings.get(key, {})
        if not isinstance(section, dict):
            raise ExportError(f"{source}: '{key}' must be an object of label name -> value")
        unknown = [n for n in section if n not in names]
        if unknown:
            raise ExportError(f"{source}: '{key}' names {unknown}, which the bundle does not have (its labels: "
                              f"{', '.join(names)}); add new labels under 'userLabels'")
    thresholds = settings.get("thresholds", {})
    hypotheses = settings.get("hypotheses", {})
    labels = [
        ScoreLabel(
            name=lab.name,
            hypothesis=_hypothesis(hypotheses[lab.name], f"{source} hypotheses.{lab.name}") if lab.name in hypotheses
            else lab.hypothesis,
            head=lab.head,
            alpha=lab.alpha if lab.head else None,
            threshold=_threshold(thresholds[lab.name], f"{source} thresholds.{lab.name}") if lab.name in thresholds
            else lab.threshold,
        )
        for lab in manifest.labels
    ]
    users = settings.get("userLabels", [])
    if not isinstance(users, list):
        raise ExportError(f"{source}: 'userLabels' must be a list of names or {{name, hypothesis?, threshold?}} objects")
    taken = {lab.name.lower() for lab in labels}
    for i, entry in enumerate(users):
        where = f"{source} userLabels[{i}]"
        spec = {"name": entry} if isinstance(entry, str) else entry
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or set(spec) - {"name", "hypothesis", "threshold"}:
            raise ExportError(f"{where}: expected a name or an object {{name, hypothesis?, threshold?}} (got {entry!r})")
        name = re.sub(r"\s+", " ", spec["name"].strip())
        if not name:
            raise ExportError(f"{where}: the label has an empty name")
        if len(name) > MAX_LABEL_NAME:
            raise ExportError(f"{where}: label names can be at most {MAX_LABEL_NAME} characters long")
        if name.lower() in taken:
            raise ExportError(f"{where}: there is already a label called '{name}'")
        taken.add(name.lower())
        hypothesis = (_hypothesis(spec["hypothesis"], where) if "hypothesis" in spec
                      else fill_template(manifest.hypothesis_template, name))
        threshold = _threshold(spec["threshold"], where) if "threshold" in spec else USER_THRESHOLD
        labels.append(ScoreLabel(name=name, hypothesis=hypothesis, head=False, alpha=None, threshold=threshold))
    return labels


def load_labels(manifest: Manifest, path: Path | None) -> list[ScoreLabel]:
    """`resolve_labels` with the settings read from `path` (None: the bundle's labels as they are)."""
    if path is None:
        return resolve_labels(manifest)
    if not path.is_file():
        raise ExportError(f"--labels {path}: no such file")
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ExportError(f"--labels {path} is not valid JSON: {exc}") from exc
    return resolve_labels(manifest, settings, f"--labels {path.name}")
