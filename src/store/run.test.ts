// Tests for the pure CSV run: planning, where streamed scores land, refs to the held buffers, publish cadence.
import { describe, expect, it } from 'vitest';
import type { TextResult } from '../engine/engine';
import { applyChunk, createRun, planRun, PUBLISH_INTERVAL_MS, refOf, releaseRun, republish, scoresOf, shouldPublish } from './run';
import type { RunLabel } from './types';

const LABELS: RunLabel[] = [
  { name: 'A', hypothesis: 'About A.', head: true, threshold: 0.5 },
  { name: 'B', hypothesis: 'About B.', head: false, threshold: 0.3 },
];
const TABLE = { header: ['id', 'text'], rows: [['1', 'first'], ['2', '  '], ['3', 'third'], ['4', '']] };

function result(index: number, base: number, truncated = false): TextResult {
  return {
    index,
    truncated,
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
    expect(Array.from(p.rowOf)).toEqual([0, 2]);
    expect(p.rowCount).toBe(4);
    expect(p.labels).toBe(LABELS);
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
    applyChunk(s, p, [result(1, 0.4, true)]);
    expect(Array.from(s.scored)).toEqual([0, 0, 1, 0]);
    expect(Array.from(s.nli.subarray(4, 6))).toEqual([0.4, 0.4 + 0.2]);
    expect(s.poly[4]).toBeCloseTo(0.5, 15);
    expect(Number.isNaN(s.poly[5]!)).toBe(true);
    expect(s.blended[5]).toBeCloseTo(0.6, 15);
    expect(s.truncated).toBe(1);
    applyChunk(s, p, [result(0, 0.1)]);
    expect(Array.from(s.scored)).toEqual([1, 0, 1, 0]);
    expect(s.nli[0]).toBe(0.1);
  });
  it('overwrites a row sent again (a re-run after a WebGPU failure) without counting its truncation twice', () => {
    const p = plan();
    const s = createRun(p);
    applyChunk(s, p, [result(0, 0.1, true)]);
    applyChunk(s, p, [result(0, 0.3, true)]);
    expect(s.truncated).toBe(1);
    expect(s.nli[0]).toBe(0.3);
  });
  it('refuses a result for a text the run did not send', () => {
    const p = plan();
    expect(() => applyChunk(createRun(p), p, [result(2, 0.1)])).toThrow(/text 2 of a run of 2/);
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
    releaseRun(next);
    expect(() => scoresOf(ref)).toThrow(/released/);
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
    applyChunk(s, p, [result(0, 0.1), { index: 1, scores: [], truncated: false, tokens: 0, error: { kind: 'input', message: 'cannot be tokenised' } }]);
    expect([...s.failed]).toEqual([[2, { kind: 'input', message: 'cannot be tokenised' }]]);
    expect(Array.from(s.scored)).toEqual([1, 0, 0, 0]);
    expect(Number.isNaN(s.nli[4]!)).toBe(true);
  });
});
