"""A fresh `fixture` run (no seed data, as on a fresh clone) and the `export` CLI on the model folder it keeps."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import AutoModelForSequenceClassification

from model_export import ort_cpu
from model_export import validation as val
from model_export.__main__ import main
from model_export.bundle import Manifest, validate_bundle
from model_export.files import FIXTURE_BUNDLE, load_golden
from model_export.fixture import DEFAULT_GOLDEN, default_golden_path
from model_export.numerics import entailment_scores
from model_export.tokenizer import load_bundle_tokenizer


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    root = tmp_path_factory.mktemp("fresh")
    out, source = root / "bundle", root / "source"
    # The ORT Web measurement has its own test (test_export_web_check.py); skipping it here keeps this fast.
    assert main(["fixture", "--out", str(out), "--keep-source", str(source), "--web-check", "off"]) == 0
    return root, out, source


def test_default_golden_path_never_targets_the_committed_golden(tmp_path):
    assert default_golden_path(FIXTURE_BUNDLE) == DEFAULT_GOLDEN
    assert default_golden_path(tmp_path / "x") == tmp_path / "x.golden.json"


def test_fresh_bundle_is_valid_and_shaped_like_the_committed_one(fresh):
    root, out, _ = fresh
    manifest = validate_bundle(out)
    committed = Manifest.load(FIXTURE_BUNDLE)
    assert set(manifest.variants) == set(committed.variants)
    # `train` later sets head/alpha/threshold on the committed bundle's labels (issue 4).
    assert [(lab.name, lab.description, lab.hypothesis) for lab in manifest.labels] == [
        (lab.name, lab.description, lab.hypothesis) for lab in committed.labels
    ]
    assert manifest.backbone.hidden_size == committed.backbone.hidden_size
    assert manifest.tokenizer == committed.tokenizer
    assert (root / "bundle.golden.json").is_file()
    for name, variant in manifest.variants.items():
        assert variant.max_abs_error.entailment < 0.5, name
    assert manifest.variants["fp32"].max_abs_error.entailment <= 1e-4
    # 4-bit weights of the fixture are lossless: q4 differs from fp32 only by kernel arithmetic.
    assert manifest.variants["q4"].max_abs_error.entailment <= 1e-4


def test_fresh_fp32_matches_pytorch(fresh):
    """Independent of the exporter's own check: transformers model vs ONNX Runtime on a padded batch."""
    _, out, source = fresh
    manifest = Manifest.load(out)
    golden = load_golden(out.parent / "bundle.golden.json")
    model = AutoModelForSequenceClassification.from_pretrained(str(source), dtype=torch.float32).eval()
    tok = load_bundle_tokenizer(out)
    pairs = [(t["text"], h["hypothesis"]) for t in golden["texts"][::4] for h in golden["hypotheses"][::2]]
    ids = val.encode_pairs(tok, pairs, manifest.backbone.max_length_pair).ids
    lengths = {len(x) for x in ids}
    assert len(lengths) > 5 and max(lengths) == 512, "the batch must be padded and reach max_length_pair"
    ref = val.run_batched(val.torch_runner(model, False), ids, 0)
    got = val.run_batched(ort_cpu.backbone_runner(ort_cpu.session(out / manifest.variants["fp32"].backbone, 1)), ids, 0)
    s_ref = entailment_scores(ref.logits, 0, 1)
    s_got = entailment_scores(got.logits, 0, 1)
    assert np.max(np.abs(s_ref - s_got)) <= 1e-4
    assert np.array_equal(s_ref >= 0.5, s_got >= 0.5)
    for a, b in zip(ref.hidden, got.hidden, strict=True):
        assert np.max(np.abs(a - b)) <= 1e-4
    # The golden written by the fresh run agrees with this model too.
    g_scores = np.array([p["entailment"] for t in golden["texts"] for p in t["pairs"]])
    g_ids = [p["input_ids"] for t in golden["texts"] for p in t["pairs"]]
    again = entailment_scores(val.run_batched(val.torch_runner(model, False), g_ids[:48], 0).logits, 0, 1)
    assert np.max(np.abs(again - g_scores[:48])) <= 1e-6


def test_export_cli_on_a_model_folder(fresh, tmp_path):
    """The path users take with the real model: `export FOLDER --out DIR`, here on the fixture's folder."""
    _, out, source = fresh
    target = tmp_path / "exported"
    assert main(["export", str(source), "--out", str(target), "--variants", "fp32,q4", "--threads", "1",
                 "--id", "fixture-again", "--web-check", "off"]) == 0
    manifest = validate_bundle(target)
    assert set(manifest.variants) == {"fp32", "q4"} and manifest.id == "fixture-again"
    assert manifest.demo is False and manifest.provenance.source_model == str(source)
    # Same weights, same exporter: the fp32 graph is byte-identical to the fixture's.
    assert (target / "onnx/model.onnx").read_bytes() == (out / "onnx/model.onnx").read_bytes()
    assert (target / "tokenizer.json").read_bytes() == (out / "tokenizer.json").read_bytes()
