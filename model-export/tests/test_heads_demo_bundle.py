"""The committed demo bundle's heads: graph, manifest, evaluation table and heads golden agree."""

from __future__ import annotations

import json

import numpy as np
import pytest

from model_export.bundle import validate_bundle
from model_export.features import OnnxBackbone
from model_export.files import FIXTURE_BUNDLE, GOLDEN_DIR, sha256_file
from model_export.heads import run_heads_onnx

HEADS_GOLDEN = GOLDEN_DIR / "demo-fixture.heads.golden.json"


@pytest.fixture(scope="module")
def manifest():
    return validate_bundle(FIXTURE_BUNDLE)


@pytest.fixture(scope="module")
def golden():
    return json.loads(HEADS_GOLDEN.read_text(encoding="utf-8"))


def test_manifest_heads_and_evaluation(manifest):
    assert manifest.heads["labels"] == ["Technology", "Finance", "Economy", "Environment"]
    assert manifest.heads["hidden_size"] == manifest.backbone.hidden_size
    assert manifest.heads["max_abs_error"]["poly_logits"] <= 1e-5
    table = json.loads((FIXTURE_BUNDLE / manifest.evaluation["json"]).read_text())
    rows = {r["system"]: r for r in table["rows"]}
    tuned = rows["Hybrid (val-tuned)"]["thresholds"]
    assert {lab.name: lab.threshold for lab in manifest.labels} == tuned
    assert rows["Hybrid (t=0.5)"]["macro_f1"] > rows["NLI baseline (t=0.5)"]["macro_f1"]
    assert (FIXTURE_BUNDLE / manifest.evaluation["markdown"]).read_text().startswith("# PolyEncoder heads")


def test_heads_golden_describes_the_committed_bundle(manifest, golden):
    for rel, digest in golden["bundle_files_sha256"].items():
        assert manifest.files[rel].sha256 == digest == sha256_file(FIXTURE_BUNDLE / rel), f"heads golden is stale for {rel}"
    assert golden["heads_labels"] == manifest.heads["labels"]
    assert golden["labels"] == [{"name": lab.name, "head": lab.head, "alpha": lab.alpha, "threshold": lab.threshold}
                                for lab in manifest.labels]
    backbone_golden = json.loads((HEADS_GOLDEN.parent / golden["backbone_golden"]).read_text())
    assert [t["name"] for t in golden["texts"]] == [t["name"] for t in backbone_golden["texts"]]


def test_onnx_graphs_reproduce_the_heads_golden(manifest, golden):
    """What the browser runs (fp32 backbone graph -> heads graph, manifest alphas) vs PyTorch."""
    bb = OnnxBackbone(FIXTURE_BUNDLE, manifest, threads=1)
    near = {(n["text"], n["label"]) for n in golden["near_threshold"]}
    worst = 0.0
    for t in golden["texts"]:
        ids = np.array([t["text_ids"]], dtype=np.int64)
        _, hidden = bb.run(ids, np.ones_like(ids))
        logits = run_heads_onnx(FIXTURE_BUNDLE / manifest.heads["file"], hidden, np.ones_like(ids))[0]
        worst = max(worst, float(np.max(np.abs(logits - np.array(t["poly_logits"])))))
        cols = dict(zip(golden["heads_labels"], logits, strict=True))
        for s, lab in zip(t["scores"], manifest.labels, strict=True):
            if lab.head:
                blended = lab.alpha * s["nli"] + (1 - lab.alpha) * (1 / (1 + np.exp(-cols[lab.name])))
                assert abs(blended - s["blended"]) < 1e-4
                if (t["name"], lab.name) not in near:
                    assert (blended >= lab.threshold) == s["predicted"]
            else:
                assert s["blended"] == s["nli"] and s["poly"] is None
    assert worst <= 1e-4
