// The hybrid classifier: loads a bundle onto a backend and classifies many texts against many labels.
import { type BackendChoice, type BackendRequest, chooseBackend, type GpuProbe } from './backend';
import { blendScore, type LabelScore } from './blend';
import { type BundleSource, type FileProgress, filesFor, loadFiles, loadManifest } from './bundle';
import { scoreHeads } from './heads';
import { type BatchLimits, growingChunks } from './batching';
import type { Backend, Dtype } from './constants';
import type { Manifest, Variant } from './manifest';
import { type NliConfig, scorePairs } from './nli';
import { createSession, type ModelSession } from './session';
import { fillTemplate } from './template';
import { createTokenizer, pairIds, type TextTokenizer, textIds } from './tokenize';

/** A label as the caller wants it scored. */
export interface LabelSpec {
  name: string;
  /** The full string the NLI model sees as the second sequence. */
  hypothesis: string;
  /** Use the bundle's PolyEncoder head for this label (only bundle labels have one). */
  head: boolean;
}

/** Scores of one text for every requested label, in label order. */
export interface TextResult {
  index: number;
  scores: LabelScore[];
  /** True when the text was cut to fit the model (pairs or the text-only pass). */
  truncated: boolean;
  /** Tokens of the text alone, without special tokens; when `truncated`, of the part tokenised (a lower bound). */
  tokens: number;
}

/** An input the engine refuses, with a message that says what to do. */
export class InputError extends Error {
  override name = 'InputError';
}

export interface LoadOptions {
  request: BackendRequest;
  gpu: GpuProbe;
  onProgress?: (p: FileProgress) => void;
  /** Threads for WASM, as configured by the caller; reported only. */
  threads?: number;
}

/** How the engine was loaded: backend, variant and why, files and time (the manifest is `Engine.manifest`). */
export interface LoadedEngineInfo extends BackendChoice {
  files: Array<{ path: string; bytes: number; fromCache: boolean }>;
  loadMs: number;
}

/** `path` relative to the folder holding `file` (both bundle-relative, '/'-separated). */
export function relativeTo(file: string, path: string): string {
  const folder = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
  return path.startsWith(folder) ? path.slice(folder.length) : path;
}

/**
 * Limits of one backbone run. A variant that quantises a whole batch at once (`run_alone`, dynamic
 * int8) runs one sequence per run, so that a text's scores depend on that text alone.
 */
export function batchLimits(backend: Backend, variant: Variant): BatchLimits {
  if (variant.run_alone) return { maxBatch: 1, maxTokens: Number.POSITIVE_INFINITY };
  return backend === 'webgpu' ? { maxBatch: 64, maxTokens: 16384 } : { maxBatch: 32, maxTokens: 4096 };
}

/**
 * Most texts per streamed chunk: small enough to show progress, big enough to batch well. Chunks
 * grow up to it from one text (batching.ts `growingChunks`). The only chunking of a run: the UI
 * sends all its texts in one request and shows chunks as they come.
 */
export const DEFAULT_CHUNK = 32;

export class Engine {
  private readonly hypothesisIds = new Map<string, number[]>();

  private constructor(
    readonly manifest: Manifest,
    readonly info: LoadedEngineInfo,
    private readonly tokenizer: TextTokenizer,
    private readonly backbone: ModelSession,
    private readonly heads: ModelSession | null,
  ) {}

  /**
   * Loads manifest, files and sessions. If WebGPU was chosen automatically and
   * fails to create a session or to run, falls back to WASM and says why.
   */
  static async load(source: BundleSource, opts: LoadOptions): Promise<Engine> {
    const started = performance.now();
    const manifest = await loadManifest(source);
    const choice = chooseBackend(manifest, opts.gpu, opts.request);
    const progress = opts.onProgress ?? (() => {});
    try {
      return await Engine.build(source, manifest, choice, progress, started);
    } catch (error) {
      if (choice.backend !== 'webgpu' || opts.request.backend === 'webgpu') throw error;
      const fallback = chooseBackend(manifest, opts.gpu, { backend: 'wasm', dtype: 'auto' });
      const reason = `WebGPU failed (${error instanceof Error ? error.message : String(error)}): using WASM`;
      return Engine.build(source, manifest, { ...fallback, reason }, progress, started);
    }
  }

  private static async build(
    source: BundleSource,
    manifest: Manifest,
    choice: BackendChoice,
    onProgress: (p: FileProgress) => void,
    started: number,
  ): Promise<Engine> {
    const files = await loadFiles(manifest, source, filesFor(manifest, choice.dtype), onProgress);
    const json = (path: string): object => JSON.parse(new TextDecoder().decode(files.get(path)!.bytes)) as object;
    const t = manifest.tokenizer;
    const tokenizer = createTokenizer(json('tokenizer.json'), json('tokenizer_config.json'), {
      cls: t.cls_token_id,
      sep: t.sep_token_id,
      pad: t.pad_token_id,
    });
    const variant = manifest.variants[choice.dtype]!;
    const backbone = await createSession(
      files.get(variant.backbone)!.bytes,
      choice.backend,
      // ORT names external data as the graph references it: relative to the graph's folder.
      variant.external_data.map((path) => ({ path: relativeTo(variant.backbone, path), data: files.get(path)!.bytes })),
    );
    // The heads graph is small and fp32; it runs where the backbone runs.
    const heads = manifest.heads ? await createSession(files.get(manifest.heads.file)!.bytes, choice.backend) : null;
    const info: LoadedEngineInfo = {
      ...choice,
      files: [...files.values()].map((f) => ({ path: f.path, bytes: f.bytes.byteLength, fromCache: f.fromCache })),
      loadMs: 0,
    };
    const engine = new Engine(manifest, info, tokenizer, backbone, heads);
    try {
      // A first run compiles kernels and shows at once whether this backend really works.
      const labels = engine.defaultLabels();
      await engine.classify([''], labels.length ? labels : [engine.zeroShotLabel('warm-up')], () => {}, () => false);
    } catch (error) {
      await engine.dispose();
      throw error;
    }
    info.loadMs = performance.now() - started;
    return engine;
  }

  get backend(): Backend {
    return this.info.backend;
  }

  get dtype(): Dtype {
    return this.info.dtype;
  }

  /** The bundle's labels with their heads and hypotheses. */
  defaultLabels(): LabelSpec[] {
    return this.manifest.labels.map((l) => ({ name: l.name, hypothesis: l.hypothesis, head: l.head }));
  }

  /** A zero-shot label: NLI only, hypothesis from the bundle's template (throws a TemplateError if it cannot be filled). */
  zeroShotLabel(name: string): LabelSpec {
    return { name, hypothesis: fillTemplate(this.manifest.hypothesis_template, name), head: false };
  }

  private checkLabels(labels: readonly LabelSpec[]): void {
    if (labels.length === 0) throw new InputError('No labels to score. Add at least one label.');
    const seen = new Set<string>();
    for (const l of labels) {
      const name = l.name.trim();
      if (!name) throw new InputError('A label has an empty name. Give every label a name.');
      if (seen.has(name.toLowerCase())) throw new InputError(`The label '${name}' appears twice. Remove the duplicate.`);
      seen.add(name.toLowerCase());
      if (!l.hypothesis.trim()) throw new InputError(`The label '${name}' has an empty hypothesis.`);
      if (l.head && !this.manifest.heads?.labels.includes(l.name)) {
        throw new InputError(`The label '${name}' has no head in this bundle; score it with NLI only.`);
      }
    }
  }

  private hypothesis(h: string): number[] {
    let ids = this.hypothesisIds.get(h);
    if (!ids) {
      ids = this.tokenizer.encode(h);
      this.hypothesisIds.set(h, ids);
    }
    return ids;
  }

  /**
   * Scores texts against labels in chunks growing from 1 text to `chunk` texts; each chunk's results go to
   * `onChunk` as soon as they exist. Before every backbone batch the worker's event loop runs
   * (so a cancel message posted meanwhile is handled), then `isCancelled` is asked and a
   * CancelledError thrown when it says so.
   */
  async classify(
    texts: readonly string[],
    labels: readonly LabelSpec[],
    onChunk: (results: TextResult[], done: number) => void,
    isCancelled: () => boolean,
    chunk = DEFAULT_CHUNK,
  ): Promise<void> {
    this.checkLabels(labels);
    const b = this.manifest.backbone;
    const cfg: NliConfig = {
      entailmentId: b.entailment_id,
      notEntailmentId: b.not_entailment_id,
      padId: this.manifest.tokenizer.pad_token_id,
      padMultiple: b.pad_multiple,
      limits: batchLimits(this.backend, this.manifest.variants[this.dtype]!),
    };
    const hyps = labels.map((l) => this.hypothesis(l.hypothesis));
    const headLabels = this.manifest.heads?.labels ?? [];
    const headColumn = labels.map((l) => (l.head ? headLabels.indexOf(l.name) : -1));
    const alpha = labels.map((l) => this.manifest.labels.find((m) => m.name === l.name)?.alpha ?? null);
    const needHeads = this.heads !== null && headColumn.some((c) => c >= 0);

    // The most text tokens any sequence keeps: a pair with the shortest hypothesis, or the text-only pass.
    const textRoom = Math.max(b.max_length_pair - 3 - Math.min(...hyps.map((h) => h.length)), needHeads ? b.max_length_text - 2 : 0);

    for (const [start, end] of growingChunks(texts.length, chunk)) {
      const slice = texts.slice(start, end);
      // Only as much of a text as the longest sequence can hold is tokenised: a 10 MB cell costs
      // what its first few thousand characters cost, with the same ids (TextTokenizer.encodeHead).
      const encoded = slice.map((text) => this.tokenizer.encodeHead(text, textRoom).ids);
      const pairs: number[][] = [];
      const truncated = new Array<boolean>(slice.length).fill(false);
      encoded.forEach((ids, i) => {
        for (const hyp of hyps) {
          const p = pairIds(ids, hyp, b.max_length_pair, this.tokenizer.specials);
          if (p.truncated) truncated[i] = true;
          pairs.push(p.ids);
        }
      });
      const nli = await scorePairs(this.backbone, pairs, cfg, isCancelled);
      let poly: Float32Array | null = null;
      if (needHeads) {
        const seqs = encoded.map((ids, i) => {
          const s = textIds(ids, b.max_length_text, this.tokenizer.specials);
          if (s.truncated) truncated[i] = true;
          return s.ids;
        });
        poly = await scoreHeads(this.backbone, this.heads, seqs, headLabels.length, cfg, isCancelled);
      }
      const results = slice.map((_, i): TextResult => ({
        index: start + i,
        truncated: truncated[i]!,
        tokens: encoded[i]!.length,
        scores: labels.map((_, j) => {
          const column = headColumn[j]!;
          const head = column >= 0 && poly ? { polyLogit: poly[i * headLabels.length + column]!, alpha: alpha[j]! } : null;
          return blendScore(nli[i * labels.length + j]!, head);
        }),
      }));
      onChunk(results, end);
    }
  }

  async dispose(): Promise<void> {
    await this.backbone.release();
    await this.heads?.release();
  }
}
