"""convert-checkpoint: a checkpoint of exactly the multihead_v2.pt format, built from random tensors,
round-trips into a bundle (PyTorch heads from the checkpoint == ONNX heads in the bundle)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from model_export.__main__ import main
from model_export.bundle import Manifest, validate_bundle
from model_export.checkpoint import CheckpointError, convert_checkpoint, load_checkpoint_dict
from model_export.features import OnnxBackbone, encode_ids
from model_export.heads import PolyHead, run_heads_onnx
from model_export.heads_testing import build_tiny_bundle
from model_export.validation import pad_rows

NAMES = ["Technology", "Health", "Finance", "Economy", "Environment"]
SPECIALISTS = ["Economy", "Technology", "Finance", "Environment"]  # the original's order
DESCRIPTIONS = {n: f"This text is about {n.lower()} and more" for n in NAMES}
CORPUS = ["Chips and software got faster.", "The bank raised rates.", "Forests burn in the heat."]


@pytest.fixture(scope="module")
def bundle_template(tmp_path_factory):
    return build_tiny_bundle(tmp_path_factory.mktemp("tiny") / "bundle", CORPUS, hidden_size=32)


@pytest.fixture()
def bundle(bundle_template, tmp_path):
    return shutil.copytree(bundle_template, tmp_path / "bundle")


def random_checkpoint(hidden: int, seed: int = 0, num_codes: int = 8, proj_dim: int = 256) -> dict:
    g = torch.Generator().manual_seed(seed)

    def r(*shape, scale=0.1):
        return torch.randn(*shape, generator=g) * scale

    states = {}
    for i, n in enumerate(SPECIALISTS):
        states[n] = {
            "codes.weight": r(num_codes, hidden, scale=0.5),
            "ctx_proj.0.weight": r(proj_dim, hidden),
            "ctx_proj.0.bias": r(proj_dim),
            "ctx_proj.2.weight": 1 + r(proj_dim),
            "ctx_proj.2.bias": r(proj_dim),
            "label_proj.0.weight": r(proj_dim, hidden),
            "label_proj.0.bias": r(proj_dim),
            "label_proj.2.weight": 1 + r(proj_dim),
            "label_proj.2.bias": r(proj_dim),
            # a 0-d tensor for some heads and a (1,) tensor for others: both occur in saved nn.Parameters
            "log_temp": torch.tensor(2.0 + 0.1 * i) if i % 2 else torch.tensor([2.0 + 0.1 * i]),
        }
    return {
        "poly_heads_state": states,
        "alpha_raws": {n: float(r(1, scale=0.3)) for n in SPECIALISTS},
        "label_embs": {n: r(hidden, scale=1.0) for n in SPECIALISTS},
        "specialist_labels": list(SPECIALISTS),
        "val_thresholds": {"Technology": 0.37, "Health": 0.03, "Finance": 0.30, "Economy": 0.38, "Environment": 0.28},
        "num_codes": num_codes,
        "proj_dim": proj_dim,
        "hidden_dim": hidden,
        "backbone_name": "MoritzLaurer/deberta-v3-large-zeroshot-v2.0",
        "label_names": list(NAMES),
        "label_descriptions": dict(DESCRIPTIONS),
        "best_macro_f1": 0.7027,
        "val_tuned_macro_f1": 0.9054,
    }


def reference_logits(ck: dict, label: str, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """PyTorch PolyHead loaded straight from the checkpoint's state dict."""
    head = PolyHead(ck["hidden_dim"], ck["num_codes"], ck["proj_dim"])
    state = {k: v.reshape(head.state_dict()[k].shape) for k, v in ck["poly_heads_state"][label].items()}
    head.load_state_dict(state)
    with torch.no_grad():
        return head.eval()(torch.from_numpy(hidden), torch.from_numpy(mask), ck["label_embs"][label]).numpy()


def test_convert_checkpoint_round_trip(bundle, tmp_path, capsys):
    ck = random_checkpoint(hidden=32)
    path = tmp_path / "multihead_v2.pt"
    torch.save(ck, path)
    assert main(["convert-checkpoint", "--bundle", str(bundle), "--checkpoint", str(path)]) == 0
    assert "| Technology | yes |" in capsys.readouterr().out

    m = validate_bundle(bundle)
    assert [lab.name for lab in m.labels] == NAMES
    for lab in m.labels:
        assert lab.description == DESCRIPTIONS[lab.name]
        assert lab.hypothesis == f"This example is {DESCRIPTIONS[lab.name]}."
        assert lab.threshold == ck["val_thresholds"][lab.name]
        assert lab.head == (lab.name in SPECIALISTS)
        if lab.head:
            assert lab.alpha == pytest.approx(1 / (1 + np.exp(-ck["alpha_raws"][lab.name])), abs=1e-7)
        else:
            assert lab.alpha is None
    assert m.heads["labels"] == ["Technology", "Finance", "Economy", "Environment"]
    assert m.heads["num_codes"] == 8 and m.heads["proj_dim"] == 256
    assert m.heads["max_abs_error"]["poly_logits"] <= 1e-5
    assert m.heads["source"]["kind"] == "checkpoint" and m.heads["source"]["val_tuned_macro_f1"] == 0.9054
    assert m.provenance.checkpoint == "multihead_v2.pt"
    assert m.evaluation is None
    assert m.heads["file"] in m.files

    # Real backbone hidden states of a padded batch, through the bundle's heads graph.
    bb = OnnxBackbone(bundle)
    texts = ["Chips and software got faster today.", "Rates.", "x " * 40]
    ids, mask = pad_rows(encode_ids(bb.tokenizer, texts, None, 64), bb.pad_id)
    _, hidden = bb.run(ids, mask)
    hidden[mask == 0] = 7.0  # garbage where padded: must not matter
    onnx_out = run_heads_onnx(bundle / m.heads["file"], hidden, mask)
    for j, name in enumerate(m.heads["labels"]):
        np.testing.assert_allclose(onnx_out[:, j], reference_logits(ck, name, hidden, mask), atol=1e-5, rtol=0)


def test_checkpoint_with_numpy_numbers_loads_weights_only(tmp_path):
    # Thresholds from a numpy grid are numpy scalars in a real torch.save'd dict.
    ck = random_checkpoint(hidden=16, proj_dim=8)
    ck["val_thresholds"] = {n: np.float64(v) for n, v in ck["val_thresholds"].items()}
    ck["alpha_raws"] = {n: np.float32(v) for n, v in ck["alpha_raws"].items()}
    ck["best_macro_f1"] = np.float64(0.7)
    ck["num_codes"] = np.int64(8)
    torch.save(ck, tmp_path / "np.pt")
    conv = convert_checkpoint(load_checkpoint_dict(tmp_path / "np.pt"))
    assert conv.thresholds == [0.37, 0.03, 0.30, 0.38, 0.28] and conv.extras["best_macro_f1"] == 0.7


def test_checkpoint_with_list_descriptions_and_custom_template():
    ck = random_checkpoint(hidden=16, proj_dim=8)
    ck["label_descriptions"] = [DESCRIPTIONS[n] for n in NAMES]
    conv = convert_checkpoint(ck, hypothesis_template="Is it {}?")
    assert conv.config.hypotheses[1] == f"Is it {DESCRIPTIONS['Health']}?"
    assert conv.thresholds == [0.37, 0.03, 0.30, 0.38, 0.28]


@pytest.mark.parametrize(
    "mutate,message",
    [
        (lambda ck: ck.pop("alpha_raws"), r"missing keys \['alpha_raws'\]"),
        (lambda ck: ck["poly_heads_state"]["Finance"].pop("log_temp"), r"missing \['log_temp'\]"),
        (lambda ck: ck["specialist_labels"].append("Sports"), r"\['Sports'\] are not in label_names"),
        (lambda ck: ck["val_thresholds"].pop("Health"), r"val_thresholds lacks 'Health'"),
        (lambda ck: ck.__setitem__("hidden_dim", 1024), r"hidden_dim 1024 does not match the bundle backbone hidden_size 32"),
    ],
)
def test_bad_checkpoints_give_clear_errors(mutate, message):
    ck = random_checkpoint(hidden=32, proj_dim=8)
    mutate(ck)
    with pytest.raises(CheckpointError, match=message):
        convert_checkpoint(ck, expected_hidden=32)


def test_cli_reports_bad_checkpoint_without_traceback(bundle, tmp_path, capsys):
    path = tmp_path / "not_a_checkpoint.pt"
    torch.save({"something": torch.zeros(2)}, path)
    assert main(["convert-checkpoint", "--bundle", str(bundle), "--checkpoint", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not a multihead_v2 checkpoint: missing keys" in err and "Traceback" not in err
    # The bundle is untouched.
    assert Manifest.load(bundle).heads is None
    validate_bundle(bundle)
