// A CSV run as plain functions: what the engine is asked, where each streamed score lands, when progress is shown; score buffers live here, outside reactive state.
import type { TextResult } from '../engine/engine';
import type { Fault } from '../engine/errors';
import type { Problem, RunLabel } from './types';

/** What one CSV run asks of the engine, and how its answers map back onto the table. */
export interface RunPlan {
  /** The non-empty texts of the text column, in table order: one classify request. */
  texts: string[];
  /** Text index (what the engine saw) -> table row. */
  rowOf: Int32Array;
  /** Rows of the table, scored or not. */
  rowCount: number;
  labels: RunLabel[];
}

/** Plans a run over `rows`, skipping rows whose text is empty; a Problem when there is nothing to score. */
export function planRun(
  table: { header: readonly string[]; rows: ReadonlyArray<readonly string[]> },
  textColumn: number,
  labels: RunLabel[],
): { plan: RunPlan } | { problem: Problem } {
  const texts: string[] = [];
  const rowOf: number[] = [];
  table.rows.forEach((row, i) => {
    const text = row[textColumn] ?? '';
    if (text.trim()) {
      texts.push(text);
      rowOf.push(i);
    }
  });
  if (texts.length === 0) {
    return { problem: { message: `The column '${table.header[textColumn]}' is empty in every row.`, hint: 'Choose the column that holds the text.' } };
  }
  return { plan: { texts, rowOf: Int32Array.from(rowOf), rowCount: table.rows.length, labels } };
}

/**
 * The scores of one run in flat typed arrays, row-major (row * labels + label), NaN where a
 * row is not scored. Written in place as chunks arrive, so they are never part of reactive
 * state: the state holds a ScoresRef, and `scoresOf` finds the buffers.
 */
export interface RunScores {
  readonly id: number;
  readonly labelCount: number;
  readonly rowCount: number;
  readonly nli: Float64Array;
  /** NaN for labels without a head. */
  readonly poly: Float64Array;
  readonly blended: Float64Array;
  /** 1 for rows that have scores. */
  readonly scored: Uint8Array;
  /** Scored rows whose text was cut to fit the model. */
  truncated: number;
  /** Rows whose text alone could not be scored, by table row: why (they have no scores). */
  readonly failed: Map<number, Fault>;
}

/**
 * What reactive state holds of a run's scores: which buffers, and how often they were published.
 * A new ref (new `version`) is made at every publish, so whatever depends on the ref re-reads.
 */
export interface ScoresRef {
  readonly run: number;
  readonly version: number;
}

let nextRunId = 1;
/** The score buffers of live runs, by run id (one per store at most). */
const held = new Map<number, RunScores>();

/** Allocates empty buffers (all NaN, nothing scored) for `plan` and holds them until released. */
export function createRun(plan: RunPlan): RunScores {
  const n = plan.rowCount * plan.labels.length;
  const scores: RunScores = {
    id: nextRunId++,
    labelCount: plan.labels.length,
    rowCount: plan.rowCount,
    nli: new Float64Array(n).fill(Number.NaN),
    poly: new Float64Array(n).fill(Number.NaN),
    blended: new Float64Array(n).fill(Number.NaN),
    scored: new Uint8Array(plan.rowCount),
    truncated: 0,
    failed: new Map(),
  };
  held.set(scores.id, scores);
  return scores;
}

/** Forgets a run's buffers (its table or results were replaced). */
export function releaseRun(ref: ScoresRef | null | undefined): void {
  if (ref) held.delete(ref.run);
}

/** The first ref of a run; `republish` makes the next ones. */
export function refOf(scores: RunScores): ScoresRef {
  return { run: scores.id, version: 0 };
}

/** A new ref to the same buffers, telling readers they have changed. */
export function republish(ref: ScoresRef): ScoresRef {
  return { run: ref.run, version: ref.version + 1 };
}

/** The buffers behind a ref; throws for a released run, which no state should still point at. */
export function scoresOf(ref: ScoresRef): RunScores {
  const scores = held.get(ref.run);
  if (!scores) throw new Error(`run ${ref.run} has been released`);
  return scores;
}

/**
 * Writes one streamed chunk into the buffers: each result's text index goes through
 * `plan.rowOf` to its table row. Writing a row again overwrites it and does not count its
 * truncation twice. A result with an `error` (its text alone could not be scored) goes to `failed`.
 */
export function applyChunk(scores: RunScores, plan: RunPlan, results: readonly TextResult[]): void {
  const L = scores.labelCount;
  for (const r of results) {
    const row = plan.rowOf[r.index];
    if (row === undefined) throw new RangeError(`the engine returned text ${r.index} of a run of ${plan.texts.length}`);
    if (r.error) {
      scores.failed.set(row, r.error);
      continue;
    }
    if (!scores.scored[row] && r.truncated) scores.truncated++;
    scores.scored[row] = 1;
    r.scores.forEach((score, j) => {
      scores.nli[row * L + j] = score.nli;
      scores.poly[row * L + j] = score.poly ?? Number.NaN;
      scores.blended[row * L + j] = score.blended;
    });
  }
}

/** How often (ms) streamed results are published to the UI; buffers fill in between. */
export const PUBLISH_INTERVAL_MS = 200;

/** Whether progress should be shown now: the interval has passed since the last time, or the run is complete. */
export function shouldPublish(now: number, lastPublished: number, done: number, total: number): boolean {
  return now - lastPublished >= PUBLISH_INTERVAL_MS || done === total;
}
