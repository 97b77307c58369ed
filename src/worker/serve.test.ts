// The worker's request handling with stub engines: one request at a time, cancel at once, every error answered with its kind, a fallback told as `ready`.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BundleError } from '../engine/bundle';
import type { LabelSpec } from '../engine/engine';
import { InputError, SessionError } from '../engine/errors';
import { DEMO_BUNDLE, fsSource, readJson } from '../engine/fsSource.testutil';
import { EngineHost } from '../engine/host';
import type { Manifest } from '../engine/manifest';
import { StubEngine, STUB_SOURCE, scriptedLoader } from '../engine/stubEngine.testutil';
import type { Request, Response } from './protocol';
import { createServer } from './serve';

const MANIFEST = readJson<Manifest>(join(DEMO_BUNDLE, 'manifest.json'));
const LABELS: LabelSpec[] = [{ name: 'Finance', hypothesis: 'This text is about finance.', head: false }];
const TEXTS = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];

function server(script: Parameters<typeof scriptedLoader>[0], gpu = false) {
  const { load, calls } = scriptedLoader(script);
  const sent: Response[] = [];
  const receive = createServer({
    host: new EngineHost(load),
    post: (m) => sent.push(m),
    probeGpu: () => Promise.resolve(gpu ? { available: true, shaderF16: false, software: null, adapter: 'test gpu' } : { available: false, reason: 'no WebGPU adapter' }),
    threads: 1,
    ortVersion: () => 'test',
    sourceFor: () => STUB_SOURCE,
    now: () => 0,
  });
  return { receive, sent, calls };
}

const load = (id: number, backend: 'auto' | 'webgpu' | 'wasm' = 'auto'): Request => ({ type: 'load', id, location: { kind: 'url', url: '/models/x/' }, request: { backend, dtype: 'auto' } });
const classify = (id: number, texts = TEXTS): Request => ({ type: 'classify', id, texts, labels: LABELS });
const summary = (sent: Response[]) => sent.filter((m) => m.type !== 'progress').map((m) => `${m.id}:${m.type}${m.type === 'result' ? `:${m.done}${m.cancelled ? ':cancelled' : ''}` : ''}`);

describe('createServer', () => {
  it('serves a classify sent while a load runs after the load, instead of failing it', async () => {
    let finishLoad!: (e: StubEngine) => void;
    const held = new Promise<StubEngine>((resolve) => (finishLoad = resolve));
    const { receive, sent } = server({ wasm: [held] });
    const loading = receive(load(1, 'wasm'));
    const classifying = receive(classify(2));
    await new Promise((r) => setTimeout(r, 5));
    expect(summary(sent)).toEqual([]);
    finishLoad(new StubEngine('wasm', null, MANIFEST));
    await Promise.all([loading, classifying]);
    expect(summary(sent)).toEqual(['1:ready', '2:result:2', '2:result:4', '2:result:5']);
  });

  it('hears a cancel at once, for a running classify and for one still waiting', async () => {
    const { receive, sent } = server({ wasm: [new StubEngine('wasm', null, MANIFEST)] });
    await receive(load(1, 'wasm'));
    const running = receive(classify(2, Array.from({ length: 40 }, (_, i) => `text ${i}`)));
    const waiting = receive(classify(3));
    await new Promise((r) => setTimeout(r, 2));
    void receive({ type: 'cancel', id: 4, target: 2 });
    void receive({ type: 'cancel', id: 5, target: 3 });
    await Promise.all([running, waiting]);
    const finals = sent.filter((m) => m.type === 'result' && m.final);
    expect(finals.map((m) => [m.id, m.type === 'result' && m.cancelled])).toEqual([
      [2, true],
      [3, true],
    ]);
    expect(sent.filter((m) => m.id === 3 && m.type === 'result' && m.results.length)).toEqual([]);
  });

  it('answers every failure with its stage and kind', async () => {
    const { receive, sent } = server({ wasm: [new BundleError('onnx/model.onnx is missing from the bundle at /models/x/.'), new StubEngine('wasm', { at: 0, error: new InputError('No labels to score. Add at least one label.') }, MANIFEST)] });
    await receive(classify(1));
    await receive(load(2, 'wasm'));
    await receive(load(3, 'wasm'));
    await receive(classify(4));
    await receive(load(5, 'wasm'));
    const errors = sent.filter((m) => m.type === 'error').map((m) => m.type === 'error' && [m.id, m.stage, m.kind, m.message]);
    expect(errors).toEqual([
      [1, 'classify', 'input', 'No model is loaded yet. Wait for the model to finish loading.'],
      [2, 'load', 'bundle', 'onnx/model.onnx is missing from the bundle at /models/x/.'],
      [4, 'classify', 'input', 'No labels to score. Add at least one label.'],
      [5, 'load', 'internal', 'unexpected wasm load'],
    ]);
  });

  it('times both backends on a real GPU when the UI sends its remembered choices, and reports the winner; sends none, and nothing is timed', async () => {
    const gpu = new StubEngine('webgpu', null, MANIFEST);
    const wasm = new StubEngine('wasm', null, MANIFEST);
    gpu.warmUp = 250;
    wasm.warmUp = 100;
    const { load: loader } = scriptedLoader({ webgpu: [gpu, new StubEngine('webgpu', null, MANIFEST)], wasm: [wasm] });
    const sent: Response[] = [];
    const receive = createServer({
      host: new EngineHost(loader),
      post: (m) => sent.push(m),
      probeGpu: () => Promise.resolve({ available: true, shaderF16: false, software: null, device: 'acme/gpu//', adapter: 'acme gpu' }),
      threads: 2,
      ortVersion: () => 'test',
      sourceFor: () => fsSource(DEMO_BUNDLE),
      now: () => 0,
    });
    await receive({ type: 'load', id: 1, location: { kind: 'url', url: '/models/x/' }, request: { backend: 'auto', dtype: 'auto' }, timed: {} });
    const ready = sent.find((m) => m.type === 'ready');
    expect(ready?.type === 'ready' && ready.info).toMatchObject({ backend: 'wasm', timed: { backend: 'wasm', webgpu: { ms: 250 }, wasm: { ms: 100 }, remembered: false } });
    expect(ready?.type === 'ready' && ready.info.reason).toMatch(/^WASM chosen: 2\.5× faster than WebGPU on this device in a warm-up run/);
    expect(gpu.disposed).toBe(true);
    await receive(load(2));
    const plain = sent.filter((m) => m.type === 'ready').at(-1);
    expect(plain?.type === 'ready' && plain.info).toMatchObject({ backend: 'webgpu', timed: null });
  });

  it('tells the UI of a fallback mid-run with a ready message between the results, and finishes the run', async () => {
    const gpu = new StubEngine('webgpu', { at: 1, error: new SessionError('webgpu', 'run', 'onnx/model_q4.onnx', 'device lost') }, MANIFEST);
    const { receive, sent } = server({ webgpu: [gpu], wasm: [new StubEngine('wasm', null, MANIFEST)] }, true);
    await receive(load(1));
    expect(sent.find((m) => m.type === 'ready')).toMatchObject({ info: { backend: 'webgpu', adapter: 'test gpu' } });
    await receive(classify(2));
    expect(summary(sent)).toEqual(['1:ready', '2:result:2', '2:ready', '2:result:4', '2:result:5']);
    const ready = sent.filter((m) => m.type === 'ready').at(-1)!;
    expect(ready.type === 'ready' && ready.info).toMatchObject({ backend: 'wasm', adapter: null, reason: 'WebGPU failed while classifying (device lost): using WASM' });
    const indices = sent.flatMap((m) => (m.type === 'result' ? m.results.map((r) => r.index) : []));
    expect(indices).toEqual([0, 1, 2, 3, 4]);
  });
});
