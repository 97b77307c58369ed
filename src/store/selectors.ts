// Derived values, each rule in one place: thresholds in force, staleness, evaluation, histograms, progress; memoised on the state they read.
import type { LabelScore } from '../engine/blend';
import { detectGold, type Gold } from '../io/columns';
import { type EvaluationData, type EvaluationRow, evaluationRows } from '../io/evaluation';
import type { BatchResults, BatchRun } from './batchSlice';
import type { LabelState } from './labelsSlice';
import { scoresOf } from './run';
import type { Backend } from '../engine/constants';
import type { AppState, RunLabel } from './types';

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

/**
 * The threshold in force for each label of a run: the current threshold of the label with that
 * name (sliders re-decide without a re-run), else, for a label removed since, the one the run used.
 */
export function thresholdsInForce(run: readonly RunLabel[], labels: readonly LabelState[]): number[] {
  return run.map((l) => labels.find((c) => c.name === l.name)?.threshold ?? l.threshold);
}

/**
 * Whether the labels changed since a run (names, order or hypotheses), so a re-run would score
 * differently; thresholds do not count, they re-decide without the model.
 */
export function labelsChanged(run: readonly RunLabel[], labels: readonly LabelState[]): boolean {
  return run.length !== labels.length || run.some((l, j) => labels[j]!.name !== l.name || labels[j]!.hypothesis !== l.hypothesis);
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
  (s) => [selectGold(s), s.batch, s.run.status] as const,
  ([gold, batch, status]): (EvaluationData & { rows: number[] }) | null => {
    if (!gold || !batch || status === 'running') return null;
    const scores = scoresOf(batch.scores);
    const rows: number[] = [];
    for (let i = 0; i < batch.rowCount; i++) if (scores.scored[i]) rows.push(i);
    if (rows.length === 0) return null;
    const L = batch.labels.length;
    const cols = gold.labels.map((name) => batch.labels.findIndex((l) => l.name === name));
    const column = (arr: Float64Array, j: number) => Float64Array.from(rows, (i) => arr[i * L + j]!);
    return {
      labels: gold.labels,
      rows,
      nli: cols.map((j) => column(scores.nli, j)),
      blended: cols.map((j) => column(scores.blended, j)),
      gold: gold.y.map((y) => Uint8Array.from(rows, (i) => y[i]!)),
    };
  },
);

/**
 * Thresholds in force for the batch's labels, in batch label order. Read from the run's labels, not
 * the batch: the same array through a run's publishes, so rows already drawn are not drawn again.
 */
export const selectBatchThresholds = memoSelector(
  (s) => [s.batch?.labels, s.labels] as const,
  ([runLabels, labels]) => thresholdsInForce(runLabels ?? [], labels),
);

/** Thresholds in force for the evaluated labels (those with gold), in evaluation order. */
export const selectEvaluatedThresholds = memoSelector(
  (s) => [selectEvaluationData(s), selectBatchThresholds(s), s.batch] as const,
  ([data, thresholds, batch]): number[] | null =>
    data && batch ? data.labels.map((name) => thresholds[batch.labels.findIndex((l) => l.name === name)]!) : null,
);

/** The evaluation table's two standing rows: NLI baseline at 0.5 and the hybrid at the thresholds in force. */
export const selectEvaluation = memoSelector(
  (s) => [selectEvaluationData(s), selectEvaluatedThresholds(s)] as const,
  ([data, thresholds]): EvaluationRow[] | null => (data && thresholds ? evaluationRows(data, thresholds) : null),
);

/** One row of the pasted text's score table: the scores as computed, the threshold as in force now. */
export interface ScoreRow {
  label: string;
  score: LabelScore;
  threshold: number;
}

/** The pasted text's scores with the thresholds in force. */
export const selectTextScoreRows = memoSelector(
  (s) => [s.textRun, s.labels] as const,
  ([run, labels]): ScoreRow[] => {
    if (!run) return [];
    const thresholds = thresholdsInForce(run.labels, labels);
    return run.labels.map((l, j) => ({ label: l.name, score: run.scores[j]!, threshold: thresholds[j]! }));
  },
);

/** Whether the labels changed since the pasted text was classified. */
export const selectTextStale = (s: AppState): boolean => !!s.textRun && labelsChanged(s.textRun.labels, s.labels);

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
  (s) => [s.batch, selectBatchThresholds(s), selectGold(s)] as const,
  ([batch, thresholds, gold]): Histogram[] => {
    if (!batch) return [];
    return batch.labels.map((_, j) => histogramOf(batch, j, thresholds[j]!, gold));
  },
);

function histogramOf(batch: BatchResults, j: number, threshold: number, gold: Gold | null): Histogram {
  const { scored: isScored, blended } = scoresOf(batch.scores);
  const L = batch.labels.length;
  const name = batch.labels[j]!.name;
  const g = gold ? gold.y[gold.labels.indexOf(name)] : undefined;
  const all = new Array<number>(HISTOGRAM_BINS).fill(0);
  const positive = g ? new Array<number>(HISTOGRAM_BINS).fill(0) : null;
  const negative = g ? new Array<number>(HISTOGRAM_BINS).fill(0) : null;
  let scored = 0;
  for (let i = 0; i < batch.rowCount; i++) {
    if (!isScored[i]) continue;
    scored++;
    const b = binOf(blended[i * L + j]!);
    all[b]!++;
    if (g && positive && negative) (g[i] ? positive : negative)[b]!++;
  }
  return { label: name, threshold, all, positive, negative, scored };
}

/** Rows per second and seconds left of the running (or last) batch. */
export function runRates(run: Pick<BatchRun, 'done' | 'total' | 'elapsedMs'>): { rowsPerSecond: number | null; secondsLeft: number | null; fraction: number } {
  const fraction = run.total > 0 ? run.done / run.total : 0;
  if (run.done === 0 || run.elapsedMs <= 0) return { rowsPerSecond: null, secondsLeft: null, fraction };
  const rowsPerSecond = run.done / (run.elapsedMs / 1000);
  return { rowsPerSecond, secondsLeft: (run.total - run.done) / rowsPerSecond, fraction };
}

/** Whether the labels changed since the batch ran, so a re-run would differ. */
export const selectBatchStale = (s: AppState): boolean => !!s.batch && labelsChanged(s.batch.labels, s.labels);

/** What the CSV panel says of the gold labels it found (or did not); null before there is anything to say. */
export const selectGoldSummary = (s: AppState): string | null => {
  const gold = selectGold(s);
  if (gold) {
    const source = gold.source.kind === 'columns' ? '0/1 columns' : `column '${s.table?.header[gold.source.column]}'`;
    return `Gold labels found (${source}) for ${gold.labels.join(', ')}.`;
  }
  return s.table && s.batch ? 'No gold labels for the current labels: no evaluation.' : null;
};

/** Notes on the finished run: rows that could not be scored, skipped and cut texts, labels changed since; null when there is none. */
export const selectResultNote = (s: AppState): string | null => {
  const batch = s.batch;
  if (!batch || s.run.status === 'running') return null;
  const notes: string[] = [];
  if (batch.failed) notes.push(`${batch.failed} row${batch.failed === 1 ? '' : 's'} could not be scored: the table and the download say why.`);
  if (batch.skippedEmpty) notes.push(`${batch.skippedEmpty} rows have no text and were not labelled.`);
  if (batch.truncated) notes.push(`${batch.truncated} texts were cut to fit the model.`);
  if (selectBatchStale(s)) notes.push('Labels or hypotheses changed since this run: label again to score them.');
  return notes.length ? notes.join(' ') : null;
};

/**
 * The backend a load failure happened on, for its hint: automatic loads move to WASM by
 * themselves, so a backend failure that reaches the UI was on WASM, or on a forced WebGPU.
 */
export function selectLoadBackend(s: AppState): Backend {
  return s.backendRequest.backend === 'webgpu' ? 'webgpu' : 'wasm';
}
