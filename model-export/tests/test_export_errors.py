"""Clear errors for bad sources: unknown model type, missing files, non-NLI configs, bad options."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from model_export.__main__ import main
from model_export.errors import ExportError
from model_export.export import ExportOptions, _prepare_out_dir
from model_export.source import (
    RANDOM_INIT_SHAPES,
    check_local_folder,
    load_source,
    random_init_config,
    resolve_nli_labels,
)


def _folder(tmp_path: Path, config: dict | None, weights: bool = True, tokenizer: bool = True) -> Path:
    folder = tmp_path / "model"
    folder.mkdir()
    if config is not None:
        (folder / "config.json").write_text(json.dumps(config))
    if weights:
        (folder / "model.safetensors").write_bytes(b"\0" * 16)
    if tokenizer:
        (folder / "spm.model").write_bytes(b"\0")
    return folder


NLI_CONFIG = {"model_type": "deberta-v2", "id2label": {"0": "entailment", "1": "not_entailment"},
              "label2id": {"entailment": 0, "not_entailment": 1}}


def test_unknown_model_type(tmp_path):
    folder = _folder(tmp_path, {**NLI_CONFIG, "model_type": "bert"})
    with pytest.raises(ExportError, match=r"unsupported model_type 'bert'.*DeBERTa-v2/v3"):
        load_source(str(folder))


def test_missing_folder(tmp_path):
    with pytest.raises(ExportError, match="model folder not found"):
        load_source(str(tmp_path / "nope"))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"config": None}, "missing file config.json"),
        ({"config": NLI_CONFIG, "weights": False}, r"missing weights.*model\.safetensors"),
        ({"config": NLI_CONFIG, "tokenizer": False}, r"missing tokenizer.*spm\.model"),
    ],
)
def test_missing_files(tmp_path, kwargs, message):
    folder = _folder(tmp_path, **kwargs)
    with pytest.raises(ExportError, match=message):
        check_local_folder(folder)
    with pytest.raises(ExportError, match=message):
        load_source(str(folder))


def test_non_nli_config_in_folder(tmp_path):
    folder = _folder(tmp_path, {"model_type": "deberta-v2", "id2label": {"0": "LABEL_0", "1": "LABEL_1"}})
    with pytest.raises(ExportError, match="not an NLI model"):
        load_source(str(folder))


def _cfg(id2label):
    return SimpleNamespace(id2label=id2label, label2id=None)


@pytest.mark.parametrize(
    "id2label, expected",
    [
        ({0: "entailment", 1: "not_entailment"}, (0, 1)),
        ({0: "NOT_ENTAILMENT", 1: "Entailment"}, (1, 0)),
        ({0: "Entailment", 1: "Not-Entailment"}, (0, 1)),
        ({0: "contradiction", 1: "neutral", 2: "entailment"}, (2, 0)),
        ({0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"}, (0, 2)),
        ({"0": "entailment", "1": "contradiction"}, (0, 1)),
    ],
)
def test_nli_label_resolution(id2label, expected):
    nli = resolve_nli_labels(_cfg(id2label))
    assert (nli.entailment_id, nli.not_entailment_id) == expected


@pytest.mark.parametrize(
    "id2label, message",
    [
        ({0: "LABEL_0", 1: "LABEL_1"}, "not an NLI model"),
        ({0: "positive"}, "not a 2- or 3-way"),
        ({0: "a", 1: "b", 2: "c", 3: "d"}, "not a 2- or 3-way"),
        ({}, "not a 2- or 3-way"),
        ({0: "neutral", 1: "contradiction"}, "no 'entailment'"),
        ({0: "entailment", 1: "neutral"}, "not_entailment"),
        ({0: "entailment", 1: "entailment"}, "not an NLI model"),
        ({0: "entailment", 1: "not_entailment", 2: "neutral"}, "3-way"),
    ],
)
def test_non_nli_configs_are_rejected(id2label, message):
    with pytest.raises(ExportError, match=message):
        resolve_nli_labels(_cfg(id2label))


def test_label2id_only_config():
    nli = resolve_nli_labels(SimpleNamespace(id2label=None, label2id={"entailment": 1, "not_entailment": 0}))
    assert (nli.entailment_id, nli.not_entailment_id) == (1, 0)


def test_cli_prints_a_clear_error_and_exits_non_zero(tmp_path, capsys):
    folder = _folder(tmp_path, {**NLI_CONFIG, "model_type": "roberta"})
    code = main(["export", str(folder), "--out", str(tmp_path / "out")])
    assert code != 0
    err = capsys.readouterr().err
    assert "error: unsupported model_type 'roberta'" in err and "Traceback" not in err


def test_cli_rejects_unknown_variant(tmp_path, capsys):
    code = main(["export", "--random-init", "xsmall", "--variants", "fp32,int2", "--out", str(tmp_path / "o")])
    assert code != 0 and "int2" in capsys.readouterr().err


def test_cli_refuses_to_overwrite_a_non_bundle_folder(tmp_path, capsys):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("do not delete")
    folder = _folder(tmp_path, NLI_CONFIG)
    with pytest.raises(ExportError, match="refusing to overwrite"):
        _prepare_out_dir(ExportOptions(out=out, source_model=str(folder)).out)
    assert (out / "thesis.tex").exists()


@pytest.mark.parametrize("size, hidden, layers, heads", [("xsmall", 384, 12, 6), ("base", 768, 12, 12), ("large", 1024, 24, 16)])
def test_random_init_configs_are_the_real_deberta_v3_shapes(size, hidden, layers, heads):
    c = random_init_config(size)
    assert (c.hidden_size, c.num_hidden_layers, c.num_attention_heads, c.intermediate_size) == (hidden, layers, heads, 4 * hidden)
    assert c.vocab_size == 128100 and c.max_position_embeddings == 512 and c.position_buckets == 256
    assert c.relative_attention and c.share_att_key and c.pos_att_type == ["p2c", "c2p"]
    assert c.norm_rel_ebd == "layer_norm" and not c.position_biased_input and c.type_vocab_size == 0
    assert resolve_nli_labels(c).entailment_id == 0


def test_unknown_random_init_size():
    assert set(RANDOM_INIT_SHAPES) == {"xsmall", "base", "large"}
    with pytest.raises(ExportError, match="unknown --random-init size"):
        random_init_config("huge")
