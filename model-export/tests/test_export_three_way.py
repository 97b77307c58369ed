"""Exporting a 3-way (entailment/neutral/contradiction) DeBERTa folder: ids from the config, score vs contradiction."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from transformers import DebertaV2Config, DebertaV2ForSequenceClassification

from model_export import export as export_module
from model_export import ort_cpu
from model_export import quantize as quantize_module
from model_export import validation as val
from model_export.__main__ import main
from model_export.bundle import validate_bundle
from model_export.files import FIXTURE_BUNDLE
from model_export.numerics import entailment_scores
from model_export.source import DEBERTA_V3_COMMON
from model_export.tokenizer import load_bundle_tokenizer, write_tokenizer_files


@pytest.fixture(scope="module")
def three_way(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("three")
    tok = load_bundle_tokenizer(FIXTURE_BUNDLE)
    kwargs = {k: v for k, v in DEBERTA_V3_COMMON.items() if k not in ("model_type", "id2label", "label2id")}
    kwargs.update(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                  intermediate_size=64, id2label={0: "CONTRADICTION", 1: "NEUTRAL", 2: "ENTAILMENT"},
                  label2id={"CONTRADICTION": 0, "NEUTRAL": 1, "ENTAILMENT": 2})
    torch.manual_seed(3)
    model = DebertaV2ForSequenceClassification(DebertaV2Config(**kwargs)).eval()
    source = tmp_path / "three-way"
    model.save_pretrained(str(source))
    write_tokenizer_files(tok.spm_model, source, 512)
    return model, tok, source


def test_three_way_model_folder_exports_with_contradiction_as_contrast(three_way, tmp_path):
    model, tok, source = three_way
    out = tmp_path / "bundle"
    assert main(["export", str(source), "--out", str(out), "--variants", "fp32", "--threads", "1"]) == 0
    manifest = validate_bundle(out)
    bb = manifest.backbone
    assert (bb.num_nli_labels, bb.entailment_id, bb.not_entailment_id) == (3, 2, 0)
    assert bb.nli_labels == ["contradiction", "neutral", "entailment"]
    assert manifest.id == "bundle" and set(manifest.variants) == {"fp32"}

    ids = val.encode_pairs(tok, [("Stocks rallied.", "This text is about finance."),
                                 ("A longer sentence about hospitals and vaccines.", "This text is about health.")],
                           bb.max_length_pair).ids
    got = val.run_batched(ort_cpu.backbone_runner(ort_cpu.session(out / "onnx/model.onnx", 1)), ids, 0)
    ref = val.run_batched(val.torch_runner(model, False), ids, 0)
    assert got.logits.shape == (2, 3)
    assert np.max(np.abs(entailment_scores(got.logits, 2, 0) - entailment_scores(ref.logits, 2, 0))) <= 1e-4


def test_export_fails_loudly_when_fp32_misses_the_tolerance(three_way, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(export_module, "FP32_ENTAILMENT_TOLERANCE", -1.0)  # nothing can pass
    _, _, source = three_way
    code = main(["export", str(source), "--out", str(tmp_path / "b"), "--variants", "fp32", "--threads", "1"])
    assert code != 0
    assert "fp32 ONNX graph misses PyTorch" in capsys.readouterr().err
    assert not (tmp_path / "b").exists() and not (tmp_path / ".b.partial").exists(), "half a bundle was left behind"


def test_graphs_over_the_protobuf_limit_use_external_data(three_way, tmp_path, monkeypatch):
    """The >2 GB path, exercised by lowering the threshold: every variant gets one side file."""
    monkeypatch.setattr(quantize_module, "EXTERNAL_DATA_THRESHOLD", 1000)
    _, _, source = three_way
    out = tmp_path / "big"
    assert main(["export", str(source), "--out", str(out), "--threads", "1"]) == 0
    manifest = validate_bundle(out)
    assert set(manifest.variants) == {"fp32", "fp16", "q4f16", "q4", "q8"}
    for name, variant in manifest.variants.items():
        assert variant.external_data == [variant.backbone + "_data"], name
        assert variant.external_data[0] in manifest.files
        assert manifest.files[variant.external_data[0]].bytes > 50_000, name  # the weights moved out
    assert manifest.variants["fp32"].max_abs_error.entailment <= 1e-4
    assert manifest.variants["q4"].max_abs_error.entailment < 0.5
