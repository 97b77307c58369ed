"""The NLI-label rule against the cases shared with the app (model_export/nli_label_cases.json), and widen-nli."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import onnx
import pytest

from model_export import ort_cpu
from model_export.__main__ import main
from model_export.errors import ExportError
from model_export.files import FIXTURE_BUNDLE
from model_export.numerics import entailment_scores
from model_export.source import resolve_nli_labels

CASES = json.loads((Path(__file__).resolve().parents[1] / "model_export" / "nli_label_cases.json").read_text(encoding="utf-8"))


def _config(case: dict) -> SimpleNamespace:
    to_int = {int(k): v for k, v in case.get("id2label", {}).items()}
    return SimpleNamespace(id2label=to_int, label2id=case.get("label2id"))


@pytest.mark.parametrize("case", [c for c in CASES if "error" not in c], ids=lambda c: c["why"])
def test_finds_the_shared_ids(case):
    got = resolve_nli_labels(_config(case))
    expected = (case["names"], case["entailment_id"], case["not_entailment_id"])
    assert (got.names, got.entailment_id, got.not_entailment_id) == expected


@pytest.mark.parametrize("case", [c for c in CASES if "error" in c], ids=lambda c: c["why"])
def test_refuses_the_shared_non_nli_configs(case):
    with pytest.raises(ExportError):
        resolve_nli_labels(_config(case))


def test_widened_graph_is_3_way_with_the_2_way_score(tmp_path):
    out = tmp_path / "model.onnx"
    src = FIXTURE_BUNDLE / "onnx" / "model.onnx"
    assert main(["widen-nli", "--model", str(src), "--out", str(out)]) == 0
    again = tmp_path / "again.onnx"
    assert main(["widen-nli", "--model", str(src), "--out", str(again)]) == 0
    assert out.read_bytes() == again.read_bytes()
    assert [o.name for o in onnx.load(str(out)).graph.output] == [o.name for o in onnx.load(str(src)).graph.output]

    ids = np.array([[1, 400, 500, 600, 2, 700, 800, 2]], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
    two = ort_cpu.session(src, 1).run(["logits"], feeds)[0]
    three = ort_cpu.session(out, 1).run(["logits"], feeds)[0]
    assert three.shape == (1, 3)
    assert np.array_equal(three[:, 0], two[:, 0]) and np.array_equal(three[:, 2], two[:, 1])
    assert np.array_equal(entailment_scores(three, 0, 2), entailment_scores(two, 0, 1))
