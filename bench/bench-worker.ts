// Benchmark helper worker: the engine's own padded batches for a run (for native ONNX Runtime), and the MatMul peak of ORT Web.
import { padBatch, planBatches } from '../src/engine/batching';
import { loadFiles, loadManifest, urlSource } from '../src/engine/bundle';
import type { Dtype } from '../src/engine/constants';
import { batchLimits, DEFAULT_CHUNK } from '../src/engine/engine';
import { configureRuntime, createSession } from '../src/engine/session';
import { createTokenizer, pairIds } from '../src/engine/tokenize';

/** The NLI batches the engine runs for `texts` x `hypotheses` on WASM, chunk by chunk (heads' text pass left out). */
export interface BatchesJob {
  kind: 'batches';
  bundle: string;
  dtype: Dtype;
  texts: string[];
  hypotheses: string[];
}

/** One fp32 MatMul [m, k] x [k, n] graph at `url`, timed on WASM with `threads` threads. */
export interface MatmulJob {
  kind: 'matmul';
  url: string;
  m: number;
  k: number;
  n: number;
  threads: number;
}

export type HelperJob = BatchesJob | MatmulJob;

export interface Batch {
  ids: number[];
  mask: number[];
  dims: [number, number];
}

export interface BatchesResult {
  chunks: Batch[][];
  /** Unpadded length of every (text, hypothesis) pair, for the FLOP count. */
  pairLengths: number[];
}

export interface MatmulResult {
  gflops: number;
  ms: number[];
}

async function batches(job: BatchesJob): Promise<BatchesResult> {
  const source = urlSource(job.bundle);
  const m = await loadManifest(source);
  const files = await loadFiles(m, source, ['tokenizer.json', 'tokenizer_config.json'], () => {});
  const json = (p: string) => JSON.parse(new TextDecoder().decode(files.get(p)!.bytes)) as object;
  const t = m.tokenizer;
  const tok = createTokenizer(json('tokenizer.json'), json('tokenizer_config.json'), { cls: t.cls_token_id, sep: t.sep_token_id, pad: t.pad_token_id });
  const hyps = job.hypotheses.map((h) => tok.encode(h));
  const limits = batchLimits('wasm', m.variants[job.dtype]!);
  const chunks: Batch[][] = [];
  const pairLengths: number[] = [];
  for (let start = 0; start < job.texts.length; start += DEFAULT_CHUNK) {
    const pairs = job.texts.slice(start, start + DEFAULT_CHUNK).flatMap((text) => hyps.map((h) => pairIds(tok.encode(text), h, m.backbone.max_length_pair, tok.specials).ids));
    pairLengths.push(...pairs.map((p) => p.length));
    chunks.push(
      planBatches(pairs.map((p) => p.length), limits).map((batch) => {
        const { ids, mask, dims } = padBatch(batch.map((i) => pairs[i]!), t.pad_token_id, m.backbone.pad_multiple);
        return { ids: Array.from(ids, Number), mask: Array.from(mask, Number), dims };
      }),
    );
  }
  return { chunks, pairLengths };
}

async function matmul(job: MatmulJob): Promise<MatmulResult> {
  configureRuntime({ threads: job.threads });
  const bytes = new Uint8Array(await (await fetch(job.url)).arrayBuffer());
  const session = await createSession(bytes, 'wasm');
  try {
    const a = new Float32Array(job.m * job.k).map((_, i) => Math.sin(i));
    const feeds = { A: { data: a, dims: [job.m, job.k] } };
    for (let i = 0; i < 2; i++) await session.run(feeds, ['Y']);
    const ms: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await session.run(feeds, ['Y']);
      ms.push(performance.now() - t);
    }
    const sorted = [...ms].sort((x, y) => x - y);
    return { gflops: (2 * job.m * job.k * job.n) / (sorted[2]! / 1000) / 1e9, ms };
  } finally {
    await session.release();
  }
}

self.onmessage = (e: MessageEvent<HelperJob & { id: number }>) => {
  const job = e.data;
  (job.kind === 'batches' ? batches(job) : matmul(job)).then(
    (result) => self.postMessage({ id: job.id, result }),
    (error: unknown) => self.postMessage({ id: job.id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
};
