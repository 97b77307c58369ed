// Derived values: evaluation data and table, histograms, progress figures; memoised on the state they read.
import { detectGold, type Gold } from '../io/columns';
import { type EvaluationData, type EvaluationRow, evaluationRows } from '../io/evaluation';
import { batchThresholds } from './batchSlice';
import type { AppState, BatchResults } from './types';

/** Memoises a function of some state parts on reference equality of those parts. */
export function memoSelector<const Deps extends readonly unknown[], R>(deps: (s: AppState) => Deps, compute: (d: Deps) => R): (s: AppState) => R {
  let last: { deps: Deps; value: R } | null = null;
  return (s) => {
    const d = deps(s);
    if (last && last.deps.length === d.length && last.deps.every((v, i) => Object.is(v, d[i]))) return last.value;
    const value = compute(d);
    last = { deps: d, value };
    return value;
  };
}

/** The label names gold is read for: those of the last run, else the current labels. */
const selectGoldLabelNames = (() => {
  let last: string[] = [];
  return (s: AppState): string[] => {
    const names = (s.batch ? s.batch.labels : s.labels).map((l) => l.name);
    // Same names, same array: moving a slider must not re-read the gold columns.
    if (names.length !== last.length || names.some((n, i) => n !== last[i])) last = names;
    return last;
  };
})();

/** Gold labels of the current table for the labels of the last run (or the current ones before a run); null without gold. */
export const selectGold = memoSelector(
  (s) => [s.table, s.textColumn, selectGoldLabelNames(s)] as const,
  ([table, textColumn, names]): Gold | null => (table ? detectGold(table.header, table.rows, names, textColumn) : null),
);

/** Scored rows with gold, as columns per evaluated label; null while running or without gold. */
export const selectEvaluationData = memoSelector(
  (s) => [selectGold(s), s.batch, s.batchVersion, s.run.status] as const,
  ([gold, batch, , status]): (EvaluationData & { rows: number[] }) | null => {
    if (!gold || !batch || status === 'running') return null;
    const rows: number[] = [];
    for (let i = 0; i < batch.rowCount; i++) if (batch.scored[i]) rows.push(i);
    if (rows.length === 0) return null;
    const L = batch.labels.length;
    const cols = gold.labels.map((name) => batch.labels.findIndex((l) => l.name === name));
    const column = (arr: Float64Array, j: number) => Float64Array.from(rows, (i) => arr[i * L + j]!);
    return {
      labels: gold.labels,
      rows,
      nli: cols.map((j) => column(batch.nli, j)),
      blended: cols.map((j) => column(batch.blended, j)),
      gold: gold.y.map((y) => Uint8Array.from(rows, (i) => y[i]!)),
    };
  },
);

/** Thresholds of the batch's labels right now (sliders move them without a re-run). */
export const selectBatchThresholds = memoSelector(
  (s) => [s.batch, s.labels] as const,
  ([batch, labels]) => batchThresholds({ batch, labels }),
);

/** The evaluation table's two standing rows: NLI baseline at 0.5 and the hybrid at the current thresholds. */
export const selectEvaluation = memoSelector(
  (s) => [selectEvaluationData(s), selectBatchThresholds(s), s.batch] as const,
  ([data, thresholds, batch]): EvaluationRow[] | null => {
    if (!data || !batch) return null;
    const t = data.labels.map((name) => thresholds[batch.labels.findIndex((l) => l.name === name)]!);
    return evaluationRows(data, t);
  },
);

export interface Histogram {
  label: string;
  threshold: number;
  /** Counts per bin over [0, 1]; split by gold when the label has gold, else all in `all`. */
  all: number[];
  positive: number[] | null;
  negative: number[] | null;
  scored: number;
}

export const HISTOGRAM_BINS = 20;

/** Bin of a score in [0, 1] (1 goes into the last bin). */
export function binOf(score: number, bins = HISTOGRAM_BINS): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(score * bins)));
}

/** Per-label histograms of blended scores over the scored rows, split by gold where there is gold. */
export const selectHistograms = memoSelector(
  (s) => [s.batch, s.batchVersion, selectBatchThresholds(s), selectGold(s)] as const,
  ([batch, , thresholds, gold]): Histogram[] => {
    if (!batch) return [];
    return batch.labels.map((_, j) => histogramOf(batch, j, thresholds[j]!, gold));
  },
);

function histogramOf(batch: BatchResults, j: number, threshold: number, gold: Gold | null): Histogram {
  const L = batch.labels.length;
  const name = batch.labels[j]!.name;
  const g = gold ? gold.y[gold.labels.indexOf(name)] : undefined;
  const all = new Array<number>(HISTOGRAM_BINS).fill(0);
  const positive = g ? new Array<number>(HISTOGRAM_BINS).fill(0) : null;
  const negative = g ? new Array<number>(HISTOGRAM_BINS).fill(0) : null;
  let scored = 0;
  for (let i = 0; i < batch.rowCount; i++) {
    if (!batch.scored[i]) continue;
    scored++;
    const b = binOf(batch.blended[i * L + j]!);
    all[b]!++;
    if (g && positive && negative) (g[i] ? positive : negative)[b]!++;
  }
  return { label: name, threshold, all, positive, negative, scored };
}

/** Rows per second and seconds left of the running (or last) batch. */
export function runRates(run: AppState['run']): { rowsPerSecond: number | null; secondsLeft: number | null; fraction: number } {
  const fraction = run.total > 0 ? run.done / run.total : 0;
  if (run.done === 0 || run.elapsedMs <= 0) return { rowsPerSecond: null, secondsLeft: null, fraction };
  const rowsPerSecond = run.done / (run.elapsedMs / 1000);
  return { rowsPerSecond, secondsLeft: (run.total - run.done) / rowsPerSecond, fraction };
}

/** Whether the labels changed since the batch ran (names or hypotheses), so a re-run would differ. */
export const selectBatchStale = memoSelector(
  (s) => [s.batch, s.labels] as const,
  ([batch, labels]): boolean => {
    if (!batch) return false;
    if (batch.labels.length !== labels.length) return true;
    return batch.labels.some((l, j) => labels[j]!.name !== l.name || labels[j]!.hypothesis !== l.hypothesis);
  },
);
