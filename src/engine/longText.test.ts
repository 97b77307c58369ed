// A long text is tokenised only as far as the model reads it, with the ids of tokenising it all and truncating (Python's).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_BUNDLE, GOLDEN_DIR, readJson } from './fsSource.testutil';
import { createTokenizer, pairIds, textIds } from './tokenize';

interface LongTextsGolden {
  max_length_pair: number;
  max_length_text: number;
  hypotheses: Array<{ hypothesis: string; ids: number[] }>;
  texts: Array<{ name: string; text: string; tokens: number; head: number[]; pairs: number[][]; text_ids: number[] }>;
}

const golden = readJson<LongTextsGolden>(join(GOLDEN_DIR, 'demo-fixture.long-texts.golden.json'));
const json = readJson<object>(join(DEMO_BUNDLE, 'tokenizer.json'));
const config = readJson<object>(join(DEMO_BUNDLE, 'tokenizer_config.json'));
const specials = { cls: 1, sep: 2, pad: 0 };
const tokenizer = createTokenizer(json, config, specials);
let cutsChecked = 0;

describe('encodeHead: the head of a long text, cut before tokenising, has the ids of the whole text truncated', () => {
  it('covers long texts: thousands of tokens, cut and uncut', () => {
    expect(golden.texts.length).toBeGreaterThanOrEqual(10);
    expect(golden.texts.filter((t) => t.tokens > 1500).length).toBeGreaterThanOrEqual(9);
  });

  it('cuts before ASCII whitespace the character map keeps apart, never before NBSP, U+3000 or a vertical tab (removed)', () => {
    expect([...tokenizer.cutChars()].sort()).toEqual(['\t', '\n', '\f', '\r', ' '].sort());
  });

  for (const t of golden.texts) {
    it(`the ids before a cut are the first ids of the whole text: ${t.name}`, () => {
      // Every cut within 3 characters of a non-ASCII or control character, and every 4th other one.
      const cuts = tokenizer.cutChars();
      for (let c = 1, k = 0; c < t.text.length; c++) {
        if (!cuts.has(t.text[c]!) || (++k % 4 !== 0 && !/[^\x20-\x7e]/u.test(t.text.slice(c - 3, c + 4).replace(/\s/gu, ' ')))) continue;
        const ids = tokenizer.encode(t.text.slice(0, c));
        if (ids.length > t.head.length) break;
        expect(ids, `cut at ${c}`).toEqual(t.head.slice(0, ids.length));
        cutsChecked++;
      }
    });

    it(`pairs and the text-only pass equal Python's: ${t.name}`, () => {
      golden.hypotheses.forEach((h, k) => {
        expect(tokenizer.encode(h.hypothesis)).toEqual(h.ids);
        const room = golden.max_length_pair - 3 - h.ids.length;
        const head = tokenizer.encodeHead(t.text, room);
        expect(pairIds(head.ids, h.ids, golden.max_length_pair, specials).ids).toEqual(t.pairs[k]);
      });
      const head = tokenizer.encodeHead(t.text, golden.max_length_text - 2);
      expect(textIds(head.ids, golden.max_length_text, specials).ids).toEqual(t.text_ids);
    });

    it(`every head length gives a prefix of the whole text's ids: ${t.name}`, () => {
      for (let n = 0; n < t.head.length; n += 37) {
        const { ids, complete } = tokenizer.encodeHead(t.text, n);
        expect(ids.slice(0, n)).toEqual(t.head.slice(0, n));
        if (complete) expect(ids.length).toBe(t.tokens);
        else expect(ids.length).toBeGreaterThan(n);
      }
    });
  }

  it('checked many cuts', () => {
    expect(cutsChecked).toBeGreaterThan(500);
  });

  it('cuts texts with whitespace, and only reads all of one that has none after the first cut', () => {
    const cut = golden.texts.filter((t) => !tokenizer.encodeHead(t.text, 100).complete).map((t) => t.name);
    expect(cut).toContain('news');
    expect(cut).toContain('hazards');
    expect(cut).not.toContain('no space at all');
    expect(cut).not.toContain('NBSP only');
  });
});

describe('tokenising a very long text whole does not overflow the stack', () => {
  it('encodes 2 MB of words and 1 MB without a space', () => {
    const words = 'The market rose today. '.repeat(90_000);
    expect(tokenizer.encode(words).length).toBeGreaterThan(200_000);
    expect(tokenizer.encodeHead(words, 510).ids.length).toBeLessThan(2000);
    expect(tokenizer.encode('a'.repeat(1_000_000)).length).toBeGreaterThan(100_000);
  });
});
