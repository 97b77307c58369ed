import { describe, expect, it } from 'vitest';
import { growingChunks, padBatch, planBatches } from './batching';

describe('planBatches', () => {
  it('sorts by length and respects both limits', () => {
    const lengths = [5, 50, 7, 48, 6, 49];
    const batches = planBatches(lengths, { maxBatch: 2, maxTokens: 1000 });
    expect(batches).toEqual([[1, 5], [3, 2], [4, 0]]);
    const byTokens = planBatches(lengths, { maxBatch: 10, maxTokens: 100 });
    for (const b of byTokens) expect(Math.max(...b.map((i) => lengths[i]!)) * b.length).toBeLessThanOrEqual(100);
    expect(byTokens.flat().sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
  });
  it('still runs a sequence longer than the token budget, alone', () => {
    expect(planBatches([300, 2], { maxBatch: 8, maxTokens: 100 })).toEqual([[0], [1]]);
  });
});

describe('padBatch', () => {
  it('right-pads ids with the pad id and masks the padding', () => {
    const { ids, mask, dims } = padBatch([[1, 7, 2], [1, 2]], 0);
    expect(dims).toEqual([2, 3]);
    expect(Array.from(ids, Number)).toEqual([1, 7, 2, 1, 2, 0]);
    expect(Array.from(mask, Number)).toEqual([1, 1, 1, 1, 1, 0]);
  });
  it('rounds the width up to the pad multiple, so a text meets the same kernel lanes alone and in a batch', () => {
    expect(padBatch([[1, 7, 2], [1, 2]], 0, 8).dims).toEqual([2, 8]);
    expect(padBatch([[1, 2, 3, 4, 5, 6, 7, 8]], 0, 8).dims).toEqual([1, 8]);
    const { ids, mask } = padBatch([[1, 9, 2]], 0, 4);
    expect(Array.from(ids, Number)).toEqual([1, 9, 2, 0]);
    expect(Array.from(mask, Number)).toEqual([1, 1, 1, 0]);
  });
});

describe('growingChunks', () => {
  it('streams 1, 2, 4, … texts, then the most per chunk, covering every text once in order', () => {
    expect(growingChunks(100, 32)).toEqual([
      [0, 1],
      [1, 3],
      [3, 7],
      [7, 15],
      [15, 31],
      [31, 63],
      [63, 95],
      [95, 100],
    ]);
  });
  it('cuts the last chunk at the end and never exceeds the most', () => {
    expect(growingChunks(5, 2)).toEqual([
      [0, 1],
      [1, 3],
      [3, 5],
    ]);
    expect(growingChunks(1, 32)).toEqual([[0, 1]]);
    expect(growingChunks(0, 32)).toEqual([]);
    const sizes = growingChunks(10_000, 48).map(([a, b]) => b - a);
    expect(Math.max(...sizes)).toBe(48);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10_000);
  });
});
