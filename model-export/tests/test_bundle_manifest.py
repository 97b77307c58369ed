"""Manifest contract: round trip, schema validation, unknown formats, file hashes of the committed bundle."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from model_export.bundle import (
    FORMAT_VERSION,
    Manifest,
    load_schema,
    validate_bundle,
    validate_manifest_dict,
)
from model_export.errors import ManifestError, UnsupportedFormatError
from model_export.files import FIXTURE_BUNDLE
from model_export.seed_labels import SEED_LABELS


@pytest.fixture(scope="module")
def manifest_dict() -> dict:
    return json.loads((FIXTURE_BUNDLE / "manifest.json").read_text(encoding="utf-8"))


def test_committed_bundle_is_valid_and_hashes_match():
    manifest = validate_bundle(FIXTURE_BUNDLE)
    assert manifest.format == FORMAT_VERSION == 2
    assert manifest.id == "demo-fixture" and manifest.demo is True
    assert set(manifest.variants) == {"fp32", "fp16", "q4f16", "q4", "q8"}
    total = sum(entry.bytes for entry in manifest.files.values())
    assert total < 8 * 1024 * 1024, f"fixture bundle is {total} bytes"


def test_fixture_manifest_content(manifest_dict):
    bb = manifest_dict["backbone"]
    assert bb["model_type"] == "deberta-v2"
    assert (bb["entailment_id"], bb["not_entailment_id"], bb["num_nli_labels"]) == (0, 1, 2)
    assert bb["inputs"] == ["input_ids", "attention_mask"] and bb["uses_token_type_ids"] is False
    assert bb["outputs"] == ["logits", "last_hidden_state"]
    assert (bb["max_length_pair"], bb["max_length_text"]) == (512, 128)
    tok = manifest_dict["tokenizer"]
    assert (tok["pad_token_id"], tok["cls_token_id"], tok["sep_token_id"], tok["unk_token_id"]) == (0, 1, 2, 3)
    assert tok["files"] == ["tokenizer.json", "tokenizer_config.json"]
    assert tok["sentencepiece_model"] == "spm.model" and "spm.model" in manifest_dict["files"]
    labels = manifest_dict["labels"]
    assert [(lab["name"], lab["description"]) for lab in labels] == SEED_LABELS
    for lab in labels:
        assert lab["hypothesis"] == f"This example is {lab['description']}."
        # The committed demo bundle = `fixture` + `train` (issue 4): every seed label but Health has a head.
        assert lab["head"] == (lab["name"] != "Health") and (lab["alpha"] is None) == (not lab["head"])
        assert 0 < lab["threshold"] < 1
    assert manifest_dict["hypothesis_template"] == "This text is about {}."
    assert manifest_dict["heads"]["file"] == "onnx/heads.onnx" and manifest_dict["evaluation"]["json"] == "evaluation.json"
    q8 = manifest_dict["variants"]["q8"]
    assert q8["intended_backends"] == ["wasm"] and q8["weights"] == "int8"
    for name in ("fp16", "q4f16"):
        assert manifest_dict["variants"][name]["requires_shader_f16"] is True
    for name in ("fp32", "q4", "q8"):
        assert manifest_dict["variants"][name]["requires_shader_f16"] is False
    assert "created" not in json.dumps(manifest_dict["provenance"]).lower().replace("created_with", "")


def test_round_trip_is_byte_identical():
    text = (FIXTURE_BUNDLE / "manifest.json").read_text(encoding="utf-8")
    manifest = Manifest.load(FIXTURE_BUNDLE)
    assert manifest.to_json() == text
    again = Manifest.from_dict(json.loads(manifest.to_json()))
    assert again == manifest


def test_save_and_load(tmp_path):
    manifest = Manifest.load(FIXTURE_BUNDLE)
    manifest.name = "Renamed"
    manifest.save(tmp_path)
    assert Manifest.load(tmp_path / "manifest.json").name == "Renamed"


@pytest.mark.parametrize("bad_format", [1, 3, 0, "2", None, True, 2.5])
def test_unknown_format_is_rejected_with_clear_message(manifest_dict, bad_format):
    data = copy.deepcopy(manifest_dict)
    if bad_format is None:
        del data["format"]
    else:
        data["format"] = bad_format
    with pytest.raises(UnsupportedFormatError, match="format"):
        Manifest.from_dict(data)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.pop("labels"), "/labels is missing"),
        (lambda d: d.__setitem__("surprise", 1), "/surprise is not allowed"),
        (lambda d: d["variants"]["fp32"].__setitem__("weights", "int3"), '(got "int3")'),
        (lambda d: d["backbone"].__setitem__("num_nli_labels", 4), "(got 4)"),
        (lambda d: d["files"]["tokenizer.json"].__setitem__("sha256", "xyz"), '(got "xyz")'),
        (lambda d: d.__setitem__("id", "Has Spaces"), '(got "Has Spaces")'),
    ],
)
def test_schema_rejects(manifest_dict, mutate, message):
    """A few schema violations; manifest_invalid_cases.json (test_manifest_contract.py) has the full shared list."""
    data = copy.deepcopy(manifest_dict)
    mutate(data)
    with pytest.raises(ManifestError, match=r"manifest\.schema\.json") as err:
        validate_manifest_dict(data)
    assert message in str(err.value)


def test_schema_lists_at_most_five_violations(manifest_dict):
    data = copy.deepcopy(manifest_dict)
    for key in ("labels", "files", "variants", "heads", "evaluation", "provenance", "tokenizer"):
        del data[key]
    with pytest.raises(ManifestError) as err:
        validate_manifest_dict(data)
    assert str(err.value).endswith(
        ": /evaluation is missing; /files is missing; /heads is missing; /labels is missing; "
        "/provenance is missing (and 2 more). "
        "Re-export the bundle."
    )


def test_heads_section_declares_every_key_the_heads_exporter_writes(manifest_dict):
    """The committed demo bundle's heads (written by bundle_heads.install_heads) use every declared key, and only those."""
    heads_schema = load_schema()["$defs"]["heads"]
    assert set(manifest_dict["heads"]) == set(heads_schema["properties"]) == set(heads_schema["required"])
    assert heads_schema["additionalProperties"] is False


def _copy_bundle(tmp_path: Path) -> Path:
    dst = tmp_path / "bundle"
    shutil.copytree(FIXTURE_BUNDLE, dst)
    return dst


def test_validate_bundle_detects_changed_missing_and_stray_files(tmp_path):
    folder = _copy_bundle(tmp_path)
    tok = folder / "tokenizer_config.json"
    original = tok.read_bytes()
    tok.write_bytes(original.replace(b"[PAD]", b"[PAX]"))  # same size, other hash
    with pytest.raises(ManifestError, match="sha256"):
        validate_bundle(folder)
    tok.write_bytes(original + b" ")
    with pytest.raises(ManifestError, match="size"):
        validate_bundle(folder)
    tok.write_bytes(original)
    (folder / "onnx" / "model_q4.onnx").unlink()
    with pytest.raises(ManifestError, match=r"missing file onnx/model_q4\.onnx"):
        validate_bundle(folder)


def test_validate_bundle_rejects_unlisted_file(tmp_path):
    folder = _copy_bundle(tmp_path)
    (folder / "notes.txt").write_text("stray")
    with pytest.raises(ManifestError, match=r"notes\.txt"):
        validate_bundle(folder)


def test_missing_manifest(tmp_path):
    with pytest.raises(ManifestError, match=r"no manifest\.json"):
        Manifest.load(tmp_path)
