// Tests for pure helpers of the store: same-origin bundle URLs, thresholds in force, staleness, histogram bins, run rates, template filling.
import { describe, expect, it } from 'vitest';
import { sameOriginBundleUrl } from './engineSlice';
import { hypothesisFor } from './labelsSlice';
import type { LabelState } from './labelsSlice';
import { binOf, labelsChanged, memoSelector, runRates, selectBatchThresholds, selectTextScoreRows, selectTextStale, thresholdsInForce } from './selectors';
import type { AppState, RunLabel } from './types';

const label = (name: string, threshold: number, hypothesis = `About ${name}.`): LabelState => ({
  name,
  hypothesis,
  threshold,
  head: false,
  alpha: null,
  source: 'bundle',
  defaultThreshold: 0.5,
  defaultHypothesis: hypothesis,
});
const ran = (name: string, threshold: number, hypothesis = `About ${name}.`): RunLabel => ({ name, hypothesis, head: false, threshold });

describe('thresholdsInForce', () => {
  it("takes each run label's current threshold by name, else the one the run used", () => {
    expect(thresholdsInForce([ran('A', 0.5), ran('B', 0.3), ran('Gone', 0.7)], [label('B', 0.9), label('A', 0.1)])).toEqual([0.1, 0.9, 0.7]);
  });
});

describe('selectBatchThresholds', () => {
  it("keeps the same array through a run's publishes (each replaces the batch), and follows a threshold change", () => {
    const runLabels = [ran('A', 0.5), ran('B', 0.3)];
    const labels = [label('A', 0.2), label('B', 0.3)];
    const batch = { labels: runLabels, scores: { run: 1, version: 0 } };
    const at = (b: object, l: LabelState[]) => selectBatchThresholds({ batch: b, labels: l } as unknown as AppState);
    const first = at(batch, labels);
    expect(first).toEqual([0.2, 0.3]);
    expect(at({ ...batch, scores: { run: 1, version: 1 } }, labels)).toBe(first);
    expect(at(batch, [label('A', 0.6), labels[1]!])).toEqual([0.6, 0.3]);
  });
});

describe('labelsChanged', () => {
  it('sees names, order and hypotheses change, not thresholds', () => {
    const run = [ran('A', 0.5), ran('B', 0.3)];
    expect(labelsChanged(run, [label('A', 0.9), label('B', 0)])).toBe(false);
    expect(labelsChanged(run, [label('B', 0.3), label('A', 0.5)])).toBe(true);
    expect(labelsChanged(run, [label('A', 0.5), label('B', 0.3, 'Other.')])).toBe(true);
    expect(labelsChanged(run, [label('A', 0.5)])).toBe(true);
  });
});

describe('the pasted text', () => {
  const textRun = {
    seq: 1,
    text: 't',
    labels: [ran('A', 0.5), ran('B', 0.3)],
    scores: [
      { nli: 0.6, poly: null, alpha: null, blended: 0.6 },
      { nli: 0.2, poly: null, alpha: null, blended: 0.2 },
    ],
    truncated: false,
    tokens: 1,
    elapsedMs: 1,
    backend: 'wasm',
    dtype: 'fp32',
  };
  it('shows its scores with the thresholds in force, and is stale once the labels change', () => {
    const s = { textRun, labels: [label('A', 0.7), label('B', 0.3)] } as AppState;
    expect(selectTextScoreRows(s).map((r) => [r.label, r.score.blended, r.threshold])).toEqual([
      ['A', 0.6, 0.7],
      ['B', 0.2, 0.3],
    ]);
    expect(selectTextStale(s)).toBe(false);
    expect(selectTextStale({ ...s, labels: [label('A', 0.7)] })).toBe(true);
    expect(selectTextStale({ ...s, textRun: null })).toBe(false);
  });
});

describe('sameOriginBundleUrl', () => {
  const href = 'http://localhost:4173/app/?x=1';
  it('resolves folders on this origin to absolute paths ending in /', () => {
    expect(sameOriginBundleUrl('/models/a', href)).toBe('/models/a/');
    expect(sameOriginBundleUrl('models/b/', href)).toBe('/app/models/b/');
    expect(sameOriginBundleUrl('http://localhost:4173/models/c/', href)).toBe('/models/c/');
  });
  it('refuses other origins and non-URLs', () => {
    expect(sameOriginBundleUrl('https://example.com/models/a/', href)).toBeNull();
    expect(sameOriginBundleUrl('http://localhost:9999/models/a/', href)).toBeNull();
    expect(sameOriginBundleUrl('http://[bad', href)).toBeNull();
  });
});

describe('binOf', () => {
  it('puts [0, 1] into 20 bins, 1 into the last', () => {
    expect([0, 0.049, 0.05, 0.5, 0.999, 1].map((x) => binOf(x))).toEqual([0, 0, 1, 10, 19, 19]);
  });
});

describe('runRates', () => {
  it('gives rows per second and time left, or nulls before the first rows', () => {
    const base = { status: 'running', requestId: 1, total: 100, problem: null } as const;
    expect(runRates({ ...base, done: 0, elapsedMs: 0 })).toEqual({ rowsPerSecond: null, secondsLeft: null, fraction: 0 });
    expect(runRates({ ...base, done: 25, elapsedMs: 5000 })).toEqual({ rowsPerSecond: 5, secondsLeft: 15, fraction: 0.25 });
  });
});

describe('hypothesisFor', () => {
  it("fills the bundle's template as Python's str.format does, or says why it cannot", () => {
    expect(hypothesisFor('This text is about {}.', 'sports')).toEqual({ hypothesis: 'This text is about sports.' });
    expect(hypothesisFor('About:', 'sports')).toEqual({ hypothesis: 'About:' });
    const broken = hypothesisFor('About {name}', 'sports');
    expect('problem' in broken ? broken.problem : null).toMatch(/\{name\} is not a field/);
  });
});

describe('memoSelector', () => {
  it('recomputes only when an input changes', () => {
    let calls = 0;
    const sel = memoSelector(
      (s: AppState) => [s.text] as const,
      ([t]) => {
        calls++;
        return t.length;
      },
    );
    const a = { text: 'abc' } as AppState;
    expect(sel(a)).toBe(3);
    expect(sel({ ...a })).toBe(3);
    expect(calls).toBe(1);
    expect(sel({ text: 'abcd' } as AppState)).toBe(4);
    expect(calls).toBe(2);
  });
});
