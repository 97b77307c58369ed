"""The bundle tokenizer: the model's own SentencePiece Unigram model, shipped as tokenizer.json and spm.model.

DeBERTa-v3 was fine-tuned with the slow (sentencepiece) tokenizer, so the reference for token ids
is the model's `spm.model`, normalisation included (nmt_nfkc: a precompiled character map applied
by longest match, then whitespace rules). The bundle ships `spm.model` beside the standard
tokenizer.json that Hugging Face's converter would write (Unigram vocab and scores, a `Precompiled`
normaliser carrying the same character map, `Metaspace`). Stock libraries only approximate that
file: tokenizers' `Precompiled` drops combining marks that follow a mapped character,
transformers.js replaces it with NFKC (which reorders combining marks), and both run the Unigram
Viterbi in float64 where sentencepiece uses float32, so near-ties (e.g. '2'+'22' vs '22'+'2' in
digit runs) go the other way. So the Python side encodes with sentencepiece itself
(`BundleTokenizer`) and the browser swaps in an exact character map and a float32 Viterbi
(src/engine/spm.ts); goldens built on `tokenizer_corpus.py` check the browser against sentencepiece.
"""

from __future__ import annotations

import base64
import io
import json
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as pb

from model_export.errors import ExportError
from model_export.files import write_json
from model_export.seed_labels import PIPELINE_DEFAULT_TEMPLATE, SEED_LABELS, USER_HYPOTHESIS_TEMPLATE
from model_export.template import fill_template

# transformers.js reads tokenizer.json and tokenizer_config.json; spm.model is the reference
# the Python side checks them against (it is listed in the manifest's files, never downloaded by the app).
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")
SPM_FILE = "spm.model"

# DeBERTa-v3 layout of the special tokens: [PAD]=0, [CLS]=1, [SEP]=2, [UNK]=3 are the
# sentencepiece model's first pieces; [MASK] is appended after its last piece, as Hugging Face does.
SPECIALS = {"pad": "[PAD]", "cls": "[CLS]", "sep": "[SEP]", "unk": "[UNK]", "mask": "[MASK]"}
METASPACE = "\u2581"

# The whitespace rules of sentencepiece's remove_extra_whitespaces, on U+0020 only (the map has
# already turned every other space into U+0020): runs collapse, ends are trimmed.
_COLLAPSE = {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}
_TRIM_LEFT = {"type": "Replace", "pattern": {"Regex": "^ "}, "content": ""}
_TRIM_RIGHT = {"type": "Replace", "pattern": {"Regex": " $"}, "content": ""}


@dataclass
class TokenizerTrainConfig:
    """How the fixture's and the tests' sentencepiece models are trained."""

    vocab_size: int = 4000
    # Enough room for one piece per character of the corpus, so ASCII never maps to [UNK].
    character_coverage: float = 1.0
    max_sentencepiece_length: int = 16
    # DeBERTa-v3's own rule: NFKC via a precompiled map, control characters removed, spaces unified.
    normalization_rule_name: str = "nmt_nfkc"


# A small fixed word list so the generated corpus has English-like words even without
# the seed data. Hand-written here (not read from the stdlib) so that it cannot change
# with the Python version and alter the vocabulary.
_WORDS = (
    "the of and to in is was for on that with as by at from it an be this are or which have has had not but "
    "were they their been more one all new can also its would will about after other two first into over most "
    "years time year people many some such when may than these only could three under between during used "
    "city world state government market company report research school university water health money energy "
    "computer software network data system phone internet science climate policy bank price growth trade "
    "percent million billion said says today week month government minister election court police team game "
    "music film book history science medicine doctor patient hospital study cancer virus vaccine drug "
    "stock shares investors profit revenue earnings inflation interest rates jobs unemployment wages tax "
    "forest ocean river carbon emissions solar wind power plastic pollution species wildlife farm food "
    "hello world quick brown fox jumps lazy dog example question answer number value string test email"
).split()


def generated_corpus() -> list[str]:
    """Deterministic text that covers printable ASCII, digits, punctuation runs and common words.

    The seed texts alone would leave many ASCII characters (e.g. '~', '^', '|') out of the
    vocabulary; with character_coverage=1.0 every character seen here gets a piece.
    """
    lines: list[str] = []
    printable = string.ascii_letters + string.digits + string.punctuation
    for _ in range(4):
        lines.append(" ".join(printable))
        lines.append(printable)
    for ch in string.punctuation:
        lines.append(" ".join(ch * n for n in range(1, 5)))
    for i in range(0, 1000, 7):
        date = f"{1900 + i % 130}-{i % 12 + 1:02d}-{i % 28 + 1:02d}"
        lines.append(f"{i} {i * 13 % 997}.{i % 100:02d} {i}% ${i},{i * 3 % 1000:03d} {date}")
    n = len(_WORDS)
    for i in range(600):
        words = [_WORDS[(i * 7 + j * 13 + (i * j) % 5) % n] for j in range(6 + i % 9)]
        sentence = " ".join(words)
        if i % 3 == 0:
            sentence = sentence.capitalize()
        if i % 5 == 0:
            sentence = sentence.upper()
        lines.append(sentence + ".,!?;:"[i % 6])
    for name, description in SEED_LABELS:
        lines += [name, description, fill_template(PIPELINE_DEFAULT_TEMPLATE, description),
                  fill_template(USER_HYPOTHESIS_TEMPLATE, name.lower()), fill_template(USER_HYPOTHESIS_TEMPLATE, name)]
    return lines


def read_seed_texts(path: Path | str) -> list[str]:
    """Texts of the seed data set (a JSON list of {text, labels})."""
    path = Path(path)
    if not path.is_file():
        raise ExportError(f"seed data file not found: {path}")
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [str(row["text"]) for row in rows]
    except (json.JSONDecodeError, TypeError, KeyError) as exc:
        raise ExportError(f"{path} is not a JSON list of {{text, labels}} objects: {exc}") from exc


def train_sentencepiece(texts: Sequence[str], config: TokenizerTrainConfig) -> bytes:
    """A SentencePiece Unigram model (serialised ModelProto) with DeBERTa-v3's special-token layout.

    The texts are given raw: sentencepiece applies the model's own normalisation rule while
    training, exactly as it will when encoding. One thread makes training deterministic.
    """
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([t for t in texts if t.strip()]),
        model_writer=model,
        model_type="unigram",
        vocab_size=config.vocab_size - 1,  # + [MASK]
        pad_id=0, pad_piece=SPECIALS["pad"],
        bos_id=1, bos_piece=SPECIALS["cls"],
        eos_id=2, eos_piece=SPECIALS["sep"],
        unk_id=3, unk_piece=SPECIALS["unk"],
        character_coverage=config.character_coverage,
        max_sentencepiece_length=config.max_sentencepiece_length,
        normalization_rule_name=config.normalization_rule_name,
        num_threads=1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    return model.getvalue()


def _proto(spm_model: bytes) -> Any:
    """The parsed ModelProto, or a clear error for bytes that are not a sentencepiece model."""
    proto = pb.ModelProto()
    try:
        proto.ParseFromString(spm_model)
    except Exception as exc:  # noqa: BLE001 - protobuf raises several types for garbage
        raise ExportError(f"not a sentencepiece model: {exc}") from None
    if not proto.pieces:
        raise ExportError("not a sentencepiece model: it has no pieces")
    return proto


def _check_supported(proto: Any) -> None:
    """Refuse sentencepiece features that the tokenizer.json layout below cannot express."""
    spec, norm = proto.trainer_spec, proto.normalizer_spec
    problems = []
    if spec.model_type != pb.TrainerSpec.UNIGRAM:
        problems.append(f"model_type {pb.TrainerSpec.ModelType.Name(spec.model_type)} (only UNIGRAM)")
    if spec.byte_fallback:
        problems.append("byte_fallback")
    if spec.treat_whitespace_as_suffix:
        problems.append("treat_whitespace_as_suffix")
    if not norm.escape_whitespaces:
        problems.append("escape_whitespaces=false")
    if proto.denormalizer_spec.precompiled_charsmap:
        problems.append("a denormalizer")
    layout = [proto.pieces[i].piece if i < len(proto.pieces) else None for i in range(4)]
    if layout != [SPECIALS[k] for k in ("pad", "cls", "sep", "unk")]:
        problems.append(f"first pieces {layout} (DeBERTa-v3 layout is [PAD] [CLS] [SEP] [UNK])")
    if problems:
        raise ExportError("unsupported sentencepiece model: " + ", ".join(problems))


def tokenizer_json(spm_model: bytes) -> dict[str, Any]:
    """tokenizer.json for a DeBERTa-v3 sentencepiece model, in the layout Hugging Face's converter writes.

    Vocab: the pieces with their scores, then [MASK]. Normaliser: Precompiled (the model's own
    character map), then remove_extra_whitespaces as Replace steps on U+0020. Pre-tokeniser:
    Metaspace without splitting (sentencepiece segments the whole string; transformers.js never
    splits), adding the dummy prefix when the model does. USER_DEFINED pieces become added tokens,
    matched before normalisation as sentencepiece does.
    """
    proto = _proto(spm_model)
    _check_supported(proto)
    Piece = pb.ModelProto.SentencePiece
    vocab = [[p.piece, 0.0 if p.type in (Piece.CONTROL, Piece.UNKNOWN) else float(p.score)] for p in proto.pieces]
    mask_id = len(vocab)
    vocab.append([SPECIALS["mask"], 0.0])
    unk_id = next(i for i, p in enumerate(proto.pieces) if p.type == Piece.UNKNOWN)

    def added(i: int, content: str, special: bool) -> dict[str, Any]:
        return {"id": i, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": special}

    added_tokens = [added(i, SPECIALS[k], True) for i, k in enumerate(("pad", "cls", "sep", "unk"))]
    added_tokens += [added(i, p.piece, False) for i, p in enumerate(proto.pieces) if p.type == Piece.USER_DEFINED]
    added_tokens.append(added(mask_id, SPECIALS["mask"], True))

    norm = proto.normalizer_spec
    steps: list[dict[str, Any]] = []
    if norm.precompiled_charsmap:
        steps.append({"type": "Precompiled",
                      "precompiled_charsmap": base64.b64encode(norm.precompiled_charsmap).decode("ascii")})
    if norm.remove_extra_whitespaces:
        steps += [_COLLAPSE, _TRIM_LEFT, _TRIM_RIGHT]
    scheme = "always" if norm.add_dummy_prefix else "never"
    cls, sep = SPECIALS["cls"], SPECIALS["sep"]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added_tokens,
        "normalizer": {"type": "Sequence", "normalizers": steps},
        "pre_tokenizer": {"type": "Metaspace", "replacement": METASPACE, "prepend_scheme": scheme, "split": False},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": cls, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": sep, "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": cls, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": sep, "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": sep, "type_id": 1}}],
            "special_tokens": {cls: {"id": cls, "ids": [1], "tokens": [cls]}, sep: {"id": sep, "ids": [2], "tokens": [sep]}},
        },
        "decoder": {"type": "Metaspace", "replacement": METASPACE, "prepend_scheme": scheme, "split": False},
        "model": {"type": "Unigram", "unk_id": unk_id, "vocab": vocab, "byte_fallback": False},
    }


def tokenizer_config(model_max_length: int) -> dict[str, Any]:
    """tokenizer_config.json as transformers.js' DebertaV2Tokenizer reads it."""
    return {
        "tokenizer_class": "DebertaV2Tokenizer",
        "model_max_length": model_max_length,
        "do_lower_case": False,
        "split_by_punct": False,
        "bos_token": SPECIALS["cls"], "eos_token": SPECIALS["sep"], "cls_token": SPECIALS["cls"],
        "sep_token": SPECIALS["sep"], "pad_token": SPECIALS["pad"], "unk_token": SPECIALS["unk"],
        "mask_token": SPECIALS["mask"],
    }


def write_tokenizer_files(spm_model: bytes, folder: Path, model_max_length: int) -> list[str]:
    """Write spm.model, tokenizer.json and tokenizer_config.json into `folder`; return the two the app reads.

    Stable bytes (sorted config keys, trailing newlines), so a rebuilt bundle is byte-identical.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SPM_FILE).write_bytes(spm_model)
    write_json(folder / "tokenizer.json", tokenizer_json(spm_model))
    write_json(folder / "tokenizer_config.json", tokenizer_config(model_max_length), sort_keys=True)
    return list(TOKENIZER_FILES)


class BundleTokenizer:
    """The bundle's tokenizer with sentencepiece's own ids, and the two sequence layouts the model sees.

    `encode` gives a text's ids without special tokens: literal special-token strings are matched
    first, as transformers (slow and fast) and transformers.js do, and every other stretch is
    encoded by sentencepiece itself. That makes these ids the reference: the browser's
    tokenizer.json path must reproduce them (its stock normaliser and float64 Viterbi do not, hence
    src/engine/spm.ts). `pair_ids` and `text_ids` build `[CLS] text [SEP] hypothesis [SEP]` (only the
    text cut) and `[CLS] text [SEP]`, the same rules as src/engine/tokenize.ts.
    """

    def __init__(self, spm_model: bytes) -> None:
        doc = tokenizer_json(spm_model)  # also refuses what the bundle layout cannot express
        self.spm_model = spm_model
        self._sp = spm.SentencePieceProcessor(model_proto=spm_model)
        ids = {tok["content"]: tok["id"] for tok in doc["added_tokens"]}
        self.pad_token_id, self.cls_token_id, self.sep_token_id, self.unk_token_id, self.mask_token_id = (
            ids[SPECIALS[k]] for k in ("pad", "cls", "sep", "unk", "mask"))
        self.vocab_size = len(doc["model"]["vocab"])
        self._added = ids
        # Longest literal first, so that a token that is a prefix of another never wins.
        literals = sorted(ids, key=len, reverse=True)
        self._split = re.compile("(" + "|".join(re.escape(t) for t in literals) + ")")

    @classmethod
    def from_folder(cls, folder: Path | str) -> BundleTokenizer:
        folder = Path(folder)
        for name in TOKENIZER_FILES:
            if not (folder / name).is_file():
                raise ExportError(f"tokenizer file {name} is missing in {folder}")
        return cls(read_spm(folder))

    def encode(self, text: str) -> list[int]:
        out: list[int] = []
        for k, part in enumerate(self._split.split(text)):
            if k % 2:
                out.append(self._added[part])
            elif part:
                out += self._sp.encode(part)
        return out

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [self.encode(t) for t in texts]

    def pair_ids(self, text: Sequence[int], hypothesis: Sequence[int], max_length: int) -> list[int]:
        """`[CLS] text [SEP] hypothesis [SEP]`, cutting only the text; the hypothesis is never cut."""
        room = max_length - 3 - len(hypothesis)
        if room < 0:
            raise ExportError(f"the hypothesis is {len(hypothesis)} tokens long; with the text it must fit in "
                              f"{max_length} tokens")
        return [self.cls_token_id, *text[:room], self.sep_token_id, *hypothesis, self.sep_token_id]

    def text_ids(self, text: Sequence[int], max_length: int) -> list[int]:
        """`[CLS] text [SEP]`, the text cut to fit `max_length`."""
        return [self.cls_token_id, *text[: max_length - 2], self.sep_token_id]


def read_spm(folder: Path) -> bytes:
    """The sentencepiece model of a model folder or bundle, or a clear error."""
    path = Path(folder) / SPM_FILE
    if not path.is_file():
        raise ExportError(f"missing {SPM_FILE} in {folder}: the exporter builds the bundle tokenizer from the "
                          "model's own sentencepiece model (DeBERTa-v3 repositories ship it)")
    return path.read_bytes()


def load_bundle_tokenizer(folder: Path | str) -> BundleTokenizer:
    """The tokenizer exactly as the bundle's files define it (what golden ids come from)."""
    return BundleTokenizer.from_folder(folder)
