// Tests for the pure CSV run: planning with identical texts scored once, where streamed scores land, reusing a previous run's columns, refs to the held buffers, publish cadence.
import { describe, expect, it } from 'vitest';
import type { TextResult } from '../engine/engine';
import { applyChunk, chunkOf, createRun, heldScores, planRun, PUBLISH_INTERVAL_MS, refOf, releaseRun, republish, reusableColumns, scoresOf, shouldPublish, unscoredTexts } from './run';
import type { RunLabel } from './types';

const LABELS: RunLabel[] = [
  { name: 'A', hypothesis: 'About A.', head: true, threshold: 0.5 },
  { name: 'B', hypothesis: 'About B.', head: false, threshold: 0.3 },
];
const TABLE = { header: ['id', 'text'], rows: [['1', 'first'], ['2', '  '], ['3', 'third'], ['4', '']] };
const identity = (i: number) => i;
const ALL = [0, 1];
/** Applies engine results whose indices are text indices, for every label. */
const apply = (s: ReturnType<typeof createRun>, p: ReturnType<typeof plan>, results: TextResult[]) => applyChunk(s, p, chunkOf(results, identity, ALL));

function result(index: number, base: number, truncated = false): TextResult {
  return {
    index,
    truncated,
    windows: 1,
    tokens: 3,
    scores: [
      { nli: base, poly: base + 0.1, alpha: 0.5, blended: base + 0.05 },
      { nli: base + 0.2, poly: null, alpha: null, blended: base + 0.2 },
    ],
  };
}

function plan() {
  const planned = planRun(TABLE, 1, LABELS);
  if (!('plan' in planned)) throw new Error('no plan');
  return planned.plan;
}

describe('planRun', () => {
  it('sends the non-empty texts once, in table order, and maps them back to their rows', () => {
    const p = plan();
    expect(p.texts).toEqual(['first', 'third']);
    expect(Array.from(p.rowList)).toEqual([0, 2]);
    expect(Array.from(p.rowStart)).toEqual([0, 1, 2]);
    expect(p.rowCount).toBe(4);
    expect(p.textRows).toBe(2);
    expect(p.labels).toBe(LABELS);
  });
  it('sends identical texts once and fans each back out to all its rows, in table order', () => {
    const table = { header: ['text'], rows: [['a'], ['b'], ['a'], [''], ['b'], ['a'], ['a ']] };
    const planned = planRun(table, 0, LABELS);
    if (!('plan' in planned)) throw new Error('no plan');
    const p = planned.plan;
    expect(p.texts).toEqual(['a', 'b', 'a ']);
    expect(p.textRows).toBe(6);
    const rowsOf = (k: number) => Array.from(p.rowList.subarray(p.rowStart[k], p.rowStart[k + 1]));
    expect([rowsOf(0), rowsOf(1), rowsOf(2)]).toEqual([[0, 2, 5], [1, 4], [6]]);
    const s = createRun(p);
    applyChunk(s, p, chunkOf([result(0, 0.1, true)], identity, ALL));
    expect(Array.from(s.scored)).toEqual([1, 0, 1, 0, 0, 1, 0]);
    expect([s.done, s.truncated]).toEqual([3, 3]);
    for (const row of [0, 2, 5]) expect([s.nli[row * 2], s.blended[row * 2 + 1]]).toEqual([0.1, 0.1 + 0.2]);
  });
  it('says which column is empty when there is nothing to score', () => {
    expect(planRun({ header: ['id', 'text'], rows: [['1', ''], ['2', ' ']] }, 1, LABELS)).toEqual({
      problem: { message: "The column 'text' is empty in every row.", hint: 'Choose the column that holds the text.' },
    });
  });
});

describe('createRun and applyChunk', () => {
  it('starts with nothing scored and NaN everywhere', () => {
    const s = createRun(plan());
    expect(s.labelCount).toBe(2);
    expect(Array.from(s.scored)).toEqual([0, 0, 0, 0]);
    expect(s.nli.every(Number.isNaN) && s.poly.every(Number.isNaN) && s.blended.every(Number.isNaN)).toBe(true);
  });
  it('writes each result into its table row, row-major, poly NaN without a head', () => {
    const p = plan();
    const s = createRun(p);
    apply(s, p, [result(1, 0.4, true)]);
    expect(Array.from(s.scored)).toEqual([0, 0, 1, 0]);
    expect(Array.from(s.nli.subarray(4, 6))).toEqual([0.4, 0.4 + 0.2]);
    expect(s.poly[4]).toBeCloseTo(0.5, 15);
    expect(Number.isNaN(s.poly[5]!)).toBe(true);
    expect(s.blended[5]).toBeCloseTo(0.6, 15);
    expect(s.truncated).toBe(1);
    apply(s, p, [result(0, 0.1)]);
    expect(Array.from(s.scored)).toEqual([1, 0, 1, 0]);
    expect(s.done).toBe(2);
    expect(s.nli[0]).toBe(0.1);
  });
  it('overwrites a row sent again (a re-run after an engine restart) without counting it or its truncation twice', () => {
    const p = plan();
    const s = createRun(p);
    apply(s, p, [result(0, 0.1, true)]);
    apply(s, p, [result(0, 0.3, true)]);
    expect(s.truncated).toBe(1);
    expect(s.done).toBe(1);
    expect(s.nli[0]).toBe(0.3);
  });
  it('refuses a result for a text the run did not send', () => {
    const p = plan();
    expect(() => apply(createRun(p), p, [result(2, 0.1)])).toThrow(/text 2 of a run of 2/);
  });
  it('maps a request over some texts and some labels onto their rows and columns', () => {
    const p = plan();
    const s = createRun(p);
    // A request for text 1 only, and label B only (column 1).
    const one = { ...result(0, 0.6), scores: [result(0, 0.6).scores[1]!] };
    applyChunk(s, p, chunkOf([one], (i) => [1][i]!, [1]));
    expect(s.nli[2 * 2 + 1]).toBe(0.6 + 0.2);
    expect(Number.isNaN(s.nli[2 * 2]!)).toBe(true);
    expect(() => chunkOf([result(0, 0.1)], identity, [1])).toThrow(/2 scores for 1 labels/);
  });
});

describe('reusableColumns and unscoredTexts', () => {
  const C: RunLabel = { name: 'C', hypothesis: 'About C.', head: false, threshold: 0.5 };
  const planFor = (labels: RunLabel[]) => {
    const planned = planRun(TABLE, 1, labels);
    if (!('plan' in planned)) throw new Error('no plan');
    return planned.plan;
  };

  it('copies the columns of unchanged labels and asks only for the added one; merged scores equal a full run', () => {
    const before = plan();
    const old = createRun(before);
    apply(old, before, [result(0, 0.1, true), result(1, 0.4)]);
    const after = planFor([C, LABELS[0]!, LABELS[1]!]);
    const reuse = reusableColumns(old, LABELS, after)!;
    expect(reuse.ask).toEqual([0]);
    expect(Array.from(reuse.copy.cols)).toEqual([1, 2]);
    const merged = createRun(after);
    applyChunk(merged, after, reuse.copy);
    expect(merged.done).toBe(0);
    expect(Array.from(unscoredTexts(merged, after))).toEqual([0, 1]);
    const cOnly = (index: number, nli: number): TextResult => ({ index, truncated: false, windows: 1, tokens: 3, scores: [{ nli, poly: null, alpha: null, blended: nli }] });
    applyChunk(merged, after, chunkOf([cOnly(0, 0.9), cOnly(1, 0.8)], identity, reuse.ask));
    expect([merged.done, merged.truncated]).toEqual([2, 1]);
    // The same as scoring all three labels at once.
    const full = createRun(after);
    const withC = (r: TextResult, nli: number): TextResult => ({ ...r, scores: [{ nli, poly: null, alpha: null, blended: nli }, ...r.scores] });
    applyChunk(full, after, chunkOf([withC(result(0, 0.1, true), 0.9), withC(result(1, 0.4), 0.8)], identity, [0, 1, 2]));
    expect([Array.from(merged.nli), Array.from(merged.poly), Array.from(merged.blended), Array.from(merged.scored)]).toEqual([
      Array.from(full.nli),
      Array.from(full.poly),
      Array.from(full.blended),
      Array.from(full.scored),
    ]);
  });

  it('lends nothing from a run that did not score every row, and asks nothing when no label changed', () => {
    const p = plan();
    const partial = createRun(p);
    apply(partial, p, [result(0, 0.1)]);
    expect(reusableColumns(partial, LABELS, p)).toBeNull();
    expect(Array.from(unscoredTexts(partial, p))).toEqual([1]);
    apply(partial, p, [result(1, 0.2)]);
    const again = reusableColumns(partial, LABELS, p)!;
    expect(again.ask).toEqual([]);
    expect(again.copy.completes).toBe(true);
    const hypothesisChanged = reusableColumns(partial, LABELS, planFor([{ ...LABELS[0]!, hypothesis: 'Other.' }, LABELS[1]!]))!;
    expect(hypothesisChanged.ask).toEqual([0]);
  });
});

describe('refs to held buffers', () => {
  it('find the same buffers at every version until released', () => {
    const s = createRun(plan());
    const ref = refOf(s);
    const next = republish(ref);
    expect(next).toEqual({ run: s.id, version: 1 });
    expect(scoresOf(ref)).toBe(s);
    expect(scoresOf(next)).toBe(s);
    expect(heldScores(ref)).toBe(s);
    releaseRun(next);
    expect(() => scoresOf(ref)).toThrow(/released/);
    // A deferred view may still hold an older ref: it learns the run is gone instead of throwing.
    expect(heldScores(ref)).toBeUndefined();
  });
  it('give every run its own id', () => {
    expect(createRun(plan()).id).not.toBe(createRun(plan()).id);
  });
});

describe('shouldPublish', () => {
  it('publishes once the interval has passed, and always at the end', () => {
    expect(shouldPublish(1000 + PUBLISH_INTERVAL_MS - 1, 1000, 5, 10)).toBe(false);
    expect(shouldPublish(1000 + PUBLISH_INTERVAL_MS, 1000, 5, 10)).toBe(true);
    expect(shouldPublish(1001, 1000, 10, 10)).toBe(true);
  });
});

describe('applyChunk with a text that could not be scored', () => {
  it('records why in failed, by table row, and leaves the row unscored with NaN scores', () => {
    const p = plan();
    const s = createRun(p);
    apply(s, p, [result(0, 0.1), { index: 1, scores: [], truncated: false, windows: 1, tokens: 0, error: { kind: 'input', message: 'cannot be tokenised' } }]);
    expect([...s.failed]).toEqual([[2, { kind: 'input', message: 'cannot be tokenised' }]]);
    expect(Array.from(s.scored)).toEqual([1, 0, 0, 0]);
    expect(Number.isNaN(s.nli[4]!)).toBe(true);
  });
});
