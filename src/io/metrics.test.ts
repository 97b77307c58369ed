// Tests for the metrics and threshold tuning against values from model-export's evaluate.py (numpy).
import { describe, expect, it } from 'vitest';
import tuningCases from '../../model-export/model_export/tuning_cases.json';
import { crossValidatedPredictions, f1AtGrid, kfoldIndices, multiLabelMetrics, predict, prf, THRESHOLD_GRID, tuneThresholds } from './metrics';

/** The grid's own values for thresholds written as 2-decimal numbers (0.29 -> 0.29000000000000004). */
const grid = (...ts: number[]) => ts.map((t) => THRESHOLD_GRID[Math.round(t * 100) - 1]!);

// A fixture drawn in Python (numpy default_rng(3)); expected numbers printed by evaluate.py.
const S = [
  [0.086, 0.582, 0.479, 0.114, 0.431, 0.956, 0.696, 0.973, 0.892, 0.773, 0.374, 0.931, 0.298, 0.219, 0.683, 0.759, 0.85, 0.146, 0.871, 0.4, 0.18, 0.567, 0.851, 0.624, 0.787, 0.369, 0.214, 0.297, 0.965, 0.545, 0.68, 0.67, 0.555, 0.125, 0.774, 0.528, 0.389, 0.393, 0.481, 0.921],
  [0.237, 0.094, 0.16, 0.391, 0.587, 0.284, 0.293, 0.298, 0.585, 0.03, 0.091, 0.207, 0.742, 0.83, 0.82, 0.878, 0.394, 0.698, 0.275, 0.613, 0.747, 0.921, 0.169, 0.607, 0.79, 0.085, 0.859, 0.493, 0.708, 0.706, 0.368, 0.669, 0.198, 0.481, 0.394, 0.205, 0.38, 0.349, 0.093, 0.563],
  [0.801, 0.433, 0.735, 0.517, 0.738, 0.649, 0.001, 0.314, 0.471, 0.707, 0.661, 0.63, 0.722, 0.658, 0.429, 0.102, 0.48, 0.292, 0.562, 0.197, 0.752, 0.206, 0.964, 0.971, 0.054, 0.194, 0.127, 0.849, 0.214, 0.052, 0.59, 0.523, 0.495, 0.536, 0.02, 0.741, 0.909, 0.348, 0.547, 0.744],
];
const Y = [
  [0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0],
  [0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1],
  [1, 0, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 1],
];

describe('metrics', () => {
  it('has the 0.01..0.98 grid', () => {
    expect(THRESHOLD_GRID).toHaveLength(98);
    expect(THRESHOLD_GRID[0]).toBe(0.01);
    expect(THRESHOLD_GRID[97]).toBe(0.98);
    // numpy's raw floats (np.arange: start + i * step), not rounded decimals.
    expect(THRESHOLD_GRID[28]).toBe(0.29000000000000004);
    expect(THRESHOLD_GRID[46]).toBe(0.47000000000000003);
    expect(THRESHOLD_GRID[9]).toBe(0.09999999999999999);
    // A score of exactly 0.47 is below the grid's 0.47, as in evaluate.py.
    expect(tuneThresholds([[0.46, 0.47, 0.5]], [[0, 0, 1]])).toEqual([THRESHOLD_GRID[46]]);
  });

  it('returns 0 for undefined precision, recall and F1', () => {
    expect(prf(0, 0, 0)).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(prf(1, 1, 0)).toEqual({ precision: 0.5, recall: 1, f1: 2 / 3 });
  });

  it('matches evaluate.metrics at t = 0.5', () => {
    const m = multiLabelMetrics(predict(S, [0.5, 0.5, 0.5]), Y);
    expect(m.macroF1).toBeCloseTo(0.6714200831847891, 12);
    expect(m.hammingAccuracy).toBeCloseTo(0.725, 12);
    expect(m.exactMatch).toBeCloseTo(0.325, 12);
    expect(m.macroPrecision).toBeCloseTo(0.6257459505541347, 12);
    expect(m.macroRecall).toBeCloseTo(0.7764705882352941, 12);
    expect(m.perLabel.map((l) => l.f1)).toEqual([0.48484848484848486, 0.5294117647058824, 1]);
    expect(m.rows).toBe(40);
  });

  it('decides score >= threshold (equality predicts)', () => {
    expect(Array.from(predict([[0.3, 0.2999, 0.31]], [0.3])[0]!)).toEqual([1, 0, 1]);
  });

  it('tunes thresholds like evaluate.tune_thresholds, ties to the lowest', () => {
    expect(tuneThresholds(S, Y)).toEqual(grid(0.48, 0.1, 0.5));
    // Every threshold up to 0.2 gives F1 = 1 here: the lowest wins.
    expect(tuneThresholds([[0.2, 0.1]], [[1, 0]])).toEqual(grid(0.11));
    // No positives: F1 is 0 everywhere, so no threshold is proposed (not the lowest grid value, 0.01).
    expect(tuneThresholds([[0.2, 0.7]], [[0, 0]])).toEqual([null]);
    // Only the given rows count: row 0 is the only positive.
    expect(tuneThresholds([[0.2, 0.7, 0.1]], [[1, 0, 0]], [1, 2])).toEqual([null]);
    expect(tuneThresholds([[0.2, 0.7, 0.1]], [[1, 0, 0]], [0, 2])).toEqual(grid(0.11));
  });

  it('computes F1 at each grid value the same way as a direct count', () => {
    const f1 = f1AtGrid(S[1]!, Y[1]!);
    for (const g of [0, 9, 29, 49, 97]) {
      const direct = multiLabelMetrics(predict([S[1]!], [THRESHOLD_GRID[g]!]), [Y[1]!]).macroF1;
      expect(f1[g]).toBe(direct);
    }
  });

  it('makes the same folds as evaluate.kfold_indices', () => {
    expect(kfoldIndices(23, 5, 42).map((f) => Array.from(f))).toEqual([
      [0, 9, 13, 16, 21],
      [1, 3, 4, 15, 17],
      [2, 12, 18, 19, 20],
      [7, 11, 14, 22],
      [5, 6, 8, 10],
    ]);
  });

  it('cross-validates thresholds like evaluate.cv_threshold_predictions', () => {
    const cv = crossValidatedPredictions(S, Y, 5, 42);
    expect(cv.perFold).toEqual([grid(0.48, 0.24, 0.5), grid(0.48, 0.1, 0.5), grid(0.48, 0.1, 0.5), grid(0.41, 0.29, 0.5), grid(0.48, 0.1, 0.48)]);
    // (0.48 in the last fold: evaluate.py's; the earlier i / 100 grid gave 0.49, as a score of 0.48 sits exactly on it.)
    const m = multiLabelMetrics(cv.pred, Y);
    expect(m.macroF1).toBeCloseTo(0.6792592592592593, 12);
    expect(m.hammingAccuracy).toBeCloseTo(0.6583333333333333, 12);
    expect(m.exactMatch).toBeCloseTo(0.275, 12);
    expect(m.macroPrecision).toBeCloseTo(0.5756393365089018, 12);
    expect(m.macroRecall).toBeCloseTo(0.907843137254902, 12);
    expect(m.perLabel.map((l) => l.f1)).toEqual([0.5, 0.56, 0.9777777777777777]);
  });

  it('rejects ragged input', () => {
    expect(() => multiLabelMetrics([[1, 0]], [[1]])).toThrow(RangeError);
    expect(() => multiLabelMetrics([[1]], [[1], [0]])).toThrow(RangeError);
  });

  it('clamps k to the number of rows', () => {
    const cv = crossValidatedPredictions([[0.9, 0.1, 0.8]], [[1, 0, 1]], 5, 42);
    expect(cv.k).toBe(3);
    // Row 1 is judged with thresholds tuned on rows 0 and 2 (both positive): F1 = 1 from 0.01 up, so 0.01 wins.
    expect(Array.from(cv.pred[0]!)).toEqual([1, 1, 1]);
  });
});

/** Rows x labels (as tuning_cases.json lists them) to one column per label. */
const columns = (rows: number[][]): number[][] => (rows[0] ?? []).map((_, j) => rows.map((r) => r[j]!));
/** Thresholds as the cases list them: 2 decimals (the grids agree to 1e-12), null where none was tuned. */
const listed = (ts: readonly (number | null)[]) => ts.map((t) => (t === null ? null : Math.round(t * 100) / 100));

describe('the tuning cases shared with model-export (model_export/tuning_cases.json)', () => {
  for (const c of tuningCases.cases) {
    it(c.name, () => {
      const scores = columns(c.scores);
      const gold = columns(c.gold);
      const tuned = tuneThresholds(scores, gold);
      expect(listed(tuned)).toEqual(c.tuned);
      tuned.forEach((t, j) => (t === null ? expect(c.tuned[j]).toBeNull() : expect(Math.abs(t - c.tuned[j]!)).toBeLessThan(1e-12)));
      const cv = crossValidatedPredictions(scores, gold, c.k, c.seed, c.fallback);
      expect(cv.perFold.map(listed)).toEqual(c.cv_per_fold);
      expect(cv.pred.map((col) => Array.from(col))).toEqual(columns(c.cv_pred));
    });
  }
});

