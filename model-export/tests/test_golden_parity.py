"""Every variant of the committed fixture bundle against the golden outputs computed by PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from model_export import ort_cpu
from model_export import validation as val
from model_export.bundle import Manifest
from model_export.files import FIXTURE_BUNDLE, load_golden, sha256_file
from model_export.fixture import DEFAULT_GOLDEN
from model_export.numerics import entailment_scores
from model_export.tokenizer import load_bundle_tokenizer

FP32_SCORE_TOLERANCE = 1e-4
# ORT here vs ORT at export time, same batches: only float printing separates the numbers.
SLACK = 1e-5
# Fixed limits per variant against PyTorch on the golden pairs, independent of what the exporter
# recorded: max |Δ entailment| and the share of pairs deciding as PyTorch at 0.5. The fixture's
# weights lie on the 4-bit grid, so q4 must be as exact as fp32 (src/engine/parity.test.ts holds
# the same limits for ONNX Runtime Web).
LIMITS = {"fp32": (1e-4, 1.0), "q4": (1e-4, 1.0), "fp16": (5e-3, 1.0), "q4f16": (1e-2, 1.0), "q8": (0.25, 0.95)}
# What a variant the app picks by itself must meet (looser than the fixture's limits above).
RECOMMENDABLE = (0.05, 0.98)


@pytest.fixture(scope="module")
def golden() -> dict:
    return load_golden(DEFAULT_GOLDEN)


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    return Manifest.load(FIXTURE_BUNDLE)


def _pair_ids(golden):
    return [p["input_ids"] for t in golden["texts"] for p in t["pairs"]]


def _ref_logits(golden):
    return np.array([p["logits"] for t in golden["texts"] for p in t["pairs"]], dtype=np.float32)


def test_golden_describes_the_committed_bundle(golden, manifest):
    for rel, digest in golden["bundle_files_sha256"].items():
        assert manifest.files[rel].sha256 == digest == sha256_file(FIXTURE_BUNDLE / rel), f"golden is stale for {rel}"
    assert golden["bundle_id"] == manifest.id
    assert golden["max_length_pair"] == manifest.backbone.max_length_pair
    assert golden["max_length_text"] == manifest.backbone.max_length_text
    assert [h["hypothesis"] for h in golden["hypotheses"][:-1]] == [lab.hypothesis for lab in manifest.labels]
    assert golden["hypotheses"][-1]["hypothesis"] == manifest.hypothesis_template.format(golden["hypotheses"][-1]["label"])
    assert 55 <= len(golden["texts"]) <= 80


def test_golden_scores_are_spread_out(golden):
    scores = np.array([p["entailment"] for t in golden["texts"] for p in t["pairs"]])
    assert scores.min() < 0.1 and scores.max() > 0.9
    assert np.mean(np.abs(scores - 0.5) < 0.01) < 0.02, "too many knife-edge decisions"
    assert 0.25 < np.mean(scores >= 0.5) < 0.75


def test_golden_ids_match_the_bundle_tokenizer(golden):
    tok = load_bundle_tokenizer(FIXTURE_BUNDLE)
    hyps = [h["hypothesis"] for h in golden["hypotheses"]]
    for t in golden["texts"]:
        assert val.encode_texts(tok, [t["text"]], golden["max_length_text"]).ids[0] == t["text_ids"], t["name"]
        pairs = val.encode_pairs(tok, [(t["text"], h) for h in hyps], golden["max_length_pair"]).ids
        assert pairs == [p["input_ids"] for p in t["pairs"]], t["name"]


@pytest.mark.parametrize("variant", ["fp32", "fp16", "q4f16", "q4", "q8"])
def test_variant_matches_golden(golden, manifest, variant):
    spec = manifest.variants[variant]
    recorded = spec.max_abs_error
    session = ort_cpu.session(FIXTURE_BUNDLE / spec.backbone, threads=1)
    run = ort_cpu.backbone_runner(session)
    pad = golden["special_tokens"]["pad"]
    e_id, n_id = golden["entailment_id"], golden["not_entailment_id"]

    out = val.run_batched(run, _pair_ids(golden), pad, golden["batching"]["batch_size"])
    ref = _ref_logits(golden)
    ref_scores = entailment_scores(ref, e_id, n_id)
    got_scores = entailment_scores(out.logits, e_id, n_id)
    score_err = float(np.max(np.abs(ref_scores - got_scores)))
    logit_err = float(np.max(np.abs(ref - out.logits)))
    assert np.all(np.isfinite(out.logits))
    max_delta, min_agreement = LIMITS[variant]
    agreement = float(np.mean((ref_scores >= 0.5) == (got_scores >= 0.5)))
    assert score_err <= max_delta and agreement >= min_agreement, (variant, score_err, agreement)
    if spec.recommended:
        assert score_err <= RECOMMENDABLE[0] and agreement >= RECOMMENDABLE[1], f"{variant} is recommended but misses the bounds"
    # The manifest's figures are upper bounds of what this runtime measures.
    assert score_err <= recorded.entailment + SLACK, f"{variant}: entailment error {score_err} > recorded {recorded.entailment}"
    assert logit_err <= recorded.logits + SLACK, f"{variant}: logits error {logit_err} > recorded {recorded.logits}"
    if variant == "fp32":
        assert score_err <= FP32_SCORE_TOLERANCE
        assert np.array_equal(ref_scores >= 0.5, got_scores >= 0.5), "fp32 decisions at 0.5 differ from PyTorch"

    texts = val.run_batched(run, [t["text_ids"] for t in golden["texts"]], pad, golden["batching"]["batch_size"])
    k = golden["fingerprint_head"]
    for t, hidden in zip(golden["texts"], texts.hidden, strict=True):
        fp = t["hidden"]
        assert hidden.shape == (fp["length"], golden["hidden_size"]), t["name"]
        tol = recorded.last_hidden_state + SLACK
        assert np.max(np.abs(hidden.astype(np.float64).mean(axis=0) - fp["mean"])) <= tol, t["name"]
        assert np.max(np.abs(hidden[0, :k] - fp["first"])) <= tol, t["name"]
        assert np.max(np.abs(hidden[-1, :k] - fp["last"])) <= tol, t["name"]
        assert abs(hidden.astype(np.float64).sum() - fp["sum"]) <= tol * hidden.size + 1e-3, t["name"]


def test_quantized_variants_are_smaller(manifest):
    size = {name: manifest.files[v.backbone].bytes for name, v in manifest.variants.items()}
    assert size["fp16"] < size["fp32"] and size["q4"] < size["fp32"] and size["q8"] < size["fp32"]
    assert size["q4f16"] < size["fp16"]


def test_manifest_says_how_each_variant_decides_and_whether_it_batches(manifest, golden):
    pairs = sum(len(t["pairs"]) for t in golden["texts"])
    for name, v in manifest.variants.items():
        d = v.decisions
        assert (d.threshold, d.pairs, d.texts) == (0.5, pairs, len(golden["texts"])), name
        assert 0 <= d.pairs_agreeing <= d.pairs and 0 <= d.texts_agreeing <= d.texts, name
        assert v.run_alone == (v.batch_dependence > 1e-6), name
        assert v.recommended == (v.max_abs_error.entailment <= RECOMMENDABLE[0]
                                 and d.pairs_agreeing >= RECOMMENDABLE[1] * d.pairs), name
        assert (f"{d.texts_agreeing}/{d.texts} reference texts" in v.assessment) and \
            (v.assessment.startswith("not recommended") != v.recommended), name
    # Padded to pad_multiple, every variant but dynamic int8 scores a pair alone exactly as in a batch.
    assert {n for n, v in manifest.variants.items() if v.run_alone} == {"q8"}
    assert manifest.backbone.pad_multiple == 8
    # q8 misses the product's bounds on this fixture: the app must never pick it by itself.
    assert not manifest.variants["q8"].recommended
