// Web Worker entry: owns the tokenizer and the ONNX sessions; the UI thread never runs a model.
import { chooseBackend } from '../engine/backend';
import { type BundleSource, fileListSource, urlSource } from '../engine/bundle';
import { Engine, InputError } from '../engine/engine';
import { bundleInfo } from '../engine/info';
import { CancelledError } from '../engine/nli';
import { configureRuntime, ortVersion, probeWebGpu } from '../engine/session';
import type { BundleLocation, ReadyInfo, Request, Response } from './protocol';

const threads = configureRuntime();
let engine: Engine | null = null;
let lastLoad: { location: BundleLocation; adapter: string | null } | null = null;
const cancelled = new Set<number>();

function post(message: Response): void {
  self.postMessage(message);
}

function sourceFor(location: BundleLocation): BundleSource {
  switch (location.kind) {
    case 'url':
      return urlSource(location.url);
    case 'files':
      return fileListSource(location.files, location.label);
    default: {
      const never: never = location;
      throw new Error(`unknown bundle location ${JSON.stringify(never)}`);
    }
  }
}

/** What the UI is told of a loaded engine: its backend choice and files, and a summary of the bundle. */
function readyInfo(e: Engine, adapter: string | null): ReadyInfo {
  const { backend, dtype, reason, files, loadMs } = e.info;
  return { backend, dtype, reason, files, loadMs, bundle: bundleInfo(e.manifest, dtype), adapter, threads, ortVersion };
}

async function load(id: number, location: BundleLocation, request: Extract<Request, { type: 'load' }>['request']): Promise<void> {
  post({ type: 'progress', id, stage: 'manifest' });
  const gpu = await probeWebGpu();
  const previous = engine;
  engine = null;
  await previous?.dispose();
  engine = await Engine.load(sourceFor(location), {
    request,
    gpu,
    onProgress: (file) => post({ type: 'progress', id, stage: file.done ? 'session' : 'files', file }),
  });
  lastLoad = { location, adapter: gpu.available ? gpu.adapter : null };
  post({ type: 'ready', id, info: readyInfo(engine, lastLoad.adapter) });
}

async function classify(req: Extract<Request, { type: 'classify' }>): Promise<void> {
  if (!engine) throw new InputError('No model is loaded yet. Wait for the model to finish loading.');
  const started = performance.now();
  const total = req.texts.length;
  const run = (e: Engine) =>
    e.classify(
      req.texts,
      req.labels,
      (results, done) =>
        post({ type: 'result', id: req.id, results, done, total, final: done === total, cancelled: false, elapsedMs: performance.now() - started }),
      () => cancelled.has(req.id),
    );
  try {
    await run(engine);
  } catch (error) {
    if (error instanceof CancelledError || error instanceof InputError || engine.backend !== 'webgpu' || !lastLoad) throw error;
    // WebGPU failed mid-run: reload on WASM, tell the UI why, and run again.
    const reason = `WebGPU failed while classifying (${error instanceof Error ? error.message : String(error)}): using WASM`;
    const manifest = engine.manifest;
    await engine.dispose();
    engine = await Engine.load(sourceFor(lastLoad.location), {
      request: { backend: 'wasm', dtype: chooseBackend(manifest, { available: false, reason }, { backend: 'wasm', dtype: 'auto' }).dtype },
      gpu: { available: false, reason },
    });
    engine.info.reason = reason;
    post({ type: 'ready', id: req.id, info: readyInfo(engine, null) });
    await run(engine);
  }
  if (total === 0) post({ type: 'result', id: req.id, results: [], done: 0, total: 0, final: true, cancelled: false, elapsedMs: 0 });
}

async function handle(req: Request): Promise<void> {
  switch (req.type) {
    case 'load':
      return load(req.id, req.location, req.request);
    case 'classify':
      return classify(req);
    case 'cancel':
      cancelled.add(req.target);
      return;
    case 'dispose':
      await engine?.dispose();
      engine = null;
      return;
    default: {
      const never: never = req;
      throw new Error(`unknown request ${JSON.stringify(never)}`);
    }
  }
}

// NOTE: ORT's WASM threads are separate workers started from ORT's own .mjs
// (wasmPaths in session.ts), so every message here is ours.
self.onmessage = (event: MessageEvent<Request>) => {
  const req = event.data;
  handle(req)
    .catch((error: unknown) => {
      if (error instanceof CancelledError && req.type === 'classify') {
        post({ type: 'result', id: req.id, results: [], done: 0, total: req.texts.length, final: true, cancelled: true, elapsedMs: 0 });
        return;
      }
      const stage = req.type === 'load' ? 'load' : req.type === 'classify' ? 'classify' : 'protocol';
      post({ type: 'error', id: req.id, stage, message: error instanceof Error ? error.message : String(error) });
    })
    .finally(() => {
      if (req.type === 'classify') cancelled.delete(req.id);
    });
};
