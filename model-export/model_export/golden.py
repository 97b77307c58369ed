"""The goldens the browser is tested against: PyTorch's token ids, logits, scores and hidden-state fingerprints."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sentencepiece

from model_export import validation as val
from model_export.bundle import Label, Manifest
from model_export.files import golden_float, sha256_file
from model_export.numerics import entailment_scores
from model_export.template import fill_template
from model_export.tokenizer import BundleTokenizer
from model_export.tokenizer_corpus import tokenizer_corpus

GOLDEN_FORMAT = 1
FINGERPRINT_HEAD = 8  # raw values kept from the first and last token vectors
USER_LABEL = "sports"  # filled into the bundle's hypothesis_template for the "user label" pair

LAYOUT = (
    "Golden outputs of the bundle named in bundle_id, computed with PyTorch + transformers from the same weights "
    "and the Python tokenizer loaded from the bundle's tokenizer files. "
    "hypotheses: the hypothesis strings, in pair order (the bundle's labels, then one user label filled into "
    "hypothesis_template). texts[i]: name, text, text_ids (text-only pass: [CLS] text [SEP], truncated to "
    "max_length_text), pairs (one per hypothesis, same order: input_ids of [CLS] text [SEP] hypothesis [SEP] with "
    "only the text truncated to max_length_pair, logits (num_nli_labels floats), entailment = "
    "sigmoid(logits[entailment_id] - logits[not_entailment_id])), hidden (fingerprint of last_hidden_state of the "
    "text-only pass over its non-padded positions: length, mean = per-dimension mean over positions, sum = sum of "
    "all values, first = first `fingerprint_head` values at position 0, last = same at the last position). "
    "Reference batching (see batching): pairs flattened text-major, texts in order, batch_size rows per batch, "
    "right-padded with pad_token_id to the longest row; the manifest's max_abs_error values were measured on "
    "exactly these batches. Floats are float32 values printed with 9 significant digits."
)


@dataclass
class GoldenText:
    """A golden input text and the name tests report it by."""

    name: str
    text: str


def golden_texts(seed_texts: list[str] | None) -> list[GoldenText]:
    """~60 texts that probe tokenisation edge cases; plus a few seed texts when given."""
    long_sentences = " ".join(
        f"In quarter {i}, the company reported revenue growth, new hospital contracts and lower carbon emissions."
        for i in range(1, 45)
    )
    medium = " ".join(
        f"Analysts {i} expect the economy to slow while technology stocks keep rising." for i in range(1, 12)
    )
    items = [
        ("short_ascii", "Stocks rallied."),
        ("empty", ""),
        ("single_space", " "),
        ("whitespace_only", "   \t\n  "),
        ("newline_only", "\n"),
        ("one_word", "Hello"),
        ("one_char", "a"),
        ("finance_sentence", "The central bank raised interest rates by 0.25 percentage points to fight inflation."),
        ("environment_sentence", "Solar panels and wind turbines now generate 30% of the country's electricity."),
        ("longer_than_pair_max", long_sentences),
        ("long_single_word", "a" * 1200),
        ("longer_than_text_max", medium),
        ("between_text_and_pair_max", medium + " " + medium),
        ("accents_nfc", "Café, naïve résumé; Zürich, São Paulo, Ærøskøbing, façade, déjà vu."),
        ("accents_nfd", "Cafe\u0301 de\u0301ja\u0300 vu, nai\u0308ve"),
        ("cjk_chinese", "人工智能正在改变医疗保健行业。"),
        ("cjk_japanese", "東京の株式市場は上昇した。"),
        ("hangul", "한국 경제 성장률이 둔화되었다"),
        ("emoji", "Markets 📈 up today 🚀🚀 #stocks"),
        ("emoji_zwj", "👩\u200d⚕️ doctors and 👨\u200d💻 engineers"),
        ("emoji_flags_skin", "🇺🇸 🇩🇪 👍🏽 ok"),
        ("arabic", "ارتفعت أسعار النفط بسبب التوترات"),
        ("hebrew", "הבנק המרכזי העלה את הריבית"),
        ("mixed_rtl_ltr", "The word שלום means peace; السلام عليكم too."),
        ("tabs", "tab\tseparated\tvalues"),
        ("newlines_crlf", "line one\nline two\r\nline three"),
        ("control_chars", "null\u0000byte, bell\u0007 and escape\u001b[0m end"),
        ("formfeed_vtab", "form\u000cfeed and vertical\u000btab"),
        ("zero_width_bom", "zero\u200bwidth\u200cnon\u200djoiner test\ufeff BOM"),
        ("nbsp_emspace", "non\u00a0breaking\u00a0space and\u2003em space"),
        ("double_nbsp", "two\u00a0\u00a0nbsp and\u3000\u3000ideographic"),
        ("line_para_sep", "para\u2028line\u2029sep"),
        ("nel", "next\u0085line"),
        ("double_nel_bom", "a\u0085\u0085b \ufeff\ufeffc"),
        ("trailing_bom", "ends with BOM\ufeff"),
        ("leading_trailing_spaces", "   leading and trailing spaces   "),
        ("internal_spaces", "multiple     internal      spaces"),
        ("punctuation_runs", "!!! ??? ... --- *** ((( ))) ;;; ::"),
        ("printable_ascii", "".join(chr(c) for c in range(33, 127))),
        ("numbers", "1,234,567.89 USD; 3.14159; 1e-10; -42; 2024-01-15; 50%"),
        ("url_email", "Visit https://example.com/path?q=1&r=2 or mail info@example.org"),
        ("code", "def f(x): return x**2 if x > 0 else -x  # comment"),
        ("uppercase", "BREAKING NEWS: MARKETS CRASH AS FED HIKES RATES"),
        ("lowercase", "the economy is growing slowly this year"),
        ("special_token_strings", "[CLS] [SEP] [MASK] [PAD] [UNK] literal special tokens"),
        ("metaspace_char", "\u2581 metaspace char \u2581\u2581 itself"),
        ("cyrillic", "Центральный банк повысил ставку"),
        ("greek", "Η οικονομία αναπτύσσεται"),
        ("devanagari", "भारत की अर्थव्यवस्था"),
        ("thai", "เศรษฐกิจไทยเติบโต"),
        ("math_symbols", "∑ x² ≥ √y ± ∞ ≠ π"),
        ("fullwidth", "ＡＢＣ１２３ fullwidth"),
        ("ligatures", "ﬁnance ﬂow"),
        ("smart_punctuation", "“Quoted” ‘text’ – en dash — em dash … ellipsis"),
        ("currency", "€100, £50, ¥1000, ₹500, ₿0.5"),
        ("combining_stack", "Z\u0324\u0354\u0367\u0311a\u0308\u0356\u032dl\u036e\u0312g\u030c\u0317o\u0319\u0314"),
        ("astral_math", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛"),
    ]
    texts = [GoldenText(n, t) for n, t in items]
    if seed_texts:
        # Fixed positions spread over the data set (it is grouped by label combination).
        for i in (0, 1, 137, 333, 512, 777, 999):
            if i < len(seed_texts):
                texts.append(GoldenText(f"seed_{i}", seed_texts[i]))
    return texts


def golden_pairs(texts: list[GoldenText], hypotheses: list[str]) -> list[tuple[str, str]]:
    """golden_pairs_of for GoldenText entries."""
    return golden_pairs_of([t.text for t in texts], hypotheses)


def golden_pairs_of(texts: list[str], hypotheses: list[str]) -> list[tuple[str, str]]:
    """Text-major (text, hypothesis) pairs: texts[0] x hypotheses, texts[1] x ..."""
    return [(t, h) for t in texts for h in hypotheses]


def reference_hypotheses(labels: list[Label], template: str) -> list[str]:
    """The labels' hypotheses, then one user label filled into the bundle's template."""
    return [lab.hypothesis for lab in labels] + [fill_template(template, USER_LABEL)]


def golden_hypotheses(manifest: Manifest) -> list[dict[str, str]]:
    """The golden file's hypotheses: each bundle label, then the user label, with the label names."""
    names = [lab.name for lab in manifest.labels] + [USER_LABEL]
    hyps = reference_hypotheses(manifest.labels, manifest.hypothesis_template)
    return [{"label": n, "hypothesis": h} for n, h in zip(names, hyps, strict=True)]


def build_golden(model: Any, tokenizer: BundleTokenizer, manifest: Manifest, bundle_dir: Path,
                 texts: list[GoldenText]) -> dict[str, Any]:
    """Run PyTorch on the golden inputs and assemble the golden document."""
    bb = manifest.backbone
    hyps = golden_hypotheses(manifest)
    hyp_strings = [h["hypothesis"] for h in hyps]
    pair_ids = val.encode_pairs(tokenizer, golden_pairs(texts, hyp_strings), bb.max_length_pair).ids
    text_ids = val.encode_texts(tokenizer, [t.text for t in texts], bb.max_length_text).ids
    pad = manifest.tokenizer.pad_token_id
    run = val.torch_runner(model, bb.uses_token_type_ids)
    pairs_out = val.run_batched(run, pair_ids, pad)
    texts_out = val.run_batched(run, text_ids, pad)
    scores = entailment_scores(pairs_out.logits, bb.entailment_id, bb.not_entailment_id)

    entries = []
    n_h = len(hyps)
    for i, t in enumerate(texts):
        hidden = texts_out.hidden[i]
        pairs = []
        for j in range(n_h):
            k = i * n_h + j
            pairs.append({"input_ids": pair_ids[k], "logits": [golden_float(x) for x in pairs_out.logits[k]],
                          "entailment": golden_float(scores[k])})
        entries.append({
            "name": t.name,
            "text": t.text,
            "text_ids": text_ids[i],
            "pairs": pairs,
            "hidden": {
                "length": int(hidden.shape[0]),
                "mean": [golden_float(x) for x in hidden.astype(np.float64).mean(axis=0)],
                "sum": golden_float(hidden.astype(np.float64).sum()),
                "first": [golden_float(x) for x in hidden[0, :FINGERPRINT_HEAD]],
                "last": [golden_float(x) for x in hidden[-1, :FINGERPRINT_HEAD]],
            },
        })
    tok = manifest.tokenizer
    tracked = [*tok.files, *(v.backbone for v in manifest.variants.values())]
    return {
        "golden_format": GOLDEN_FORMAT,
        "layout": LAYOUT,
        "bundle_id": manifest.id,
        "bundle_files_sha256": {p: sha256_file(bundle_dir / p) for p in sorted(tracked)},
        "computed_with": {**manifest.provenance.created_with, "device": "cpu", "dtype": "float32"},
        "max_length_pair": bb.max_length_pair,
        "max_length_text": bb.max_length_text,
        "truncation": "only_first",
        "special_tokens": {"cls": tok.cls_token_id, "sep": tok.sep_token_id, "pad": tok.pad_token_id,
                           "unk": tok.unk_token_id, "mask": tokenizer.mask_token_id},
        "entailment_id": bb.entailment_id,
        "not_entailment_id": bb.not_entailment_id,
        "num_nli_labels": bb.num_nli_labels,
        "hidden_size": bb.hidden_size,
        "fingerprint_head": FINGERPRINT_HEAD,
        "batching": {"batch_size": val.BATCH_SIZE, "pairs": "text-major: texts[0] x hypotheses, texts[1] x ...",
                     "padding": "right", "pad_token_id": pad},
        "hypotheses": hyps,
        "texts": entries,
    }


TOKENIZER_LAYOUT = (
    "Token ids of the bundle named in bundle_id for a corpus of strings that stress normalisation "
    "(model_export/tokenizer_corpus.py), without special tokens: literal special-token strings are matched "
    "first (as transformers and transformers.js do), every other stretch is encoded by the sentencepiece "
    "model named in sentencepiece_model (the model's own tokenizer, normalisation included). texts[i]: text, ids."
)


def build_tokenizer_golden(tokenizer: BundleTokenizer, manifest: Manifest, bundle_dir: Path) -> dict[str, Any]:
    """The tokenizer corpus with the reference ids, for the browser tokenizer's tests."""
    spm_file = manifest.tokenizer.sentencepiece_model
    tracked = sorted({*manifest.tokenizer.files, spm_file})
    return {
        "golden_format": GOLDEN_FORMAT,
        "layout": TOKENIZER_LAYOUT,
        "bundle_id": manifest.id,
        "bundle_files_sha256": {p: sha256_file(bundle_dir / p) for p in tracked},
        "sentencepiece_model": spm_file,
        "computed_with": {"sentencepiece": sentencepiece.__version__},
        "texts": [{"text": t, "ids": tokenizer.encode(t)} for t in tokenizer_corpus()],
    }


HEAD_IDS = 1024  # ids kept of each long text: twice max_length_pair, so cuts can be checked past it
LONG_TEXTS_LAYOUT = (
    "Long texts (thousands of tokens) of the bundle named in bundle_id, for the browser's rule that tokenises only "
    "the head of a long text: its ids must equal tokenising the whole text and then truncating. Ids as in the "
    "tokenizer golden (the bundle's sentencepiece model, literal special tokens matched first). hypotheses: "
    "hypothesis strings with their ids (the shortest bundle hypothesis, then a long one). texts[i]: name, text, "
    "tokens (length of the whole text's ids), head (its first 1024 ids), pairs (one per hypothesis: "
    "[CLS] text [SEP] hypothesis [SEP], only the text truncated to max_length_pair), text_ids ([CLS] text [SEP] "
    "truncated to max_length_text)."
)

# What the cut region of a long text may hold: every character class that normalisation merges,
# expands, removes or turns into a space, next to the whitespace a cut may happen at.
_LONG_HAZARDS = (
    " ", "  ", "\t", "\n", "\r\n", " \n\n  \t ", "\u00a0", " \u00a0 ", "\u3000", "\u2003", "\u200b", "\ufeff",
    "\u0001", "\x0b", "\x0c", " \u0301", " \u0308e", "e\u0301 ", "q\u035c\u0653 ", "ＡＢＣ１２３", " ｆｕｌｌ　ｗｉｄｔｈ ",
    "ﬁnance ", "x² ½ ", "\u2581", " \u2581 ", "[SEP] ", " [CLS]", "😀 ", " 👍🏽", "ǅ ", "ｶﾞ ", "2609999 ", "١٢٣ ",
)
_NEWS = (
    "The central bank raised interest rates by a quarter point on Tuesday.",
    "Hospitals reported fewer admissions after the new vaccine campaign.",
    "Shares of the chip maker rose 4% in early trading in New York.",
    "Heavy rain flooded farmland across the river delta overnight.",
    "The ministry said carbon emissions fell for the third year running.",
)


def long_texts() -> list[tuple[str, str]]:
    """(name, text) pairs of several thousand tokens each; deterministic."""
    rng = random.Random(12)
    news = " ".join(_NEWS[i % len(_NEWS)] for i in range(130))

    def mixed(seps: tuple[str, ...], words: int) -> str:
        out = []
        for _ in range(words):
            out.append(rng.choice(_NEWS).split()[rng.randrange(8)])
            out.append(rng.choice(seps))
        return "".join(out)

    cjk = "中央银行周二将利率上调了四分之一个百分点。医院报告说入院人数减少了。" * 60
    return [
        ("news", news),
        ("whitespace runs", mixed((" ", "  ", "\t", "\n", "\r\n", " \n\n  \t ", "     "), 1100)),
        ("hazards", mixed(_LONG_HAZARDS, 1100)),
        ("hazards between sentences", " ".join(rng.choice(_NEWS) + rng.choice(_LONG_HAZARDS) for _ in range(150))),
        ("leading whitespace", "   \n\t " + news[:7000]),
        ("no-space run in the middle", news[:1500] + "abcdefghij" * 300 + " " + news[:5000]),
        ("no-space run at the start", "Gesundheitsreformgesetz" * 100 + " " + news[:4000]),
        ("no space at all", "abcdefghijklmnopqrstuvwxyz" * 200),
        ("NBSP only", news[:6000].replace(" ", "\u00a0")),
        ("CJK without spaces", cjk),
        ("CJK with a few spaces", cjk.replace("。", "。 ")),
        ("space run of 5000", news[:300] + " " * 5000 + news[:6000]),
    ]


def build_long_texts_golden(tokenizer: BundleTokenizer, manifest: Manifest, bundle_dir: Path) -> dict[str, Any]:
    """Whole-text-then-truncate ids of `long_texts`, for the browser's head tokenisation test."""
    bb = manifest.backbone
    spm_file = manifest.tokenizer.sentencepiece_model
    hyps = sorted((lab.hypothesis for lab in manifest.labels), key=lambda h: len(tokenizer.encode(h)))[:1]
    hyps.append("This text is about " + ", ".join(["economic policy and international trade"] * 12) + ".")
    hyp_ids = [tokenizer.encode(h) for h in hyps]
    entries = []
    for name, text in long_texts():
        ids = tokenizer.encode(text)
        entries.append({
            "name": name, "text": text, "tokens": len(ids), "head": ids[:HEAD_IDS],
            "pairs": [tokenizer.pair_ids(ids, h, bb.max_length_pair) for h in hyp_ids],
            "text_ids": tokenizer.text_ids(ids, bb.max_length_text),
        })
    return {
        "golden_format": GOLDEN_FORMAT,
        "layout": LONG_TEXTS_LAYOUT,
        "bundle_id": manifest.id,
        "bundle_files_sha256": {p: sha256_file(bundle_dir / p) for p in sorted({*manifest.tokenizer.files, spm_file})},
        "sentencepiece_model": spm_file,
        "computed_with": {"sentencepiece": sentencepiece.__version__},
        "max_length_pair": bb.max_length_pair,
        "max_length_text": bb.max_length_text,
        "hypotheses": [{"hypothesis": h, "ids": i} for h, i in zip(hyps, hyp_ids, strict=True)],
        "texts": entries,
    }
