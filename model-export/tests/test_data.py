"""Data and label-config loading: formats, the original split, clear errors on bad data."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from model_export.data import DataError, load_dataset, load_label_config, parse_label_config, split_indices
from model_export.errors import ExportError

SEED_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "seed-labels.json"
LABELS = ["Tech", "Health", "Money"]


def _json(tmp_path, rows):
    p = tmp_path / "d.json"
    p.write_text(json.dumps(rows))
    return p


def test_seed_label_config_reproduces_original_hypotheses():
    cfg = load_label_config(SEED_CONFIG)
    assert cfg.names == ["Technology", "Health", "Finance", "Economy", "Environment"]
    assert cfg.specialists == ["Technology", "Finance", "Economy", "Environment"]
    assert cfg.hypotheses[0] == (
        "This example is This text is about technology, software, hardware, artificial intelligence, or digital innovation."
    )
    assert cfg.spec("Health").description == (
        "This text is about medicine, healthcare, wellness, disease, medical research, or public health"
    )


def test_label_config_defaults_and_errors():
    cfg = parse_label_config({"labels": [
        {"name": "Sports"}, {"name": "Art", "description": "painting", "specialist": False, "hypothesis": "Art!"}]})
    assert cfg.hypotheses == ["This text is about Sports.", "Art!"]
    assert cfg.specialists == ["Sports"]
    with pytest.raises(DataError, match="duplicate"):
        parse_label_config({"labels": [{"name": "A"}, {"name": "A"}]})
    with pytest.raises(DataError, match="unknown keys"):
        parse_label_config({"labels": [{"name": "A", "specailist": True}]})
    with pytest.raises(DataError, match="placeholder"):
        parse_label_config({"hypothesis_template": "no slot", "labels": [{"name": "A"}]})


def test_json_dataset(tmp_path):
    p = _json(tmp_path, [{"text": "a", "labels": ["Tech", "Money"]}, {"text": "b", "labels": ["Health"]},
                         {"text": "c", "labels": "Tech|Health"}])
    ds = load_dataset(p, LABELS)
    assert ds.texts == ["a", "b", "c"]
    np.testing.assert_array_equal(ds.y, [[1, 0, 1], [0, 1, 0], [1, 1, 0]])


def test_csv_label_columns_and_delimited(tmp_path):
    p = tmp_path / "cols.csv"
    p.write_text("text,Tech,Health,Money\nfirst,1,0,1\n\"second, with comma\",0,1,0\n")
    ds = load_dataset(p, LABELS)
    assert ds.texts == ["first", "second, with comma"]
    np.testing.assert_array_equal(ds.y, [[1, 0, 1], [0, 1, 0]])
    q = tmp_path / "delim.csv"
    q.write_text("sentence,labels\nfirst,Tech;Money\nsecond,Health\n")
    ds = load_dataset(q, LABELS)
    np.testing.assert_array_equal(ds.y, [[1, 0, 1], [0, 1, 0]])


@pytest.mark.parametrize(
    "rows,message",
    [
        ([{"text": "a", "labels": ["Tech", "Sport"]}, {"text": "b", "labels": ["Health", "Money"]}],
         r"item 0: unknown label 'Sport'"),
        ([{"text": "a", "labels": ["Tech", "Money"]}, {"text": "  ", "labels": ["Health"]}], r"item 1: empty text"),
        ([{"text": "a", "labels": ["Tech"]}, {"text": "b", "labels": ["Health"]}],
         r"no positive example for label\(s\) \['Money'\]"),
        ([], r"no examples"),
    ],
)
def test_bad_data_gives_clear_errors(tmp_path, rows, message):
    with pytest.raises(DataError, match=message) as info:
        load_dataset(_json(tmp_path, rows), LABELS)
    assert isinstance(info.value, ExportError)  # the CLI prints it without a traceback


def test_csv_errors(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("text,Tech,Health,Money\nx,1,0,2\n")
    with pytest.raises(DataError, match="must be 0 or 1"):
        load_dataset(p, LABELS)
    p.write_text("body,Tech\nx,1\n")
    with pytest.raises(DataError, match="no text column"):
        load_dataset(p, LABELS)


def test_split_is_the_original_one():
    train, val = split_indices(1000)
    idx = list(range(1000))
    random.seed(42)
    random.shuffle(idx)
    assert train == idx[:800] and val == idx[800:]
    # It leaves the global random state alone.
    random.seed(7)
    a = random.random()
    random.seed(7)
    split_indices(10)
    assert random.random() == a
