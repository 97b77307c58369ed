"""Metrics, threshold tuning and the evaluation table."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from test_checkpoint import NAMES, random_checkpoint

from model_export.__main__ import main
from model_export.bundle import validate_bundle
from model_export.evaluate import (
    THRESHOLD_GRID,
    EvalInputs,
    bundle_scores,
    cv_threshold_predictions,
    evaluation_rows,
    metrics,
    render_markdown,
    tune_thresholds,
    untunable_message,
    write_evaluation,
)
from model_export.features import load_or_compute_features
from model_export.heads_testing import build_tiny_bundle


def test_metrics_by_hand():
    y = np.array([[1, 0], [1, 1], [0, 0], [0, 1]])
    pred = np.array([[1, 0], [0, 1], [1, 0], [0, 1]])
    m = metrics(pred, y, ["a", "b"])
    # a: tp1 fp1 fn1 -> P .5 R .5 F1 .5 ; b: tp2 fp0 fn0 -> 1, 1, 1
    assert m["per_label_f1"] == {"a": 0.5, "b": 1.0}
    assert m["macro_f1"] == 0.75
    assert m["macro_precision"] == 0.75 and m["macro_recall"] == 0.75
    assert m["hamming_accuracy"] == 6 / 8
    assert m["exact_match"] == 2 / 4


def test_metrics_zero_division_is_zero():
    m = metrics(np.zeros((3, 1)), np.zeros((3, 1)), ["a"])
    assert m["macro_f1"] == 0.0 and m["hamming_accuracy"] == 1.0


def test_grid_and_tuning():
    assert THRESHOLD_GRID[0] == 0.01 and THRESHOLD_GRID[-1] == 0.98 and len(THRESHOLD_GRID) == 98
    scores = np.array([[0.05], [0.10], [0.30], [0.35]])
    y = np.array([[0], [0], [1], [1]])
    t = tune_thresholds(scores, y)
    assert t[0] == THRESHOLD_GRID[10]  # lowest grid value that separates 0.10 from 0.30
    # Low scores everywhere: a tuned threshold can go far below 0.5 (like the original's Health 0.03).
    t = tune_thresholds(np.array([[0.02], [0.04], [0.01]]), np.array([[0], [1], [0]]))
    assert t[0] == 0.03


def test_grid_is_the_originals_raw_arange_floats():
    # np.arange(0.01, 0.99, 0.01) exactly, not rounded decimals: the 29th value is 0.29000000000000004.
    assert np.array_equal(THRESHOLD_GRID, np.arange(0.01, 0.99, 0.01))
    assert THRESHOLD_GRID[28] == 0.29000000000000004 and THRESHOLD_GRID[28] != 0.29
    # A score of exactly 0.29 is below that threshold: the lowest threshold that keeps 0.29 out and
    # lets 0.30 in is the raw 0.29000000000000004 (a rounded grid would give 0.30).
    t = tune_thresholds(np.array([[0.28], [0.29], [0.30]]), np.array([[0], [0], [1]]))
    assert t[0] == 0.29000000000000004
    # Tuned and CV-fold thresholds are members of the raw grid.
    g = np.random.default_rng(3)
    scores, y = g.random((60, 3)), (g.random((60, 3)) < 0.4).astype(int)
    grid = set(np.arange(0.01, 0.99, 0.01).tolist())
    assert set(tune_thresholds(scores, y).tolist()) <= grid
    assert set(cv_threshold_predictions(scores, y, k=5, seed=1)[1].ravel().tolist()) <= grid


TUNING_CASES_PATH = Path(__file__).resolve().parents[1] / "model_export" / "tuning_cases.json"
TUNING_CASES = json.loads(TUNING_CASES_PATH.read_text(encoding="utf-8"))


def _as_listed(values: np.ndarray) -> list:
    """Thresholds as tuning_cases.json lists them: None where not tuned, else rounded to 2 decimals."""
    return [None if np.isnan(v) else round(float(v), 2) for v in values]


@pytest.mark.parametrize("case", TUNING_CASES["cases"], ids=lambda c: c["name"])
def test_shared_tuning_cases(case):
    # The same cases run in the app (src/io/metrics.test.ts): one rule on both sides.
    scores, y = np.array(case["scores"]), np.array(case["gold"])
    tuned = tune_thresholds(scores, y)
    assert _as_listed(tuned) == case["tuned"]
    for v, listed in zip(tuned, case["tuned"], strict=True):
        assert listed is None or abs(v - listed) < 1e-12
    pred, per_fold = cv_threshold_predictions(scores, y, k=case["k"], seed=case["seed"], fallback=np.array(case["fallback"]))
    assert [_as_listed(t) for t in per_fold] == case["cv_per_fold"]
    assert pred.astype(int).tolist() == case["cv_pred"]


def test_untunable_message_is_the_apps():
    m = TUNING_CASES["message"]
    assert untunable_message(m["label"]) == m["text"]


def test_a_label_without_positives_gets_no_tuned_threshold_and_keeps_its_fallback():
    # Without the rule, argmax over an all-zero F1 curve proposed the grid's first value, 0.01.
    scores = np.array([[0.2, 0.7], [0.6, 0.1], [0.4, 0.3], [0.9, 0.8]])
    y = np.array([[0, 0], [1, 0], [0, 0], [1, 0]])
    assert np.isnan(tune_thresholds(scores, y)[1]) and tune_thresholds(scores, y)[0] == THRESHOLD_GRID[40]
    inp = EvalInputs(labels=["Finance", "Sports"], y=y, nli=scores, hybrid=scores)
    rows, tuned = evaluation_rows(inp, cv_folds=2, seed=42, fallback=np.array([0.5, 0.35]))
    assert tuned.tolist() == [THRESHOLD_GRID[40], 0.35]
    row = next(r for r in rows if r["system"] == "Hybrid (val-tuned)")
    assert row["thresholds"]["Sports"] == 0.35
    assert "no row in the gold column has label Sports; a threshold cannot be tuned (kept at 0.35)" in row["note"]
    assert "Finance; a threshold" not in row["note"]
    cv = next(r for r in rows if r["system"] == "Hybrid (CV thresholds)")
    assert cv["thresholds"]["Sports"] == 0.35
    assert "| Sports |" in render_markdown({"labels": inp.labels, "rows": rows})


def test_cv_thresholds_are_honest():
    # Pure noise scores: val-tuned F1 is optimistic, CV F1 must not beat it.
    g = np.random.default_rng(0)
    scores = g.random((200, 3))
    y = (g.random((200, 3)) < 0.5).astype(int)
    tuned = tune_thresholds(scores, y)
    pred, per_fold = cv_threshold_predictions(scores, y, k=5, seed=42)
    assert per_fold.shape == (5, 3)
    f_tuned = metrics(scores >= tuned, y, "abc")["macro_f1"]
    f_cv = metrics(pred, y, "abc")["macro_f1"]
    assert f_cv <= f_tuned


def test_table_rows_and_files(tmp_path):
    g = np.random.default_rng(1)
    y = (g.random((50, 2)) < 0.5).astype(int)
    nli = g.random((50, 2))
    hybrid = np.clip(y * 0.6 + g.random((50, 2)) * 0.5, 0, 1)
    rows, _ = evaluation_rows(EvalInputs(labels=["A", "B"], y=y, nli=nli, hybrid=hybrid))
    assert [r["system"] for r in rows] == [
        "NLI baseline (t=0.5)", "Hybrid (t=0.5)", "Hybrid (val-tuned)", "Hybrid (CV thresholds)"]
    for r in rows:
        assert set(r) >= {"macro_f1", "hamming_accuracy", "exact_match", "macro_precision", "macro_recall", "per_label_f1",
                          "thresholds"}
    # Separable by construction: negatives score at most 0.5, positives at least 0.6. So t=0.5 is already perfect, and
    # tuning picks, per label, the lowest grid value above the highest negative score (F1 1, ties to the lowest).
    assert rows[1]["macro_f1"] == 1.0
    lowest_perfect = {
        name: min(t for t in THRESHOLD_GRID if t > hybrid[y[:, j] == 0, j].max()) for j, name in enumerate("AB")}
    assert rows[2]["thresholds"] == lowest_perfect
    assert lowest_perfect != {"A": 0.5, "B": 0.5}
    assert rows[2]["macro_f1"] == 1.0
    table = {"title": "t", "labels": ["A", "B"], "rows": rows, "split": {"train": 0, "val": 50, "description": "x"}}
    j, m = write_evaluation(table, tmp_path)
    assert json.loads(j.read_text())["rows"][0]["system"] == "NLI baseline (t=0.5)"
    md = m.read_text()
    assert "| System | Macro F1 | Hamming acc | Exact match | Macro P | Macro R | A | B |" in md
    assert md == render_markdown(table)


def test_evaluate_cli_scores_a_bundle_like_the_browser(tmp_path, capsys):
    """After convert-checkpoint, `evaluate` runs the ONNX graphs with manifest alphas and thresholds."""
    rows = [{"text": f"text number {i} about {NAMES[i % 5].lower()}", "labels": [NAMES[i % 5], NAMES[(i + 2) % 5]]}
            for i in range(40)]
    data = tmp_path / "d.json"
    data.write_text(json.dumps(rows))
    bundle = build_tiny_bundle(tmp_path / "b", [r["text"] for r in rows], hidden_size=32)
    torch.save(random_checkpoint(hidden=32, proj_dim=16), tmp_path / "ck.pt")
    assert main(["convert-checkpoint", "--bundle", str(bundle), "--checkpoint", str(tmp_path / "ck.pt")]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--bundle", str(bundle), "--data", str(data), "--cache-dir", "", "--no-progress", "--write"]) == 0
    out = capsys.readouterr().out
    table = json.loads((bundle / "evaluation.json").read_text())
    assert [r["system"] for r in table["rows"]] == [
        "NLI baseline (t=0.5)", "Hybrid (t=0.5)", "Hybrid (bundle thresholds)", "Hybrid (val-tuned)", "Hybrid (CV thresholds)"]
    assert table["rows"][2]["thresholds"] == {
        "Technology": 0.37, "Health": 0.03, "Finance": 0.30, "Economy": 0.38, "Environment": 0.28}
    assert table["split"]["val"] == 8 and "validation 8 samples" in out
    m = validate_bundle(bundle)
    assert m.evaluation["json"] == "evaluation.json" and "evaluation.md" in m.files

    # The NLI scores are blended as the original predicted: rounded to 6 decimals first.
    texts = [r["text"] for r in rows]
    nli, hybrid, poly = bundle_scores(bundle, m, texts, cache_dir="", progress=False)
    raw, _ = load_or_compute_features(bundle, texts, [lab.hypothesis for lab in m.labels], [lab.description for lab in m.labels],
                                      cache_dir="", progress=False)
    assert nli.tolist() == [[round(float(v), 6) for v in row] for row in raw.nli]
    assert not np.array_equal(nli, raw.nli)
    health = [lab.name for lab in m.labels].index("Health")
    assert np.array_equal(hybrid[:, health], nli[:, health])
    tech = [lab.name for lab in m.labels].index("Technology")
    alpha = m.labels[tech].alpha
    poly_p = 1 / (1 + np.exp(-poly[:, m.heads["labels"].index("Technology")].astype(np.float64)))
    np.testing.assert_allclose(hybrid[:, tech], alpha * nli[:, tech] + (1 - alpha) * poly_p, rtol=0, atol=1e-15)
