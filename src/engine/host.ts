// Holds the worker's loaded engine: races WebGPU against WASM when backend.ts says so, and carries out the WebGPU-to-WASM fallback (faults.ts decides when) at load and mid-run.
import { type BackendPlan, planBackend, raceOutcome, type WarmUp } from './backend';
import { type BundleSource, loadManifest } from './bundle';
import { type LongTextOption, TRUNCATE } from './constants';
import { Engine, InputError, type LabelSpec, type LoadedEngineInfo, type LoadOptions, type TextResult } from './engine';
import { failureDetail, fallbackReason, fallsBack } from './faults';
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
  /** ms of one timed warm-up batch (engine.ts `timeWarmUp`). */
  timeWarmUp(): Promise<number>;
  dispose(): Promise<void>;
}

/** Loads an engine as `Engine.load` does. */
export type EngineLoader = (source: BundleSource, opts: LoadOptions) => Promise<HostedEngine>;

/** The request a fallback loads with: WASM, the variant the user asked for (or the automatic one). */
function onWasm(opts: LoadOptions): LoadOptions {
  return { ...opts, choice: undefined, request: { backend: 'wasm', dtype: opts.request.dtype } };
}


/**
 * The engine a worker serves requests with. A load or a run that fails on WebGPU in a way
 * `fallsBack` accepts is retried on WASM once; a run resumes after the last text whose result was
 * already handed on, so no text is scored twice.
 */
export class EngineHost {
  private engine: HostedEngine | null = null;
  private loaded: { source: BundleSource; opts: LoadOptions } | null = null;

  constructor(
    private readonly loader: EngineLoader = (source, opts) => Engine.load(source, opts),
    private readonly readManifest: (source: BundleSource) => Promise<Manifest> = loadManifest,
    /** The clock a timed choice's `measuredAt` is read from. */
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The engine now serving, or null before a load (or after one failed). */
  get current(): HostedEngine | null {
    return this.engine;
  }

  /**
   * Replaces the engine with one loaded from `source`, on the backend backend.ts `planBackend`
   * decides: by rule, from a remembered timed choice, or by racing both (`race`); on WebGPU
   * failure (see `fallsBack`) loads on WASM and says why in `info.reason`.
   */
  async load(source: BundleSource, opts: LoadOptions): Promise<HostedEngine> {
    await this.dispose();
    const engine = await this.loadPlanned(source, opts);
    this.engine = engine;
    this.loaded = { source, opts };
    return engine;
  }

  private async loadPlanned(source: BundleSource, opts: LoadOptions): Promise<HostedEngine> {
    // Nothing is timed without a real GPU, with a forced backend, or for a caller that keeps no timed choices (it would
    // pay for a race at every load): the engine decides by rule, without a second manifest read.
    if (!opts.remembered || opts.request.backend !== 'auto' || !opts.gpu.available || opts.gpu.software) return this.loadOrFallBack(source, opts);
    const manifest = await this.readManifest(source);
    const plan = planBackend(manifest, opts.gpu, opts.request, { threads: opts.threads ?? 1, remembered: opts.remembered });
    switch (plan.kind) {
      case 'chosen': {
        const engine = await this.loadOrFallBack(source, { ...opts, manifest, choice: plan.choice });
        if (plan.timed && engine.info.backend === plan.timed.backend) engine.info.timed = { ...plan.timed, remembered: true };
        return engine;
      }
      case 'race':
        return this.race(source, { ...opts, manifest }, plan);
      default: {
        const never: never = plan;
        throw new Error(`unknown plan ${JSON.stringify(never)}`);
      }
    }
  }

  private async loadOrFallBack(source: BundleSource, opts: LoadOptions): Promise<HostedEngine> {
    try {
      return await this.loader(source, opts);
    } catch (error) {
      if (!fallsBack(error, opts.request)) throw error;
      const engine = await this.loader(source, onWasm(opts));
      engine.info.reason = fallbackReason(error, 'loading');
      return engine;
    }
  }

  /**
   * Loads WebGPU's candidate, then WASM's, times one warm-up batch on each and keeps the faster
   * (backend.ts `raceOutcome`); the other is released. A WebGPU failure that `fallsBack` accepts
   * leaves WASM; any failure on WASM leaves a working WebGPU; both failing throws WASM's error.
   */
  private async race(source: BundleSource, opts: LoadOptions, plan: Extract<BackendPlan, { kind: 'race' }>): Promise<HostedEngine> {
    const started = performance.now();
    const run = async (choice: typeof plan.webgpu): Promise<{ engine: HostedEngine | null; warmUp: WarmUp; error?: unknown }> => {
      let engine: HostedEngine | null = null;
      try {
        engine = await this.loader(source, { ...opts, choice });
        return { engine, warmUp: { ms: await engine.timeWarmUp() } };
      } catch (error) {
        await engine?.dispose();
        return { engine: null, warmUp: { failed: failureDetail(error) }, error };
      }
    };
    const gpu = await run(plan.webgpu);
    if (!gpu.engine && !fallsBack(gpu.error, opts.request)) throw gpu.error;
    const wasm = await run(plan.wasm);
    const outcome = raceOutcome(plan, gpu.warmUp, wasm.warmUp, this.now());
    if (!outcome) throw wasm.error;
    const [winner, loser] = outcome.choice.backend === 'webgpu' ? [gpu.engine!, wasm.engine] : [wasm.engine!, gpu.engine];
    await loser?.dispose();
    winner.info.reason = outcome.choice.reason;
    // The load took both candidates' loads and warm-ups.
    winner.info.loadMs = performance.now() - started;
    if (outcome.timed) winner.info.timed = { ...outcome.timed, remembered: false };
    return winner;
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
