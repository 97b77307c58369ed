// Holds the worker's loaded engine and carries out the WebGPU-to-WASM fallback (faults.ts decides when) at load and mid-run.
import type { BundleSource } from './bundle';
import { type LongTextOption, TRUNCATE } from './constants';
import { Engine, InputError, type LabelSpec, type LoadedEngineInfo, type LoadOptions, type TextResult } from './engine';
import { fallbackReason, fallsBack } from './faults';
import type { Manifest } from './manifest';

/** What the host needs of a loaded engine (Engine; a stub in tests). */
export interface HostedEngine {
  readonly manifest: Manifest;
  readonly info: LoadedEngineInfo;
  classify(
    texts: readonly string[],
    labels: readonly LabelSpec[],
    onChunk: (results: TextResult[], done: number) => void,
    isCancelled: () => boolean,
    chunk?: number,
    long?: LongTextOption,
  ): Promise<void>;
  dispose(): Promise<void>;
}

/** Loads an engine as `Engine.load` does. */
export type EngineLoader = (source: BundleSource, opts: LoadOptions) => Promise<HostedEngine>;

/** The request a fallback loads with: WASM, the variant the user asked for (or the automatic one). */
function onWasm(opts: LoadOptions): LoadOptions {
  return { ...opts, request: { backend: 'wasm', dtype: opts.request.dtype } };
}

/**
 * The engine a worker serves requests with. A load or a run that fails on WebGPU in a way
 * `fallsBack` accepts is retried on WASM once; a run resumes after the last text whose result was
 * already handed on, so no text is scored twice.
 */
export class EngineHost {
  private engine: HostedEngine | null = null;
  private loaded: { source: BundleSource; opts: LoadOptions } | null = null;

  constructor(private readonly loader: EngineLoader = (source, opts) => Engine.load(source, opts)) {}

  /** The engine now serving, or null before a load (or after one failed). */
  get current(): HostedEngine | null {
    return this.engine;
  }

  /** Replaces the engine with one loaded from `source`; on WebGPU failure (see `fallsBack`) loads on WASM and says why in `info.reason`. */
  async load(source: BundleSource, opts: LoadOptions): Promise<HostedEngine> {
    await this.dispose();
    let engine: HostedEngine;
    try {
      engine = await this.loader(source, opts);
    } catch (error) {
      if (!fallsBack(error, opts.request)) throw error;
      engine = await this.loader(source, onWasm(opts));
      engine.info.reason = fallbackReason(error, 'loading');
    }
    this.engine = engine;
    this.loaded = { source, opts };
    return engine;
  }

  /**
   * Classifies with the current engine. When WebGPU fails mid-run (see `fallsBack`), reloads on
   * WASM, tells `onBackendChange`, and scores only the texts not yet handed to `onChunk`; indices
   * and `done` stay those of the whole request.
   */
  async classify(
    texts: readonly string[],
    labels: readonly LabelSpec[],
    onChunk: (results: TextResult[], done: number) => void,
    isCancelled: () => boolean,
    onBackendChange: (engine: HostedEngine) => void,
    long: LongTextOption = TRUNCATE,
  ): Promise<void> {
    const engine = this.engine;
    if (!engine || !this.loaded) throw new InputError('No model is loaded yet. Wait for the model to finish loading.');
    let handed = 0;
    const run = (e: HostedEngine, offset: number) =>
      e.classify(
        offset ? texts.slice(offset) : texts,
        labels,
        (results, done) => {
          handed = offset + done;
          onChunk(offset ? results.map((r) => ({ ...r, index: r.index + offset })) : results, offset + done);
        },
        isCancelled,
        undefined,
        long,
      );
    try {
      await run(engine, 0);
    } catch (error) {
      if (!fallsBack(error, this.loaded.opts.request)) throw error;
      const { source, opts } = this.loaded;
      await this.dispose();
      const wasm = await this.loader(source, { ...onWasm(opts), onProgress: undefined });
      wasm.info.reason = fallbackReason(error, 'classifying');
      this.engine = wasm;
      this.loaded = { source, opts };
      onBackendChange(wasm);
      await run(wasm, handed);
    }
  }

  /** Releases the engine's sessions. */
  async dispose(): Promise<void> {
    const engine = this.engine;
    this.engine = null;
    await engine?.dispose();
  }
}
