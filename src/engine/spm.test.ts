import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_BUNDLE, GOLDEN_DIR, readJson } from './fsSource.testutil';
import { CharsMap, viterbiF32 } from './spm';
import { createTokenizer } from './tokenize';

interface TokenizerGolden {
  texts: Array<{ text: string; ids: number[] }>;
}
interface TokenizerJson {
  normalizer: { normalizers: Array<{ type: string; precompiled_charsmap?: string }> };
  model: { vocab: Array<[string, number]> };
}

const golden = readJson<TokenizerGolden>(join(GOLDEN_DIR, 'demo-fixture.tokenizer.golden.json'));
const json = readJson<TokenizerJson>(join(DEMO_BUNDLE, 'tokenizer.json'));
const config = readJson<object>(join(DEMO_BUNDLE, 'tokenizer_config.json'));
const tokenizer = createTokenizer(json, config, { cls: 1, sep: 2, pad: 0 });
const map = CharsMap.fromBase64(json.normalizer.normalizers[0]!.precompiled_charsmap!);

describe('the bundle tokenizer in transformers.js gives sentencepiece ids', () => {
  it('on every string of the tokenizer corpus (controls, spaces, NFKC categories, marks, emoji, RTL, CJK, digits)', () => {
    expect(golden.texts.length).toBeGreaterThanOrEqual(500);
    const mismatches = golden.texts.filter((t) => JSON.stringify(tokenizer.encode(t.text)) !== JSON.stringify(t.ids)).map((t) => t.text.slice(0, 40));
    expect(mismatches).toEqual([]);
  });
});

describe('CharsMap: sentencepiece character map by longest match', () => {
  it('maps what NFKC maps, removes controls and unifies spaces', () => {
    expect(map.normalize('ＡＢＣ１２３ ﬁnance x² ½')).toBe('ABC123 finance x2 1⁄2');
    expect(map.normalize('a\u0001b\u200bc\u00a0d\ufeffe')).toBe('ab c d e');
    expect(map.normalize('Cafe\u0301')).toBe('Café');
  });
  it('keeps combining marks in their order where NFKC reorders them', () => {
    const marks = 'q\u035c\u0653'; // canonical combining classes 233 then 230: NFKC swaps them
    expect(marks.normalize('NFKC')).toBe('q\u0653\u035c');
    expect(map.normalize(marks)).toBe(marks);
  });
  it('differs from the NFKC transformers.js substitutes on the corpus (so the corpus can see it)', () => {
    const differ = golden.texts.filter((t) => map.normalize(t.text) !== t.text.normalize('NFKC')).length;
    expect(differ).toBeGreaterThan(50);
  });
  it('refuses bytes that are not a character map', () => {
    expect(() => new CharsMap(new Uint8Array([1, 2, 3]))).toThrow(/not a sentencepiece character map/);
  });
});

describe('viterbiF32: sentencepiece float32 path scores', () => {
  const scores = new Map(json.model.vocab);
  const minScore = Math.min(...json.model.vocab.map(([, s]) => s));
  const vocab = {
    *prefixes(chars: readonly string[], start: number) {
      for (let end = start + 1; end <= Math.min(chars.length, start + 16); end++) {
        const p = chars.slice(start, end).join('');
        if (scores.has(p)) yield p;
      }
    },
    score: (p: string) => scores.get(p)!,
    minScore,
  };
  it('splits digit runs as sentencepiece does where float64 sums break the tie the other way', () => {
    const digitRuns = golden.texts.filter((t) => /^[\x20-\x7e]+$/.test(t.text) && /\d{3}/.test(t.text));
    let f64Differs = 0;
    for (const t of digitRuns) {
      const words = `\u2581${t.text.trim().replace(/ +/g, ' ').replaceAll(' ', '\u2581')}`;
      const f32 = viterbiF32(Array.from(words), vocab);
      const f64 = viterbiF32(Array.from(words), vocab, (x) => x);
      expect(f32.join('')).toBe(words);
      if (f32.join('|') !== f64.join('|')) f64Differs++;
    }
    expect(digitRuns.length).toBeGreaterThan(100);
    expect(f64Differs).toBeGreaterThan(0);
  });
  it('makes an unknown character a one-character piece', () => {
    expect(viterbiF32(Array.from('\u2581a\u{10FFFD}'), vocab).at(-1)).toBe('\u{10FFFD}');
  });
});

describe('a tokenizer.json as transformers’ DebertaV2Converter writes it (Hub repositories)', () => {
  // Strip, the character map, collapsed spaces; Metaspace inside a Sequence, splitting at U+2581.
  const converted = (metaspace: object) => ({
    ...json,
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Strip', strip_left: true, strip_right: true },
        json.normalizer.normalizers[0],
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
      ],
    },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Metaspace', replacement: '\u2581', ...metaspace }] },
  });

  it('gives the sentencepiece ids of the tokenizer corpus', () => {
    for (const metaspace of [{ prepend_scheme: 'always', split: true }, { add_prefix_space: true }]) {
      const hub = createTokenizer(converted(metaspace), config, { cls: 1, sep: 2, pad: 0 });
      const mismatches = golden.texts.filter((t) => JSON.stringify(hub.encode(t.text)) !== JSON.stringify(t.ids)).map((t) => t.text.slice(0, 40));
      expect(mismatches, JSON.stringify(metaspace)).toEqual([]);
    }
  });

  it('is refused when punctuation is split too (split_by_punct), which sentencepiece does not do', () => {
    const split = { ...converted({ prepend_scheme: 'always' }), pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Punctuation' }, { type: 'Metaspace' }] } };
    expect(() => createTokenizer(split, config, { cls: 1, sep: 2, pad: 0 })).toThrow(/is not a SentencePiece Unigram tokenizer as DeBERTa-v3 has/);
  });
});
