// A CSV run as plain functions: what the engine is asked, where each streamed score lands, when progress is shown; score buffers live here, outside reactive state.
import type { TextResult } from '../engine/engine';
import type { Fault } from '../engine/errors';
import type { Problem, RunLabel } from './types';

/**
 * What one CSV run asks of the engine, and how its answers map back onto the table. Identical
 * texts are scored once: the engine sees each distinct text once and its scores fan out to
 * every row that holds it.
 */
export interface RunPlan {
  /** The distinct non-empty texts of the text column, in order of first appearance. */
  texts: string[];
  /** The rows of text k, in table order: rowList[rowStart[k]] … rowList[rowStart[k + 1] - 1]. */
  rowStart: Int32Array;
  rowList: Int32Array;
  /** Rows of the table, scored or not. */
  rowCount: number;
  /** Rows with a non-empty text: what progress counts. */
  textRows: number;
  labels: RunLabel[];
}

/** Plans a run over `rows`, skipping rows whose text is empty and sending each distinct text once; a Problem when there is nothing to score. */
export function planRun(
  table: { header: readonly string[]; rows: ReadonlyArray<readonly string[]> },
  textColumn: number,
  labels: RunLabel[],
): { plan: RunPlan } | { problem: Problem } {
  const texts: string[] = [];
  const index = new Map<string, number>();
  const textOf = new Int32Array(table.rows.length).fill(-1);
  table.rows.forEach((row, i) => {
    const text = row[textColumn] ?? '';
    if (!text.trim()) return;
    let k = index.get(text);
    if (k === undefined) {
      k = texts.length;
      index.set(text, k);
      texts.push(text);
    }
    textOf[i] = k;
  });
  if (texts.length === 0) {
    return { problem: { message: `The column '${table.header[textColumn]}' is empty in every row.`, hint: 'Choose the column that holds the text.' } };
  }
  const rowStart = new Int32Array(texts.length + 1);
  for (const k of textOf) if (k >= 0) rowStart[k + 1]!++;
  for (let k = 0; k < texts.length; k++) rowStart[k + 1]! += rowStart[k]!;
  const next = rowStart.slice(0, texts.length);
  const rowList = new Int32Array(rowStart[texts.length]!);
  textOf.forEach((k, i) => {
    if (k >= 0) rowList[next[k]!++] = i;
  });
  return { plan: { texts, rowStart, rowList, rowCount: table.rows.length, textRows: rowList.length, labels } };
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
  /** 1 for rows that have scores for every label. */
  readonly scored: Uint8Array;
  /** 1 for rows whose text was cut to fit the model for some label. */
  readonly cut: Uint8Array;
  /** Windows each row's text was read in (0 before it is scored; 1 when not windowed). */
  readonly windows: Uint16Array;
  /** Scored rows. */
  done: number;
  /** Scored rows whose text was cut to fit the model. */
  truncated: number;
  /** Rows whose text alone could not be scored, by table row: why (they have no scores). */
  readonly failed: Map<number, Fault>;
}

/**
 * Scores of some texts for some label columns, in the form a run applies them and saves them
 * (IndexedDB, io/savedRuns.ts): the engine's streamed chunks, and the columns a run copies from the
 * previous one. Values are text-major (i * cols.length + c).
 */
export interface ScoreChunk {
  /** Text indices into `RunPlan.texts`. */
  idx: Int32Array;
  /** The label columns (into `RunPlan.labels`) the values are for. */
  cols: Int32Array;
  nli: Float64Array;
  /** NaN for labels without a head. */
  poly: Float64Array;
  blended: Float64Array;
  /** 1 for texts cut to fit the model. */
  cut: Uint8Array;
  /** Windows each text was read in (1 when not windowed); absent in runs saved before windows existed. */
  windows?: Uint16Array;
  /** Whether these values complete their rows (the engine's answers), or only fill columns before the engine's (copied ones). */
  completes: boolean;
  /** Texts of this chunk that could not be scored alone: [position in `idx`, why]; their values are NaN. */
  faults: Array<[number, Fault]>;
}

/** An engine chunk as a ScoreChunk: result i is text `textOf(r.index)`, its score j goes to column `cols[j]`. */
export function chunkOf(results: readonly TextResult[], textOf: (index: number) => number, cols: readonly number[]): ScoreChunk {
  const C = cols.length;
  const chunk: ScoreChunk = {
    idx: Int32Array.from(results, (r) => textOf(r.index)),
    cols: Int32Array.from(cols),
    nli: new Float64Array(results.length * C),
    poly: new Float64Array(results.length * C),
    blended: new Float64Array(results.length * C),
    cut: Uint8Array.from(results, (r) => (r.truncated ? 1 : 0)),
    windows: Uint16Array.from(results, (r) => Math.min(r.windows, 0xffff)),
    completes: true,
    faults: [],
  };
  results.forEach((r, i) => {
    if (r.error) {
      chunk.faults.push([i, r.error]);
      for (let j = 0; j < C; j++) chunk.nli[i * C + j] = chunk.poly[i * C + j] = chunk.blended[i * C + j] = Number.NaN;
      return;
    }
    if (r.scores.length !== C) throw new RangeError(`the engine returned ${r.scores.length} scores for ${C} labels`);
    r.scores.forEach((score, j) => {
      chunk.nli[i * C + j] = score.nli;
      chunk.poly[i * C + j] = score.poly ?? Number.NaN;
      chunk.blended[i * C + j] = score.blended;
    });
  });
  return chunk;
}

/**
 * The columns of a previous run's scores that a new run over the same texts keeps: for each label
 * of `plan`, the previous label with the same name, hypothesis and head scores it the same, so its
 * column is copied and only the other labels are asked of the engine. Null when the previous run
 * cannot lend anything (other texts, or rows it did not score).
 */
export function reusableColumns(previous: RunScores, previousLabels: readonly RunLabel[], plan: RunPlan): { copy: ScoreChunk; ask: number[] } | null {
  if (previous.rowCount !== plan.rowCount || previous.done !== plan.textRows) return null;
  const from = plan.labels.map((l) => previousLabels.findIndex((p) => p.name === l.name && p.hypothesis === l.hypothesis && p.head === l.head));
  const kept = from.flatMap((f, j) => (f >= 0 ? [j] : []));
  const ask = from.flatMap((f, j) => (f < 0 ? [j] : []));
  const T = plan.texts.length;
  const C = kept.length;
  const PL = previous.labelCount;
  const copy: ScoreChunk = {
    idx: Int32Array.from({ length: T }, (_, k) => k),
    cols: Int32Array.from(kept),
    nli: new Float64Array(T * C),
    poly: new Float64Array(T * C),
    blended: new Float64Array(T * C),
    cut: new Uint8Array(T),
    windows: new Uint16Array(T),
    completes: ask.length === 0,
    faults: [],
  };
  for (let k = 0; k < T; k++) {
    const row = plan.rowList[plan.rowStart[k]!]!;
    copy.cut[k] = previous.cut[row]!;
    copy.windows![k] = previous.windows[row]!;
    kept.forEach((j, c) => {
      const p = row * PL + from[j]!;
      copy.nli[k * C + c] = previous.nli[p]!;
      copy.poly[k * C + c] = previous.poly[p]!;
      copy.blended[k * C + c] = previous.blended[p]!;
    });
  }
  return { copy, ask };
}

/** The texts of `plan` whose rows are not scored yet, in order: what a resumed or continued run still asks. */
export function unscoredTexts(scores: RunScores, plan: RunPlan): Int32Array {
  const left: number[] = [];
  for (let k = 0; k < plan.texts.length; k++) if (!scores.scored[plan.rowList[plan.rowStart[k]!]!]) left.push(k);
  return Int32Array.from(left);
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
    cut: new Uint8Array(plan.rowCount),
    windows: new Uint16Array(plan.rowCount),
    done: 0,
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
  const scores = heldScores(ref);
  if (!scores) throw new Error(`run ${ref.run} has been released`);
  return scores;
}

/**
 * The buffers behind a ref, or undefined once the run is released. Only for a view that may draw from an
 * older state than the store's (a deferred render): such a view draws nothing for a released run, since
 * the state that replaced it is about to be drawn.
 */
export function heldScores(ref: ScoresRef): RunScores | undefined {
  return held.get(ref.run);
}

/**
 * Writes a chunk into the buffers: each text's values go to every row holding that text. Writing a
 * row again (a text sent again after an engine restart) overwrites it and does not count it or its
 * truncation twice. A text that could not be scored alone (a chunk fault) marks its rows `failed`.
 */
export function applyChunk(scores: RunScores, plan: RunPlan, chunk: ScoreChunk): void {
  const L = scores.labelCount;
  const C = chunk.cols.length;
  const faults = new Map(chunk.faults);
  chunk.idx.forEach((k, i) => {
    if (k < 0 || k >= plan.texts.length) throw new RangeError(`the engine returned text ${k} of a run of ${plan.texts.length}`);
    const fault = faults.get(i);
    for (let r = plan.rowStart[k]!; r < plan.rowStart[k + 1]!; r++) {
      const row = plan.rowList[r]!;
      if (fault) {
        if (!scores.scored[row]) scores.failed.set(row, fault);
        continue;
      }
      scores.failed.delete(row);
      for (let c = 0; c < C; c++) {
        const at = row * L + chunk.cols[c]!;
        scores.nli[at] = chunk.nli[i * C + c]!;
        scores.poly[at] = chunk.poly[i * C + c]!;
        scores.blended[at] = chunk.blended[i * C + c]!;
      }
      const wasCut = scores.cut[row]!;
      scores.cut[row] = wasCut | chunk.cut[i]!;
      scores.windows[row] = Math.max(scores.windows[row]!, chunk.windows?.[i] ?? 1);
      if (chunk.completes && !scores.scored[row]) {
        scores.scored[row] = 1;
        scores.done++;
        if (scores.cut[row]) scores.truncated++;
      } else if (scores.scored[row] && !wasCut && chunk.cut[i]) {
        scores.truncated++;
      }
    }
  });
}

/** How often (ms) streamed results are published to the UI; buffers fill in between. */
export const PUBLISH_INTERVAL_MS = 200;

/** Whether progress should be shown now: the interval has passed since the last time, or the run is complete. */
export function shouldPublish(now: number, lastPublished: number, done: number, total: number): boolean {
  return now - lastPublished >= PUBLISH_INTERVAL_MS || done === total;
}
