// Benchmark worker: the Transformers.js zero-shot pipeline (multi_label, the app's hypotheses) on the same model folder and ORT version.
import { env, pipeline } from '@huggingface/transformers';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import ortMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';

/** One run: the model folder at the URL path `folder` (transformers.js layout, ends in '/'), `dtype` on WASM with `threads` threads. */
export interface TjsJob {
  folder: string;
  dtype: 'fp32' | 'q8';
  threads: number;
  texts: string[];
  /** Full hypotheses: passed as candidate labels with the template '{}', so that the pipeline sees exactly the app's. */
  hypotheses: string[];
}

export interface TjsResult {
  loadMs: number;
  /** Wall time of each text's pipeline call (one run per pair, as the pipeline does), after an untimed warm-up text. */
  perTextMs: number[];
  ms: number;
  /** Entailment score per text and hypothesis, in hypothesis order. */
  scores: number[][];
  threads: number;
}

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.useBrowserCache = false;
// NOTE: transformers.js points ORT at a CDN by default; the bench is offline and must serve ORT from its own origin: the files of
// the WebGPU build, which transformers.js imports (the app's engine on WASM runs the WASM-only build, src/engine/session.ts).
const wasm = env.backends.onnx.wasm!;
wasm.wasmPaths = { wasm: ortWasmUrl, mjs: ortMjsUrl };

type ZeroShot = (text: string, labels: string[], options: { hypothesis_template: string; multi_label: boolean }) => Promise<{ labels: string[]; scores: number[] }>;

async function run(job: TjsJob): Promise<TjsResult> {
  wasm.numThreads = job.threads;
  // The folder's parent as the local model path and its name as the model id: a one-part id, as transformers.js expects.
  const name = job.folder.replace(/\/$/, '').split('/').pop()!;
  env.localModelPath = job.folder.slice(0, job.folder.replace(/\/$/, '').length - name.length);
  const started = performance.now();
  const classifier = (await pipeline('zero-shot-classification', name, { dtype: job.dtype, device: 'wasm' })) as unknown as ZeroShot & { dispose(): Promise<void> };
  const classify = async (text: string) => {
    const out = await classifier(text, job.hypotheses, { hypothesis_template: '{}', multi_label: true });
    return job.hypotheses.map((h) => out.scores[out.labels.indexOf(h)]!);
  };
  await classify(job.texts[0] ?? '');
  const loadMs = performance.now() - started;
  const perTextMs: number[] = [];
  const scores: number[][] = [];
  const t0 = performance.now();
  for (const text of job.texts) {
    const t = performance.now();
    scores.push(await classify(text));
    perTextMs.push(performance.now() - t);
  }
  const ms = performance.now() - t0;
  await classifier.dispose();
  return { loadMs, perTextMs, ms, scores, threads: wasm.numThreads ?? job.threads };
}

self.onmessage = (e: MessageEvent<TjsJob & { id: number }>) => {
  run(e.data).then(
    (result) => self.postMessage({ id: e.data.id, result }),
    (error: unknown) => self.postMessage({ id: e.data.id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
};
