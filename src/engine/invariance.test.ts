// Batch invariance of the engine (Node, WASM): a text's scores depend on that text alone, for every variant WASM can run.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, type LabelSpec, type TextResult } from './engine';
import { DEMO_BUNDLE, fsSource, GOLDEN_DIR, readJson } from './fsSource.testutil';
import type { Dtype } from './constants';
import { configureRuntime } from './session';

/**
 * Largest |Δ| allowed between a text scored alone and the same text in any batch, label set or
 * order, per variant. fp32 and q4 pad every batch to the manifest's pad_multiple and are exact on
 * WASM; q8 (dynamic int8 quantises a whole batch with one scale) is run one sequence at a time by
 * the engine, so it is exact too. 1e-6 is the bound the product promises.
 */
const BOUND: Partial<Record<Dtype, number>> = { fp32: 1e-6, q4: 1e-6, q8: 1e-6 };

const golden = readJson<{ texts: Array<{ text: string }> }>(join(GOLDEN_DIR, 'demo-fixture.golden.json'));
// Edge cases of the golden file (empty, long, CJK, emoji...) plus news-like sentences of varied length.
const subjects = ['The central bank', 'A new smartphone', 'Hospital staff', 'Wind farms', 'Stock markets', 'The government'];
const objects = ['record quarterly earnings', 'a vaccine trial', 'rising carbon emissions', 'an AI chip', 'lower unemployment'];
// The golden texts longer than the pair limit cost the most and add nothing a 300-token text does not.
const TEXTS = [
  ...golden.texts.map((t) => t.text).filter((t) => t.length < 2000),
  ...Array.from({ length: 24 }, (_, i) =>
    Array.from({ length: 1 + (i % 5) }, (_, k) => `${subjects[(i + k) % 6]} reported ${objects[(i * 3 + k) % 5]}.`).join(' '),
  ),
];

/** Deterministic PRNG (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(xs: readonly T[], next: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Every term of every score, flattened, for the comparison. */
const terms = (r: TextResult, names: readonly string[]): number[] =>
  names.flatMap((n) => {
    const s = r.scores[names.indexOf(n)]!;
    return [s.nli, s.poly ?? -1, s.blended];
  });

describe.each(Object.keys(BOUND) as Dtype[])('%s on WASM: scores depend on the text alone', (dtype) => {
  let engine: Engine;
  let labels: LabelSpec[];
  const alone = new Map<string, number[]>();

  async function score(texts: readonly string[], ls: readonly LabelSpec[]): Promise<TextResult[]> {
    const out: TextResult[] = [];
    await engine.classify(texts, ls, (r) => out.push(...r), () => false);
    return out.sort((a, b) => a.index - b.index);
  }

  beforeAll(async () => {
    configureRuntime({ appAssets: false, threads: 1 });
    engine = await Engine.load(fsSource(DEMO_BUNDLE), { request: { backend: 'wasm', dtype }, gpu: { available: false, reason: 'Node' } });
    labels = [...engine.defaultLabels(), engine.zeroShotLabel('sports'), engine.zeroShotLabel('weather')];
    for (const text of TEXTS) alone.set(text, terms((await score([text], labels))[0]!, labels.map((l) => l.name)));
  }, 300_000);
  afterAll(() => engine?.dispose());

  it('uses heads and zero-shot labels, and runs q8 one sequence at a time', () => {
    expect(labels.some((l) => l.head)).toBe(true);
    expect(engine.manifest.variants[dtype]!.run_alone).toBe(dtype === 'q8');
  });

  it('gives the same scores shuffled into batches of 1 to 64 texts', async () => {
    const next = rng(dtype.length * 7919);
    const names = labels.map((l) => l.name);
    let worst = 0;
    for (let round = 0; round < 2; round++) {
      const order = shuffled(TEXTS, next);
      for (let start = 0; start < order.length; ) {
        const size = 1 + Math.floor(next() * 64);
        const batch = order.slice(start, start + size);
        start += size;
        for (const r of await score(batch, labels)) {
          const want = alone.get(batch[r.index]!)!;
          terms(r, names).forEach((v, k) => (worst = Math.max(worst, Math.abs(v - want[k]!))));
        }
      }
    }
    console.info(`${dtype}: max |alone - batched| = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(BOUND[dtype]!);
  }, 300_000);

  it('gives the same scores whichever other labels are requested, in any order', async () => {
    const next = rng(31 + dtype.length);
    const names = labels.map((l) => l.name);
    let worst = 0;
    for (let round = 0; round < 3; round++) {
      const subset = shuffled(labels, next).slice(0, 1 + Math.floor(next() * labels.length));
      const texts = shuffled(TEXTS, next).slice(0, 16);
      for (const r of await score(texts, subset)) {
        const want = alone.get(texts[r.index]!)!;
        subset.forEach((l, j) => {
          const s = r.scores[j]!;
          const k = names.indexOf(l.name) * 3;
          worst = Math.max(worst, Math.abs(s.nli - want[k]!), Math.abs((s.poly ?? -1) - want[k + 1]!), Math.abs(s.blended - want[k + 2]!));
        });
      }
    }
    expect(worst).toBeLessThanOrEqual(BOUND[dtype]!);
  }, 300_000);
});
