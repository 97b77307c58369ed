"""Training the fixture's SentencePiece Unigram tokenizer and saving/loading bundle tokenizer files."""

from __future__ import annotations

import io
import json
import string
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model_export.errors import ExportError
from model_export.seed_labels import PIPELINE_DEFAULT_TEMPLATE, SEED_LABELS, USER_HYPOTHESIS_TEMPLATE

# transformers.js 4.x reads exactly these two files; nothing else is shipped.
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")

# DeBERTa-v3 layout of the special tokens: [PAD]=0, [CLS]=1, [SEP]=2, [UNK]=3, [MASK] last.
SPECIALS = {"pad": "[PAD]", "cls": "[CLS]", "sep": "[SEP]", "unk": "[UNK]", "mask": "[MASK]"}


RUNTIME_CONFIG_KEYS = ("is_local", "local_files_only", "max_length", "stride", "truncation_strategy",
                       "padding_strategy", "pad_to_multiple_of", "return_tensors", "name_or_path")


@dataclass
class TokenizerTrainConfig:
    vocab_size: int = 4000
    # Enough room for one piece per character of the corpus, so ASCII never maps to [UNK].
    character_coverage: float = 1.0
    max_sentencepiece_length: int = 16


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
        lines.append(f"{i} {i * 13 % 997}.{i % 100:02d} {i}% ${i},{i * 3 % 1000:03d} {1900 + i % 130}-{i % 12 + 1:02d}-{i % 28 + 1:02d}")
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
        lines += [name, description, PIPELINE_DEFAULT_TEMPLATE.format(description),
                  USER_HYPOTHESIS_TEMPLATE.format(name.lower()), USER_HYPOTHESIS_TEMPLATE.format(name)]
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


def train_unigram_vocab(texts: list[str], config: TokenizerTrainConfig) -> list[tuple[str, float]]:
    """Train a SentencePiece Unigram model; return its (piece, score) list with [MASK] appended.

    Identity normalisation at training time: at inference the DeBERTa-v2 tokenizer of
    transformers applies its own normaliser (whitespace runs -> ' ', NFC, right strip),
    so we feed NFC text and let pieces reflect exactly what the tokenizer will see.
    One thread makes training deterministic.
    """
    import sentencepiece as spm

    corpus = [unicodedata.normalize("NFC", t).strip() for t in texts]
    corpus = [" ".join(t.split()) for t in corpus if t.strip()]
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus),
        model_writer=model,
        model_type="unigram",
        vocab_size=config.vocab_size - 1,  # + [MASK]
        pad_id=0, pad_piece=SPECIALS["pad"],
        bos_id=1, bos_piece=SPECIALS["cls"],
        eos_id=2, eos_piece=SPECIALS["sep"],
        unk_id=3, unk_piece=SPECIALS["unk"],
        character_coverage=config.character_coverage,
        max_sentencepiece_length=config.max_sentencepiece_length,
        normalization_rule_name="identity",
        num_threads=1,
        hard_vocab_limit=False,
        minloglevel=2,
    )
    sp = spm.SentencePieceProcessor(model_proto=model.getvalue())
    vocab = [(sp.id_to_piece(i), float(sp.get_score(i))) for i in range(sp.get_piece_size())]
    # Special tokens must score exactly 0.0: transformers' DebertaV2Tokenizer finds the
    # [UNK] id by looking up ("[UNK]", 0.0) in the vocab list.
    for i in range(4):
        vocab[i] = (vocab[i][0], 0.0)
    vocab.append((SPECIALS["mask"], 0.0))
    return vocab


def build_tokenizer(vocab: list[tuple[str, float]], model_max_length: int):
    """A transformers DebertaV2Tokenizer over the vocab (v5: a `tokenizers` backend)."""
    from transformers import DebertaV2Tokenizer

    tok = DebertaV2Tokenizer(vocab=vocab, model_max_length=model_max_length)
    _check_special_ids(tok)
    return tok


def _check_special_ids(tok: Any) -> None:
    expected = {"pad_token_id": 0, "cls_token_id": 1, "sep_token_id": 2, "unk_token_id": 3}
    got = {k: getattr(tok, k) for k in expected}
    if got != expected:
        raise ExportError(f"fixture tokenizer special ids {got} differ from the DeBERTa-v3 layout {expected}")


def save_tokenizer_files(tok: Any, folder: Path, model_max_length: int) -> list[str]:
    """Write tokenizer.json + tokenizer_config.json (only those) into `folder`; return their names.

    save_pretrained may write other files; the bundle ships exactly what transformers.js
    reads. model_max_length is pinned so neither side truncates at a surprising length.
    """
    import tempfile

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tok.save_pretrained(tmp)
        tmp_path = Path(tmp)
        for name in TOKENIZER_FILES:
            if not (tmp_path / name).is_file():
                raise ExportError(
                    f"the tokenizer did not produce {name}; only fast (tokenizers-backed) tokenizers can be bundled"
                )
        config = json.loads((tmp_path / "tokenizer_config.json").read_text(encoding="utf-8"))
        config["model_max_length"] = model_max_length
        # Call-time arguments that save_pretrained leaks into the config (they depend on how
        # the tokenizer was last loaded or called, not on the tokenizer).
        for key in RUNTIME_CONFIG_KEYS:
            config.pop(key, None)
        # Stable bytes: sorted keys and a trailing newline.
        (folder / "tokenizer_config.json").write_text(
            json.dumps(config, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        tokenizer_json = json.loads((tmp_path / "tokenizer.json").read_text(encoding="utf-8"))
        tokenizer_json["normalizer"] = portable_normalizer(tokenizer_json.get("normalizer"))
        # The backend saves whatever truncation/padding its last call left enabled; the
        # app decides both per call (only-first truncation is done by hand), so ship none.
        tokenizer_json["truncation"] = None
        tokenizer_json["padding"] = None
        (folder / "tokenizer.json").write_text(
            json.dumps(tokenizer_json, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return list(TOKENIZER_FILES)


# Unicode White_Space, the set that Rust's char::is_whitespace and Oniguruma's \\s use
# (what transformers' Python tokenizer applies). JavaScript's \\s and String.trimEnd differ:
# they include U+FEFF and exclude U+0085. Spelling the class out makes both agree.
WHITE_SPACE_CLASS = (
    "[\t\n\u000b\u000c\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)


def portable_normalizer(node: dict[str, Any] | None) -> dict[str, Any] | None:
    """Rewrite normaliser steps whose meaning differs between Rust and JavaScript.

    - Strip -> Replace(Regex '<White_Space>+$', '') (and '^...+' for a left strip): Rust's
      Strip uses char::is_whitespace, transformers.js uses trim(), which disagree on
      U+0085 and U+FEFF at the ends of a text.
    - '\\s' inside Replace regexes -> the explicit White_Space class, for the same reason.
    The rewritten steps mean exactly what the originals mean in Rust (tests check this
    on every golden text), so the Python tokenizer and tokenizer.json stay identical.
    """
    if node is None:
        return None
    kind = node.get("type")
    if kind == "Sequence":
        out: list[dict[str, Any]] = []
        for child in node["normalizers"]:
            rewritten = portable_normalizer(child)
            out.extend(rewritten["normalizers"] if rewritten.get("type") == "Sequence" and child.get("type") == "Strip"
                       else [rewritten])
        return {"type": "Sequence", "normalizers": out}
    if kind == "Strip":
        steps = []
        if node.get("strip_left"):
            steps.append({"type": "Replace", "pattern": {"Regex": "^" + WHITE_SPACE_CLASS + "+"}, "content": ""})
        if node.get("strip_right"):
            steps.append({"type": "Replace", "pattern": {"Regex": WHITE_SPACE_CLASS + "+$"}, "content": ""})
        return {"type": "Sequence", "normalizers": steps}
    if kind == "Replace" and "Regex" in node.get("pattern", {}):
        regex = node["pattern"]["Regex"]
        if "\\s" in regex:
            if "[" in regex.replace("[\\n\\r\\t]", ""):
                raise ExportError(f"cannot make normaliser regex {regex!r} portable (\\s inside a class)")
            regex = regex.replace("[\\n\\r\\t]", "\0").replace("\\s", WHITE_SPACE_CLASS).replace("\0", "[\\n\\r\\t]")
        return {**node, "pattern": {"Regex": regex}}
    return node


def load_bundle_tokenizer(folder: Path | str):
    """The Python tokenizer exactly as the bundle's files define it (what golden ids come from)."""
    from transformers import AutoTokenizer

    folder = Path(folder)
    for name in TOKENIZER_FILES:
        if not (folder / name).is_file():
            raise ExportError(f"tokenizer file {name} is missing in {folder}")
    return AutoTokenizer.from_pretrained(str(folder))
