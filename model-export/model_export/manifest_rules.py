"""The manifest contract's checks, worded exactly as the browser app words them.

manifest.schema.json is the one owner of the manifest's shape. This module checks a parsed
manifest against it in three steps, the same steps, in the same order and with the same
messages, as src/engine/manifest.ts:

1. the format version (its own message: other fields of another format may legitimately differ);
2. the JSON Schema, each violation described in a validator-neutral form ("/labels is missing");
3. the cross-field rules a schema cannot express (cross_field_problem).

manifest_invalid_cases.json, beside the schema, lists manifests both languages must refuse and
the words they must refuse them with; tests/test_manifest_contract.py and
src/engine/manifest.contract.test.ts run every case.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from model_export.errors import ManifestError, UnsupportedFormatError

SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")
INVALID_CASES_PATH = Path(__file__).with_name("manifest_invalid_cases.json")

# Schema violations listed in one message; the rest are counted.
MAX_SCHEMA_LINES = 5


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The schema is read once: every validation and VARIANT_NAMES use the same parsed copy."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


FORMAT_VERSION: int = load_schema()["properties"]["format"]["const"]


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema())


def _json(value: Any) -> str:
    """JSON text as JavaScript's JSON.stringify writes it (compact, non-ASCII kept)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _shown(value: Any) -> str:
    """A value as the message shows it, the same in JavaScript: JSON for strings, booleans, null and
    numbers both languages print alike; else its kind."""
    if value is None or isinstance(value, (bool, str)):
        return _json(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return str(int(value)) if abs(value) < 2**53 else "a number"
    if isinstance(value, float):
        # Python and JavaScript print the same shortest digits; their exponent notations differ outside this range.
        return repr(value) if 1e-4 <= abs(value) < 1e16 else "a number"
    return "an array" if isinstance(value, list) else "an object"


def _pointer(path: Any) -> str:
    """JSON Pointer of a path (Ajv's instancePath): '' for the root."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def check_format(data: Any) -> None:
    """Reject unknown versions before schema validation, so the message names the real problem."""
    if not isinstance(data, dict):
        raise ManifestError("manifest.json is not a JSON object: this is not a model bundle manifest.")
    if "format" not in data:
        raise UnsupportedFormatError("manifest.json has no 'format' field: this is not a model bundle manifest.")
    fmt = data["format"]
    if fmt != FORMAT_VERSION or isinstance(fmt, bool):
        raise UnsupportedFormatError(
            f"This bundle's manifest format is {_json(fmt)}, but this version reads format {FORMAT_VERSION} only. "
            "Re-export the bundle with the model-export of this version, or update the app."
        )


_COMPARISONS = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}
_COUNTS = {
    "minLength": ("at least", "character"), "maxLength": ("at most", "character"),
    "minItems": ("at least", "item"), "maxItems": ("at most", "item"),
    "minProperties": ("at least", "key"), "maxProperties": ("at most", "key"),
}


def _describe(error: jsonschema.ValidationError) -> Iterator[str]:
    """One line per violation, worded as manifest.ts words Ajv's errors."""
    at = _pointer(error.absolute_path)
    kind, value = error.validator, error.validator_value
    if "propertyNames" in error.absolute_schema_path:
        # jsonschema reports the key's own failure (pattern, enum) at the object holding it.
        yield f"{at or '/'} has an invalid key {_json(error.instance)}"
    elif kind == "required":
        for key in value:
            if key not in error.instance:
                yield f"{_pointer([*error.absolute_path, key])} is missing"
    elif kind == "additionalProperties":
        declared = error.schema.get("properties", {})
        for key in error.instance:
            if key not in declared:
                yield f"{_pointer([*error.absolute_path, key])} is not allowed"
    elif kind == "type":
        yield f"{at or '/'} must be {' or '.join(value) if isinstance(value, list) else value} (got {_shown(error.instance)})"
    elif kind == "const":
        yield f"{at or '/'} must be {_json(value)} (got {_shown(error.instance)})"
    elif kind == "enum":
        yield f"{at or '/'} must be one of {', '.join(_json(v) for v in value)} (got {_shown(error.instance)})"
    elif kind == "pattern":
        yield f"{at or '/'} must match {_json(value)} (got {_shown(error.instance)})"
    elif kind in _COMPARISONS:
        yield f"{at or '/'} must be {_COMPARISONS[kind]} {_json(value)} (got {_shown(error.instance)})"
    elif kind in _COUNTS:
        bound, unit = _COUNTS[kind]
        yield f"{at or '/'} must have {bound} {value} {unit}{'' if value == 1 else 's'}"
    elif kind == "uniqueItems":
        yield f"{at or '/'} must not contain duplicates"
    else:
        yield f"{at or '/'} is invalid ({kind})"


def schema_problem(data: Any) -> str | None:
    """The schema violations of `data` as one message, or None when it matches the schema."""
    lines = sorted({line for error in _validator().iter_errors(data) for line in _describe(error)})
    if not lines:
        return None
    shown = "; ".join(lines[:MAX_SCHEMA_LINES])
    more = f" (and {len(lines) - MAX_SCHEMA_LINES} more)" if len(lines) > MAX_SCHEMA_LINES else ""
    return f"manifest.json does not match the bundle schema (manifest.schema.json): {shown}{more}. Re-export the bundle."


def cross_field_problem(m: dict[str, Any]) -> str | None:
    """The first rule a schema-valid manifest breaks that the schema cannot express, or None.

    Same rules, order and words as checkConsistency in src/engine/manifest.ts.
    """
    bb = m["backbone"]
    n, ent, not_ent = int(bb["num_nli_labels"]), int(bb["entailment_id"]), int(bb["not_entailment_id"])
    if len(bb["nli_labels"]) != n:
        return f"backbone.nli_labels has {len(bb['nli_labels'])} names, but num_nli_labels is {n}."
    if not (ent < n and not_ent < n):
        return f"backbone.entailment_id ({ent}) and not_entailment_id ({not_ent}) must both be below num_nli_labels ({n})."
    if ent == not_ent:
        return f"backbone.entailment_id and not_entailment_id are both {ent}; they must differ."
    if bb["uses_token_type_ids"] != ("token_type_ids" in bb["inputs"]):
        return "backbone.inputs must contain token_type_ids exactly when uses_token_type_ids is true."
    if bb["inputs"][:2] != ["input_ids", "attention_mask"]:
        return "backbone.inputs must start with input_ids, attention_mask."

    tok = m["tokenizer"]
    for need in ("tokenizer.json", "tokenizer_config.json"):
        if need not in tok["files"]:
            return f"tokenizer.files has no {need}: the tokenizer cannot be built."
    heads = m["heads"]
    referenced = [(path, "tokenizer.files") for path in tok["files"]]
    referenced.append((tok["sentencepiece_model"], "tokenizer.sentencepiece_model"))
    for dtype, v in m["variants"].items():
        referenced += [(path, f"variants.{dtype}") for path in [v["backbone"], *v["external_data"]]]
    if heads is not None:
        referenced.append((heads["file"], "heads.file"))
    for path, where in referenced:
        if path not in m["files"]:
            return f"manifest.json refers to '{path}' ({where}) but does not list it in 'files'."

    seen: set[str] = set()
    for label in m["labels"]:
        name = label["name"]
        if name in seen:
            return f"Label '{name}' appears twice in labels."
        seen.add(name)
        if label["head"] and label["alpha"] is None:
            return f"Label '{name}' has a head but no alpha."
        if not label["head"] and label["alpha"] is not None:
            return f"Label '{name}' has an alpha but no head."
        if label["head"] and heads is None:
            return f"Label '{name}' has a head, but the bundle has no heads graph."
        if label["head"] and name not in heads["labels"]:
            return f"Label '{name}' has a head, but heads.labels has no column for it."
    if heads is not None:
        with_head = {label["name"] for label in m["labels"] if label["head"]}
        for name in heads["labels"]:
            if name not in with_head:
                return f"heads.labels names '{name}', which is not a label with a head."
        if heads["hidden_size"] != bb["hidden_size"]:
            return (
                f"heads.hidden_size ({int(heads['hidden_size'])}) differs from "
                f"backbone.hidden_size ({int(bb['hidden_size'])})."
            )
    return None


def validate_manifest_dict(data: Any) -> None:
    """Format check, JSON Schema check, then the cross-field rules; raises ManifestError with the app's words."""
    check_format(data)
    problem = schema_problem(data) or cross_field_problem(data)
    if problem:
        raise ManifestError(problem)
