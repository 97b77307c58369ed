"""The bundle tokenizer against the model's own sentencepiece model: files, corpus ids, truncation."""

from __future__ import annotations

import base64
import json
import unicodedata
from itertools import pairwise

import pytest
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb
from tokenizers import Tokenizer

from model_export import validation as val
from model_export.bundle import Manifest
from model_export.errors import ExportError
from model_export.files import FIXTURE_BUNDLE, load_golden, sha256_file
from model_export.fixture import DEFAULT_GOLDEN, long_texts_golden_path, tokenizer_golden_path
from model_export.golden import HEAD_IDS, build_long_texts_golden
from model_export.tokenizer import (
    SPECIALS,
    BundleTokenizer,
    TokenizerTrainConfig,
    generated_corpus,
    load_bundle_tokenizer,
    tokenizer_json,
    train_sentencepiece,
)
from model_export.tokenizer_corpus import _chars_changed_by_nfkc, _controls_and_spaces, tokenizer_corpus

LITERALS = tuple(SPECIALS.values())


@pytest.fixture(scope="module")
def spm_bytes() -> bytes:
    return (FIXTURE_BUNDLE / "spm.model").read_bytes()


@pytest.fixture(scope="module")
def sp(spm_bytes):
    return spm.SentencePieceProcessor(model_proto=spm_bytes)


@pytest.fixture(scope="module")
def tok():
    return load_bundle_tokenizer(FIXTURE_BUNDLE)


@pytest.fixture(scope="module")
def golden():
    return load_golden(DEFAULT_GOLDEN)


@pytest.fixture(scope="module")
def tok_golden():
    return load_golden(tokenizer_golden_path(DEFAULT_GOLDEN))


def test_fixture_tokenizer_uses_deberta_v3_normalisation(spm_bytes):
    proto = pb.ModelProto()
    proto.ParseFromString(spm_bytes)
    norm = proto.normalizer_spec
    assert norm.name == "nmt_nfkc" and len(norm.precompiled_charsmap) > 100_000
    assert norm.add_dummy_prefix and norm.remove_extra_whitespaces and norm.escape_whitespaces


def test_tokenizer_json_is_the_sentencepiece_model(spm_bytes):
    """tokenizer.json (what transformers.js reads) carries exactly the pieces, scores and character map of spm.model."""
    written = json.loads((FIXTURE_BUNDLE / "tokenizer.json").read_text(encoding="utf-8"))
    assert written == tokenizer_json(spm_bytes)
    proto = pb.ModelProto()
    proto.ParseFromString(spm_bytes)
    vocab = written["model"]["vocab"]
    assert [p for p, _ in vocab] == [p.piece for p in proto.pieces] + ["[MASK]"]
    normal = [(v[1], p.score) for v, p in zip(vocab[:-1], proto.pieces, strict=True)
              if p.type == pb.ModelProto.SentencePiece.NORMAL]
    assert all(a == b for a, b in normal) and len(normal) > 3000
    step = written["normalizer"]["normalizers"][0]
    assert step["type"] == "Precompiled"
    assert base64.b64decode(step["precompiled_charsmap"]) == proto.normalizer_spec.precompiled_charsmap
    assert written["pre_tokenizer"] == {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": False}
    assert written["truncation"] is None and written["padding"] is None


def test_special_token_layout(tok):
    raw = Tokenizer.from_file(str(FIXTURE_BUNDLE / "tokenizer.json"))
    for token, idx in {"[PAD]": 0, "[CLS]": 1, "[SEP]": 2, "[UNK]": 3, "[MASK]": tok.mask_token_id}.items():
        assert raw.token_to_id(token) == idx
    assert (tok.pad_token_id, tok.cls_token_id, tok.sep_token_id, tok.unk_token_id) == (0, 1, 2, 3)
    assert tok.mask_token_id == tok.vocab_size - 1
    config = json.loads((FIXTURE_BUNDLE / "tokenizer_config.json").read_text())
    assert config["tokenizer_class"] == "DebertaV2Tokenizer" and config["model_max_length"] == 512
    assert tok.encode("[CLS] x [SEP][MASK]")[:1] == [1] and tok.encode("[CLS] x [SEP][MASK]")[-2:] == [2, tok.mask_token_id]


def test_corpus_covers_what_it_promises():
    corpus = tokenizer_corpus()
    assert len(corpus) >= 500 and corpus == tokenizer_corpus(), "the corpus must be deterministic"
    text = "".join(corpus)
    present = set(text)
    for category, chars in _chars_changed_by_nfkc().items():
        assert present & set(chars), f"no character of category {category} that NFKC changes"
    missing = [hex(ord(c)) for c in _controls_and_spaces() if c not in present]
    assert not missing, f"control/space characters missing: {missing}"
    assert "\u200d" in text and "\ufeff" in text and "\u200b" in text
    assert any("\u0590" <= c <= "\u06ff" for c in present), "RTL scripts"
    assert any("\u4e00" <= c <= "\u9fff" for c in present) and any("\uac00" <= c <= "\ud7a3" for c in present)
    # Combining marks out of canonical order: NFC would reorder them, sentencepiece's map does not.
    out_of_order = [s for s in corpus if any(unicodedata.combining(a) > unicodedata.combining(b) > 0 for a, b in pairwise(s))]
    assert len(out_of_order) >= 20
    assert max(map(len, corpus)) >= 300


def test_tokenizer_golden_holds_sentencepiece_ids(tok_golden, sp, tok, spm_bytes):
    """The ids the browser tests compare with are the native sentencepiece ids of the bundle's spm.model."""
    for rel, digest in tok_golden["bundle_files_sha256"].items():
        assert sha256_file(FIXTURE_BUNDLE / rel) == digest, f"tokenizer golden is stale for {rel}"
    texts = [t["text"] for t in tok_golden["texts"]]
    assert texts == tokenizer_corpus()
    mismatches = []
    for t in tok_golden["texts"]:
        if t["ids"] != tok.encode(t["text"]):
            mismatches.append(t["text"][:40])
        if not any(lit in t["text"] for lit in LITERALS) and t["ids"] != sp.encode(t["text"]):
            mismatches.append(("sentencepiece", t["text"][:40]))
    assert not mismatches, f"{len(mismatches)} texts: {mismatches[:5]!r}"


def test_stock_tokenizer_json_pipeline_misses_sentencepiece_on_the_corpus(tok_golden):
    """Why the browser swaps in an exact map and Viterbi: stock tokenizers on tokenizer.json differs from
    sentencepiece on this corpus (a corpus that could not show it would prove nothing)."""
    stock = Tokenizer.from_file(str(FIXTURE_BUNDLE / "tokenizer.json"))
    differ = [t["text"] for t in tok_golden["texts"] if stock.encode(t["text"], add_special_tokens=False).ids != t["ids"]]
    digits_only = [s for s in differ if s.isascii()]
    assert len(differ) >= 20 and digits_only, (len(differ), digits_only[:3])


def test_a_model_without_a_character_map(tmp_path):
    """sentencepiece's 'identity' rule has no map: tokenizer.json then holds only the whitespace steps."""
    model = train_sentencepiece(generated_corpus(), TokenizerTrainConfig(vocab_size=400, normalization_rule_name="identity"))
    doc = tokenizer_json(model)
    assert [s["type"] for s in doc["normalizer"]["normalizers"]] == ["Replace", "Replace", "Replace"]
    tok, sp_ = BundleTokenizer(model), spm.SentencePieceProcessor(model_proto=model)
    for text in tokenizer_corpus()[::7]:
        if not any(lit in text for lit in LITERALS):
            assert tok.encode(text) == sp_.encode(text)


@pytest.mark.parametrize("change, message", [
    (lambda p: setattr(p.trainer_spec, "model_type", pb.TrainerSpec.BPE), "only UNIGRAM"),
    (lambda p: setattr(p.trainer_spec, "byte_fallback", True), "byte_fallback"),
    (lambda p: setattr(p.pieces[1], "piece", "<s>"), "DeBERTa-v3 layout"),
])
def test_unsupported_sentencepiece_models_are_refused(spm_bytes, change, message):
    proto = pb.ModelProto()
    proto.ParseFromString(spm_bytes)
    change(proto)
    with pytest.raises(ExportError, match=message):
        tokenizer_json(proto.SerializeToString())
    with pytest.raises(ExportError, match="not a sentencepiece model"):
        tokenizer_json(b"\x00garbage")


def test_only_first_truncation_never_cuts_the_hypothesis(tok, golden):
    sep, cls = golden["special_tokens"]["sep"], golden["special_tokens"]["cls"]
    max_len = golden["max_length_pair"]
    hyp_ids = [tok.encode(h["hypothesis"]) for h in golden["hypotheses"]]
    truncated = 0
    for t in golden["texts"]:
        text_ids = tok.encode(t["text"])
        for pair, hyp in zip(t["pairs"], hyp_ids, strict=True):
            ids = pair["input_ids"]
            assert len(ids) <= max_len
            assert ids[0] == cls and ids[-1] == sep
            assert ids[-len(hyp) - 2:] == [sep, *hyp, sep], f"hypothesis cut in {t['name']}"
            room = max_len - len(hyp) - 3
            assert ids == [cls, *text_ids[:room], sep, *hyp, sep], t["name"]
            truncated += len(text_ids) > room
    assert truncated >= 2 * len(hyp_ids), "golden set must contain texts longer than max_length_pair"


def test_only_first_truncation_with_a_long_hypothesis(tok):
    long_hyp = "This text is about " + ", ".join(["economic policy and trade"] * 40) + "."
    ids = val.encode_pairs(tok, [("word " * 2000, long_hyp)], 512).ids[0]
    hyp = tok.encode(long_hyp)
    assert len(ids) == 512 and ids[-len(hyp) - 1:-1] == hyp
    with pytest.raises(ExportError, match=r"hypothesis is .* tokens long"):
        val.encode_pairs(tok, [("x", long_hyp * 4)], 512)


def test_text_only_pass_truncates_to_max_length_text(golden):
    for t in golden["texts"]:
        ids = t["text_ids"]
        assert len(ids) <= golden["max_length_text"] and ids[0] == 1 and ids[-1] == 2
    assert max(len(t["text_ids"]) for t in golden["texts"]) == golden["max_length_text"]


def test_long_texts_golden_is_current(tok):
    """The committed long-texts golden (browser head-tokenisation test) is what the bundle tokenizer gives now."""
    committed = load_golden(long_texts_golden_path(DEFAULT_GOLDEN))
    assert committed == build_long_texts_golden(tok, Manifest.load(FIXTURE_BUNDLE), FIXTURE_BUNDLE)
    texts = committed["texts"]
    assert sum(t["tokens"] > committed["max_length_pair"] for t in texts) >= 10
    for t in texts:
        ids = tok.encode(t["text"])
        assert t["head"] == ids[:HEAD_IDS] and t["text_ids"] == tok.text_ids(ids, committed["max_length_text"])
