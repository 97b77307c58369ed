"""The bundle's tokenizer.json (as transformers.js reads it) against the Python tokenizer, and only-first truncation."""

from __future__ import annotations

import json

import pytest
from tokenizers import Tokenizer

from model_export import validation as val
from model_export.errors import ExportError
from model_export.export import FIXTURE_BUNDLE
from model_export.fixture import DEFAULT_GOLDEN
from model_export.golden import load_golden
from model_export.tokenizer import WHITE_SPACE_CLASS, load_bundle_tokenizer, portable_normalizer

# Characters whose whitespace status differs between Rust/Oniguruma and JavaScript, plus
# controls and zero-width characters, in the positions where normalisers treat them differently.
_TRICKY = [chr(c) for c in list(range(0, 0x21)) + [0x7F, 0x85, 0xA0, 0x1680, 0x180E, 0x2000, 0x2005, 0x200A, 0x200B,
                                                   0x200C, 0x200D, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF, 0x2581]]
STRESS = [s for c in _TRICKY for s in (f"a{c}b", f"a{c}{c}b", f"a{c}", f"{c}a", f"a {c}", f"a{c} b", c, c + c,
                                       f"a {c} {c} b", f"x{c}\u0301y")]


@pytest.fixture(scope="module")
def py_tok():
    return load_bundle_tokenizer(FIXTURE_BUNDLE)


@pytest.fixture(scope="module")
def raw_tok():
    return Tokenizer.from_file(str(FIXTURE_BUNDLE / "tokenizer.json"))


@pytest.fixture(scope="module")
def golden():
    return load_golden(DEFAULT_GOLDEN)


def _all_texts(golden):
    return [t["text"] for t in golden["texts"]] + [h["hypothesis"] for h in golden["hypotheses"]] + STRESS


def test_special_token_layout(py_tok, raw_tok, golden):
    expected = {"[PAD]": 0, "[CLS]": 1, "[SEP]": 2, "[UNK]": 3}
    for token, idx in expected.items():
        assert raw_tok.token_to_id(token) == idx
    assert (py_tok.pad_token_id, py_tok.cls_token_id, py_tok.sep_token_id, py_tok.unk_token_id) == (0, 1, 2, 3)
    assert raw_tok.token_to_id("[MASK]") == py_tok.mask_token_id == golden["special_tokens"]["mask"]
    assert golden["special_tokens"] == {"cls": 1, "sep": 2, "pad": 0, "unk": 3, "mask": py_tok.mask_token_id}
    config = json.loads((FIXTURE_BUNDLE / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == "DebertaV2Tokenizer" and config["model_max_length"] == 512


def test_tokenizer_json_equals_python_tokenizer(py_tok, raw_tok, golden):
    """tokenizers (Rust, reading tokenizer.json as transformers.js does) == transformers' DebertaV2Tokenizer."""
    mismatches = []
    for text in _all_texts(golden):
        if py_tok(text)["input_ids"] != raw_tok.encode(text).ids:
            mismatches.append(text[:60])
        if py_tok(text, "This text is about sports.")["input_ids"] != raw_tok.encode(text, "This text is about sports.").ids:
            mismatches.append(("pair", text[:60]))
    assert not mismatches, f"{len(mismatches)} texts tokenise differently: {mismatches[:5]!r}"


def test_tokenizer_json_has_no_baked_in_truncation_or_padding():
    data = json.loads((FIXTURE_BUNDLE / "tokenizer.json").read_text(encoding="utf-8"))
    assert data["truncation"] is None and data["padding"] is None


def test_normalizer_is_portable(raw_tok):
    normalizer = json.loads((FIXTURE_BUNDLE / "tokenizer.json").read_text(encoding="utf-8"))["normalizer"]
    text = json.dumps(normalizer)
    assert "Strip" not in text and "\\\\s" not in text
    # Spot checks of the Rust meaning that JavaScript engines also implement this way.
    norm = raw_tok.normalizer
    assert norm.normalize_str("a  \t b \u0085") == "a b"
    assert norm.normalize_str("a\ufeff") == "a\ufeff"
    assert norm.normalize_str("e\u0301") == "\u00e9"


def test_portable_normalizer_rewrites_strip_and_backslash_s():
    node = {"type": "Sequence", "normalizers": [
        {"type": "Replace", "pattern": {"Regex": "\\s{2,}|[\\n\\r\\t]"}, "content": " "},
        {"type": "NFC"},
        {"type": "Strip", "strip_left": True, "strip_right": True},
    ]}
    out = portable_normalizer(node)["normalizers"]
    assert [n["type"] for n in out] == ["Replace", "NFC", "Replace", "Replace"]
    assert out[0]["pattern"]["Regex"] == WHITE_SPACE_CLASS + "{2,}|[\\n\\r\\t]"
    assert out[2]["pattern"]["Regex"] == "^" + WHITE_SPACE_CLASS + "+"
    assert out[3]["pattern"]["Regex"] == WHITE_SPACE_CLASS + "+$"
    with pytest.raises(ExportError, match="portable"):
        portable_normalizer({"type": "Replace", "pattern": {"Regex": "[\\sx]"}, "content": ""})


def test_only_first_truncation_never_cuts_the_hypothesis(py_tok, golden):
    sep, cls = golden["special_tokens"]["sep"], golden["special_tokens"]["cls"]
    max_len = golden["max_length_pair"]
    hyp_ids = [py_tok(h["hypothesis"], add_special_tokens=False)["input_ids"] for h in golden["hypotheses"]]
    truncated = 0
    for t in golden["texts"]:
        text_ids = py_tok(t["text"], add_special_tokens=False)["input_ids"]
        for pair, hyp in zip(t["pairs"], hyp_ids):
            ids = pair["input_ids"]
            assert len(ids) <= max_len
            assert ids[0] == cls and ids[-1] == sep
            assert ids[-len(hyp) - 2:] == [sep, *hyp, sep], f"hypothesis cut in {t['name']}"
            room = max_len - len(hyp) - 3
            assert ids == [cls, *text_ids[:room], sep, *hyp, sep], t["name"]
            truncated += len(text_ids) > room
    assert truncated >= 2 * len(hyp_ids), "golden set must contain texts longer than max_length_pair"


def test_only_first_truncation_with_a_long_hypothesis(py_tok):
    long_hyp = "This text is about " + ", ".join(["economic policy and trade"] * 40) + "."
    text = "word " * 2000
    ids = val.encode_pairs(py_tok, [(text, long_hyp)], 512).ids[0]
    hyp = py_tok(long_hyp, add_special_tokens=False)["input_ids"]
    assert len(ids) == 512 and ids[-len(hyp) - 1:-1] == hyp


def test_text_only_pass_truncates_to_max_length_text(golden):
    for t in golden["texts"]:
        ids = t["text_ids"]
        assert len(ids) <= golden["max_length_text"] and ids[0] == 1 and ids[-1] == 2
    assert max(len(t["text_ids"]) for t in golden["texts"]) == golden["max_length_text"]
