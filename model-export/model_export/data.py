"""Training data and label configuration for the PolyEncoder heads.

Data formats
  * JSON: a list of {"text": str, "labels": [str, ...]} (labels may also be one delimited string).
  * CSV: a text column plus either one 0/1 column per label (columns named as the labels), or a
    single labels column holding delimited label names (e.g. "Technology|Health").

Label config (JSON)
  {"hypothesis_template": "This example is {}.",          # optional, default "This text is about {}."
   "labels": [{"name": ..., "description": ..., "specialist": true,
               "hypothesis": "..."  # optional, overrides template.format(description)
              }, ...]}
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from model_export import template as template_rule
from model_export.errors import ExportError

DEFAULT_TEMPLATE = "This text is about {}."
# The Python zero-shot pipeline's default template, which the original model ran with.
PIPELINE_TEMPLATE = "This example is {}."
LABEL_DELIMITERS = ("|", ";", ",")


class DataError(ExportError, ValueError):
    """Bad training data or label config; the message says what and where."""


@dataclass(frozen=True)
class LabelSpec:
    """One label of a label config: its hypothesis, and whether it gets a trained head."""

    name: str
    description: str
    hypothesis: str
    specialist: bool


@dataclass(frozen=True)
class LabelConfig:
    """The labels to train, in column order, with the template their hypotheses were made from."""

    labels: tuple[LabelSpec, ...]
    hypothesis_template: str

    @property
    def names(self) -> list[str]:
        return [lab.name for lab in self.labels]

    @property
    def specialists(self) -> list[str]:
        return [lab.name for lab in self.labels if lab.specialist]

    @property
    def hypotheses(self) -> list[str]:
        return [lab.hypothesis for lab in self.labels]

    @property
    def descriptions(self) -> list[str]:
        return [lab.description for lab in self.labels]

    def spec(self, name: str) -> LabelSpec:
        for lab in self.labels:
            if lab.name == name:
                return lab
        raise KeyError(name)


def fill_template(template: str, description: str) -> str:
    """The hypothesis for a description, by the one template rule (`template.fill_template`, as the app fills it).

    A training label config must vary its hypotheses, so a template the label cannot appear in is refused
    here, where the app would give every label the template itself.
    """
    try:
        if "\0" not in template_rule.fill_template(template, "\0"):
            raise DataError(f"hypothesis template {template!r} has no '{{}}' placeholder")
        return template_rule.fill_template(template, description)
    except template_rule.TemplateError as e:
        raise DataError(str(e)) from e


def parse_label_config(obj: object, source: str = "label config") -> LabelConfig:
    """A LabelConfig from parsed JSON (a list of labels is accepted too); errors name the label and key."""
    if isinstance(obj, list):
        obj = {"labels": obj}
    if not isinstance(obj, dict) or not isinstance(obj.get("labels"), list):
        raise DataError(f"{source}: expected an object with a 'labels' list")
    template = obj.get("hypothesis_template", DEFAULT_TEMPLATE)
    if not isinstance(template, str):
        raise DataError(f"{source}: hypothesis_template must be a string")
    specs: list[LabelSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(obj["labels"]):
        where = f"{source}: labels[{i}]"
        if not isinstance(item, dict):
            raise DataError(f"{where}: expected an object")
        unknown = set(item) - {"name", "description", "specialist", "hypothesis"}
        if unknown:
            raise DataError(f"{where}: unknown keys {sorted(unknown)}")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise DataError(f"{where}: 'name' must be a non-empty string")
        name = name.strip()
        if name in seen:
            raise DataError(f"{where}: duplicate label {name!r}")
        seen.add(name)
        desc = item.get("description", name)
        if not isinstance(desc, str) or not desc.strip():
            raise DataError(f"{where} ({name}): 'description' must be a non-empty string")
        specialist = item.get("specialist", True)
        if not isinstance(specialist, bool):
            raise DataError(f"{where} ({name}): 'specialist' must be true or false")
        hyp = item.get("hypothesis")
        if hyp is None:
            hyp = fill_template(template, desc)
        elif not isinstance(hyp, str) or not hyp.strip():
            raise DataError(f"{where} ({name}): 'hypothesis' must be a non-empty string")
        specs.append(LabelSpec(name=name, description=desc, hypothesis=hyp, specialist=specialist))
    if not specs:
        raise DataError(f"{source}: no labels")
    return LabelConfig(labels=tuple(specs), hypothesis_template=template)


def load_label_config(path: str | Path) -> LabelConfig:
    """parse_label_config of a JSON file, with file and JSON errors turned into DataError."""
    path = Path(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"label config not found: {path}") from None
    except json.JSONDecodeError as e:
        raise DataError(f"label config {path} is not valid JSON: {e}") from None
    return parse_label_config(obj, str(path))


@dataclass
class Dataset:
    """Texts with their labels as a 0/1 matrix whose columns follow `labels`."""

    texts: list[str]
    labels: list[str]  # label names, column order of y
    y: np.ndarray  # (N, L) float32 in {0, 1}

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, idx: Sequence[int]) -> Dataset:
        idx = list(idx)
        return Dataset([self.texts[i] for i in idx], list(self.labels), self.y[idx])


def _split_labels(value: str) -> list[str]:
    value = value.strip()
    if not value:
        return []
    for d in LABEL_DELIMITERS:
        if d in value:
            return [p.strip() for p in value.split(d) if p.strip()]
    return [value]


def _records_from_json(path: Path) -> list[tuple[str, list[str], str]]:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DataError(f"{path} is not valid JSON: {e}") from None
    if isinstance(obj, dict) and isinstance(obj.get("data"), list):
        obj = obj["data"]
    if not isinstance(obj, list):
        raise DataError(f"{path}: expected a JSON list of {{text, labels}} objects")
    out = []
    for i, item in enumerate(obj):
        where = f"{path}: item {i}"
        if not isinstance(item, dict) or "text" not in item:
            raise DataError(f"{where}: expected an object with 'text' and 'labels'")
        text = item["text"]
        if not isinstance(text, str):
            raise DataError(f"{where}: 'text' must be a string")
        labels = item.get("labels", [])
        if isinstance(labels, str):
            labels = _split_labels(labels)
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise DataError(f"{where}: 'labels' must be a list of label names")
        out.append((text, [x.strip() for x in labels], where))
    return out


def _records_from_csv(
    path: Path, label_names: Sequence[str], text_column: str | None, labels_column: str | None
) -> list[tuple[str, list[str], str]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        fields = [c.strip() for c in (reader.fieldnames or [])]
        rows = [{(k or "").strip(): v for k, v in row.items()} for row in reader]
    if not fields:
        raise DataError(f"{path}: empty CSV (no header)")
    tcol = text_column or next((c for c in fields if c.lower() in ("text", "sentence", "content")), None)
    if tcol is None or tcol not in fields:
        raise DataError(f"{path}: no text column (looked for {text_column or 'text/sentence/content'}; columns: {fields})")
    label_cols = [c for c in fields if c in label_names]
    lcol = labels_column or next((c for c in fields if c.lower() in ("labels", "label", "categories")), None)
    if labels_column and labels_column not in fields:
        raise DataError(f"{path}: no column {labels_column!r} (columns: {fields})")
    out = []
    if label_cols and not labels_column:
        missing = [n for n in label_names if n not in label_cols]
        if missing:
            raise DataError(f"{path}: 0/1 label columns missing for {missing} (columns: {fields})")
        for i, row in enumerate(rows):
            where = f"{path}: row {i + 2}"
            labels = []
            for c in label_cols:
                v = (row.get(c) or "").strip().lower()
                if v in ("1", "1.0", "true", "yes"):
                    labels.append(c)
                elif v not in ("0", "0.0", "false", "no", ""):
                    raise DataError(f"{where}: column {c!r} must be 0 or 1, got {row.get(c)!r}")
            out.append((row.get(tcol) or "", labels, where))
    elif lcol is not None:
        for i, row in enumerate(rows):
            out.append((row.get(tcol) or "", _split_labels(row.get(lcol) or ""), f"{path}: row {i + 2}"))
    else:
        raise DataError(
            f"{path}: found neither 0/1 columns named as the labels {list(label_names)} nor a 'labels' column (columns: {fields})"
        )
    return out


def load_dataset(
    path: str | Path,
    label_names: Sequence[str],
    *,
    text_column: str | None = None,
    labels_column: str | None = None,
) -> Dataset:
    """Load and validate JSON or CSV data against `label_names` (in that column order).

    Errors (DataError) on: unknown label names, empty texts, no examples, a label with no positive
    example.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"data file not found: {path}")
    if path.suffix.lower() in (".csv", ".tsv"):
        records = _records_from_csv(path, label_names, text_column, labels_column)
    else:
        records = _records_from_json(path)
    if not records:
        raise DataError(f"{path}: no examples")
    index = {n: j for j, n in enumerate(label_names)}
    texts: list[str] = []
    y = np.zeros((len(records), len(label_names)), dtype=np.float32)
    for i, (text, labels, where) in enumerate(records):
        if not text.strip():
            raise DataError(f"{where}: empty text")
        for lab in labels:
            if lab not in index:
                raise DataError(f"{where}: unknown label {lab!r} (known labels: {list(label_names)})")
            y[i, index[lab]] = 1.0
        texts.append(text)
    positives = y.sum(axis=0)
    empty = [n for n, c in zip(label_names, positives, strict=True) if c == 0]
    if empty:
        raise DataError(f"{path}: no positive example for label(s) {empty}; every label needs at least one")
    return Dataset(texts=texts, labels=list(label_names), y=y)


def split_description(seed: int, train_fraction: float) -> str:
    """What `split_indices` does, in the words evaluation tables print."""
    return f"random.seed({seed}); random.shuffle(list(range(N))); first {train_fraction:.0%} train, rest validation."


def split_indices(n: int, train_fraction: float = 0.8, seed: int = 42) -> tuple[list[int], list[int]]:
    """The original split: random.seed(seed); random.shuffle(list(range(n))); first 80% train."""
    idx = list(range(n))
    rng_state = random.getstate()
    try:
        random.seed(seed)
        random.shuffle(idx)
    finally:
        random.setstate(rng_state)
    n_train = int(train_fraction * n)
    return idx[:n_train], idx[n_train:]
