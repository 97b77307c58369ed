"""A 3-way NLI graph made from a 2-way one, for tests of 3-way loading (the app's Hub-style folders, e2e/hub.spec.ts).

The 2-way graph's logits (entailment, not_entailment) become (entailment, neutral, contradiction):
entailment and contradiction are the two logits unchanged and neutral is their mean, so the score the
app computes for a 3-way model, sigmoid(entailment - contradiction), equals the 2-way graph's score
exactly. Tests can then hold a 3-way model to the 2-way fixture's numbers without a second model.
Deterministic: the same input graph gives the same bytes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from model_export.errors import ExportError

# Columns: entailment, neutral, contradiction; rows: the 2-way graph's entailment, not_entailment.
WIDEN = np.array([[1.0, 0.5, 0.0], [0.0, 0.5, 1.0]], dtype=np.float32)


def widen(model: onnx.ModelProto) -> onnx.ModelProto:
    """Returns a copy of `model` whose 'logits' output is 3 wide (entailment, neutral, contradiction)."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    graph = out.graph
    outputs = [o.name for o in graph.output]
    if "logits" not in outputs:
        raise ExportError(f"the graph has no 'logits' output (outputs: {outputs})")
    for node in graph.node:
        node.output[:] = ["logits_2way" if name == "logits" else name for name in node.output]
    graph.initializer.append(numpy_helper.from_array(WIDEN, "widen_nli_weight"))
    graph.node.append(helper.make_node("MatMul", ["logits_2way", "widen_nli_weight"], ["logits"], name="widen_nli"))
    index = outputs.index("logits")
    batch = graph.output[index].type.tensor_type.shape.dim[0]
    new = helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch.dim_param or batch.dim_value or "batch", 3])
    graph.output[index].CopyFrom(new)
    onnx.checker.check_model(out)
    return out


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Registers `widen-nli`."""
    p = subparsers.add_parser("widen-nli", help="make a 3-way NLI graph from a 2-way one (test data for 3-way loading)")
    p.add_argument("--model", required=True, type=Path, help="2-way graph, e.g. ../public/models/demo-fixture/onnx/model.onnx")
    p.add_argument("--out", required=True, type=Path, help="where to write the 3-way graph")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Writes the widened graph."""
    if not args.model.is_file():
        raise ExportError(f"model not found: {args.model}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save_model(widen(onnx.load(str(args.model))), str(args.out))
    return 0
