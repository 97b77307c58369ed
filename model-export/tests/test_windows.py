"""window_spans against the cases shared with the app (model_export/window_cases.json), and its invariants."""

import json
from pathlib import Path

import pytest

from model_export.windows import aggregate, window_spans

CASES = json.loads((Path(__file__).resolve().parents[1] / "model_export" / "window_cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda c: f"{c['tokens']}-{c['room']}-{c['stride']}")
def test_shared_cases(case):
    assert window_spans(case["tokens"], case["room"], case["stride"]) == [tuple(s) for s in case["spans"]]


@pytest.mark.parametrize("case", CASES["errors"])
def test_shared_errors(case):
    with pytest.raises(ValueError):
        window_spans(case["tokens"], case["room"], case["stride"])


def test_every_token_is_read_and_every_window_is_full():
    for tokens in range(60):
        for room in (1, 3, 10):
            for stride in (1, 2, 3, 10, 11):
                spans = window_spans(tokens, room, stride)
                covered = {i for s, e in spans for i in range(s, e)}
                assert covered == set(range(tokens))
                if tokens > room:
                    assert all(e - s == room for s, e in spans)
                    assert spans[-1][1] == tokens
                    assert len({s for s, _ in spans}) == len(spans)


def test_aggregate():
    assert aggregate([0.2, 0.9, 0.4], "max") == 0.9
    assert aggregate([0.2, 0.9, 0.4], "mean") == pytest.approx(0.5)
    with pytest.raises(ValueError):
        aggregate([], "mean")


def test_the_committed_windows_golden_uses_this_rule():
    path = Path(__file__).resolve().parents[1] / "golden" / "demo-fixture.windows.golden.json"
    golden = json.loads(path.read_text(encoding="utf-8"))
    assert any(len(s["spans"]) >= 4 for t in golden["texts"] for lab in t["labels"] for s in lab["strides"])
    for t in golden["texts"]:
        for lab in t["labels"]:
            for s in lab["strides"]:
                assert window_spans(t["tokens"], lab["room"], s["stride"]) == [tuple(x) for x in s["spans"]]
                assert aggregate(s["entailment"], "max") == pytest.approx(s["max"], abs=1e-8)
                assert aggregate(s["entailment"], "mean") == pytest.approx(s["mean"], abs=1e-8)
