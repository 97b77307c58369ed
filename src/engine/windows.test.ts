// Windowed scoring of long texts (the optional long-text mode) against PyTorch's scores of the same windows (model_export/windows_golden.py).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type LabelSpec, type TextResult } from './engine';
import type { LongTextOption, WindowAggregate } from './constants';
import { DEMO_BUNDLE, fsSource, GOLDEN_DIR, readJson } from './fsSource.testutil';
import { configureRuntime } from './session';

interface WindowsGolden {
  max_length_pair: number;
  texts: Array<{
    name: string;
    text: string;
    tokens: number;
    labels: Array<{ label: string; room: number; strides: Array<{ stride: number; spans: number[][]; entailment: number[]; max: number; mean: number }> }>;
  }>;
}

const golden = readJson<WindowsGolden>(join(GOLDEN_DIR, 'demo-fixture.windows.golden.json'));
const TOL = 1e-4;
let engine: Engine;
let labels: LabelSpec[];

async function classify(texts: readonly string[], long?: LongTextOption): Promise<TextResult[]> {
  const out: TextResult[] = [];
  await engine.classify(texts, labels, (r) => out.push(...r), () => false, 32, long);
  return out.sort((a, b) => a.index - b.index);
}

beforeAll(async () => {
  configureRuntime({ appAssets: false, threads: 1 });
  engine = await Engine.load(fsSource(DEMO_BUNDLE), { request: { backend: 'wasm', dtype: 'fp32' }, gpu: { available: false, reason: 'Node' } });
  const names = golden.texts[0]!.labels.map((l) => l.label);
  // NLI only: the blend is checked elsewhere; here the windowed NLI term is compared.
  labels = engine.defaultLabels().filter((l) => names.includes(l.name)).map((l) => ({ ...l, head: false }));
  expect(labels.map((l) => l.name)).toEqual(names);
}, 120_000);

afterAll(async () => {
  await engine?.dispose();
});

describe('windows mode matches PyTorch on the fixture (fp32, within 1e-4)', () => {
  it('covers texts of several windows and one that fits', () => {
    expect(golden.texts.some((t) => t.labels[0]!.strides.some((s) => s.spans.length >= 4))).toBe(true);
    expect(golden.texts.some((t) => t.labels[0]!.strides[0]!.spans.length === 1)).toBe(true);
  });

  for (const aggregate of ['max', 'mean'] as const satisfies readonly WindowAggregate[]) {
    for (const stride of golden.texts[0]!.labels[0]!.strides.map((s) => s.stride)) {
      it(`stride ${stride}, ${aggregate}: every label's NLI score is PyTorch's aggregate over the same windows`, async () => {
        const results = await classify(golden.texts.map((t) => t.text), { mode: 'windows', stride, aggregate });
        golden.texts.forEach((t, i) => {
          const r = results[i]!;
          const spans = t.labels.map((l) => l.strides.find((s) => s.stride === stride)!);
          expect(r.windows, t.name).toBe(Math.max(...spans.map((s) => s.spans.length)));
          expect(r.truncated, t.name).toBe(false);
          spans.forEach((s, j) => {
            expect(Math.abs(r.scores[j]!.nli - s[aggregate]), `${t.name} / ${t.labels[j]!.label}`).toBeLessThan(TOL);
          });
        });
      }, 120_000);
    }
  }

  it('a text alone scores as it does among the others (batch neighbours do not matter)', async () => {
    const option: LongTextOption = { mode: 'windows', stride: 200, aggregate: 'mean' };
    const all = await classify(golden.texts.map((t) => t.text), option);
    for (const [i, t] of golden.texts.entries()) {
      const [alone] = await classify([t.text], option);
      alone!.scores.forEach((s, j) => expect(Math.abs(s.nli - all[i]!.scores[j]!.nli)).toBeLessThan(TOL));
    }
  }, 120_000);

  it('a text that fits scores exactly as when truncating; a long one is cut to its first window in one window', async () => {
    const texts = golden.texts.map((t) => t.text);
    const cut = await classify(texts);
    const windowed = await classify(texts, { mode: 'windows', stride: 200, aggregate: 'mean' });
    golden.texts.forEach((t, i) => {
      const first = t.labels[0]!.strides.find((s) => s.stride === 200)!;
      expect(cut[i]!.windows).toBe(1);
      if (first.spans.length === 1) {
        expect(windowed[i]!.scores).toEqual(cut[i]!.scores);
        expect(cut[i]!.truncated).toBe(false);
      } else {
        expect(cut[i]!.truncated).toBe(true);
        expect(Math.abs(cut[i]!.scores[0]!.nli - first.entailment[0]!)).toBeLessThan(TOL);
        expect(Math.abs(windowed[i]!.scores[0]!.nli - cut[i]!.scores[0]!.nli)).toBeGreaterThan(TOL);
      }
    });
  }, 120_000);

  it('refuses a stride that is not a whole number of tokens, with what to do', async () => {
    await expect(classify(['a'], { mode: 'windows', stride: 0, aggregate: 'max' })).rejects.toThrow(/stride is 0; .* Set a stride/);
  });
});
