// Tests for the hybrid arithmetic: sigmoid, entailment score, the blend, the one decision rule, Python-style rounding.
import { describe, expect, it } from 'vitest';
import { blendScore, decide, entailmentScore, roundNli, sigmoid } from './blend';

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
    expect(blendScore(0.3, null)).toEqual({ nli: 0.3, poly: null, alpha: null, blended: 0.3 });
  });
  it('blends in probability space with alpha weighting NLI', () => {
    const s = blendScore(0.9, { polyLogit: 0, alpha: 0.25 });
    expect(s.poly).toBe(0.5);
    expect(s.blended).toBeCloseTo(0.25 * 0.9 + 0.75 * 0.5, 15);
    expect(decide(s.blended, 0.6)).toBe(true);
    expect(decide(s.blended, 0.61)).toBe(false);
  });
});

describe('decide', () => {
  it('predicts when the score reaches the threshold, equality included', () => {
    expect(decide(0.5, 0.5)).toBe(true);
    expect(decide(0.5, 0.5000001)).toBe(false);
    expect(decide(0.3, 0)).toBe(true);
    expect(decide(1, 1)).toBe(true);
    expect(decide(Number.NaN, 0)).toBe(false);
  });
});

describe('roundNli', () => {
  it('is Python round(x, 6): half to even on exact binary ties, nearest otherwise', () => {
    // Expected values printed by Python 3.11's round(x, 6).
    const cases: Array<[number, number]> = [
      [0.5078125, 0.507812], [0.0078125, 0.007812], [0.9921875, 0.992188], [0.7265625, 0.726562],
      [0.1234565, 0.123456], [0.9999995, 1], [2.5e-6, 3e-6], [0.4999995, 0.499999], [0.123456789, 0.123457], [0, 0], [1, 1],
    ];
    for (const [x, want] of cases) expect(roundNli(x)).toBe(want);
  });
  it('is what the blend uses and shows', () => {
    const s = blendScore(0.5078125, { polyLogit: 0, alpha: 0.5 });
    expect(s.nli).toBe(0.507812);
    expect(s.blended).toBe(0.5 * 0.507812 + 0.5 * 0.5);
    expect(blendScore(0.123456789, null)).toMatchObject({ nli: 0.123457, blended: 0.123457 });
  });
});
