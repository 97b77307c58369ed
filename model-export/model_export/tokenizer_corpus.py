"""Strings that stress tokeniser normalisation: the inputs of the tokenizer golden (written by the project itself).

It covers every Unicode general category that NFKC or sentencepiece's nmt_nfkc changes, every
control and whitespace character, zero-width characters and BOMs, emoji ZWJ sequences, RTL
scripts, CJK (with half-width kana and Hangul jamo), combining marks in and out of canonical
order, long words and numbers. The tokenizer goldens store it with sentencepiece's ids, so the
Python and browser tokenizers are both checked against the model's own sentencepiece model.
Deterministic for a given Python (its unicodedata version picks the NFKC-changed characters).
"""

from __future__ import annotations

import random
import unicodedata

# Characters that sentencepiece's nmt_nfkc maps although NFKC leaves them alone, and other
# invisible or space-like characters that tokenisers treat differently.
_SPECIAL_FORMAT = [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E,
                   0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x2066,
                   0x2067, 0x2068, 0x2069, 0x206A, 0x206F, 0x2581, 0x3164, 0xFE0F, 0xFEFF, 0xFFA0, 0xFFF9, 0xFFFC,
                   0xFFFD, 0x1D173, 0xE0001, 0xE0041]
_MARKS = [0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x0306, 0x0307, 0x0308, 0x0309, 0x030A, 0x030B, 0x030C, 0x0311,
          0x0313, 0x0314, 0x031B, 0x0323, 0x0324, 0x0325, 0x0327, 0x0328, 0x032D, 0x0331, 0x0334, 0x0338, 0x0340,
          0x0341, 0x0342, 0x0343, 0x0344, 0x0345, 0x0354, 0x0356, 0x0367, 0x036E, 0x05B7, 0x05BC, 0x0653, 0x0654,
          0x0655, 0x093C, 0x0E48, 0x1DC0, 0x20D0, 0x20E3, 0x302A, 0x3099, 0x309A]
_BASES = "aeiouyAEIOUYcCnNsSzZwWkKgGhH<=>ωΩαιυΑΗΙ" + "иИеЕ" + "ｅＡｓﬁſⅰ²ǅ"


def _chars_changed_by_nfkc() -> dict[str, list[str]]:
    """Every code point NFKC changes, grouped by general category (surrogates and unassigned excluded)."""
    groups: dict[str, list[str]] = {}
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        if unicodedata.normalize("NFKC", c) != c:
            groups.setdefault(unicodedata.category(c), []).append(c)
    return groups


def _controls_and_spaces() -> list[str]:
    """Every Cc, Zs, Zl and Zp character, plus the format characters listed above."""
    out = [chr(cp) for cp in range(0x110000)
           if not 0xD800 <= cp <= 0xDFFF and unicodedata.category(chr(cp)) in ("Cc", "Zs", "Zl", "Zp")]
    return out + [chr(cp) for cp in _SPECIAL_FORMAT]


def _in_context(c: str) -> list[str]:
    """The positions where normalisers differ: inside, at either end, doubled, next to spaces, before a mark."""
    return [f"a{c}b", f"{c}word", f"word{c}", c, c + c, f"a {c} b", f"{c} {c}x", f"x{c}\u0301y"]


def _zalgo(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(_BASES) + "".join(chr(rng.choice(_MARKS)) for _ in range(rng.randint(0, 4)))
                   for _ in range(n))


def tokenizer_corpus() -> list[str]:
    """At least 500 strings, deterministic; see the module docstring for what they cover."""
    rng = random.Random(20261129)
    out: list[str] = []

    # 1. Characters NFKC changes, a sample of every category, alone and in words.
    for _category, chars in sorted(_chars_changed_by_nfkc().items()):
        picks = chars if len(chars) <= 6 else rng.sample(chars, 6)
        out.append("".join(picks))
        out += [f"word{c}word" for c in picks[:3]]
        out.append(" ".join(rng.sample(chars, min(len(chars), 24))))
    # 2. Every control and whitespace character, plus zero-width, bidi and format characters.
    specials = _controls_and_spaces()
    for c in specials:
        out.append(f"a{c}b")
    for c in rng.sample(specials, 30):
        out += _in_context(c)
    out += ["\ufeffstarts with a BOM", "ends with BOM\ufeff", "\ufeff\ufeff", "a\u0085\u0085b \ufeff\ufeffc",
            "zero\u200bwidth\u200cnon\u200djoiner", "\u200b\u200b leading zero width", "soft\u00adhyphen",
            "word\u2060joiner", " \t\n\r\x0b\x0c ", "\u3000ideographic\u3000space\u3000", "\u2581metaspace\u2581 itself",
            "\u2581", "  \u2581  ", "line\u2028separator\u2029paragraph", "tab\tseparated\tvalues",
            "crlf\r\nline\rbreaks\n", "null\x00byte", "del\x7fchar", "c1\x80\x85\x9fcontrols"]
    # 3. Emoji, ZWJ sequences, flags, skin tones, keycaps, variation selectors.
    out += ["👩\u200d⚕️ doctors and 👨\u200d💻 engineers", "👨\u200d👩\u200d👧\u200d👦 family", "🏳️\u200d🌈 flag",
            "🇺🇸 🇩🇪 🇯🇵 flags", "👍🏽 👋🏿 skin tones", "#️⃣ 1️⃣ keycaps", "❤️ ❤︎ variation", "🧑🏽\u200d🚀 astronaut",
            "Markets 📈 up today 🚀🚀 #stocks", "😀😃😄😁😆😅😂🤣", "☕\ufe0f coffee", "🫠 new emoji"]
    # 4. Right-to-left scripts, with marks and bidi controls.
    out += ["ارتفعت أسعار النفط بسبب التوترات", "الْعَرَبِيَّةُ مَعَ الحَرَكَات", "لا إله", "ﻻ ﷲ ﷺ presentation forms",
            "הבנק המרכזי העלה את הריבית", "עִבְרִית עִם נִקּוּד", "ﬠﬡﬢ wide hebrew", "The word שלום means peace; السلام عليكم too.",
            "\u202bRTL embedding\u202c and \u2067isolate\u2069", "ܐܪܡܝܐ syriac", "ދިވެހި thaana", "فارسی ۱۲۳ ٤٥٦"]
    # 5. CJK: Chinese, Japanese (full- and half-width kana, dakuten), Korean (syllables, jamo, compat jamo).
    out += ["人工智能正在改变医疗保健行业。", "東京の株式市場は上昇した。", "ｶﾞｷﾞｸﾞｹﾞｺﾞ ﾊﾟﾋﾟﾌﾟ half-width",
            "カ\u3099キ\u3099 combining dakuten", "ガギグ precomposed", "한국 경제 성장률이 둔화되었다",
            "\u1100\u1161\u11a8 \u1112\u1161\u11ab conjoining jamo",
            "ㄱㅏㄴㅏ compatibility jamo", "ﾡﾢﾣ halfwidth hangul", "㍿ ㍻ ㌔ ㎏ ㏄ squared", "①②③ ㊀㊁ ㈱",
            "（全角）「括弧」、句読点。", "ＡＢＣ１２３ｘｙｚ fullwidth", "〜～ wave dash and fullwidth tilde", "中文，标点！？"]
    # 6. Combining marks: composed, decomposed, out of canonical order, stacked, at the start.
    out += ["Café, naïve résumé; Zürich, São Paulo", "Cafe\u0301 de\u0301ja\u0300 vu, nai\u0308ve", "\u0301leading mark",
            "Z\u0324\u0354\u0367\u0311a\u0308\u0356\u032dl\u036e\u0312g\u030c\u0317o\u0319\u0314",
            "a\u0302\u0323 a\u0323\u0302 ậ", "o\u031b\u0301 ớ", "ｅ\u0301 ﬁ\u0308 ²\u0300", "Tiếng Việt có dấu",
            "ἀνάπτυξη Ἀθῆναι ᾳ ᾼ", "\u0915\u093c \u0916\u093c क़ ख़ nukta", "e\u0338 <\u0338 =\u0338 ≠", "Å Å Å angstrom",
            "K kelvin Ω ohm"]
    out += [_zalgo(rng, rng.randint(1, 8)) for _ in range(60)]
    # 7. Long words, numbers, symbols.
    out += ["a" * 300, "pneumonoultramicroscopicsilicovolcanoconiosis" * 4, "1234567890" * 20,
            "1,234,567.89 USD; 3.14159; 1e-10; -42; 2024-01-15; 50%", "x² H₂O ½ ② Ⅷ ™ … –", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛 𝐁𝐨𝐥𝐝",
            "€100, £50, ¥1000, ₹500, ₿0.5", "∑ x² ≥ √y ± ∞ ≠ π", "“Quoted” ‘text’ – en dash — em dash … ellipsis",
            "ﬁnance ﬂow ﬀ ﬃ ﬄ ligatures", "Ⅰ Ⅱ Ⅻ ⅰ ⅱ ⅻ roman", "⁰¹²³⁴⁵⁶⁷⁸⁹ ₀₁₂₃₄₅₆₇₈₉", "Visit https://example.com/path?q=1&r=2",
            "def f(x): return x**2 if x > 0 else -x  # comment", "!!! ??? ... --- *** ((( ))) ;;; ::",
            "".join(chr(c) for c in range(33, 127)), "BREAKING NEWS: MARKETS CRASH", "   leading and trailing   ",
            "multiple     internal      spaces", "", " ", "\n"]
    # 8. Digit runs with repeats: their segmentations tie in float64 ('2'+'22' vs '22'+'2') and
    #    sentencepiece's float32 Viterbi decides them by rounding.
    words = ["rates", "growth", "the", "in", "to", "GDP", "shares", "of", "energy", "output"]
    for _ in range(160):
        parts = []
        for _ in range(rng.randint(3, 12)):
            if rng.random() < 0.5:
                parts.append(rng.choice(words))
            else:
                d, e = rng.choice("0123456789"), rng.choice("0123456789")
                parts.append(rng.choice([d * rng.randint(2, 9), (d + e) * rng.randint(1, 4) + d * rng.randint(0, 3),
                                         str(rng.randint(0, 10 ** rng.randint(1, 9))) + d * rng.randint(1, 5)]))
        out.append(" ".join(parts))
    # 9. Random mixtures of everything above, the kind of text a hostile CSV holds.
    pool = [c for s in out for c in s]
    out += ["".join(rng.choice(pool) for _ in range(rng.randint(1, 40))) for _ in range(120)]
    return out
