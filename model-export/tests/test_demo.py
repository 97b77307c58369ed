"""The `demo` command (a small NLI model trained here): a short run repeats byte for byte and writes a valid bundle."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from model_export.__main__ import build_parser
from model_export.bundle import validate_bundle
from model_export.demo import (
    DemoConfig,
    NliTrainConfig,
    TextPhaseConfig,
    content_words,
    description,
    make_demo,
    nli_pairs,
    topic_words,
)
from model_export.evaluate import ROW_CV
from model_export.files import load_json
from model_export.seed_labels import SEED_LABELS
from model_export.tokenizer import TokenizerTrainConfig
from model_export.train import TrainConfig

# A few words per seed label, so that a tiny synthetic data set has labels a model could learn.
_WORDS = {
    "Technology": ["software", "robots", "chips", "algorithm", "startup"],
    "Health": ["hospital", "vaccine", "patients", "doctors", "disease"],
    "Finance": ["shares", "investors", "banks", "bonds", "earnings"],
    "Economy": ["inflation", "wages", "exports", "unemployment", "tariffs"],
    "Environment": ["forests", "emissions", "wildlife", "pollution", "climate"],
}


def _tiny_data(path: Path, n: int = 60) -> Path:
    """n sentences, each with two seed labels and words of both."""
    rng = random.Random(7)
    names = [name for name, _ in SEED_LABELS]
    rows = []
    for i in range(n):
        a, b = names[i % 5], names[(i + 1 + i // 5 % 4) % 5]
        words = [rng.choice(_WORDS[a]), rng.choice(_WORDS[b]), rng.choice(_WORDS[a])]
        rows.append({"text": f"Report {i}: the {words[0]} and the {words[1]} changed as {words[2]} grew.", "labels": [a, b]})
    path.write_text(json.dumps(rows), encoding="utf-8")
    return path


def _tiny_config() -> DemoConfig:
    return DemoConfig(
        threads=1, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
        tokenizer=TokenizerTrainConfig(vocab_size=700),
        text_phase=TextPhaseConfig(steps=3, batch_size=8),
        nli=NliTrainConfig(epochs=1, batch_size=16, max_steps=4),
        heads=TrainConfig(epochs=2, patience=2, cv_folds=2),
        web_check="off",
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    data = _tiny_data(root / "tiny.json")
    make_demo(data, root / "a", _tiny_config(), progress=False)
    make_demo(data, root / "b", _tiny_config(), progress=False)
    return root / "a", root / "b"


def test_a_short_run_twice_gives_the_same_bytes(two_runs):
    a, b = two_runs
    files_a, files_b = _files(a), _files(b)
    assert sorted(files_a) == sorted(files_b)
    differ = [name for name in files_a if files_a[name] != files_b[name]]
    assert differ == []
    assert {"onnx/model.onnx", "onnx/model_fp16.onnx", "onnx/model_q4.onnx", "onnx/model_q4f16.onnx",
            "onnx/model_quantized.onnx", "onnx/heads.onnx", "evaluation.json", "evaluation.md", "spm.model"} <= set(files_a)


def test_a_short_run_writes_a_valid_demo_bundle(two_runs):
    a, _ = two_runs
    manifest = validate_bundle(a)  # schema, cross-field rules, size and sha256 of every file
    assert manifest.demo is True and manifest.id == "demo-seed-news"
    assert manifest.description == description(48)  # 80% of the 60 tiny texts
    assert [lab.name for lab in manifest.labels] == [name for name, _ in SEED_LABELS]
    assert [lab.head for lab in manifest.labels] == [True, False, True, True, True]
    table = load_json(a / "evaluation.json")
    assert table["backbone_training"]["steps"] == 4
    assert manifest.evaluation["headline"]["system"] == ROW_CV


def test_the_demo_command_is_registered():
    args = build_parser().parse_args(["demo", "--seed-data", "x.json", "--out", "out"])
    assert args.command == "demo" and args.epochs == DemoConfig().nli.epochs
    assert args.vocab_size == DemoConfig().tokenizer.vocab_size
    assert args.text_loss_weight == DemoConfig().nli.text_loss_weight == 1.0


def test_the_text_loss_kept_on_during_nli_changes_the_model(tmp_path, two_runs):
    config = _tiny_config()
    config.nli.text_loss_weight = 0.0
    make_demo(_tiny_data(tmp_path / "tiny.json"), tmp_path / "off", config, progress=False)
    off, on = _files(tmp_path / "off"), _files(two_runs[0])  # the two runs use the default weight, 1.0
    assert off["onnx/model.onnx"] != on["onnx/model.onnx"], "the text loss took part in the NLI steps"
    assert load_json(tmp_path / "off" / "evaluation.json")["backbone_training"]["config"]["text_loss_weight"] == 0.0
    assert load_json(two_runs[0] / "evaluation.json")["backbone_training"]["config"]["text_loss_weight"] == 1.0


def test_pairs_come_from_the_given_texts_and_say_entailment_as_the_labels_do():
    texts = ["Chip makers and software firms rallied.", "Hospitals reported fewer patients with the virus."]
    y = np.array([[1, 0, 1, 0, 0], [0, 1, 0, 0, 0]], dtype=np.float32)
    pairs = nli_pairs(texts, y, random.Random(0), words_per_text=2)
    seed = {SEED_LABELS[j][0]: f"This example is {SEED_LABELS[j][1]}." for j in range(5)}
    assert (0, seed["Technology"], 0) in pairs and (0, seed["Health"], 1) in pairs and (1, seed["Health"], 0) in pairs
    # Content words of the text entail; words of a text with no label in common do not.
    def word(h: str) -> str:
        return h.removeprefix("This text is about ").removesuffix(".")

    own = [cls for i, h, cls in pairs if i == 0 and word(h) in content_words(texts[0])]
    assert own and set(own) == {0}
    others = [cls for i, h, cls in pairs if i == 1 and word(h) in content_words(texts[0])]
    assert others and set(others) == {1}
    assert topic_words(SEED_LABELS[3][1]) == ["economic policy", "GDP", "employment", "trade", "inflation",
                                              "macroeconomic trends"]
