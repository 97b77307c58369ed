// A fake engine client for store tests: deterministic scores, streamed chunks, cancel between chunks, a crash and restart; an in-memory saved-run store.
import type { BackendRequest, TimedChoice, TimedChoices } from '../engine/backend';
import { blendScore } from '../engine/blend';
import type { FileProgress } from '../engine/bundle';
import { type LongTextOption, TRUNCATE } from '../engine/constants';
import type { LabelSpec, TextResult } from '../engine/engine';
import type { ErrorKind, Fault } from '../engine/errors';
import type { BundleInfo } from '../engine/info';
import { EngineError } from '../worker/client';
import type { SavedRun, SavedRunMeta, SavedRunStore } from '../io/savedRuns';
import type { BundleLocation, LoadStage, ReadyInfo } from '../worker/protocol';
import type { EngineLike } from './types';

export const FAKE_BUNDLE: BundleInfo = {
  id: 'fake',
  name: 'Fake bundle',
  description: null,
  headline: null,
  demo: true,
  hypothesisTemplate: 'This text is about {}.',
  labels: [
    { name: 'Technology', hypothesis: 'This example is tech.', head: true, alpha: 0.5, threshold: 0.4 },
    { name: 'Health', hypothesis: 'This example is health.', head: false, alpha: null, threshold: 0.3 },
  ],
  variant: { textsAgreeing: 2, texts: 2, maxEntailmentError: 1e-6, runAlone: true, recommended: true, assessment: 'as fp32' },
  derived: false,
  source: 'random-init:fake',
  tokenizerReference: 'spm.model',
  hasHeads: true,
};

/** NLI score of a (text, hypothesis) pair in the fake: a hash spread over (0, 1). */
export function fakeNli(text: string, hypothesis: string): number {
  let h = 7;
  for (const c of text + '|' + hypothesis) h = (h * 31 + c.charCodeAt(0)) % 1000003;
  return (h % 997) / 997;
}
/** Poly logit of a text in the fake. */
export function fakePolyLogit(text: string): number {
  return (text.length % 7) - 3;
}

export class FakeEngine implements EngineLike {
  loads: BundleLocation[] = [];
  /** The texts of every classify request, in order. */
  requests: string[][] = [];
  /** How each classify request ended, in request order (await one to know its run is over). */
  ends: Promise<unknown>[] = [];
  cancelled = new Set<number>();
  failLoad: string | null = null;
  failClassify: string | null = null;
  /** The kind of the failures above. */
  failKind: ErrorKind = 'internal';
  /** Texts that fail alone, as the engine reports a text it cannot score. */
  badTexts = new Map<string, Fault>();
  /** Cache notice of the next load. */
  cacheNotice: string | null = null;
  /** Crashes the worker after this many chunks of the next classify: the request fails as restarted and the bundle loads again. */
  crashAfterChunks: number | null = null;
  /** The labels of every classify request, in order. */
  labelRequests: string[][] = [];
  /** The long-text option of each classify request. */
  longRequests: LongTextOption[] = [];
  onRestart: ((ready: Promise<ReadyInfo>, reason: string) => void) | null = null;
  chunk = 2;
  /** The timed choices each load was given. */
  timedGiven: TimedChoices[] = [];
  /** What the worker would measure in a race: a load given no choice under its key reports it as new, else as remembered. */
  race: TimedChoice | null = null;
  private id = 0;

  async load(location: BundleLocation, request: BackendRequest, onProgress?: (stage: LoadStage, file?: FileProgress) => void, timed: TimedChoices = {}): Promise<ReadyInfo> {
    this.loads.push(location);
    this.timedGiven.push(timed);
    onProgress?.('manifest');
    await Promise.resolve();
    if (this.failLoad) throw new EngineError('load', this.failKind, this.failLoad);
    return {
      backend: 'wasm',
      dtype: request.dtype === 'auto' ? 'q8' : request.dtype,
      reason: 'no WebGPU adapter: using WASM',
      timed: this.race ? { ...(timed[this.race.key] ?? this.race), remembered: this.race.key in timed } : null,
      bundle: FAKE_BUNDLE,
      files: [],
      checkedAgainst: 'the manifest',
      loadMs: 1,
      cacheNotice: this.cacheNotice,
      headsFeed: 'cpu',
      adapter: null,
      threads: 1,
      ortVersion: '1.30.0',
    };
  }

  classify(
    texts: string[],
    labels: LabelSpec[],
    onResult: (r: TextResult[], done: number, total: number, ms: number) => void,
    _onReady?: unknown,
    long: LongTextOption = TRUNCATE,
  ) {
    const id = ++this.id;
    this.requests.push(texts);
    this.longRequests.push(long);
    this.labelRequests.push(labels.map((l) => l.name));
    const finished = (async () => {
      for (let start = 0, chunks = 0; start < texts.length; start += this.chunk, chunks++) {
        await new Promise((r) => setTimeout(r, 0));
        if (this.failClassify) throw new EngineError('classify', this.failKind, this.failClassify);
        if (this.crashAfterChunks === chunks) {
          this.crashAfterChunks = null;
          this.onRestart?.(this.load(this.loads.at(-1)!, { backend: 'auto', dtype: 'auto' }), 'out of memory');
          throw new EngineError('protocol', 'internal', 'The engine stopped (out of memory) and was restarted.', true);
        }
        if (this.cancelled.has(id)) return { cancelled: true, elapsedMs: start };
        const results = texts.slice(start, start + this.chunk).map((text, k): TextResult => {
          const error = this.badTexts.get(text);
          if (error) return { index: start + k, truncated: false, windows: 1, tokens: 0, scores: [], error };
          return {
            index: start + k,
            truncated: false,
            // Stands in for the engine's window count: one window per 10 characters past the first 10.
            windows: long.mode === 'windows' ? Math.max(1, Math.ceil((text.length - 10) / 10) + 1) : 1,
            tokens: text.length,
            scores: labels.map((l) => blendScore(fakeNli(text, l.hypothesis), l.head ? { polyLogit: fakePolyLogit(text), alpha: 0.5 } : null)),
          };
        });
        onResult(results, Math.min(texts.length, start + this.chunk), texts.length, start + 1);
      }
      return { cancelled: false, elapsedMs: texts.length };
    })();
    this.ends.push(finished.catch(() => undefined));
    return { id, finished };
  }

  cancel(id: number) {
    this.cancelled.add(id);
  }

  dispose() {}
}

/** An in-memory localStorage. */
export class MemoryStorage {
  readonly data = new Map<string, string>();
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

/** An in-memory saved-run store (IndexedDB in the browser); `failWrites` makes every write fail, `keepFiles` false refuses files (quota). */
export class MemoryRunStore<M extends SavedRunMeta, C> implements SavedRunStore<M, C> {
  run: SavedRun<M, C> | null = null;
  failWrites = false;
  keepFiles = true;
  private check() {
    if (this.failWrites) return Promise.reject(new Error('QuotaExceededError'));
    return Promise.resolve();
  }
  async start(meta: M, file: Blob | null) {
    await this.check();
    this.run = { meta, file: this.keepFiles ? file : null, chunks: [] };
    return this.keepFiles && file !== null;
  }
  async append(key: string, chunk: C) {
    await this.check();
    if (this.run?.meta.key === key) this.run.chunks.push(chunk);
  }
  async update(meta: M) {
    await this.check();
    if (this.run) this.run = { ...this.run, meta };
  }
  load() {
    return Promise.resolve(this.run && { ...this.run, chunks: [...this.run.chunks] });
  }
  clear() {
    this.run = null;
    return Promise.resolve();
  }
}
