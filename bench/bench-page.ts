// Benchmark page: runs jobs from bench/bench.mjs on the real app worker (src/worker/client.ts), the Transformers.js worker and the helper worker.
import type { LabelSpec } from '../src/engine/engine';
import { EngineClient } from '../src/worker/client';
import type { BatchesJob, BatchesResult, HelperJob, MatmulJob, MatmulResult, PlacementJob, PlacementResult, SweepJob, SweepResult } from './bench-worker';
import type { TjsJob, TjsResult } from './tjs-worker';

/** One run of the app's engine worker: load, then one classify request over all texts, as the CSV run sends it. */
export interface AppJob {
  bundle: string;
  dtype: 'fp32' | 'q8';
  texts: string[];
  labels: LabelSpec[];
}

export interface AppResult {
  backend: string;
  dtype: string;
  threads: number;
  /** load() to ready: files (network or cache), sessions, the engine's warm-up run. */
  loadMs: number;
  filesFromCache: number;
  /** classify() to the first streamed chunk. */
  firstResultMs: number;
  ms: number;
  /** Texts and wall time of each streamed chunk. */
  chunks: Array<{ texts: number; ms: number }>;
  /** NLI score per text and label. */
  scores: number[][];
}

async function runApp(job: AppJob): Promise<AppResult> {
  const client = new EngineClient();
  try {
    let t = performance.now();
    const info = await client.load({ kind: 'url', url: job.bundle }, { backend: 'wasm', dtype: job.dtype });
    const loadMs = performance.now() - t;
    const scores: number[][] = [];
    const chunks: AppResult['chunks'] = [];
    let firstResultMs = 0;
    t = performance.now();
    const started = t;
    const { finished } = client.classify(job.texts, job.labels, (results) => {
      const now = performance.now();
      if (!chunks.length) firstResultMs = now - started;
      chunks.push({ texts: results.length, ms: now - t });
      t = now;
      for (const r of results) scores[r.index] = r.scores.map((s) => s.nli);
    });
    await finished;
    return {
      backend: info.backend,
      dtype: info.dtype,
      threads: info.threads,
      loadMs,
      filesFromCache: info.files.filter((f) => f.fromCache).length,
      firstResultMs,
      ms: performance.now() - started,
      chunks,
      scores,
    };
  } finally {
    client.dispose();
  }
}

/** Posts jobs to a module worker and resolves each with its answer. */
function jobRunner<J, R>(worker: Worker): (job: J) => Promise<R> {
  const pending = new Map<number, { resolve: (r: R) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  worker.onmessage = (e: MessageEvent<{ id: number; result?: R; error?: string }>) => {
    const p = pending.get(e.data.id);
    if (!p) return;
    pending.delete(e.data.id);
    if (e.data.error !== undefined) p.reject(new Error(e.data.error));
    else p.resolve(e.data.result!);
  };
  return (job) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...job, id });
    });
}

/** A fresh Transformers.js worker per run, so that one run's sessions and heap never carry into the next. */
async function runTjs(job: TjsJob): Promise<TjsResult> {
  const worker = new Worker(new URL('./tjs-worker.ts', import.meta.url), { type: 'module', name: 'transformers.js' });
  try {
    return await jobRunner<TjsJob, TjsResult>(worker)(job);
  } finally {
    worker.terminate();
  }
}

/** Runs each sweep job in a fresh helper worker of its own, all at once (threads against workers); ends them after. */
async function sweepWorkers(jobs: Array<Omit<SweepJob, 'kind'>>): Promise<SweepResult[]> {
  const workers = jobs.map((_, i) => new Worker(new URL('./bench-worker.ts', import.meta.url), { type: 'module', name: `sweep-${i}` }));
  try {
    return await Promise.all(jobs.map((job, i) => jobRunner<HelperJob, SweepResult>(workers[i]!)({ ...job, kind: 'sweep' })));
  } finally {
    for (const w of workers) w.terminate();
  }
}

const helper = jobRunner<HelperJob, BatchesResult | MatmulResult | SweepResult | PlacementResult>(new Worker(new URL('./bench-worker.ts', import.meta.url), { type: 'module', name: 'helper' }));

declare global {
  interface Window {
    benchApp: (job: AppJob) => Promise<AppResult>;
    benchTjs: (job: TjsJob) => Promise<TjsResult>;
    benchBatches: (job: Omit<BatchesJob, 'kind'>) => Promise<BatchesResult>;
    benchMatmul: (job: Omit<MatmulJob, 'kind'>) => Promise<MatmulResult>;
    benchSweep: (job: Omit<SweepJob, 'kind'>) => Promise<SweepResult>;
    benchPlacement: (job: Omit<PlacementJob, 'kind'>) => Promise<PlacementResult>;
    benchSweepWorkers: (jobs: Array<Omit<SweepJob, 'kind'>>) => Promise<SweepResult[]>;
    benchReady: boolean;
  }
}

window.benchApp = runApp;
window.benchTjs = runTjs;
window.benchBatches = (job) => helper({ ...job, kind: 'batches' }) as Promise<BatchesResult>;
window.benchMatmul = (job) => helper({ ...job, kind: 'matmul' }) as Promise<MatmulResult>;
window.benchSweep = (job) => helper({ ...job, kind: 'sweep' }) as Promise<SweepResult>;
window.benchSweepWorkers = sweepWorkers;
window.benchPlacement = (job) => helper({ ...job, kind: 'placement' }) as Promise<PlacementResult>;
window.benchReady = true;
document.getElementById('status')!.textContent = `ready (cross-origin isolated: ${String(crossOriginIsolated)})`;
