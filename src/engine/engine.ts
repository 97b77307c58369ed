// The hybrid classifier: loads a bundle onto a backend and classifies many texts against many labels.
import { type BackendChoice, type BackendRequest, chooseBackend, type GpuProbe, type TimedChoice, type TimedChoices } from './backend';
import { blendScore, type LabelScore } from './blend';
import { BundleError, type BundleSource, cacheNotice, type CheckKind, type FileProgress, filesFor, loadFiles, loadManifest } from './bundle';
import { scoreHeads } from './heads';
import { type BatchLimits, growingChunks } from './batching';
import { type Backend, type Dtype, type LongTextOption, TRUNCATE, type WindowAggregate } from './constants';
import { type Fault, InputError } from './errors';
import { fallsBack, faultOf } from './faults';
import type { Manifest, Variant } from './manifest';
import { CancelledError, type NliConfig, scorePairs } from './nli';
import { createSession, type DeviceTensor, type ModelSession } from './session';
import { fillTemplate } from './template';
import { createTokenizer, pairIds, type TextTokenizer, textIds, windowSpans } from './tokenize';

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
  /** True when the text was cut to fit the model (pairs or the text-only pass; in windows mode, only the heads' text-only pass cuts). */
  truncated: boolean;
  /** Windows the text was read in (the most over its labels): 1 when it fits or is cut to fit. */
  windows: number;
  /** Tokens of the text alone, without special tokens; when `truncated`, of the part tokenised (a lower bound). */
  tokens: number;
  /** Why this text alone could not be scored (then `scores` is empty); the other texts are unaffected. */
  error?: Fault;
}

export { InputError };

export interface LoadOptions {
  request: BackendRequest;
  gpu: GpuProbe;
  onProgress?: (p: FileProgress) => void;
  /** Threads for WASM, as configured by the caller; part of a timed choice's key (backend.ts `timedChoiceKey`). */
  threads?: number;
  /** Timed backend choices remembered by the UI, by key (host.ts uses them); absent: the caller keeps none, so none is measured. */
  remembered?: TimedChoices;
  /** The manifest when the caller has read it already. */
  manifest?: Manifest;
  /** The backend and variant the caller decided on (host.ts, after a race or from memory); else `chooseBackend` decides. */
  choice?: BackendChoice;
}

/** How the engine was loaded: backend, variant and why, files and time (the manifest is `Engine.manifest`). */
export interface LoadedEngineInfo extends BackendChoice {
  files: Array<{ path: string; bytes: number; fromCache: boolean; checked: CheckKind }>;
  /** What the files' sizes and hashes were checked against: "the manifest", "the Hub's listing", "the server's headers". */
  checkedAgainst: string;
  loadMs: number;
  /** Files that could not be kept in the browser cache, in one sentence (bundle.ts `cacheNotice`); null when all were. */
  cacheNotice: string | null;
  /** The timed choice this backend comes from (host.ts), remembered or just measured; absent when chosen by rule. */
  timed?: TimedChoice & { remembered: boolean };
  /**
   * Where the heads read the backbone's text-only hidden states in the last run that used them: 'gpu-buffer'
   * (left on the GPU, no copy through the CPU) or 'cpu'; null until a run used the heads.
   */
  headsFeed: DeviceTensor['location'] | null;
}

/** What every chunk of one classify request shares: the labels' token ids, heads columns and run limits. */
interface ClassifyPlan {
  labels: readonly LabelSpec[];
  cfg: NliConfig;
  hyps: number[][];
  headColumn: number[];
  alpha: Array<number | null>;
  needHeads: boolean;
  textRoom: number;
  long: LongTextOption;
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
 * grow up to it from one text (batching.ts `growingChunks`). The only chunking of a run: the UI sends all its texts in one request and shows chunks as they come.
 */
export const DEFAULT_CHUNK = 32;

/** The texts a timed warm-up scores: news-like sentences of a CSV row's usual length. */
export const WARM_UP_TEXTS = [
  'The central bank raised interest rates by half a point to slow inflation.',
  'A new smartphone chip promises longer battery life and faster on-device AI.',
  'Hospital staff warned that winter flu cases are rising faster than last year.',
  'Farmers asked the government for help after the drought destroyed their crops.',
] as const;

export class Engine {
  private readonly hypothesisIds = new Map<string, number[]>();

  private constructor(
    readonly manifest: Manifest,
    readonly info: LoadedEngineInfo,
    private readonly tokenizer: TextTokenizer,
    private readonly backbone: ModelSession,
    private readonly heads: ModelSession | null,
    /** What the user asked for: whether a WebGPU failure is the caller's to handle (faults.ts `fallsBack`). */
    private readonly request: BackendRequest,
  ) {}

  /**
   * Loads manifest, files and sessions on the backend `opts.request` leads to, and runs a
   * warm-up. A failure is thrown as is: the WebGPU fallback is the caller's (host.ts).
   */
  static async load(source: BundleSource, opts: LoadOptions): Promise<Engine> {
    const started = performance.now();
    const manifest = opts.manifest ?? (await loadManifest(source));
    const choice = opts.choice ?? chooseBackend(manifest, opts.gpu, opts.request);
    return Engine.build(source, manifest, choice, opts.request, opts.onProgress ?? (() => {}), started);
  }

  private static async build(
    source: BundleSource,
    manifest: Manifest,
    choice: BackendChoice,
    request: BackendRequest,
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
      variant.backbone,
      // The heads read the text-only pass's hidden states where the backbone left them (on WebGPU, a GPU buffer).
      { keepOnDevice: manifest.heads ? ['last_hidden_state'] : [] },
    );
    // The heads graph is small and fp32; it runs where the backbone runs.
    let heads: ModelSession | null = null;
    try {
      heads = manifest.heads ? await createSession(files.get(manifest.heads.file)!.bytes, choice.backend, [], manifest.heads.file) : null;
      if (heads) checkHiddenSizes(manifest, variant.backbone, backbone, heads);
    } catch (error) {
      await backbone.release();
      await heads?.release();
      throw error;
    }
    const info: LoadedEngineInfo = {
      ...choice,
      files: [...files.values()].map((f) => ({ path: f.path, bytes: f.bytes.byteLength, fromCache: f.fromCache, checked: f.checked })),
      checkedAgainst: source.reference ?? 'the manifest',
      loadMs: 0,
      cacheNotice: cacheNotice(files.values()),
      headsFeed: null,
    };
    const engine = new Engine(manifest, info, tokenizer, backbone, heads, request);
    try {
      // A first run compiles kernels and shows at once whether this backend really works (no per-text retry here).
      const labels = engine.defaultLabels();
      await engine.scoreChunk(engine.plan(labels.length ? labels : [engine.zeroShotLabel('warm-up')]), [''], 0, () => false);
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

  /**
   * Times one batch of WARM_UP_TEXTS against the bundle's labels, after the load's first run has
   * compiled the kernels: the figure a timed backend choice compares (backend.ts `raceOutcome`).
   */
  async timeWarmUp(): Promise<number> {
    const labels = this.defaultLabels();
    const plan = this.plan(labels.length ? labels : [this.zeroShotLabel('warm-up')]);
    const started = performance.now();
    await this.scoreChunk(plan, WARM_UP_TEXTS, 0, () => false);
    return performance.now() - started;
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
   * Scores texts against labels in chunks growing from 1 text to `chunk` texts (batching.ts
   * `growingChunks`, so the first rows show after one text's run); each chunk's results go to
   * `onChunk` as soon as they exist. Before every backbone batch the worker's event loop runs
   * (so a cancel message posted meanwhile is handled), then `isCancelled` is asked and a
   * CancelledError thrown when it says so. A chunk that fails is scored again one text at a
   * time, so that only the texts that fail alone get an `error` and the rest their scores;
   * a failure the caller handles (a WebGPU failure it falls back from, faults.ts) is thrown.
   */
  async classify(
    texts: readonly string[],
    labels: readonly LabelSpec[],
    onChunk: (results: TextResult[], done: number) => void,
    isCancelled: () => boolean,
    chunk = DEFAULT_CHUNK,
    long: LongTextOption = TRUNCATE,
  ): Promise<void> {
    const plan = this.plan(labels, long);
    for (const [start, end] of growingChunks(texts.length, chunk)) {
      const slice = texts.slice(start, end);
      let results: TextResult[];
      try {
        results = await this.scoreChunk(plan, slice, start, isCancelled);
      } catch (error) {
        if (this.isFatal(error)) throw error;
        results = [];
        for (let i = 0; i < slice.length; i++) {
          try {
            results.push(...(await this.scoreChunk(plan, [slice[i]!], start + i, isCancelled)));
          } catch (alone) {
            if (this.isFatal(alone)) throw alone;
            results.push({ index: start + i, scores: [], truncated: false, windows: 1, tokens: 0, error: faultOf(alone) });
          }
        }
      }
      onChunk(results, end);
    }
  }

  /** Failures that end a request rather than one text: a cancel, or a WebGPU failure the caller falls back from. */
  private isFatal(error: unknown): boolean {
    return error instanceof CancelledError || fallsBack(error, this.request);
  }

  /** Checks the labels and prepares what every chunk of a request shares; throws an InputError for labels that cannot run. */
  private plan(labels: readonly LabelSpec[], long: LongTextOption = TRUNCATE): ClassifyPlan {
    this.checkLabels(labels);
    if (long.mode === 'windows' && !(Number.isInteger(long.stride) && long.stride >= 1)) {
      throw new InputError(`The window stride is ${long.stride}; it must be a whole number of tokens, at least 1. Set a stride such as 256.`);
    }
    const b = this.manifest.backbone;
    const cfg: NliConfig = {
      entailmentId: b.entailment_id,
      notEntailmentId: b.not_entailment_id,
      padId: this.manifest.tokenizer.pad_token_id,
      padMultiple: b.pad_multiple,
      limits: batchLimits(this.backend, this.manifest.variants[this.dtype]!),
    };
    const hyps = labels.map((l) => this.hypothesis(l.hypothesis));
    // A hypothesis that leaves no room for text fails every row: refuse the request once, up front.
    hyps.forEach((h, j) => {
      if (h.length + 3 > b.max_length_pair) {
        throw new InputError(
          `The hypothesis of '${labels[j]!.name}' is ${h.length} tokens long; with the text it must fit in ${b.max_length_pair} tokens. Shorten the label's hypothesis.`,
        );
      }
    });
    const headLabels = this.manifest.heads?.labels ?? [];
    const headColumn = labels.map((l) => (l.head ? headLabels.indexOf(l.name) : -1));
    const alpha = labels.map((l) => this.manifest.labels.find((m) => m.name === l.name)?.alpha ?? null);
    const needHeads = this.heads !== null && headColumn.some((c) => c >= 0);
    // The most text tokens any sequence keeps: a pair with the shortest hypothesis, or the text-only pass.
    const textRoom = Math.max(b.max_length_pair - 3 - Math.min(...hyps.map((h) => h.length)), needHeads ? b.max_length_text - 2 : 0);
    return { labels, cfg, hyps, headColumn, alpha, needHeads, textRoom, long };
  }

  /** Scores `slice` (texts `start`, `start + 1`, …) in one go; any failure fails them all. */
  private async scoreChunk(plan: ClassifyPlan, slice: readonly string[], start: number, isCancelled: () => boolean): Promise<TextResult[]> {
    const b = this.manifest.backbone;
    const { labels, cfg, hyps, headColumn, alpha, needHeads, textRoom, long } = plan;
    const headLabels = this.manifest.heads?.labels ?? [];
    // Only as much of a text as the longest sequence can hold is tokenised: a 10 MB cell costs
    // what its first few thousand characters cost, with the same ids (TextTokenizer.encodeHead).
    // Windows mode reads all of a text that does not fit (then the cost grows with its length).
    const encoded = slice.map((text) => {
      const head = this.tokenizer.encodeHead(text, textRoom);
      return long.mode === 'windows' && !head.complete ? this.tokenizer.encode(text) : head.ids;
    });
    const pairs: number[][] = [];
    const truncated = new Array<boolean>(slice.length).fill(false);
    const windows = new Array<number>(slice.length).fill(1);
    // Pairs of text i and label j are pairs[first[i * labels + j]] onwards, `count` of them.
    const first: number[] = [];
    const count: number[] = [];
    encoded.forEach((ids, i) => {
      for (const hyp of hyps) {
        first.push(pairs.length);
        const spans = long.mode === 'windows' ? windowSpans(ids.length, b.max_length_pair - 3 - hyp.length, long.stride) : [[0, ids.length] as const];
        for (const [from, to] of spans) {
          const p = pairIds(from === 0 && to === ids.length ? ids : ids.slice(from, to), hyp, b.max_length_pair, this.tokenizer.specials);
          if (p.truncated) truncated[i] = true;
          pairs.push(p.ids);
        }
        count.push(spans.length);
        windows[i] = Math.max(windows[i]!, spans.length);
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
      poly = await scoreHeads(this.backbone, this.heads!, seqs, headLabels.length, cfg, isCancelled, (at) => (this.info.headsFeed = at));
    }
    return slice.map((_, i): TextResult => ({
      index: start + i,
      truncated: truncated[i]!,
      windows: windows[i]!,
      tokens: encoded[i]!.length,
      scores: labels.map((_, j) => {
        const column = headColumn[j]!;
        const head = column >= 0 && poly ? { polyLogit: poly[i * headLabels.length + column]!, alpha: alpha[j]! } : null;
        const k = i * labels.length + j;
        return blendScore(aggregateWindows(nli, first[k]!, count[k]!, long.mode === 'windows' ? long.aggregate : 'max'), head);
      }),
    }));
  }

  async dispose(): Promise<void> {
    await this.backbone.release();
    await this.heads?.release();
  }
}

/** A label's NLI score over its `count` windows at `scores[first]` onwards (one window: that score, as truncating gives). */
export function aggregateWindows(scores: ArrayLike<number>, first: number, count: number, how: WindowAggregate): number {
  if (count === 1) return scores[first]!;
  let max = -Infinity;
  let sum = 0;
  for (let k = first; k < first + count; k++) {
    max = Math.max(max, scores[k]!);
    sum += scores[k]!;
  }
  switch (how) {
    case 'max':
      return max;
    case 'mean':
      return sum / count;
    default: {
      const never: never = how;
      throw new Error(`unknown aggregate ${String(never)}`);
    }
  }
}

/**
 * The width of the hidden states the backbone graph gives and the heads graph takes, where the
 * graphs declare it, against the manifest's: heads built for another backbone are refused by name.
 */
export function checkHiddenSizes(m: Manifest, backboneFile: string, backbone: ModelSession, heads: ModelSession): void {
  const expected = m.backbone.hidden_size;
  const gives = backbone.dims('last_hidden_state')?.[2];
  const takes = heads.dims('last_hidden_state')?.[2];
  const headsFile = m.heads!.file;
  if (typeof gives === 'number' && gives !== expected) {
    throw new BundleError(
      `${backboneFile} gives hidden states of width ${gives}, but manifest.json says backbone.hidden_size ${expected}. The manifest does not belong to this graph: re-export the bundle.`,
    );
  }
  if (typeof takes === 'number' && takes !== expected) {
    throw new BundleError(
      `${headsFile} takes hidden states of width ${takes}, but the backbone ${backboneFile} gives ${expected}: the heads were built for another backbone. ` +
        'Train or convert the heads for this backbone (model-export train or convert-checkpoint), or re-export the bundle.',
    );
  }
}
