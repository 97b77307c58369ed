"""Variant errors measured on ONNX Runtime Web (the runtime the app ships), and the clear failure when it is missing."""

from __future__ import annotations

import pytest

from model_export import ort_cpu
from model_export import validation as val
from model_export.bundle import validate_bundle
from model_export.errors import ExportError
from model_export.export import ExportOptions, export_bundle
from model_export.heads_testing import build_tiny_bundle
from model_export.source import load_source


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    build_tiny_bundle(root / "bundle", ["a short text", "another text"], keep_source=root / "source")
    return load_source(str(root / "source"))


def _options(out, web_check: str) -> ExportOptions:
    return ExportOptions(out=out, source_model="test:web-check", bundle_id="web", demo=True, seed=0,
                         variants=["fp32", "q8"], max_length_pair=64, max_length_text=32, threads=1,
                         validation_pairs=[("a short text", "This text is about tests."),
                                           ("another, somewhat longer text to pad the batch", "It is about padding.")],
                         validation_texts=["a short text", "two"], web_check=web_check)


def test_web_runtime_is_available_in_this_checkout():
    # npm ci installs it; the exporter must find the same onnxruntime-web the app ships.
    assert val.web_runtime_missing() is None, val.web_runtime_missing()


def test_errors_include_the_ort_web_run(tmp_path, tiny):
    model, tokenizer = tiny
    export_bundle(model, tokenizer, _options(tmp_path / "b", "on"))
    manifest = validate_bundle(tmp_path / "b")
    assert manifest.provenance.validation.runtime.endswith(f"onnxruntime-web {val.web_version()} WASM (Node)")
    assert manifest.variants["fp32"].max_abs_error.entailment < 1e-4
    assert manifest.variants["q8"].max_abs_error.entailment > manifest.variants["fp32"].max_abs_error.entailment


def test_ort_web_outputs_match_onnxruntime_on_fp32(tmp_path, tiny):
    model, tokenizer = tiny
    export_bundle(model, tokenizer, _options(tmp_path / "b", "off"))
    graph = tmp_path / "b" / "onnx" / "model.onnx"
    ids = [[1, 5, 6, 7, 2], [1, 8, 2]]
    native = val.run_batched(ort_cpu.backbone_runner(ort_cpu.session(graph, 1)), ids, 0)
    web = val.run_web_batched({"fp32": [graph]}, [ids], 0)["fp32"][0]
    assert web.logits.shape == native.logits.shape
    assert abs(web.logits - native.logits).max() < 1e-4
    assert [h.shape for h in web.hidden] == [h.shape for h in native.hidden]


def test_web_check_on_fails_clearly_without_the_runtime(tmp_path, monkeypatch, tiny):
    monkeypatch.setattr(val, "web_runtime_missing", lambda: "node is not installed")
    model, tokenizer = tiny
    with pytest.raises(ExportError, match="cannot run ONNX Runtime Web: node is not installed"):
        export_bundle(model, tokenizer, _options(tmp_path / "b", "on"))
