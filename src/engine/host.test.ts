// The WebGPU fallback with injected failures: which errors move to WASM, a forced WebGPU that stays, a run resumed without scoring a text twice.
import { describe, expect, it } from 'vitest';
import { type BackendRequest, timedChoiceKey, type TimedChoice } from './backend';
import type { LabelSpec, TextResult } from './engine';
import { InputError, SessionError } from './errors';
import { EngineHost, type HostedEngine } from './host';
import type { Manifest, Variant } from './manifest';
import { CancelledError } from './nli';
import { StubEngine, STUB_SOURCE as SOURCE, scriptedLoader as loader } from './stubEngine.testutil';
import { TokenizeError } from './tokenize';

const LABELS: LabelSpec[] = [{ name: 'Finance', hypothesis: 'This text is about finance.', head: false }];
const GPU = { available: true, shaderF16: false, software: null } as const;
const AUTO: BackendRequest = { backend: 'auto', dtype: 'auto' };

const webgpuFailure = (op: 'create' | 'run') => new SessionError('webgpu', op, 'onnx/model_q4.onnx', 'GPUDevice was lost');
const TEXTS = ['t0', 'text1', 'text-2', 'text--3', 'text---4', 'text----5', 'text-----6'];

async function classifyAll(host: EngineHost, texts = TEXTS) {
  const results: TextResult[] = [];
  const dones: number[] = [];
  const changes: HostedEngine[] = [];
  await host.classify(texts, LABELS, (r, done) => (results.push(...r), dones.push(done)), () => false, (e) => changes.push(e));
  return { results, dones, changes };
}

describe('EngineHost.load', () => {
  it('falls back to WASM when WebGPU fails to create a session, keeping the dtype asked for, and says why', async () => {
    const wasm = new StubEngine('wasm');
    const { load, calls } = loader({ webgpu: [webgpuFailure('create')], wasm: [wasm] });
    const host = new EngineHost(load);
    const engine = await host.load(SOURCE, { request: { backend: 'auto', dtype: 'fp32' }, gpu: GPU });
    expect(engine).toBe(wasm);
    expect(calls).toEqual([{ backend: 'auto', dtype: 'fp32' }, { backend: 'wasm', dtype: 'fp32' }]);
    expect(engine.info.reason).toBe('WebGPU failed while loading (GPUDevice was lost): using WASM');
  });

  it('keeps a forced WebGPU: its failure is the answer', async () => {
    const { load, calls } = loader({ webgpu: [webgpuFailure('create')], wasm: [new StubEngine('wasm')] });
    const host = new EngineHost(load);
    await expect(host.load(SOURCE, { request: { backend: 'webgpu', dtype: 'auto' }, gpu: GPU })).rejects.toBeInstanceOf(SessionError);
    expect(calls).toHaveLength(1);
    expect(host.current).toBeNull();
  });

  it.each([
    ['a TokenizeError', new TokenizeError('hypothesis too long')],
    ['an InputError', new InputError('No labels to score.')],
    ['a RangeError', new RangeError('NLI logits have 3 classes')],
    ['a WASM session failure', new SessionError('wasm', 'create', 'onnx/model.onnx', 'out of memory')],
  ])('never falls back for %s', async (_name, error) => {
    const { load, calls } = loader({ webgpu: [error], wasm: [new StubEngine('wasm')] });
    await expect(new EngineHost(load).load(SOURCE, { request: AUTO, gpu: GPU })).rejects.toBe(error);
    expect(calls).toHaveLength(1);
  });

  it('releases the previous engine before loading the next', async () => {
    const first = new StubEngine('wasm');
    const { load } = loader({ wasm: [first, new StubEngine('wasm')] });
    const host = new EngineHost(load);
    await host.load(SOURCE, { request: { backend: 'wasm', dtype: 'auto' }, gpu: GPU });
    await host.load(SOURCE, { request: { backend: 'wasm', dtype: 'auto' }, gpu: GPU });
    expect(first.disposed).toBe(true);
  });
});

describe('EngineHost.classify', () => {
  it('finishes a run on WASM after WebGPU fails mid-run, scoring each text exactly once', async () => {
    const gpu = new StubEngine('webgpu', { at: 2, error: webgpuFailure('run') });
    const wasm = new StubEngine('wasm');
    const { load, calls } = loader({ webgpu: [gpu], wasm: [wasm] });
    const host = new EngineHost(load);
    await host.load(SOURCE, { request: AUTO, gpu: GPU });
    const { results, dones, changes } = await classifyAll(host);
    expect(gpu.scored).toEqual(TEXTS.slice(0, 4));
    expect(wasm.scored).toEqual(TEXTS.slice(4));
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(results.map((r) => r.tokens)).toEqual(TEXTS.map((t) => t.length));
    expect(dones).toEqual([2, 4, 6, 7]);
    expect(gpu.disposed).toBe(true);
    expect(changes).toEqual([wasm]);
    expect(wasm.info.reason).toBe('WebGPU failed while classifying (GPUDevice was lost): using WASM');
    expect(calls.at(-1)).toEqual({ backend: 'wasm', dtype: 'auto' });
    expect(host.current).toBe(wasm);
  });

  it('keeps a forced WebGPU mid-run: the error ends the request', async () => {
    const gpu = new StubEngine('webgpu', { at: 1, error: webgpuFailure('run') });
    const { load, calls } = loader({ webgpu: [gpu], wasm: [new StubEngine('wasm')] });
    const host = new EngineHost(load);
    await host.load(SOURCE, { request: { backend: 'webgpu', dtype: 'auto' }, gpu: GPU });
    await expect(classifyAll(host)).rejects.toBeInstanceOf(SessionError);
    expect(calls).toHaveLength(1);
    expect(host.current).toBe(gpu);
  });

  it.each([
    ['a TokenizeError', new TokenizeError('The hypothesis is 600 tokens long')],
    ['a RangeError', new RangeError('NLI logits have 3 classes')],
    ['a cancel', new CancelledError()],
  ])('does not reload on WASM after %s on WebGPU', async (_name, error) => {
    const gpu = new StubEngine('webgpu', { at: 1, error });
    const { load, calls } = loader({ webgpu: [gpu], wasm: [new StubEngine('wasm')] });
    const host = new EngineHost(load);
    await host.load(SOURCE, { request: AUTO, gpu: GPU });
    await expect(classifyAll(host)).rejects.toBe(error);
    expect(calls).toHaveLength(1);
    expect(host.current).toBe(gpu);
  });

  it('refuses to classify before a load, with what to do', async () => {
    await expect(classifyAll(new EngineHost(loader({}).load))).rejects.toThrow(/No model is loaded yet/);
  });
});

describe('EngineHost.load, timed backend choice', () => {
  const variant = (dtype: 'q4' | 'q8') =>
    ({ backbone: `onnx/${dtype}.onnx`, requires_shader_f16: false, intended_backends: dtype === 'q8' ? ['wasm'] : ['webgpu', 'wasm'], recommended: true }) as unknown as Variant;
  const MANIFEST = {
    id: 'news',
    variants: { q4: variant('q4'), q8: variant('q8') },
    files: { 'onnx/q4.onnx': { bytes: 1, sha256: '1'.repeat(64) }, 'onnx/q8.onnx': { bytes: 1, sha256: '2'.repeat(64) } },
  } as unknown as Manifest;
  const RTX = { ...GPU, device: 'nvidia/ada//RTX' };
  const KEY = timedChoiceKey(MANIFEST, RTX, 2, 'q4', 'q8');
  const opts = (extra: object = {}) => ({ request: AUTO, gpu: RTX, threads: 2, remembered: {}, ...extra });
  /** A host whose manifest reads are counted, with the clock at 1000. */
  const hostWith = (load: ConstructorParameters<typeof EngineHost>[0]) => {
    const reads: string[] = [];
    const host = new EngineHost(load, (source) => (reads.push(source.label), Promise.resolve(MANIFEST)), () => 1000);
    return { host, reads };
  };
  const engines = (gpuMs: number | Error, wasmMs: number | Error) => {
    const gpu = new StubEngine('webgpu');
    const wasm = new StubEngine('wasm');
    gpu.warmUp = gpuMs;
    wasm.warmUp = wasmMs;
    return { gpu, wasm };
  };

  it('loads both, times a warm-up on each, keeps the faster and releases the other', async () => {
    const { gpu, wasm } = engines(300, 100);
    const { load, choices } = loader({ webgpu: [gpu], wasm: [wasm] });
    const engine = await hostWith(load).host.load(SOURCE, opts());
    expect(engine).toBe(wasm);
    expect(choices.map((c) => c && [c.backend, c.dtype])).toEqual([['webgpu', 'q4'], ['wasm', 'q8']]);
    expect(gpu.disposed).toBe(true);
    expect(wasm.disposed).toBe(false);
    expect(engine.info.reason).toBe('WASM chosen: 3.0× faster than WebGPU on this device in a warm-up run (WASM q8 100 ms, WebGPU q4 300 ms)');
    expect(engine.info.timed).toEqual({ key: KEY, backend: 'wasm', webgpu: { dtype: 'q4', ms: 300 }, wasm: { dtype: 'q8', ms: 100 }, measuredAt: 1000, remembered: false });
  });

  it('keeps WebGPU when it is faster', async () => {
    const { gpu, wasm } = engines(40, 100);
    const engine = await hostWith(loader({ webgpu: [gpu], wasm: [wasm] }).load).host.load(SOURCE, opts());
    expect(engine).toBe(gpu);
    expect(wasm.disposed).toBe(true);
    expect(engine.info.timed).toMatchObject({ backend: 'webgpu', remembered: false });
  });

  it('loads only the remembered backend, and says it was remembered', async () => {
    const known: TimedChoice = { key: KEY, backend: 'wasm', webgpu: { dtype: 'q4', ms: 300 }, wasm: { dtype: 'q8', ms: 100 }, measuredAt: 5 };
    const wasm = new StubEngine('wasm');
    const { load, choices } = loader({ wasm: [wasm] });
    const engine = await hostWith(load).host.load(SOURCE, opts({ remembered: { [KEY]: known } }));
    expect(engine).toBe(wasm);
    expect(choices).toEqual([{ backend: 'wasm', dtype: 'q8', reason: 'WASM chosen: 3.0× faster than WebGPU on this device in a warm-up run (WASM q8 100 ms, WebGPU q4 300 ms); remembered' }]);
    expect(engine.info.timed).toEqual({ ...known, remembered: true });
  });

  it('moves to WASM when WebGPU fails in its warm-up run, and remembers nothing', async () => {
    const { gpu, wasm } = engines(webgpuFailure('run'), 100);
    const engine = await hostWith(loader({ webgpu: [gpu], wasm: [wasm] }).load).host.load(SOURCE, opts());
    expect(engine).toBe(wasm);
    expect(gpu.disposed).toBe(true);
    expect(engine.info.reason).toBe('WebGPU failed in its warm-up run (GPUDevice was lost): using WASM');
    expect(engine.info.timed).toBeUndefined();
  });

  it('moves to WASM when the WebGPU session cannot even be created', async () => {
    const wasm = new StubEngine('wasm');
    const engine = await hostWith(loader({ webgpu: [webgpuFailure('create')], wasm: [wasm] }).load).host.load(SOURCE, opts());
    expect(engine).toBe(wasm);
    expect(engine.info.reason).toBe('WebGPU failed in its warm-up run (GPUDevice was lost): using WASM');
  });

  it('throws a failure that is not WebGPU\'s without loading WASM', async () => {
    const error = new InputError('No labels to score.');
    const { gpu } = engines(error, 100);
    const { load, calls } = loader({ webgpu: [gpu], wasm: [new StubEngine('wasm')] });
    await expect(hostWith(load).host.load(SOURCE, opts())).rejects.toBe(error);
    expect(calls).toHaveLength(1);
    expect(gpu.disposed).toBe(true);
  });

  it('never reads the manifest or races on a software adapter, when a backend is forced, or for a caller that remembers nothing', async () => {
    for (const [gpu, request, remembered] of [
      [{ ...RTX, software: 'SwiftShader' }, AUTO, {}],
      [RTX, { backend: 'webgpu', dtype: 'auto' }, {}],
      [RTX, { backend: 'wasm', dtype: 'auto' }, {}],
      [RTX, AUTO, undefined],
    ] as const) {
      const { load, calls, choices } = loader({ webgpu: [new StubEngine('webgpu')], wasm: [new StubEngine('wasm')] });
      const { host, reads } = hostWith(load);
      const engine = await host.load(SOURCE, { ...opts({ gpu, request }), remembered });
      expect(reads).toEqual([]);
      expect(calls).toEqual([request]);
      expect(choices).toEqual([null]);
      expect(engine.info.timed).toBeUndefined();
    }
  });
});
