// Test helpers: a stub loaded engine that scores texts two at a time and fails where told, and a scripted engine loader.
import type { BackendRequest } from './backend';
import type { BundleSource } from './bundle';
import type { Backend } from './constants';
import type { LabelSpec, LoadedEngineInfo, LoadOptions, TextResult } from './engine';
import type { HostedEngine } from './host';
import type { Manifest } from './manifest';
import { CancelledError } from './nli';

/** A source no stub reads from. */
export const STUB_SOURCE: BundleSource = { label: 'stub', read: () => Promise.reject(new Error('not read')) };

/** A loaded engine that scores texts two at a time and, if told, throws `error` before its chunk number `at`. */
export class StubEngine implements HostedEngine {
  readonly info: LoadedEngineInfo;
  /** Every text this engine scored, in order. */
  readonly scored: string[] = [];
  disposed = false;
  /** What timeWarmUp answers: its ms, or an error it throws. */
  warmUp: number | Error = 100;
  constructor(
    backend: Backend,
    private readonly fail: { at: number; error: unknown } | null = null,
    readonly manifest = {} as Manifest,
  ) {
    this.info = { backend, dtype: backend === 'webgpu' ? 'q4' : 'q8', reason: `${backend} chosen`, files: [], checkedAgainst: 'the manifest', loadMs: 1, cacheNotice: null, headsFeed: null };
  }
  async classify(texts: readonly string[], _labels: readonly LabelSpec[], onChunk: (r: TextResult[], done: number) => void, isCancelled: () => boolean) {
    for (let start = 0, chunk = 0; start < texts.length; start += 2, chunk++) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (isCancelled()) throw new CancelledError();
      if (this.fail && this.fail.at === chunk) throw this.fail.error;
      const slice = texts.slice(start, start + 2);
      this.scored.push(...slice);
      onChunk(
        slice.map((t, k) => ({ index: start + k, scores: [{ nli: t.length / 100, poly: null, alpha: null, blended: t.length / 100 }], truncated: false, windows: 1, tokens: t.length })),
        Math.min(texts.length, start + 2),
      );
    }
  }
  timeWarmUp() {
    return this.warmUp instanceof Error ? Promise.reject(this.warmUp) : Promise.resolve(this.warmUp);
  }
  dispose() {
    this.disposed = true;
    return Promise.resolve();
  }
}

/**
 * A loader that hands out engines per backend from a script: an engine, an error to throw, or a
 * promise (to hold a load open). `calls` records the requests it was given.
 */
export function scriptedLoader(script: Partial<Record<Backend, Array<StubEngine | Error | Promise<StubEngine>>>>) {
  const calls: BackendRequest[] = [];
  /** The choice each load was handed (host.ts decided), null where the engine chooses. */
  const choices: Array<LoadOptions['choice'] | null> = [];
  const load = (_source: BundleSource, opts: LoadOptions): Promise<HostedEngine> => {
    calls.push(opts.request);
    choices.push(opts.choice ?? null);
    const backend: Backend = opts.choice?.backend ?? (opts.request.backend === 'wasm' ? 'wasm' : 'webgpu');
    const next = script[backend]?.shift();
    if (!next) return Promise.reject(new Error(`unexpected ${backend} load`));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  return { load, calls, choices };
}
