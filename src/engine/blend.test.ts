import { describe, expect, it } from 'vitest';
import { blendScore, entailmentScore, sigmoid } from './blend';

describe('sigmoid', () => {
  it('matches reference values and stays finite at extremes', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(2)).toBeCloseTo(0.8807970779778823, 15);
    expect(sigmoid(-2)).toBeCloseTo(0.11920292202211755, 15);
    expect(sigmoid(-1000)).toBe(0);
    expect(sigmoid(1000)).toBe(1);
  });
});

describe('entailmentScore', () => {
  it('is the two-way softmax of entailment against not-entailment', () => {
    // softmax([3, 1])[0] = e^3 / (e^3 + e^1)
    expect(entailmentScore([3, 1], 0, 1)).toBeCloseTo(Math.exp(3) / (Math.exp(3) + Math.exp(1)), 14);
    // 3-way model: contradiction id 0, neutral 1, entailment 2; neutral is ignored.
    expect(entailmentScore([0.5, 9, 0.5], 2, 0)).toBe(0.5);
  });
  it('rejects ids outside the logits', () => {
    expect(() => entailmentScore([1, 2], 0, 2)).toThrow(/out of range/);
  });
});

describe('blendScore', () => {
  it('uses the NLI score alone for a label without a head', () => {
    expect(blendScore(0.3, null, 0.3)).toEqual({ nli: 0.3, poly: null, alpha: null, blended: 0.3, threshold: 0.3, predicted: true });
  });
  it('blends in probability space with alpha weighting NLI', () => {
    const s = blendScore(0.9, { polyLogit: 0, alpha: 0.25 }, 0.6);
    expect(s.poly).toBe(0.5);
    expect(s.blended).toBeCloseTo(0.25 * 0.9 + 0.75 * 0.5, 15);
    expect(s.predicted).toBe(true);
    expect(blendScore(0.9, { polyLogit: 0, alpha: 0.25 }, 0.61).predicted).toBe(false);
  });
});
