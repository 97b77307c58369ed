import { describe, expect, it } from 'vitest';
import cases from '../../model-export/model_export/window_cases.json';
import { pairIds, textIds, TokenizeError, windowSpans } from './tokenize';

const s = { cls: 1, sep: 2, pad: 0 };

describe('pairIds', () => {
  it('builds [CLS] text [SEP] hypothesis [SEP] when it fits', () => {
    expect(pairIds([10, 11], [20], 16, s)).toEqual({ ids: [1, 10, 11, 2, 20, 2], truncated: false });
  });
  it('cuts only the text, never the hypothesis', () => {
    const text = Array.from({ length: 50 }, (_, i) => 100 + i);
    const hyp = [20, 21, 22, 23];
    const { ids, truncated } = pairIds(text, hyp, 12, s);
    expect(truncated).toBe(true);
    expect(ids).toHaveLength(12);
    expect(ids.slice(-5)).toEqual([20, 21, 22, 23, 2]);
    expect(ids.slice(0, 6)).toEqual([1, 100, 101, 102, 103, 104]);
  });
  it('refuses a hypothesis that cannot fit', () => {
    expect(() => pairIds([5], [1, 2, 3, 4, 5, 6], 8, s)).toThrow(TokenizeError);
    expect(pairIds([5], [1, 2, 3, 4, 5], 8, s).ids).toEqual([1, 2, 1, 2, 3, 4, 5, 2]);
  });
});

describe('textIds', () => {
  it('wraps and truncates the text alone', () => {
    expect(textIds([7, 8, 9], 4, s)).toEqual({ ids: [1, 7, 8, 2], truncated: true });
    expect(textIds([], 4, s)).toEqual({ ids: [1, 2], truncated: false });
  });
});

describe('windowSpans: the cases model-export runs too (model_export/window_cases.json)', () => {
  it.each(cases.cases)('$tokens tokens, room $room, stride $stride', ({ tokens, room, stride, spans }) => {
    expect(windowSpans(tokens, room, stride)).toEqual(spans);
  });
  it.each(cases.errors)('refuses room $room, stride $stride', ({ tokens, room, stride }) => {
    expect(() => windowSpans(tokens, room, stride)).toThrow(RangeError);
  });
});
