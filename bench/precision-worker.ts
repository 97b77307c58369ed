// Precision benchmark worker: loads the real Engine with one backend and variant, then times classify over a set of texts.
import { urlSource } from '../src/engine/bundle';
import { Engine } from '../src/engine/engine';
import type { Backend, Dtype } from '../src/engine/constants';
import { configureRuntime, probeWebGpu } from '../src/engine/session';

/** One timed run: the bundle at `bundle` (a URL folder) on `backend` with `dtype`, over `texts` with the bundle's labels. */
export interface BenchJob {
  id: number;
  bundle: string;
  backend: Backend;
  dtype: Dtype;
  texts: string[];
  threads: number;
}

export interface BenchResult {
  backend: Backend;
  dtype: Dtype;
  threads: number;
  texts: number;
  labels: number;
  /** Wall time of classify over all texts (the app's chunks of 32), after an untimed warm run. */
  ms: number;
  textsPerSecond: number;
  loadMs: number;
  /** Sum of the NLI scores: the same inputs must give the same number across rounds. */
  checksum: number;
}

let configured = false;

async function run(job: BenchJob): Promise<BenchResult> {
  if (!configured) {
    configureRuntime({ threads: job.threads });
    configured = true;
  }
  const probe = job.backend === 'webgpu' ? await probeWebGpu() : { available: false as const, reason: 'WASM requested' };
  const gpu = probe.available ? { available: true as const, shaderF16: probe.shaderF16, software: probe.software } : probe;
  const engine = await Engine.load(urlSource(job.bundle), { request: { backend: job.backend, dtype: job.dtype }, gpu });
  try {
    const labels = engine.defaultLabels();
    const classify = async (texts: readonly string[]) => {
      let checksum = 0;
      await engine.classify(texts, labels, (rows) => rows.forEach((r) => r.scores.forEach((s) => (checksum += s.nli))), () => false);
      return checksum;
    };
    await classify(job.texts.slice(0, 8));
    const started = performance.now();
    const checksum = await classify(job.texts);
    const ms = performance.now() - started;
    return {
      backend: engine.backend,
      dtype: engine.dtype,
      threads: job.threads,
      texts: job.texts.length,
      labels: labels.length,
      ms,
      textsPerSecond: (1000 * job.texts.length) / ms,
      loadMs: engine.info.loadMs,
      checksum,
    };
  } finally {
    await engine.dispose();
  }
}

self.onmessage = (e: MessageEvent<BenchJob>) => {
  run(e.data).then(
    (result) => self.postMessage({ id: e.data.id, result }),
    (error: unknown) => self.postMessage({ id: e.data.id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
};
