"""Structure of the committed backbone graphs: IO contract, and every weight MatMul quantized in q4/q4f16/q8."""

from __future__ import annotations

import onnx
import pytest
from onnx import helper

from model_export.bundle import Manifest
from model_export.files import FIXTURE_BUNDLE
from model_export.quantize import inline_initializer_identities


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    return Manifest.load(FIXTURE_BUNDLE)


def _load(manifest: Manifest, variant: str) -> onnx.ModelProto:
    return onnx.load(str(FIXTURE_BUNDLE / manifest.variants[variant].backbone))


@pytest.mark.parametrize("variant", ["fp32", "fp16", "q4f16", "q4", "q8"])
def test_io_contract(manifest, variant):
    graph = _load(manifest, variant).graph
    elem = onnx.TensorProto
    inputs = {i.name: i.type.tensor_type for i in graph.input}
    outputs = {o.name: o.type.tensor_type for o in graph.output}
    assert list(inputs) == ["input_ids", "attention_mask"]
    assert all(t.elem_type == elem.INT64 and len(t.shape.dim) == 2 for t in inputs.values())
    assert all(d.dim_param for t in inputs.values() for d in t.shape.dim), "batch and sequence must be dynamic"
    assert list(outputs) == ["logits", "last_hidden_state"]
    assert all(t.elem_type == elem.FLOAT for t in outputs.values())
    assert outputs["last_hidden_state"].shape.dim[2].dim_value == manifest.backbone.hidden_size


@pytest.mark.parametrize("variant, quantized_op", [("q4", "MatMulNBits"), ("q4f16", "MatMulNBits"), ("q8", "MatMulInteger")])
def test_every_weight_matmul_is_quantized(manifest, variant, quantized_op):
    graph = _load(manifest, variant).graph
    inits = {i.name for i in graph.initializer}
    plain = [n.name for n in graph.node if n.op_type == "MatMul" and n.input[1] in inits]
    assert not plain, f"{variant} keeps float MatMul weights: {plain[:3]}"
    assert sum(n.op_type == quantized_op for n in graph.node) >= 6 * manifest.backbone.num_layers
    feeds_matmul = {x for n in graph.node if n.op_type == "MatMul" for x in n.input}
    aliases = [n.name for n in graph.node if n.op_type == "Identity" and n.input[0] in inits
               and n.output[0] in feeds_matmul]
    assert not aliases, "Identity aliases of weights keep a float copy next to the quantized one"


def test_inline_initializer_identities_rewires_consumers():
    w = helper.make_tensor("w", onnx.TensorProto.FLOAT, [2, 2], [1.0, 0.0, 0.0, 1.0])
    nodes = [helper.make_node("Identity", ["w"], ["w_alias"]),
             helper.make_node("Identity", ["w"], ["w_other"]),
             helper.make_node("MatMul", ["x", "w"], ["y1"]),
             helper.make_node("MatMul", ["x", "w_alias"], ["y2"]),
             helper.make_node("Add", ["y1", "y2"], ["y3"]),
             helper.make_node("Add", ["y3", "w_other"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [2, 2])],
                              [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [2, 2])], [w])
    model = inline_initializer_identities(helper.make_model(graph))
    # The MatMul-only alias is inlined; the alias feeding an Add stays.
    assert [n.op_type for n in model.graph.node] == ["Identity", "MatMul", "MatMul", "Add", "Add"]
    assert model.graph.node[2].input[1] == "w" and model.graph.node[4].input[1] == "w_other"
    onnx.checker.check_model(model)

