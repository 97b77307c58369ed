// Benchmark helper worker: the engine's own padded batches for a run (for native ONNX Runtime), and the MatMul peak of ORT Web.
import { type BatchLimits, padBatch, planBatches } from '../src/engine/batching';
import { loadFiles, loadManifest, urlSource } from '../src/engine/bundle';
import type { Dtype } from '../src/engine/constants';
import { batchLimits, DEFAULT_CHUNK } from '../src/engine/engine';
import { configureRuntime, createSession, type ModelSession } from '../src/engine/session';
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

/**
 * The engine's NLI batches for `texts` x `hypotheses` (in its chunks of DEFAULT_CHUNK texts), run on one WASM session
 * under each of `limits`, `rounds` times, the order of the limits reversed on odd rounds; the first limits' batches
 * run once untimed as a warm-up. Threads: the app's own rule (session.ts configureRuntime).
 */
export interface SweepJob {
  kind: 'sweep';
  bundle: string;
  dtype: Dtype;
  texts: string[];
  hypotheses: string[];
  limits: BatchLimits[];
  rounds: number;
  /**
   * Instead of timing rounds: one fresh session per limit with ORT's profiler on, its batches run twice (a warm-up,
   * then the profiled pass); the worker logs `profile-mark <limit index> <runs per pass>` before the profiled pass,
   * then ends the profiler, which prints its events to this worker's console (the pass's runs are the last ones).
   */
  profile?: boolean;
  /** WASM threads of this worker's session; default the app's own rule (session.ts configureRuntime). */
  threads?: number;
}

/** Creates a WebGPU session for a bundle graph with ORT's verbose log on (node placements go to the console), then releases it. */
export interface PlacementJob {
  kind: 'placement';
  bundle: string;
  dtype: Dtype;
  graph: 'backbone' | 'heads';
}

export type HelperJob = BatchesJob | MatmulJob | SweepJob | PlacementJob;

/** The graph file a PlacementJob loaded (its placements went to the console). */
export interface PlacementResult {
  file: string;
}

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

export interface SweepResult {
  /** Wall ms of all the batches, per round, per limit (in `limits` order). */
  ms: number[][];
  /** Backbone runs and padded tokens per limit. */
  runs: number[];
  paddedTokens: number[];
  pairs: number;
  threads: number;
}

export interface MatmulResult {
  gflops: number;
  ms: number[];
}

/** The manifest, the source and the token ids of every (text, hypothesis) pair, chunk by chunk as the engine streams them. */
async function pairChunks(job: { bundle: string; texts: string[]; hypotheses: string[] }) {
  const source = urlSource(job.bundle);
  const m = await loadManifest(source);
  const files = await loadFiles(m, source, ['tokenizer.json', 'tokenizer_config.json'], () => {});
  const json = (p: string) => JSON.parse(new TextDecoder().decode(files.get(p)!.bytes)) as object;
  const t = m.tokenizer;
  const tok = createTokenizer(json('tokenizer.json'), json('tokenizer_config.json'), { cls: t.cls_token_id, sep: t.sep_token_id, pad: t.pad_token_id });
  const hyps = job.hypotheses.map((h) => tok.encode(h));
  const chunks: number[][][] = [];
  for (let start = 0; start < job.texts.length; start += DEFAULT_CHUNK) {
    chunks.push(job.texts.slice(start, start + DEFAULT_CHUNK).flatMap((text) => hyps.map((h) => pairIds(tok.encode(text), h, m.backbone.max_length_pair, tok.specials).ids)));
  }
  return { m, source, chunks };
}

async function batches(job: BatchesJob): Promise<BatchesResult> {
  const { m, chunks: pairChunksOf } = await pairChunks(job);
  const limits = batchLimits('wasm', m.variants[job.dtype]!);
  const chunks: Batch[][] = [];
  const pairLengths: number[] = [];
  for (const pairs of pairChunksOf) {
    pairLengths.push(...pairs.map((p) => p.length));
    chunks.push(
      planBatches(pairs.map((p) => p.length), limits).map((batch) => {
        const { ids, mask, dims } = padBatch(batch.map((i) => pairs[i]!), m.tokenizer.pad_token_id, m.backbone.pad_multiple);
        return { ids: Array.from(ids, Number), mask: Array.from(mask, Number), dims };
      }),
    );
  }
  return { chunks, pairLengths };
}

async function sweep(job: SweepJob): Promise<SweepResult> {
  const threads = configureRuntime({ threads: job.threads });
  const { m, source, chunks } = await pairChunks(job);
  const variant = m.variants[job.dtype]!;
  const files = await loadFiles(m, source, [variant.backbone, ...variant.external_data], () => {});
  const external = variant.external_data.map((path) => ({ path, data: files.get(path)!.bytes }));
  const open = (profile = false) => createSession(files.get(variant.backbone)!.bytes, 'wasm', external, variant.backbone, { profile });
  const padded = job.limits.map((limits) =>
    chunks.flatMap((pairs) => planBatches(pairs.map((p) => p.length), limits).map((batch) => padBatch(batch.map((i) => pairs[i]!), m.tokenizer.pad_token_id, m.backbone.pad_multiple))),
  );
  const runBatches = async (session: ModelSession, k: number) => {
    const t = performance.now();
    for (const { ids, mask, dims } of padded[k]!) {
      await session.run({ input_ids: { data: ids, dims }, attention_mask: { data: mask, dims } }, [session.outputNames[0]!]);
    }
    return performance.now() - t;
  };
  const result = (ms: number[][]) => ({
    ms,
    runs: padded.map((p) => p.length),
    paddedTokens: padded.map((p) => p.reduce((s, b) => s + b.dims[0] * b.dims[1], 0)),
    pairs: chunks.reduce((s, c) => s + c.length, 0),
    threads,
  });
  if (job.profile) {
    const row: number[] = [];
    for (let k = 0; k < job.limits.length; k++) {
      const profiled = await open(true);
      try {
        await runBatches(profiled, k);
        console.log(`profile-mark ${k} ${padded[k]!.length}`);
        row.push(await runBatches(profiled, k));
        profiled.endProfiling!();
      } finally {
        await profiled.release();
      }
    }
    return result([row]);
  }
  const session = await open();
  const runAll = (k: number) => runBatches(session, k);
  try {
    await runAll(0);
    const ms: number[][] = [];
    for (let round = 0; round < job.rounds; round++) {
      const order = job.limits.map((_, k) => k);
      if (round % 2) order.reverse();
      const row: number[] = new Array<number>(job.limits.length);
      for (const k of order) row[k] = await runAll(k);
      ms.push(row);
      console.log(`sweep round ${round}: ${row.map((x) => x.toFixed(0)).join(' ')} ms`);
    }
    return result(ms);
  } finally {
    await session.release();
  }
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

async function placement(job: PlacementJob): Promise<PlacementResult> {
  configureRuntime();
  const source = urlSource(job.bundle);
  const m = await loadManifest(source);
  const variant = m.variants[job.dtype]!;
  const file = job.graph === 'heads' ? m.heads!.file : variant.backbone;
  const paths = job.graph === 'heads' ? [file] : [file, ...variant.external_data];
  const files = await loadFiles(m, source, paths, () => {});
  const external = job.graph === 'heads' ? [] : variant.external_data.map((path) => ({ path, data: files.get(path)!.bytes }));
  const session = await createSession(files.get(file)!.bytes, 'webgpu', external, file, { verbose: true });
  await session.release();
  return { file };
}

self.onmessage = (e: MessageEvent<HelperJob & { id: number }>) => {
  const job = e.data;
  (job.kind === 'batches' ? batches(job) : job.kind === 'sweep' ? sweep(job) : job.kind === 'placement' ? placement(job) : matmul(job)).then(
    (result) => self.postMessage({ id: job.id, result }),
    (error: unknown) => self.postMessage({ id: job.id, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
};
