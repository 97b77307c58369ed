"""The shared manifest cases (model_export/manifest_invalid_cases.json): Python refuses each with the words the app uses.

src/engine/manifest.contract.test.ts runs the same cases against the app's validator.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from model_export.bundle import VARIANT_NAMES, Manifest
from model_export.errors import ManifestError
from model_export.manifest_rules import INVALID_CASES_PATH, load_schema, validate_manifest_dict

REPO = Path(__file__).resolve().parents[2]
CASES = json.loads(INVALID_CASES_PATH.read_text(encoding="utf-8"))
BASE = json.loads((REPO / CASES["base"]).read_text(encoding="utf-8"))


def _tokens(pointer: str) -> list[str]:
    if pointer == "":
        return []
    assert pointer.startswith("/"), pointer
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _get(doc: Any, tokens: list[str]) -> Any:
    for t in tokens:
        doc = doc[int(t)] if isinstance(doc, list) else doc[t]
    return doc


def apply_patch(doc: Any, patch: list[dict[str, Any]]) -> Any:
    """JSON Patch (RFC 6902): add, replace, remove, copy; missing targets of replace/remove are errors."""
    doc = copy.deepcopy(doc)
    for op in patch:
        tokens = _tokens(op["path"])
        if op["op"] == "copy":
            value = copy.deepcopy(_get(doc, _tokens(op["from"])))
            kind = "add"
        else:
            value = copy.deepcopy(op.get("value"))
            kind = op["op"]
        if not tokens:
            assert kind in ("add", "replace"), op
            doc = value
            continue
        parent, last = _get(doc, tokens[:-1]), tokens[-1]
        if isinstance(parent, list):
            if kind == "add":
                parent.insert(len(parent) if last == "-" else int(last), value)
            elif kind == "replace":
                parent[int(last)] = value
            else:
                del parent[int(last)]
        else:
            if kind in ("replace", "remove"):
                assert last in parent, f"{op}: no {last!r} to {kind}"
            if kind == "remove":
                del parent[last]
            else:
                parent[last] = value
    return doc


def test_patch_operations():
    doc = {"a": {"b/c": [1, 2]}, "d": 0}
    out = apply_patch(doc, [
        {"op": "add", "path": "/a/b~1c/-", "value": 3},
        {"op": "add", "path": "/a/b~1c/0", "value": 0},
        {"op": "replace", "path": "/d", "value": {"e": 1}},
        {"op": "copy", "from": "/d", "path": "/f"},
        {"op": "remove", "path": "/a/b~1c/1"},
    ])
    assert out == {"a": {"b/c": [0, 2, 3]}, "d": {"e": 1}, "f": {"e": 1}} and doc["d"] == 0
    with pytest.raises(AssertionError):
        apply_patch(doc, [{"op": "remove", "path": "/nope"}])


@pytest.mark.parametrize("case", CASES["valid"], ids=lambda c: c["name"])
def test_valid_case_is_accepted(case):
    validate_manifest_dict(apply_patch(BASE, case["patch"]))


@pytest.mark.parametrize("case", CASES["invalid"], ids=lambda c: c["name"])
def test_invalid_case_is_refused_with_the_shared_words(case):
    with pytest.raises(ManifestError) as err:
        validate_manifest_dict(apply_patch(BASE, case["patch"]))
    assert case["message"] in str(err.value)


def test_case_names_are_unique():
    names = [c["name"] for c in CASES["valid"] + CASES["invalid"]]
    assert len(names) == len(set(names))


def test_saving_refuses_a_manifest_the_app_would_refuse(tmp_path):
    manifest = Manifest.load(REPO / "public/models/demo-fixture")
    manifest.labels[0].alpha = None
    with pytest.raises(ManifestError, match=re.escape("Label 'Technology' has a head but no alpha.")):
        manifest.save(tmp_path)
    assert not (tmp_path / "manifest.json").exists()


def test_variant_names_come_from_the_schema():
    assert VARIANT_NAMES == ("fp32", "fp16", "q4f16", "q4", "q8")
    assert list(load_schema()["properties"]["variants"]["properties"]) == list(VARIANT_NAMES)
