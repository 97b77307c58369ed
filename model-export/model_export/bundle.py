"""The model bundle contract: manifest dataclasses, JSON Schema validation, the bundle's file list."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model_export.errors import ManifestError
from model_export.files import json_text, sha256_file, write_json

# The checks live beside the schema's other rules (manifest_rules); imported here for existing importers.
from model_export.manifest_rules import (  # noqa: F401
    FORMAT_VERSION,
    SCHEMA_PATH,
    check_format,
    load_schema,
    validate_manifest_dict,
)

MANIFEST_NAME = "manifest.json"
# The Hugging Face model config, written beside the manifest so that the bundle is also a transformers.js
# model folder (config.json, tokenizer.json, tokenizer_config.json, onnx/model{suffix}.onnx; the variant
# file names in quantize.VARIANT_SPECS are transformers.js's). The app reads the manifest, never this file.
HF_CONFIG_NAME = "config.json"

# The dtypes manifest.schema.json accepts as variant names, in its order.
VARIANT_NAMES = tuple(load_schema()["properties"]["variants"]["properties"])


@dataclass
class BackboneInfo:
    """Facts about the backbone graph that the app must not guess."""

    model_type: str
    hidden_size: int
    num_layers: int
    num_attention_heads: int
    vocab_size: int
    num_nli_labels: int
    nli_labels: list[str]
    entailment_id: int
    not_entailment_id: int
    max_length_pair: int
    max_length_text: int
    uses_token_type_ids: bool
    inputs: list[str]
    # Batches are right-padded to a multiple of this (see validation.PAD_MULTIPLE).
    pad_multiple: int
    outputs: list[str] = field(default_factory=lambda: ["logits", "last_hidden_state"])


@dataclass
class TokenizerInfo:
    """Tokenizer files plus the special ids, so the app can pad and check without parsing them."""

    files: list[str]
    tokenizer_class: str
    cls_token_id: int
    sep_token_id: int
    pad_token_id: int
    unk_token_id: int
    truncation: str = "only_first"
    # The model's own sentencepiece model: the reference the tokenizer files are checked against.
    sentencepiece_model: str | None = None


@dataclass
class FileEntry:
    bytes: int
    sha256: str


@dataclass
class MaxAbsError:
    """Max abs error of one variant vs PyTorch, measured at export."""

    logits: float
    entailment: float
    last_hidden_state: float


@dataclass
class Decisions:
    """How many reference pairs (and texts, all of whose pairs) decide as PyTorch fp32 does."""

    threshold: float
    pairs: int
    pairs_agreeing: int
    texts: int
    texts_agreeing: int


@dataclass
class Variant:
    backbone: str
    external_data: list[str]
    weights: str
    activations: str
    requires_shader_f16: bool
    intended_backends: list[str]
    method: str
    max_abs_error: MaxAbsError
    decisions: Decisions
    # Max |Δ entailment| of a pair scored alone vs inside a padded batch of 16.
    batch_dependence: float
    # True when batch_dependence exceeds the invariance bound: the app then runs one sequence per run.
    run_alone: bool
    # False when the variant misses the exporter's accuracy bounds: the app never picks it by itself.
    recommended: bool
    assessment: str


@dataclass
class Label:
    name: str
    description: str
    hypothesis: str
    head: bool = False
    alpha: float | None = None
    threshold: float = 0.5


@dataclass
class Validation:
    pair_batch: list[int]
    text_batch: list[int]
    runtime: str
    notes: str


@dataclass
class Provenance:
    source_model: str
    checkpoint: str | None
    exporter_version: str
    created_with: dict[str, str]
    seed: int | None
    opset: int
    validation: Validation


@dataclass
class Manifest:
    """Python mirror of manifest.schema.json (field order = JSON key order on save)."""

    id: str
    name: str
    demo: bool
    backbone: BackboneInfo
    tokenizer: TokenizerInfo
    files: dict[str, FileEntry]
    variants: dict[str, Variant]
    labels: list[Label]
    hypothesis_template: str
    provenance: Provenance
    # Filled by the heads exporter; kept as plain JSON objects so that this module does
    # not constrain a format that another component owns (the schema still checks it).
    heads: dict[str, Any] | None = None
    evaluation: dict[str, Any] | None = None
    format: int = FORMAT_VERSION
    # What the bundle is, in one sentence for people (the demo bundle's banner); optional, left out of the JSON when None.
    description: str | None = None

    # ---- conversion -------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        # Put `format` first: a reader checks it before anything else.
        ordered = {"format": d.pop("format")}
        description = d.pop("description")
        for key in ("id", "name", "demo", "backbone", "tokenizer", "files", "variants", "labels",
                    "hypothesis_template", "heads", "evaluation", "provenance"):
            ordered[key] = d.pop(key)
            if key == "name" and description is not None:
                ordered["description"] = description
        assert not d, f"unordered manifest fields: {sorted(d)}"
        return ordered

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """Build from parsed JSON; checks the format version first, then the schema."""
        validate_manifest_dict(data)
        prov = dict(data["provenance"])
        prov["validation"] = Validation(**prov["validation"])
        return cls(
            format=data["format"],
            id=data["id"],
            name=data["name"],
            description=data.get("description"),
            demo=data["demo"],
            backbone=BackboneInfo(**data["backbone"]),
            tokenizer=TokenizerInfo(**data["tokenizer"]),
            files={k: FileEntry(**v) for k, v in data["files"].items()},
            variants={
                k: Variant(**{**v, "max_abs_error": MaxAbsError(**v["max_abs_error"]), "decisions": Decisions(**v["decisions"])})
                for k, v in data["variants"].items()
            },
            labels=[Label(**label) for label in data["labels"]],
            hypothesis_template=data["hypothesis_template"],
            heads=data["heads"],
            evaluation=data["evaluation"],
            provenance=Provenance(**prov),
        )

    def to_json(self) -> str:
        # Stable key order, UTF-8, trailing newline: identical inputs give identical bytes.
        return json_text(self.to_dict())

    def validate(self) -> None:
        validate_manifest_dict(json.loads(self.to_json()))

    def save(self, folder: Path | str) -> Path:
        self.validate()
        path = Path(folder) / MANIFEST_NAME
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def load(cls, folder_or_file: Path | str) -> Manifest:
        path = Path(folder_or_file)
        if path.is_dir():
            path = path / MANIFEST_NAME
        if not path.is_file():
            raise ManifestError(f"no {MANIFEST_NAME} at {path}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ManifestError(f"{path} is not valid JSON: {exc}") from exc
        return cls.from_dict(data)




def write_hf_config(config: Any, folder: Path) -> None:
    """Write the model's Hugging Face config as `config.json`, with id2label/label2id as the model has them.

    transformers.js picks the model class from `model_type` and the zero-shot pipeline its entailment and
    contradiction (or not_entailment) logits from `label2id`. `_name_or_path` (where the model was loaded
    from, a temporary folder for the fixture) is left out and keys are sorted: identical models give
    identical bytes.
    """
    doc = {k: v for k, v in config.to_dict().items() if k != "_name_or_path"}
    if not doc.get("architectures"):
        doc["architectures"] = ["DebertaV2ForSequenceClassification"]
    write_json(Path(folder) / HF_CONFIG_NAME, doc, sort_keys=True)


def describe_files(folder: Path | str) -> dict[str, FileEntry]:
    """Size and hash of every file under `folder` except manifest.json, keyed by '/' path, sorted."""
    folder = Path(folder)
    entries: dict[str, FileEntry] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel == MANIFEST_NAME:
            continue
        entries[rel] = FileEntry(bytes=path.stat().st_size, sha256=sha256_file(path))
    return entries


def validate_bundle(folder: Path | str) -> Manifest:
    """Load and validate a bundle folder: manifest, and size + sha256 of every listed file.

    Also rejects files present on disk but not listed, because the app caches exactly the
    listed files and anything else is a sign of a stale or hand-edited bundle.
    """
    folder = Path(folder)
    manifest = Manifest.load(folder)
    on_disk = describe_files(folder)
    problems: list[str] = []
    for rel, entry in manifest.files.items():
        actual = on_disk.get(rel)
        if actual is None:
            problems.append(f"missing file {rel}")
        elif actual.bytes != entry.bytes:
            problems.append(f"{rel}: size {actual.bytes} != manifest {entry.bytes}")
        elif actual.sha256 != entry.sha256:
            problems.append(f"{rel}: sha256 differs from manifest")
    for rel in on_disk:
        if rel not in manifest.files:
            problems.append(f"file {rel} is not listed in manifest 'files'")
    if problems:
        raise ManifestError(f"bundle {folder} is inconsistent:\n  " + "\n  ".join(problems))
    return manifest
