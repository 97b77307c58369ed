"""Exported bundles are transformers.js model folders too: config.json with the model's labels, tokenizer files, onnx/ names."""

from __future__ import annotations

import json

import torch
from transformers import DebertaV2Config, DebertaV2ForSequenceClassification

from model_export.__main__ import main
from model_export.bundle import HF_CONFIG_NAME, validate_bundle
from model_export.files import FIXTURE_BUNDLE
from model_export.source import DEBERTA_V3_COMMON
from model_export.tokenizer import load_bundle_tokenizer, write_tokenizer_files

# transformers.js 4.3.2 (src/utils/dtypes.js, DEFAULT_DTYPE_SUFFIX_MAPPING): dtype -> `onnx/model{suffix}.onnx`.
TRANSFORMERS_JS_SUFFIX = {"fp32": "", "fp16": "_fp16", "q8": "_quantized", "q4": "_q4", "q4f16": "_q4f16"}


def check_layout(folder) -> dict:
    """Asserts the transformers.js layout of a bundle folder; returns its config.json."""
    manifest = validate_bundle(folder)  # config.json is listed in `files`, with its size and hash
    config = json.loads((folder / HF_CONFIG_NAME).read_text(encoding="utf-8"))
    assert config["model_type"] == "deberta-v2"
    assert config["architectures"] == ["DebertaV2ForSequenceClassification"]
    assert "_name_or_path" not in config, "where the model was loaded from is not part of the bundle"
    id2label = {int(k): v for k, v in config["id2label"].items()}
    assert {v: k for k, v in id2label.items()} == config["label2id"]
    names = [id2label[i].lower() for i in range(len(id2label))]
    assert names[manifest.backbone.entailment_id] == "entailment"
    assert names == manifest.backbone.nli_labels
    for name in ("tokenizer.json", "tokenizer_config.json", HF_CONFIG_NAME):
        assert name in manifest.files, name
    for dtype, variant in manifest.variants.items():
        assert variant.backbone == f"onnx/model{TRANSFORMERS_JS_SUFFIX[dtype]}.onnx", dtype
    return config


def test_committed_demo_bundle_is_a_transformers_js_model_folder():
    config = check_layout(FIXTURE_BUNDLE)
    assert config["hidden_size"] == 64 and config["num_hidden_layers"] == 3


def test_export_writes_config_json_with_the_models_own_labels(tmp_path, one_thread):
    tok = load_bundle_tokenizer(FIXTURE_BUNDLE)
    kwargs = {k: v for k, v in DEBERTA_V3_COMMON.items() if k not in ("model_type", "id2label", "label2id")}
    kwargs.update(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                  intermediate_size=64, id2label={0: "ENTAILMENT", 1: "NOT_ENTAILMENT"},
                  label2id={"ENTAILMENT": 0, "NOT_ENTAILMENT": 1})
    torch.manual_seed(5)
    source = tmp_path / "two-way"
    DebertaV2ForSequenceClassification(DebertaV2Config(**kwargs)).eval().save_pretrained(str(source))
    write_tokenizer_files(tok.spm_model, source, 512)
    out = tmp_path / "bundle"
    assert main(["export", str(source), "--out", str(out), "--variants", "fp32,q8", "--threads", "1",
                 "--web-check", "off"]) == 0
    config = check_layout(out)
    # As the model has them (transformers.js lower-cases label2id's keys itself).
    assert config["id2label"] == {"0": "ENTAILMENT", "1": "NOT_ENTAILMENT"}
    assert config["hidden_size"] == 32 and config["num_hidden_layers"] == 1
