// Bad input through the real engine (Node, WASM): clear errors or correct results, never a hang.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleError, loadManifest } from './bundle';
import { Engine, InputError, type LabelSpec, type TextResult } from './engine';
import { DEMO_BUNDLE, fsSource, GOLDEN_DIR, readJson } from './fsSource.testutil';
import { ManifestError } from './manifest';
import { configureRuntime } from './session';

const wasmFp32 = { request: { backend: 'wasm', dtype: 'fp32' }, gpu: { available: false, reason: 'Node' } } as const;
let engine: Engine;
let labels: LabelSpec[];

async function run(texts: string[], ls: LabelSpec[] = labels): Promise<TextResult[]> {
  const out: TextResult[] = [];
  await engine.classify(texts, ls, (r) => out.push(...r), () => false);
  return out;
}

beforeAll(async () => {
  configureRuntime({ appAssets: false, threads: 1 });
  engine = await Engine.load(fsSource(DEMO_BUNDLE), wasmFp32);
  labels = engine.defaultLabels();
});
afterAll(() => engine.dispose());

describe('inputs', () => {
  it('scores empty and whitespace-only texts like any other: as PyTorch does', async () => {
    // PyTorch's entailment for the empty text (the golden file's 'empty' case) under each bundle hypothesis.
    const golden = readJson<{ hypotheses: { hypothesis: string }[]; texts: { name: string; pairs: { entailment: number }[] }[] }>(
      join(GOLDEN_DIR, 'demo-fixture.golden.json'),
    );
    const pairs = golden.texts.find((t) => t.name === 'empty')!.pairs;
    const reference = labels.map((l) => pairs[golden.hypotheses.findIndex((h) => h.hypothesis === l.hypothesis)]!.entailment);
    const [empty, blank] = await run(['', ' \t\n ']);
    expect(empty!.scores).toHaveLength(labels.length);
    empty!.scores.forEach((s, j) => expect(Math.abs(s.nli - reference[j]!), labels[j]!.name).toBeLessThan(1e-4));
    // Whitespace tokenizes to nothing, so it scores exactly as the empty text.
    expect(blank!.scores).toEqual(empty!.scores);
  });
  it('scores a 100,000-character text, truncating only the text', async () => {
    const text = 'The central bank raised interest rates again. '.repeat(2200).slice(0, 100_000);
    const [r] = await run([text]);
    expect(r!.truncated).toBe(true);
    expect(r!.tokens).toBeGreaterThan(engine.manifest.backbone.max_length_pair);
    // A truncated text scores the same as its own first tokens would.
    const [same] = await run([text.slice(0, 20_000)]);
    expect(r!.scores.map((s) => s.nli)).toEqual(same!.scores.map((s) => s.nli));
  });
  it('labels a 10 MB cell as its first 20,000 characters, beside a 200 KB line with no space and short rows', async () => {
    // Issue 12: such a cell overflowed the stack, and the short rows of its file went unlabelled.
    // Only the head of a long text is tokenised (TextTokenizer.encodeHead), with the same ids.
    const huge = 'The central bank raised interest rates again, and markets fell.\n'.repeat(160_000).slice(0, 10_000_000);
    const noSpace = 'inflationexpectations'.repeat(10_000);
    const short = ['Hospitals reported fewer admissions.', 'Shares rose 4% in early trading.'];
    const results = await run([short[0]!, huge, noSpace, short[1]!]);
    const reference = await run([short[0]!, huge.slice(0, 20_000), noSpace, short[1]!]);
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(results[1]!.truncated && results[2]!.truncated).toBe(true);
    expect(results.map((r) => r.scores)).toEqual(reference.map((r) => r.scores));
    expect(results[0]!.scores).toEqual((await run([short[0]!]))[0]!.scores);
  });
  it('refuses an empty label list and duplicate labels with a clear message', async () => {
    await expect(run(['x'], [])).rejects.toThrow(/at least one label/);
    await expect(run(['x'], [labels[0]!, { ...labels[0]!, name: labels[0]!.name.toUpperCase() }])).rejects.toThrow(InputError);
  });
  it('scores a label a user adds with NLI only, from the template', async () => {
    const user = engine.zeroShotLabel('sports');
    expect(user.hypothesis).toBe('This text is about sports.');
    const [r] = await run(['The match ended in a draw.'], [user]);
    expect(r!.scores[0]).toMatchObject({ poly: null, alpha: null });
    expect(r!.scores[0]!.blended).toBe(r!.scores[0]!.nli);
  });
  it('hears a cancel posted while a chunk runs (between its batches)', async () => {
    // A cancel arrives as a message: a macrotask. It must land before the chunk ends.
    let cancelled = false;
    let chunks = 0;
    const texts = Array.from({ length: 48 }, (_, i) => `Row ${i}: ${'the central bank raised interest rates '.repeat(1 + (i % 5))}`);
    setTimeout(() => (cancelled = true), 0);
    await expect(engine.classify(texts, labels, () => chunks++, () => cancelled, 48)).rejects.toThrow(/cancelled/);
    expect(chunks).toBe(0);
  });
  it('stops between chunks when cancelled', async () => {
    let chunks = 0;
    const texts = Array.from({ length: 64 }, (_, i) => `Text number ${i}`);
    await expect(
      engine.classify(texts, labels, () => chunks++, () => chunks >= 1, 8),
    ).rejects.toThrow(/cancelled/);
    expect(chunks).toBe(1);
  });
});

describe('broken bundles', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function copy(name: string): string {
    const target = join(dir, name);
    cpSync(DEMO_BUNDLE, target, { recursive: true });
    return target;
  }

  it('names a missing file', async () => {
    const b = copy('missing');
    rmSync(join(b, 'tokenizer.json'));
    await expect(Engine.load(fsSource(b), wasmFp32)).rejects.toThrow(/tokenizer\.json is missing/);
  });
  it('refuses a file whose sha256 does not match', async () => {
    const b = copy('corrupt');
    const m = readJson<{ variants: { fp32: { backbone: string } } }>(join(b, 'manifest.json'));
    const path = join(b, m.variants.fp32.backbone);
    const bytes = new Uint8Array(readFileSync(path));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(path, bytes);
    const error = await Engine.load(fsSource(b), wasmFp32).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BundleError);
    expect(String(error)).toMatch(/corrupt: its sha256/);
  });
  it('rejects an unknown manifest format with what to do', async () => {
    const b = copy('future');
    const m = readJson<Record<string, unknown>>(join(b, 'manifest.json'));
    writeFileSync(join(b, 'manifest.json'), JSON.stringify({ ...m, format: 1 }));
    const error = await loadManifest(fsSource(b)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestError);
    expect(String(error)).toMatch(/format is 1, but this version reads format 2 only. Re-export/);
  });
  it('rejects a manifest that breaks the schema', async () => {
    const b = copy('bad-schema');
    const m = readJson<{ backbone: Record<string, unknown> }>(join(b, 'manifest.json'));
    m.backbone.entailment_id = 'zero';
    writeFileSync(join(b, 'manifest.json'), JSON.stringify(m));
    await expect(loadManifest(fsSource(b))).rejects.toThrow(/entailment_id/);
  });
});
