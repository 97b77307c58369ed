// Precision benchmark page: hands jobs from bench/precision.mjs (through window.bench) to the benchmark worker.
import type { BenchJob, BenchResult } from './precision-worker';

const worker = new Worker(new URL('./precision-worker.ts', import.meta.url), { type: 'module' });
const pending = new Map<number, { resolve: (r: BenchResult) => void; reject: (e: Error) => void }>();
let nextId = 1;

worker.onmessage = (e: MessageEvent<{ id: number; result?: BenchResult; error?: string }>) => {
  const p = pending.get(e.data.id);
  if (!p) return;
  pending.delete(e.data.id);
  if (e.data.error !== undefined) p.reject(new Error(e.data.error));
  else p.resolve(e.data.result!);
};

declare global {
  interface Window {
    bench: (job: Omit<BenchJob, 'id'>) => Promise<BenchResult>;
    benchReady: boolean;
  }
}

window.bench = (job) =>
  new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ ...job, id });
  });
window.benchReady = true;
document.getElementById('status')!.textContent = `ready (cross-origin isolated: ${String(crossOriginIsolated)})`;
