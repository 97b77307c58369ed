// Tests for the evaluation rows and tuning (reference numbers from model-export's evaluate.py).
import { describe, expect, it } from 'vitest';
import tuningCases from '../../model-export/model_export/tuning_cases.json';
import { evaluationRows, SYSTEMS, tuneOnData, untunableMessage } from './evaluation';
import { THRESHOLD_GRID } from './metrics';

/** The grid's own values for thresholds written as 2-decimal numbers (0.21 -> 0.21000000000000002). */
const grid = (...ts: number[]) => ts.map((t) => THRESHOLD_GRID[Math.round(t * 100) - 1]!);

const data = {
  labels: ['A', 'B'],
  nli: [
    [0.9, 0.4, 0.6, 0.2, 0.55, 0.1],
    [0.3, 0.8, 0.45, 0.7, 0.2, 0.65],
  ],
  blended: [
    [0.8, 0.3, 0.7, 0.1, 0.35, 0.2],
    [0.2, 0.6, 0.5, 0.75, 0.1, 0.3],
  ],
  gold: [
    [1, 0, 1, 0, 1, 0],
    [0, 1, 1, 1, 0, 0],
  ],
};

describe('evaluationRows', () => {
  it('scores the NLI baseline at 0.5 and the hybrid at the given thresholds', () => {
    const [nli, hybrid] = evaluationRows(data, [0.3, 0.55]);
    expect(nli!.system).toBe(SYSTEMS.nli);
    expect(nli!.thresholds).toEqual([0.5, 0.5]);
    // A at 0.5 on NLI: predicted [1,0,1,0,1,0] = gold: F1 1. B: predicted [0,1,0,1,0,1]: tp 2 fp 1 fn 1: F1 2/3.
    expect(nli!.metrics.perLabel.map((m) => m.f1)).toEqual([1, 2 / 3]);
    // B is wrong on rows 2 and 5 only.
    expect(nli!.metrics.exactMatch).toBeCloseTo(4 / 6, 12);
    // Hybrid A at 0.3: [1,1,1,0,1,0]: tp 3 fp 1: F1 6/7. B at 0.55: [0,1,0,1,0,0]: tp 2 fn 1: F1 0.8.
    expect(hybrid!.metrics.perLabel.map((m) => m.f1)).toEqual([6 / 7, 0.8]);
    expect(hybrid!.metrics.hammingAccuracy).toBeCloseTo(10 / 12, 12);
  });
});

describe('tuneOnData', () => {
  it('tunes each label to its best grid threshold and cross-validates', () => {
    const t = tuneOnData(data, 3, 42);
    // A: blended positives 0.8, 0.7, 0.35; negatives at most 0.3: any t in (0.3, 0.35] gives F1 1, lowest grid value 0.31.
    // B: positives 0.6, 0.5, 0.75, negatives at most 0.3: lowest perfect grid value 0.31.
    expect(t.thresholds).toEqual(grid(0.31, 0.31));
    expect(t.inSample.metrics.macroF1).toBe(1);
    expect(t.perFold).toHaveLength(3);
    expect(t.crossValidated.metrics.rows).toBe(6);
    // Folds of Python's random.Random(42).shuffle(range(6)) = [3, 1, 2, 4, 0, 5], every 3rd: {3, 4}, {0, 1}, {2, 5}.
    // Fold {3,4}, trained on rows 0,1,2,5: A perfect in (0.3, 0.7] -> 0.31; B perfect in (0.3, 0.5] -> 0.31.
    // Fold {0,1}, trained on rows 2,3,4,5: A perfect in (0.2, 0.35] -> 0.21; B perfect in (0.3, 0.5] -> 0.31.
    // Fold {2,5}, trained on rows 0,1,3,4: A perfect in (0.3, 0.35] -> 0.31; B perfect in (0.2, 0.6] -> 0.21.
    expect(t.perFold).toEqual([grid(0.31, 0.31), grid(0.21, 0.31), grid(0.31, 0.21)]);
    // CV decisions: A row 1 (0.3 >= 0.21) and B row 5 (0.3 >= 0.21) are the only errors, both false positives.
    // A: [1,1,1,0,1,0] vs gold [1,0,1,0,1,0]: tp 3 fp 1 fn 0. B: [0,1,1,1,0,1] vs [0,1,1,1,0,0]: tp 3 fp 1 fn 0.
    const cv = t.crossValidated.metrics;
    expect(cv.perLabel.map((m) => [m.tp, m.fp, m.fn])).toEqual([
      [3, 1, 0],
      [3, 1, 0],
    ]);
    expect(cv.macroF1).toBeCloseTo(6 / 7, 12);
    expect(cv.macroPrecision).toBeCloseTo(0.75, 12);
    expect(cv.macroRecall).toBe(1);
    expect(cv.hammingAccuracy).toBeCloseTo(10 / 12, 12);
    expect(cv.exactMatch).toBeCloseTo(4 / 6, 12);
    // Thresholds shown for the CV row: the mean over folds.
    expect(t.crossValidated.thresholds[0]).toBeCloseTo(0.83 / 3, 12);
    expect(t.crossValidated.thresholds[1]).toBeCloseTo(0.83 / 3, 12);
  });
});

describe('tuning a label without a positive gold row', () => {
  // Finance has positives (rows 1 and 3); Sports has none.
  const sparse = {
    labels: ['Finance', 'Sports'],
    nli: [
      [0.2, 0.6, 0.4, 0.9],
      [0.7, 0.1, 0.3, 0.8],
    ],
    blended: [
      [0.2, 0.6, 0.4, 0.9],
      [0.7, 0.1, 0.3, 0.8],
    ],
    gold: [
      [0, 1, 0, 1],
      [0, 0, 0, 0],
    ],
  };

  it('proposes no threshold for it, says why, and decides it at the threshold in force', () => {
    const t = tuneOnData(sparse, 2, 42, [0.5, 0.35]);
    expect(t.thresholds).toEqual([...grid(0.41), null]);
    expect(t.untunable).toEqual(['no row in the gold column has label Sports; a threshold cannot be tuned']);
    expect(t.inSample.thresholds).toEqual([...grid(0.41), 0.35]);
    // Sports at 0.35: rows 0 (0.7), 3 (0.8) are false positives; at 0.01 all four would be.
    expect(t.inSample.metrics.perLabel[1]).toMatchObject({ tp: 0, fp: 2, fn: 0 });
    expect(t.perFold.every((fold) => fold[1] === null)).toBe(true);
    expect(t.crossValidated.thresholds[1]).toBe(0.35);
  });

  it('words the reason as model-export does', () => {
    expect(untunableMessage(tuningCases.message.label)).toBe(tuningCases.message.text);
  });
});

