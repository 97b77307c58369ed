// Tests for pure helpers of the store: same-origin bundle URLs, histogram bins, run rates, template filling.
import { describe, expect, it } from 'vitest';
import { sameOriginBundleUrl } from './engineSlice';
import { hypothesisFor } from './labelsSlice';
import { binOf, memoSelector, runRates } from './selectors';
import type { AppState } from './types';

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
    expect(hypothesisFor('About {name}', 'sports')).toEqual({ problem: expect.stringMatching(/\{name\} is not a field/) });
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
