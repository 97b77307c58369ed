// Multi-label metrics, per-label threshold tuning and k-fold CV, mirroring model-export/model_export/evaluate.py.
import { decide } from '../engine/blend';
import { PyRandom } from './pyrandom';

/** Scores of one label over the evaluated rows (same row order in every column). */
export type ScoreColumn = ArrayLike<number>;
/** Gold 0/1 of one label over the evaluated rows. */
export type GoldColumn = ArrayLike<number>;
/** Decisions (0/1) of one label over the evaluated rows. */
export type PredColumn = ArrayLike<number>;

/**
 * 0.01, 0.02, ..., 0.98: the original model's threshold grid as the raw floats np.arange(0.01, 0.99, 0.01)
 * yields (start + i * step, e.g. 0.47000000000000003), as model-export's THRESHOLD_GRID: a score of exactly
 * 0.47 is below that threshold on both sides. (i / 100 differs from it in 25 of the 98 values.)
 */
export const THRESHOLD_GRID: readonly number[] = Object.freeze(Array.from({ length: 98 }, (_, i) => 0.01 + i * 0.01));

export interface LabelMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Gold positives. */
  support: number;
  tp: number;
  fp: number;
  fn: number;
}

export interface MultiLabelMetrics {
  macroF1: number;
  hammingAccuracy: number;
  exactMatch: number;
  macroPrecision: number;
  macroRecall: number;
  perLabel: LabelMetrics[];
  /** Rows the numbers are computed over. */
  rows: number;
}

/** Precision, recall and F1 from counts; 0 where undefined (as sklearn's zero_division=0 and evaluate.py). */
export function prf(tp: number, fp: number, fn: number): { precision: number; recall: number; f1: number } {
  return {
    precision: tp + fp > 0 ? tp / (tp + fp) : 0,
    recall: tp + fn > 0 ? tp / (tp + fn) : 0,
    f1: 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0,
  };
}

function checkShape(columns: ReadonlyArray<ArrayLike<number>>, gold: ReadonlyArray<GoldColumn>): number {
  if (columns.length !== gold.length) throw new RangeError(`${columns.length} score columns but ${gold.length} gold columns`);
  const n = gold[0]?.length ?? 0;
  for (const c of [...columns, ...gold]) {
    if (c.length !== n) throw new RangeError(`columns differ in length (${c.length} vs ${n})`);
  }
  return n;
}

/** Decisions per label (`decide`: score >= threshold). */
export function predict(scores: ReadonlyArray<ScoreColumn>, thresholds: readonly number[]): Uint8Array[] {
  return scores.map((col, j) => {
    const t = thresholds[j]!;
    const out = new Uint8Array(col.length);
    for (let i = 0; i < col.length; i++) out[i] = decide(col[i]!, t) ? 1 : 0;
    return out;
  });
}

/** Macro F1, Hamming accuracy, exact match, macro precision and recall, and per-label counts. */
export function multiLabelMetrics(pred: ReadonlyArray<PredColumn>, gold: ReadonlyArray<GoldColumn>): MultiLabelMetrics {
  const n = checkShape(pred, gold);
  const L = gold.length;
  const perLabel: LabelMetrics[] = [];
  let agree = 0;
  const rowOk = new Uint8Array(n).fill(1);
  for (let j = 0; j < L; j++) {
    const p = pred[j]!;
    const y = gold[j]!;
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < n; i++) {
      const pi = p[i]! ? 1 : 0;
      const yi = y[i]! ? 1 : 0;
      if (pi && yi) tp++;
      else if (pi) fp++;
      else if (yi) fn++;
      if (pi === yi) agree++;
      else rowOk[i] = 0;
    }
    perLabel.push({ ...prf(tp, fp, fn), support: tp + fn, tp, fp, fn });
  }
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
  let exact = 0;
  for (let i = 0; i < n; i++) exact += rowOk[i]!;
  return {
    macroF1: mean(perLabel.map((m) => m.f1)),
    hammingAccuracy: n * L > 0 ? agree / (n * L) : 0,
    exactMatch: n > 0 ? exact / n : 0,
    macroPrecision: mean(perLabel.map((m) => m.precision)),
    macroRecall: mean(perLabel.map((m) => m.recall)),
    perLabel,
    rows: n,
  };
}

/** For how many grid thresholds `decide(s, t)` holds (the grid is ascending, so they are a prefix). */
function gridRank(s: number, grid: readonly number[]): number {
  let lo = 0;
  let hi = grid.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (decide(s, grid[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * F1 of one label at every grid threshold, in O(n log G): each score is predicted
 * positive for exactly the grid thresholds below its rank.
 */
export function f1AtGrid(scores: ScoreColumn, gold: GoldColumn, rows?: ArrayLike<number>, grid: readonly number[] = THRESHOLD_GRID): number[] {
  const G = grid.length;
  const posAt = new Float64Array(G + 1);
  const negAt = new Float64Array(G + 1);
  let positives = 0;
  const count = rows ? rows.length : scores.length;
  for (let r = 0; r < count; r++) {
    const i = rows ? rows[r]! : r;
    const rank = gridRank(scores[i]!, grid);
    if (gold[i]) {
      posAt[rank]!++;
      positives++;
    } else negAt[rank]!++;
  }
  // tp(g) = positives with rank > g; fp(g) = negatives with rank > g.
  const out = new Array<number>(G);
  let tp = 0;
  let fp = 0;
  for (let g = G - 1; g >= 0; g--) {
    tp += posAt[g + 1]!;
    fp += negAt[g + 1]!;
    out[g] = prf(tp, fp, positives - tp).f1;
  }
  return out;
}

/** Whether the rows (all when omitted) hold a positive gold value: only then can a threshold be tuned. */
export function hasPositive(gold: GoldColumn, rows?: ArrayLike<number>): boolean {
  const count = rows ? rows.length : gold.length;
  for (let r = 0; r < count; r++) if (gold[rows ? rows[r]! : r]) return true;
  return false;
}

/**
 * Per label, the grid threshold maximising F1 (ties: the lowest threshold), as evaluate.tune_thresholds;
 * null for a label without a positive in the rows: every threshold scores F1 0 there, and the lowest
 * (0.01, labelling every text) would be proposed for no reason. Shared cases: model_export/tuning_cases.json.
 */
export function tuneThresholds(
  scores: ReadonlyArray<ScoreColumn>,
  gold: ReadonlyArray<GoldColumn>,
  rows?: ArrayLike<number>,
  grid: readonly number[] = THRESHOLD_GRID,
): (number | null)[] {
  checkShape(scores, gold);
  return scores.map((col, j) => {
    if (!hasPositive(gold[j]!, rows)) return null;
    const f1 = f1AtGrid(col, gold[j]!, rows, grid);
    let best = 0;
    for (let g = 1; g < f1.length; g++) if (f1[g]! > f1[best]!) best = g;
    return grid[best]!;
  });
}

/** Tuned thresholds with each label that could not be tuned (null) at its fallback (the threshold in force). */
export function withFallback(tuned: readonly (number | null)[], fallback: readonly number[]): number[] {
  return tuned.map((t, j) => t ?? fallback[j]!);
}

/** Deterministic k folds, as evaluate.kfold_indices: Python's random.Random(seed).shuffle, then every k-th index, sorted. */
export function kfoldIndices(n: number, k: number, seed: number): Int32Array[] {
  const idx = new PyRandom(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  return Array.from({ length: k }, (_, f) => {
    const fold: number[] = [];
    for (let i = f; i < n; i += k) fold.push(idx[i]!);
    return Int32Array.from(fold.sort((a, b) => a - b));
  });
}

export interface CrossValidated {
  /** Decisions of every row, each made with thresholds tuned on the other folds. */
  pred: Uint8Array[];
  /** Thresholds tuned per fold (k rows of one threshold per label; null where the fold's training rows had no positive). */
  perFold: (number | null)[][];
  k: number;
}

/**
 * Honest threshold estimate: k-fold cross-validation of threshold tuning (k clamped to [2, n]). A label
 * without a positive in a fold's training rows is decided there at its `fallback` threshold.
 */
export function crossValidatedPredictions(
  scores: ReadonlyArray<ScoreColumn>,
  gold: ReadonlyArray<GoldColumn>,
  k = 5,
  seed = 42,
  fallback: readonly number[] = scores.map(() => 0.5),
): CrossValidated {
  const n = checkShape(scores, gold);
  const folds = kfoldIndices(n, Math.max(2, Math.min(k, n)), seed);
  const pred = scores.map(() => new Uint8Array(n));
  const inTest = new Uint8Array(n);
  const perFold: (number | null)[][] = [];
  for (const test of folds) {
    inTest.fill(0);
    for (const i of test) inTest[i] = 1;
    const train: number[] = [];
    for (let i = 0; i < n; i++) if (!inTest[i]) train.push(i);
    const tuned = tuneThresholds(scores, gold, train);
    perFold.push(tuned);
    const t = withFallback(tuned, fallback);
    scores.forEach((col, j) => {
      for (const i of test) pred[j]![i] = decide(col[i]!, t[j]!) ? 1 : 0;
    });
  }
  return { pred, perFold, k: folds.length };
}
