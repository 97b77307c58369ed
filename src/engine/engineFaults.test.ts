// Injected failures in the real engine (Node, WASM): one bad text fails alone, a failing batch is retried text by text, a lost WebGPU device finishes the run on WASM.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Backend } from './constants';
import { Engine, type LabelSpec, type TextResult } from './engine';
import { SessionError } from './errors';
import { errorKind } from './faults';
import { DEMO_BUNDLE, fsSource } from './fsSource.testutil';
import { EngineHost } from './host';
import { configureRuntime } from './session';

/** What the test injects: a text the tokenizer chokes on, a backbone that fails on batches of several texts, a lost WebGPU device. */
const faults = { poison: null as string | null, failBatches: false, gpuLost: false, runs: 0 };

vi.mock('./tokenize', async (importOriginal) => {
  const real = await importOriginal<typeof import('./tokenize')>();
  return {
    ...real,
    createTokenizer: (...args: Parameters<typeof real.createTokenizer>) => {
      const tokenizer = real.createTokenizer(...args);
      return {
        ...tokenizer,
        encodeHead: (text: string, n: number) => {
          if (faults.poison !== null && text.includes(faults.poison)) throw new RangeError('Maximum call stack size exceeded');
          return tokenizer.encodeHead(text, n);
        },
      };
    },
  };
});

vi.mock('./session', async (importOriginal) => {
  const real = await importOriginal<typeof import('./session')>();
  return {
    ...real,
    // A 'webgpu' session is a WASM session that says it is on WebGPU and fails once the device is lost.
    createSession: async (model: Uint8Array, backend: Backend, externalData?: Parameters<typeof real.createSession>[2], file?: string) => {
      const session = await real.createSession(model, 'wasm', externalData, file);
      type Feeds = Parameters<typeof session.run>[0];
      /** The injected failure for a run over `feeds`, or null to run it. */
      const fault = (feeds: Feeds): Promise<never> | null => {
        faults.runs++;
        if (backend === 'webgpu' && faults.gpuLost) return Promise.reject(new SessionError('webgpu', 'run', file ?? '?', 'Device was lost'));
        // One text's pairs (one per label) make at most labels.length rows: more rows hold several texts.
        if (faults.failBatches && (feeds.input_ids ?? feeds.last_hidden_state)!.dims[0]! > labels.length) return Promise.reject(new Error('batch of several texts failed'));
        return null;
      };
      return {
        ...session,
        backend,
        run: (feeds: Feeds, outputs: readonly string[]) => fault(feeds) ?? session.run(feeds, outputs),
        runOnDevice: (feeds: Feeds, output: string) => fault(feeds) ?? session.runOnDevice(feeds, output),
      };
    },
  };
});

const wasmFp32 = { request: { backend: 'wasm', dtype: 'fp32' }, gpu: { available: false, reason: 'Node' } } as const;
const TEXTS = Array.from({ length: 40 }, (_, i) => `Row ${i}: ${'markets and vaccines '.repeat(1 + (i % 4))}`);
let reference: TextResult[];
let labels: LabelSpec[];

async function run(engine: { classify: Engine['classify'] }, texts: readonly string[], chunk?: number): Promise<TextResult[]> {
  const out: TextResult[] = [];
  await engine.classify(texts, labels, (r) => out.push(...r), () => false, chunk);
  return out;
}

beforeAll(async () => {
  configureRuntime({ appAssets: false, threads: 1 });
  const engine = await Engine.load(fsSource(DEMO_BUNDLE), wasmFp32);
  labels = engine.defaultLabels();
  reference = await run(engine, TEXTS);
  await engine.dispose();
});
afterEach(() => Object.assign(faults, { poison: null, failBatches: false, gpuLost: false, runs: 0 }));

describe('one bad row', () => {
  it('fails alone with its own error; the other rows of its chunk get the scores they get anyway', async () => {
    const engine = await Engine.load(fsSource(DEMO_BUNDLE), wasmFp32);
    faults.poison = '\u0000POISON';
    const texts = [...TEXTS.slice(0, 5), `bad \u0000POISON text`, ...TEXTS.slice(5, 10)];
    const results = await run(engine, texts);
    await engine.dispose();
    expect(results.map((r) => r.index)).toEqual(texts.map((_, i) => i));
    expect(results[5]).toEqual({ index: 5, scores: [], truncated: false, windows: 1, tokens: 0, error: { kind: 'internal', message: 'Maximum call stack size exceeded' } });
    const good = results.filter((r) => !r.error);
    expect(good.map((r) => r.scores)).toEqual(reference.slice(0, 10).map((r) => r.scores));
  });

  it('a batch that fails is retried text by text, and every text is scored as it would be anyway', async () => {
    const engine = await Engine.load(fsSource(DEMO_BUNDLE), wasmFp32);
    faults.failBatches = true;
    const results = await run(engine, TEXTS.slice(0, 6));
    await engine.dispose();
    expect(results.filter((r) => r.error)).toEqual([]);
    expect(results.map((r) => r.scores)).toEqual(reference.slice(0, 6).map((r) => r.scores));
  });

  it('a hypothesis too long for any text fails the request once, as an input error, before any run', async () => {
    const engine = await Engine.load(fsSource(DEMO_BUNDLE), wasmFp32);
    faults.runs = 0;
    const long: LabelSpec = { name: 'Long', hypothesis: 'word '.repeat(600), head: false };
    const error = (await engine.classify(TEXTS, [long], () => {}, () => false).catch((e: unknown) => e)) as Error;
    await engine.dispose();
    expect(errorKind(error)).toBe('input');
    expect(error.message).toMatch(/^The hypothesis of 'Long' is \d+ tokens long; with the text it must fit in 512 tokens\. Shorten the label's hypothesis\.$/);
    expect(faults.runs).toBe(0);
  });
});

describe('WebGPU lost', () => {
  const gpu = { available: true, shaderF16: false, software: null } as const;

  it('mid-run: the run finishes on WASM, every text scored once, with the scores of a WASM run', async () => {
    const host = new EngineHost();
    const loaded = await host.load(fsSource(DEMO_BUNDLE), { request: { backend: 'auto', dtype: 'fp32' }, gpu });
    expect(loaded.info.backend).toBe('webgpu');
    const results: TextResult[] = [];
    const changes: Backend[] = [];
    await host.classify(
      TEXTS,
      labels,
      (r) => {
        results.push(...r);
        faults.gpuLost = true; // after the first chunk (32 texts) has been handed on
      },
      () => false,
      (e) => changes.push(e.info.backend),
    );
    expect(changes).toEqual(['wasm']);
    expect(host.current!.info.reason).toBe('WebGPU failed while classifying (Device was lost): using WASM');
    expect(results.map((r) => r.index)).toEqual(TEXTS.map((_, i) => i));
    expect(results.map((r) => r.scores)).toEqual(reference.map((r) => r.scores));
    await host.dispose();
  });

  it('at load (the warm-up run fails): loads on WASM and says why; a forced WebGPU fails instead', async () => {
    faults.gpuLost = true;
    const host = new EngineHost();
    const engine = await host.load(fsSource(DEMO_BUNDLE), { request: { backend: 'auto', dtype: 'fp32' }, gpu });
    expect(engine.info.backend).toBe('wasm');
    expect(engine.info.reason).toBe('WebGPU failed while loading (Device was lost): using WASM');
    await host.dispose();
    const forced = await host.load(fsSource(DEMO_BUNDLE), { request: { backend: 'webgpu', dtype: 'fp32' }, gpu }).catch((e: unknown) => e);
    expect(forced).toBeInstanceOf(SessionError);
    expect(errorKind(forced)).toBe('backend');
  });

  it('forced WebGPU mid-run: rows fail one by one with the backend error instead of moving to WASM', async () => {
    const host = new EngineHost();
    await host.load(fsSource(DEMO_BUNDLE), { request: { backend: 'webgpu', dtype: 'fp32' }, gpu });
    faults.gpuLost = true;
    const results: TextResult[] = [];
    const changes: Backend[] = [];
    await host.classify(TEXTS.slice(0, 3), labels, (r) => results.push(...r), () => false, (e) => changes.push(e.info.backend));
    expect(changes).toEqual([]);
    expect(results.map((r) => r.error?.kind)).toEqual(['backend', 'backend', 'backend']);
    expect(host.current!.info.backend).toBe('webgpu');
    await host.dispose();
  });
});
