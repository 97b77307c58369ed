"""`train` end to end on a tiny real bundle: features from its fp32 ONNX graph (cached), the recipe,
heads + evaluation written into the bundle, determinism, and the checkpoint round trip."""

from __future__ import annotations

import json
import random
import shutil

import numpy as np
import pytest

from model_export import golden as gold
from model_export.__main__ import main
from model_export.bundle import Manifest, validate_bundle
from model_export.checkpoint import load_checkpoint_dict
from model_export.data import load_label_config
from model_export.features import OnnxBackbone, encode_ids, load_or_compute_features
from model_export.files import write_golden
from model_export.heads import run_heads_onnx
from model_export.heads_testing import build_tiny_bundle
from model_export.source import load_source
from model_export.tokenizer import load_bundle_tokenizer

WORDS = {
    "Tech": ["software", "chips", "robots", "computer", "internet", "phone"],
    "Money": ["bank", "stock", "shares", "profit", "investors", "interest"],
    "Nature": ["forest", "river", "wildlife", "ocean", "species", "carbon"],
}
FILLER = ["the", "report", "said", "today", "new", "city", "people", "week", "after", "many"]
CONFIG = {
    "hypothesis_template": "This text is about {}.",
    "labels": [
        {"name": "Tech", "description": "technology", "specialist": True},
        {"name": "Money", "description": "finance", "specialist": True},
        {"name": "Nature", "description": "nature", "specialist": False},
    ],
}


def make_data(n: int = 150, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        labels = [lab for lab in WORDS if rng.random() < 0.5] or [rng.choice(list(WORDS))]
        words = [rng.choice(FILLER) for _ in range(rng.randint(3, 8))]
        for lab in labels:
            words.insert(rng.randint(0, len(words)), rng.choice(WORDS[lab]))
        rows.append({"text": " ".join(words).capitalize() + ".", "labels": labels})
    return rows


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("train")
    rows = make_data()
    data = root / "data.json"
    data.write_text(json.dumps(rows))
    labels = root / "labels.json"
    labels.write_text(json.dumps(CONFIG))
    corpus = [r["text"] for r in rows] + [w for ws in WORDS.values() for w in ws]
    template = build_tiny_bundle(root / "template", corpus, hidden_size=32, seed=0, keep_source=root / "source")
    return root, template, data, labels


def _train(setup, name, *extra, mode=("--backbone-model",)):
    """Train a copy of the template; the default mode runs the recipe's dropout pass through the kept PyTorch source."""
    root, template, data, labels = setup
    bundle = shutil.copytree(template, root / name)
    mode = [*mode, str(root / "source")] if mode == ("--backbone-model",) else list(mode)
    argv = ["train", "--bundle", str(bundle), "--data", str(data), "--labels", str(labels), "--cache-dir", str(root / "cache"),
            "--epochs", "8", "--lr", "3e-3", "--no-progress", *mode, *extra]
    assert main(argv) == 0
    return bundle


def test_train_writes_heads_evaluation_and_manifest(setup, capsys):
    bundle = _train(setup, "a", "--save-checkpoint", str(setup[0] / "a.pt"))
    out = capsys.readouterr().out
    assert "| NLI baseline (t=0.5) |" in out and "| Hybrid (CV thresholds) |" in out

    m = validate_bundle(bundle)  # sizes + sha256 of every file, no unlisted files
    assert [lab.name for lab in m.labels] == ["Tech", "Money", "Nature"]
    assert [lab.hypothesis for lab in m.labels] == [
        "This text is about technology.", "This text is about finance.", "This text is about nature."]
    assert [lab.head for lab in m.labels] == [True, True, False]
    assert m.labels[2].alpha is None and all(0 < lab.alpha < 1 for lab in m.labels[:2])
    assert m.heads["labels"] == ["Tech", "Money"] and m.heads["hidden_size"] == 32
    assert m.heads["max_abs_error"]["poly_logits"] <= 1e-5
    assert m.heads["source"]["kind"] == "trained" and m.heads["source"]["data"]["examples"] == 150
    assert {"onnx/heads.onnx", "evaluation.json", "evaluation.md"} <= set(m.files)

    table = json.loads((bundle / "evaluation.json").read_text())
    assert m.evaluation["json"] == "evaluation.json" and m.evaluation["markdown"] == "evaluation.md"
    assert m.evaluation["rows"] == table["rows"]
    rows = {r["system"]: r for r in table["rows"]}
    assert table["split"]["train"] == 120 and table["split"]["val"] == 30
    tuned = rows["Hybrid (val-tuned)"]["thresholds"]
    assert [lab.threshold for lab in m.labels] == [tuned["Tech"], tuned["Money"], tuned["Nature"]]
    # The random backbone's NLI is noise; the heads read the keywords from the token states.
    assert rows["Hybrid (t=0.5)"]["per_label_f1"]["Tech"] > rows["NLI baseline (t=0.5)"]["per_label_f1"]["Tech"]
    assert rows["Hybrid (t=0.5)"]["macro_f1"] > rows["NLI baseline (t=0.5)"]["macro_f1"]
    # Nature has no head: its hybrid score is its NLI score.
    assert rows["Hybrid (t=0.5)"]["per_label_f1"]["Nature"] == rows["NLI baseline (t=0.5)"]["per_label_f1"]["Nature"]
    header = "| System | Macro F1 | Hamming acc | Exact match | Macro P | Macro R | Tech | Money | Nature |"
    assert header in (bundle / "evaluation.md").read_text()
    # The recipe's dropout pass ran through the PyTorch source, checked against the fp32 graph first.
    assert table["training"]["text_pass"] == m.heads["source"]["text_pass"] == "backbone in train mode (dropout)"
    check = table["training"]["backbone_check"]
    assert check["model"] == "source" and max(check["max_abs_error"].values()) <= 1e-4
    # Stored thresholds are the raw np.arange grid floats, in the manifest and the table alike.
    grid = set(np.arange(0.01, 0.99, 0.01).tolist())
    assert {lab.threshold for lab in m.labels} <= grid and set(tuned.values()) <= grid
    assert table["history"][0]["lr"] == 3e-3

    # Re-training over the same inputs reuses the cached features and gives identical bytes.
    again = _train(setup, "b", "--save-checkpoint", str(setup[0] / "b.pt"))
    for rel in ("onnx/heads.onnx", "evaluation.json", "evaluation.md", "manifest.json"):
        assert (bundle / rel).read_bytes() == (again / rel).read_bytes(), rel

    # The saved multihead_v2-format checkpoint converts back to the same heads.
    ck = load_checkpoint_dict(setup[0] / "a.pt")
    assert ck["specialist_labels"] == ["Tech", "Money"] and ck["hidden_dim"] == 32
    conv = shutil.copytree(setup[1], setup[0] / "conv")
    assert main(["convert-checkpoint", "--bundle", str(conv), "--checkpoint", str(setup[0] / "a.pt"),
                 "--hypothesis-template", "This text is about {}."]) == 0
    mc = validate_bundle(conv)
    assert [(lab.name, lab.hypothesis, lab.alpha, lab.threshold) for lab in mc.labels] == [
        (lab.name, lab.hypothesis, lab.alpha, lab.threshold) for lab in m.labels
    ]
    assert (conv / "onnx/heads.onnx").read_bytes() == (bundle / "onnx/heads.onnx").read_bytes()


def test_cached_features_mode_and_a_bundle_without_a_pytorch_source(setup, capsys):
    root, template, data, labels = setup
    # The template's manifest names no usable PyTorch model ("test:..."): the default mode says what to pass.
    bundle = shutil.copytree(template, root / "nosource")
    assert main(["train", "--bundle", str(bundle), "--data", str(data), "--labels", str(labels),
                 "--cache-dir", str(root / "cache"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "--backbone-model PATH_OR_HUB_ID" in err and "--cached-features" in err and "Traceback" not in err
    assert Manifest.load(bundle).heads is None
    # --cached-features trains on eval-mode features (no PyTorch model) and says so; the heads differ.
    cached = _train(setup, "cached", "--epochs", "2", mode=("--cached-features",))
    dropout = _train(setup, "dropout", "--epochs", "2")
    table = json.loads((cached / "evaluation.json").read_text())
    assert table["training"]["text_pass"] == "cached eval-mode features" and "backbone_check" not in table["training"]
    assert (cached / "onnx/heads.onnx").read_bytes() != (dropout / "onnx/heads.onnx").read_bytes()
    # Both options at once is a usage error.
    with pytest.raises(SystemExit):
        main(["train", "--bundle", str(bundle), "--data", str(data), "--labels", str(labels), "--cached-features",
              "--backbone-model", str(root / "source")])


def test_default_backbone_model_is_the_manifests_source_folder(setup):
    root, template, data, labels = setup
    # What `export FOLDER` records: provenance.source_model = the folder. No --backbone-model needed then.
    bundle = shutil.copytree(template, root / "exported")
    m = Manifest.load(bundle)
    m.provenance.source_model = str(root / "source")
    m.save(bundle)
    assert main(["train", "--bundle", str(bundle), "--data", str(data), "--labels", str(labels),
                 "--cache-dir", str(root / "cache"), "--epochs", "1", "--no-progress"]) == 0
    table = json.loads((bundle / "evaluation.json").read_text())
    assert table["training"]["text_pass"] == "backbone in train mode (dropout)"
    assert table["training"]["backbone_check"]["model"] == "source"


def test_features_match_the_backbone_and_keep_the_hypothesis(setup):
    _, template, _, _ = setup
    cfg = load_label_config(setup[3])
    long_text = " ".join(["software"] * 300)
    texts = ["Robots at the bank.", long_text]
    feat, cached = load_or_compute_features(template, texts, cfg.hypotheses, cfg.descriptions, cache_dir="", progress=False)
    assert cached is False
    bb = OnnxBackbone(template)
    # Pair ids: the text is cut, the hypothesis stays whole, at max_length_pair (128).
    ids = encode_ids(bb.tokenizer, [long_text], [cfg.hypotheses[0]], 128)[0]
    hyp_ids = bb.tokenizer.encode(cfg.hypotheses[0])
    assert len(ids) == 128 and ids[-len(hyp_ids) - 1 : -1] == hyp_ids and ids[-1] == bb.manifest.tokenizer.sep_token_id
    logits, _ = bb.run(np.array([ids]), np.ones((1, len(ids)), dtype=np.int64))
    assert abs(float(bb.entailment(logits)[0]) - float(feat.nli[1, 0])) < 1e-5
    # Text-only pass: truncated to max_length_text (64), padded positions zero with mask 0.
    assert feat.hidden.shape == (2, 64, 32) and feat.mask[1].sum() == 64 and feat.mask[0].sum() < 64
    t = int(feat.mask[0].sum())
    single = encode_ids(bb.tokenizer, ["Robots at the bank."], None, 64)[0]
    _, h = bb.run(np.array([single]), np.ones((1, len(single)), dtype=np.int64))
    np.testing.assert_allclose(feat.hidden[0, :t], h[0], atol=1e-5)
    assert np.all(feat.hidden[0, t:] == 0)
    # Label embeddings: masked mean over the description's own tokens.
    d = encode_ids(bb.tokenizer, [cfg.descriptions[2]], None, 64)[0]
    _, hd = bb.run(np.array([d]), np.ones((1, len(d)), dtype=np.int64))
    np.testing.assert_allclose(feat.label_embs[2], hd[0].mean(axis=0), atol=1e-5)


def test_train_rejects_bad_data_with_a_clear_message(setup, tmp_path, capsys):
    _, template, _, labels = setup
    bundle = shutil.copytree(template, tmp_path / "bundle")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"text": "chips", "labels": ["Tech", "Sports"]}]))
    assert main(["train", "--bundle", str(bundle), "--data", str(bad), "--labels", str(labels), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "unknown label 'Sports'" in err and "Traceback" not in err
    assert Manifest.load(bundle).heads is None


def test_heads_golden_from_pytorch(tmp_path):
    rows = make_data(60, seed=3)
    data = tmp_path / "data.json"
    data.write_text(json.dumps(rows))
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps(CONFIG))
    bundle = build_tiny_bundle(tmp_path / "bundle", [r["text"] for r in rows], hidden_size=32, seed=5,
                               keep_source=tmp_path / "source")
    assert main(["train", "--bundle", str(bundle), "--data", str(data), "--labels", str(labels), "--cache-dir", "",
                 "--epochs", "2", "--no-progress", "--save-checkpoint", str(tmp_path / "heads.pt"),
                 "--backbone-model", str(tmp_path / "source")]) == 0
    model, _ = load_source(str(tmp_path / "source"))
    m = Manifest.load(bundle)
    texts = [gold.GoldenText("robots", "Robots at the bank."), gold.GoldenText("empty", ""),
             gold.GoldenText("long", "forest " * 100)]
    gpath = tmp_path / "tiny.golden.json"
    write_golden(gold.build_golden(model, load_bundle_tokenizer(bundle), m, bundle, texts), gpath)
    out = tmp_path / "tiny.heads.golden.json"
    assert main(["heads-golden", "--bundle", str(bundle), "--checkpoint", str(tmp_path / "heads.pt"), "--golden", str(gpath),
                 "--out", str(out), "--source", str(tmp_path / "source")]) == 0
    doc = json.loads(out.read_text())
    assert doc["heads_labels"] == ["Tech", "Money"] and [lab["name"] for lab in doc["labels"]] == ["Tech", "Money", "Nature"]
    assert doc["checks"]["backbone_logits_vs_backbone_golden"] <= 1e-4
    assert doc["checks"]["heads_onnx_vs_pytorch_poly_logits"] <= 1e-5
    assert [t["name"] for t in doc["texts"]] == ["robots", "empty", "long"]
    # nli is the backbone golden's entailment rounded to 6 decimals (the original's blend input).
    backbone_golden = json.loads(gpath.read_text())
    hyp = [h["hypothesis"] for h in backbone_golden["hypotheses"]]
    for t, bt in zip(doc["texts"], backbone_golden["texts"], strict=True):
        for s, lab in zip(t["scores"], m.labels, strict=True):
            raw = bt["pairs"][hyp.index(lab.hypothesis)]["entailment"]
            assert s["nli"] == round(raw, 6)
    assert any(round(p["entailment"], 6) != p["entailment"] for bt in backbone_golden["texts"] for p in bt["pairs"])
    bb = OnnxBackbone(bundle)
    for t in doc["texts"]:
        ids = np.array([t["text_ids"]])
        assert len(t["text_ids"]) <= 64
        _, h = bb.run(ids, np.ones_like(ids))
        onnx_logits = run_heads_onnx(bundle / m.heads["file"], h, np.ones_like(ids))[0]
        np.testing.assert_allclose(onnx_logits, t["poly_logits"], atol=1e-4)
        for s, lab in zip(t["scores"], m.labels, strict=True):
            assert s["label"] == lab.name and s["threshold"] == lab.threshold
            if lab.head:
                poly = 1 / (1 + np.exp(-s["poly_logit"]))
                assert s["poly"] == pytest.approx(poly, abs=1e-7)
                assert s["blended"] == pytest.approx(lab.alpha * s["nli"] + (1 - lab.alpha) * poly, abs=1e-7)
            else:
                assert s["poly"] is None and s["blended"] == s["nli"]
            assert s["predicted"] == (s["blended"] >= lab.threshold)
